"""Training-subset selectors of Sec. 4 and App. C: greedy (farthest point), threshold-decay filter, random.

All return a numpy int64 array of indices into the input, in pick order. Inputs are (n, d) numpy arrays
or torch tensors (CPU or CUDA); image batches are flattened. Distances are Euclidean; min-distances are
kept squared (same order, no square roots in the hot loop). The kernels run on the idle cores only
(``threads.idle_core_threads``), so a busy machine slows them no more than it slows one thread.
"""

from __future__ import annotations

import math
import warnings
from contextlib import contextmanager

import numpy as np
import torch

from .._arrays import as_tensor_matrix, check_size, is_torch
from ..threads import idle_core_threads, kernel_threads_for_numba

#: on the CPU, pools of at least this many rows run the compiled kernels, pruned by cluster bounds when the selection
#: has at least ``PRUNE_MIN_PICKS`` picks (fewer do not repay fitting the clusters); smaller pools run torch's kernels
#: (the book's pools, up to 2,048 rows, among them)
PRUNE_MIN_ROWS = 4096
PRUNE_MIN_PICKS = 64
#: picks between two looks at the progress bar and at Ctrl-C (a batch runs compiled, without interruption)
BATCH = 256
#: seconds a selection runs before its progress bar appears
PROGRESS_DELAY = 3.0


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


def _greedy_torch(x: torch.Tensor, size: int, first: int) -> np.ndarray:
    """Algorithm 1 on the tensor's device (a GPU): one matrix-vector product and a few element-wise kernels a pick,
    no round trip to the host until the end (``argmax`` returns the first maximum: ties to the lowest index)."""
    x_sq = (x * x).sum(1)
    min_sq = torch.full((len(x),), math.inf, dtype=x.dtype, device=x.device)
    picks = torch.empty(size, dtype=torch.long, device=x.device)
    picks[0] = first
    for m in range(1, size):
        p = x[picks[m - 1]]
        torch.minimum(min_sq, _sq_dist_to(x, x_sq, p), out=min_sq)
        min_sq.index_fill_(0, picks[m - 1:m], -1.0)
        picks[m] = torch.argmax(min_sq)
    return picks.cpu().numpy()


@contextmanager
def _progress(total: int, what: str, show: bool | None):
    """A progress bar with the time left (tqdm, on stderr) that appears once a selection has run ``PROGRESS_DELAY``
    seconds (at once with ``show=True``; never with ``show=False``); yields ``advance(picks)`` and closes the bar on
    the way out, Ctrl-C included."""
    if show is False:
        yield lambda picks: None
        return
    import sys

    from tqdm import tqdm

    bar = tqdm(total=total, desc=what, unit="pick", leave=False, file=sys.stderr, mininterval=0.5,
               delay=0 if show else PROGRESS_DELAY)
    try:
        yield bar.update
    finally:
        bar.close()


def _batches(total: int, start: int = 1) -> list[tuple[int, int]]:
    """Pick ranges small enough that a progress bar moves and Ctrl-C is answered within about a second."""
    step = max(1, min(BATCH, total // 50 or 1))
    return [(m, min(total, m + step)) for m in range(start, total, step)]


def _prunes(n: int, size: int, prune: bool | None) -> bool:
    if prune is None:
        return n >= PRUNE_MIN_ROWS and size >= PRUNE_MIN_PICKS
    return bool(prune)


def _cpu_matrix(features) -> np.ndarray:
    """A CPU pool as the kernels read it: float32 or float64, C-contiguous, checked (a float16 pool is widened to
    float32, exactly; a float32 .npy memory map is read in place)."""
    from .._arrays import as_matrix

    return as_matrix(features, name="features")


def _cluster_state(x: np.ndarray):
    """What the pruned passes keep beside the pool: its cluster tree (fitted on the idle cores), the rounding margin
    of its distances, and each cluster's largest min-distance and the row holding it (none yet)."""
    from . import kernels
    from .clusters import layout

    with idle_core_threads():  # torch's kernels fit the clusters, on the idle cores only
        tree = layout(x).tree
    k = len(tree[3])
    return (tree, kernels.rounding_margin(x.dtype, x.shape[1]), np.full(k, np.inf, dtype=x.dtype),
            np.full(k, -1, np.int64))


def _greedy_cpu(x: np.ndarray, size: int, first: int, prune: bool, show) -> np.ndarray:
    from . import kernels

    out = np.empty(size, np.int64)
    out[0] = first
    xsq = kernels.sq_norms(x)
    min_d = np.full(len(x), np.inf, dtype=x.dtype)
    if prune:
        tree, gamma, cluster_max, cluster_arg = _cluster_state(x)
        step = lambda m0, m1: kernels.greedy_pruned_steps(x, xsq, tree, min_d, cluster_max, cluster_arg,  # noqa: E731
                                                          gamma, out, m0, m1)
    else:
        step = lambda m0, m1: kernels.greedy_plain_steps(x, xsq, min_d, out, m0, m1)  # noqa: E731
    with _progress(size, "greedy selection", show) as advance:
        for m0, m1 in _batches(size):
            step(m0, m1)
            advance(m1 - m0)
    return out


def _threshold_cpu(x: np.ndarray, size: int, first: int, tau: float, alpha: float, prune: bool, show) -> np.ndarray:
    from . import kernels

    out = np.empty(size, np.int64)
    xsq = kernels.sq_norms(x)
    min_d = np.full(len(x), np.inf, dtype=x.dtype)
    if prune:
        tree, gamma, cluster_max, cluster_arg = _cluster_state(x)
        kernels.add_pick(x, xsq, first, tree, min_d, cluster_max, cluster_arg, gamma)
        top = lambda: float(cluster_max.max())  # noqa: E731
        run = lambda got, tau2, i, budget: kernels.threshold_pruned_pass(  # noqa: E731
            x, xsq, tree, min_d, cluster_max, cluster_arg, gamma, out, got, size, tau2, i, budget)
    else:
        kernels.add_pick_plain(x, xsq, first, min_d)
        top = lambda: float(min_d.max())  # noqa: E731
        run = lambda got, tau2, i, budget: kernels.threshold_plain_pass(x, xsq, min_d, out, got, size,  # noqa: E731
                                                                         tau2, i, budget)
    out[0], got = first, 1
    budget = max(1, min(BATCH, size // 50 or 1))
    with _progress(size, "threshold filter", show) as advance:
        while got < size:
            if top() <= 0.0:
                return _fill_duplicates(out[:got].tolist(), min_d, size)
            while tau * tau >= top():
                tau *= alpha
            i = 0
            while i < len(x) and got < size:
                before = got
                got, i = run(got, tau * tau, i, budget)
                advance(got - before)
            tau *= alpha
    return out


def greedy_select(features, size, *, start=None, seed=None, prune: bool | None = None,
                  progress: bool | None = None) -> np.ndarray:
    """Algorithm 1 (Greedy Selection, farthest-point): each pick maximises the min-distance to the earlier picks.

    Ties go to the lowest index; distances are |x|^2 - 2 x.p + |p|^2 in the pool's precision (float16 widened to
    float32). ``prune`` (default: on for CPU pools of >= ``PRUNE_MIN_ROWS`` rows and >= ``PRUNE_MIN_PICKS`` picks)
    skips k-means clusters whose triangle-inequality bound shows no row can change; the picks are the same as the
    plain pass's. A CUDA tensor runs the plain pass on its GPU. ``progress``: a bar for long selections (None: when
    there are many picks; False: never).
    """
    if is_torch(features) and features.device.type == "cuda":
        x = _work_dtype(as_tensor_matrix(features, name="features"))
        size = check_size(size, len(x))
        if prune:
            raise ValueError("prune=True is implemented for CPU pools only; the GPU runs the plain pass")
        with torch.no_grad():
            return _greedy_torch(x, size, _first_pick(len(x), start, seed))
    x = _cpu_matrix(features)
    size = check_size(size, len(x))
    first = _first_pick(len(x), start, seed)
    if len(x) < PRUNE_MIN_ROWS and not prune:  # a small pool: torch's kernels, without loading the compiled ones
        with torch.no_grad(), idle_core_threads():
            return _greedy_torch(torch.from_numpy(np.array(x)), size, first)
    with kernel_threads_for_numba():
        return _greedy_cpu(x, size, first, _prunes(len(x), size, prune), progress)


def _check_threshold_args(tau, alpha) -> None:
    if not isinstance(tau, (int, float, np.floating, np.integer)) or not math.isfinite(tau) or tau <= 0:
        raise ValueError(f"tau must be a finite number > 0; got {tau!r}")
    if not isinstance(alpha, (int, float, np.floating, np.integer)) or not 0 < alpha < 1:
        raise ValueError(f"alpha must lie strictly between 0 and 1; got {alpha!r}")


def threshold_decay_select(features, size, *, tau, alpha, start=None, seed=None, prune: bool | None = None,
                           progress: bool | None = None) -> np.ndarray:
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
    if is_torch(features) and features.device.type == "cuda":
        x = _work_dtype(as_tensor_matrix(features, name="features"))
        size = check_size(size, len(x))
        with torch.no_grad():
            return _threshold_passes(x, size, _first_pick(len(x), start, seed), float(tau), float(alpha))
    x = _cpu_matrix(features)
    size = check_size(size, len(x))
    first = _first_pick(len(x), start, seed)
    if len(x) < PRUNE_MIN_ROWS and not prune:  # a small pool: torch's kernels, without loading the compiled ones
        with torch.no_grad(), idle_core_threads():
            return _threshold_passes(torch.from_numpy(np.array(x)), size, first, float(tau), float(alpha))
    with kernel_threads_for_numba():
        return _threshold_cpu(x, size, first, float(tau), float(alpha), _prunes(len(x), size, prune), progress)


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


def _fill_duplicates(picks: list[int], min_sq, size: int) -> np.ndarray:
    rest = np.flatnonzero(np.asarray(min_sq.cpu() if is_torch(min_sq) else min_sq) >= 0)[: size - len(picks)].tolist()
    warnings.warn(f"threshold_decay_select: {len(rest)} remaining candidates duplicate earlier picks; "
                  "taken in index order", RuntimeWarning, stacklevel=3)
    return np.asarray(picks + rest, dtype=np.int64)
