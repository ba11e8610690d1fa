"""Atomic file writes and the layout of run folders.

Every write goes to a temporary file in the same folder and is renamed into place, so a run killed at
any moment leaves either the old file or the new one, never half a file.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path

import numpy as np

DONE_FILE = "metrics.json"  # an iteration is finished when its metrics.json exists


def atomic_write_bytes(path: Path, data: bytes) -> None:
    from ..distributed import is_main_process

    if not is_main_process():  # under data parallelism every rank computes the same result; rank 0 writes it
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode())


def atomic_write_json(path: Path, obj) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=_json_default) + "\n")


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def atomic_save_npy(path: Path, array: np.ndarray) -> None:
    buf = io.BytesIO()
    np.save(buf, np.asarray(array))
    atomic_write_bytes(path, buf.getvalue())


def atomic_save_npz(path: Path, **arrays) -> None:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    atomic_write_bytes(path, buf.getvalue())


def atomic_torch_save(path: Path, obj) -> None:
    import torch

    buf = io.BytesIO()
    torch.save(obj, buf)
    atomic_write_bytes(path, buf.getvalue())


def append_jsonl(path: Path, record: dict) -> None:
    """Rewrite the whole stats log with one more line (atomic; logs are small)."""
    old = Path(path).read_text() if Path(path).is_file() else ""
    atomic_write_text(path, old + json.dumps(record, sort_keys=True, default=_json_default) + "\n")


def iteration_dir(run_dir: Path, n: int) -> Path:
    return Path(run_dir) / f"iter_{n:02d}"


def is_finished(run_dir: Path, n: int) -> bool:
    return (iteration_dir(run_dir, n) / DONE_FILE).is_file()
