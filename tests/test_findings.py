"""The findings' checks under the rule: they hold for the paper's phenomenon in matched seeds, are inconclusive for a
mixed effect and contradicted for a reversed one, are not testable when the first models fail the gate, and report
the choices they hold under."""

import numpy as np
import pandas as pd
import pytest

from collapse_lib import chapters, findings
from collapse_lib.findings import Evidence
from collapse_lib.loop.config import from_dict
from collapse_lib.loop.many import run_many
from collapse_lib.report import jsonable


def judge(finding, experiment, table, **gathered):
    """A finding's result on one experiment's rows (and what its chapter would gather)."""
    return finding.compute(Evidence({experiment: table}, gathered))


def lines(chapter, result) -> str:
    """A chapter's verdicts as text, read from the result as its JSON file holds it."""
    return "\n".join(text for _, text in chapters.get(chapter).finding.verdicts(jsonable(result)))


def _sizes_table(gs, mem, trace, sizes=(64, 512), seeds=(0, 1, 2), storages=(True,), raw=None, fd=30.0, floor=10.0,
                 entropy=None, jitter=0.02):
    """A Finding I table: per size, per iteration values from the given per-size lists (the same for every seed and
    storage unless a value is a dict keyed by seed; GS and the trace wobble by ``jitter`` between seeds)."""
    rows = []
    pick = lambda v, seed: v[seed] if isinstance(v, dict) and seed in v and isinstance(v[seed], dict) else v  # noqa: E731
    for q in storages:
        for seed in seeds:
            g, m, t = pick(gs, seed), pick(mem, seed), pick(trace, seed)
            r = pick(raw, seed) if raw is not None else m
            for n in sizes:
                for it in range(1, len(g[n]) + 1):
                    h = (entropy or {}).get(n, [30 - 10 * it] * 9)[it - 1]
                    w = 1 + jitter * np.sin(3 * seed + it + n)
                    rows.append({"n_train": n, "seed": seed, "quantize_samples": q, "iteration": it, "gs": g[n][it - 1] * w,
                                 "memorized_share": m[n][it - 1], "memorized_share_raw": r[n][it - 1],
                                 "trace_ratio": t[n][it - 1] * w, "fd": fd, "fd_n": fd, "fd_floor": floor, "fd_noise": 1000.0,
                                 "paradigm": "replace", "selector": "random", "entropy": h, "entropy_distinct": h,
                                 "entropy_fixed_n": h, "gen_mnnd": g[n][it - 1], "gen_cov_trace": 1.0 - 0.01 * it,
                                 "cov_trace": 5.0 + ((it * 7 + n) % 3), "gs_ratio": g[n][it - 1], "mnnd": 1.0 / it,
                                 "copy_scale": 0.3})
    return pd.DataFrame(rows)


MEMORIZING = dict(gs={64: [1.0, 0.5, 0.2, 0.1], 512: [2.0, 1.5, 0.9, 0.5]},
                  mem={64: [0.92, 0.95, 0.97, 1.0], 512: [0.05, 0.2, 0.6, 0.8]},
                  trace={64: [0.95, 0.9, 0.85, 0.8], 512: [1.0, 0.95, 0.9, 0.85]})


def test_finding_1_holds_for_a_loop_that_turns_to_copying_under_every_choice():
    r = judge(findings.FindingOne(), "sizes", _sizes_table(**MEMORIZING, storages=(True, False)))
    assert r["state"] == findings.HOLDS
    assert r["holds_under"] == ["grid, merged", "grid, plain", "float32, merged", "float32, plain"]
    parts = r["choices"]["grid, merged"]["parts"]
    assert parts["small_copied_first"]["mean"] == pytest.approx(0.87) and parts["small_copied_first"]["n"] == 3
    assert parts["copies_rise"]["per_size"][64]["saturated"] and not parts["copies_rise"]["per_size"][512]["saturated"]
    assert r["choices"]["grid, merged"]["per_seed"][0][512]["first_over_half"] == 3


def test_finding_1_names_the_copy_test_it_is_inconclusive_under():
    flat = {64: [0.92, 0.95, 0.97, 1.0], 512: [0.05, 0.04, 0.03, 0.02]}  # the plain test misses the clusters
    r = judge(findings.FindingOne(), "sizes", _sizes_table(**MEMORIZING, raw=flat, storages=(True, False)))
    assert r["state"] == findings.HOLDS and r["holds_under"] == ["grid, merged", "float32, merged"]
    assert r["choices"]["grid, plain"]["parts"]["copies_rise"]["state"] == findings.CONTRADICTED
    assert "contradicted under grid, plain / float32, plain" in lines("01_generalization_to_memorization", r)


def test_finding_1_does_not_hold_when_samples_fade_instead_of_copying():
    fading = {**MEMORIZING, "mem": {64: [0.0] * 4, 512: [0.0] * 4},
              "trace": {64: [0.9, 0.3, 0.2, 0.1], 512: [0.95, 0.3, 0.2, 0.15]}}
    r = judge(findings.FindingOne(), "sizes", _sizes_table(**fading))
    parts = r["choices"]["grid, merged"]["parts"]
    assert parts["gs_falls"]["state"] == findings.HOLDS
    assert parts["copies_rise"]["state"] == findings.INCONCLUSIVE  # no rise at all: a tie, not a reversal
    assert parts["stay_images"]["state"] == findings.CONTRADICTED and r["state"] == findings.CONTRADICTED


def test_finding_1_contradicted_when_a_larger_set_is_copied_earlier():
    early = {**MEMORIZING, "mem": {64: [0.3, 0.4, 0.6, 0.9], 512: [0.05, 0.55, 0.7, 0.8]}}
    r = judge(findings.FindingOne(), "sizes", _sizes_table(**early))
    assert r["choices"]["grid, merged"]["parts"]["larger_hold_out_longer"]["state"] == findings.CONTRADICTED


def test_finding_1_is_inconclusive_when_one_seed_goes_the_other_way():
    bad = {**MEMORIZING["mem"], 512: [0.8, 0.6, 0.4, 0.2]}  # seed 2's largest set copies less and less
    r = judge(findings.FindingOne(), "sizes", _sizes_table(gs=MEMORIZING["gs"], trace=MEMORIZING["trace"],
                                                           mem={0: MEMORIZING["mem"], 1: MEMORIZING["mem"], 2: bad}))
    rise = r["choices"]["grid, merged"]["parts"]["copies_rise"]["per_size"][512]
    assert rise["per_seed"] == pytest.approx({0: 0.75, 1: 0.75, 2: -0.6}) and rise["state"] == findings.INCONCLUSIVE
    assert r["state"] == findings.INCONCLUSIVE


def test_quality_gate_compares_against_the_real_floor_and_makes_a_claim_untestable():
    good = findings.quality_gate(_sizes_table(**MEMORIZING, fd=40.0, floor=10.0))
    bad = _sizes_table(**MEMORIZING, fd=60.0, floor=10.0)
    assert good["holds"] and not findings.quality_gate(bad)["holds"]
    assert findings.quality_gate(bad)["per_size"][64]["fd_over_floor_max"] == pytest.approx(6.0)
    r = judge(findings.FindingOne(), "sizes", bad)
    assert r["state"] == findings.UNTESTABLE
    assert r["choices"]["grid, merged"]["parts"]["gs_falls"]["state"] == findings.UNTESTABLE  # no part a verdict


def test_finding_2_reports_each_entropy_reading():
    entropy = {64: [30, 10, 0, -10], 512: [40, 20, 15, 5]}
    t = _sizes_table(**MEMORIZING, entropy=entropy)
    t["entropy"] += 0.3 * np.sin(t["seed"] * 5 + t["iteration"])  # seeds that differ a little
    t["entropy_distinct"] = t["entropy"] * -1  # a reading under which the entropy rises
    r = judge(findings.FindingTwo(), "sizes", t)
    assert r["state"] == findings.HOLDS and r["states"] == {"grid, stored set": findings.HOLDS,
                                                            "grid, distinct rows": findings.CONTRADICTED,
                                                            "grid, fixed subsample": findings.HOLDS}


def test_finding_3_separates_per_size_offsets_from_the_common_slope():
    rows = []
    for n, offset in ((64, 3.0), (256, 1.0), (1024, -1.0)):  # log GS = 0.1 H + offset(N), H shifted by N too
        for seed in (0, 1, 2):
            for it in range(1, 6):
                h = 20 - 4 * it + 10 * (n == 64) + np.sin(seed + it) * 0.2
                rows.append({"n_train": n, "seed": seed, "iteration": it, "quantize_samples": True, "entropy": h,
                             "entropy_distinct": h, "entropy_fixed_n": 0.1 * h + 0.0 * offset,
                             "gs": float(np.exp(0.1 * h + offset)), "gs_ratio": 1.0 + 0.1 * it,
                             "cov_trace": 5.0 + (it % 2), "trace_ratio": 0.9, "fd": 1.0, "fd_floor": 1.0, "fd_noise": 9.0,
                             "memorized_share": 0.95 if n == 64 else 0.1})
    r = judge(findings.FindingThree(), "sizes", pd.DataFrame(rows))
    v = r["per_storage"]["grid"]
    assert v["common_slope"]["slope"] == pytest.approx(0.1, abs=1e-6)
    assert v["common_slope"]["intercepts"][64] == pytest.approx(3.0, abs=1e-6)
    assert v["readings"]["within each size"]["state"] == findings.HOLDS  # within a size the line is exact
    assert v["readings"]["pooled"]["r_mean"] < 0.85 and r["state"] == findings.CONTRADICTED  # offsets break pooling
    assert v["copied_from_start"] == [64]
    assert "without the sizes copied from the start" in v["readings"]  # two sizes left: a line across them is read


def test_finding_3_reads_no_line_across_sizes_when_one_size_is_left():
    rows = []
    for n, grid in ((64, False), (1024, False), (64, True), (256, True), (1024, True)):  # float32 at two sizes only
        for seed in (0, 1, 2):
            for it in range(1, 6):
                h = 20 - 4 * it + np.sin(seed + it) * 0.2
                rows.append({"n_train": n, "seed": seed, "iteration": it, "quantize_samples": grid, "entropy": h,
                             "entropy_distinct": h, "entropy_fixed_n": h, "gs": float(np.exp(0.1 * h)), "gs_ratio": 1.0,
                             "cov_trace": 5.0, "trace_ratio": 0.9, "fd": 1.0, "fd_floor": 1.0, "fd_noise": 9.0,
                             "memorized_share": 0.95 if n == 64 else 0.1})
    r = judge(findings.FindingThree(), "sizes", pd.DataFrame(rows))
    v = r["per_storage"]["float32"]
    assert v["copied_from_start"] == [64]
    assert "without the sizes copied from the start" not in v["readings"]  # one size left: not a line across sizes
    assert "float32, without the sizes copied from the start" not in r["states"]
    assert "without the sizes copied from the start" in r["per_storage"]["grid"]["readings"]  # grid: 256 and 1,024
    assert any("one size is left" in text for _, text in findings.FindingThree().verdicts(r))


def _selection_table(greedy, vanilla, metric="within_class_nnd", paradigm="replace", fd=20.0, unguided_fd=None):
    rows = []
    for selector, values in (("greedy", greedy), ("random", vanilla)):
        for seed, v in enumerate(values):
            for it in (1, 4):
                rows.append({"selector": selector, "seed": seed, "iteration": it, "paradigm": paradigm, "n_train": 500,
                             "within_class_nnd": v, "train_within_class_nnd": v, "real_within_class_nnd": 2.4,
                             "trace_ratio": 0.9, "fd": fd if metric != "fd" else v, "fd_n": fd, "fd_floor": 10.0,
                             "fd_noise": 900.0, "kid": 0.01, "memorized_share": 0.1, "entropy": 1.0, "gs": 1.0,
                             "fd_unguided_n": unguided_fd if it == 1 else None,
                             "trace_ratio_unguided": 0.95 if it == 1 and unguided_fd else None})
    return pd.DataFrame(rows)


def test_fig_4_holds_for_a_clear_paired_effect_and_not_for_a_mixed_one():
    mixed = judge(findings.FigureFour(), "cfg", _selection_table(greedy=[1.0, 1.3, 1.4], vanilla=[1.1, 0.9, 0.8]))
    clear = judge(findings.FigureFour(), "cfg", _selection_table(greedy=[1.2, 1.3, 1.4], vanilla=[1.0, 1.05, 1.1]))
    assert mixed["claims"]["diversity"] == findings.INCONCLUSIVE and clear["claims"]["diversity"] == findings.HOLDS
    assert clear["within_class_nnd"]["per_seed"] == pytest.approx({0: 0.2, 1: 0.25, 2: 0.3})


def test_fig_4_is_gated_on_the_unguided_samples():
    """Guided samples far from the floor do not make the claim untestable when the model's plain conditional samples
    are close to it; they do when those fail too."""
    args = dict(greedy=[1.2, 1.3, 1.4], vanilla=[1.0, 1.05, 1.1], fd=80.0)
    learned = judge(findings.FigureFour(), "cfg", _selection_table(**args, unguided_fd=30.0))
    assert learned["quality_gate"]["unguided"] and learned["claims"]["diversity"] == findings.HOLDS
    assert learned["quality_gate"]["per_size"][500]["guided_fd_over_floor_max"] == pytest.approx(8.0)
    failed = judge(findings.FigureFour(), "cfg", _selection_table(**args, unguided_fd=70.0))
    assert failed["claims"]["diversity"] == findings.UNTESTABLE
    assert "guided samples score 8.0 times the floor" in lines("07_cfg_diversity", learned)


@pytest.mark.slow
def test_a_loop_of_undertrained_models_fails_finding_1(tmp_path):
    """Models trained for a handful of steps draw noise-like blobs: GS may fall, but nothing is copied."""
    base = {"dataset": "digits", "model": "mlp", "width": 32, "blocks": 1, "train_steps": 5, "batch_size": 32,
            "lr": 1e-3, "warmup_steps": 1, "sampler": "ddim", "sample_steps": 5, "threads": 1, "fd_feature": "pixel",
            "iterations": 3, "save_models": False, "quantize_samples": True}
    configs = [from_dict({**base, "n_train": n, "seed": s, "subset_seed": s}) for n in (40, 80) for s in (0, 1)]
    r = judge(findings.FindingOne(), "sizes", run_many(configs, runs_root=tmp_path))
    assert r["choices"]["grid, merged"]["parts"]["copies_rise"]["state"] != findings.HOLDS
    assert not r["quality_gate"]["holds"] and r["state"] == findings.UNTESTABLE


def _sec5_table(greedy_fd, vanilla_fd, threshold_fd):
    rows = []
    for paradigm in ("replace", "accumulate-subsample"):
        for selector, fds in (("random", vanilla_fd), ("greedy", greedy_fd), ("threshold", threshold_fd)):
            for seed, fd in enumerate(fds):
                for it in (1, 2, 8):
                    rows.append({"paradigm": paradigm, "selector": selector, "seed": seed, "iteration": it,
                                 "n_train": 256, "fd": float(fd) if it > 1 else 60.0, "fd_n": 60.0,
                                 "kid": fd / 1000, "entropy": 10.0 + (selector != "random") + 0.1 * seed,
                                 "gs": 1.0 + (selector != "random") + 0.01 * seed, "fd_floor": 30.0, "fd_noise": 900.0,
                                 "trace_ratio": 0.9, "memorized_share": 0.1, "real_share": 0.5,
                                 "select_feature": "pixel", "tau": "radius" if selector == "threshold" else None})
    return pd.DataFrame(rows)


def test_section_5_pairs_seeds_and_holds_where_every_cross_pair_would_not():
    """The referee's numbers: vanilla - greedy FD per seed 19.2, 40.7, 58.4 (one greedy seed above vanilla's best):
    paired, p = 0.037, the claim holds."""
    vanilla = [107.6, 70.0, 121.4]
    greedy = [vanilla[0] - 19.2, vanilla[1] - 40.7, vanilla[2] - 58.4]
    r = judge(findings.SectionFive(), "selection", _sec5_table(greedy, vanilla, [100.0, 90.0, 110.0]))
    fd = r["claims"]["accumulate"]["parts"]["fd"]
    assert max(greedy) > min(vanilla) and fd["p"] == pytest.approx(0.037, abs=0.001)
    assert r["claims"]["accumulate"]["state"] == findings.HOLDS and r["state"] == findings.HOLDS
    assert r["claims"]["greedy_vs_threshold"]["parts"]["greedy_below_threshold"]["state"] == findings.INCONCLUSIVE
    assert r["threshold_start"] == "radius" and set(r["over_iterations"]["replace"]) == {2, 8}


def test_section_5_is_contradicted_when_greedy_is_worse_in_every_seed():
    r = judge(findings.SectionFive(), "selection", _sec5_table([120.0, 131.0, 142.0], [100.0, 110.0, 120.0], [1, 2, 3]))
    assert r["claims"]["replace"]["parts"]["fd"]["state"] == findings.CONTRADICTED
    assert r["claims"]["replace"]["state"] == findings.CONTRADICTED  # entropy and GS hold, the FD part is reversed


def _signal_tables(memorized):
    rng = np.random.default_rng(0)
    table = pd.DataFrame([{"n_train": n, "seed": seed, "iteration": it,
                           "spikiness": 0.9 - 0.01 * it + 0.001 * n / 64 + 0.002 * seed,
                           "stable_rank": 10.0 - it, "memorized_share": 0.1 * it, "gs": 1.0 / it, "trace_ratio": 0.9,
                           "fd": 20.0, "fd_floor": 10.0, "fd_noise": 900.0, "quantize_samples": True}
                          for n in (64, 128) for seed in (0, 1, 2) for it in (1, 2, 3)])
    samples = pd.DataFrame({"seed": np.tile(np.repeat([0, 1, 2], 40), 3), "iteration": np.repeat([1, 2, 3], 120),
                            "spikiness": rng.normal(0.9, 0.01, 360), "memorized": memorized(rng, 360)})
    return table, samples


def test_without_training_data_detects_spiky_near_copies_and_reads_back_from_json():
    import json

    table, samples = _signal_tables(lambda rng, n: rng.random(n) < 0.5)
    samples.loc[samples.memorized, "spikiness"] += 0.05  # near-copies clearly spikier
    result = judge(findings.WithoutTrainingData(), "sizes", table, samples=samples)
    assert result["state"] == findings.HOLDS and result["auc"]["mean"] > 0.95 and result["auc_test"]["n"] == 3
    assert result["threshold"]["j"] > 0.8
    stored = json.loads(json.dumps(jsonable(result)))
    assert chapters.get("09_memorization_without_training_data").finding.verdicts(stored)[0][0] == findings.HOLDS


def test_without_training_data_with_no_near_copies_is_inconclusive_in_words_not_errors():
    import json

    table, samples = _signal_tables(lambda rng, n: np.zeros(n, bool))
    result = judge(findings.WithoutTrainingData(), "sizes", table, samples=samples)
    assert result["state"] == findings.INCONCLUSIVE and result["auc"]["mean"] is None
    stored = json.loads(json.dumps(jsonable(result)))  # an undefined J is written as null
    checks = chapters.get("09_memorization_without_training_data").finding.verdicts(stored)
    assert checks[-1][1].startswith("the best threshold a user could apply flags samples") and "n/a" in checks[-1][1]


def test_arms_are_named_against_the_experiments_own_feature_space():
    main = pd.DataFrame({"selector": ["random", "greedy"], "select_feature": ["dinov2", "dinov2"]})
    control = pd.DataFrame({"selector": ["greedy", "threshold"], "select_feature": ["classifier", "classifier"]})
    assert list(findings.arms(main, control)["arm"]) == ["random", "greedy", "greedy-classifier", "threshold-classifier"]
    pixels = pd.DataFrame({"selector": ["greedy"]})  # no feature column: pixels
    assert list(findings.arms(pixels, control)["arm"]) == ["greedy", "greedy-classifier", "threshold-classifier"]
