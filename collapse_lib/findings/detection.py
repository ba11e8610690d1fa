"""Beyond the paper (chapter 09), the *detection* family: memorization read from the model alone, against the
near-copies it draws."""

from __future__ import annotations

from typing import TypedDict

import numpy as np
import pandas as pd

from ..metrics import bootstrap_ci, pearson, roc_auc, youden_threshold
from ..words import number, value_range
from .claim import Evidence, Finding, Row, Verdict
from .common import PRIMARY_STORAGE, quality_gate, r_per_seed, storage_names
from .rule import gate_all, gated, seed_test
from .wording import test_short, test_words

#: a flagging threshold is worth applying when it catches this much more of the near-copies than of the rest
MIN_YOUDEN_J = 0.2


def _auc_with_ci(samples: pd.DataFrame, seed: int = 0) -> dict:
    auc = roc_auc(samples["spikiness"], samples["memorized"])
    if not np.isfinite(auc):
        return {"mean": None, "ci_low": None, "ci_high": None, "n": len(samples), "positives": int(samples["memorized"].sum())}
    lo, hi = bootstrap_ci(roc_auc, samples["spikiness"].to_numpy(), samples["memorized"].to_numpy(), n_boot=500, seed=seed)
    return {"mean": auc, "ci_low": lo, "ci_high": hi, "n": len(samples), "positives": int(samples["memorized"].sum())}


def pearson_over_runs(points: pd.DataFrame, x: str, y: str, runs=("n_train", "seed"), n_boot: int = 1000,
                      seed: int = 0) -> dict:
    """Pearson r of ``x`` and ``y`` over every point, with a 95% interval from a bootstrap over whole runs (the
    points of one run, its iterations, are not independent of each other)."""
    points = points[[x, y, *runs]].replace([np.inf, -np.inf], np.nan).dropna()
    r = pearson(points[x], points[y], n_boot=10, seed=seed)
    groups = [g[[x, y]].to_numpy() for _, g in points.groupby(list(runs))]

    def r_of(take):
        xy = np.concatenate([groups[i] for i in take.astype(int)])
        return float(np.corrcoef(xy[:, 0], xy[:, 1])[0, 1]) if np.ptp(xy[:, 0]) and np.ptp(xy[:, 1]) else float("nan")

    lo, hi = bootstrap_ci(r_of, np.arange(len(groups)), n_boot=n_boot, seed=seed) if len(groups) >= 2 else (float("nan"),) * 2
    return {"r": r["r"], "ci_low": lo, "ci_high": hi, "n": r["n"], "runs": len(groups)}


def _correlation(table: pd.DataFrame, x: str, y: str, seed: int) -> dict | None:
    t = table[[x, y, "n_train", "seed"]].dropna()
    if len(t) < 3 or t[x].nunique() < 2 or t[y].nunique() < 2:
        return None
    return pearson_over_runs(t, x, y, seed=seed)


class WithoutTrainingDataResult(TypedDict, total=False):
    claim: str
    paper: str
    auc_test: dict  # per seed, the AUC of spikiness for that seed's near-copies, judged against ``min_auc``
    correlations: dict  # {"spikiness_vs_memorized_share", ...: Pearson r over runs, or None}
    spikiness_test: dict  # per seed r(mean spikiness, near-copy share), judged against 0
    auc: dict  # pooled AUC with its interval over samples
    auc_by_iteration: dict
    threshold: dict  # Youden's best threshold
    thresholds: dict
    quality_gate: dict
    state: str
    selection_spikiness_last: dict  # {paradigm: {selector: mean spikiness at the last iteration}}


class WithoutTrainingData(Finding[WithoutTrainingDataResult]):
    """Beyond the paper: does the model alone (spikiness of its hidden representation, stable rank of its weights)
    tell that the loop slides into memorization?

    Reads the Finding I runs' rows under the primary storage, and gathered ``samples``: per-sample signals of those
    runs. The claim: within each seed, spikiness separates the near-copies from the other samples with an AUC above
    ``min_auc``, judged by the rule over seeds. The pooled AUC mixes iterations, whose trend it absorbs, so the AUC
    within each iteration is reported beside it; correlations over (size, seed, iteration) points are reported with
    intervals over runs. The chapter also gathers the Sec. 5 runs' spikiness at their last iteration.
    """

    reads = ("sizes", "selection")
    beyond_paper = True
    min_auc, min_youden_j, seed = 0.7, MIN_YOUDEN_J, 0

    def compute(self, evidence: Evidence) -> WithoutTrainingDataResult:
        table, samples = evidence.table("sizes"), evidence.gathered["samples"]
        table = table[storage_names(table) == PRIMARY_STORAGE.value]
        t = table.dropna(subset=["spikiness", "stable_rank"])
        corr = {f"{x}_vs_{y}": _correlation(t, x, y, self.seed) for x in ("spikiness", "stable_rank")
                for y in ("memorized_share", "gs")}
        per_seed = {int(s): roc_auc(g["spikiness"], g["memorized"]) for s, g in samples.groupby("seed")}
        gate = quality_gate(table)
        auc_test = seed_test({s: v for s, v in per_seed.items() if np.isfinite(v)}, better="higher", null=self.min_auc)
        spiky = seed_test(r_per_seed(t, "spikiness", "memorized_share"), better="higher")
        gate_all([auc_test, spiky], gate["holds"])
        result = WithoutTrainingDataResult(
            claim="the model's hidden representation tells near-copies from new samples, without the training set",
            paper="beyond the paper (arXiv 2512.20963: memorized inputs give spiky activations)",
            auc_test=auc_test, correlations=corr, spikiness_test=spiky, auc=_auc_with_ci(samples, self.seed),
            auc_by_iteration={int(n): _auc_with_ci(g, self.seed) for n, g in samples.groupby("iteration")},
            threshold=youden_threshold(samples["spikiness"], samples["memorized"]),
            thresholds={"min_auc": self.min_auc, "min_youden_j": self.min_youden_j}, quality_gate=gate,
            state=gated(auc_test["state"], gate["holds"]))
        if "selection_spikiness_last" in evidence.gathered:
            result["selection_spikiness_last"] = evidence.gathered["selection_spikiness_last"]
        return result

    def verdicts(self, r: WithoutTrainingDataResult) -> list[Verdict]:
        auc, thr, th = r["auc"], r["threshold"], r["thresholds"]
        by_it = ", ".join(f"{number(v['mean'])} at n = {n}"
                          for n, v in sorted(r["auc_by_iteration"].items(), key=lambda kv: int(kv[0])))
        out = [(r["state"], f"spikiness tells near-copies from new samples: the AUC within each seed, "
                f"{test_words(r['auc_test'])} (needed: above {th['min_auc']:g}); pooled over {auc['n']} samples "
                f"({auc['positives']} near-copies) {number(auc['mean'])} (95% interval over samples "
                f"{number(auc['ci_low'])} to {number(auc['ci_high'])}); within each iteration: {by_it} (the pooled value "
                "mixes the trend across iterations)"),
               (r["spikiness_test"]["state"], "the model's mean spikiness rises with the near-copy share across sizes "
                f"and iterations, r per seed: {test_words(r['spikiness_test'])} (needed: above 0)")]
        c = r["correlations"].get("stable_rank_vs_memorized_share")
        if c is not None:
            way = "falls" if c["r"] < 0 else "rises"
            out.append((None, f"the model's mean stable rank {way} as the near-copy share rises: Pearson r = "
                        f"{c['r']:.2f} (95% interval over runs {number(c['ci_low'])} to {number(c['ci_high'])})"))
        useful = thr["j"] is not None and thr["j"] >= th["min_youden_j"]  # JSON writes an undefined J as null
        out.append((None, f"the best threshold a user could apply flags samples whose spikiness is at least "
                    f"{number(thr['threshold'], '.3f')}: {number(thr['tpr'])} of the near-copies and {number(thr['fpr'])} "
                    f"of the other samples, a Youden's J of {number(thr['j'])} ("
                    f"{'worth applying' if useful else 'not worth applying'}: the book asks for at least "
                    f"{th['min_youden_j']:g})"))
        return out

    def rows(self, r: WithoutTrainingDataResult) -> list[Row]:
        auc = r["auc"]
        by_it = [v["mean"] for v in r["auc_by_iteration"].values() if v["mean"] is not None]
        s = r["correlations"].get("stable_rank_vs_memorized_share") or {}
        per_iteration = value_range(by_it) if by_it else "n/a"
        return [Row("Beyond the paper: memorization from the model alone (ch. 9)", "— (arXiv 2512.20963)",
                    f"spikiness AUC per seed {value_range(list(r['auc_test']['per_seed'].values()))}, pooled "
                    f"{number(auc['mean'])}, per iteration {per_iteration}; stable rank r = {number(s.get('r'))} with the "
                    "near-copy share", r["state"], test=test_short(r["auc_test"]))]

    def table(self, r: WithoutTrainingDataResult) -> pd.DataFrame:
        """The AUC within each iteration beside the pooled one, with intervals and counts."""
        rows = {**{f"iteration {n}": v for n, v in sorted(r["auc_by_iteration"].items(), key=lambda kv: int(kv[0]))},
                "pooled": r["auc"]}
        out = pd.DataFrame(rows).T
        interval = [f"{number(a)} to {number(b)}" for a, b in zip(out["ci_low"], out["ci_high"], strict=True)]
        return pd.DataFrame({"AUC": out["mean"].map(number), "95% interval": interval,
                             "samples": out["n"].astype(int), "near-copies": out["positives"].astype(int)})
