"""The paper's findings as checks on a tidy table (``results/<profile>/metrics.csv`` rows, seeds averaged).

Each function returns a JSON-ready dict: the paper's statement and number, ours, and ``holds``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .metrics import bootstrap_ci, pearson, roc_auc, spearman, youden_threshold


def _mean_over_seeds(table: pd.DataFrame, keys, metrics) -> pd.DataFrame:
    return table.groupby(list(keys), as_index=False)[list(metrics)].mean()


def _spread_over_seeds(table: pd.DataFrame, metric: str) -> dict:
    """Per selector: mean, min and max of ``metric`` over the rows (one per seed at a fixed iteration)."""
    return table.groupby("selector")[metric].agg(["mean", "min", "max"]).to_dict("index")


def _series_by_size(table: pd.DataFrame, metrics) -> dict[int, pd.DataFrame]:
    """Per training-set size, the seed-averaged ``metrics`` indexed by iteration."""
    t = _mean_over_seeds(table, ["n_train", "iteration"], metrics)
    return {int(n): g.set_index("iteration")[list(metrics)] for n, g in t.groupby("n_train")}


#: the first model learned the data: its samples keep this share of the real subset's covariance trace...
MIN_TRACE_RATIO = 0.8
#: ...and their Fréchet distance is at most this many times the real subset's own (the floor)
MAX_FD_OVER_FLOOR = 5.0


def learned_data(size: dict, min_trace: float = MIN_TRACE_RATIO, max_fd_factor: float = MAX_FD_OVER_FLOOR) -> bool:
    """One size's first model (a ``quality_gate`` per-size entry) drew images of the data's quality."""
    return size["trace_ratio"] >= min_trace and size["fd_over_floor"] <= max_fd_factor


def quality_gate(table: pd.DataFrame, min_trace: float = MIN_TRACE_RATIO, max_fd_factor: float = MAX_FD_OVER_FLOOR) -> dict:
    """The first model (trained on real data) draws images: spread near the data's, FD near the real floor.

    Per size at iteration 1 (seeds averaged): ``trace_ratio`` >= ``min_trace`` and ``fd`` <= ``max_fd_factor``
    times ``fd_floor`` (the Fréchet distance of the real subset itself). A model that has not learned the data
    fails it, whatever its GS does later.
    """
    first = table[table["iteration"] == 1]
    per = {}
    for n, g in first.groupby("n_train"):
        fd, floor = g["fd"].mean(), g["fd_floor"].mean()
        per[int(n)] = {"trace_ratio": g["trace_ratio"].mean(), "fd": fd, "fd_floor": floor,
                       "fd_noise": g["fd_noise"].mean(), "fd_over_floor": fd / floor,
                       "memorized_share": g["memorized_share"].mean()}
    holds = bool(per) and all(learned_data(v, min_trace, max_fd_factor) for v in per.values())
    return {"claim": "the first model (real data) learned the data", "per_size": per,
            "threshold": f"iteration 1: trace_ratio >= {min_trace} and FD <= {max_fd_factor} x FD floor", "holds": holds}


def _memorization_trend(mem: pd.Series, min_rise: float, min_rho: float, saturated: float) -> dict:
    rho = spearman(mem.index, mem.values) if len(mem) >= 3 and np.ptp(mem.values) > 0 else float("nan")
    rise = mem.iloc[-1] - mem.iloc[0]
    ok = mem.iloc[0] >= saturated or (rise >= min_rise and rho >= min_rho)
    return {"first": mem.iloc[0], "last": mem.iloc[-1], "rise": rise, "spearman": rho, "rises": bool(ok)}


def finding_1(table: pd.DataFrame, max_ratio: float = 0.85, min_rise: float = 0.2, min_rho: float = 0.6,
              saturated: float = 0.9, min_trace_last: float = 0.6, min_size_gap: float = 0.2) -> dict:
    """Finding I: GS falls AND the share of near-copies rises, while samples stay images; smaller N memorize more.

    Holds when, for every size: GS_last / GS_1 < ``max_ratio``; ``memorized_share`` rises by >= ``min_rise``
    with rank correlation >= ``min_rho`` over iterations (or starts >= ``saturated``); ``trace_ratio`` at the
    last iteration >= ``min_trace_last``. A loop that fades into noise lowers GS but fails the second part.
    Also reported: at iteration 1 the smallest size memorizes more than the largest by >= ``min_size_gap``
    (the paper: 1,024 CIFAR images are copied from the first iteration), and whether small sets lose GS faster.
    """
    series = _series_by_size(table, ["gs", "memorized_share", "trace_ratio"])
    last = int(table["iteration"].max())
    per = {}
    for n, g in series.items():
        per[n] = {"gs_first": g["gs"].iloc[0], "gs_last": g["gs"].iloc[-1], "ratio": g["gs"].iloc[-1] / g["gs"].iloc[0],
                  "trace_ratio_last": g["trace_ratio"].iloc[-1],
                  "memorized": _memorization_trend(g["memorized_share"], min_rise, min_rho, saturated)}
    sizes = sorted(per)
    gs_falls = all(v["ratio"] < max_ratio for v in per.values())
    mem_rises = all(v["memorized"]["rises"] for v in per.values())
    stays_images = all(v["trace_ratio_last"] >= min_trace_last for v in per.values())
    gap = per[sizes[0]]["memorized"]["first"] - per[sizes[-1]]["memorized"]["first"]
    return {"claim": "GS falls and samples turn into copies of the training set over iterations",
            "paper": "GS drops almost exponentially (CIFAR-10, 1024..32768 images); later models copy training images",
            "last_iteration": last, "per_size": per, "gs_falls": gs_falls, "memorization_rises": mem_rises,
            "samples_stay_images": stays_images,
            "drop_smallest": 1 - per[sizes[0]]["ratio"], "drop_largest": 1 - per[sizes[-1]]["ratio"],
            "smaller_sets_drop_more": bool(per[sizes[0]]["ratio"] < per[sizes[-1]]["ratio"]),
            "memorization_gap_at_iteration_1": gap, "memorization_depends_on_size": bool(gap >= min_size_gap),
            "quality_gate": quality_gate(table),
            "threshold": (f"every size: GS_last/GS_1 < {max_ratio}; memorized share rises >= {min_rise} with Spearman "
                          f">= {min_rho} (or starts >= {saturated}); trace_ratio at the last iteration >= {min_trace_last}"),
            "holds": bool(gs_falls and mem_rises and stays_images and len(sizes) >= 2)}


def finding_2(table: pd.DataFrame, max_rho: float = -0.6) -> dict:
    """Finding II: the entropy of generated training sets falls (H(D_last) < H(D_2), Spearman <= -0.6 over n >= 2)."""
    t = _mean_over_seeds(table, ["n_train", "iteration"], ["entropy"])
    last = int(t["iteration"].max())
    per = {}
    for n, g in t.groupby("n_train"):
        g = g.set_index("iteration")["entropy"]
        later = g[g.index >= 2]
        rho = spearman(later.index, later.values) if len(later) >= 3 else float("nan")
        per[int(n)] = {"h_real": g.loc[1], "h_2": g.loc[2], "h_last": g.loc[last], "spearman": rho}
    holds = all(v["h_last"] < v["h_2"] and v["spearman"] <= max_rho for v in per.values())
    return {"claim": "the entropy of each iteration's training set falls", "paper": "Fig. 2a: steady decline",
            "per_size": per, "threshold": f"H(D_last) < H(D_2) and Spearman(n, H) <= {max_rho} over n >= 2",
            "holds": bool(holds)}


def finding_3(table: pd.DataFrame, min_r: float = 0.85, seed: int = 0) -> dict:
    """Finding III: entropy of D_n is linear in log GS(n) across sizes and iterations (paper r = 0.91)."""
    t = _mean_over_seeds(table, ["n_train", "iteration"], ["entropy", "gs", "cov_trace"])
    exact = t[t["gs"] <= 0]  # every sample an exact copy of a training image: log GS is -inf, no point on the line
    t = t[t["gs"] > 0]
    ent = pearson(t["entropy"], np.log(t["gs"]), seed=seed)
    var = pearson(t["cov_trace"], t["gs"], seed=seed)
    var_log = pearson(t["cov_trace"], np.log(t["gs"]), seed=seed)
    per_size = {int(n): pearson(g["entropy"], np.log(g["gs"]), n_boot=500, seed=seed)["r"]
                for n, g in t.groupby("n_train") if len(g) >= 3}
    # Fig. 2c: the variance of D_n relates to GS more weakly than its entropy does
    variance_weaker = abs(var["r"]) < abs(ent["r"]) and abs(var_log["r"]) < abs(ent["r"])
    return {"claim": "entropy of D_n predicts log GS(n)", "paper": {"pearson_entropy_log_gs": 0.91},
            "entropy_log_gs": ent, "variance_gs": var, "variance_log_gs": var_log,
            "variance_claim": {"paper": "Fig. 2c: the variance of D_n relates to GS more weakly than its entropy",
                               "holds": bool(variance_weaker)},
            "within_size_r": per_size,
            "points_left_out_gs_zero": [(int(r.n_train), int(r.iteration)) for r in exact.itertuples()],
            "threshold": f"r >= {min_r}", "holds": bool(ent["r"] >= min_r)}


def app_e(table: pd.DataFrame, min_trace_kept: float = 0.5) -> dict:
    """App. E (Fig. 7): for the largest size, the MNND of G_n falls faster than its covariance trace, which keeps
    at least ``min_trace_kept`` of its first value (variance shrinks only slightly)."""
    n = int(table["n_train"].max())
    trend = table[table["n_train"] == n].groupby("iteration")[["gen_mnnd", "gen_cov_trace"]].mean()
    mnnd_ratio = trend["gen_mnnd"].iloc[-1] / trend["gen_mnnd"].iloc[0]
    trace_ratio = trend["gen_cov_trace"].iloc[-1] / trend["gen_cov_trace"].iloc[0]
    return {"claim": "MNND of generated sets falls much faster than their variance",
            "paper": "Fig. 7: MNND falls almost exponentially, covariance trace only slightly",
            "n_train": n, "last_iteration": int(trend.index.max()),
            "mnnd_ratio_last_to_first": mnnd_ratio, "cov_trace_ratio_last_to_first": trace_ratio,
            "threshold": f"MNND ratio < trace ratio and trace ratio >= {min_trace_kept}",
            "holds": bool(mnnd_ratio < trace_ratio and trace_ratio >= min_trace_kept)}


def _last(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["iteration"] == table["iteration"].max()]


def _beats(stats: pd.DataFrame, a: str, b: str, higher=("entropy", "gs"), lower=("fd",)) -> dict:
    """Whether selector ``a`` beats ``b`` on every metric, on the means and clear of the spread over seeds."""
    means = all(stats.loc[a, (m, "mean")] > stats.loc[b, (m, "mean")] for m in higher) and \
        all(stats.loc[a, (m, "mean")] < stats.loc[b, (m, "mean")] for m in lower)
    clear = all(stats.loc[a, (m, "min")] > stats.loc[b, (m, "max")] for m in higher) and \
        all(stats.loc[a, (m, "max")] < stats.loc[b, (m, "min")] for m in lower)
    return {"means": bool(means), "clear_of_seed_spread": bool(clear)}


def section_5(table: pd.DataFrame) -> dict:
    """Sec. 5: at the last iteration greedy beats vanilla on entropy and GS (both paradigms), and on FD (replace).

    Also reported: the threshold filter against vanilla, and App. F.1's comparison under accumulate-subsample
    (the paper: both selectors lower the FID, greedy more than the threshold filter).
    """
    last = _last(table)
    out, holds = {}, True
    for p, g in last.groupby("paradigm"):
        stats = g.groupby("selector")[["entropy", "gs", "fd"]].agg(["mean", "min", "max"])
        out[p] = {s: {m: {k: stats.loc[s, (m, k)] for k in ("mean", "min", "max")} for m in ("entropy", "gs", "fd")}
                  for s in stats.index}
        fd = ("fd",) if p == "replace" else ()
        if {"greedy", "random"} <= set(stats.index):
            verdict = _beats(stats, "greedy", "random", lower=fd)
            out[p]["greedy_beats_vanilla"] = verdict["means"]
            out[p]["greedy_beats_vanilla_clear"] = verdict["clear_of_seed_spread"]
            holds = holds and verdict["means"]
        if {"threshold", "random"} <= set(stats.index):
            verdict = _beats(stats, "threshold", "random", lower=fd)
            out[p]["threshold_beats_vanilla"] = verdict["means"]
            out[p]["threshold_beats_vanilla_clear"] = verdict["clear_of_seed_spread"]
    f1 = None
    acc = out.get("accumulate-subsample", {})
    if {"greedy", "threshold", "random"} <= set(acc):
        fds = {s: acc[s]["fd"]["mean"] for s in ("random", "threshold", "greedy")}
        f1 = {"fd": fds, "both_lower_than_vanilla": bool(max(fds["greedy"], fds["threshold"]) < fds["random"]),
              "greedy_lower_than_threshold": bool(fds["greedy"] < fds["threshold"])}
    return {"claim": "greedy selection keeps entropy and GS above vanilla; lower FD under replace",
            "paper": {"fid_iter8_accumulate_vanilla": 88.4, "fid_iter8_accumulate_greedy": 52.1,
                      "app_f1_fid_iter8_accumulate_vanilla": 75.7, "app_f1_fid_iter8_accumulate_greedy": 44.7},
            "last_iteration": int(last["iteration"].max()), "per_paradigm": out, "app_f1": f1,
            "quality_gate": quality_gate(table), "holds": bool(holds)}


def fig_11(table: pd.DataFrame, selector: str = "greedy", from_iteration: int = 3) -> dict:
    """App. F.2: under accumulate-subsample the selector keeps more real images than the uniform 1/n share."""
    t = table[(table["paradigm"] == "accumulate-subsample")]
    shares = t.groupby(["selector", "iteration"])["real_share"].mean().unstack(0)
    later = shares[shares.index >= from_iteration]
    holds = bool((later[selector] > 1.0 / later.index.to_numpy()).all()) if selector in later else False
    return {"claim": "selection keeps a larger share of real images than 1/n",
            "paper": {"ffhq_greedy_real_share_iter8": 0.65, "uniform_iter8": 0.125},
            "real_share": {str(s): shares[s].to_dict() for s in shares.columns},
            "uniform": {int(n): 1.0 / n for n in shares.index}, "holds": holds}


def fig_4(table: pd.DataFrame) -> dict:
    """Fig. 4: with CFG, selection keeps within-class diversity (mean within-class NND) above vanilla."""
    last = _last(table)
    per = _spread_over_seeds(last, "within_class_nnd")
    means = "greedy" in per and "random" in per and per["greedy"]["mean"] > per["random"]["mean"]
    # holds only clear of the seed spread: every greedy seed above every vanilla seed
    clear = means and per["greedy"]["min"] > per["random"]["max"]
    real = table["real_within_class_nnd"].dropna()
    train = _spread_over_seeds(last, "train_within_class_nnd") if "train_within_class_nnd" in last else {}
    return {"claim": "greedy selection preserves within-class diversity under classifier-free guidance",
            "paper": "Fig. 4: vanilla CFG samples in a class become near-identical by iteration 8",
            "last_iteration": int(last["iteration"].max()), "within_class_nnd": per, "train_within_class_nnd": train,
            "real_within_class_nnd": float(real.iloc[0]) if len(real) else None, "means_differ": bool(means),
            "clear_of_seed_spread": bool(clear), "quality_gate": quality_gate(table), "holds": bool(clear)}


def ablation(table: pd.DataFrame) -> dict:
    """App. G: FD of vanilla (N), all 2N, greedy (N of 2N) under replace; threshold decay rates under accumulate."""
    last = _last(table)
    rep = last[last["paradigm"] == "replace"].groupby("selector")[["fd", "gs", "entropy"]].mean()
    acc = last[last["paradigm"] == "accumulate-subsample"]
    decay = acc[acc["selector"] == "threshold"].groupby("alpha")[["fd", "gs", "entropy"]].mean()
    vanilla_acc = acc[acc["selector"] == "random"][["fd", "gs", "entropy"]].mean()
    order_ok = all(k in rep.index for k in ("random", "all", "greedy")) and \
        rep.loc["greedy", "fd"] < rep.loc["all", "fd"] < rep.loc["random", "fd"]
    robust = bool(len(decay) and (decay["fd"] < vanilla_acc["fd"]).all())
    return {"claim": "all-2N sits between vanilla and selection; threshold filter robust to its decay rate",
            "paper": "Fig. 13 (FD: greedy < all 2N < vanilla), Fig. 14 (every decay rate beats vanilla)",
            "replace": rep.to_dict("index"), "threshold_by_alpha": decay.to_dict("index"),
            "accumulate_vanilla": vanilla_acc.to_dict(), "fd_order_holds": bool(order_ok),
            "decay_robust": robust, "quality_gate": quality_gate(table), "holds": bool(order_ok and robust)}


def _auc_with_ci(samples: pd.DataFrame, seed: int = 0) -> dict:
    auc = roc_auc(samples["spikiness"], samples["memorized"])
    if not np.isfinite(auc):
        return {"mean": None, "ci_low": None, "ci_high": None, "n": len(samples), "positives": int(samples["memorized"].sum())}
    lo, hi = bootstrap_ci(roc_auc, samples["spikiness"].to_numpy(), samples["memorized"].to_numpy(), n_boot=500, seed=seed)
    return {"mean": auc, "ci_low": lo, "ci_high": hi, "n": len(samples), "positives": int(samples["memorized"].sum())}


def _correlation(table: pd.DataFrame, x: str, y: str, seed: int) -> dict | None:
    t = table[[x, y]].dropna()
    if len(t) < 3 or t[x].nunique() < 2 or t[y].nunique() < 2:
        return None
    return pearson(t[x], t[y], n_boot=1000, seed=seed)


def without_training_data(table: pd.DataFrame, samples: pd.DataFrame, min_auc: float = 0.7, seed: int = 0) -> dict:
    """Beyond the paper: does the model alone (spikiness of its hidden representation, stable rank of its
    weights) tell that the loop slides into memorization?

    ``table``: the Finding I runs' rows (one per size and iteration, with ``spikiness`` and ``stable_rank``);
    ``samples``: ``experiments.per_sample_signals`` rows of those runs. Holds when spikiness separates the
    near-copies from the other samples with a pooled AUC >= ``min_auc`` (lower end of its 95% interval above 0.5).
    """
    t = _mean_over_seeds(table, ["n_train", "iteration"], ["spikiness", "stable_rank", "memorized_share", "gs"])
    corr = {f"{x}_vs_{y}": _correlation(t, x, y, seed) for x in ("spikiness", "stable_rank")
            for y in ("memorized_share", "gs")}
    pooled = _auc_with_ci(samples, seed)
    by_iteration = {int(n): _auc_with_ci(g, seed) for n, g in samples.groupby("iteration")}
    threshold = youden_threshold(samples["spikiness"], samples["memorized"])
    ok = pooled["mean"] is not None and pooled["mean"] >= min_auc and pooled["ci_low"] > 0.5
    return {"claim": "the model's hidden representation tells near-copies from new samples, without the training set",
            "paper": "beyond the paper (arXiv 2512.20963: memorized inputs give spiky activations)",
            "correlations": corr, "auc": pooled, "auc_by_iteration": by_iteration, "threshold": threshold,
            "check": f"pooled AUC >= {min_auc} with its 95% interval above 0.5", "holds": bool(ok)}
