import os
import tempfile

import numpy as np
import pytest
import torch

torch.set_num_threads(int(os.environ.get("COLLAPSE_TEST_THREADS", "1")))

# Notebook runs under nbval (kernels inherit this environment) write runs and results to a scratch folder,
# never into the checkout's runs/ or results/.
_SCRATCH = tempfile.mkdtemp(prefix="collapse-tests-")
os.environ.setdefault("COLLAPSE_RUNS", os.path.join(_SCRATCH, "runs"))
os.environ.setdefault("COLLAPSE_RESULTS", os.path.join(_SCRATCH, "results"))


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture
def clustered(rng):
    """A clustered float64 pool (600 x 16): blobs, like generated features late in the loop."""
    centres = rng.normal(size=(12, 16)) * 4
    return centres[rng.integers(0, 12, 600)] + rng.normal(size=(600, 16))
