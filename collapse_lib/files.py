"""File helpers for every room: atomic writes that follow the umask, and reads whose errors name the file.

Every write goes to a temporary file in the same folder and is renamed into place, so a process killed at any
moment leaves either the old file or the new one, never half a file. Which process writes (under data
parallelism, rank 0 alone) is the caller's decision, not this module's.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from pathlib import Path

import numpy as np


class DamagedFile(ValueError):
    """A file that exists but cannot be read as what it should hold (truncated, overwritten, not JSON, ...)."""


def _umask() -> int:
    """The process's umask, read without changing it where the system tells it (Linux), else by setting it back."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temp file + fsync + rename); the file's mode follows the umask
    (0o666 & ~umask), as ``open`` would give it, not mkstemp's private 0o600."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode())


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def to_json(obj) -> str:
    """Indented, key-sorted JSON that also takes numpy scalars and arrays."""
    return json.dumps(obj, indent=2, sort_keys=True, default=_json_default) + "\n"


def atomic_write_json(path: str | Path, obj) -> None:
    atomic_write_text(path, to_json(obj))


def read_json(path: str | Path):
    """The JSON held by ``path``; a file that is not valid JSON raises DamagedFile naming the file and the place."""
    path = Path(path)
    text = path.read_text()
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise DamagedFile(f"{path}: not valid JSON ({err.msg}, line {err.lineno}, column {err.colno}); "
                          "the file is damaged or was cut short") from None


def atomic_save_npy(path: str | Path, array: np.ndarray) -> None:
    buf = io.BytesIO()
    np.save(buf, np.asarray(array))
    atomic_write_bytes(path, buf.getvalue())


def atomic_save_npz(path: str | Path, **arrays) -> None:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    atomic_write_bytes(path, buf.getvalue())


def atomic_torch_save(path: str | Path, obj) -> None:
    import torch

    buf = io.BytesIO()
    torch.save(obj, buf)
    atomic_write_bytes(path, buf.getvalue())


def append_jsonl(path: str | Path, record: dict) -> None:
    """Rewrite the whole log with one more line (atomic; logs are small)."""
    old = Path(path).read_text() if Path(path).is_file() else ""
    atomic_write_text(path, old + json.dumps(record, sort_keys=True, default=_json_default) + "\n")


def sha256_of(path: str | Path) -> str:
    """The sha256 of a file's bytes (read in 1 MiB blocks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(2**20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_manifest(folder: str | Path) -> dict[str, dict]:
    """Size and sha256 of every file under ``folder`` (paths relative to it, sorted), e.g. one iteration's."""
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): {"size": p.stat().st_size, "sha256": sha256_of(p)}
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith(".")}


#: files up to this size are hashed on every check, larger ones only when asked (``full``)
HASH_ALWAYS_BYTES = 4 * 2**20


def manifest_problems(folder: str | Path, manifest: dict[str, dict], *, full: bool = False) -> list[str]:
    """What differs between ``folder`` and its ``manifest``: a missing file, a size that changed, or (for files up to
    ``HASH_ALWAYS_BYTES``, or every file with ``full``) a hash that changed. Empty when the folder is intact."""
    folder, problems = Path(folder), []
    for rel, want in manifest.items():
        path = folder / rel
        if not path.is_file():
            problems.append(f"{path}: missing")
        elif path.stat().st_size != want["size"]:
            problems.append(f"{path}: {path.stat().st_size} bytes, {want['size']} when it was written")
        elif (full or want["size"] <= HASH_ALWAYS_BYTES) and sha256_of(path) != want["sha256"]:
            problems.append(f"{path}: its content changed since it was written (sha256 differs)")
    return problems
