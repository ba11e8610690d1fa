import os

import numpy as np
import pytest
import torch

torch.set_num_threads(int(os.environ.get("COLLAPSE_TEST_THREADS", "2")))


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture
def clustered(rng):
    """A clustered float64 pool (600 x 16): blobs, like generated features late in the loop."""
    centres = rng.normal(size=(12, 16)) * 4
    return centres[rng.integers(0, 12, 600)] + rng.normal(size=(600, 16))
