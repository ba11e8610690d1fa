"""What every finding's check shares: the choices a referee would vary (storage, copy test, entropy reading, named
in ``words``), the first models' quality gate, per-seed verdicts, seed-pair comparisons and correlations
bootstrapped over runs.

A check *holds* only when it holds for every seed (or, for a correlation, when its interval over runs clears the
threshold). Each chapter reports its verdict under every storage and reading the table holds, and names the ones
it holds under; its claim's status is read under the primary choices: the data's own grey-level grid, the copy
test that merges near-duplicates, and the dequantized entropy of the stored set (the method page argues them).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..metrics import bootstrap_ci, pearson
from ..words import CopyTest, EntropyReading, Storage

PRIMARY_STORAGE, PRIMARY_COPY_TEST, PRIMARY_ENTROPY = Storage.GRID, CopyTest.MERGED, EntropyReading.STORED

#: the first model learned the data: its samples keep this share of the real subset's covariance trace...
MIN_TRACE_RATIO = 0.8
#: ...and their Fréchet distance is at most this many times the real subset's own (the floor)
MAX_FD_OVER_FLOOR = 5.0


def storage_names(table: pd.DataFrame) -> pd.Series:
    """Each row's storage, as its results key ("grid" or "float")."""
    return table["quantize_samples"].map(lambda q: Storage.of(q).value)


def by_storage(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The table split by storage (keyed "grid", "float"), the primary one first."""
    names = storage_names(table)
    order = [PRIMARY_STORAGE] + [s for s in Storage if s != PRIMARY_STORAGE]
    return {s.value: table[names == s.value] for s in order if (names == s.value).any()}


def by_seed(table: pd.DataFrame) -> dict[int, pd.DataFrame]:
    return {int(s): g for s, g in table.groupby("seed")}


def holds_under(verdicts: dict[str, bool]) -> list[str]:
    """The choices (keys) a check holds under, in order."""
    return [k for k, ok in verdicts.items() if ok]


def learned_data(size: dict, min_trace: float = MIN_TRACE_RATIO, max_fd_factor: float = MAX_FD_OVER_FLOOR) -> bool:
    """One size's first models (a ``quality_gate`` per-size entry) drew images of the data's quality."""
    return size["trace_ratio_min"] >= min_trace and size["fd_over_floor_max"] <= max_fd_factor


def quality_gate(table: pd.DataFrame, min_trace: float = MIN_TRACE_RATIO, max_fd_factor: float = MAX_FD_OVER_FLOOR) -> dict:
    """The first models (trained on real data) draw images: spread near the data's, FD near the real floor.

    Per size at iteration 1, over every seed and storage: the smallest ``trace_ratio`` >= ``min_trace`` and the
    largest ``fd`` / ``fd_floor`` <= ``max_fd_factor``. A model that has not learned the data fails it, whatever
    its GS does later.
    """
    first = table[table["iteration"] == 1]
    per = {}
    for n, g in first.groupby("n_train"):
        ratio = g["fd"] / g["fd_floor"]
        per[int(n)] = {"trace_ratio_min": g["trace_ratio"].min(), "trace_ratio_max": g["trace_ratio"].max(),
                       "fd_over_floor_min": ratio.min(), "fd_over_floor_max": ratio.max(), "fd": g["fd"].mean(),
                       "fd_floor": g["fd_floor"].mean(), "fd_noise": g["fd_noise"].mean(),
                       "memorized_share": g["memorized_share"].mean()}
    holds = bool(per) and all(learned_data(v, min_trace, max_fd_factor) for v in per.values())
    return {"claim": "the first models (real data) learned the data", "per_size": per, "holds": holds,
            "thresholds": {"min_trace_ratio": min_trace, "max_fd_over_floor": max_fd_factor}}


def last_iteration(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["iteration"] == table["iteration"].max()]


def seed_pairs(a: pd.Series, b: pd.Series, higher: bool) -> dict:
    """Every (seed of a, seed of b) pair compared: how many pairs have a above b (``higher``) or below it."""
    wins = sum((x > y) if higher else (x < y) for x in a for y in b)
    return {"wins": int(wins), "pairs": int(len(a) * len(b)), "all": bool(len(a) and len(b) and wins == len(a) * len(b)),
            "mean_a": float(a.mean()), "mean_b": float(b.mean()), "min_a": float(a.min()), "max_a": float(a.max()),
            "min_b": float(b.min()), "max_b": float(b.max())}


def pearson_over_runs(points: pd.DataFrame, x: str, y: str, runs=("n_train", "seed"), n_boot: int = 2000,
                      seed: int = 0) -> dict:
    """Pearson r of ``x`` and ``y`` over every point, with a 95% interval from a bootstrap over whole runs (the
    points of one run, its iterations, are not independent of each other)."""
    points = points[[x, y, *runs]].replace([np.inf, -np.inf], np.nan).dropna()
    r = pearson(points[x], points[y], n_boot=10, seed=seed)
    groups = [g[[x, y]].to_numpy() for _, g in points.groupby(list(runs))]
    index = np.arange(len(groups))

    def r_of(take):
        xy = np.concatenate([groups[i] for i in take.astype(int)])
        return float(np.corrcoef(xy[:, 0], xy[:, 1])[0, 1]) if np.ptp(xy[:, 0]) and np.ptp(xy[:, 1]) else float("nan")

    lo, hi = bootstrap_ci(r_of, index, n_boot=n_boot, seed=seed) if len(groups) >= 2 else (float("nan"),) * 2
    return {"r": r["r"], "ci_low": lo, "ci_high": hi, "n": r["n"], "runs": len(groups)}


def seeds_or_interval(per_seed: dict[int, float], interval_low: float, threshold: float) -> bool:
    """A correlation check: every seed's r clears ``threshold``, or the interval over runs does."""
    return bool(per_seed) and (all(v >= threshold for v in per_seed.values()) or interval_low >= threshold)
