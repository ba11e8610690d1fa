"""What a profile's book will train: every run its chapters ask for (shared runs and shared first models counted
once) with the optimizer steps of each iteration, and how much of it the run folders already hold. The cost
benchmarks and the book build's progress line read it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .loop import store
from .loop.config import RunConfig
from .loop.first_model import first_model_group, train_settings


def train_set_size(cfg: RunConfig, n: int) -> int:
    """|D_n| of iteration n: N, or the whole candidate pool under accumulate or a selector that keeps the pool
    (``paradigms.next_training_set``'s rule): G_{n-1} under replace, all real and generated images otherwise."""
    from . import selection

    if n == 1:
        return cfg.n_train
    keeps_pool = cfg.paradigm == "accumulate" or selection.get(cfg.selector).pick is None
    if not keeps_pool:
        return cfg.n_train
    return cfg.samples_per_iteration if cfg.paradigm == "replace" else cfg.n_train + (n - 1) * cfg.samples_per_iteration


@dataclass(frozen=True)
class PlannedRun:
    chapter: str  # the first chapter that asks for it
    cfg: RunConfig
    run_dir: Path
    steps: tuple[int, ...]  # optimizer steps of each iteration (0 for a first model another run trains)


def stored_rows(configs: list[RunConfig], root: Path) -> pd.DataFrame:
    """The table rows of ``configs`` as their finished run folders under ``root`` hold them; a run not finished yet
    stands in with placeholder rows (a real share of 1) so an experiment built from these rows can be counted."""
    from .loop.config import TABLE_KEYS
    from .loop.readback import stored_metrics

    rows = []
    for cfg in configs:
        folder = store.run_dir_of(cfg, root)
        done = all(store.is_finished(folder, n) for n in range(1, cfg.iterations + 1))
        for n in range(1, cfg.iterations + 1):
            share = stored_metrics(folder, n)["real_share"] if done else 1.0
            rows.append({**{k: getattr(cfg, k) for k in TABLE_KEYS}, "iteration": n, "real_share": share})
    return pd.DataFrame(rows)


def chapter_configs(profile: str, runs_root: str | Path | None = None) -> dict[str, list[RunConfig]]:
    """The configs each chapter of ``profile`` trains, as ``Chapter.run`` builds them (before sharing); an experiment
    built from the rows of the one before reads them from the finished runs under ``runs_root``."""
    from .chapters import CHAPTERS
    from .paths import runs_root as default_root
    from .profiles import run_parameters

    root = Path(runs_root) if runs_root is not None else default_root()
    out = {}
    for chapter in CHAPTERS.values():
        if chapter.experiment is None:
            continue
        base, kw = run_parameters(profile, chapter.name)
        kw = {k: v for k, v in kw.items() if k not in chapter._gather_parameters()}
        configs, before = [], None
        for exp in chapter.experiment.chain():
            built = exp.configs(base, kw, before)
            configs += built
            before = stored_rows(built, root)
        out[chapter.name] = configs
    return out


def run_hashes(profiles=("smoke", "cpu", "paper", "rehearsal")) -> dict:
    """Per profile and chapter, the sorted hashes of the runs it trains (with no run folder present), as
    ``tests/data/run_hashes.json`` records them; ``bash scripts/dev.sh hashes`` rewrites that file after a deliberate
    change of the experiments."""
    return {p: {name: sorted(c.config_hash() for c in configs)
                for name, configs in chapter_configs(p, runs_root="/nonexistent").items()} for p in profiles}


def book_plan(profile: str, runs_root: str | Path | None = None) -> list[PlannedRun]:
    """Every run the chapters of ``profile`` train, in book order (a run two chapters ask for, once)."""
    from .paths import runs_root as default_root

    root = Path(runs_root) if runs_root is not None else default_root()
    plan, seen, first = [], set(), set()
    for name, configs in chapter_configs(profile, root).items():
        for cfg in configs:
            run_dir = store.run_dir_of(cfg, root)
            if run_dir in seen:
                continue
            seen.add(run_dir)
            group = first_model_group(cfg)
            steps = [0 if n == 1 and group in first else train_settings(cfg, train_set_size(cfg, n)).steps
                     for n in range(1, cfg.iterations + 1)]
            first.add(group)
            plan.append(PlannedRun(name, cfg, run_dir, tuple(steps)))
    return plan


def steps_done(plan: list[PlannedRun]) -> int:
    """Optimizer steps of the planned iterations that their run folders hold finished."""
    return sum(s for run in plan for n, s in enumerate(run.steps, 1) if store.is_finished(run.run_dir, n))
