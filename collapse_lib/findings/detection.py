"""Beyond the paper (chapter 09): memorization read from the model alone, against the near-copies it draws."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..metrics import bootstrap_ci, roc_auc, youden_threshold
from .common import pearson_over_runs, quality_gate, status

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


def without_training_data(table: pd.DataFrame, samples: pd.DataFrame, min_auc: float = 0.7, seed: int = 0,
                          min_youden_j: float = MIN_YOUDEN_J) -> dict:
    """Beyond the paper: does the model alone (spikiness of its hidden representation, stable rank of its
    weights) tell that the loop slides into memorization?

    ``table``: the Finding I runs' rows (one per size, seed and iteration, with ``spikiness`` and ``stable_rank``);
    ``samples``: ``experiments.per_sample_signals`` rows of those runs (primary storage). Holds when spikiness
    separates the near-copies from the other samples with a pooled AUC >= ``min_auc`` (lower end of its 95%
    interval above 0.5). The pooled AUC mixes iterations, whose trend it absorbs, so the AUC within each iteration
    is reported beside it. Correlations over (size, seed, iteration) points have intervals over runs.
    """
    t = table.dropna(subset=["spikiness", "stable_rank"])
    corr = {f"{x}_vs_{y}": _correlation(t, x, y, seed) for x in ("spikiness", "stable_rank")
            for y in ("memorized_share", "gs")}
    pooled = _auc_with_ci(samples, seed)
    by_iteration = {int(n): _auc_with_ci(g, seed) for n, g in samples.groupby("iteration")}
    threshold = youden_threshold(samples["spikiness"], samples["memorized"])
    ok = pooled["mean"] is not None and pooled["mean"] >= min_auc and pooled["ci_low"] > 0.5
    gate = quality_gate(table)
    return {"claim": "the model's hidden representation tells near-copies from new samples, without the training set",
            "paper": "beyond the paper (arXiv 2512.20963: memorized inputs give spiky activations)",
            "correlations": corr, "auc": pooled, "auc_by_iteration": by_iteration, "threshold": threshold,
            "thresholds": {"min_auc": min_auc, "min_youden_j": min_youden_j}, "quality_gate": gate, "holds": bool(ok),
            "status": status(ok, gate["holds"])}
