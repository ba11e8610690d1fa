"""Each finding's result (``findings``) as sentences a reader can check: one per check, ✓ or ✗, in the page's words,
with our numbers, the paper's, the threshold (read from the result) and the choices the check holds under.

Each function takes a ``findings`` result (as written to JSON) and returns ``[(holds, sentence), ...]`` (``holds``
None for a line that reports numbers without judging them); the chapter
registry (``chapters``) pairs them with their notebooks, the chapters show them and the summary page quotes them,
so a page and the summary never word a verdict differently.
"""

from __future__ import annotations

from . import selection
from .findings import HOLDS, UNTESTABLE
from .report import number, value_range


def judged(status: str) -> bool | None:
    """A claim's status as a verdict mark: holds ✓, fails ✗, and not testable at this scale • (a note, no verdict)."""
    return None if status == UNTESTABLE else status == HOLDS


def name(selector: str) -> str:
    """How a sentence names a selector (the registry's short name)."""
    return selection.get(selector).short


def _sizes(per_size: dict, fmt) -> str:
    return ", ".join(f"N = {n}: {fmt(n)}" for n in sorted(per_size, key=int))


def _seeds(runs: dict) -> list[dict]:
    return list(runs.values())


def choices(verdicts: dict[str, bool]) -> str:
    """Which choices a check holds under, in words: 'under every choice', or 'under X; not under Y'."""
    yes = [k for k, ok in verdicts.items() if ok]
    no = [k for k, ok in verdicts.items() if not ok]
    if not no:
        return f"holds under every choice ({'; '.join(yes)})"
    if not yes:
        return f"holds under no choice ({'; '.join(no)})"
    return f"holds under {'; '.join(yes)}; not under {'; '.join(no)}"


def quality(gate: dict) -> tuple[bool, str]:
    """The first model learned the data (trace ratio and FD against the real floor at iteration 1)."""
    per, th = gate["per_size"], gate["thresholds"]
    if not per:
        return False, "the first models' quality could not be judged: the table holds no iteration 1"
    return gate["holds"], (
        "the first models (trained on real images) learned the data: at iteration 1 their samples keep "
        f"{value_range([v['trace_ratio_min'] for v in per.values()] + [v['trace_ratio_max'] for v in per.values()])} of the "
        f"real subset's covariance trace (needed: at least {th['min_trace_ratio']:g}) and their Fréchet distance is "
        f"{value_range([v['fd_over_floor_min'] for v in per.values()] + [v['fd_over_floor_max'] for v in per.values()], '.1f')} "
        f"times the real subset's own (needed: at most {th['max_fd_over_floor']:g}; per-pixel noise scores "
        f"{value_range([v['fd_noise'] for v in per.values()], '.0f')})")


def _f1_values(r: dict, key) -> dict:
    """Per size, the primary choice's values of ``key(per_size_entry)`` over seeds."""
    runs = _seeds(r["runs"][r["primary"]])
    return {n: [key(run["per_size"][n]) for run in runs] for n in runs[0]["per_size"]}


def finding_1(r: dict) -> list[tuple[bool, str]]:
    th, checks, last = r["thresholds"], r["checks"], r["last_iteration"]
    seeds = len(r["runs"][r["primary"]])
    ratio = _f1_values(r, lambda v: v["ratio"])
    first = _f1_values(r, lambda v: v["copies"]["first"])
    final = _f1_values(r, lambda v: v["copies"]["last"])
    cross = _f1_values(r, lambda v: v["copies"]["first_over_half"])
    trace = _f1_values(r, lambda v: v["trace_ratio_last"])
    sizes = sorted(first, key=int)
    primary = r["primary"]
    never = lambda xs: ", ".join("never" if x is None else str(x) for x in sorted(set(xs), key=lambda x: x or 99))  # noqa: E731
    return [
        quality(r["quality_gate"]),
        (checks["gs_falls"][primary], f"GS falls: by iteration {last} it is {value_range(sum(ratio.values(), []))} of iteration "
         f"1's across sizes and {seeds} seeds (needed: below {th['max_ratio']:g} at every size, for every seed; the paper: "
         f"an almost exponential drop); {choices(checks['gs_falls'])}"),
        (checks["copies_rise"][primary], "the share of near-copies rises over the loop: "
         + _sizes(first, lambda n: f"{value_range(first[n])} → {value_range(final[n])}")
         + f" (needed at every size: a rise of {th['min_rise']:g} with rank correlation ≥ {th['min_rho']:g}, or ≥ "
         f"{th['saturated']:g} from the start); {choices(checks['copies_rise'])}"),
        (checks["stay_images"][primary], f"the samples stay images: their covariance trace at iteration {last} is "
         f"{value_range(sum(trace.values(), []))} of the real subset's (needed: ≥ {th['min_trace_last']:g}); "
         f"{choices(checks['stay_images'])}"),
        (checks["small_copied_first"][primary], f"small sets are copied from the start: at iteration 1 the near-copy "
         f"share is {value_range(first[sizes[0]])} at N = {sizes[0]} against {value_range(first[sizes[-1]])} at N = {sizes[-1]} "
         f"(needed: a gap of {th['min_size_gap']:g}; the paper: 1,024 CIFAR-10 images are copied from iteration 1); "
         f"{choices(checks['small_copied_first'])}"),
        (checks["larger_hold_out_longer"][primary], "larger sets hold out longer: the first iteration at which more "
         f"than {th['memorized_level']:g} of the samples are near-copies is " + _sizes(cross, lambda n: never(cross[n]))
         + f" (needed, for every seed: never earlier for a larger N); {choices(checks['larger_hold_out_longer'])}"),
    ]


def finding_2(r: dict) -> list[tuple[bool, str]]:
    runs = _seeds(r["runs"][r["primary"]])
    per = {n: [run["per_size"][n] for run in runs] for n in runs[0]["per_size"]}
    span = lambda n, key, spec=".1f": value_range([v[key] for v in per[n]], spec)  # noqa: E731
    text = _sizes(per, lambda n: f"{span(n, 'h_2')} → {span(n, 'h_last')} nats (ρ {span(n, 'spearman', '.2f')})")
    return [quality(r["quality_gate"]),
            (r["holds"], f"the entropy of the training set falls over the loop at every size: {text} (needed, for every "
             f"seed: H(D_last) < H(D_2) and a rank correlation with n of at most {r['thresholds']['max_rho']:g}; the "
             f"paper: a steady decline); {choices(r['checks']['falls'])}")]


def finding_3(r: dict) -> list[tuple[bool, str]]:
    th, out = r["thresholds"]["min_r"], [quality(r["quality_gate"])]
    for storage, v in r["per_storage"].items():
        e, fixed, ratio = v["pooled"]["stored set"], v["pooled"]["fixed subsample"], v["gs_ratio"]
        slope = v["common_slope"]
        out.append((v["holds"], f"{storage} storage: the entropy of D_n and log GS correlate with Pearson r = {e['r']:.2f} "
                    f"(95% interval over {e['runs']} runs {number(e['ci_low'])} to {number(e['ci_high'])}; per seed "
                    f"{value_range(list(v['per_seed'].values()))}) over {e['n']} points{_left_out(v)}; the paper: 0.91 (needed: "
                    f"≥ {th:g} for every seed, or the interval above it)"))
        out.append((v["fixed_holds"], f"{storage} storage, entropy read at a fixed subsample size (which removes the "
                    f"estimator's dependence on N): r = {fixed['r']:.2f} ({number(fixed['ci_low'])} to "
                    f"{number(fixed['ci_high'])})"))
        out.append((None, f"{storage} storage, within one size: r = " + ", ".join(
            f"{number(x)} (N = {n})" for n, x in sorted(v["per_size"].items(), key=lambda kv: int(kv[0])))
            + f"; one slope for all sizes, {slope['slope']:.3f} per nat, with intercepts "
            f"{value_range(list(slope['intercepts'].values()))}; GS / MNND(D_n) against entropy: r = {ratio['r']:.2f}"))
    out.append((r["variance_claim"]["holds"], "the variance of D_n relates to GS more weakly than its entropy (the "
                "paper, Fig. 2c), grid storage: r = " + ", ".join(
                    f"{number(x['r'])} with {k.replace('_', ' ')}" for k, x in
                    r["per_storage"][r["primary"].split(",")[0]]["variance"].items())))
    return out


def _left_out(v: dict) -> str:
    out = v.get("points_left_out_gs_zero") or []
    return f" ({len(out)} points with GS = 0, every sample an exact copy, left out)" if out else ""


def app_e(r: dict) -> list[tuple[bool, str]]:
    out = [quality(r["quality_gate"])]
    for storage, runs in r["runs"].items():
        runs = list(runs.values())
        out.append((r["checks"]["clusters"][storage], f"{storage} storage, N = {r['n_train']}: the MNND of the generated "
                    f"set falls to {value_range([v['mnnd_ratio'] for v in runs])} of its first value by iteration "
                    f"{r['last_iteration']}, while its covariance trace keeps {value_range([v['trace_ratio'] for v in runs])} "
                    f"(needed, for every seed: MNND falls faster and the trace keeps ≥ {r['thresholds']['min_trace_kept']:g})"))
    return out


def _pairs(c: dict, metric: str, spec: str) -> str:
    v = c["metrics"][metric]
    return (f"{v['mean_a']:{spec}} ({v['min_a']:{spec}}..{v['max_a']:{spec}}) against {v['mean_b']:{spec}} "
            f"({v['min_b']:{spec}}..{v['max_b']:{spec}}), {v['wins']} of {v['pairs']} seed pairs")


LABELS = {"entropy": "entropy", "gs": "GS", "fd": "Fréchet distance", "within_class_nnd": "within-class NND"}


def _selector_sentence(paradigm: str, c: dict, who: str, last: int) -> str:
    parts = "; ".join(f"{LABELS[m]} {_pairs(c, m, '.1f' if m in ('entropy', 'fd') else '.2f')}" for m in c["metrics"])
    return f"{paradigm}: {who} against vanilla at iteration {last}: {parts}"


def section_5(r: dict) -> list[tuple[bool, str]]:
    last, per, claims = r["last_iteration"], r["per_paradigm"], r["claims"]
    acc, rep = per["accumulate-subsample"], per["replace"]
    out = [quality(r["quality_gate"]),
           (judged(claims["accumulate"]), "the paper's main claim (Sec. 5, accumulate-subsample): greedy keeps a higher "
            "entropy and GS and a lower Fréchet distance in every seed pair; "
            + _selector_sentence("accumulate-subsample", acc["greedy"], "greedy", last)
            + f"; our FD ratio greedy / vanilla {r['fd_ratio_accumulate']:.2f} against the paper's 52.1 / 88.4 = 0.59"),
           (judged(claims["replace"]), "App. F.1, replace: the same comparison; "
            + _selector_sentence("replace", rep["greedy"], "greedy", last))]
    for p, v in per.items():
        if v.get("threshold"):
            out.append((v["threshold"]["all_pairs"], _selector_sentence(p, v["threshold"], "the threshold filter", last)))
    order = r["app_f1"]["greedy_below_threshold"]
    out.append((judged(claims["greedy_vs_threshold"]), "App. F.1 (accumulate-subsample): both selectors lower the "
                f"Fréchet distance below vanilla's and greedy lowers it most: greedy {order['mean_a']:.1f} against the "
                f"threshold filter's {order['mean_b']:.1f}, {order['wins']} of {order['pairs']} seed pairs (the paper: "
                "44.7 for greedy against 75.7 for vanilla at iteration 8)"))
    return out


def fig_11(r: dict) -> list[tuple[bool, str]]:
    low = r["lowest_over_seeds"]
    shares = ", ".join(f"{float(v):.2f} at n = {n} (1/n = {1 / int(n):.2f})"
                       for n, v in sorted(low.items(), key=lambda kv: int(kv[0])))
    return [quality(r["quality_gate"]),
            (r["holds"], "greedy keeps more real images than a uniform subsample, for every seed (lowest over seeds): "
                         f"{shares}; the paper: 65% against 12.5% at n = 8 on FFHQ")]


def fig_4(r: dict) -> list[tuple[bool, str]]:
    last, claims = r["last_iteration"], r["claims"]
    testable = " (not testable at this scale: the guided first models fail the quality gate)" \
        if not r["quality_gate"]["holds"] else ""
    return [quality(r["quality_gate"]),
            (judged(claims["diversity"]), f"greedy keeps a higher within-class NND of the samples than vanilla at "
             f"iteration {last}: {_pairs(r['within_class_nnd'], 'within_class_nnd', '.2f')} (real digits: "
             f"{number(r['real_within_class_nnd'])}; the paper: vanilla's samples in a class become nearly identical)"
             + testable),
            (judged(claims["fid"]), f"greedy lowers the Fréchet distance of the guided samples: "
             f"{_pairs(r['fd'], 'fd', '.1f')}" + testable)]


def ablation(r: dict) -> list[tuple[bool, str]]:
    rep, order = r["replace"], r["fd_order"]
    fds = ", ".join(f"{name(k)} {v['fd']['mean']:.1f} ({v['fd']['min']:.1f}..{v['fd']['max']:.1f})" for k, v in rep.items())
    dec = ", ".join(f"α = {a}: {v['mean_a']:.1f} ({v['wins']} of {v['pairs']} pairs)" for a, v in r["threshold_by_alpha"].items())
    vanilla = r["accumulate_vanilla"].get("fd", {}).get("mean")
    return [quality(r["quality_gate"]),
            (judged(r["claims"]["fig_13"]), f"replace, Fréchet distance at iteration {r['last_iteration']}: {fds}; "
             f"greedy below all 2N in {order['greedy_below_all']['wins']} of {order['greedy_below_all']['pairs']} seed pairs, "
             f"all 2N below vanilla in {order['all_below_vanilla']['wins']} of {order['all_below_vanilla']['pairs']} "
             "(the paper, Fig. 13: greedy < all 2N < vanilla)"),
            (judged(r["claims"]["fig_14"]), f"accumulate-subsample, the threshold filter's Fréchet distance: {dec}, "
             f"against vanilla's {number(vanilla, '.1f')} (the paper, Fig. 14: every decay rate beats vanilla)")]


def without_training_data(r: dict) -> list[tuple[bool, str]]:
    auc, thr, th = r["auc"], r["threshold"], r["thresholds"]
    by_it = ", ".join(f"{number(v['mean'])} at n = {n}"
                      for n, v in sorted(r["auc_by_iteration"].items(), key=lambda kv: int(kv[0])))
    out = [(r["holds"], f"spikiness tells near-copies from new samples: pooled AUC {number(auc['mean'])} (95% interval "
                        f"{number(auc['ci_low'])} to {number(auc['ci_high'])}) over {auc['n']} samples, {auc['positives']} of "
                        f"them near-copies (needed: ≥ {th['min_auc']:g}, interval above 0.5); within each iteration: "
                        f"{by_it} (the pooled value mixes the trend across iterations)")]
    c = r["correlations"].get("spikiness_vs_memorized_share")
    if c is not None:  # the hypothesis has a direction: a memorizing model is spikier
        out.append((c["ci_low"] > 0, f"the model's mean spikiness rises with the near-copy share across sizes, seeds and "
                    f"iterations: Pearson r = {c['r']:.2f} (95% interval over runs {number(c['ci_low'])} to "
                    f"{number(c['ci_high'])}; needed: above 0)"))
    c = r["correlations"].get("stable_rank_vs_memorized_share")
    if c is not None:
        way = "falls" if c["r"] < 0 else "rises"
        out.append((c["ci_low"] > 0 or c["ci_high"] < 0, f"the model's mean stable rank {way} as the near-copy share "
                    f"rises: Pearson r = {c['r']:.2f} (95% interval over runs {number(c['ci_low'])} to "
                    f"{number(c['ci_high'])}; needed: excluding 0)"))
    useful = thr["j"] is not None and thr["j"] >= th["min_youden_j"]  # JSON writes an undefined J as null
    out.append((useful, f"the best threshold a user could apply flags samples whose spikiness is at least "
                f"{number(thr['threshold'], '.3f')}: {number(thr['tpr'])} of the near-copies and {number(thr['fpr'])} of the "
                f"other samples (needed: a difference, Youden's J, of at least {th['min_youden_j']:g})"))
    return out
