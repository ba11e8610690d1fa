"""Execute every notebook of the book with papermill at one profile, write the summary, build the HTML.

    python scripts/build_book.py --render-only            # the committed pages to HTML in seconds (no execution)
    python scripts/build_book.py --profile cpu            # pages into book/ (committed), HTML in _build/html
    python scripts/build_book.py --profile smoke          # pages staged in _build/stage-smoke/, HTML there
    python scripts/build_book.py --execute-only tests/nbval   # smoke-default notebooks for nbval (no params)

Executed pages are tagged for reading: the parameters cell and the one papermill injects are removed from
the page (each chapter shows a "settings" table instead), and the code of the other cells is folded away
behind a toggle. Math is typeset by a MathJax copied from the installed ``django-static-mathjax`` package
into the book's ``_static/`` folder, so pages render without a network.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jupytext
import nbformat
import papermill
from papermill.translators import PythonTranslator

from collapse_lib import chapters, profiles, report
from collapse_lib.profiles import PROFILES

ROOT = Path(__file__).resolve().parents[1]


def toc_notebooks() -> list[str]:
    """The book's notebooks in order: the chapter registry (``_toc.yml`` lists the same, checked by the tests)."""
    return list(chapters.CHAPTERS)


def declared_parameters(name: str) -> set[str]:
    """Names papermill reads from the notebook's `parameters` cell (what a profile may set)."""
    nb = jupytext.read(ROOT / "notebooks" / f"{name}.py")
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    return {p.name for p in PythonTranslator.inspect(cell)}


def check_profile(profile: str, names: list[str]) -> dict[str, dict]:
    """Every notebook's profile parameters, refused before anything runs if one is not in its parameters cell
    (and a common value that no notebook declares is refused too: it would be a typo)."""
    declared = {name: declared_parameters(name) for name in names}
    try:
        params = {name: profiles.profile_parameters(profile, name, declared[name]) for name in names}
    except ValueError as err:
        raise SystemExit(str(err)) from None
    for name, values in params.items():
        unknown = sorted(set(values) - declared[name])
        if unknown:
            raise SystemExit(f"params/{profile}/ sets {unknown} for {name}, which has no such parameter "
                             f"(its parameters: {sorted(declared[name])})")
    from collapse_lib.loop.executors import ExecutorSpecError, check_spec

    for name, values in params.items():
        try:
            run = profiles.execution(values.get("execution"))
            check_spec(run["executor"], run["executor_options"])
        except (ExecutorSpecError, ValueError) as err:
            raise SystemExit(f"params/{profile}/ for {name}: {err}") from None
    unused = sorted(set(profiles.common_parameters(profile)) - set().union(*declared.values()))
    if unused:
        raise SystemExit(f"params/{profile}/common.yaml sets {unused}, which no notebook of the book declares")
    return params


def execute(name: str, out_dir: Path, parameters: dict | None) -> float:
    """Convert notebooks/<name>.py to a notebook and run it with papermill into out_dir/<name>.ipynb."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"{name}.ipynb"
        jupytext.write(jupytext.read(ROOT / "notebooks" / f"{name}.py"), src)
        t0 = time.perf_counter()
        papermill.execute_notebook(str(src), str(out_dir / f"{name}.ipynb"), parameters=parameters or {},
                                   cwd=str(ROOT), kernel_name="python3", progress_bar=False)
    seconds = time.perf_counter() - t0
    _portable_paths(out_dir / f"{name}.ipynb", name)
    return seconds


def _portable_paths(path: Path, name: str) -> None:
    """Replace the machine paths papermill records in the notebook's metadata by the source and page paths
    relative to the repository (a committed page names no folder of the machine that built it)."""
    nb = nbformat.read(path, as_version=4)
    record = nb.metadata.get("papermill", {})
    record["input_path"] = f"notebooks/{name}.py"
    out = path.resolve()
    record["output_path"] = str(out.relative_to(ROOT)) if out.is_relative_to(ROOT) else path.name
    nbformat.write(nb, path)


def tag_for_reading(path: Path) -> None:
    """Remove the parameter cells from the page and fold the code of the others (jupyter-book cell tags)."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tags = [t for t in cell.metadata.get("tags", []) if t not in ("remove-cell", "hide-input")]
        machinery = {"parameters", "injected-parameters"} & set(tags)
        cell.metadata["tags"] = tags + ["remove-cell" if machinery else "hide-input"]
    nbformat.write(nb, path)


def install_mathjax(folder: Path) -> None:
    """Copy MathJax 3 (tex-chtml and its fonts) from the django-static-mathjax package into folder/_static/mathjax."""
    from importlib.resources import files

    src = Path(str(files("mathjax") / "static" / "mathjax" / "es5"))
    dest = folder / "_static" / "mathjax"
    if (dest / "tex-chtml.js").is_file():
        return
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(src / "tex-chtml.js", dest / "tex-chtml.js")
    shutil.copytree(src / "output" / "chtml" / "fonts", dest / "output" / "chtml" / "fonts", dirs_exist_ok=True)


def render(folder: Path) -> int:
    """Build the HTML of the pages in ``folder`` (strict: warnings are errors)."""
    install_mathjax(folder)
    cmd = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(folder), "-W", "--keep-going", "-q"]
    code = subprocess.run(cmd).returncode
    print(f"book: {folder / '_build' / 'html' / 'index.html'}")
    return code


def stage(profile: str) -> Path:
    """Folder the book is built from: the project itself for cpu, a copy under _build/ otherwise."""
    if profile == "cpu":
        return ROOT
    folder = ROOT / "_build" / f"stage-{profile}"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "book").mkdir(parents=True)
    for f in ("_config.yml", "_toc.yml"):
        shutil.copy(ROOT / f, folder / f)
    for f in ("references.bib",):
        if (ROOT / f).is_file():
            shutil.copy(ROOT / f, folder / f)
    for md in (ROOT / "book").glob("*.md"):
        shutil.copy(md, folder / "book" / md.name)
    return folder


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", choices=PROFILES, default="cpu")
    ap.add_argument("--execute-only", metavar="DIR", help="only execute the notebooks at their defaults into DIR")
    ap.add_argument("--only", nargs="*", help="execute just these notebooks (others keep their pages)")
    ap.add_argument("--render-only", action="store_true", help="build the HTML of the committed pages, executing nothing")
    args = ap.parse_args()
    if args.render_only:
        return render(ROOT)
    names = toc_notebooks()
    if args.execute_only:
        for name in args.only or names:
            print(f"{name}: {execute(name, Path(args.execute_only), None):.0f} s", flush=True)
        return 0
    unknown = sorted(set(args.only or []) - set(names))
    if unknown:
        raise SystemExit(f"--only {unknown}: not notebooks of the book (choose from {names})")
    params = check_profile(args.profile, names)
    folder = stage(args.profile)
    if not args.only:
        report.start_metrics_table(args.profile)  # a whole build writes the table afresh from the run cache
    total = time.perf_counter()
    for name in names:
        if args.only and name not in args.only and (folder / "book" / f"{name}.ipynb").is_file():
            continue
        print(f"{name}: {execute(name, folder / 'book', params[name]):.0f} s", flush=True)
        tag_for_reading(folder / "book" / f"{name}.ipynb")
    subprocess.run([sys.executable, str(ROOT / "scripts" / "summary.py"), "--profile", args.profile,
                    "--out", str(folder / "book" / "summary.md")], check=True)
    print(f"notebooks executed in {time.perf_counter() - total:.0f} s", flush=True)
    return render(folder)


if __name__ == "__main__":
    sys.exit(main())
