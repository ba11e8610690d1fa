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
