"""Running many loops: ``run_many`` over this machine's processes or any ``concurrent.futures`` engine (``executors``).

A run's numbers do not depend on what runs beside it (every random draw is seeded from its config, and its
thread count is part of its config), so a parallel ``run_many`` gives the same tables as a serial one.
Runs that would train the same first model (see ``first_model``) are held back until one of them has
finished iteration 1 and stored it, so each first model is still trained once.
"""

from __future__ import annotations

import multiprocessing
import os
import warnings
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from pathlib import Path

from . import store
from .config import RunConfig
from .first_model import first_model_group
from .readback import is_complete, read_runs
from .runner import run_loop
from .store import run_dir_of

#: how often (seconds) a held-back run checks whether its first model has been stored
POLL_SECONDS = 1.0


def _run_one(cfg: RunConfig, runs_root: str, share_first_model: bool) -> str:
    return str(run_loop(cfg, runs_root=runs_root, progress=False, share_first_model=share_first_model))


def check_workers(workers: int, configs: list[RunConfig], remote: bool = False) -> None:
    """Refuse a bad worker count before any work; warn when workers x threads oversubscribes this machine's cores
    (not checked for ``remote`` engines, whose machines are not this one)."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a whole number >= 1; got {workers!r}")
    if workers == 1 or remote:
        return
    cores = os.cpu_count() or 1
    threads = [c.threads for c in configs]
    if any(t is None for t in threads):
        warnings.warn(f"workers={workers} with threads unset: each run uses every core; set threads to "
                      f"{max(1, cores // workers)}", stacklevel=3)
    elif workers * max(threads) > cores:
        warnings.warn(f"workers={workers} x threads={max(threads)} exceeds the {cores} cores", stacklevel=3)


class _Schedule:
    """Which pending run may start now: one per first-model group until that group's first model is stored."""

    def __init__(self, configs: list[RunConfig], runs_root: Path, share_first_model: bool):
        self.pending = list(configs)
        self.runs_root = runs_root
        self.group = {id(c): first_model_group(c) if share_first_model else str(id(c)) for c in configs}
        self.leader: dict[str, RunConfig] = {}

    def _held_back(self, cfg: RunConfig) -> bool:
        lead = self.leader.get(self.group[id(cfg)])
        return lead is not None and not store.is_finished(run_dir_of(lead, self.runs_root), 1)

    def next_ready(self) -> RunConfig | None:
        for cfg in self.pending:
            if not self._held_back(cfg):
                self.pending.remove(cfg)
                self.leader.setdefault(self.group[id(cfg)], cfg)
                return cfg
        return None


def _submit_ready(pool, schedule: _Schedule, running: dict, cap: int, runs_root: Path, share: bool) -> None:
    while len(running) < cap and (cfg := schedule.next_ready()) is not None:
        running[pool.submit(_run_one, cfg, str(runs_root), share)] = cfg


def run_parallel(configs: list[RunConfig], *, workers: int, runs_root: str | Path,
                 share_first_model: bool = True, executor: Executor | None = None) -> list[Path]:
    """Run (or reuse) every config, ``workers`` at a time; returns their run folders in the order given.

    ``executor``: any ``concurrent.futures.Executor`` (a Dask client's, ``SubmititExecutor``, a process pool) to
    run on instead of a process pool of ``workers`` on this machine; then ``workers`` caps the runs in flight,
    and 1 (the default) submits every run that may start and lets the engine queue them. Configs that name the
    same run folder run once. When a run fails, no new run starts, the ones under way finish (their results
    stay in the run cache) and the first error is raised.
    """
    runs_root = Path(runs_root)
    unique = list({run_dir_of(c, runs_root): c for c in configs}.values())
    schedule = _Schedule(unique, runs_root, share_first_model)
    cap = workers if executor is None or workers > 1 else len(unique)
    own_pool = executor is None
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) if own_pool else executor
    running: dict[Future, RunConfig] = {}
    error: BaseException | None = None
    try:
        while (schedule.pending and error is None) or running:
            if error is None:
                _submit_ready(pool, schedule, running, cap, runs_root, share_first_model)
            done, _ = wait(running, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
            for fut in done:
                running.pop(fut)
                if fut.exception() is not None and error is None:
                    error = fut.exception()
            if not running and schedule.pending and error is None and not done:
                raise RuntimeError("no run can start: every pending run waits on a first model no run is training")
    finally:
        if own_pool:
            pool.shutdown(wait=True)
    if error is not None:
        raise error
    return [run_dir_of(c, runs_root) for c in configs]


def run_many(configs: list[RunConfig], *, runs_root: str | Path | None = None, progress: bool = False,
             share_first_model: bool = True, workers: int = 1, executor=None):
    """Run (or reuse) several configs and return their combined table (every config is validated when built).

    ``workers`` > 1 runs that many at once, each in its own process; give each run ``threads`` = cores /
    workers. ``executor`` (any ``concurrent.futures.Executor``: a Dask client's ``get_executor()``,
    ``executors.SubmititExecutor`` for Slurm, a process pool) runs them there instead; ``runs_root`` must then be
    a folder every engine's workers see. The numbers are the same as one after another.
    """
    from ..paths import runs_root as default_root

    runs_root = Path(runs_root) if runs_root is not None else default_root()
    check_workers(workers, configs, remote=executor is not None)
    to_run = [c for c in configs if not is_complete(run_dir_of(c, runs_root), c)]
    if to_run and (executor is not None or (workers > 1 and len(to_run) > 1)):
        run_parallel(to_run, workers=workers, runs_root=runs_root, share_first_model=share_first_model,
                     executor=executor)
    return read_runs([run_loop(c, runs_root=runs_root, progress=progress, share_first_model=share_first_model)
                      for c in configs])
