"""The chapter registry: a chapter runs its experiment in one call, the cost plan counts exactly what the chapters
build, no run is re-keyed by a refactor, the profiles name only what they change, and a new claim and chapter
need one class and one registry entry."""

import json
from pathlib import Path

import pandas as pd
import pytest

from collapse_lib import chapters, experiments, profiles, summary
from collapse_lib.findings import CONTRADICTED, HOLDS, Finding, Row
from collapse_lib.findings.rule import seed_test
from collapse_lib.plan import book_plan, chapter_configs

ROOT = Path(__file__).resolve().parents[1]
PROFILES = ("smoke", "cpu", "paper", "rehearsal")


class _Stop(Exception):
    pass


@pytest.mark.parametrize("profile", PROFILES)
def test_the_plan_counts_the_configs_each_chapter_builds(profile, monkeypatch):
    """Chapter.run and the plan build the same configs; an experiment built from the rows of the one before (Sec. 5's
    controls) gets, in both, the rows its runs would hold (here placeholders: nothing has run)."""
    from collapse_lib.plan import stored_rows

    built = {}

    def capture(experiment, configs, **_):
        built.setdefault(experiment, []).extend(configs)
        if experiment == last:
            raise _Stop
        return stored_rows(configs, "/nonexistent").assign(experiment=experiment)

    monkeypatch.setattr(experiments, "run_experiment", capture)
    planned = chapter_configs(profile, runs_root="/nonexistent")
    for name, chapter in chapters.CHAPTERS.items():
        if chapter.experiment is None:
            assert name not in planned
            continue
        params = dict(profiles.notebook_parameters(profile, name))
        params.pop("profile", None)
        built.clear()
        last = chapter.experiment.chain()[-1].name
        with pytest.raises(_Stop):
            chapter.run(profile, **params)
        ran = [c.to_dict() for e in chapter.experiment.chain() for c in built[e.name]]
        assert ran == [c.to_dict() for c in planned[name]], name
    # shared runs counted once: the plan holds each distinct run folder of every chapter exactly once
    distinct = {c.config_hash(): c for configs in planned.values() for c in configs}
    plan = book_plan(profile, runs_root="/nonexistent")
    assert sorted(r.cfg.config_hash() for r in plan) == sorted(distinct)


@pytest.mark.parametrize("profile", PROFILES)
def test_no_run_is_re_keyed(profile):
    """Every profile's runs keep the hashes (run folders) recorded in tests/data/run_hashes.json; a deliberate change
    of the experiments rewrites that file."""
    recorded = json.loads((ROOT / "tests" / "data" / "run_hashes.json").read_text())[profile]
    now = {c.config_hash() for configs in chapter_configs(profile, runs_root="/nonexistent").values() for c in configs}
    assert now == set().union(*map(set, recorded.values()))


def test_training_defaults_have_one_source():
    import dataclasses

    from collapse_lib.loop.config import RunConfig
    from collapse_lib.settings import TrainSettings

    train, run = TrainSettings(), RunConfig()
    pairs = {"steps": "train_steps", "batch_size": "batch_size", "lr": "lr", "weight_decay": "weight_decay",
             "warmup_steps": "warmup_steps", "lr_schedule": "lr_schedule", "grad_clip": "grad_clip",
             "ema_decay": "ema_decay", "precision": "precision", "label_dropout": "label_dropout"}
    assert set(pairs) == {f.name for f in dataclasses.fields(TrainSettings)}
    assert all(getattr(train, a) == getattr(run, b) for a, b in pairs.items())


@pytest.mark.parametrize("profile", PROFILES)
def test_a_profile_names_only_what_it_changes(profile):
    """A profile's common base names what it changes of RunConfig's defaults (the rehearsal: of the paper's), and a
    notebook's own file what it changes of the common base."""
    import dataclasses

    from collapse_lib.loop.config import RunConfig

    defaults = {f.name: f.default for f in dataclasses.fields(RunConfig)}
    if profile == "smoke":
        common, below = profiles.SMOKE_BASE, defaults
    elif profile == "rehearsal":
        common = profiles._yaml(profiles.params_dir("rehearsal") / "common.yaml")["base"]
        below = {**defaults, **profiles.common_parameters("paper")["base"]}
    else:
        common, below = profiles.common_parameters(profile)["base"], defaults
    assert not {k: v for k, v in common.items() if below[k] == v}
    resolved = {**below, **common}
    for name in chapters.CHAPTERS:
        own = profiles._yaml(profiles.params_dir(profile) / f"{name}.yaml").get("base", {})
        assert not {k: v for k, v in own.items() if resolved[k] == v}, name


class Toy(Finding):
    """A toy claim: GS falls from the first to the last iteration (per seed, the ratio for the larger size)."""

    reads = ("toy",)

    def compute(self, evidence):
        table = evidence.table("toy")
        ratio = {int(n): g.sort_values("iteration").gs.iloc[-1] / g.sort_values("iteration").gs.iloc[0]
                 for n, g in table.groupby("n_train")}
        test = seed_test({0: max(ratio.values())}, better="lower", null=1.0)
        return {"claim": "GS falls", "ratio": ratio, "test": test, "state": test["state"]}

    def verdicts(self, r):
        return [(r["state"], "GS falls at every size: " + ", ".join(f"N = {n}: ×{v:.2f}" for n, v in r["ratio"].items()))]

    def rows(self, r):
        return [Row("Toy: GS falls", "it falls", ", ".join(f"×{v:.2f}" for v in r["ratio"].values()), r["state"])]


@pytest.fixture
def toy_chapter(monkeypatch, tmp_path):
    monkeypatch.setenv("COLLAPSE_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("COLLAPSE_RESULTS", str(tmp_path / "results"))
    toy = chapters.register(chapters.Chapter(
        "zz_toy", "A toy chapter", Toy(),
        chapters.Experiment("toy", experiments.sizes_configs, experiments.describe_sizes)))
    yield toy
    chapters.unregister("zz_toy")


def test_a_toy_claim_and_chapter_run_end_to_end(toy_chapter, tmp_path):
    base = {**profiles.SMOKE_BASE, "width": 16, "blocks": 1, "train_steps": 5, "sample_steps": 3, "threads": 1,
            "save_models": False}
    run = toy_chapter.run("smoke", base=base, sizes=[24, 32], iterations=2, seeds=[0])
    written = json.loads((tmp_path / "results" / "smoke" / "zz_toy.json").read_text())
    assert written["state"] == "inconclusive" and set(written["ratio"]) == {"24", "32"}  # one seed cannot decide
    assert repr(run.verdicts).startswith("? GS falls")
    table = pd.read_csv(tmp_path / "results" / "smoke" / "metrics.csv")
    assert set(table.experiment) == {"toy"} and len(table) == 4
    assert "training set sizes" in run.settings.data.setting.tolist()
    page = summary.render("smoke", {"zz_toy": written}, [toy_chapter])
    assert "Toy: GS falls" in page and "0 of the paper's 1 claims hold and 1 is inconclusive" in page
    assert HOLDS != CONTRADICTED


def test_a_view_chapter_takes_no_run_parameters():
    with pytest.raises(TypeError, match="reads the runs of 01_generalization_to_memorization"):
        chapters.get("02_entropy_decline").run("smoke", sizes=[64])
