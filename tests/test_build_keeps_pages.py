"""The book build keeps what it has: --only rebuilds only the named pages, a failed notebook changes no page or
result and names its cell, --only without names and an undeclared -p are refused before anything runs."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def build(*argv, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "build_book.py"), *argv], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ})


def test_only_without_names_is_refused():
    proc = build("--profile", "smoke", "--only")
    assert proc.returncode != 0 and "--only needs the names" in proc.stderr


def test_a_parameter_no_notebook_declares_is_refused():
    proc = build("--profile", "smoke", "--only", "00_training_study", "-p", "studdy", "cpu")
    assert proc.returncode != 0 and "-p/-y studdy: no notebook of this build declares it" in proc.stderr


def test_only_refuses_to_keep_pages_whose_results_the_summary_cannot_read(tmp_path):
    results = tmp_path / "results"
    (results / "smoke").mkdir(parents=True)
    (results / "smoke" / "02_entropy_decline.json").write_text('{"notebook": "02_entropy_decline", "holds": true}')
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_book.py"), "--profile", "smoke", "--only",
                           "00_training_study"], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLLAPSE_RESULTS": str(results)})
    assert proc.returncode == 1 and proc.stderr.strip() == (
        "results/smoke/02_entropy_decline.json was written by an earlier version of the book; add "
        "02_entropy_decline to --only"), proc.stderr
    (results / "smoke" / "02_entropy_decline.json").write_text('{"notebook": "02_ent')
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_book.py"), "--profile", "smoke", "--only",
                           "00_training_study"], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLLAPSE_RESULTS": str(results)})
    assert proc.returncode == 1 and "02_entropy_decline.json: not valid JSON" in proc.stderr and \
        "Traceback" not in proc.stderr, proc.stderr


def test_a_failed_notebook_keeps_the_earlier_page_and_names_its_cell():
    page = ROOT / "_build" / "stage-smoke" / "book" / "00_training_study.ipynb"
    ok = build("--profile", "smoke", "--only", "00_training_study")
    assert ok.returncode == 0, ok.stdout[-2000:] + ok.stderr[-2000:]
    before = page.read_bytes()
    failed = build("--profile", "smoke", "--only", "00_training_study", "-p", "study", "no-such-study")
    assert failed.returncode == 1
    message = failed.stderr.strip().splitlines()[-1]
    assert message.startswith("00_training_study: cell ") and "FileNotFoundError" in message, message
    assert "the earlier pages and results are unchanged" in message
    assert page.read_bytes() == before
    assert (ROOT / "_build" / "failed" / "00_training_study.ipynb").is_file()


def _build_module():
    spec = importlib.util.spec_from_file_location("build_book", ROOT / "scripts" / "build_book.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_results_are_staged_and_published_whole_builds_start_the_table_afresh(tmp_path, monkeypatch):
    bb = _build_module()
    monkeypatch.setenv("COLLAPSE_RESULTS", str(tmp_path / "results"))
    (tmp_path / "results" / "smoke").mkdir(parents=True)
    (tmp_path / "results" / "smoke" / "metrics.csv").write_text("experiment,iteration\nsizes,1\n")
    (tmp_path / "results" / "smoke" / "01.json").write_text("{}")
    partial = bb.staged_results("smoke", whole=False)
    assert (partial / "smoke" / "metrics.csv").read_text() == "experiment,iteration\nsizes,1\n"
    whole = bb.staged_results("smoke", whole=True)
    assert not (whole / "smoke" / "metrics.csv").exists() and (whole / "smoke" / "01.json").is_file()
    (whole / "smoke" / "metrics.csv").write_text("experiment,iteration\nsizes,2\n")
    assert (tmp_path / "results" / "smoke" / "metrics.csv").read_text().endswith("sizes,1\n"), "published too early"
    bb.publish_results(whole, "smoke")
    assert (tmp_path / "results" / "smoke" / "metrics.csv").read_text().endswith("sizes,2\n")


@pytest.mark.parametrize("profile", ["smoke", "paper"])
def test_the_stage_folder_keeps_its_pages(profile):
    bb = _build_module()
    folder = bb.stage(profile)
    marker = folder / "book" / "kept-page.ipynb"
    marker.write_text("{}")
    try:
        assert bb.stage(profile) == folder and marker.is_file()
    finally:
        marker.unlink()
