"""Seeds and determinism flags, in one place."""

from __future__ import annotations

import random

import numpy as np
import torch

_TAGS = {"init": 1, "train": 2, "sample": 3, "select": 4, "measure": 5, "gate": 6}


def derive_seed(seed: int, iteration: int, tag: str) -> int:
    """An independent 31-bit seed for one purpose of one iteration of a run seeded ``seed``."""
    return int(np.random.SeedSequence([seed, iteration, _TAGS[tag]]).generate_state(1)[0] & 0x7FFFFFFF)


def seed_everything(seed: int) -> None:
    """Seed Python, numpy and torch (CPU and CUDA) and ask torch for deterministic kernels where cheap."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    torch.backends.cudnn.benchmark = False
