"""Training-subset selectors of Sec. 4 and App. C: greedy (farthest point), threshold-decay filter, random.

All return a numpy int64 array of indices into the input, in pick order. Inputs are (n, d) numpy arrays
or torch tensors (CPU or CUDA); image batches are flattened. Distances are Euclidean; min-distances are
kept squared (same order, no square roots in the hot loop). The kernels run on the idle cores only
(``threads.idle_core_threads``), so a busy machine slows them no more than it slows one thread.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import torch

from .._arrays import as_tensor_matrix, check_size
from ..threads import idle_core_threads

#: greedy_select prunes with cluster bounds on the CPU once the pool has at least this many rows
PRUNE_MIN_ROWS = 2048


def _first_pick(n: int, start, seed) -> int:
    if start is None:
        return int(np.random.default_rng(seed).integers(n))
    if isinstance(start, bool) or not isinstance(start, (int, np.integer)) or not 0 <= start < n:
        raise ValueError(f"start must be an index in [0, {n}); got {start!r}")
    return int(start)


def _work_dtype(x: torch.Tensor) -> torch.Tensor:
    return x if x.dtype == torch.float64 else x.float()


def _sq_dist_to(x: torch.Tensor, x_sq: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """Squared distances from every row of x to the point p (one read of x), clamped at 0."""
    return (x_sq - 2.0 * (x @ p) + (p @ p)).clamp_min_(0.0)


def _lowest_index_argmax(values: torch.Tensor, order: torch.Tensor | None = None) -> int:
    """Position of the maximum of ``values``; ties go to the lowest original index (``order`` maps positions)."""
    top = values.max()
    ties = torch.nonzero(values == top).flatten()
    if order is None:
        return int(ties[0])
    return int(ties[torch.argmin(order[ties])])


def random_select(features_or_n, size, *, seed=None) -> np.ndarray:
    """Vanilla paradigm: a uniform random subset of ``size`` distinct indices."""
    if isinstance(features_or_n, (int, np.integer)) and not isinstance(features_or_n, bool):
        n = int(features_or_n)
        if n < 1:
            raise ValueError(f"the pool must hold at least one item; got n={n}")
    else:
        n = as_tensor_matrix(features_or_n, name="features").shape[0]
    size = check_size(size, n)
    return np.random.default_rng(seed).permutation(n)[:size].astype(np.int64)


class _Clusters:
    """Pool rows sorted by k-means cluster, with each cluster's centre and radius (for exact pruning)."""

    def __init__(self, x: torch.Tensor, n_clusters: int, iters: int = 6):
        gen = torch.Generator().manual_seed(0)
        centres = x[torch.randperm(len(x), generator=gen)[:n_clusters]].clone()
        x_sq = (x * x).sum(1)
        for _ in range(iters):
            label = torch.argmin(x_sq[:, None] - 2.0 * x @ centres.T + (centres * centres).sum(1)[None], 1)
            counts = torch.bincount(label, minlength=len(centres))
            sums = torch.zeros_like(centres).index_add_(0, label, x)
            keep = counts > 0
            centres = sums[keep] / counts[keep, None]
        label = torch.argmin(x_sq[:, None] - 2.0 * x @ centres.T + (centres * centres).sum(1)[None], 1)
        self.order = torch.argsort(label, stable=True)
        self.label = label[self.order]
        m = len(centres)
        counts = torch.bincount(self.label, minlength=m)
        self.starts = torch.cumsum(counts, 0) - counts
        self.counts = counts
        xs = x[self.order].double()
        c64 = torch.zeros(m, x.shape[1], dtype=torch.float64).index_add_(0, self.label, xs)
        self.centres = c64 / counts.clamp_min(1)[:, None].double()
        dist = (xs - self.centres[self.label]).norm(dim=1)
        self.radius = torch.zeros(m, dtype=torch.float64).scatter_reduce_(0, self.label, dist, "amax", include_self=False)

    def rows_of(self, clusters: torch.Tensor) -> torch.Tensor:
        """Sorted-order row positions of the given clusters."""
        starts, counts = self.starts[clusters], self.counts[clusters]
        offsets = torch.repeat_interleave(starts - (torch.cumsum(counts, 0) - counts), counts)
        return torch.arange(int(counts.sum())) + offsets

    def may_change(self, p64: torch.Tensor, cluster_max_sq: torch.Tensor) -> torch.Tensor:
        """Clusters holding a row that could be closer to p than its current nearest pick.

        Every row lies within ``radius`` of its centre, so its distance to p is at least
        ``|p - centre| - radius``; a cluster whose bound exceeds its largest current min-distance is skipped.
        The bound is shrunk by a relative 1e-6 so rounding can never skip a row that would change.
        """
        gap = (self.centres - p64).norm(dim=1) - self.radius
        gap = gap - 1e-6 * (gap.abs() + self.radius + 1.0)
        return torch.nonzero((gap <= 0) | (gap * gap <= cluster_max_sq)).flatten()


def _greedy_plain(x: torch.Tensor, size: int, first: int) -> np.ndarray:
    x_sq = (x * x).sum(1)
    min_sq = torch.full((len(x),), math.inf, dtype=x.dtype, device=x.device)
    picks = [first]
    for _ in range(size - 1):
        torch.minimum(min_sq, _sq_dist_to(x, x_sq, x[picks[-1]]), out=min_sq)
        min_sq[picks[-1]] = -1.0
        picks.append(_lowest_index_argmax(min_sq))
    return np.asarray(picks, dtype=np.int64)


def _greedy_pruned(x: torch.Tensor, size: int, first: int) -> np.ndarray:
    cl = _Clusters(x, n_clusters=int(min(1024, max(16, 2 * math.sqrt(len(x))))))
    xs = x[cl.order]
    xs_sq = (xs * xs).sum(1)
    position = torch.empty_like(cl.order)
    position[cl.order] = torch.arange(len(x))
    min_sq = torch.full((len(x),), math.inf, dtype=x.dtype)
    cluster_max = torch.full((len(cl.counts),), math.inf, dtype=torch.float64)
    picks, pos = [first], int(position[first])
    for _ in range(size - 1):
        p = xs[pos]
        touched = cl.may_change(p.double(), cluster_max)
        rows = cl.rows_of(touched)
        min_sq[rows] = torch.minimum(min_sq[rows], _sq_dist_to(xs[rows], xs_sq[rows], p))
        min_sq[pos] = -1.0
        cluster_max[touched] = -1.0
        cluster_max.scatter_reduce_(0, cl.label[rows], min_sq[rows].double(), "amax")
        best = _lowest_index_argmax(cluster_max)
        ties = torch.nonzero(cluster_max == cluster_max[best]).flatten()
        cand = cl.rows_of(ties)
        pos = int(cand[_lowest_index_argmax(min_sq[cand], cl.order[cand])])
        picks.append(int(cl.order[pos]))
    return np.asarray(picks, dtype=np.int64)


def greedy_select(features, size, *, start=None, seed=None, prune: bool | None = None) -> np.ndarray:
    """Algorithm 1 (Greedy Selection, farthest-point): each pick maximises the min-distance to the earlier picks.

    Ties go to the lowest index. ``prune`` (default: on for CPU pools of >= 2048 rows) skips k-means
    clusters whose triangle-inequality bound shows no row can change; the picks are the same as without.
    """
    x = _work_dtype(as_tensor_matrix(features, name="features"))
    size = check_size(size, len(x))
    first = _first_pick(len(x), start, seed)
    if prune is None:
        prune = x.device.type == "cpu" and len(x) >= PRUNE_MIN_ROWS and size > 1
    if prune and x.device.type != "cpu":
        raise ValueError("prune=True is implemented for CPU tensors only; pass prune=False on CUDA")
    with torch.no_grad(), idle_core_threads():
        return (_greedy_pruned if prune else _greedy_plain)(x, size, first)


def _check_threshold_args(tau, alpha) -> None:
    if not isinstance(tau, (int, float, np.floating, np.integer)) or not math.isfinite(tau) or tau <= 0:
        raise ValueError(f"tau must be a finite number > 0; got {tau!r}")
    if not isinstance(alpha, (int, float, np.floating, np.integer)) or not 0 < alpha < 1:
        raise ValueError(f"alpha must lie strictly between 0 and 1; got {alpha!r}")


def threshold_decay_select(features, size, *, tau, alpha, start=None, seed=None) -> np.ndarray:
    """Algorithm 2 (Threshold Decay Filter, App. C.1): admit, in index order, candidates farther than tau
    from every pick; after a pass that ends short of ``size``, multiply tau by alpha and pass again.

    The text decays tau after every short pass, the Algorithm 2 box only after a pass that added nothing.
    They pick the same points: after a full pass at tau every rejected candidate lies within tau of the
    grown set, so the box's repeat pass at the same tau adds nothing and then decays. We use the text's
    rule (no wasted pass), and also skip passes that could add nothing by decaying tau directly until it
    falls below the largest remaining min-distance. If every remaining candidate duplicates a pick
    (distance 0, which no tau > 0 admits), the rest are taken in index order with a warning.
    """
    _check_threshold_args(tau, alpha)
    x = _work_dtype(as_tensor_matrix(features, name="features"))
    size = check_size(size, len(x))
    first = _first_pick(len(x), start, seed)
    with torch.no_grad(), idle_core_threads():
        return _threshold_passes(x, size, first, float(tau), float(alpha))


def _threshold_passes(x: torch.Tensor, size: int, first: int, tau: float, alpha: float) -> np.ndarray:
    x_sq = (x * x).sum(1)
    min_sq = torch.full((len(x),), math.inf, dtype=x.dtype, device=x.device)
    picks = [first]

    def add(i: int) -> None:
        torch.minimum(min_sq, _sq_dist_to(x, x_sq, x[i]), out=min_sq)
        min_sq[i] = -1.0
        if i != first:
            picks.append(i)

    add(first)
    while len(picks) < size:
        top = float(min_sq.max())
        if top <= 0.0:
            return _fill_duplicates(picks, min_sq, size)
        while tau * tau >= top:
            tau *= alpha
        pos = 0
        while len(picks) < size:
            hits = torch.nonzero(min_sq[pos:] > tau * tau)
            if len(hits) == 0:
                break
            pos += int(hits[0, 0])
            add(pos)
            pos += 1
        tau *= alpha
    return np.asarray(picks, dtype=np.int64)


def _fill_duplicates(picks: list[int], min_sq: torch.Tensor, size: int) -> np.ndarray:
    rest = torch.nonzero(min_sq >= 0).flatten()[: size - len(picks)].tolist()
    warnings.warn(f"threshold_decay_select: {len(rest)} remaining candidates duplicate earlier picks; "
                  "taken in index order", RuntimeWarning, stacklevel=3)
    return np.asarray(picks + rest, dtype=np.int64)
