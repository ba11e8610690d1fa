"""The findings' checks: they hold for the paper's phenomenon and fail for look-alikes (fading, shrinking, overlap)."""

import numpy as np
import pandas as pd
import pytest

from collapse_lib import chapters, findings
from collapse_lib.loop.config import from_dict
from collapse_lib.loop.many import run_many


def _sizes_table(gs, mem, trace, sizes=(64, 512), fd=30.0, floor=10.0):
    """A Finding I table: per size, per iteration values from the given per-size lists."""
    rows = []
    for n in sizes:
        for it, (g, m, t) in enumerate(zip(gs[n], mem[n], trace[n], strict=True), start=1):
            rows.append({"n_train": n, "seed": 0, "iteration": it, "gs": g, "memorized_share": m, "trace_ratio": t,
                         "fd": fd, "fd_floor": floor, "fd_noise": 1000.0, "paradigm": "replace", "selector": "random"})
    return pd.DataFrame(rows)


MEMORIZING = dict(gs={64: [1.0, 0.5, 0.2, 0.1], 512: [2.0, 1.5, 0.9, 0.5]},
                  mem={64: [0.92, 0.95, 0.97, 1.0], 512: [0.05, 0.2, 0.5, 0.8]},
                  trace={64: [0.95, 0.9, 0.85, 0.8], 512: [1.0, 0.95, 0.9, 0.85]})


def test_finding_1_holds_for_a_loop_that_turns_to_copying():
    r = findings.finding_1(_sizes_table(**MEMORIZING))
    assert r["holds"] and r["gs_falls"] and r["memorization_rises"] and r["samples_stay_images"]
    assert r["memorization_depends_on_size"] and r["memorization_gap_at_iteration_1"] == pytest.approx(0.87)
    assert r["per_size"][64]["memorized"]["first"] >= 0.9  # saturated from the start counts as memorizing


def test_finding_1_fails_when_samples_fade_instead_of_copying():
    fading = {**MEMORIZING, "mem": {64: [0.0] * 4, 512: [0.0] * 4},
              "trace": {64: [0.4, 0.3, 0.2, 0.1], 512: [0.45, 0.3, 0.2, 0.15]}}
    r = findings.finding_1(_sizes_table(**fading))
    assert r["gs_falls"] and not r["memorization_rises"] and not r["samples_stay_images"] and not r["holds"]


def test_finding_1_needs_a_monotone_rise_not_a_last_jump():
    noisy = {**MEMORIZING, "mem": {64: [0.95] * 4, 512: [0.3, 0.0, 0.05, 0.55]}}
    r = findings.finding_1(_sizes_table(**noisy))
    assert r["per_size"][512]["memorized"]["rise"] == pytest.approx(0.25)
    assert r["per_size"][512]["memorized"]["spearman"] < 0.6 and not r["holds"]


def test_quality_gate_compares_against_the_real_floor():
    good = findings.quality_gate(_sizes_table(**MEMORIZING, fd=40.0, floor=10.0))
    bad = findings.quality_gate(_sizes_table(**MEMORIZING, fd=60.0, floor=10.0))
    assert good["holds"] and not bad["holds"] and bad["per_size"][64]["fd_over_floor"] == pytest.approx(6.0)


def _selection_table(greedy, vanilla):
    rows = []
    for selector, values in (("greedy", greedy), ("random", vanilla)):
        for seed, v in enumerate(values):
            rows.append({"selector": selector, "seed": seed, "iteration": 4, "within_class_nnd": v,
                         "train_within_class_nnd": v, "real_within_class_nnd": 2.4, "n_train": 500, "trace_ratio": 0.9,
                         "fd": 20.0, "fd_floor": 10.0, "fd_noise": 900.0, "memorized_share": 0.1})
    return pd.DataFrame(rows)


def test_fig_4_holds_only_clear_of_the_seed_spread():
    overlap = findings.fig_4(_selection_table(greedy=[1.0, 1.3, 1.4], vanilla=[1.1, 0.9, 0.8]))
    clear = findings.fig_4(_selection_table(greedy=[1.2, 1.3, 1.4], vanilla=[1.1, 0.9, 0.8]))
    assert overlap["means_differ"] and not overlap["clear_of_seed_spread"] and not overlap["holds"]
    assert clear["holds"]
    lines = chapters.get("07_cfg_diversity").lines(overlap).splitlines()
    assert lines[-1].startswith("✗") and lines[-2].startswith("✓")


def test_finding_3_reports_the_variance_claim():
    t = pd.DataFrame({"n_train": [64] * 4 + [512] * 4, "iteration": list(range(1, 5)) * 2,
                      "entropy": [30, 20, 10, 0, 35, 25, 15, 5], "gs": np.exp([3, 2, 1, 0, 3.5, 2.5, 1.5, 0.5]),
                      "cov_trace": [5, 9, 2, 7, 4, 1, 8, 3]})
    r = findings.finding_3(t)
    assert r["entropy_log_gs"]["r"] == pytest.approx(1.0) and r["variance_claim"]["holds"]


@pytest.mark.slow
def test_a_loop_of_undertrained_models_fails_finding_1(tmp_path):
    """Models trained for a handful of steps draw noise-like blobs: GS may fall, but nothing is copied."""
    base = {"dataset": "digits", "model": "mlp", "width": 32, "blocks": 1, "train_steps": 5, "batch_size": 32,
            "lr": 1e-3, "warmup_steps": 1, "sampler": "ddim", "sample_steps": 5, "threads": 1, "fd_feature": "pixel",
            "iterations": 3, "save_models": False}
    configs = [from_dict({**base, "n_train": n}) for n in (40, 80)]
    r = findings.finding_1(run_many(configs, runs_root=tmp_path))
    assert not r["memorization_rises"] and not r["holds"]
    assert not r["quality_gate"]["holds"]


def _signal_tables(memorized):
    rng = np.random.default_rng(0)
    table = pd.DataFrame([{"n_train": n, "seed": 0, "iteration": it, "spikiness": 0.9 - 0.01 * it + 0.001 * n / 64,
                           "stable_rank": 10.0 - it, "memorized_share": 0.1 * it, "gs": 1.0 / it}
                          for n in (64, 128) for it in (1, 2, 3)])
    samples = pd.DataFrame({"iteration": np.repeat([1, 2, 3], 40), "spikiness": rng.normal(0.9, 0.01, 120),
                            "memorized": memorized(rng, 120)})
    return table, samples


def test_without_training_data_detects_spiky_near_copies_and_reads_back_from_json():
    import json

    from collapse_lib.report import _clean

    table, samples = _signal_tables(lambda rng, n: rng.random(n) < 0.5)
    samples.loc[samples.memorized, "spikiness"] += 0.05  # near-copies clearly spikier
    result = findings.without_training_data(table, samples)
    assert result["holds"] and result["auc"]["mean"] > 0.95 and result["auc"]["ci_low"] > 0.5
    assert result["threshold"]["j"] > 0.8
    stored = json.loads(json.dumps(_clean(result)))
    assert [ok for ok, _ in chapters.get("09_memorization_without_training_data").verdicts(stored)][0]


def test_without_training_data_with_no_near_copies_fails_in_words_not_errors():
    import json

    from collapse_lib.report import _clean

    table, samples = _signal_tables(lambda rng, n: np.zeros(n, bool))
    result = findings.without_training_data(table, samples)
    assert not result["holds"] and result["auc"]["mean"] is None
    stored = json.loads(json.dumps(_clean(result)))  # an undefined J is written as null
    checks = chapters.get("09_memorization_without_training_data").verdicts(stored)
    assert not checks[0][0] and not checks[-1][0]
    assert checks[-1][1].startswith("the best threshold a user could apply flags samples") and "n/a" in checks[-1][1]
