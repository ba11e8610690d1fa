"""Compiled CPU kernels of the selectors (numba): Algorithm 1 (greedy farthest-point) and Algorithm 2 (threshold
decay), plain and pruned by cluster bounds, on float32 or float64 pools.

Every squared distance is ``|x|^2 - 2 x.p + |p|^2`` from one dot-product kernel (``_dot``), whose summation order
depends on the dimension alone, so the plain pass and the pruned one compute the same bits for every row they both
compute: the pruned pass skips only rows that the bound shows cannot change, and returns the same picks (ties to the
lowest index). A cluster c (the rows ``members[starts[c]:starts[c] + counts[c]]``, in increasing index order, within
``radius[c]`` of ``centres[c]``) is skipped for a new pick p when ``|p - centre| - radius`` exceeds the largest
current min-distance in it by more than the rounding of a float distance can account for (``gamma (|x| + |p|)^2``,
|x| at most the cluster's largest row norm). The pool is read in place (rows through ``members``; no copy).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

#: rows per parallel chunk of a distance update
CHUNK = 2048


@njit(fastmath=True, cache=True, inline="always")
def _dot(x, i, p):
    acc = x.dtype.type(0)
    for j in range(x.shape[1]):
        acc += x[i, j] * p[j]
    return acc


@njit(parallel=True, fastmath=True, cache=True)
def sq_norms(x):
    """|x_i|^2 of every row, by the distance kernel's own dot product."""
    out = np.empty(x.shape[0], dtype=x.dtype)
    for i in prange(x.shape[0]):
        out[i] = _dot(x, i, x[i])
    return out


@njit(fastmath=True, cache=True, inline="always")
def _lower(x, xsq, p, psq, i, min_d):
    """Lower row i's min-distance to |x_i|^2 - 2 x_i.p + |p|^2 (clipped at 0) when that is smaller."""
    d = xsq[i] - 2 * _dot(x, i, p) + psq
    if d < 0:
        d = 0
    if d < min_d[i]:
        min_d[i] = d


@njit(fastmath=True, cache=True)
def _update_range(x, xsq, p, psq, start, end, min_d):
    for i in range(start, end):
        _lower(x, xsq, p, psq, i, min_d)


@njit(parallel=True, cache=True)
def _update_chunks(x, xsq, p, psq, chunk_start, chunk_end, n_chunks, min_d):
    for t in prange(n_chunks):
        _update_range(x, xsq, p, psq, chunk_start[t], chunk_end[t], min_d)


@njit(cache=True)
def _argmax_lowest(values, index, start, end):
    """Position in ``start:end`` of the largest value; among equal values the lowest ``index``."""
    best, arg = -np.inf, -1
    for i in range(start, end):
        v = values[i]
        if v > best or (v == best and arg >= 0 and index[i] < index[arg]):
            best, arg = v, i
    return arg


# ---- the plain pass ---------------------------------------------------------------------------------------------

@njit(cache=True)
def _chunks_of(n):
    k = (n + CHUNK - 1) // CHUNK
    starts = np.empty(k, np.int64)
    ends = np.empty(k, np.int64)
    for t in range(k):
        starts[t], ends[t] = t * CHUNK, min(n, (t + 1) * CHUNK)
    return starts, ends, k


@njit(cache=True)
def greedy_plain_steps(x, xsq, min_d, out, m0, m1):
    """Algorithm 1, picks ``m0:m1`` (``out[m0 - 1]`` is the last pick so far): each maximises the min-distance to the
    earlier picks, one pass over the pool a pick."""
    n = x.shape[0]
    order = np.arange(n)
    starts, ends, k = _chunks_of(n)
    for m in range(m0, m1):
        i = out[m - 1]
        _update_chunks(x, xsq, x[i], xsq[i], starts, ends, k, min_d)
        min_d[i] = -1
        out[m] = _argmax_lowest(min_d, order, 0, n)


@njit(cache=True)
def threshold_plain_pass(x, xsq, min_d, out, got, size, tau2, start, budget):
    """One stretch of a pass of Algorithm 2 at threshold tau^2: from row ``start`` on, in index order, admit rows
    farther than tau from every pick, until ``size`` are picked, ``budget`` were admitted or the pass ends. Returns
    (picked so far, the row to resume at; n when the pass ended)."""
    n = x.shape[0]
    starts, ends, k = _chunks_of(n)
    admitted = 0
    i = start
    while i < n and got < size and admitted < budget:
        if np.float64(min_d[i]) > tau2:
            _update_chunks(x, xsq, x[i], xsq[i], starts, ends, k, min_d)
            min_d[i] = -1
            out[got] = i
            got += 1
            admitted += 1
        i += 1
    return got, i


# ---- the pruned pass --------------------------------------------------------------------------------------------

@njit(fastmath=True, cache=True)
def _update_members(x, xsq, p, psq, members, start, end, min_d):
    for t in range(start, end):
        _lower(x, xsq, p, psq, members[t], min_d)


@njit(parallel=True, cache=True)
def _update_member_chunks(x, xsq, p, psq, members, chunk_start, chunk_end, n_chunks, min_d):
    for t in prange(n_chunks):
        _update_members(x, xsq, p, psq, members, chunk_start[t], chunk_end[t], min_d)


@njit(cache=True)
def _touched(centres, radius, maxnorm, cluster_max, p, pnorm, gamma):
    """Clusters a pick p may change: those whose bound |p - centre| - radius does not clear their largest
    min-distance (by the rounding margin)."""
    k, dim = centres.shape
    out = np.empty(k, np.int64)
    nt = 0
    for c in range(k):
        s = 0.0
        for j in range(dim):
            diff = centres[c, j] - np.float64(p[j])
            s += diff * diff
        lb = np.sqrt(s) - radius[c]
        if lb > 0:
            margin = gamma * (maxnorm[c] + pnorm) ** 2
            if lb * lb - margin > np.float64(cluster_max[c]):
                continue
        out[nt] = c
        nt += 1
    return out[:nt]


@njit(cache=True)
def _chunks_over(starts, counts, clusters):
    total = 0
    for c in clusters:
        total += (counts[c] + CHUNK - 1) // CHUNK
    cs = np.empty(total, np.int64)
    ce = np.empty(total, np.int64)
    t = 0
    for c in clusters:
        s, e = starts[c], starts[c] + counts[c]
        while s < e:
            cs[t], ce[t] = s, min(e, s + CHUNK)
            s += CHUNK
            t += 1
    return cs, ce, t


@njit(cache=True)
def _member_argmax(min_d, members, start, end):
    """The row of ``members[start:end]`` with the largest min-distance; ties to the lowest index (members ascend)."""
    best, arg = -np.inf, -1
    for t in range(start, end):
        v = min_d[members[t]]
        if v > best:
            best, arg = v, members[t]
    return arg


@njit(parallel=True, cache=True)
def _cluster_maxima(min_d, members, starts, counts, clusters, cluster_max, cluster_arg):
    for t in prange(len(clusters)):
        c = clusters[t]
        arg = _member_argmax(min_d, members, starts[c], starts[c] + counts[c])
        cluster_arg[c] = arg
        cluster_max[c] = min_d[arg] if arg >= 0 else -np.inf


@njit(cache=True)
def _add_pick(x, xsq, i, tree, min_d, cluster_max, cluster_arg, gamma):
    """Lower every row's min-distance by pick i (only in the clusters it may change) and refresh their maxima;
    returns how many rows it computed."""
    centres, radius, maxnorm, starts, counts, members = tree
    p, psq = x[i], xsq[i]
    clusters = _touched(centres, radius, maxnorm, cluster_max, p, np.sqrt(np.float64(psq)), gamma)
    cs, ce, nc = _chunks_over(starts, counts, clusters)
    _update_member_chunks(x, xsq, p, psq, members, cs, ce, nc, min_d)
    min_d[i] = -1
    _cluster_maxima(min_d, members, starts, counts, clusters, cluster_max, cluster_arg)
    rows = 0
    for t in range(nc):
        rows += ce[t] - cs[t]
    return rows


@njit(cache=True)
def _best_cluster(cluster_max, cluster_arg):
    """The cluster holding the largest min-distance; among equal ones the one whose row has the lowest index."""
    best, bc = -np.inf, -1
    for c in range(len(cluster_max)):
        v = cluster_max[c]
        if v > best or (v == best and bc >= 0 and cluster_arg[c] >= 0 and cluster_arg[c] < cluster_arg[bc]):
            best, bc = v, c
    return bc


@njit(cache=True)
def greedy_pruned_steps(x, xsq, tree, min_d, cluster_max, cluster_arg, gamma, out, m0, m1):
    """Algorithm 1 pruned by cluster bounds, picks ``m0:m1``; returns how many rows it computed (the work the bounds
    left). ``cluster_max`` starts at +inf, so the first pick computes every row."""
    work = 0
    for m in range(m0, m1):
        work += _add_pick(x, xsq, out[m - 1], tree, min_d, cluster_max, cluster_arg, gamma)
        out[m] = cluster_arg[_best_cluster(cluster_max, cluster_arg)]
    return work


@njit(cache=True)
def threshold_pruned_pass(x, xsq, tree, min_d, cluster_max, cluster_arg, gamma, out, got, size, tau2, start, budget):
    """``threshold_plain_pass`` pruned by cluster bounds (the first pick is added with ``add_pick``)."""
    n = x.shape[0]
    admitted = 0
    i = start
    while i < n and got < size and admitted < budget:
        if np.float64(min_d[i]) > tau2:
            _add_pick(x, xsq, i, tree, min_d, cluster_max, cluster_arg, gamma)
            out[got] = i
            got += 1
            admitted += 1
        i += 1
    return got, i


@njit(cache=True)
def add_pick(x, xsq, i, tree, min_d, cluster_max, cluster_arg, gamma):
    """Add pick i to a pruned selection's state (its first pick)."""
    return _add_pick(x, xsq, i, tree, min_d, cluster_max, cluster_arg, gamma)


@njit(cache=True)
def add_pick_plain(x, xsq, i, min_d):
    starts, ends, k = _chunks_of(x.shape[0])
    _update_chunks(x, xsq, x[i], xsq[i], starts, ends, k, min_d)
    min_d[i] = -1


def rounding_margin(dtype, dim: int) -> float:
    """A bound on the relative error of a squared distance computed as |x|^2 - 2 x.p + |p|^2 in ``dtype`` (each dot
    product of ``dim`` terms in any order), times (|x| + |p|)^2: gamma_(dim + 8) with a tenth to spare."""
    unit = np.finfo(dtype).eps / 2
    n = dim + 8
    return float(1.1 * n * unit / (1 - n * unit))
