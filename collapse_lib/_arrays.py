"""Input checks shared by metrics and selectors: one place that turns user input into an (n, d) matrix."""

from __future__ import annotations

import numpy as np

try:  # torch is a dependency, but the array helpers must not need it to import
    import torch
except ImportError:  # pragma: no cover
    torch = None


def is_torch(x) -> bool:
    """True when ``x`` is a torch tensor."""
    return torch is not None and isinstance(x, torch.Tensor)


def _check_shape_and_values(shape, finite: bool, name: str, min_rows: int) -> None:
    if len(shape) < 2:
        raise ValueError(f"{name}: expected an array of shape (n, d) or an image batch (n, ...); got shape {tuple(shape)}")
    if shape[0] < min_rows:
        raise ValueError(f"{name}: needs at least {min_rows} rows; got {shape[0]}")
    if not finite:
        raise ValueError(f"{name}: contains NaN or inf values")


def all_finite(x: np.ndarray, rows: int = 16384) -> bool:
    """No NaN or inf in ``x``, checked a block of rows at a time (no temporary the size of a large pool)."""
    return all(bool(np.isfinite(x[s:s + rows]).all()) for s in range(0, len(x), rows))


def as_matrix(x, *, name: str = "x", min_rows: int = 1, dtype=None) -> np.ndarray:
    """Return ``x`` (numpy or torch, any float/int dtype, shape (n, ...)) as a C-contiguous float (n, d) numpy matrix.

    float16 and integer inputs become float32; float64 stays float64 unless ``dtype`` says otherwise.
    Raises ValueError for a wrong ndim, too few rows, or NaN/inf values.
    """
    if is_torch(x):
        x = x.detach().cpu()
        x = x.float().numpy() if x.dtype in (torch.float16, torch.bfloat16) else x.numpy()
    x = np.asarray(x)
    if x.dtype.kind not in "fiub":
        raise ValueError(f"{name}: expected a numeric array; got dtype {x.dtype}")
    if x.ndim >= 2:
        x = x.reshape(x.shape[0], -1)
    target = dtype or (np.float64 if x.dtype == np.float64 else np.float32)
    x = np.ascontiguousarray(x, dtype=target)
    finite = x.ndim < 2 or all_finite(x)
    _check_shape_and_values(x.shape, finite, name, min_rows)
    return x


def as_tensor_matrix(x, *, name: str = "x", min_rows: int = 1):
    """Like :func:`as_matrix`, but keeps torch tensors on their device (numpy input becomes a CPU tensor)."""
    if not is_torch(x):
        return torch.from_numpy(as_matrix(x, name=name, min_rows=min_rows))
    t = x.detach()
    if t.ndim >= 2:
        t = t.reshape(t.shape[0], -1)
    if not t.is_floating_point() or t.dtype in (torch.float16, torch.bfloat16):
        t = t.float()
    finite = t.ndim < 2 or bool(torch.isfinite(t).all())
    _check_shape_and_values(tuple(t.shape), finite, name, min_rows)
    return t.contiguous()


def check_size(size, n: int, *, name: str = "size") -> int:
    """Validate a subset size against a pool of ``n`` rows."""
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
        raise ValueError(f"{name} must be an integer; got {size!r}")
    if size < 1:
        raise ValueError(f"{name} must be at least 1; got {size}")
    if size > n:
        raise ValueError(f"{name}={size} exceeds the number of candidates n={n}")
    return int(size)
