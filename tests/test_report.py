"""results/<profile>/metrics.csv: a chapter's rows replace its experiment's, and read back as written; the page
pieces (settings table, verdicts, the landing box)."""

import pandas as pd

from collapse_lib import report


def _rows(run, experiment="sizes", n_train=128, seed=0, gs=1.0, alpha=0.9, pool_factor=1.0):
    return pd.DataFrame([{"experiment": experiment, "paradigm": "replace", "selector": "random", "n_train": n_train,
                          "seed": seed, "iteration": it, "gs": gs * it, "alpha": alpha, "pool_factor": pool_factor,
                          "run": run} for it in (1, 2, 3)])


def test_a_chapter_rewrites_its_experiment_and_keeps_the_others(tmp_path, monkeypatch):
    monkeypatch.setenv("COLLAPSE_RESULTS", str(tmp_path))
    report.update_metrics_table("p", pd.concat([_rows("old-a"), _rows("old-b", n_train=256)]))
    report.update_metrics_table("p", _rows("ab", experiment="ablation"))
    path = report.update_metrics_table("p", _rows("new-a", gs=2.0))  # a rerun with fewer sizes, trained longer
    table = pd.read_csv(path)
    assert sorted(table.run.unique()) == ["ab", "new-a"]  # no row of the earlier sizes run is left behind
    assert len(table) == 6 and list(table[table.run == "new-a"].gs) == [2.0, 4.0, 6.0]


def test_the_rows_of_an_experiment_read_back_as_written(tmp_path, monkeypatch):
    import pytest

    monkeypatch.setenv("COLLAPSE_RESULTS", str(tmp_path))
    rows = pd.concat([_rows("a"), _rows("s1", seed=1), _rows("al", alpha=0.5)], ignore_index=True)
    report.update_metrics_table("p", rows)
    report.update_metrics_table("p", _rows("ab", experiment="ablation"))
    back = report.read_metrics_table("p", "sizes")
    assert len(back) == 9 and set(back.run) == {"a", "s1", "al"}
    pd.testing.assert_frame_equal(back.sort_values(["run", "iteration"]).reset_index(drop=True),
                                  rows[back.columns].sort_values(["run", "iteration"]).reset_index(drop=True))
    with pytest.raises(FileNotFoundError, match="'cfg' runs"):
        report.read_metrics_table("p", "cfg", by="07")


def test_a_damaged_table_is_named_and_started_afresh(tmp_path, monkeypatch):
    import pytest

    monkeypatch.setenv("COLLAPSE_RESULTS", str(tmp_path))
    path = report.update_metrics_table("p", _rows("a"))
    path.write_text(path.read_text()[:7])  # cut short inside the header
    with pytest.warns(RuntimeWarning, match="damaged"):
        report.update_metrics_table("p", _rows("b", n_train=256))
    assert list(pd.read_csv(path).run.unique()) == ["b"]


def test_settings_table_keeps_every_value_whole():
    from collapse_lib.pages import settings_table
    from collapse_lib.profiles import resolved_base

    base = {"dataset": "digits", "model": "mlp", "width": 256, "blocks": 3, "prediction": "x0", "train_steps": 6000,
            "batch_size": 128, "lr": 0.002, "sampler": "ddim", "sample_steps": 100, "fd_feature": "classifier",
            "quantize_samples": True}
    styled = settings_table("cpu", resolved_base(base), training_set_sizes=[64, 128], iterations=5)
    table = styled.data
    assert list(table.columns) == ["setting", "value"]
    values = dict(zip(table.setting, table.value, strict=True))
    assert values["training set sizes"] == "64, 128" and values["iterations"] == "5"
    assert values["training (per iteration, a fresh model)"] == "6,000 steps, batch 128, AdamW lr 0.002"
    html = styled.to_html()
    assert all(v in html for v in values.values())  # nothing cut at a column width


def test_readable_renames_metrics_selectors_and_axes():
    import pandas as pd

    from collapse_lib.words import readable

    tidy = pd.DataFrame({"selector": ["random", "greedy"], "n_train": [64, 64], "gs": [0.5, 1.0],
                         "memorized_share": [0.3, 0.1]})
    table = readable(tidy.pivot_table(index="selector", columns="n_train", values=["gs", "memorized_share"]))
    assert table.index.name == "selection" and set(table.index) == {"vanilla", "greedy selection"}
    assert table.columns.names == [None, "N"]
    assert set(table.columns.get_level_values(0)) == {"GS", "near-copy share"}
    assert table.loc["vanilla", ("GS", 64)] == 0.5


def test_settings_table_is_left_aligned_and_stable():
    from collapse_lib.pages import settings_table
    from collapse_lib.profiles import resolved_base

    base = {"train_steps": 100, "batch_size": 8, "lr": 0.01, "sample_steps": 10, "fd_feature": "pixel"}
    first, second = (settings_table("smoke", resolved_base(base), iterations=2).to_html() for _ in range(2))
    assert first == second  # the same page from build to build
    assert "text-align: left" in first


def test_each_state_has_its_mark_and_not_testable_is_a_note():
    from collapse_lib.findings import CONTRADICTED, HOLDS, INCONCLUSIVE, UNTESTABLE
    from collapse_lib.pages import Verdicts

    checks = [(UNTESTABLE, "a claim"), (CONTRADICTED, "another"), (INCONCLUSIVE, "a third"), (HOLDS, "a fourth"),
              (None, "numbers")]
    assert repr(Verdicts(checks)) == "• a claim\n✗ another\n? a third\n✓ a fourth\n• numbers"
    html = Verdicts(checks)._repr_html_()
    assert '<li class="note">' in html and '<li class="inconclusive">' in html and '<li class="contradicted">' in html


def test_the_landing_box_describes_the_profile_it_shows():
    from collapse_lib import chapters, summary

    scale = lambda profile: next(line for line in summary.glance(profile, {}, chapters.judged()).splitlines()  # noqa: E731
                                 if "Scale shown" in line)
    cpu, paper = scale("cpu"), scale("paper")
    assert "residual MLP" in cpu and "measured on pixels" in cpu and "float32 for N = 64 and 1,024" in cpu
    assert "CIFAR-10" in paper and "App. D UNet" in paper and "DINOv2" in paper and "3 seeds (each its own" in paper
    assert "6 seeds" in cpu and "8 iterations" in cpu
    assert "MLP" not in paper and "float32" not in paper and "digits" not in paper
