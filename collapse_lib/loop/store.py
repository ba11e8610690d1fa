"""The layout of run folders: where a run of a config lives, its iterations, and when one is finished.

``runs/<name>-<hash>/``: ``config.json``, ``stats.jsonl``, ``metrics.csv`` and per iteration ``iter_NN/`` with
``train_set.npz``, ``samples.npz``, ``model/`` and ``metrics.json`` (written last: the finished mark). File
writes go through ``collapse_lib.files`` (atomic); which process writes is the runner's decision.
"""

from __future__ import annotations

from pathlib import Path

DONE_FILE = "metrics.json"  # an iteration is finished when its metrics.json exists
#: entries of metrics.json that say how an iteration was computed (timings, reuse), not what it measured
BOOKKEEPING = ("trained", "train_seconds", "sample_seconds", "remeasured")


def run_dir_of(cfg, runs_root: str | Path) -> Path:
    """The folder ``run_loop`` uses for ``cfg`` under ``runs_root``."""
    return Path(runs_root) / f"{cfg.name}-{cfg.config_hash()}"


def iteration_dir(run_dir: str | Path, n: int) -> Path:
    return Path(run_dir) / f"iter_{n:02d}"


def is_finished(run_dir: str | Path, n: int) -> bool:
    return (iteration_dir(run_dir, n) / DONE_FILE).is_file()


def cache_dir(run_dir: str | Path) -> Path:
    """The run cache beside a run folder (featurizer caches, first models)."""
    return Path(run_dir).parent / "_cache"
