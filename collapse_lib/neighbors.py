"""Exact k-nearest-neighbour search (Euclidean), chunked so memory stays bounded.

One backend for the whole library: faiss ``IndexFlatL2`` (on a GPU when faiss-gpu and CUDA are present),
with a torch fallback, on the idle cores only (``threads``). Candidates come from the fast squared-norm
expansion; the returned distances are then recomputed exactly in float64 from the coordinates, so nearby
points and exact duplicates get exact distances (an exact duplicate is at distance 0.0, never a rounding residue).
"""

from __future__ import annotations

import numpy as np
import torch

from ._arrays import as_matrix
from .threads import idle_core_threads

try:
    import faiss
except ImportError:  # pragma: no cover - faiss-cpu is a pinned dependency
    faiss = None

#: bytes of scratch one query chunk may use for its distance block (torch backend) or result rows
CHUNK_BYTES = 256 * 2**20


def available_backends() -> list[str]:
    """Names of the usable backends, best first."""
    names = []
    if faiss is not None:
        if hasattr(faiss, "StandardGpuResources") and faiss.get_num_gpus() > 0:
            names.append("faiss-gpu")
        names.append("faiss")
    names.append("torch")
    return names


def _chunk_rows(n_base: int, d: int, chunk_rows: int | None) -> int:
    if chunk_rows is not None:
        return max(1, int(chunk_rows))
    return int(max(1, min(65536, CHUNK_BYTES // (4 * max(n_base, d)))))


def _faiss_index(base: np.ndarray, gpu: bool):
    index = faiss.IndexFlatL2(base.shape[1])
    if gpu:
        index = faiss.index_cpu_to_gpu(faiss.StandardGpuResources(), 0, index)
    index.add(base)
    return index


def _torch_search(queries: np.ndarray, base: torch.Tensor, base_sq: torch.Tensor, k: int) -> np.ndarray:
    q = torch.from_numpy(queries).to(base.device)
    d2 = (q * q).sum(1, keepdim=True) - 2.0 * (q @ base.T) + base_sq[None, :]
    return torch.topk(d2, k, dim=1, largest=False, sorted=True).indices.cpu().numpy()


def _candidates(queries: np.ndarray, base: np.ndarray, k: int, backend: str, chunk: int) -> np.ndarray:
    """Indices (m, k) of approximately-ranked nearest base rows, computed chunk by chunk."""
    q32 = np.ascontiguousarray(queries, dtype=np.float32)
    b32 = np.ascontiguousarray(base, dtype=np.float32)
    out = np.empty((len(q32), k), dtype=np.int64)
    if backend.startswith("faiss"):
        index = _faiss_index(b32, gpu=backend == "faiss-gpu")
        for s in range(0, len(q32), chunk):
            out[s : s + chunk] = index.search(q32[s : s + chunk], k)[1]
        return out
    bt = torch.from_numpy(b32)
    bsq = (bt * bt).sum(1)
    for s in range(0, len(q32), chunk):
        out[s : s + chunk] = _torch_search(q32[s : s + chunk], bt, bsq, k)
    return out


def _exact_distances(queries: np.ndarray, base: np.ndarray, idx: np.ndarray, chunk: int) -> np.ndarray:
    """float64 Euclidean distances from each query row to the base rows ``idx[i]``."""
    out = np.empty(idx.shape, dtype=np.float64)
    step = max(1, chunk // max(1, idx.shape[1]))
    for s in range(0, len(queries), step):
        q = queries[s : s + step].astype(np.float64)[:, None, :]
        diff = base[idx[s : s + step]].astype(np.float64) - q
        out[s : s + step] = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))
    return out


def _sort_rows(dist: np.ndarray, idx: np.ndarray):
    """Order each row by (distance, index)."""
    order = np.lexsort((idx, dist), axis=-1) if dist.size else np.zeros_like(idx)
    return np.take_along_axis(dist, order, 1), np.take_along_axis(idx, order, 1)


def _drop_self(idx: np.ndarray, k: int) -> np.ndarray:
    """From (n, k+1) candidates of a self-search, remove each row's own index (or its last entry)."""
    is_self = idx == np.arange(len(idx))[:, None]
    no_self = ~is_self.any(1)
    is_self[no_self, -1] = True
    return idx[~is_self].reshape(len(idx), k)


def knn(queries, base=None, k: int = 1, *, backend: str = "auto", chunk_rows: int | None = None):
    """Exact k nearest neighbours: ``(distances float64 (m, k), indices int64 (m, k))``, nearest first.

    ``base=None`` searches ``queries`` against itself and excludes each point's own index (an exact
    duplicate elsewhere in the set still counts, at distance 0). Ties order by index.
    """
    q = as_matrix(queries, name="queries")
    self_search = base is None
    b = q if self_search else as_matrix(base, name="base")
    if b.shape[1] != q.shape[1]:
        raise ValueError(f"queries have dimension {q.shape[1]} but base has {b.shape[1]}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer; got {k!r}")
    n_avail = len(b) - 1 if self_search else len(b)
    if k > n_avail:
        raise ValueError(f"k={k} needs at least {k + int(self_search)} points in the base; got {len(b)}")
    backend = available_backends()[0] if backend == "auto" else backend
    if backend not in available_backends():
        raise ValueError(f"unknown or unavailable backend {backend!r}; available: {available_backends()}")
    with idle_core_threads():
        return _knn(q, b, k, self_search, backend, _chunk_rows(len(b), q.shape[1], chunk_rows))


def _knn(q: np.ndarray, b: np.ndarray, k: int, self_search: bool, backend: str, chunk: int):
    kk = k + 1 if self_search else k
    # ask for a few spare candidates so float32 ranking errors near ties are repaired by the exact re-sort
    spare = min(len(b), kk + 2)
    idx = _candidates(q, b, spare, backend, chunk)
    dist, idx = _sort_rows(_exact_distances(q, b, idx, chunk * 4), idx)
    if self_search:
        idx = _drop_self(idx[:, :kk], k)
        dist, idx = _sort_rows(_exact_distances(q, b, idx, chunk * 4), idx)
    return dist[:, :k], idx[:, :k]


def nearest_distance(queries, base=None, **kwargs) -> np.ndarray:
    """Distance from each query row to its nearest base row (or nearest other row when ``base`` is None)."""
    return knn(queries, base, 1, **kwargs)[0][:, 0]


def radius_components(x, radius: float, *, chunk_rows: int | None = None) -> np.ndarray:
    """Connected components of the rows of ``x`` joined by pairs at Euclidean distance <= ``radius`` (exact, float64;
    single linkage): a label per row, 0..k-1 in order of first appearance.

    Exact duplicates are merged first; then, chunk by chunk, candidate pairs from the squared-norm expansion in
    float32 (with a margin for its rounding) are confirmed in float64 and folded into the components found so far,
    so memory stays at one chunk of the distance matrix plus one edge per row, however large the clusters are.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    x = as_matrix(x, name="x")
    if not (np.isfinite(radius) and radius >= 0):
        raise ValueError(f"radius must be a finite number >= 0; got {radius!r}")
    distinct, inverse = np.unique(x, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    m = len(distinct)
    x32 = torch.from_numpy(np.ascontiguousarray(distinct, dtype=np.float32))
    sq = (x32 * x32).sum(1)
    # the float32 expansion errs by a few ulps of the squared norms: take every pair within that of the radius
    bound = radius * radius * (1 + 1e-3) + 1e-5 * float(sq.max()) * max(1.0, distinct.shape[1] / 64)
    rep = np.arange(m)  # each row's representative: the first row of its component so far
    step = _chunk_rows(m, distinct.shape[1], chunk_rows)
    for s in range(0, m, step):
        d2 = sq[s : s + step, None] - 2.0 * (x32[s : s + step] @ x32.T) + sq[None, :]
        i, j = (t.numpy() for t in torch.nonzero(d2 <= bound, as_tuple=True))
        i = i + s
        keep = j > i
        i, j = i[keep], j[keep]
        diff = distinct[i].astype(np.float64) - distinct[j].astype(np.float64)
        close = np.sqrt(np.einsum("ij,ij->i", diff, diff)) <= radius
        if close.any():  # fold the chunk's pairs into the components so far (one edge per row to its representative)
            rows = np.concatenate([np.arange(m), i[close]])
            cols = np.concatenate([rep, j[close]])
            labels = connected_components(coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(m, m)), directed=False)[1]
            first = np.full(labels.max() + 1, m)
            np.minimum.at(first, labels, np.arange(m))
            rep = first[labels]
    _, first, component = np.unique(rep[inverse], return_index=True, return_inverse=True)
    return np.argsort(np.argsort(first)).astype(np.int64)[component.reshape(-1)]  # 0..k-1 by first appearance
