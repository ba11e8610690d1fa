"""Each finding's result (``findings``) as sentences a reader can check: one line per check, ✓ or ✗, with numbers.

Each function takes a ``findings`` result and returns ``[(holds, sentence), ...]``; the chapter registry
(``chapters``) pairs them with their notebooks, the chapters print them and the summary page quotes them, so
a page and the summary never word a verdict differently.
"""

from __future__ import annotations

from . import selection


def name(selector: str) -> str:
    """How a sentence names a selector (the registry's short name)."""
    return selection.get(selector).short


def _range(values, spec: str = ".2f") -> str:
    values = [v for v in values if v is not None]
    lo, hi = min(values), max(values)
    return format(lo, spec) if format(lo, spec) == format(hi, spec) else f"{lo:{spec}}-{hi:{spec}}"


def _sizes(per: dict, fmt) -> str:
    return ", ".join(f"N = {n}: {fmt(v)}" for n, v in sorted(per.items(), key=lambda kv: int(kv[0])))


def quality(gate: dict) -> tuple[bool, str]:
    """The first model learned the data (trace ratio and FD against the real floor at iteration 1)."""
    per = gate["per_size"]
    if not per:
        return False, "the first model's quality could not be judged: the table holds no iteration 1"
    return gate["holds"], (
        "the first model (trained on real images) learned the data: at iteration 1 the samples' covariance trace is "
        f"{_range([v['trace_ratio'] for v in per.values()])} of the real subset's (check ≥ 0.8) and their Fréchet "
        f"distance is {_range([v['fd_over_floor'] for v in per.values()], '.1f')} times the real floor (check ≤ 5; "
        f"per-pixel noise scores {_range([v['fd_noise'] for v in per.values()], '.1f')})")


def _num(x, spec: str = ".2f") -> str:
    return "n/a" if x is None or x != x else format(x, spec)


def finding_1(r: dict) -> list[tuple[bool, str]]:
    per = r["per_size"]
    last = r["last_iteration"]

    def mem(v):
        m = v["memorized"]
        return f"{m['first']:.2f} → {m['last']:.2f} (ρ = {_num(m['spearman'])})"

    sizes = sorted(per, key=int)
    small, large = per[sizes[0]]["memorized"]["first"], per[sizes[-1]]["memorized"]["first"]
    return [
        quality(r["quality_gate"]),
        (r["gs_falls"], f"GS falls: at iteration {last} it is {_range([v['ratio'] for v in per.values()])} of iteration 1's "
                        "(check < 0.85 at every size)"),
        (r["memorization_rises"], "the share of near-copies (nearest training image < 1/3 of the second-nearest) rises "
                                  f"over the loop: {_sizes(per, mem)} (check at every size: +0.2 with ρ ≥ 0.6, or ≥ 0.9 "
                                  "from the start)"),
        (r["samples_stay_images"], f"samples stay images: their covariance trace at iteration {last} is "
                                   f"{_range([v['trace_ratio_last'] for v in per.values()])} of the real subset's (check ≥ 0.6)"),
        (r["memorization_depends_on_size"], "small sets are copied from the start: the near-copy share at iteration 1 is "
                                            f"{small:.2f} for N = {sizes[0]} against {large:.2f} for N = {sizes[-1]} "
                                            "(check: gap ≥ 0.2)"),
        (r["smaller_sets_drop_more"], f"the smallest set loses more GS than the largest: {r['drop_smallest']:.2f} against "
                                      f"{r['drop_largest']:.2f} (the paper: larger sets hold out longer)"),
    ]


def finding_2(r: dict) -> list[tuple[bool, str]]:
    per = r["per_size"]
    return [(r["holds"], "the entropy of the training set falls over the loop at every size: "
                         + _sizes(per, lambda v: f"{v['h_2']:.1f} → {v['h_last']:.1f} nats (ρ = {_num(v['spearman'])})")
                         + " (check: H(D_last) < H(D_2) and ρ ≤ -0.6)")]


def finding_3(r: dict) -> list[tuple[bool, str]]:
    e, v, vl = r["entropy_log_gs"], r["variance_gs"], r["variance_log_gs"]
    return [
        (r["holds"], f"entropy of D_n and log GS(n) correlate with Pearson r = {e['r']:.2f} (95% CI {e['ci_low']:.2f} to "
                     f"{e['ci_high']:.2f}) over {e['n']} points{_left_out(r)}; the paper reports 0.91 (check r ≥ 0.85)"),
        (r["variance_claim"]["holds"], "the variance of D_n relates to GS more weakly than its entropy (paper, Fig. 2c): "
                                       f"r = {v['r']:.2f} with GS and {vl['r']:.2f} with log GS, against {e['r']:.2f}"),
    ]


def _left_out(r: dict) -> str:
    out = r.get("points_left_out_gs_zero") or []
    if not out:
        return ""
    where = ", ".join(f"N = {n} at n = {it}" for n, it in out)
    return f" (left out, GS = 0 because every sample copies a training image exactly: {where})"


def app_e(r: dict) -> list[tuple[bool, str]]:
    return [(r["holds"], f"for N = {r['n_train']}, the MNND of the generated set falls to {r['mnnd_ratio_last_to_first']:.2f} of "
                         f"its first value by iteration {r['last_iteration']} while its covariance trace keeps "
                         f"{r['cov_trace_ratio_last_to_first']:.2f} (check: MNND falls faster and the trace keeps ≥ 0.5)")]


def _selector_line(per: dict, a: str, b: str, metric: str, spec: str) -> str:
    return (f"{metric} {per[a][metric]['mean']:{spec}} ({per[a][metric]['min']:{spec}}..{per[a][metric]['max']:{spec}}) "
            f"against {per[b][metric]['mean']:{spec}} ({per[b][metric]['min']:{spec}}..{per[b][metric]['max']:{spec}})")


def section_5(r: dict) -> list[tuple[bool, str]]:
    out = [quality(r["quality_gate"])]
    for key, name in (("greedy", "greedy"), ("threshold", "the threshold filter")):
        for p, per in r["per_paradigm"].items():
            if f"{key}_beats_vanilla" not in per:
                continue
            fd = f", {_selector_line(per, key, 'random', 'fd', '.1f')}" if p == "replace" else ""
            what = "entropy, GS" + (" and a lower Fréchet distance" if p == "replace" else "")
            out.append((per[f"{key}_beats_vanilla"], f"{p}: {name} keeps higher {what} than vanilla at iteration "
                        f"{r['last_iteration']} (means over seeds): {_selector_line(per, key, 'random', 'entropy', '.1f')}, "
                        f"{_selector_line(per, key, 'random', 'gs', '.2f')}{fd}"))
            out.append((per[f"{key}_beats_vanilla_clear"], f"{p}: the same, clear of the spread over seeds"))
    f1 = r.get("app_f1")
    if f1:
        fd = f1["fd"]
        out.append((f1["both_lower_than_vanilla"] and f1["greedy_lower_than_threshold"],
                    "App. F.1 (accumulate-subsample): both selectors lower the Fréchet distance, greedy most (the paper: "
                    f"FID 44.7 for greedy against 75.7 for vanilla at iteration 8); ours: greedy {fd['greedy']:.1f}, "
                    f"threshold {fd['threshold']:.1f}, vanilla {fd['random']:.1f}"))
    return out


def fig_11(r: dict) -> list[tuple[bool, str]]:
    g = r["real_share"].get("greedy", {})
    shares = ", ".join(f"{float(v):.2f} at n = {n} (1/n = {1 / int(n):.2f})" for n, v in g.items() if int(n) >= 3)
    return [(r["holds"], f"greedy keeps more real images than a uniform subsample: {shares}; the paper: 65% against "
                         "12.5% at n = 8 on FFHQ")]


def fig_4(r: dict) -> list[tuple[bool, str]]:
    w = r["within_class_nnd"]
    line = ", ".join(f"{name(k)} {v['mean']:.2f} ({v['min']:.2f}..{v['max']:.2f})" for k, v in w.items())
    return [quality(r["quality_gate"]),
            (r["means_differ"], f"greedy keeps a higher within-class NND of the samples than vanilla at iteration "
                                f"{r['last_iteration']} on the mean: {line} (real: {_num(r['real_within_class_nnd'])})"),
            (r["holds"], "the same for every seed: every greedy seed above every vanilla seed (the check)")]


def ablation(r: dict) -> list[tuple[bool, str]]:
    rep = r["replace"]
    order = ", ".join(f"{name(k)} {v['fd']:.1f}" for k, v in rep.items())
    dec = ", ".join(f"α = {k}: {v['fd']:.1f}" for k, v in r["threshold_by_alpha"].items())
    return [quality(r["quality_gate"]),
            (r["fd_order_holds"], f"replace, Fréchet distance at the last iteration: {order} "
                                  "(paper, Fig. 13: greedy < all 2N < vanilla)"),
            (r["decay_robust"], f"accumulate-subsample, threshold filter: {dec} against vanilla "
                                f"{r['accumulate_vanilla']['fd']:.1f} (paper, Fig. 14: every decay rate beats vanilla)")]


#: a flagging threshold is worth applying when it catches this much more of the near-copies than of the rest
MIN_YOUDEN_J = 0.2


def without_training_data(r: dict) -> list[tuple[bool, str]]:
    auc, thr = r["auc"], r["threshold"]
    out = [(r["holds"], f"spikiness tells near-copies from new samples: pooled AUC {_num(auc['mean'])} (95% CI "
                        f"{_num(auc['ci_low'])} to {_num(auc['ci_high'])}) over {auc['n']} samples, {auc['positives']} of "
                        "them near-copies (check: AUC ≥ 0.7, interval above 0.5)")]
    c = r["correlations"].get("spikiness_vs_memorized_share")
    if c is not None:  # the hypothesis has a direction: a memorizing model is spikier
        out.append((c["ci_low"] > 0, f"the model's mean spikiness rises with the near-copy share across sizes and "
                    f"iterations: Pearson r = {c['r']:.2f} (95% CI {c['ci_low']:.2f} to {c['ci_high']:.2f}; check: the "
                    "interval lies above 0)"))
    c = r["correlations"].get("stable_rank_vs_memorized_share")
    if c is not None:
        way = "falls" if c["r"] < 0 else "rises"
        out.append((c["ci_low"] > 0 or c["ci_high"] < 0, f"the model's mean stable rank {way} as the near-copy share "
                    f"rises: Pearson r = {c['r']:.2f} (95% CI {c['ci_low']:.2f} to {c['ci_high']:.2f}; check: the "
                    "interval excludes 0)"))
    useful = thr["j"] is not None and thr["j"] >= MIN_YOUDEN_J  # JSON writes an undefined J as null
    out.append((useful, f"the best threshold a user could apply flags samples whose spikiness is "
                f"at least {_num(thr['threshold'], '.3f')}: {_num(thr['tpr'])} of the near-copies and {_num(thr['fpr'])} of "
                f"the other samples (check: the difference, Youden's J, ≥ {MIN_YOUDEN_J})"))
    return out
