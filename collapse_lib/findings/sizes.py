"""Findings I-III and App. E: the replace loop at several training-set sizes, each check per seed, under both
storages, both copy tests and every entropy reading."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..metrics import spearman
from .common import (
    COPY_TESTS,
    ENTROPY_READINGS,
    PRIMARY_COPY_TEST,
    PRIMARY_ENTROPY,
    PRIMARY_STORAGE,
    by_seed,
    by_storage,
    holds_under,
    pearson_over_runs,
    quality_gate,
    seeds_or_interval,
    status,
)

#: the share of near-copies above which a size counts as memorized (``larger sets hold out longer``)
MEMORIZED_LEVEL = 0.5
#: the fewest iterations a check can be judged on: a rank correlation needs three points (Finding I over every
#: iteration, Finding II over the generated sets n >= 2); fewer make the claim not testable at that profile
MIN_ITERATIONS = {"finding_1": 3, "finding_2": 4}


def _trend(share: pd.Series, min_rise: float, min_rho: float, saturated: float) -> dict:
    rho = spearman(share.index, share.values) if len(share) >= 3 and np.ptp(share.values) > 0 else float("nan")
    rise = share.iloc[-1] - share.iloc[0]
    ok = share.iloc[0] >= saturated or (rise >= min_rise and rho >= min_rho)
    above = share[share > MEMORIZED_LEVEL]
    return {"first": share.iloc[0], "last": share.iloc[-1], "rise": rise, "spearman": rho, "rises": bool(ok),
            "first_over_half": int(above.index[0]) if len(above) else None}


def _never_earlier(crossings: list[int | None]) -> bool:
    """The iterations at which sizes (in increasing N) first exceed the level never decrease (never = last)."""
    values = [np.inf if c is None else c for c in crossings]
    return all(b >= a for a, b in zip(values, values[1:], strict=False))


def _finding_1_seed(t: pd.DataFrame, share_col: str, th: dict) -> dict:
    """Finding I's checks for one seed, one storage and one copy test (one run per size)."""
    per = {}
    for n, g in t.groupby("n_train"):
        g = g.set_index("iteration").sort_index()
        per[int(n)] = {"gs_first": g["gs"].iloc[0], "gs_last": g["gs"].iloc[-1], "ratio": g["gs"].iloc[-1] / g["gs"].iloc[0],
                       "trace_ratio_last": g["trace_ratio"].iloc[-1],
                       "copies": _trend(g[share_col], th["min_rise"], th["min_rho"], th["saturated"])}
    sizes = sorted(per)
    gap = per[sizes[0]]["copies"]["first"] - per[sizes[-1]]["copies"]["first"]
    checks = {"gs_falls": all(v["ratio"] < th["max_ratio"] for v in per.values()),
              "copies_rise": all(v["copies"]["rises"] for v in per.values()),
              "stay_images": all(v["trace_ratio_last"] >= th["min_trace_last"] for v in per.values()),
              "small_copied_first": bool(gap >= th["min_size_gap"]),
              "larger_hold_out_longer": _never_earlier([per[n]["copies"]["first_over_half"] for n in sizes])}
    return {"per_size": per, "gap_at_iteration_1": gap, "checks": {k: bool(v) for k, v in checks.items()}}


def finding_1(table: pd.DataFrame, max_ratio: float = 0.85, min_rise: float = 0.2, min_rho: float = 0.6,
              saturated: float = 0.9, min_trace_last: float = 0.6, min_size_gap: float = 0.2) -> dict:
    """Finding I: GS falls AND the share of near-copies rises while samples stay images; small sets are copied from
    the first iteration and larger ones hold out longer.

    Per seed, storage and copy test: for every size GS_last / GS_1 < ``max_ratio``; the near-copy share rises by
    >= ``min_rise`` with Spearman >= ``min_rho`` over iterations (or starts >= ``saturated``); ``trace_ratio`` at the
    last iteration >= ``min_trace_last``; at iteration 1 the smallest size's share exceeds the largest's by
    >= ``min_size_gap``; and the first iteration at which the share exceeds 1/2 never comes earlier for a larger N.
    A check holds under a choice when it holds for every seed.
    """
    th = dict(max_ratio=max_ratio, min_rise=min_rise, min_rho=min_rho, saturated=saturated,
              min_trace_last=min_trace_last, min_size_gap=min_size_gap, memorized_level=MEMORIZED_LEVEL)
    runs, checks = {}, {}
    for storage, part in by_storage(table).items():
        for test, col in COPY_TESTS.items():
            choice = f"{storage}, {test}"
            runs[choice] = {seed: _finding_1_seed(t, col, th) for seed, t in by_seed(part).items()}
            for name in runs[choice][next(iter(runs[choice]))]["checks"]:
                checks.setdefault(name, {})[choice] = all(r["checks"][name] for r in runs[choice].values())
    primary = f"{PRIMARY_STORAGE}, {PRIMARY_COPY_TEST}"
    every = {c: all(checks[name][c] for name in checks) for c in runs}
    gate, enough = quality_gate(table), int(table["iteration"].max()) >= MIN_ITERATIONS["finding_1"]
    return {"claim": "GS falls and samples turn into copies of the training set over iterations",
            "paper": "GS drops almost exponentially (CIFAR-10, 1024..32768 images); 1,024 images are copied from "
                     "iteration 1, larger sets later",
            "last_iteration": int(table["iteration"].max()), "primary": primary, "runs": runs, "checks": checks,
            "holds_under": holds_under(every), "quality_gate": gate, "thresholds": th,
            "sizes": {s: sorted(int(n) for n in p["n_train"].unique()) for s, p in by_storage(table).items()},
            "enough_iterations": enough, "holds": bool(every.get(primary)),
            "status": status(every.get(primary, False), gate["holds"] and enough)}


def _finding_2_seed(t: pd.DataFrame, col: str, max_rho: float) -> dict:
    per = {}
    for n, g in t.groupby("n_train"):
        g = g.set_index("iteration").sort_index()[col]
        later = g[g.index >= 2]
        rho = spearman(later.index, later.values) if len(later) >= 3 and np.ptp(later.values) > 0 else float("nan")
        per[int(n)] = {"h_real": g.loc[1], "h_2": g.loc[2], "h_last": g.iloc[-1], "spearman": rho,
                       "falls": bool(g.iloc[-1] < g.loc[2] and rho <= max_rho)}
    return {"per_size": per, "holds": all(v["falls"] for v in per.values())}


def finding_2(table: pd.DataFrame, max_rho: float = -0.6) -> dict:
    """Finding II: the entropy of each generated training set falls: H(D_last) < H(D_2) and Spearman(n, H) <=
    ``max_rho`` over n >= 2, at every size and for every seed; per storage and entropy reading."""
    runs, verdict = {}, {}
    for storage, part in by_storage(table).items():
        for reading, col in ENTROPY_READINGS.items():
            choice = f"{storage}, {reading}"
            runs[choice] = {seed: _finding_2_seed(t, col, max_rho) for seed, t in by_seed(part).items()}
            verdict[choice] = all(r["holds"] for r in runs[choice].values())
    primary, gate = f"{PRIMARY_STORAGE}, {PRIMARY_ENTROPY}", quality_gate(table)
    enough = int(table["iteration"].max()) >= MIN_ITERATIONS["finding_2"]
    return {"claim": "the entropy of each iteration's training set falls", "paper": "Fig. 2a: steady decline",
            "primary": primary, "runs": runs, "checks": {"falls": verdict}, "holds_under": holds_under(verdict),
            "thresholds": {"max_rho": max_rho}, "quality_gate": gate, "enough_iterations": enough,
            "holds": bool(verdict.get(primary)), "status": status(verdict.get(primary, False), gate["holds"] and enough)}


def common_slope(points: pd.DataFrame, x: str, y: str, group: str = "n_train") -> dict:
    """Least squares y = a_group + b x: one slope, an intercept per group, and the correlation left within groups
    (x and y each with its group mean removed)."""
    groups = sorted(points[group].unique())
    design = np.column_stack([points[x].to_numpy()] + [(points[group] == g).to_numpy(float) for g in groups])
    coef = np.linalg.lstsq(design, points[y].to_numpy(), rcond=None)[0]
    xc = points[x] - points.groupby(group)[x].transform("mean")
    yc = points[y] - points.groupby(group)[y].transform("mean")
    within = float(np.corrcoef(xc, yc)[0, 1]) if np.ptp(xc) and np.ptp(yc) else float("nan")
    return {"slope": float(coef[0]), "intercepts": {int(g): float(c) for g, c in zip(groups, coef[1:], strict=True)},
            "within_r": within}


def _finding_3_storage(t: pd.DataFrame, min_r: float, seed: int) -> dict:
    exact = t[t["gs"] <= 0]  # every sample an exact copy: log GS is -inf, no point on the line
    t = t[t["gs"] > 0].assign(log_gs=lambda d: np.log(d["gs"]),
                              log_gs_ratio=lambda d: np.log(d["gs_ratio"].where(d["gs_ratio"] > 0)))
    pooled = {reading: pearson_over_runs(t, col, "log_gs", seed=seed) for reading, col in ENTROPY_READINGS.items()}
    per_seed = {int(s): pearson_over_runs(g, "entropy", "log_gs", n_boot=200, seed=seed)["r"] for s, g in t.groupby("seed")}
    per_size = {int(n): pearson_over_runs(g, "entropy", "log_gs", n_boot=200, seed=seed)["r"]
                for n, g in t.groupby("n_train") if len(g) >= 3}
    variance = {"gs": pearson_over_runs(t, "cov_trace", "gs", seed=seed),
                "log_gs": pearson_over_runs(t, "cov_trace", "log_gs", seed=seed)}
    weaker = all(abs(v["r"]) < abs(pooled[PRIMARY_ENTROPY]["r"]) for v in variance.values())
    fixed_seed = {int(s): pearson_over_runs(g, "entropy_fixed_n", "log_gs", n_boot=200, seed=seed)["r"]
                  for s, g in t.groupby("seed")}
    return {"pooled": pooled, "per_seed": per_seed, "per_size": per_size,
            "common_slope": common_slope(t, "entropy", "log_gs"),
            "gs_ratio": pearson_over_runs(t, "entropy", "log_gs_ratio", seed=seed), "variance": variance,
            "variance_weaker": bool(weaker),
            "holds": seeds_or_interval(per_seed, pooled[PRIMARY_ENTROPY]["ci_low"], min_r),
            "fixed_holds": seeds_or_interval(fixed_seed, pooled["fixed subsample"]["ci_low"], min_r),
            "fixed_per_seed": fixed_seed,
            "points_left_out_gs_zero": [(int(r.n_train), int(r.seed), int(r.iteration)) for r in exact.itertuples()]}


def finding_3(table: pd.DataFrame, min_r: float = 0.85, seed: int = 0) -> dict:
    """Finding III: the entropy of D_n is linear in log GS(n) across sizes and iterations (paper r = 0.91).

    Per storage: the pooled Pearson r with an interval from a bootstrap over runs (size x seed); it holds when every
    seed's pooled r >= ``min_r`` or the interval's low end does. Also: r within each size, one slope with an
    intercept per size, the same with the entropy at a fixed subsample size (which removes the KL estimate's
    dependence on N), GS / MNND(D_n) against entropy, and the variance claim of Fig. 2c.
    """
    per = {storage: _finding_3_storage(part, min_r, seed) for storage, part in by_storage(table).items()}
    verdict = {f"{s}, {PRIMARY_ENTROPY}": v["holds"] for s, v in per.items()}
    verdict.update({f"{s}, fixed subsample": v["fixed_holds"] for s, v in per.items()})
    primary, gate = f"{PRIMARY_STORAGE}, {PRIMARY_ENTROPY}", quality_gate(table)
    return {"claim": "entropy of D_n predicts log GS(n)", "paper": {"pearson_entropy_log_gs": 0.91}, "primary": primary,
            "per_storage": per, "checks": {"linear": verdict}, "holds_under": holds_under(verdict),
            "variance_claim": {"paper": "Fig. 2c: the variance of D_n relates to GS more weakly than its entropy",
                               "holds": bool(per.get(PRIMARY_STORAGE, {}).get("variance_weaker"))},
            "thresholds": {"min_r": min_r}, "quality_gate": gate, "holds": bool(verdict.get(primary)),
            "status": status(verdict.get(primary, False), gate["holds"])}


def _app_e_seed(t: pd.DataFrame, min_trace_kept: float) -> dict:
    trend = t.groupby("iteration")[["gen_mnnd", "gen_cov_trace"]].mean().sort_index()
    mnnd_ratio = trend["gen_mnnd"].iloc[-1] / trend["gen_mnnd"].iloc[0]
    trace_ratio = trend["gen_cov_trace"].iloc[-1] / trend["gen_cov_trace"].iloc[0]
    return {"mnnd_ratio": mnnd_ratio, "trace_ratio": trace_ratio,
            "holds": bool(mnnd_ratio < trace_ratio and trace_ratio >= min_trace_kept)}


def app_e(table: pd.DataFrame, min_trace_kept: float = 0.5) -> dict:
    """App. E (Fig. 7): for the largest size, the MNND of G_n falls faster than its covariance trace, which keeps at
    least ``min_trace_kept`` of its first value; for every seed, per storage."""
    n = int(table["n_train"].max())
    part = table[table["n_train"] == n]
    runs = {s: {seed: _app_e_seed(t, min_trace_kept) for seed, t in by_seed(p).items()} for s, p in by_storage(part).items()}
    verdict = {s: all(r["holds"] for r in v.values()) for s, v in runs.items()}
    gate = quality_gate(table)
    return {"claim": "MNND of generated sets falls much faster than their variance",
            "paper": "Fig. 7: MNND falls almost exponentially, covariance trace only slightly",
            "n_train": n, "last_iteration": int(part["iteration"].max()), "primary": PRIMARY_STORAGE, "runs": runs,
            "checks": {"clusters": verdict}, "holds_under": holds_under(verdict),
            "thresholds": {"min_trace_kept": min_trace_kept}, "quality_gate": gate,
            "holds": bool(verdict.get(PRIMARY_STORAGE)), "status": status(verdict.get(PRIMARY_STORAGE, False), gate["holds"])}
