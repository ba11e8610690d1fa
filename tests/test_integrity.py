"""Nothing lost, nothing silently wrong: damaged run files are found, named and recomputed to the same numbers;
a second process waits for a run's lock and reuses its result; files follow the umask."""

import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

from collapse_lib.loop.config import from_dict
from collapse_lib.loop.runner import run_loop

from .test_loop import TINY

TIMING = ["train_seconds", "sample_seconds", "trained"]
CFG = {**TINY, "name": "integrity"}


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """One finished run (unshared first model, so its cache holds it) and its table."""
    root = tmp_path_factory.mktemp("clean")
    run = run_loop(from_dict(CFG), runs_root=root, progress=False)
    return root, run, pd.read_csv(run / "metrics.csv")


def _copy(clean, tmp_path) -> Path:
    root, run, _ = clean
    shutil.copytree(root, tmp_path / "runs")
    return tmp_path / "runs" / run.name


def _damage(path: Path, how: str) -> None:
    if how == "delete":
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    elif how == "truncate":
        path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    else:  # flip bytes in the middle, size unchanged
        data = bytearray(path.read_bytes())
        mid = len(data) // 2
        data[mid : mid + 8] = bytes(b ^ 0xFF for b in data[mid : mid + 8])
        path.write_bytes(bytes(data))


def _rerun(run: Path) -> tuple[pd.DataFrame, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run_loop(from_dict(CFG), runs_root=run.parent, progress=False)
    return pd.read_csv(run / "metrics.csv"), [str(w.message) for w in caught]


ITERATION_FILES = ["iter_01/samples.npz", "iter_01/train_set.npz", "iter_02/metrics.json",
                   "iter_02/model/unet/diffusion_pytorch_model.safetensors"]


@pytest.mark.parametrize("how", ["truncate", "flip", "delete"])
@pytest.mark.parametrize("name", ITERATION_FILES)
def test_a_damaged_iteration_is_named_and_recomputed_to_the_same_numbers(clean, tmp_path, name, how):
    run = _copy(clean, tmp_path)
    _damage(run / name, how)
    table, messages = _rerun(run)
    first = int(name[5:7])
    assert any(f"iter_{first:02d} of {run.name} cannot be reused" in m and "recomputing" in m for m in messages), messages
    pd.testing.assert_frame_equal(table.drop(columns=TIMING), clean[2].drop(columns=TIMING))
    assert len((run / "stats.jsonl").read_text().splitlines()) == CFG["iterations"]


@pytest.mark.parametrize("name", ["stats.jsonl", "metrics.csv"])
def test_a_damaged_log_or_table_is_rewritten_from_the_iterations(clean, tmp_path, name):
    run = _copy(clean, tmp_path)
    _damage(run / name, "truncate")
    table, _ = _rerun(run)
    pd.testing.assert_frame_equal(table, clean[2])
    assert (run / "stats.jsonl").read_text().count("\n") == CFG["iterations"]


def test_a_damaged_config_json_of_the_run_is_rewritten_and_a_foreign_one_is_named(clean, tmp_path):
    run = _copy(clean, tmp_path)
    _damage(run / "config.json", "truncate")
    table, messages = _rerun(run)
    assert any("config.json: not valid JSON" in m for m in messages)
    pd.testing.assert_frame_equal(table, clean[2])
    other = tmp_path / "mine"
    other.mkdir()
    (other / "config.json").write_text('{"config": {"n_tr')
    from collapse_lib.files import DamagedFile

    with pytest.raises(DamagedFile, match=r"mine/config.json: not valid JSON"):
        run_loop(from_dict(CFG), out=other, runs_root=tmp_path / "runs", progress=False)


@pytest.mark.parametrize("how", ["truncate", "flip", "delete-record"])
def test_a_damaged_first_model_in_the_cache_is_retrained_with_a_warning(clean, tmp_path, how):
    root = _copy(clean, tmp_path).parent
    cached = next((root / "_cache" / "first_models").glob("*.safetensors"))
    if how == "delete-record":
        cached.with_suffix(".json").unlink()
    else:
        _damage(cached, how)
    cfg = from_dict({**CFG, "selector": "greedy", "pool_factor": 2.0})  # another run that shares the first model
    with pytest.warns(RuntimeWarning, match="first-model cache .* is damaged"):
        run = run_loop(cfg, runs_root=root, progress=False)
    assert json.loads((run / "iter_01" / "metrics.json").read_text())["trained"] is True
    first = pd.read_csv(run / "metrics.csv").iloc[0]
    assert first.gs == pytest.approx(clean[2].iloc[0].gs)  # retrained to the same weights


def test_verify_checks_the_hash_of_large_files_too(clean, tmp_path, monkeypatch):
    from collapse_lib import files

    run = _copy(clean, tmp_path)
    monkeypatch.setattr(files, "HASH_ALWAYS_BYTES", 0)  # every file counts as large: only sizes are checked
    _damage(run / "iter_02" / "samples.npz", "flip")
    from collapse_lib.loop.readback import is_complete

    assert is_complete(run, from_dict(CFG))
    assert not is_complete(run, from_dict(CFG), full=True)


def _cli_run(root: Path, *extra: str) -> subprocess.Popen:
    cfg = root / "c.yaml"
    cfg.write_text("\n".join(f"{k}: {json.dumps(v)}" for k, v in {**CFG, "iterations": 3}.items()) + "\n")
    return subprocess.Popen([sys.executable, "-m", "collapse_lib.cli", "run", "--config", str(cfg), "--quiet",
                             "--runs-root", str(root / "runs"), *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def test_two_identical_runs_at_once_do_the_work_once(tmp_path):
    first, second = _cli_run(tmp_path), _cli_run(tmp_path)
    outs = [p.communicate(timeout=300) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], outs
    assert any("waiting for" in err and "held by pid" in err for _, err in outs), outs
    run = next((tmp_path / "runs").glob("integrity-*"))
    lines = (run / "stats.jsonl").read_text().splitlines()
    assert [json.loads(line)["iteration"] for line in lines] == [1, 2, 3]


def test_files_follow_the_umask(tmp_path):
    code = ("import os, sys; os.umask(0o002); from collapse_lib.files import atomic_write_text; "
            "atomic_write_text(sys.argv[1], 'x')")
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "f.txt")], check=True)
    assert (tmp_path / "f.txt").stat().st_mode & 0o777 == 0o664
    old = os.umask(0o077)
    try:
        from collapse_lib.files import atomic_write_text

        atomic_write_text(tmp_path / "g.txt", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "g.txt").stat().st_mode & 0o777 == 0o600


def test_iterations_after_a_recomputed_one_stay_unfinished_when_the_rerun_is_interrupted(clean, tmp_path, monkeypatch):
    from collapse_lib.loop import iterations, readback

    run = _copy(clean, tmp_path)
    _damage(run / "iter_01" / "samples.npz", "truncate")
    real = iterations._run_iteration

    def stop_at_two(ctx, d_n, n, progress):
        if n == 2:
            raise KeyboardInterrupt
        return real(ctx, d_n, n, progress)

    monkeypatch.setattr(iterations, "_run_iteration", stop_at_two)
    with warnings.catch_warnings(), pytest.raises(KeyboardInterrupt):
        warnings.simplefilter("ignore")
        run_loop(from_dict(CFG), runs_root=run.parent, progress=False)
    # iteration 2 was built from the old iteration 1: its files are still there, but it must not count as finished
    assert readback.reuse_problem(run, 2, from_dict(CFG)) == "not finished"
    monkeypatch.setattr(iterations, "_run_iteration", real)
    table, _ = _rerun(run)
    pd.testing.assert_frame_equal(table.drop(columns=TIMING), clean[2].drop(columns=TIMING))
