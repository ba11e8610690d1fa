"""The paper profile, rehearsed: the rehearsal profile changes only what it may, the preflight names each missing
piece with its fix, the GPU check runs at tiny sizes on the CPU, and every notebook runs end to end on the paper's
code path (its UNets, DINOv2 features, the Inception FID path, DDPM sampling) into staged pages and results."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from collapse_lib import cost, preflight, profiles, standins
from collapse_lib.loop.config import from_dict

ROOT = Path(__file__).resolve().parents[1]


def _keys(values: dict) -> set[str]:
    values = values or {}  # a file of comments only
    return {k for k in values if k not in ("base", "inherits")} | set(values.get("base", {}))


def test_the_rehearsal_changes_only_what_it_may_and_inherits_the_rest():
    folder = ROOT / "params" / "rehearsal"
    assert yaml.safe_load((folder / "common.yaml").read_text())["inherits"] == "paper"
    for path in folder.glob("*.yaml"):
        changed = _keys(yaml.safe_load(path.read_text()))
        assert changed <= profiles.REHEARSAL_CHANGES, (path.name, sorted(changed - profiles.REHEARSAL_CHANGES))
    from collapse_lib.chapters import CHAPTERS

    for name in CHAPTERS:
        paper, rehearsal = profiles.profile_parameters("paper", name), profiles.profile_parameters("rehearsal", name)
        for key in set(paper) | set(rehearsal):
            if key in ("profile",) or key in profiles.REHEARSAL_CHANGES:
                continue
            if isinstance(paper.get(key), dict):
                same = {k: v for k, v in paper[key].items() if k not in profiles.REHEARSAL_CHANGES}
                assert same == {k: v for k, v in rehearsal[key].items() if k not in profiles.REHEARSAL_CHANGES}, key
            else:
                assert paper.get(key) == rehearsal.get(key), (name, key)


@pytest.fixture(scope="module")
def stand_ins(tmp_path_factory):
    return standins.write_all(tmp_path_factory.mktemp("standins"))


def test_preflight_names_each_missing_piece_and_passes_on_stand_ins(stand_ins, tmp_path, monkeypatch):
    cfg = from_dict({"dataset": "cifar10", "data_root": str(stand_ins["cifar10"]), "n_train": 32})
    assert preflight.check_data(cfg).ok
    missing = preflight.check_data(cfg.replace(data_root=str(tmp_path / "nothing")))
    assert not missing.ok and "cifar-10-batches-py" in missing.fix
    assert not preflight.check_data(cfg, n_needed=10_000).ok  # the stand-in holds 200 images
    assert preflight.check_dinov2(str(stand_ins["dinov2"])).ok
    monkeypatch.setattr(preflight, "_hub_reachable", lambda *a: False)
    offline = preflight.check_dinov2("facebook/no-such-model")
    assert not offline.ok and "huggingface-cli download" in offline.fix
    assert preflight.check_inception(str(stand_ins["inception"])).ok
    assert not preflight.check_inception(str(tmp_path / "nope.pt")).ok
    import torch

    assert preflight.check_cuda("cuda").ok == torch.cuda.is_available()
    monkeypatch.setattr(preflight.shutil, "disk_usage", lambda p: type("U", (), {"free": 10})())
    from collapse_lib.plan import book_plan

    assert not preflight.check_disk(book_plan("rehearsal", tmp_path), tmp_path).ok
    dask = preflight.check_executor({"executor": "dask://127.0.0.1:9"})
    assert not dask.ok and "no Dask scheduler answered" in dask.detail
    if not __import__("shutil").which("sbatch"):
        assert not preflight.check_executor({"executor": "slurm"}).ok


def test_the_inception_stand_in_runs_on_the_real_fid_path(stand_ins):
    import numpy as np

    from collapse_lib.features import make_features

    feats = make_features("inception", inception_path=str(stand_ins["inception"]))
    out = feats(np.random.default_rng(0).uniform(-1, 1, (5, 1, 28, 28)).astype(np.float32))
    assert out.shape == (5, 64) and np.isfinite(out).all()


def test_gpu_check_runs_at_tiny_sizes_on_the_cpu_and_the_cost_reads_it(tmp_path):
    out = tmp_path / "gpu.json"
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "gpu_check.py"), "--cpu-smoke", "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    check = json.loads(out.read_text())
    parts = check["train"] + check["sample"] + [check["dinov2"], check["nn"], check["greedy"]]
    assert all("failed" not in p for p in parts), [p for p in parts if "failed" in p]
    assert {r["precision"] for r in check["train"]} == {"fp32", "bf16"} and len(check["sample"]) == 2
    fake = {"device": "a test GPU", "train": [{"model": m, "precision": "fp16", "compile": False, "channels_last": False,
                                             "img_per_s": 5000.0} for m in ("unet-cifar", "unet-mnist")],
            "sample": [{"model": m, "img_steps_per_s": 50000.0} for m in ("unet-cifar", "unet-mnist")]}
    text = cost.report("paper", check=fake)
    assert "measured img/s of a test GPU" in text and "assumed" not in text


@pytest.mark.slow
def test_the_rehearsal_builds_every_page_of_the_paper_profile(tmp_path):
    env = {**os.environ, "COLLAPSE_RUNS": str(tmp_path / "runs"), "COLLAPSE_RESULTS": str(tmp_path / "results")}
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_book.py"), "--profile", "rehearsal"],
                          capture_output=True, text=True, timeout=1200, env=env)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "everything is in place" in proc.stdout
    from collapse_lib.chapters import CHAPTERS

    results = tmp_path / "results" / "rehearsal"
    pages = ROOT / "_build" / "stage-rehearsal" / "book"
    for name, chapter in CHAPTERS.items():
        assert (pages / f"{name}.ipynb").is_file(), name
        if chapter.finding is not None:
            assert (results / f"{name}.json").is_file(), name
    assert (results / "metrics.csv").is_file() and (pages / "summary.md").is_file()
    assert (ROOT / "_build" / "stage-rehearsal" / "_build" / "html" / "book" / "summary.html").is_file()
