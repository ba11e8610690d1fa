"""The book as one PDF (make pdf): printed from the smoke profile's staged pages by headless Chromium, with a title
page naming the profile and the paper, every chapter, the figures, and every formula typeset (no raw TeX left)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")

pytestmark = pytest.mark.skipif(BROWSER is None, reason="Chromium is not installed here (bash .ci/run installs "
                                                         "Debian's chromium package; apt-get install chromium)")


@pytest.fixture(scope="module")
def pdf_text():
    from pypdf import PdfReader

    stage = ROOT / "_build" / "stage-smoke" / "book"
    if not (Path(os.environ["COLLAPSE_RESULTS"]) / "smoke" / "metrics.csv").is_file() or not stage.is_dir():
        proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_book.py"), "--profile", "smoke"],
                              capture_output=True, text=True, timeout=1200)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "book_pdf.py"), "--profile", "smoke"],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    reader = PdfReader(ROOT / "_build" / "pdf" / "book-smoke.pdf")
    return reader, [page.extract_text() for page in reader.pages]


def _titles() -> list[str]:
    """Every page's first heading, from the sources (the notebooks' and the prose pages')."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    titles = []
    for entry in [toc["root"]] + [c["file"] for c in toc["chapters"]]:
        name = Path(entry).name
        source = ROOT / "notebooks" / f"{name}.py"
        if source.is_file():  # a jupytext source: its markdown lines are comments, the title '# # ...'
            titles.append(next(line[4:] for line in source.read_text().splitlines() if line.startswith("# # ")))
        else:
            titles.append(next(line[2:] for line in (ROOT / "book" / f"{name}.md").read_text().splitlines()
                               if line.startswith("# ")))
    return titles


def test_the_pdf_opens_with_a_title_page_naming_the_profile_and_the_paper(pdf_text):
    _, pages = pdf_text
    first = " ".join(pages[0].split())  # the title wraps where the page's width puts it
    assert "a reproduction" in first and "smoke" in first and "2509.16499" in first


def test_every_chapter_is_in_the_pdf(pdf_text):
    _, pages = pdf_text
    text = " ".join(" ".join(pages).split()).replace("’", "'")
    missing = [t for t in _titles() if " ".join(t.split())[:40] not in text]
    assert not missing, missing


def test_figures_are_in_the_pdf_and_math_is_typeset(pdf_text):
    reader, pages = pdf_text
    text = "\n".join(pages)
    assert len(reader.pages) >= len(_titles()) + 1
    assert sum(len(p.images) for p in reader.pages) >= 10
    for raw in ("\\(", "\\)", "\\mathcal", "\\mathrm", "$$", "\\frac"):
        assert raw not in text, f"raw TeX {raw!r} left in the PDF"
