"""The rooms of collapse_lib stand in layers, bottom to top; a module imports only from its own layer or below
(imports inside functions count too). This list is the one statement of the order."""

import ast
from pathlib import Path

LIB = Path(__file__).resolve().parents[1] / "collapse_lib"

LAYERS = [
    # foundations: files and paths, the names a config chooses among, threads, seeds, data on disk
    {"_arrays", "_inputs", "choices", "data", "distributed", "files", "paths", "seeding", "settings", "standins",
     "threads"},
    # pure functions on arrays: neighbours, metrics, selectors; the denoisers' architectures
    {"neighbors", "metrics", "selection", "selection.algorithms", "selection.clusters", "selection.kernels", "models"},
    # how the book names things (numbers, metrics, choices)
    {"words"},
    # training and sampling, feature spaces, the model's own signals
    {"diffusion", "features", "representation"},
    # the self-consuming loop and its run folders
    {"loop", "loop.config", "loop.store", "loop.paradigms", "loop.first_model", "loop.measure", "loop.readback",
     "loop.iterations", "loop.runner", "loop.many", "loop.executors"},
    # the paper's claims, judged on the tidy table (no torch, no loop)
    {"findings", "findings.claim", "findings.rule", "findings.common", "findings.wording", "findings.sizes",
     "findings.selection", "findings.guidance", "findings.ablations", "findings.detection"},
    # the book's pieces: experiments, profiles, results and their bundles, pages, figures, the summary
    {"experiments", "profiles", "report", "bundle", "pages", "plots", "summary"},
    # the chapters, and what they cost
    {"chapters", "plan", "cost", "preflight"},
    # the command line
    {"cli"},
]


def _modules() -> dict[str, Path]:
    out = {}
    for f in LIB.rglob("*.py"):
        parts = f.with_suffix("").relative_to(LIB).parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = f
    return out


def _imports(name: str, path: Path, modules: dict) -> set[str]:
    """The collapse_lib modules ``name`` imports, anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".") if package else []
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join([*base, node.module] if node.module else base)
            elif (node.module or "").startswith("collapse_lib"):
                target = node.module.removeprefix("collapse_lib").lstrip(".")
            else:
                continue
            for alias in node.names:
                joined = f"{target}.{alias.name}".lstrip(".")
                found.add(joined if joined in modules else target)
        elif isinstance(node, ast.Import):
            found |= {a.name.removeprefix("collapse_lib.") for a in node.names if a.name.startswith("collapse_lib.")}
    return {m for m in found if m in modules and m != name}


def _layer(name: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if name in layer)


def test_every_module_has_a_layer():
    modules = set(_modules()) - {""}
    assert modules <= set().union(*LAYERS), f"modules without a layer: {sorted(modules - set().union(*LAYERS))}"


def test_no_module_imports_one_above_it():
    modules = _modules()
    upward = [f"{name} (layer {_layer(name)}) imports {dep} (layer {_layer(dep)})"
              for name, path in modules.items() if name for dep in _imports(name, path, modules)
              if dep and _layer(dep) > _layer(name)]
    assert not upward, "\n".join(upward)


def test_the_check_sees_an_upward_import(tmp_path):
    """The rule fails a module that reaches up (a words module importing the chapters)."""
    bad = tmp_path / "words.py"
    bad.write_text("from .chapters import CHAPTERS\n\ndef f():\n    from . import cli\n")
    assert _imports("words", bad, _modules()) == {"chapters", "cli"}
