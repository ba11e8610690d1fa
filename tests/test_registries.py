"""One place for each concept: the selector registry drives config, CLI, loop and figures; the tidy table takes
every measured column; the light modules start without diffusers."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from collapse_lib import choices, selection
from collapse_lib.loop.config import ConfigError, from_dict

from .test_loop import TINY


def _farthest_from_mean(features, size, *, seed, **_):
    """A toy selector: the rows farthest from the pool's mean."""
    f = np.asarray(features, dtype=np.float64).reshape(len(features), -1)
    return np.argsort(-((f - f.mean(0)) ** 2).sum(1), kind="stable")[:size]


@pytest.fixture
def toy_selector():
    toy = selection.register(selection.Selector("outliers", "outlier picking", "outliers", "#949494", _farthest_from_mean))
    yield toy
    selection.unregister("outliers")


def test_a_registered_selector_runs_through_a_loop_and_a_figure(tmp_path, toy_selector):
    from collapse_lib import plots
    from collapse_lib.loop.many import run_many

    cfg = from_dict({**TINY, "selector": "outliers", "pool_factor": 2.0})
    table = run_many([cfg], runs_root=tmp_path)
    assert set(table.selector) == {"outliers"} and len(table) == TINY["iterations"]
    fig = plots.metric_over_iterations(table, "gs", hue="selector")
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["outlier picking"]


def test_an_unknown_selector_raises_everywhere():
    with pytest.raises(ValueError, match="unknown selector 'best'"):
        selection.get("best")
    with pytest.raises(ConfigError, match="selector: 'best' is not one of random, greedy, threshold, all"):
        from_dict({"selector": "best"})
    from collapse_lib import plots

    table = pd.DataFrame({"selector": ["best"], "iteration": [1], "gs": [1.0]})
    with pytest.raises(ValueError, match="unknown selector 'best'"):
        plots.metric_over_iterations(table, "gs", hue="selector")


def test_cli_choices_come_from_the_registry(toy_selector):
    from collapse_lib.cli import build_parser

    action = next(a for a in build_parser()._subparsers._group_actions[0].choices["select"]._actions
                  if a.dest == "method")
    assert action.choices == ["random", "greedy", "threshold", "outliers"]


def test_every_name_a_config_chooses_has_an_implementation():
    from collapse_lib.diffusion import make_scheduler
    from collapse_lib.features import make_features
    from collapse_lib.models import build_denoiser

    for name in choices.MODELS:
        assert build_denoiser(name, sample_size=8, in_channels=1) is not None
    for schedule in choices.SCHEDULES:
        for prediction in choices.PREDICTIONS:
            make_scheduler(schedule=schedule, prediction=prediction)
    with pytest.raises(ValueError, match="unknown feature space"):
        make_features("colour")
    assert make_features("pixel")(np.zeros((2, 1, 8, 8))).shape == (2, 64)


def test_a_new_metric_reaches_metrics_csv(tmp_path, monkeypatch):
    from collapse_lib import report
    from collapse_lib.loop import measure
    from collapse_lib.loop.many import run_many

    original = measure.measure
    monkeypatch.setattr(measure, "measure", lambda *a, **k: {**original(*a, **k), "toy_metric": 42.0})
    monkeypatch.setattr(measure, "METRICS_VERSION", measure.METRICS_VERSION)
    import collapse_lib.loop.iterations as iterations

    monkeypatch.setattr(iterations, "measure", measure.measure)
    monkeypatch.setenv("COLLAPSE_RESULTS", str(tmp_path / "results"))
    table = run_many([from_dict(TINY)], runs_root=tmp_path / "runs")
    table.insert(0, "experiment", "toy")
    path = report.update_metrics_table("smoke", table)
    written = pd.read_csv(path)
    assert (written["toy_metric"] == 42.0).all()
    assert not {"train_seconds", "sample_seconds", "trained"} & set(written.columns), "bookkeeping is not a result"


LIGHT = ("import collapse_lib.metrics, collapse_lib.selection, collapse_lib.loop.config, collapse_lib.loop.runner, "
         "collapse_lib.loop.readback")


def test_the_light_modules_load_no_diffusers_or_transformers():
    code = f"{LIGHT}; import sys; print(sorted(m for m in sys.modules if m.split('.')[0] in ('diffusers', 'transformers')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_config_and_the_cli_parser_load_no_torch():
    code = ("import collapse_lib.loop.config, collapse_lib.loop.runner, collapse_lib.cli, sys; "
            "collapse_lib.cli.build_parser(); print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
