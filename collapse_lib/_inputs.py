"""Reading the arrays the command line is given, and checking where it writes, with one-line errors naming the file."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

POOL_SUFFIXES = (".npy", ".npz", ".pt")
#: the first bytes of each format (a .npz and a torch .pt are zip archives; an old .pt is a pickle)
_MAGIC = {".npy": (b"\x93NUMPY",), ".npz": (b"PK",), ".pt": (b"PK", b"\x80")}


class InputError(SystemExit):
    """A file the command was given that cannot be used (exits with status 1 and one line)."""

    def __init__(self, message: str):
        super().__init__(f"error: {message}")


def _check_format(p: Path) -> None:
    with open(p, "rb") as fh:
        head = fh.read(8)
    if not head:
        raise InputError(f"{p}: the file is empty")
    if not any(head.startswith(m) for m in _MAGIC[p.suffix]):
        raise InputError(f"{p}: not a {p.suffix} file (it does not start like one; is it text or another format?)")


def _npz_member(p: Path, names: tuple[str, ...]):
    z = np.load(p, allow_pickle=False)
    for name in names:
        if name in z.files:
            return z[name]
    if len(z.files) == 1:
        return z[z.files[0]]
    raise InputError(f"{p}: holds {z.files}; name the array {' or '.join(map(repr, names))}")


def _torch_member(p: Path):
    import torch

    obj = torch.load(p, map_location="cpu", weights_only=True)
    if isinstance(obj, dict):
        obj = obj.get("features", next(iter(obj.values())) if len(obj) == 1 else None)
    if obj is None or not isinstance(obj, torch.Tensor):
        raise InputError(f"{p}: expected a tensor, or a dict with a 'features' tensor")
    return obj.float().numpy()


def read_array(p: Path, names: tuple[str, ...] = ("features", "images"), mmap: bool = False):
    """The raw contents of a .npy, .npz or .pt file; in a .npz the first of ``names`` it holds, or its only array
    (a run's iter_NN/samples.npz holds images and labels). ``mmap``: a .npy is memory-mapped, read in place."""
    _check_format(p)
    try:
        if p.suffix == ".npy":
            return np.load(p, allow_pickle=False, mmap_mode="r" if mmap else None)
        return _npz_member(p, names) if p.suffix == ".npz" else _torch_member(p)
    except SystemExit:
        raise
    except Exception as err:  # a corrupt file, an object array, a pickle: one line, not a traceback
        raise InputError(f"{p}: not a readable {p.suffix} array ({type(err).__name__}: {err})") from None


def existing(path: str, folders: bool = False) -> Path:
    """An input file: it exists, is a file, and has one of ``POOL_SUFFIXES`` (with ``folders``, a folder of .npy shards
    is one too)."""
    p = Path(path)
    if p.is_dir():
        if folders and any(p.glob("*.npy")):
            return p
        raise InputError(f"{path}: is a folder, not a file" + (" (and holds no .npy shards)" if folders else ""))
    if not p.is_file():
        raise InputError(f"no such file: {path}")
    if p.suffix not in POOL_SUFFIXES:
        raise InputError(f"{path}: expected one of {', '.join(POOL_SUFFIXES)}")
    return p


def load_labels(path: str) -> np.ndarray:
    """Integer class labels, one per image, from .npy, .npz (key ``labels`` or the only array) or .pt."""
    x = np.asarray(read_array(existing(path), names=("labels",))).reshape(-1)
    if x.dtype.kind not in "iu" and not (x.dtype.kind == "f" and np.all(x == np.round(x))):
        raise InputError(f"{path}: labels must be whole numbers (dtype {x.dtype})")
    return x.astype(np.int64)


def _shards(folder: Path) -> np.ndarray:
    """The .npy shards of a folder, in name order, stacked into one array (their row counts may differ)."""
    parts = [read_array(f, mmap=True) for f in sorted(folder.glob("*.npy"))]
    shapes = {part.shape[1:] for part in parts}
    if len(shapes) != 1:
        raise InputError(f"{folder}: its .npy shards differ in shape beyond the first axis ({sorted(map(str, shapes))})")
    return np.concatenate(parts)


def load_matrix(path: str, mmap: bool = False) -> np.ndarray:
    """Load a numeric (n, ...) array from .npy (memory-mapped with ``mmap``), .npz (key ``features`` or the only
    array), .pt (a tensor or dict) or, with ``mmap``, a folder of .npy shards."""
    p = existing(path, folders=mmap)
    x = _shards(p) if p.is_dir() else read_array(p, mmap=mmap)
    if x.dtype.kind not in "fiub":
        raise InputError(f"{path}: not a numeric array (dtype {x.dtype})")
    if not isinstance(x, np.ndarray):
        x = np.asarray(x)
    if x.ndim < 2:
        raise InputError(f"{path}: expected an (n, d) array or a batch of images; got shape {x.shape}")
    if x.shape[0] == 0 or x.size == 0:
        raise InputError(f"{path}: the array is empty (shape {x.shape})")
    return x


def writable_output(path: str, *, suffix: str | None, inputs: tuple[str, ...] = ()) -> Path:
    """An output file the command may write, checked before any work: the right suffix (None: any), not one of
    ``inputs``, not a folder, in a folder that exists and can be written."""
    p = Path(path)
    if suffix is not None and p.suffix != suffix:
        raise InputError(f"--out must name a {suffix} file; got {path}")
    if any(Path(i).resolve() == p.resolve() for i in inputs):
        raise InputError(f"--out {path} is also an input; writing it would overwrite what was read")
    if p.is_dir():
        raise InputError(f"--out {path} is a folder")
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"--out {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise InputError(f"--out {path}: cannot write there (permission denied)")
    return p
