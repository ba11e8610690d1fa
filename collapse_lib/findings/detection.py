"""Beyond the paper (chapter 09), the *detection* family: memorization read from the model alone, against the
near-copies it draws."""

from __future__ import annotations

from typing import TypedDict

import numpy as np
import pandas as pd

from ..metrics import bootstrap_ci, roc_auc, youden_threshold
from ..words import number, value_range
from .claim import Evidence, Finding, Row, Verdict, status
from .common import PRIMARY_STORAGE, pearson_over_runs, quality_gate, storage_names

#: a flagging threshold is worth applying when it catches this much more of the near-copies than of the rest
MIN_YOUDEN_J = 0.2


def _auc_with_ci(samples: pd.DataFrame, seed: int = 0) -> dict:
    auc = roc_auc(samples["spikiness"], samples["memorized"])
    if not np.isfinite(auc):
        return {"mean": None, "ci_low": None, "ci_high": None, "n": len(samples), "positives": int(samples["memorized"].sum())}
    lo, hi = bootstrap_ci(roc_auc, samples["spikiness"].to_numpy(), samples["memorized"].to_numpy(), n_boot=500, seed=seed)
    return {"mean": auc, "ci_low": lo, "ci_high": hi, "n": len(samples), "positives": int(samples["memorized"].sum())}


def _correlation(table: pd.DataFrame, x: str, y: str, seed: int) -> dict | None:
    t = table[[x, y, "n_train", "seed"]].dropna()
    if len(t) < 3 or t[x].nunique() < 2 or t[y].nunique() < 2:
        return None
    return pearson_over_runs(t, x, y, n_boot=1000, seed=seed)


class WithoutTrainingDataResult(TypedDict, total=False):
    claim: str
    paper: str
    correlations: dict  # {"spikiness_vs_memorized_share", ...: Pearson r over runs, or None}
    auc: dict  # pooled AUC of spikiness for the near-copies, with its interval
    auc_by_iteration: dict
    threshold: dict  # Youden's best threshold
    thresholds: dict
    quality_gate: dict
    holds: bool
    status: str
    selection_spikiness_last: dict  # {paradigm: {selector: mean spikiness at the last iteration}}


class WithoutTrainingData(Finding[WithoutTrainingDataResult]):
    """Beyond the paper: does the model alone (spikiness of its hidden representation, stable rank of its weights)
    tell that the loop slides into memorization?

    Reads the Finding I runs' rows (one per size, seed and iteration, with ``spikiness`` and ``stable_rank``) under
    the primary storage, and gathered ``samples``: per-sample signals of those runs. Holds when spikiness separates
    the near-copies from the other samples with a pooled AUC >= ``min_auc`` (lower end of its 95% interval above
    0.5). The pooled AUC mixes iterations, whose trend it absorbs, so the AUC within each iteration is reported
    beside it. Correlations over (size, seed, iteration) points have intervals over runs. The chapter also gathers
    the Sec. 5 runs' spikiness at their last iteration (``selection_spikiness_last``).
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
        pooled = _auc_with_ci(samples, self.seed)
        by_iteration = {int(n): _auc_with_ci(g, self.seed) for n, g in samples.groupby("iteration")}
        threshold = youden_threshold(samples["spikiness"], samples["memorized"])
        ok = pooled["mean"] is not None and pooled["mean"] >= self.min_auc and pooled["ci_low"] > 0.5
        gate = quality_gate(table)
        result = WithoutTrainingDataResult(
            claim="the model's hidden representation tells near-copies from new samples, without the training set",
            paper="beyond the paper (arXiv 2512.20963: memorized inputs give spiky activations)",
            correlations=corr, auc=pooled, auc_by_iteration=by_iteration, threshold=threshold,
            thresholds={"min_auc": self.min_auc, "min_youden_j": self.min_youden_j}, quality_gate=gate,
            holds=bool(ok), status=status(ok, gate["holds"]))
        if "selection_spikiness_last" in evidence.gathered:
            result["selection_spikiness_last"] = evidence.gathered["selection_spikiness_last"]
        return result

    def verdicts(self, r: WithoutTrainingDataResult) -> list[Verdict]:
        auc, thr, th = r["auc"], r["threshold"], r["thresholds"]
        by_it = ", ".join(f"{number(v['mean'])} at n = {n}"
                          for n, v in sorted(r["auc_by_iteration"].items(), key=lambda kv: int(kv[0])))
        out = [(r["holds"], f"spikiness tells near-copies from new samples: pooled AUC {number(auc['mean'])} (95% "
                            f"interval {number(auc['ci_low'])} to {number(auc['ci_high'])}) over {auc['n']} samples, "
                            f"{auc['positives']} of them near-copies (needed: ≥ {th['min_auc']:g}, interval above 0.5); "
                            f"within each iteration: {by_it} (the pooled value mixes the trend across iterations)")]
        c = r["correlations"].get("spikiness_vs_memorized_share")
        if c is not None:  # the hypothesis has a direction: a memorizing model is spikier
            out.append((c["ci_low"] > 0, f"the model's mean spikiness rises with the near-copy share across sizes, seeds "
                        f"and iterations: Pearson r = {c['r']:.2f} (95% interval over runs {number(c['ci_low'])} to "
                        f"{number(c['ci_high'])}; needed: above 0)"))
        c = r["correlations"].get("stable_rank_vs_memorized_share")
        if c is not None:
            way = "falls" if c["r"] < 0 else "rises"
            out.append((c["ci_low"] > 0 or c["ci_high"] < 0, f"the model's mean stable rank {way} as the near-copy share "
                        f"rises: Pearson r = {c['r']:.2f} (95% interval over runs {number(c['ci_low'])} to "
                        f"{number(c['ci_high'])}; needed: excluding 0)"))
        useful = thr["j"] is not None and thr["j"] >= th["min_youden_j"]  # JSON writes an undefined J as null
        out.append((useful, f"the best threshold a user could apply flags samples whose spikiness is at least "
                    f"{number(thr['threshold'], '.3f')}: {number(thr['tpr'])} of the near-copies and {number(thr['fpr'])} "
                    f"of the other samples (needed: a difference, Youden's J, of at least {th['min_youden_j']:g})"))
        return out

    def rows(self, r: WithoutTrainingDataResult) -> list[Row]:
        auc = r["auc"]
        by_it = [v["mean"] for v in r["auc_by_iteration"].values() if v["mean"] is not None]
        s = r["correlations"].get("stable_rank_vs_memorized_share") or {}
        per_iteration = value_range(by_it) if by_it else "n/a"
        return [Row("Beyond the paper: memorization from the model alone (ch. 9)", "— (arXiv 2512.20963)",
                    f"spikiness AUC pooled {number(auc['mean'])}, per iteration {per_iteration}; stable rank "
                    f"r = {number(s.get('r'))} with the near-copy share", r["status"])]

    def table(self, r: WithoutTrainingDataResult) -> pd.DataFrame:
        """The AUC within each iteration beside the pooled one, with intervals and counts."""
        rows = {**{f"iteration {n}": v for n, v in sorted(r["auc_by_iteration"].items(), key=lambda kv: int(kv[0]))},
                "pooled": r["auc"]}
        out = pd.DataFrame(rows).T
        interval = [f"{number(a)} to {number(b)}" for a, b in zip(out["ci_low"], out["ci_high"], strict=True)]
        return pd.DataFrame({"AUC": out["mean"].map(number), "95% interval": interval,
                             "samples": out["n"].astype(int), "near-copies": out["positives"].astype(int)})
