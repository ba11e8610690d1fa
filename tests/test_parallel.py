"""run_many with several worker processes: the same numbers as one run after another, each first model once."""

import json

import pandas as pd
import pytest

from collapse_lib.loop.config import ConfigError, from_dict
from collapse_lib.loop.first_model import first_model_group
from collapse_lib.loop.many import run_many
from collapse_lib.loop.store import run_dir_of

from .test_loop import TINY

TIMING = ["run", "train_seconds", "sample_seconds", "trained"]


def _configs():
    shared = [from_dict({**TINY, "name": f"p-{sel}", "selector": sel, "pool_factor": pf})
              for sel, pf in (("random", 1.0), ("greedy", 2.0), ("threshold", 2.0))]
    other = from_dict({**TINY, "name": "p-seed1", "seed": 1})
    return shared + [other, shared[0]]  # the repeated config runs once


def _iteration_1_trained(run_dir):
    return json.loads((run_dir / "iter_01" / "metrics.json").read_text())["trained"]


def test_parallel_runs_give_the_serial_numbers_and_train_each_first_model_once(tmp_path):
    configs = _configs()
    serial = run_many(configs, runs_root=tmp_path / "serial")
    parallel = run_many(configs, runs_root=tmp_path / "parallel", workers=2)
    assert len(parallel) == len(configs) * TINY["iterations"]
    pd.testing.assert_frame_equal(serial.drop(columns=TIMING), parallel.drop(columns=TIMING))
    trained = [_iteration_1_trained(run_dir_of(c, tmp_path / "parallel")) for c in configs[:3]]
    assert sorted(trained) == [False, False, True], "the shared first model was trained more than once"
    assert _iteration_1_trained(run_dir_of(configs[3], tmp_path / "parallel"))
    # finished runs are read back without starting any worker
    again = run_many(configs, runs_root=tmp_path / "parallel", workers=2)
    pd.testing.assert_frame_equal(parallel, again)


def test_first_model_group_is_shared_exactly_by_runs_that_train_iteration_1_alike():
    a, b, c, seed1 = _configs()[:4]
    assert first_model_group(a) == first_model_group(b) == first_model_group(c) != first_model_group(seed1)
    assert first_model_group(a) != first_model_group(a.replace(train_steps=31))
    assert first_model_group(a) != first_model_group(a.replace(threads=2))


@pytest.mark.parametrize("workers", [0, -1, 1.5, "2", True])
def test_bad_worker_counts_are_refused_before_any_run(tmp_path, workers):
    with pytest.raises(ValueError, match="workers"):
        run_many(_configs(), runs_root=tmp_path, workers=workers)
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_a_bad_config_is_refused_when_it_is_built_before_any_run(tmp_path):
    import dataclasses

    with pytest.raises(ConfigError, match="alpha"):  # a config cannot exist unvalidated, so no list holds one
        run_many(_configs()[:2] + [dataclasses.replace(_configs()[0], alpha=1.5)], runs_root=tmp_path, workers=2)
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_oversubscribing_the_cores_warns(tmp_path, monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    cfg = from_dict({**TINY, "threads": 2})
    with pytest.warns(UserWarning, match="exceeds the 2 cores"):
        run_many([cfg], runs_root=tmp_path, workers=2)
