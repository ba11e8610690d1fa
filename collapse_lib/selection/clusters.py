"""The cluster layout the pruned selectors work on: the rows of each cluster listed together (an index array; the
pool is not copied), and per cluster its centre, radius and largest row norm (for the bounds of ``kernels``).

Clusters come in two levels, so that there are many small ones without assigning every row against every centre:
k-means on a sample splits the pool into ``COARSE`` parts, and each part is split again in proportion to its size,
to about sqrt(n) leaves in all. Centres are fitted on samples and rows assigned in chunks, so no temporary grows
with the pool beyond one chunk. How good the clusters are decides how much the bounds prune, never which rows are
picked: a row's bound uses its true distance to its own centre.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

#: rows a chunk of the assignment and of the copy handles at once
ROWS = 16384
#: rows of the sample the centres are fitted on, per cluster
SAMPLE_PER_CLUSTER = 48


@dataclass
class Layout:
    """Each cluster's rows (``members[starts[c]:starts[c] + counts[c]]``, in increasing index order) with its centre,
    radius and largest row norm: the ``tree`` the kernels read."""

    members: np.ndarray
    centres: np.ndarray  # float64 (k, d)
    radius: np.ndarray  # float64 (k,)
    maxnorm: np.ndarray  # float64 (k,): the largest |x| in each cluster
    starts: np.ndarray
    counts: np.ndarray

    @property
    def tree(self) -> tuple:
        return self.centres, self.radius, self.maxnorm, self.starts, self.counts, self.members


#: parts of the first level
COARSE = 48


def n_clusters(n: int) -> int:
    """How many leaf clusters for a pool of n rows: about sqrt(n), between 16 and 2,048 (smaller clusters bound more
    tightly; each pick measures its distance to every leaf centre)."""
    return int(min(2048, max(16, math.sqrt(n))))


def _assign(x: np.ndarray, centres: torch.Tensor, rows: np.ndarray) -> np.ndarray:
    """The nearest centre of each of ``rows``, a chunk at a time (in float32)."""
    c_sq = (centres * centres).sum(1)
    label = np.empty(len(rows), np.int64)
    for s in range(0, len(rows), ROWS):
        chunk = torch.from_numpy(np.asarray(x[rows[s:s + ROWS]], dtype=np.float32))
        label[s:s + ROWS] = torch.argmin(c_sq[None] - 2.0 * chunk @ centres.T, 1).numpy()
    return label


def _fit_centres(x: np.ndarray, k: int, rows: np.ndarray, iters: int = 8, seed: int = 0) -> torch.Tensor:
    """k-means (Lloyd) centres of a seeded sample of ``rows``."""
    rng = np.random.default_rng(seed)
    take = np.sort(rng.choice(rows, min(len(rows), k * SAMPLE_PER_CLUSTER), replace=False))
    sample = torch.from_numpy(np.asarray(x[take], dtype=np.float32))
    centres = sample[torch.from_numpy(rng.choice(len(sample), min(k, len(sample)), replace=False))].clone()
    s_sq = (sample * sample).sum(1, keepdim=True)
    for _ in range(iters):
        label = torch.argmin(s_sq - 2.0 * sample @ centres.T + (centres * centres).sum(1)[None], 1)
        members = torch.nn.functional.one_hot(label, len(centres)).to(sample.dtype)  # sums by a product, not a scatter
        counts, sums = members.sum(0), members.T @ sample
        keep = counts > 0
        centres = sums[keep] / counts[keep, None]
    return centres


def _labels(x: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Leaf labels of every row: ``COARSE`` parts, each split again into leaves in proportion to its size."""
    every = np.arange(len(x))
    coarse = _assign(x, _fit_centres(x, min(COARSE, k), every, seed=seed), every)
    label, next_label = np.empty(len(x), np.int64), 0
    for part in np.unique(coarse):
        rows = np.flatnonzero(coarse == part)
        leaves = max(1, round(k * len(rows) / len(x)))
        label[rows] = next_label + (_assign(x, _fit_centres(x, leaves, rows, seed=seed), rows) if leaves > 1 else 0)
        next_label += leaves
    return label


def layout(x: np.ndarray, k: int | None = None, seed: int = 0) -> Layout:
    """The cluster layout of pool ``x`` (read in chunks; the pool itself is not copied)."""
    label = _labels(x, k or n_clusters(len(x)), seed)
    members = np.argsort(label, kind="stable").astype(np.int64)
    m = int(label.max()) + 1
    counts = np.bincount(label, minlength=m).astype(np.int64)
    starts = (np.cumsum(counts) - counts).astype(np.int64)
    centres, radius, maxnorm = np.zeros((m, x.shape[1])), np.zeros(m), np.zeros(m)
    for c in range(m):
        rows = members[starts[c]:starts[c] + counts[c]]
        total = np.zeros(x.shape[1])
        for s in range(0, len(rows), ROWS):
            total += x[rows[s:s + ROWS]].sum(0, dtype=np.float64)
        centres[c] = total / max(len(rows), 1)
        for s in range(0, len(rows), ROWS):
            block = x[rows[s:s + ROWS]].astype(np.float64)
            radius[c] = max(radius[c], np.sqrt(((block - centres[c]) ** 2).sum(1)).max())
            maxnorm[c] = max(maxnorm[c], np.sqrt((block * block).sum(1)).max())
    return Layout(members, centres, radius * (1 + 1e-12), maxnorm, starts, counts)
