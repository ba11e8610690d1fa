"""run_many on other engines: a Dask cluster and submitit (Slurm's local stand-in) give the serial numbers."""

import pandas as pd
import pytest

from collapse_lib.loop.config import from_dict
from collapse_lib.loop.executors import ExecutorSpecError, SubmititExecutor, make_executor
from collapse_lib.loop.many import run_many

from .test_loop import TINY
from .test_parallel import TIMING, _configs, _iteration_1_trained

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def dask_executor():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = distributed.Client(cluster)
    yield client.get_executor()
    client.close()
    cluster.close()


def test_dask_cluster_gives_the_serial_table_and_trains_each_first_model_once(tmp_path, dask_executor):
    configs = _configs()
    serial = run_many(configs, runs_root=tmp_path / "serial")
    on_dask = run_many(configs, runs_root=tmp_path / "dask", executor=dask_executor)
    pd.testing.assert_frame_equal(serial.drop(columns=TIMING), on_dask.drop(columns=TIMING))
    from collapse_lib.loop.store import run_dir_of

    trained = [_iteration_1_trained(run_dir_of(c, tmp_path / "dask")) for c in configs[:3]]
    assert sorted(trained) == [False, False, True], "the shared first model was trained more than once"


def test_a_failing_run_on_the_cluster_surfaces_its_error(tmp_path, dask_executor):
    good = from_dict({**TINY, "name": "ok"})
    bad = from_dict({**TINY, "name": "bad", "dataset": "cifar10", "data_root": str(tmp_path / "no-cifar")})
    with pytest.raises(FileNotFoundError, match="CIFAR-10 not found"):
        run_many([bad, good], runs_root=tmp_path, executor=dask_executor)


def test_submitit_runs_a_smoke_config_end_to_end(tmp_path):
    pytest.importorskip("submitit")
    cfg = from_dict({**TINY, "name": "slurm-local"})
    executor = SubmititExecutor(tmp_path / "jobs", cluster="local", poll_seconds=0.5, timeout_min=10)
    table = run_many([cfg], runs_root=tmp_path / "runs", executor=executor)
    serial = run_many([cfg], runs_root=tmp_path / "serial")
    pd.testing.assert_frame_equal(serial.drop(columns=TIMING), table.drop(columns=TIMING))


@pytest.mark.parametrize("spec, options, match", [
    ("kubernetes", {}, "expected 'local'"),
    ("local", {"partition": "gpu"}, "takes no options"),
    ("slurm", {"partion": "gpu"}, "unknown options"),
])
def test_bad_executor_specs_are_refused_before_any_run(spec, options, match):
    with pytest.raises(ExecutorSpecError, match=match):
        make_executor(spec, **options)


def test_cli_runs_a_config_through_an_executor_spec(tmp_path, capsys):
    from collapse_lib import cli

    pytest.importorskip("submitit")
    argv = ["run", "--config", "params/smoke/run.yaml", "--set", "iterations=1", "--set", "train_steps=10",
            "--executor", "slurm", "--executor-option", "cluster=local", "--executor-option", f"folder={tmp_path / 'jobs'}",
            "--executor-option", "time_limit_min=5", "--runs-root", str(tmp_path / "runs"), "--quiet"]
    assert cli.main(argv) == 0
    run_dir = capsys.readouterr().out.strip().splitlines()[-1]
    assert run_dir.startswith(str(tmp_path / "runs")) and (tmp_path / "runs").is_dir()
    with pytest.raises(SystemExit, match="unknown options"):
        cli.main(["run", "--config", "params/smoke/run.yaml", "--executor", "slurm", "--executor-option", "partion=gpu"])
