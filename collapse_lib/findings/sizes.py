"""Findings I-III and App. E, the *sizes* family: the replace loop at several training-set sizes, each claim judged
by ``rule`` on one effect per seed, under both storages, both copy tests and every entropy reading."""

from __future__ import annotations

from typing import TypedDict

import numpy as np
import pandas as pd

from ..metrics import spearman
from ..words import CopyTest, EntropyReading, Storage, choice_key, mark, number, storage_word, value_range
from .claim import Evidence, Finding, Row, Verdict
from .common import (
    PRIMARY_COPY_TEST,
    PRIMARY_ENTROPY,
    PRIMARY_STORAGE,
    by_seed,
    by_storage,
    fisher_z,
    holds_under,
    quality_gate,
    r_per_seed,
)
from .rule import composite, gate_all, gated, seed_test
from .wording import deciding, p_of, per_size, quality, seeds, test_short, test_words, under_choices, under_list

#: the share of near-copies above which a size counts as memorized (``larger sets hold out longer``)
MEMORIZED_LEVEL = 0.5
#: the fewest iterations a claim can be judged on (a slope over n >= 2 needs three points)
MIN_ITERATIONS = {"finding_1": 3, "finding_2": 4}


def _series(t: pd.DataFrame, column: str) -> pd.Series:
    return t.set_index("iteration").sort_index()[column]


def _size_values(t: pd.DataFrame, share_col: str) -> dict:
    """One seed's per-size values of one storage and copy test (one run per size)."""
    out = {}
    for n, g in t.groupby("n_train"):
        gs, share = _series(g, "gs"), _series(g, share_col)
        above = share[share > MEMORIZED_LEVEL]
        out[int(n)] = {"gs_first": gs.iloc[0], "gs_last": gs.iloc[-1], "ratio": gs.iloc[-1] / gs.iloc[0],
                       "share_first": share.iloc[0], "share_last": share.iloc[-1],
                       "first_over_half": int(above.index[0]) if len(above) else None,
                       "trace_ratio_last": _series(g, "trace_ratio").iloc[-1]}
    return out


def _parts_1(values: dict[int, dict], th: dict, last: int) -> dict:
    """Finding I's parts from the per-seed, per-size values of one choice, each judged by the rule."""
    seeds, sizes = sorted(values), sorted(next(iter(values.values())))
    col = lambda n, key: {s: values[s][n][key] for s in seeds}  # noqa: E731
    gs = {n: seed_test(col(n, "ratio"), better="lower", null=1.0) for n in sizes}
    rise = {}
    for n in sizes:
        first, final = col(n, "share_first"), col(n, "share_last")
        if all(v >= th["saturated"] for v in first.values()):  # copied from the start: it must stay copied
            rise[n] = {**seed_test(final, better="higher", null=th["saturated"]), "saturated": True}
        else:
            rise[n] = {**seed_test({s: final[s] - first[s] for s in seeds}, better="higher"), "saturated": False}
    images = {n: seed_test(col(n, "trace_ratio_last"), better="higher", null=th["min_trace_last"]) for n in sizes}
    gap = seed_test({s: values[s][sizes[0]]["share_first"] - values[s][sizes[-1]]["share_first"] for s in seeds},
                    better="higher", null=th["min_size_gap"])
    never = last + 1  # a size never over one half counts as crossing after the last iteration
    crossing = {s: [values[s][n]["first_over_half"] or never for n in sizes] for s in seeds}
    order = {s: spearman(sizes, c) if len(set(c)) > 1 else float("nan") for s, c in crossing.items()}
    longer = seed_test(order, better="higher")
    per_size_parts = {"gs_falls": gs, "copies_rise": rise, "stay_images": images}
    parts = {k: {"state": composite(t["state"] for t in v.values()), "per_size": v} for k, v in per_size_parts.items()}
    parts.update(small_copied_first=gap, larger_hold_out_longer=longer)
    return parts


def _clusters(table: pd.DataFrame) -> dict:
    """Per storage and size, at the first and last iteration (means over seeds): GS / MNND(D_n), the merge scale
    of the copy test, MNND(D_n) and their ratio; a merge scale above MNND(D_n) means the merged test counts copies of
    clusters of near-duplicates, not of one image."""
    out = {}
    for storage, part in by_storage(table).items():
        out[storage] = {}
        for n, g in part.groupby("n_train"):
            first, last = g[g.iteration == g.iteration.min()], g[g.iteration == g.iteration.max()]
            out[storage][int(n)] = {"gs_ratio_first": first["gs_ratio"].mean(), "gs_ratio_last": last["gs_ratio"].mean(),
                                    "mnnd_first": first["mnnd"].mean(), "mnnd_last": last["mnnd"].mean(),
                                    "copy_scale": g["copy_scale"].mean(),
                                    "scale_over_mnnd_last": (last["copy_scale"] / last["mnnd"]).mean()}
    return out


class FindingOneResult(TypedDict, total=False):
    claim: str
    paper: str
    last_iteration: int
    primary: str  # the primary choice's key, "grid, merged"
    choices: dict  # {choice key: {"per_seed": {seed: {N: values}}, "parts": {...}, "state": state}}
    states: dict  # {choice key: state}
    holds_under: list[str]
    quality_gate: dict
    thresholds: dict
    sizes: dict  # {storage: [N, ...]}
    enough_iterations: bool
    clusters: dict  # {storage: {N: GS / MNND(D_n), merge scale, MNND(D_n)}}
    state: str
    confident_share_iteration_1: dict  # {N: share of seed 0's first samples a real-digit classifier is sure of}


PART_WORDS_1 = {"gs_falls": "GS falls", "copies_rise": "the share of near-copies rises",
                "stay_images": "the samples stay images", "small_copied_first": "small sets are copied from the start",
                "larger_hold_out_longer": "larger sets hold out longer"}


class FindingOne(Finding[FindingOneResult]):
    """Finding I: GS falls AND the share of near-copies rises while samples stay images; small sets are copied from
    the first iteration and larger ones hold out longer.

    Per seed, storage and copy test; each part judged by the rule over seeds: at every size GS_last / GS_1 below 1;
    the near-copy share rising from the first to the last iteration (a size copied from the start, at least
    ``saturated`` for every seed, must stay above it); the covariance trace at the last iteration above
    ``min_trace_last`` of the real subset's; at iteration 1 the smallest size's share above the largest's by more
    than ``min_size_gap``; and the rank correlation between N and the first iteration with more than half
    near-copies above 0. The claim holds when every part does. The chapter gathers ``confident_share_iteration_1``.
    """

    reads = ("sizes",)
    thresholds = dict(saturated=0.9, min_trace_last=0.6, min_size_gap=0.2)

    def compute(self, evidence: Evidence) -> FindingOneResult:
        table = evidence.table("sizes")
        last = int(table["iteration"].max())
        th = {**self.thresholds, "memorized_level": MEMORIZED_LEVEL}
        gate, enough = quality_gate(table), last >= MIN_ITERATIONS["finding_1"]
        choices = {}
        for storage, part in by_storage(table).items():
            for test in CopyTest:
                values = {seed: _size_values(t, test.column) for seed, t in by_seed(part).items()}
                parts = _parts_1(values, th, last)
                state = gated(composite(p["state"] for p in parts.values()), gate["holds"] and enough)
                choices[choice_key(Storage(storage), test)] = {"per_seed": values, "parts": parts, "state": state}
        gate_all(choices, gate["holds"] and enough)
        states = {c: v["state"] for c, v in choices.items()}
        primary = choice_key(PRIMARY_STORAGE, PRIMARY_COPY_TEST)
        result = FindingOneResult(
            claim="GS falls and samples turn into copies of the training set over iterations",
            paper="GS drops almost exponentially (CIFAR-10, 1024..32768 images); 1,024 images are copied from "
                  "iteration 1, larger sets later",
            last_iteration=last, primary=primary, choices=choices, states=states, holds_under=holds_under(states),
            quality_gate=gate, thresholds=th,
            sizes={s: sorted(int(n) for n in p["n_train"].unique()) for s, p in by_storage(table).items()},
            enough_iterations=enough, clusters=_clusters(table), state=states[primary])
        if "confident_share_iteration_1" in evidence.gathered:
            result["confident_share_iteration_1"] = evidence.gathered["confident_share_iteration_1"]
        return result

    @staticmethod
    def _values(r: dict, key: str, choice: str | None = None) -> dict:
        """Per size, one choice's (default: the primary) ``key`` over seeds."""
        per_seed = r["choices"][choice or r["primary"]]["per_seed"]
        sizes = next(iter(per_seed.values()))
        return {n: [per_seed[s][n][key] for s in per_seed] for n in sizes}

    def _part_states(self, r: dict, part: str) -> dict[str, str]:
        return {c: v["parts"][part]["state"] for c, v in r["choices"].items()}

    def verdicts(self, r: FindingOneResult) -> list[Verdict]:
        th, last, primary = r["thresholds"], r["last_iteration"], r["choices"][r["primary"]]["parts"]
        ratio, first, final = self._values(r, "ratio"), self._values(r, "share_first"), self._values(r, "share_last")
        cross, trace = self._values(r, "first_over_half"), self._values(r, "trace_ratio_last")
        sizes = sorted(first, key=int)
        sized = lambda part, fmt: per_size(primary[part]["per_size"], lambda n: (  # noqa: E731
            f"{fmt(n)} ({mark(primary[part]['per_size'][n]['state'])} {p_of(primary[part]['per_size'][n])})"))
        return [
            quality(r["quality_gate"]),
            (primary["gs_falls"]["state"], f"GS falls: by iteration {last} it is, as a share of iteration 1's, "
             + sized("gs_falls", lambda n: value_range(ratio[n]))
             + f" (needed at every size: below 1; the paper: an almost exponential drop); "
             f"{under_choices(self._part_states(r, 'gs_falls'))}"),
            (primary["copies_rise"]["state"], "the share of near-copies rises over the loop: "
             + sized("copies_rise", lambda n: f"{value_range(first[n])} → {value_range(final[n])}")
             + f" (needed at every size: a rise, or, for a size copied from the start (≥ {th['saturated']:g}), staying "
             f"there); {under_choices(self._part_states(r, 'copies_rise'))}"),
            (primary["stay_images"]["state"], f"the samples stay images: their covariance trace at iteration {last} is "
             + sized("stay_images", lambda n: value_range(trace[n]))
             + f" of the real subset's (needed: above {th['min_trace_last']:g}); "
             f"{under_choices(self._part_states(r, 'stay_images'))}"),
            (primary["small_copied_first"]["state"], f"small sets are copied from the start: at iteration 1 the "
             f"near-copy share is {value_range(first[sizes[0]])} at N = {sizes[0]} against "
             f"{value_range(first[sizes[-1]])} at N = {sizes[-1]}; the gap: "
             f"{test_words(primary['small_copied_first'])} (needed: above {th['min_size_gap']:g}; the paper: 1,024 "
             f"CIFAR-10 images are copied from iteration 1); {under_choices(self._part_states(r, 'small_copied_first'))}"),
            (primary["larger_hold_out_longer"]["state"], "larger sets hold out longer: the first iteration at which "
             f"more than {th['memorized_level']:g} of the samples are near-copies is "
             + per_size(cross, lambda n: _crossings(cross[n]))
             + f"; rank correlation with N per seed: {test_words(primary['larger_hold_out_longer'])} (needed: above 0); "
             f"{under_choices(self._part_states(r, 'larger_hold_out_longer'))}"),
            (None, _cluster_sentence(r["clusters"])),
        ]

    def rows(self, r: FindingOneResult) -> list[Row]:
        first, last = self._values(r, "share_first"), self._values(r, "share_last")
        parts = r["choices"][r["primary"]]["parts"]
        ours = "; ".join(f"N = {n}: near-copies {value_range(first[n])} → {value_range(last[n])}"
                         for n in sorted(first, key=int))
        states = ", ".join(f"{PART_WORDS_1[k]} {mark(v['state'])}" for k, v in parts.items())
        return [Row("Finding I: GS falls as models turn to copying (Fig. 1)",
                    "GS falls near-exponentially; 1,024 images copied from iteration 1, larger sets later",
                    f"by iteration {r['last_iteration']}, {len(r['choices'][r['primary']]['per_seed'])} seeds: {ours}",
                    r["state"], under_list(r), states)]

    def table(self, r: FindingOneResult) -> pd.DataFrame:
        """Per size under the primary storage, ranges over seeds: GS, the near-copy share under both copy tests at
        the first and last iteration, the first iteration with more than half near-copies, and GS / MNND(D_n)."""
        plain = choice_key(PRIMARY_STORAGE, CopyTest.PLAIN)
        span = lambda values, spec=".2f": value_range(values, spec, empty="never")  # noqa: E731
        gs_first, ratio = self._values(r, "gs_first"), self._values(r, "ratio")
        first, last = self._values(r, "share_first"), self._values(r, "share_last")
        plain_last, cross = self._values(r, "share_last", plain), self._values(r, "first_over_half")
        clusters = r["clusters"][PRIMARY_STORAGE.value]
        rows = {f"N = {n}": {"GS at n = 1": span(gs_first[n]), "GS last / first": span(ratio[n], ".3f"),
                             "near-copies at n = 1": span(first[n]), "near-copies, last n": span(last[n]),
                             "plain test, last n": span(plain_last[n]),
                             "first n over 1/2": span([c for c in cross[n] if c], "d"),
                             "GS / MNND(D_n), last n": number(clusters[n]["gs_ratio_last"])}
                for n in sorted(first, key=int)}
        return pd.DataFrame(rows).T


def _crossings(iterations: list[int | None]) -> str:
    """The distinct first iterations over one half, in order, with "never" (no crossing) last."""
    never = [x for x in iterations if x is None]
    return ", ".join([str(x) for x in sorted({x for x in iterations if x is not None})] + (["never"] if never else []))


def _cluster_sentence(clusters: dict) -> str:
    """Where the merged test counts copies of clusters: the merge scale against MNND(D_n) at the last iteration."""
    parts = []
    for storage, sizes in clusters.items():
        for n, v in sorted(sizes.items(), key=lambda kv: int(kv[0])):
            kind = "clusters of near-duplicates" if v["scale_over_mnnd_last"] > 1 else "single images"
            parts.append(f"{storage_word(storage)}, N = {n}: GS / MNND(D_n) {number(v['gs_ratio_first'])} → "
                         f"{number(v['gs_ratio_last'])}, merge scale {number(v['copy_scale'])} against MNND(D_n) "
                         f"{number(v['mnnd_first'])} → {number(v['mnnd_last'], '.3f')} ({kind})")
    return ("what a near-copy is a copy of: where the merge scale exceeds the last training set's MNND, the training "
            "set holds clusters of near-duplicates and a sample counted as a copy copies a cluster, not one image: "
            + "; ".join(parts))


def _entropy_slope(t: pd.DataFrame, column: str) -> float:
    """The least-squares slope of one run's entropy over the generated training sets (n >= 2), in nats per iteration."""
    h = _series(t, column)
    h = h[h.index >= 2].dropna()
    return float(np.polyfit(h.index.to_numpy(float), h.to_numpy(float), 1)[0]) if len(h) >= 2 else float("nan")


class FindingTwoResult(TypedDict):
    claim: str
    paper: str
    primary: str  # "grid, stored set"
    choices: dict  # {choice key: {"per_size": {N: test of the per-seed slopes}, "state": state}}
    states: dict
    holds_under: list[str]
    quality_gate: dict
    enough_iterations: bool
    state: str


class FindingTwo(Finding[FindingTwoResult]):
    """Finding II: the entropy of each generated training set falls: at every size the slope of H(D_n) over the
    generated sets (n >= 2) is below zero, judged by the rule over seeds; per storage and entropy reading."""

    reads = ("sizes",)

    def compute(self, evidence: Evidence) -> FindingTwoResult:
        table = evidence.table("sizes")
        gate = quality_gate(table)
        enough = int(table["iteration"].max()) >= MIN_ITERATIONS["finding_2"]
        choices = {}
        for storage, part in by_storage(table).items():
            for reading in EntropyReading:
                per = {int(n): seed_test({int(s): _entropy_slope(g, reading.column) for s, g in t.groupby("seed")},
                                         better="lower") for n, t in part.groupby("n_train")}
                state = gated(composite(v["state"] for v in per.values()), gate["holds"] and enough)
                choices[choice_key(Storage(storage), reading)] = gate_all({"per_size": per, "state": state},
                                                                          gate["holds"] and enough)
        states = {c: v["state"] for c, v in choices.items()}
        primary = choice_key(PRIMARY_STORAGE, PRIMARY_ENTROPY)
        return FindingTwoResult(claim="the entropy of each iteration's training set falls", paper="Fig. 2a: steady decline",
                                primary=primary, choices=choices, states=states, holds_under=holds_under(states),
                                quality_gate=gate, enough_iterations=enough, state=states[primary])

    def verdicts(self, r: FindingTwoResult) -> list[Verdict]:
        per = r["choices"][r["primary"]]["per_size"]
        text = per_size(per, lambda n: f"{mark(per[n]['state'])} {test_words(per[n], '.2f', 'slope')}")
        return [quality(r["quality_gate"]),
                (r["state"], f"the entropy of the training set falls over the generated sets (n ≥ 2), in nats per "
                 f"iteration: {text} (needed at every size: a slope below 0; the paper: a steady decline); "
                 f"{under_choices(r['states'])}")]

    def rows(self, r: FindingTwoResult) -> list[Row]:
        per = r["choices"][r["primary"]]["per_size"]
        slopes = [v for t in per.values() for v in t["per_seed"].values()]
        size, decides = deciding(per)
        return [Row("Finding II: the entropy of the training set falls (Fig. 2a)", "steady decline",
                    f"slope {value_range(slopes, '.1f')} nats per iteration at every size and seed", r["state"],
                    under_list(r), f"deciding size (largest p), N = {size}: "
                    f"{test_short(decides, '.1f')}")]

    def table(self, r: FindingTwoResult) -> pd.DataFrame:
        return pd.DataFrame({"the entropy falls at every size": {c: f"{mark(s)} {s}" for c, s in r["states"].items()}})


def _copied_from_start(t: pd.DataFrame, level: float) -> set[int]:
    """Sizes whose every seed's near-copy share is at least ``level`` at iteration 1."""
    first = t[t["iteration"] == 1]
    return {int(n) for n, g in first.groupby("n_train") if (g["memorized_share"] >= level).all()}


def _z_test(per_seed_r: dict[int, float], min_r: float) -> dict:
    """The rule on per-seed correlations, on Fisher's z scale, against ``min_r``; the per-seed r kept beside."""
    test = seed_test({s: fisher_z(r) for s, r in per_seed_r.items() if r == r}, better="higher", null=fisher_z(min_r))
    return {**test, "r_per_seed": per_seed_r, "r_mean": float(np.tanh(test["mean"])) if test["n"] else float("nan")}


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


#: Finding III's reading that leaves out the sizes copied from the first iteration (read only while two sizes remain)
WITHOUT_COPIED = "without the sizes copied from the start"


def _finding_3_storage(t: pd.DataFrame, min_r: float, saturated: float) -> dict:
    copied = _copied_from_start(t, saturated)
    exact = t[t["gs"] <= 0]  # every sample an exact copy: log GS is -inf, no point on the line
    t = t[t["gs"] > 0].assign(log_gs=lambda d: np.log(d["gs"]),
                              log_gs_ratio=lambda d: np.log(d["gs_ratio"].where(d["gs_ratio"] > 0)))
    later = t[~t["n_train"].isin(copied)]
    within = {int(n): r_per_seed(g, "entropy", "log_gs") for n, g in t.groupby("n_train")}
    within_z = {s: float(np.mean([fisher_z(w[s]) for w in within.values() if w.get(s) == w.get(s)]))
                for s in sorted({s for w in within.values() for s in w})}
    readings = {"pooled": _z_test(r_per_seed(t, "entropy", "log_gs"), min_r)}
    if copied and later["n_train"].nunique() >= 2:  # one size left is the within-size reading, not one line across sizes
        readings[WITHOUT_COPIED] = _z_test(r_per_seed(later, "entropy", "log_gs"), min_r)
    readings["fixed subsample"] = _z_test(r_per_seed(t, "entropy_fixed_n", "log_gs"), min_r)
    readings["within each size"] = _z_test({s: float(np.tanh(z)) for s, z in within_z.items()}, min_r)
    variance = {s: abs(r_per_seed(t, "entropy", "log_gs")[s]) - abs(v) for s, v in r_per_seed(t, "cov_trace", "gs").items()}
    return {"readings": readings, "within_size": within, "copied_from_start": sorted(copied),
            "common_slope": common_slope(t, "entropy", "log_gs"),
            "gs_ratio_r": r_per_seed(t, "entropy", "log_gs_ratio"),
            "variance_weaker": seed_test(variance, better="higher"),
            "points": len(t), "points_left_out_gs_zero": [(int(r.n_train), int(r.seed), int(r.iteration))
                                                          for r in exact.itertuples()]}


class FindingThreeResult(TypedDict):
    claim: str
    paper: dict
    primary: str  # "grid, pooled"
    per_storage: dict  # {storage: readings (each a test of per-seed r), within-size r, common slope, variance}
    states: dict  # {"<storage>, <reading>": state}
    holds_under: list[str]
    variance_state: str
    thresholds: dict
    quality_gate: dict
    state: str


class FindingThree(Finding[FindingThreeResult]):
    """Finding III: the entropy of D_n is linear in log GS(n) across sizes and iterations (paper r = 0.91).

    Per storage, each seed's Pearson r over its points (every size and iteration, GS > 0) is judged by the rule on
    Fisher's z against ``min_r``: pooled (the claim), without the sizes copied from the start, with the entropy read
    at a fixed subsample size (which removes the KL estimate's dependence on N), and within each size (the mean of
    the per-size z). Also one slope with an intercept per size, GS / MNND(D_n) against entropy, and Fig. 2c (the
    variance relates to GS more weakly than the entropy does).
    """

    reads = ("sizes",)
    min_r, saturated = 0.85, 0.9

    def compute(self, evidence: Evidence) -> FindingThreeResult:
        table = evidence.table("sizes")
        gate = quality_gate(table)
        per = gate_all({storage: _finding_3_storage(part, self.min_r, self.saturated)
                        for storage, part in by_storage(table).items()}, gate["holds"])
        states = {f"{storage_word(s)}, {reading}": gated(t["state"], gate["holds"])
                  for s, v in per.items() for reading, t in v["readings"].items()}
        primary = f"{PRIMARY_STORAGE.word}, pooled"
        return FindingThreeResult(
            claim="entropy of D_n predicts log GS(n)", paper={"pearson_entropy_log_gs": 0.91}, primary=primary,
            per_storage=per, states=states, holds_under=holds_under(states),
            variance_state=gated(per[PRIMARY_STORAGE.value]["variance_weaker"]["state"], gate["holds"]),
            thresholds={"min_r": self.min_r}, quality_gate=gate, state=states[primary])

    def verdicts(self, r: FindingThreeResult) -> list[Verdict]:
        th, out = r["thresholds"]["min_r"], [quality(r["quality_gate"])]
        for storage, v in r["per_storage"].items():
            word = storage_word(storage)
            for reading, t in v["readings"].items():
                left = (f"; {len(v['points_left_out_gs_zero'])} points with GS = 0 (every sample an exact copy) left out"
                        if reading == "pooled" and v["points_left_out_gs_zero"] else "")
                skipped = (f" (N = {', '.join(map(str, v['copied_from_start']))} left out)"
                           if reading == WITHOUT_COPIED else "")
                out.append((r["states"][f"{word}, {reading}"], f"{word} storage, {reading}{skipped}: the entropy of D_n "
                            f"and log GS correlate with r = {number(t['r_mean'])} on the mean (per seed "
                            f"{value_range(list(t['r_per_seed'].values()))}), {p_of(t)} against {th:g} "
                            f"({t['method']} on Fisher's z, {seeds(t['n'])}){left}; the paper: 0.91"))
            if v["copied_from_start"] and WITHOUT_COPIED not in v["readings"]:
                out.append((None, f"{word} storage: without N = {', '.join(map(str, v['copied_from_start']))}, copied "
                            "from the start, one size is left, so no line across sizes is read there (its within-size "
                            "r is below)"))
            slope, within = v["common_slope"], sorted(v["within_size"].items(), key=lambda kv: int(kv[0]))
            out.append((None, f"{word} storage, within one size: r = " + ", ".join(
                f"{value_range(list(x.values()))} (N = {n})" for n, x in within)
                + f"; one slope for all sizes, {slope['slope']:.3f} per nat, with intercepts "
                f"{value_range(list(slope['intercepts'].values()))}; GS / MNND(D_n) against entropy: r = "
                f"{value_range(list(v['gs_ratio_r'].values()))}"))
        t = r["per_storage"][PRIMARY_STORAGE.value]["variance_weaker"]
        out.append((r["variance_state"], "the variance of D_n relates to GS more weakly than its entropy (the paper, "
                    f"Fig. 2c), {PRIMARY_STORAGE.word} storage: |r with entropy| - |r with the covariance trace| per seed, "
                    f"{test_words(t)}"))
        return out

    def rows(self, r: FindingThreeResult) -> list[Row]:
        v = r["per_storage"][PRIMARY_STORAGE.value]["readings"]
        ours = "; ".join(f"{reading} r = {number(t['r_mean'])} ({value_range(list(t['r_per_seed'].values()))})"
                         for reading, t in v.items())
        return [Row("Finding III: entropy predicts log GS (Fig. 2b)", "Pearson r = 0.91", ours, r["state"],
                    under_list(r), f"pooled, on Fisher's z (0.85 is z = 1.26): {test_short(v['pooled'])}")]

    def table(self, r: FindingThreeResult) -> pd.DataFrame:
        """Per storage and reading: r on the mean and per seed, p and the state; and the common slope."""
        out = {}
        for storage, v in r["per_storage"].items():
            for reading, t in v["readings"].items():
                key = f"{storage_word(storage)}, {reading}"
                out[key] = {"r (mean)": number(t["r_mean"]), "r per seed": value_range(list(t["r_per_seed"].values())),
                            "p": p_of(t), "state": r["states"][key]}
        return pd.DataFrame(out).T


def _app_e_seed(t: pd.DataFrame) -> dict:
    trend = t.groupby("iteration")[["gen_mnnd", "gen_cov_trace"]].mean().sort_index()
    return {"mnnd_ratio": trend["gen_mnnd"].iloc[-1] / trend["gen_mnnd"].iloc[0],
            "trace_ratio": trend["gen_cov_trace"].iloc[-1] / trend["gen_cov_trace"].iloc[0]}


class AppendixEResult(TypedDict):
    claim: str
    paper: str
    n_train: int
    last_iteration: int
    primary: str  # "grid"
    per_storage: dict  # {storage: {"per_seed": {seed: ratios}, "parts": {...}, "state": state}}
    states: dict
    holds_under: list[str]
    thresholds: dict
    quality_gate: dict
    state: str


class AppendixE(Finding[AppendixEResult]):
    """App. E (Fig. 7): for the largest size, the MNND of G_n falls faster than its covariance trace (per seed
    log(MNND ratio) - log(trace ratio) below 0), and the trace keeps more than ``min_trace_kept`` of its first value;
    judged by the rule over seeds, per storage."""

    reads = ("sizes",)
    min_trace_kept = 0.5

    def compute(self, evidence: Evidence) -> AppendixEResult:
        table = evidence.table("sizes")
        n = int(table["n_train"].max())
        part, gate = table[table["n_train"] == n], quality_gate(table)
        per = {}
        for storage, p in by_storage(part).items():
            seeds = {seed: _app_e_seed(t) for seed, t in by_seed(p).items()}
            parts = {"mnnd_falls_faster": seed_test({s: np.log(v["mnnd_ratio"]) - np.log(v["trace_ratio"])
                                                      for s, v in seeds.items()}, better="lower"),
                     "trace_kept": seed_test({s: v["trace_ratio"] for s, v in seeds.items()}, better="higher",
                                             null=self.min_trace_kept)}
            state = gated(composite(t["state"] for t in parts.values()), gate["holds"])
            per[storage] = gate_all({"per_seed": seeds, "parts": parts, "state": state}, gate["holds"])
        states = {s: v["state"] for s, v in per.items()}
        return AppendixEResult(
            claim="MNND of generated sets falls much faster than their variance",
            paper="Fig. 7: MNND falls almost exponentially, covariance trace only slightly", n_train=n,
            last_iteration=int(part["iteration"].max()), primary=PRIMARY_STORAGE.value, per_storage=per,
            states=states, holds_under=holds_under(states), thresholds={"min_trace_kept": self.min_trace_kept},
            quality_gate=gate, state=states[PRIMARY_STORAGE.value])

    def verdicts(self, r: AppendixEResult) -> list[Verdict]:
        out = [quality(r["quality_gate"])]
        for storage, v in r["per_storage"].items():
            seeds, parts = list(v["per_seed"].values()), v["parts"]
            out.append((v["state"], f"{storage_word(storage)} storage, N = {r['n_train']}: the MNND of the generated set "
                        f"falls to {value_range([x['mnnd_ratio'] for x in seeds], '.3f')} of its first value by iteration "
                        f"{r['last_iteration']}, its covariance trace keeps {value_range([x['trace_ratio'] for x in seeds])}; "
                        f"MNND falls faster ({mark(parts['mnnd_falls_faster']['state'])} "
                        f"{p_of(parts['mnnd_falls_faster'])}), the trace keeps more than "
                        f"{r['thresholds']['min_trace_kept']:g} ({mark(parts['trace_kept']['state'])} "
                        f"{p_of(parts['trace_kept'])})"))
        return out

    def rows(self, r: AppendixEResult) -> list[Row]:
        v = r["per_storage"][r["primary"]]
        seeds = list(v["per_seed"].values())
        return [Row("App. E: MNND collapses, variance does not (Fig. 7)", "MNND falls ~exponentially; trace slightly",
                    f"N = {r['n_train']}: MNND ×{value_range([x['mnnd_ratio'] for x in seeds], '.3f')}, trace "
                    f"×{value_range([x['trace_ratio'] for x in seeds])}", r["state"], under_list(r),
                    test_short(v["parts"]["mnnd_falls_faster"]))]

    def table(self, r: AppendixEResult) -> pd.DataFrame:
        return pd.DataFrame({"MNND falls faster than the trace, which stays": {
            storage_word(s): f"{mark(state)} {state}" for s, state in r["states"].items()}})


