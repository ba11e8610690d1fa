import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

SCRIPT = Path(__file__).with_name("dist_sample.py")


def test_two_processes_sample_the_same_images_as_one(tmp_path):
    single, double = tmp_path / "one.npy", tmp_path / "two.npy"
    subprocess.run([sys.executable, str(SCRIPT), str(single), "--single"], check=True)
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent))
    subprocess.run([torchrun, "--nproc_per_node", "2", "--master_port", "29533", str(SCRIPT), str(double)],
                   check=True, timeout=240)
    a, b = np.load(single), np.load(double)
    assert a.shape == (50, 1, 8, 8)
    np.testing.assert_array_equal(a, b)


def test_loop_under_torchrun_writes_one_run_folder(tmp_path):
    import json

    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("n_train: 32\niterations: 2\nwidth: 32\nblocks: 1\ntrain_steps: 10\nbatch_size: 16\n"
                   "sample_steps: 4\nsample_batch: 8\nthreads: 1\nsave_models: false\n")
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent))
    subprocess.run([torchrun, "--nproc_per_node", "2", "--master_port", "29534", "-m", "collapse_lib.cli", "run",
                    "--config", str(cfg), "--out", str(tmp_path / "run"), "--quiet"], check=True, timeout=300)
    metrics = json.loads((tmp_path / "run" / "iter_02" / "metrics.json").read_text())
    assert metrics["n_generated"] == 32 and metrics["real_share"] == 0.0
    assert len((tmp_path / "run" / "stats.jsonl").read_text().splitlines()) == 2
