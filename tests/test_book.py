"""Build the smoke book end to end and look at what a reader would see."""

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from collapse_lib import report

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def smoke_book(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("book")
    env = {**os.environ, "COLLAPSE_RUNS": str(tmp / "runs"), "COLLAPSE_RESULTS": str(tmp / "results")}
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_book.py"), "--profile", "smoke"],
                          env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return ROOT / "_build" / "stage-smoke" / "_build" / "html", tmp / "results" / "smoke"


def test_every_toc_page_rendered_with_figures_and_no_errors(smoke_book):
    html_dir, _ = smoke_book
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]] + [ch["file"] for ch in toc["chapters"]]
    for page in pages:
        html = (html_dir / f"{page}.html").read_text()
        # an error output renders as an ipythontb traceback block
        assert "Traceback (most recent call last)" not in html and "ipythontb" not in html, page
        staged = html_dir.parents[1] / f"{page}.ipynb"
        if staged.is_file():
            outputs = [o for c in nbformat.read(staged, as_version=4).cells for o in c.get("outputs", [])]
            assert not [o for o in outputs if o.output_type == "error"], f"{page} has an error output"
        if (ROOT / "notebooks" / f"{Path(page).name}.py").is_file():
            assert len(re.findall(r"<img [^>]*src=\"[^\"]*\.png\"", html)) >= 1, f"{page} shows no figure"


def test_results_and_summary_were_written(smoke_book):
    html_dir, results = smoke_book
    names = sorted(p.stem for p in (ROOT / "notebooks").glob("*.py"))
    assert sorted(p.stem for p in results.glob("*.json")) == names
    import pandas as pd

    table = pd.read_csv(results / "metrics.csv")
    assert set(table.experiment) == {"sizes", "selection", "cfg", "ablation"}
    for col in ("paradigm", "selector", "n_train", "seed", "iteration", "gs", "entropy", "mnnd", "cov_trace", "fd",
                "real_share", "within_class_nnd"):
        assert col in table.columns
    series = list(report.SERIES_COLUMNS) + ["iteration"]
    assert not table.duplicated(series).any(), "a series has rows of two runs"
    summary = (html_dir / "book" / "summary.html").read_text()
    assert summary.count("<tr") >= 9 and "not run" not in summary
