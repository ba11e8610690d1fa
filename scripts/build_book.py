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
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import jupytext
import nbformat
import papermill
from papermill.translators import PythonTranslator

from collapse_lib import chapters, profiles
from collapse_lib.loop import store
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


def execute(name: str, out_dir: Path, parameters: dict | None, page: str | None = None) -> float:
    """Convert notebooks/<name>.py to a notebook and run it with papermill into out_dir/<name>.ipynb."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"{name}.ipynb"
        jupytext.write(with_stable_ids(jupytext.read(ROOT / "notebooks" / f"{name}.py")), src)
        t0 = time.perf_counter()
        papermill.execute_notebook(str(src), str(out_dir / f"{name}.ipynb"), parameters=parameters or {},
                                   cwd=str(ROOT), kernel_name="python3", progress_bar=False)
    seconds = time.perf_counter() - t0
    _portable_paths(out_dir / f"{name}.ipynb", name, page)
    return seconds


def with_stable_ids(nb):
    """Cell ids from the cells' sources (jupytext and papermill draw random ones), so a page rebuilt with unchanged
    sources and numbers differs from the committed one only in its execution times."""
    import hashlib

    seen: dict[str, int] = {}
    for cell in nb.cells:
        digest = hashlib.sha1(f"{cell.cell_type}:{cell.source}".encode()).hexdigest()[:8]
        seen[digest] = seen.get(digest, 0) + 1
        cell["id"] = digest if seen[digest] == 1 else f"{digest}-{seen[digest]}"
    return nb


def _portable_paths(path: Path, name: str, page: str | None = None) -> None:
    """Replace the machine paths papermill records in the notebook's metadata by the source and page paths
    relative to the repository (a committed page names no folder of the machine that built it), and give the
    cell papermill injects a fixed id."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"
    record = nb.metadata.get("papermill", {})
    record["input_path"] = f"notebooks/{name}.py"
    out = path.resolve()
    record["output_path"] = page or (str(out.relative_to(ROOT)) if out.is_relative_to(ROOT) else path.name)
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


#: the book's pages that scripts/summary.py writes from a profile's results
GENERATED = ("summary.md", "glance.md")


def stage(profile: str) -> Path:
    """Folder the book is built from: the project itself for cpu, _build/stage-<profile>/ otherwise (kept from build
    to build, so ``--only`` rebuilds the named pages and keeps the others)."""
    if profile == "cpu":
        return ROOT
    folder = ROOT / "_build" / f"stage-{profile}"
    (folder / "book").mkdir(parents=True, exist_ok=True)
    for f in ("_config.yml", "_toc.yml", "references.bib"):
        if (ROOT / f).is_file():
            shutil.copy(ROOT / f, folder / f)
    for md in (ROOT / "book").glob("*.md"):
        if md.name not in GENERATED:  # the profile's own summary and glance box are written for it (or imported)
            shutil.copy(md, folder / "book" / md.name)
    return folder


def results_root() -> Path:
    """Where results/<profile>/ live: $COLLAPSE_RESULTS (tests) or the project's results/."""
    return Path(os.environ.get("COLLAPSE_RESULTS") or ROOT / "results")


def staged_results(profile: str, whole: bool) -> Path:
    """A copy of the results the notebooks write into while they run (published only when every one succeeds); a
    whole build starts its metrics.csv afresh, --only replaces the rebuilt notebooks' rows in the current one."""
    real, staged = results_root(), ROOT / "_build" / f"results-{profile}"
    shutil.rmtree(staged, ignore_errors=True)
    if real.is_dir():
        shutil.copytree(real, staged)
    (staged / profile).mkdir(parents=True, exist_ok=True)
    if whole:
        (staged / profile / "metrics.csv").unlink(missing_ok=True)
    return staged


def publish_results(staged: Path, profile: str) -> None:
    """Move a successful build's results/<profile>/ files into place (each file atomically)."""
    from collapse_lib.files import atomic_write_bytes

    for f in sorted((staged / profile).iterdir()):
        if f.is_file():
            atomic_write_bytes(results_root() / profile / f.name, f.read_bytes())


def overrides(pairs: list[list[str]], yaml_texts: list[str]) -> dict:
    """-p NAME VALUE and -y YAML options, as papermill reads them (values parsed as YAML)."""
    import yaml

    values = {name: yaml.safe_load(value) for name, value in pairs}
    for text in yaml_texts:
        parsed = yaml.safe_load(text) or {}
        if not isinstance(parsed, dict):
            raise SystemExit(f"-y {text!r}: expected YAML mapping names to values, e.g. -y 'sizes: [64, 128]'")
        values.update(parsed)
    return values


def apply_overrides(params: dict[str, dict], names: list[str], values: dict) -> None:
    """Give each notebook of ``names`` the override values it declares (a dict, such as ``base``, changes the
    profile's key by key); a name none of them declares is refused."""
    for key, value in values.items():
        takers = [n for n in names if key in declared_parameters(n)]
        if not takers:
            raise SystemExit(f"-p/-y {key}: no notebook of this build declares it (check the name)")
        for n in takers:
            below = params[n] if key != "base" or "base" in params[n] else {**params[n], "base": profiles.SMOKE_BASE}
            params[n].update(profiles.overlay(below, {key: value}))


class Failed(SystemExit):
    """A notebook failed: the build stops, and nothing it computed replaces the earlier pages or results."""


def _keep_failed(name: str, scratch: Path) -> str:
    failed = ROOT / "_build" / "failed"
    failed.mkdir(parents=True, exist_ok=True)
    if (scratch / f"{name}.ipynb").is_file():
        shutil.copy(scratch / f"{name}.ipynb", failed / f"{name}.ipynb")
        return f"; the failed notebook is {(failed / f'{name}.ipynb').relative_to(ROOT)}"
    return ""


def execute_page(name: str, parameters: dict, scratch: Path) -> float:
    """Execute one notebook into ``scratch`` and tag it for reading; a failure stops the build with one line."""
    try:
        seconds = execute(name, scratch, parameters, page=f"book/{name}.ipynb")
    except papermill.PapermillExecutionError as err:
        raise Failed(f"{name}: cell {err.cell_index} (execution {err.exec_count}) failed: {err.ename}: {err.evalue}; "
                     f"the earlier pages and results are unchanged{_keep_failed(name, scratch)}") from None
    except Exception as err:  # a kernel that died, a timeout: no cell to name
        raise Failed(f"{name}: {type(err).__name__}: {err}; the earlier pages and results are unchanged"
                     f"{_keep_failed(name, scratch)}") from None
    tag_for_reading(scratch / f"{name}.ipynb")
    return seconds


def progress_reporter(profile: str, names: list[str], every: float = 60.0):
    """A thread that prints, every ``every`` seconds, the notebook under way, the runs done and the time left
    (from the optimizer steps the profile's runs still need); returns (set_current, stop)."""
    from collapse_lib.plan import book_plan, steps_done

    # a profile without parameter files (smoke) runs the notebooks' own defaults, which only the notebooks know
    planned = (profiles.params_dir(profile) / "common.yaml").is_file()
    plan = [r for r in book_plan(profile) if r.chapter in names] if planned else []
    total = sum(sum(r.steps) for r in plan)
    state = {"current": "", "start": time.perf_counter(), "done0": steps_done(plan)}
    stop = threading.Event()

    def line() -> str:
        done = steps_done(plan)
        finished = sum(all(store.is_finished(r.run_dir, n) for n in range(1, r.cfg.iterations + 1)) for r in plan)
        rate = (done - state["done0"]) / max(1e-9, time.perf_counter() - state["start"])
        if done >= total:
            left = "nothing left to train"
        else:
            left = f"about {(total - done) / rate / 60:.0f} min of training left" if rate > 0 else "time left: estimating"
        k = names.index(state["current"]) + 1 if state["current"] in names else 0
        return f"book: notebook {k} of {len(names)} ({state['current']}), runs {finished} of {len(plan)} done, {left}"

    def loop():
        while not stop.wait(every):
            print(line(), flush=True)

    if plan:
        threading.Thread(target=loop, daemon=True).start()
    return (lambda name: state.update(current=name)), stop.set


def build(profile: str, names: list[str], params: dict[str, dict], whole: bool) -> Path:
    """Execute ``names`` at ``profile`` into the book's pages; the results are staged and published at the end."""
    folder = stage(profile)
    staged = staged_results(profile, whole)
    scratch = ROOT / "_build" / f"executing-{profile}"
    shutil.rmtree(scratch, ignore_errors=True)
    before = os.environ.get("COLLAPSE_RESULTS")
    os.environ["COLLAPSE_RESULTS"] = str(staged)  # the kernels inherit it: notebooks write into the staged copy
    set_current, stop = progress_reporter(profile, names)
    total = time.perf_counter()
    try:
        for k, name in enumerate(names, 1):
            set_current(name)
            print(f"[{k}/{len(names)}] {name}: {execute_page(name, params[name], scratch):.0f} s", flush=True)
    finally:
        stop()
        if before is None:
            os.environ.pop("COLLAPSE_RESULTS")
        else:
            os.environ["COLLAPSE_RESULTS"] = before
    for name in names:  # every notebook succeeded: its page and the results go into place together
        shutil.move(scratch / f"{name}.ipynb", folder / "book" / f"{name}.ipynb")
    publish_results(staged, profile)
    print(f"notebooks executed in {time.perf_counter() - total:.0f} s", flush=True)
    return folder


def run_preflight(profile: str) -> int:
    """Print every need of ``profile`` with its fix, and its projected cost; returns how many needs are missing."""
    from collapse_lib.preflight import preflight

    checks, cost_lines = preflight(profile)
    print(f"preflight for the {profile} profile:")
    for c in checks:
        print("  " + c.line())
    print("\n".join("  " + line for line in cost_lines))
    missing = sum(not c.ok for c in checks)
    print(f"  {missing} missing: nothing was trained" if missing else "  everything is in place", flush=True)
    return missing


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", choices=PROFILES, default="cpu")
    ap.add_argument("--execute-only", metavar="DIR", help="only execute the notebooks at their defaults into DIR")
    ap.add_argument("--only", nargs="*", help="execute just these notebooks (the others keep their pages)")
    ap.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                    help="set a notebook parameter (YAML value), as papermill's -p; refused if no notebook declares it")
    ap.add_argument("-y", "--yaml", action="append", default=[], metavar="YAML", help="parameters as YAML, as papermill's -y")
    ap.add_argument("--render-only", action="store_true",
                    help="build the HTML of the profile's executed pages (cpu: the committed ones), executing nothing")
    ap.add_argument("--check", action="store_true", help="only check what the profile needs (data, weights, GPU, disk, "
                    "executor) and print its projected cost; exits 1 when something is missing")
    args = ap.parse_args()
    if args.render_only:  # an imported or staged profile's pages render from its stage folder
        return render(ROOT if args.profile == "cpu" else stage(args.profile))
    names = toc_notebooks()
    if args.only is not None and not args.only:
        raise SystemExit("--only needs the names of the notebooks to rebuild (it was given none)")
    unknown = sorted(set(args.only or []) - set(names))
    if unknown:
        raise SystemExit(f"--only {unknown}: not notebooks of the book (choose from {names})")
    selected = [n for n in names if not args.only or n in args.only]
    if args.execute_only:
        for name in selected:
            print(f"{name}: {execute(name, Path(args.execute_only), None):.0f} s", flush=True)
        return 0
    params = check_profile(args.profile, names)
    apply_overrides(params, selected, overrides(args.parameter, args.yaml))
    if args.profile == "rehearsal":
        from collapse_lib import standins

        standins.write_all(ROOT / "_build" / "rehearsal")  # the local stand-ins its params point at
    if args.check or args.profile in profiles.PREFLIGHT_PROFILES:
        missing = run_preflight(args.profile)
        if args.check or missing:
            return 1 if missing else 0
    if args.only:
        refuse_stale_results(args.profile, kept=[n for n in names if n not in selected])
    folder = build(args.profile, selected, params, whole=not args.only)
    if subprocess.run([sys.executable, str(ROOT / "scripts" / "summary.py"), "--profile", args.profile,
                       "--out", str(folder / "book" / "summary.md")]).returncode:
        return 1  # the summary has said why; the executed pages are kept
    return render(folder)


def refuse_stale_results(profile: str, kept: list[str]) -> None:
    """Before executing anything: the pages ``--only`` keeps must have results the summary can still read."""
    from collapse_lib import chapters, summary
    from collapse_lib.files import DamagedFile
    from collapse_lib.report import read_results

    try:
        results = {k: v for k, v in read_results(profile).items() if k in kept}
    except DamagedFile as err:
        raise SystemExit(f"{err}; add that page to --only") from None
    stale = summary.unreadable(results, chapters.judged())
    if stale:
        raise SystemExit(f"results/{profile}/{stale[0]}.json was written by an earlier version of the book; add "
                         f"{' '.join(stale)} to --only")


if __name__ == "__main__":
    sys.exit(main())
