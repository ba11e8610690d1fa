"""What every finding's check shares: the choices a referee would vary (storage, copy test, entropy reading, named
in ``words``), the first models' quality gate, per-seed values of an arm, and correlations per seed.

Every claim is judged by ``rule`` on one effect per seed. Each chapter reports its claims under every storage and
reading the table holds and names the ones they hold under; a claim's state is read under the primary choices: the
data's own grey-level grid, the copy test that merges near-duplicates, and the dequantized entropy of the stored set
(the method page argues them).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..words import CopyTest, EntropyReading, Storage
from .rule import HOLDS

PRIMARY_STORAGE, PRIMARY_COPY_TEST, PRIMARY_ENTROPY = Storage.GRID, CopyTest.MERGED, EntropyReading.STORED

#: the first model learned the data: its samples keep this share of the real subset's covariance trace...
MIN_TRACE_RATIO = 0.8
#: ...and their Fréchet distance (at N samples, as the floor) is at most this many times the real subset's own
MAX_FD_OVER_FLOOR = 5.0


def storage_names(table: pd.DataFrame) -> pd.Series:
    """Each row's storage, as its results key ("grid" or "float32")."""
    return table["quantize_samples"].map(lambda q: Storage.of(q).value)


def by_storage(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The table split by storage (keyed "grid", "float32"), the primary one first."""
    names = storage_names(table)
    order = [PRIMARY_STORAGE] + [s for s in Storage if s != PRIMARY_STORAGE]
    return {s.value: table[names == s.value] for s in order if (names == s.value).any()}


def by_seed(table: pd.DataFrame) -> dict[int, pd.DataFrame]:
    return {int(s): g for s, g in table.groupby("seed")}


def holds_under(states: dict[str, str]) -> list[str]:
    """The choices (keys) a claim holds under, in order."""
    return [k for k, state in states.items() if state == HOLDS]


def learned_data(size: dict, min_trace: float = MIN_TRACE_RATIO, max_fd_factor: float = MAX_FD_OVER_FLOOR) -> bool:
    """One size's first models (a ``quality_gate`` per-size entry) drew images of the data's quality."""
    return size["trace_ratio_min"] >= min_trace and size["fd_over_floor_max"] <= max_fd_factor


def _gate_columns(first: pd.DataFrame) -> tuple[str, str, bool]:
    """The columns the gate reads: a guided model's plain conditional samples when the rows hold them."""
    if "fd_unguided_n" in first and first["fd_unguided_n"].notna().any():
        return "fd_unguided_n", "trace_ratio_unguided", True
    return ("fd_n" if "fd_n" in first and first["fd_n"].notna().any() else "fd"), "trace_ratio", False


def quality_gate(table: pd.DataFrame, min_trace: float = MIN_TRACE_RATIO, max_fd_factor: float = MAX_FD_OVER_FLOOR) -> dict:
    """The first models (trained on real data) draw images: spread near the data's, FD near the real floor.

    Per size at iteration 1, over every seed and storage: the smallest trace ratio >= ``min_trace`` and the largest
    Fréchet distance over the floor <= ``max_fd_factor``, both of N samples (the floor's sample count). A guided
    model is gated on its plain conditional samples (guidance narrows samples by design; the question is whether
    the model learned the data), and its guided samples' numbers are reported beside them.
    """
    first = table[table["iteration"] == 1]
    fd, trace, unguided = _gate_columns(first)
    per = {}
    for n, g in first.groupby("n_train"):
        ratio = g[fd] / g["fd_floor"]
        per[int(n)] = {"storages": sorted(set(storage_names(g))) if "quantize_samples" in g else [],
                       "trace_ratio_min": g[trace].min(), "trace_ratio_max": g[trace].max(),
                       "fd_over_floor_min": ratio.min(), "fd_over_floor_max": ratio.max(), "fd": g[fd].mean(),
                       "fd_floor": g["fd_floor"].mean(), "fd_noise": g["fd_noise"].mean(),
                       "memorized_share": g["memorized_share"].mean()}
        if unguided:
            guided = g["fd_n"] / g["fd_floor"]
            per[int(n)].update(guided_fd_over_floor_min=guided.min(), guided_fd_over_floor_max=guided.max(),
                               guided_trace_ratio_min=g["trace_ratio"].min(), guided_trace_ratio_max=g["trace_ratio"].max())
    holds = bool(per) and all(learned_data(v, min_trace, max_fd_factor) for v in per.values())
    return {"claim": "the first models (real data) learned the data", "per_size": per, "holds": holds,
            "unguided": unguided, "thresholds": {"min_trace_ratio": min_trace, "max_fd_over_floor": max_fd_factor}}


def last_iteration(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["iteration"] == table["iteration"].max()]


def arm(table: pd.DataFrame, metric: str, iteration: int | None = None, **match) -> dict[int, float]:
    """One arm's ``metric`` per seed at ``iteration`` (default: the table's last), among rows matching ``match``
    (e.g. ``paradigm="replace", selector="greedy"``)."""
    rows = table[table["iteration"] == (table["iteration"].max() if iteration is None else iteration)]
    for column, value in match.items():
        rows = rows[rows[column] == value]
    return {int(s): float(v) for s, v in zip(rows["seed"], rows[metric], strict=True)}


def spread(values: dict[int, float]) -> dict:
    """Mean, least and largest of per-seed values."""
    v = list(values.values())
    return {"mean": float(np.mean(v)), "min": float(np.min(v)), "max": float(np.max(v))} if v else \
        {"mean": float("nan"), "min": float("nan"), "max": float("nan")}


def pearson_r(x, y) -> float:
    """Pearson r of two columns (undefined when either is constant or fewer than three points are finite)."""
    xy = np.column_stack([np.asarray(x, float), np.asarray(y, float)])
    xy = xy[np.isfinite(xy).all(axis=1)]
    if len(xy) < 3 or not np.ptp(xy[:, 0]) or not np.ptp(xy[:, 1]):
        return float("nan")
    return float(np.corrcoef(xy[:, 0], xy[:, 1])[0, 1])


def r_per_seed(points: pd.DataFrame, x: str, y: str) -> dict[int, float]:
    """Pearson r of ``x`` and ``y`` within each seed's points (the unit the rule tests: points of one seed share
    its data and are not independent of each other)."""
    return {int(s): pearson_r(g[x], g[y]) for s, g in points.groupby("seed")}


def fisher_z(r: float) -> float:
    """Fisher's z of a correlation (r clipped just inside ±1)."""
    return float(np.arctanh(np.clip(r, -0.999999, 0.999999)))
