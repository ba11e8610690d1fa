"""Every way the command line can be misused gives one line, before any work, with the right exit status; the
real CLI runs in a subprocess, as a user would call it."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from .test_loop import TINY


def collapse(*argv, cwd=None, env=None, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "collapse_lib.cli", *map(str, argv)], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, **(env or {})}, timeout=timeout)


def one_line(proc: subprocess.CompletedProcess, code: int, match: str) -> None:
    err = proc.stderr.strip()
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert match in err, err


def _config(path: Path, **changes) -> Path:
    path.write_text("\n".join(f"{k}: {json.dumps(v)}" for k, v in {**TINY, **changes}.items()) + "\n")
    return path


@pytest.fixture
def pool(tmp_path):
    np.save(tmp_path / "pool.npy", np.random.default_rng(0).normal(size=(200, 8)).astype(np.float32))
    return tmp_path / "pool.npy"


def test_select_refuses_an_output_it_cannot_write_before_selecting(tmp_path, pool):
    one_line(collapse("select", pool, "--size", 5, "--out", tmp_path / "missing" / "keep.npy"), 1, "does not exist")
    (tmp_path / "locked").mkdir(mode=0o500)
    if os.geteuid() != 0:  # root may write anywhere
        one_line(collapse("select", pool, "--size", 5, "--out", tmp_path / "locked" / "keep.npy"), 1, "cannot write")
    one_line(collapse("select", pool, "--size", 5, "--out", tmp_path), 1, "--out must name a .npy file")


def test_select_refuses_to_overwrite_its_own_input(pool):
    before = pool.read_bytes()
    one_line(collapse("select", pool, "--size", 5, "--out", pool), 1, "is also an input")
    assert pool.read_bytes() == before


def test_a_text_file_and_a_folder_are_named_as_what_they_are(tmp_path):
    (tmp_path / "notes.npy").write_text("these are notes\n")
    one_line(collapse("score", tmp_path / "notes.npy", "--train", tmp_path / "notes.npy"), 1, "not a .npy file")
    (tmp_path / "dir.npy").mkdir()
    one_line(collapse("score", tmp_path / "dir.npy", "--train", tmp_path / "dir.npy"), 1, "is a folder, not a file")


def test_a_negative_seed_names_the_option(pool, tmp_path):
    one_line(collapse("select", pool, "--size", 5, "--seed", -1, "--out", tmp_path / "k.npy"), 2,
             "argument --seed: must be >= 0, got -1")


def test_an_executor_option_without_a_value_is_one_line(tmp_path):
    one_line(collapse("run", "--config", _config(tmp_path / "c.yaml"), "--executor", "slurm",
                      "--executor-option", "partition"), 1, "--executor-option partition: expected KEY=VALUE")


@pytest.mark.skipif(shutil.which("sbatch") is not None, reason="this machine has Slurm")
def test_slurm_without_sbatch_is_an_error_unless_the_local_stand_in_is_asked_for(tmp_path):
    one_line(collapse("run", "--config", _config(tmp_path / "c.yaml"), "--executor", "slurm"), 1, "no sbatch on PATH")


def test_an_unreachable_dask_scheduler_fails_within_ten_seconds(tmp_path):
    t0 = time.perf_counter()
    proc = collapse("run", "--config", _config(tmp_path / "c.yaml"), "--executor", "dask://127.0.0.1:9", timeout=60)
    assert time.perf_counter() - t0 < 20  # 10 s of waiting plus starting Python and dask
    one_line(proc, 1, "no Dask scheduler answered at tcp://127.0.0.1:9 within 10 s")


def test_an_empty_config_and_a_bad_key_are_refused(tmp_path):
    (tmp_path / "empty.yaml").write_text("\n")
    one_line(collapse("run", "--config", tmp_path / "empty.yaml"), 1, "the file is empty")
    bad = collapse("run", "--config", _config(tmp_path / "c.yaml", colour="blue"))
    one_line(bad, 1, "invalid run configuration: colour: unknown key")


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="this machine has a CUDA device")
def test_cuda_without_a_gpu_is_refused_before_any_work(tmp_path):
    one_line(collapse("run", "--config", _config(tmp_path / "c.yaml"), "--set", "device=cuda",
                      "--runs-root", tmp_path / "runs"), 1, "torch sees no CUDA device")
    assert not (tmp_path / "runs").exists()


def test_out_at_a_file_or_at_another_configs_folder_is_one_line(tmp_path):
    cfg = _config(tmp_path / "c.yaml", iterations=1)
    (tmp_path / "afile").write_text("x")
    one_line(collapse("run", "--config", cfg, "--out", tmp_path / "afile", "--quiet"), 1, "is a file, not a run folder")
    assert collapse("run", "--config", cfg, "--out", tmp_path / "mine", "--quiet").returncode == 0
    one_line(collapse("run", "--config", cfg, "--set", "seed=3", "--out", tmp_path / "mine", "--quiet"), 1,
             "holds a run of a different configuration")


def test_a_damaged_config_json_in_a_chosen_folder_names_the_file(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "config.json").write_text('{"config": {"n_tra')
    one_line(collapse("run", "--config", _config(tmp_path / "c.yaml"), "--out", tmp_path / "mine"), 1,
             "mine/config.json: not valid JSON")


def test_runs_go_under_collapse_runs_or_the_runs_root(tmp_path):
    cfg = _config(tmp_path / "c.yaml", iterations=1)
    assert collapse("run", "--config", cfg, "--quiet", cwd=tmp_path, env={"COLLAPSE_RUNS": str(tmp_path / "env")}).returncode == 0
    assert len(list((tmp_path / "env").glob("run-*"))) == 1 and (tmp_path / "env" / "_cache").is_dir()
    assert collapse("run", "--config", cfg, "--quiet", "--runs-root", tmp_path / "flag", cwd=tmp_path).returncode == 0
    assert len(list((tmp_path / "flag").glob("run-*"))) == 1 and not (tmp_path / "runs").exists()


def test_ctrl_c_says_where_it_stopped_and_how_to_resume(tmp_path):
    cfg = _config(tmp_path / "c.yaml", iterations=6, train_steps=400)
    proc = subprocess.Popen([sys.executable, "-m", "collapse_lib.cli", "run", "--config", str(cfg), "--quiet",
                             "--runs-root", str(tmp_path / "runs")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.time() + 120
    while not list((tmp_path / "runs").glob("*/iter_01/manifest.json")) and time.time() < deadline:
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1].startswith("interrupted at iteration ") and \
        err.strip().endswith("; run the same command again to resume"), err
    assert "Traceback" not in err


def _stored_model(tmp_path, **changes) -> Path:
    cfg = _config(tmp_path / "c.yaml", iterations=1, **changes)
    assert collapse("run", "--config", cfg, "--quiet", "--runs-root", tmp_path / "runs").returncode == 0
    return next((tmp_path / "runs").glob("run-*")) / "iter_01"


def test_detect_refuses_bad_images_and_labels_an_unconditional_model_cannot_use(tmp_path):
    it = _stored_model(tmp_path)
    good = np.load(it / "samples.npz")["images"][:4]
    for name, images, match in [("nan", np.where(np.arange(good.size).reshape(good.shape) == 3, np.nan, good), "NaN"),
                                ("range", good * 128 + 127, "the denoiser takes images in [-1, 1]")]:
        np.save(tmp_path / f"{name}.npy", images.astype(np.float32))
        one_line(collapse("detect", it / "model", tmp_path / f"{name}.npy"), 1, match)
    np.save(tmp_path / "good.npy", good)
    np.save(tmp_path / "labels.npy", np.zeros(4, np.int64))
    one_line(collapse("detect", it / "model", tmp_path / "good.npy", "--labels", tmp_path / "labels.npy"), 1,
             "the model is unconditional")


def test_a_damaged_iteration_is_one_warning_line_and_the_rerun_succeeds(tmp_path):
    it = _stored_model(tmp_path)
    samples = it / "samples.npz"
    samples.write_bytes(samples.read_bytes()[:100])
    proc = collapse("run", "--config", tmp_path / "c.yaml", "--quiet", "--runs-root", tmp_path / "runs")
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"warning: iter_01 of {it.parent.name} cannot be reused (") and \
        "samples.npz: 100 bytes" in lines[0] and lines[0].endswith("; recomputing from iteration 1"), lines
