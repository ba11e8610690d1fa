"""The layout of run folders: where a run of a config lives, its iterations, and when one is finished.

``runs/<name>-<hash>/``: ``config.json``, ``stats.jsonl``, ``metrics.csv`` and per iteration ``iter_NN/`` with
``train_set.npz``, ``samples.npz``, ``model/``, ``metrics.json`` and ``manifest.json`` (size and sha256 of every
other file, written last and atomically: the finished mark). File writes go through ``collapse_lib.files``
(atomic); which process writes is the runner's decision.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from ..files import atomic_write_json, file_manifest, manifest_problems, read_json

METRICS_FILE = "metrics.json"  # what an iteration measured
DONE_FILE = "manifest.json"  # an iteration is finished when its manifest exists (written after everything else)
#: entries of metrics.json that say how an iteration was computed (timings, reuse), not what it measured
BOOKKEEPING = ("trained", "train_seconds", "sample_seconds", "remeasured")


def run_dir_of(cfg, runs_root: str | Path) -> Path:
    """The folder ``run_loop`` uses for ``cfg`` under ``runs_root``."""
    return Path(runs_root) / f"{cfg.name}-{cfg.config_hash()}"


def iteration_dir(run_dir: str | Path, n: int) -> Path:
    return Path(run_dir) / f"iter_{n:02d}"


def is_finished(run_dir: str | Path, n: int) -> bool:
    """Iteration n holds its manifest (written last, so every other file of it was written whole before)."""
    return (iteration_dir(run_dir, n) / DONE_FILE).is_file()


def seal_iteration(run_dir: str | Path, n: int, only: list[str] | None = None) -> None:
    """Write iteration n's manifest: size and sha256 of every file it holds (the finished mark, written last).
    ``only``: recompute just these entries and keep the others as recorded (a re-measured iteration whose other
    files were checked on reuse, so a change to one of them that only ``--verify`` would see is not sealed in)."""
    folder = iteration_dir(run_dir, n)
    now = {k: v for k, v in file_manifest(folder).items() if k != DONE_FILE}
    if only is not None:
        now = {**read_json(folder / DONE_FILE)["files"], **{k: now[k] for k in only}}
    atomic_write_json(folder / DONE_FILE, {"files": now})


def unfinish_iteration(run_dir: str | Path, n: int) -> None:
    """Iteration n no longer counts as finished: its manifest goes, and its metrics.json with it (so nothing reads
    numbers measured from what a recomputed earlier iteration replaced); its other files stay until it is computed
    again."""
    folder = iteration_dir(run_dir, n)
    (folder / DONE_FILE).unlink(missing_ok=True)
    (folder / METRICS_FILE).unlink(missing_ok=True)


#: in a run folder imported without its models (``collapse bundle import``): they were left out on purpose
MODELS_LEFT_OUT = "MODELS_LEFT_OUT"


def models_left_out(run_dir: str | Path) -> bool:
    """The run folder was imported without its models: its iterations are intact without them."""
    return (Path(run_dir) / MODELS_LEFT_OUT).is_file()


def iteration_problems(run_dir: str | Path, n: int, *, full: bool = False) -> list[str]:
    """Why a finished iteration cannot be reused (empty: it is intact): its manifest is unreadable, or a file it
    lists is missing, cut short or changed (sizes always, hashes of small files, of all files with ``full``); the
    model's files are not asked for in a folder imported without its models."""
    folder = iteration_dir(run_dir, n)
    try:
        manifest = read_json(folder / DONE_FILE)["files"]
    except (ValueError, KeyError, TypeError) as err:
        return [f"{folder / DONE_FILE}: {err}"]
    if models_left_out(run_dir):
        manifest = {k: v for k, v in manifest.items() if not k.startswith("model/")}
    return manifest_problems(folder, manifest, full=full)


def cache_dir(runs_root: str | Path) -> Path:
    """The run cache under a runs root (featurizer caches, first models)."""
    return Path(runs_root) / "_cache"


class LoopInterrupted(KeyboardInterrupt):
    """Ctrl-C during a run: which run and iteration it stopped in (finished iterations are kept)."""

    def __init__(self, run_dir: Path, iteration: int):
        super().__init__(f"interrupted at iteration {iteration} of {run_dir}")
        self.run_dir, self.iteration = run_dir, iteration


#: how often (seconds) a run waiting for another process's lock on its folder tries again
LOCK_POLL_SECONDS = 2.0


def _owner_text(path: Path) -> str:
    try:
        o = json.loads(path.read_text())
        return f"held by pid {o['pid']} on {o['host']} since {o['since']}"
    except (OSError, ValueError, KeyError):
        return "held by another process"


@contextmanager
def run_lock(run_dir: str | Path):
    """Hold the lock of ``run_dir`` (``.lock``, an fcntl lock through ``filelock``) while a run works in it: a second
    process that runs the same config waits (saying once who holds it), then finds the run finished and reuses it."""
    from filelock import FileLock, Timeout

    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    lock, owner = FileLock(str(run_dir / ".lock")), run_dir / ".lock.owner"
    told = False
    while True:
        try:
            lock.acquire(timeout=LOCK_POLL_SECONDS)
            break
        except Timeout:
            if not told:
                print(f"waiting for {run_dir}: {_owner_text(owner)}", file=sys.stderr, flush=True)
                told = True
    try:
        owner.write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                     "since": time.strftime("%Y-%m-%d %H:%M:%S")}))
        yield
    finally:
        owner.unlink(missing_ok=True)
        lock.release()
