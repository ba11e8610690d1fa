"""Every notebook is in the book, every book notebook has nbval coverage, and that coverage is current."""

import ast
import importlib.util
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NBVAL = ROOT / "tests" / "nbval"


def toc_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [Path(ch["file"]).name for ch in toc["chapters"]]


def sources() -> list[str]:
    return sorted(p.stem for p in (ROOT / "notebooks").glob("*.py"))


def test_every_notebook_is_listed_in_the_toc():
    missing = sorted(set(sources()) - set(toc_pages()))
    assert not missing, f"notebooks missing from _toc.yml: {missing}"


def test_the_toc_lists_the_chapter_registry_in_order():
    from collapse_lib.chapters import CHAPTERS

    notebook_pages = [p for p in toc_pages() if (ROOT / "notebooks" / f"{p}.py").is_file()]
    assert notebook_pages == list(CHAPTERS), "_toc.yml and collapse_lib.chapters.CHAPTERS list different chapters"


def test_every_judged_chapter_reads_experiments_the_book_runs():
    from collapse_lib import chapters

    run = {e.name for c in chapters.CHAPTERS.values() if c.experiment is not None for e in c.experiment.chain()}
    for c in chapters.judged():
        read = {e.name for e in c.experiments_read()}
        assert set(c.finding.reads) == read and read <= run, c.name


def test_every_judged_chapter_pastes_its_glance_box_under_the_claim():
    from collapse_lib import chapters

    for c in chapters.judged():
        cells = jupytext.read(ROOT / "notebooks" / f"{c.name}.py").cells
        first = next(cell.source for cell in cells if cell.cell_type == "markdown")
        claim = first.find("**Claim")
        paste = first.find(f"```{{glue:md}} {chapters.GLANCE_KEY}\n:format: myst\n```")
        assert 0 <= claim < paste, f"{c.name}: its first markdown cell must paste the glance box after the claim"


def test_every_toc_notebook_has_nbval_coverage():
    notebook_pages = [p for p in toc_pages() if (ROOT / "notebooks" / f"{p}.py").is_file()]
    assert notebook_pages, "the toc lists no notebooks"
    uncovered = [p for p in notebook_pages if not (NBVAL / f"{p}.ipynb").is_file()]
    assert not uncovered, f"no nbval notebook in tests/nbval/ for: {uncovered} (run: bash scripts/dev.sh nbval-refresh)"


def test_every_toc_page_exists():
    for page in toc_pages():
        assert any((ROOT / "book" / f"{page}{ext}").is_file() for ext in (".md", ".ipynb")) or \
            (ROOT / "notebooks" / f"{page}.py").is_file(), page


@pytest.mark.parametrize("name", sources())
def test_nbval_notebook_runs_the_current_source(name):
    code = lambda nb: [c.source.strip() for c in nb.cells if c.cell_type == "code"]
    current = code(jupytext.read(ROOT / "notebooks" / f"{name}.py"))
    stored = code(nbformat.read(NBVAL / f"{name}.ipynb", as_version=4))
    assert stored == current, f"tests/nbval/{name}.ipynb is stale: run `bash scripts/dev.sh nbval-refresh`"


@pytest.mark.parametrize("name", sources())
def test_parameters_cell_and_claim(name):
    nb = jupytext.read(ROOT / "notebooks" / f"{name}.py")
    assert nb.cells[0].cell_type == "markdown" and "Claim" in nb.cells[0].source
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and "profile = \"smoke\"" in tagged[0].source
    assert all("os.environ" not in c.source for c in nb.cells), "notebooks take sizes from papermill, not the environment"


def load_build_book():
    spec = importlib.util.spec_from_file_location("build_book", ROOT / "scripts" / "build_book.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", sources())
def test_papermill_reads_every_name_of_the_parameters_cell(name):
    # papermill drops a line it cannot parse (e.g. an '=' inside a comment) and then calls the parameter unknown
    nb = jupytext.read(ROOT / "notebooks" / f"{name}.py")
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assigned = {t.id for node in ast.parse(cell.source).body if isinstance(node, ast.Assign)
                for t in node.targets if isinstance(t, ast.Name)}
    assert load_build_book().declared_parameters(name) == assigned


@pytest.mark.parametrize("profile", ["smoke", "cpu", "paper", "rehearsal"])
def test_every_profile_sets_only_parameters_the_notebooks_declare(profile):
    build_book = load_build_book()
    params = build_book.check_profile(profile, build_book.toc_notebooks())
    assert all(p["profile"] == profile for p in params.values())


def test_a_misspelt_profile_parameter_is_refused_before_anything_runs(monkeypatch):
    build_book = load_build_book()
    monkeypatch.setattr(build_book.profiles, "profile_parameters", lambda profile, name, *a: {"profile": profile, "wrokers": 2})
    with pytest.raises(SystemExit, match="wrokers"):
        build_book.check_profile("cpu", build_book.toc_notebooks())


def test_a_misspelt_common_parameter_is_refused_before_anything_runs(monkeypatch):
    build_book = load_build_book()
    monkeypatch.setattr(build_book.profiles, "common_parameters", lambda profile: {"wokers": 2})
    with pytest.raises(SystemExit, match="wokers"):
        build_book.check_profile("cpu", build_book.toc_notebooks())
