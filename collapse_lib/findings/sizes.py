"""Findings I-III and App. E, the *sizes* family: the replace loop at several training-set sizes, each check per
seed, under both storages, both copy tests and every entropy reading."""

from __future__ import annotations

from typing import TypedDict

import numpy as np
import pandas as pd

from ..metrics import spearman
from ..words import CopyTest, EntropyReading, Storage, choice_key, number, storage_word, value_range
from .claim import Evidence, Finding, Row, Verdict, status
from .common import (
    PRIMARY_COPY_TEST,
    PRIMARY_ENTROPY,
    PRIMARY_STORAGE,
    by_seed,
    by_storage,
    holds_under,
    pearson_over_runs,
    quality_gate,
    seeds_or_interval,
)
from .wording import per_size, quality, seed_results, under_choices, under_list

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


def _finding_2_seed(t: pd.DataFrame, col: str, max_rho: float) -> dict:
    per = {}
    for n, g in t.groupby("n_train"):
        g = g.set_index("iteration").sort_index()[col]
        later = g[g.index >= 2]
        rho = spearman(later.index, later.values) if len(later) >= 3 and np.ptp(later.values) > 0 else float("nan")
        per[int(n)] = {"h_real": g.loc[1], "h_2": g.loc[2], "h_last": g.iloc[-1], "spearman": rho,
                       "falls": bool(g.iloc[-1] < g.loc[2] and rho <= max_rho)}
    return {"per_size": per, "holds": all(v["falls"] for v in per.values())}


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
    pooled = {reading.value: pearson_over_runs(t, reading.column, "log_gs", seed=seed) for reading in EntropyReading}
    per_seed = {int(s): pearson_over_runs(g, "entropy", "log_gs", n_boot=200, seed=seed)["r"] for s, g in t.groupby("seed")}
    per_size = {int(n): pearson_over_runs(g, "entropy", "log_gs", n_boot=200, seed=seed)["r"]
                for n, g in t.groupby("n_train") if len(g) >= 3}
    variance = {"gs": pearson_over_runs(t, "cov_trace", "gs", seed=seed),
                "log_gs": pearson_over_runs(t, "cov_trace", "log_gs", seed=seed)}
    weaker = all(abs(v["r"]) < abs(pooled[PRIMARY_ENTROPY.value]["r"]) for v in variance.values())
    fixed_seed = {int(s): pearson_over_runs(g, "entropy_fixed_n", "log_gs", n_boot=200, seed=seed)["r"]
                  for s, g in t.groupby("seed")}
    return {"pooled": pooled, "per_seed": per_seed, "per_size": per_size,
            "common_slope": common_slope(t, "entropy", "log_gs"),
            "gs_ratio": pearson_over_runs(t, "entropy", "log_gs_ratio", seed=seed), "variance": variance,
            "variance_weaker": bool(weaker),
            "holds": seeds_or_interval(per_seed, pooled[PRIMARY_ENTROPY.value]["ci_low"], min_r),
            "fixed_holds": seeds_or_interval(fixed_seed, pooled[EntropyReading.FIXED.value]["ci_low"], min_r),
            "fixed_per_seed": fixed_seed,
            "points_left_out_gs_zero": [(int(r.n_train), int(r.seed), int(r.iteration)) for r in exact.itertuples()]}


def _app_e_seed(t: pd.DataFrame, min_trace_kept: float) -> dict:
    trend = t.groupby("iteration")[["gen_mnnd", "gen_cov_trace"]].mean().sort_index()
    mnnd_ratio = trend["gen_mnnd"].iloc[-1] / trend["gen_mnnd"].iloc[0]
    trace_ratio = trend["gen_cov_trace"].iloc[-1] / trend["gen_cov_trace"].iloc[0]
    return {"mnnd_ratio": mnnd_ratio, "trace_ratio": trace_ratio,
            "holds": bool(mnnd_ratio < trace_ratio and trace_ratio >= min_trace_kept)}


class FindingOneResult(TypedDict, total=False):
    claim: str
    paper: str
    last_iteration: int
    primary: str  # the primary choice's key, "grid, merged"
    runs: dict  # {choice key: {seed: per-seed checks}}
    checks: dict  # {check: {choice key: holds for every seed}}
    holds_under: list[str]
    quality_gate: dict
    thresholds: dict
    sizes: dict  # {storage: [N, ...]}
    enough_iterations: bool
    holds: bool
    status: str
    confident_share_iteration_1: dict  # {N: share of seed 0's first samples a real-digit classifier is sure of}


class FindingOne(Finding[FindingOneResult]):
    """Finding I: GS falls AND the share of near-copies rises while samples stay images; small sets are copied from
    the first iteration and larger ones hold out longer.

    Per seed, storage and copy test: for every size GS_last / GS_1 < ``max_ratio``; the near-copy share rises by
    >= ``min_rise`` with Spearman >= ``min_rho`` over iterations (or starts >= ``saturated``); ``trace_ratio`` at the
    last iteration >= ``min_trace_last``; at iteration 1 the smallest size's share exceeds the largest's by
    >= ``min_size_gap``; and the first iteration at which the share exceeds 1/2 never comes earlier for a larger N.
    A check holds under a choice when it holds for every seed. The chapter gathers ``confident_share_iteration_1``.
    """

    reads = ("sizes",)
    thresholds = dict(max_ratio=0.85, min_rise=0.2, min_rho=0.6, saturated=0.9, min_trace_last=0.6, min_size_gap=0.2)

    def compute(self, evidence: Evidence) -> FindingOneResult:
        table, th = evidence.table("sizes"), {**self.thresholds, "memorized_level": MEMORIZED_LEVEL}
        runs, checks = {}, {}
        for storage, part in by_storage(table).items():
            for test in CopyTest:
                choice = choice_key(Storage(storage), test)
                runs[choice] = {seed: _finding_1_seed(t, test.column, th) for seed, t in by_seed(part).items()}
                for name in runs[choice][next(iter(runs[choice]))]["checks"]:
                    checks.setdefault(name, {})[choice] = all(r["checks"][name] for r in runs[choice].values())
        primary = choice_key(PRIMARY_STORAGE, PRIMARY_COPY_TEST)
        every = {c: all(checks[name][c] for name in checks) for c in runs}
        gate, enough = quality_gate(table), int(table["iteration"].max()) >= MIN_ITERATIONS["finding_1"]
        result = FindingOneResult(
            claim="GS falls and samples turn into copies of the training set over iterations",
            paper="GS drops almost exponentially (CIFAR-10, 1024..32768 images); 1,024 images are copied from "
                  "iteration 1, larger sets later",
            last_iteration=int(table["iteration"].max()), primary=primary, runs=runs, checks=checks,
            holds_under=holds_under(every), quality_gate=gate, thresholds=th,
            sizes={s: sorted(int(n) for n in p["n_train"].unique()) for s, p in by_storage(table).items()},
            enough_iterations=enough, holds=bool(every.get(primary)),
            status=status(every.get(primary, False), gate["holds"] and enough))
        if "confident_share_iteration_1" in evidence.gathered:
            result["confident_share_iteration_1"] = evidence.gathered["confident_share_iteration_1"]
        return result

    @staticmethod
    def _values(r: dict, key, choice: str | None = None) -> dict:
        """Per size, one choice's (default: the primary) values of ``key(per_size_entry)`` over seeds."""
        runs = seed_results(r["runs"][choice or r["primary"]])
        return {n: [key(run["per_size"][n]) for run in runs] for n in runs[0]["per_size"]}

    def verdicts(self, r: FindingOneResult) -> list[Verdict]:
        th, checks, last, primary = r["thresholds"], r["checks"], r["last_iteration"], r["primary"]
        seeds = len(r["runs"][primary])
        ratio = self._values(r, lambda v: v["ratio"])
        first = self._values(r, lambda v: v["copies"]["first"])
        final = self._values(r, lambda v: v["copies"]["last"])
        cross = self._values(r, lambda v: v["copies"]["first_over_half"])
        trace = self._values(r, lambda v: v["trace_ratio_last"])
        sizes = sorted(first, key=int)
        return [
            quality(r["quality_gate"]),
            (checks["gs_falls"][primary], f"GS falls: by iteration {last} it is {value_range(sum(ratio.values(), []))} of "
             f"iteration 1's across sizes and {seeds} seeds (needed: below {th['max_ratio']:g} at every size, for every "
             f"seed; the paper: an almost exponential drop); {under_choices(checks['gs_falls'])}"),
            (checks["copies_rise"][primary], "the share of near-copies rises over the loop: "
             + per_size(first, lambda n: f"{value_range(first[n])} → {value_range(final[n])}")
             + f" (needed at every size: a rise of {th['min_rise']:g} with rank correlation ≥ {th['min_rho']:g}, or ≥ "
             f"{th['saturated']:g} from the start); {under_choices(checks['copies_rise'])}"),
            (checks["stay_images"][primary], f"the samples stay images: their covariance trace at iteration {last} is "
             f"{value_range(sum(trace.values(), []))} of the real subset's (needed: ≥ {th['min_trace_last']:g}); "
             f"{under_choices(checks['stay_images'])}"),
            (checks["small_copied_first"][primary], f"small sets are copied from the start: at iteration 1 the near-copy "
             f"share is {value_range(first[sizes[0]])} at N = {sizes[0]} against {value_range(first[sizes[-1]])} at "
             f"N = {sizes[-1]} (needed: a gap of {th['min_size_gap']:g}; the paper: 1,024 CIFAR-10 images are copied "
             f"from iteration 1); {under_choices(checks['small_copied_first'])}"),
            (checks["larger_hold_out_longer"][primary], "larger sets hold out longer: the first iteration at which "
             f"more than {th['memorized_level']:g} of the samples are near-copies is "
             + per_size(cross, lambda n: _crossings(cross[n]))
             + f" (needed, for every seed: never earlier for a larger N); {under_choices(checks['larger_hold_out_longer'])}"),
        ]

    def rows(self, r: FindingOneResult) -> list[Row]:
        first = self._values(r, lambda v: v["copies"]["first"])
        last = self._values(r, lambda v: v["copies"]["last"])
        ours = "; ".join(f"N = {n}: near-copies {value_range(first[n])} → {value_range(last[n])}"
                         for n in sorted(first, key=int))
        return [Row("Finding I: GS falls as models turn to copying (Fig. 1)",
                    "GS falls near-exponentially; 1,024 images copied from iteration 1, larger sets later",
                    f"by iteration {r['last_iteration']}, {len(r['runs'][r['primary']])} seeds: {ours}", r["status"],
                    under_list(r))]

    def table(self, r: FindingOneResult) -> pd.DataFrame:
        """Per size under the primary storage, ranges over seeds: GS, the near-copy share under both copy tests at
        the first and last iteration, and the first iteration with more than half near-copies."""
        plain = choice_key(PRIMARY_STORAGE, CopyTest.PLAIN)
        get = lambda f, choice=None: self._values(r, f, choice)  # noqa: E731
        span = lambda values, spec=".2f": value_range(values, spec, empty="never")  # noqa: E731
        gs_first, ratio = get(lambda v: v["gs_first"]), get(lambda v: v["ratio"])
        first, last = get(lambda v: v["copies"]["first"]), get(lambda v: v["copies"]["last"])
        plain_last, cross = get(lambda v: v["copies"]["last"], plain), get(lambda v: v["copies"]["first_over_half"])
        rows = {f"N = {n}": {"GS at n = 1": span(gs_first[n]), "GS last / first": span(ratio[n], ".3f"),
                             "near-copies at n = 1": span(first[n]), "near-copies, last n": span(last[n]),
                             "plain test, last n": span(plain_last[n]),
                             "first n over 1/2": span([c for c in cross[n] if c], "d")}
                for n in sorted(first, key=int)}
        return pd.DataFrame(rows).T


def _crossings(iterations: list[int | None]) -> str:
    """The distinct first iterations over one half, in order, with "never" (no crossing) last."""
    never = [x for x in iterations if x is None]
    return ", ".join([str(x) for x in sorted({x for x in iterations if x is not None})] + (["never"] if never else []))


class FindingTwoResult(TypedDict):
    claim: str
    paper: str
    primary: str  # "grid, stored set"
    runs: dict  # {choice key: {seed: {"per_size": ..., "holds": bool}}}
    checks: dict  # {"falls": {choice key: bool}}
    holds_under: list[str]
    thresholds: dict
    quality_gate: dict
    enough_iterations: bool
    holds: bool
    status: str


class FindingTwo(Finding[FindingTwoResult]):
    """Finding II: the entropy of each generated training set falls: H(D_last) < H(D_2) and Spearman(n, H) <=
    ``max_rho`` over n >= 2, at every size and for every seed; per storage and entropy reading."""

    reads = ("sizes",)
    max_rho = -0.6

    def compute(self, evidence: Evidence) -> FindingTwoResult:
        table = evidence.table("sizes")
        runs, verdict = {}, {}
        for storage, part in by_storage(table).items():
            for reading in EntropyReading:
                choice = choice_key(Storage(storage), reading)
                runs[choice] = {seed: _finding_2_seed(t, reading.column, self.max_rho) for seed, t in by_seed(part).items()}
                verdict[choice] = all(r["holds"] for r in runs[choice].values())
        primary, gate = choice_key(PRIMARY_STORAGE, PRIMARY_ENTROPY), quality_gate(table)
        enough = int(table["iteration"].max()) >= MIN_ITERATIONS["finding_2"]
        return FindingTwoResult(
            claim="the entropy of each iteration's training set falls", paper="Fig. 2a: steady decline",
            primary=primary, runs=runs, checks={"falls": verdict}, holds_under=holds_under(verdict),
            thresholds={"max_rho": self.max_rho}, quality_gate=gate, enough_iterations=enough,
            holds=bool(verdict.get(primary)), status=status(verdict.get(primary, False), gate["holds"] and enough))

    def verdicts(self, r: FindingTwoResult) -> list[Verdict]:
        runs = seed_results(r["runs"][r["primary"]])
        per = {n: [run["per_size"][n] for run in runs] for n in runs[0]["per_size"]}
        span = lambda n, key, spec=".1f": value_range([v[key] for v in per[n]], spec)  # noqa: E731
        text = per_size(per, lambda n: f"{span(n, 'h_2')} → {span(n, 'h_last')} nats (ρ {span(n, 'spearman', '.2f')})")
        return [quality(r["quality_gate"]),
                (r["holds"], f"the entropy of the training set falls over the loop at every size: {text} (needed, for "
                 f"every seed: H(D_last) < H(D_2) and a rank correlation with n of at most {r['thresholds']['max_rho']:g}; "
                 f"the paper: a steady decline); {under_choices(r['checks']['falls'])}")]

    def rows(self, r: FindingTwoResult) -> list[Row]:
        runs = seed_results(r["runs"][r["primary"]])
        rho = [v["spearman"] for run in runs for v in run["per_size"].values()]
        return [Row("Finding II: the entropy of the training set falls (Fig. 2a)", "steady decline",
                    f"rank correlation with the iteration {value_range(rho)} at every size and seed", r["status"],
                    under_list(r))]

    def table(self, r: FindingTwoResult) -> pd.DataFrame:
        return choice_table(r["checks"]["falls"], "the entropy falls at every size and seed")


class FindingThreeResult(TypedDict):
    claim: str
    paper: dict
    primary: str  # "grid, stored set"
    per_storage: dict  # {storage: pooled, per seed, per size, common slope, GS ratio, variance, ...}
    checks: dict  # {"linear": {choice key: bool}}
    holds_under: list[str]
    variance_claim: dict
    thresholds: dict
    quality_gate: dict
    holds: bool
    status: str


class FindingThree(Finding[FindingThreeResult]):
    """Finding III: the entropy of D_n is linear in log GS(n) across sizes and iterations (paper r = 0.91).

    Per storage: the pooled Pearson r with an interval from a bootstrap over runs (size x seed); it holds when every
    seed's pooled r >= ``min_r`` or the interval's low end does. Also: r within each size, one slope with an
    intercept per size, the same with the entropy at a fixed subsample size (which removes the KL estimate's
    dependence on N), GS / MNND(D_n) against entropy, and the variance claim of Fig. 2c.
    """

    reads = ("sizes",)
    min_r = 0.85
    seed = 0  # of the bootstraps

    def compute(self, evidence: Evidence) -> FindingThreeResult:
        table = evidence.table("sizes")
        per = {storage: _finding_3_storage(part, self.min_r, self.seed) for storage, part in by_storage(table).items()}
        verdict = {choice_key(Storage(s), PRIMARY_ENTROPY): v["holds"] for s, v in per.items()}
        verdict.update({choice_key(Storage(s), EntropyReading.FIXED): v["fixed_holds"] for s, v in per.items()})
        primary, gate = choice_key(PRIMARY_STORAGE, PRIMARY_ENTROPY), quality_gate(table)
        return FindingThreeResult(
            claim="entropy of D_n predicts log GS(n)", paper={"pearson_entropy_log_gs": 0.91}, primary=primary,
            per_storage=per, checks={"linear": verdict}, holds_under=holds_under(verdict),
            variance_claim={"paper": "Fig. 2c: the variance of D_n relates to GS more weakly than its entropy",
                            "holds": bool(per.get(PRIMARY_STORAGE.value, {}).get("variance_weaker"))},
            thresholds={"min_r": self.min_r}, quality_gate=gate, holds=bool(verdict.get(primary)),
            status=status(verdict.get(primary, False), gate["holds"]))

    def verdicts(self, r: FindingThreeResult) -> list[Verdict]:
        th, out = r["thresholds"]["min_r"], [quality(r["quality_gate"])]
        for storage, v in r["per_storage"].items():
            e, fixed = v["pooled"][PRIMARY_ENTROPY.value], v["pooled"][EntropyReading.FIXED.value]
            ratio, slope, word = v["gs_ratio"], v["common_slope"], storage_word(storage)
            out.append((v["holds"], f"{word} storage: the entropy of D_n and log GS correlate with Pearson r = "
                        f"{e['r']:.2f} (95% interval over {e['runs']} runs {number(e['ci_low'])} to {number(e['ci_high'])}; "
                        f"per seed {value_range(list(v['per_seed'].values()))}) over {e['n']} points{_left_out(v)}; the "
                        f"paper: 0.91 (needed: ≥ {th:g} for every seed, or the interval above it)"))
            out.append((v["fixed_holds"], f"{word} storage, entropy read at a fixed subsample size (which removes the "
                        f"estimator's dependence on N): r = {fixed['r']:.2f} ({number(fixed['ci_low'])} to "
                        f"{number(fixed['ci_high'])})"))
            out.append((None, f"{word} storage, within one size: r = " + ", ".join(
                f"{number(x)} (N = {n})" for n, x in sorted(v["per_size"].items(), key=lambda kv: int(kv[0])))
                + f"; one slope for all sizes, {slope['slope']:.3f} per nat, with intercepts "
                f"{value_range(list(slope['intercepts'].values()))}; GS / MNND(D_n) against entropy: r = {ratio['r']:.2f}"))
        variance = r["per_storage"][PRIMARY_STORAGE.value]["variance"]
        out.append((r["variance_claim"]["holds"], "the variance of D_n relates to GS more weakly than its entropy (the "
                    f"paper, Fig. 2c), {PRIMARY_STORAGE.word} storage: r = " + ", ".join(
                        f"{number(x['r'])} with {k.replace('_', ' ')}" for k, x in variance.items())))
        return out

    def rows(self, r: FindingThreeResult) -> list[Row]:
        v = r["per_storage"][PRIMARY_STORAGE.value]
        e, fixed = v["pooled"][PRIMARY_ENTROPY.value], v["pooled"][EntropyReading.FIXED.value]
        return [Row("Finding III: entropy predicts log GS (Fig. 2b)", "Pearson r = 0.91",
                    f"pooled r = {number(e['r'])} ({number(e['ci_low'])}..{number(e['ci_high'])}); within one size "
                    f"{value_range(list(v['per_size'].values()))}; at a fixed subsample size {number(fixed['r'])}",
                    r["status"], under_list(r))]

    def table(self, r: FindingThreeResult) -> pd.DataFrame:
        """Per storage: the pooled correlation of each entropy reading with log GS, the correlation within each size,
        and the common slope's intercepts per size."""
        out = {}
        for storage, v in r["per_storage"].items():
            row = {f"pooled r, {reading}": f"{p['r']:.2f} ({p['ci_low']:.2f}..{p['ci_high']:.2f})"
                   for reading, p in v["pooled"].items()}
            row.update({f"r within N = {n}": f"{x:.2f}" for n, x in sorted(v["per_size"].items(), key=lambda kv: int(kv[0]))})
            row["common slope (per nat)"] = f"{v['common_slope']['slope']:.3f}"
            row.update({f"intercept, N = {n}": f"{c:.2f}"
                        for n, c in sorted(v["common_slope"]["intercepts"].items(), key=lambda kv: int(kv[0]))})
            row["r with GS / MNND(D_n)"] = f"{v['gs_ratio']['r']:.2f}"
            out[f"{storage_word(storage)} storage"] = row
        return pd.DataFrame(out)


def _left_out(v: dict) -> str:
    out = v.get("points_left_out_gs_zero") or []
    return f" ({len(out)} points with GS = 0, every sample an exact copy, left out)" if out else ""


class AppendixEResult(TypedDict):
    claim: str
    paper: str
    n_train: int
    last_iteration: int
    primary: str  # "grid"
    runs: dict  # {storage: {seed: {"mnnd_ratio", "trace_ratio", "holds"}}}
    checks: dict  # {"clusters": {storage: bool}}
    holds_under: list[str]
    thresholds: dict
    quality_gate: dict
    holds: bool
    status: str


class AppendixE(Finding[AppendixEResult]):
    """App. E (Fig. 7): for the largest size, the MNND of G_n falls faster than its covariance trace, which keeps at
    least ``min_trace_kept`` of its first value; for every seed, per storage."""

    reads = ("sizes",)
    min_trace_kept = 0.5

    def compute(self, evidence: Evidence) -> AppendixEResult:
        table = evidence.table("sizes")
        n = int(table["n_train"].max())
        part = table[table["n_train"] == n]
        runs = {s: {seed: _app_e_seed(t, self.min_trace_kept) for seed, t in by_seed(p).items()}
                for s, p in by_storage(part).items()}
        verdict = {s: all(r["holds"] for r in v.values()) for s, v in runs.items()}
        gate, primary = quality_gate(table), PRIMARY_STORAGE.value
        return AppendixEResult(
            claim="MNND of generated sets falls much faster than their variance",
            paper="Fig. 7: MNND falls almost exponentially, covariance trace only slightly",
            n_train=n, last_iteration=int(part["iteration"].max()), primary=primary, runs=runs,
            checks={"clusters": verdict}, holds_under=holds_under(verdict),
            thresholds={"min_trace_kept": self.min_trace_kept}, quality_gate=gate,
            holds=bool(verdict.get(primary)), status=status(verdict.get(primary, False), gate["holds"]))

    def verdicts(self, r: AppendixEResult) -> list[Verdict]:
        out = [quality(r["quality_gate"])]
        for storage, runs in r["runs"].items():
            runs = seed_results(runs)
            out.append((r["checks"]["clusters"][storage], f"{storage_word(storage)} storage, N = {r['n_train']}: the MNND "
                        f"of the generated set falls to {value_range([v['mnnd_ratio'] for v in runs])} of its first value "
                        f"by iteration {r['last_iteration']}, while its covariance trace keeps "
                        f"{value_range([v['trace_ratio'] for v in runs])} (needed, for every seed: MNND falls faster and "
                        f"the trace keeps ≥ {r['thresholds']['min_trace_kept']:g})"))
        return out

    def rows(self, r: AppendixEResult) -> list[Row]:
        runs = seed_results(r["runs"][r["primary"]])
        return [Row("App. E: MNND collapses, variance does not (Fig. 7)", "MNND falls ~exponentially; trace slightly",
                    f"N = {r['n_train']}: MNND ×{value_range([x['mnnd_ratio'] for x in runs])}, trace "
                    f"×{value_range([x['trace_ratio'] for x in runs])}", r["status"], under_list(r))]

    def table(self, r: AppendixEResult) -> pd.DataFrame:
        return choice_table({storage_word(s): ok for s, ok in r["checks"]["clusters"].items()},
                            "MNND falls faster than the trace, for every seed")


def choice_table(verdicts: dict[str, bool], check: str) -> pd.DataFrame:
    """One check's verdict under every choice (storage, test or reading), ✓ or ✗."""
    return pd.DataFrame({check: {k: "✓" if ok else "✗" for k, ok in verdicts.items()}})
