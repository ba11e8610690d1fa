"""Where runs execute: this machine's processes, a Dask cluster, or Slurm (through submitit), by one spec string.

``make_executor("local")`` is None (``run_many`` then starts its own process pool of ``workers``);
``make_executor("dask://HOST:PORT")`` is a ``dask.distributed`` client's ``concurrent.futures`` executor;
``make_executor("slurm", partition=..., gpus_per_task=..., time_limit_min=...)`` submits each run as a Slurm
job through submitit, adapted to the ``concurrent.futures.Executor`` interface. Dask and submitit are optional
(``pip install -e '.[cluster]'``). Every engine must see the same ``runs_root`` (a shared file system): runs
that share a first model coordinate through it.
"""

from __future__ import annotations

import shutil
import threading
import time
from concurrent.futures import Executor, Future
from pathlib import Path

#: the options a spec may carry (what a user sets in params/<profile>/common.yaml or on the command line)
SLURM_OPTIONS = ("partition", "gpus_per_task", "cpus_per_task", "time_limit_min", "mem_gb", "folder", "cluster")


class ExecutorSpecError(ValueError):
    """An executor spec or option this module does not know."""


class SubmititExecutor(Executor):
    """submitit's ``AutoExecutor`` as a ``concurrent.futures.Executor``: each ``submit`` is one job, and its Future
    completes (a watcher thread polls the job) with the job's result or exception."""

    def __init__(self, folder: str | Path, *, cluster: str | None = None, poll_seconds: float = 5.0, **parameters):
        import submitit

        self._executor = submitit.AutoExecutor(folder=str(folder), cluster=cluster)
        if parameters:
            self._executor.update_parameters(**parameters)
        self.poll_seconds = poll_seconds

    def submit(self, fn, /, *args, **kwargs) -> Future:
        job = self._executor.submit(fn, *args, **kwargs)
        future: Future = Future()
        future.job = job  # the submitit Job (job id, logs) for whoever wants it
        threading.Thread(target=self._watch, args=(job, future), daemon=True).start()
        return future

    def _watch(self, job, future: Future) -> None:
        while not job.done():
            time.sleep(self.poll_seconds)
        error = job.exception()
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(job.result())


#: seconds to wait for a Dask scheduler before giving up
DASK_CONNECT_SECONDS = 10


def _slurm(options: dict) -> SubmititExecutor:
    params = {"timeout_min": int(options.get("time_limit_min", 240)), "slurm_partition": options.get("partition"),
              "gpus_per_node": options.get("gpus_per_task"), "cpus_per_task": options.get("cpus_per_task"),
              "mem_gb": options.get("mem_gb")}
    params = {k: v for k, v in params.items() if v is not None}
    if options.get("cluster") in ("local", "debug"):  # submitit's stand-ins for Slurm: no slurm_ parameters
        params = {k: v for k, v in params.items() if not k.startswith("slurm_")}
    elif shutil.which("sbatch") is None:  # submitit would quietly run the jobs here instead
        raise ExecutorSpecError("executor 'slurm': no sbatch on PATH, so Slurm cannot take jobs from this machine "
                                "(run where Slurm is installed, or ask for submitit's stand-in: cluster=local)")
    try:
        return SubmititExecutor(options.get("folder", "runs/_slurm"), cluster=options.get("cluster"), **params)
    except ImportError as err:
        raise ExecutorSpecError("executor 'slurm' needs submitit: pip install -e '.[cluster]'") from err


def _dask(address: str) -> Executor:
    try:
        from distributed import Client
    except ImportError as err:
        raise ExecutorSpecError("executor 'dask://...' needs dask.distributed: pip install -e '.[cluster]'") from err
    try:
        return Client(address, timeout=DASK_CONNECT_SECONDS).get_executor()
    except (OSError, TimeoutError) as err:
        raise ExecutorSpecError(f"no Dask scheduler answered at {address} within {DASK_CONNECT_SECONDS} s "
                                f"({type(err).__name__}); start one with `dask scheduler` or check the address") from None


def check_spec(spec: str | None, options: dict | None = None) -> str:
    """The engine a spec names (``local``, ``dask`` or ``slurm``), refusing a bad spec or option; connects to nothing."""
    options = options or {}
    if spec in (None, "", "local"):
        if options:
            raise ExecutorSpecError(f"executor 'local' takes no options; got {sorted(options)}")
        return "local"
    if isinstance(spec, str) and spec.startswith("dask://") and len(spec) > len("dask://"):
        if options:
            raise ExecutorSpecError(f"a dask executor takes no options (the cluster has them); got {sorted(options)}")
        return "dask"
    if spec == "slurm":
        unknown = sorted(set(options) - set(SLURM_OPTIONS))
        if unknown:
            raise ExecutorSpecError(f"slurm executor: unknown options {unknown}; known: {list(SLURM_OPTIONS)}")
        return "slurm"
    raise ExecutorSpecError(f"executor: expected 'local', 'dask://HOST:PORT' or 'slurm'; got {spec!r}")


def make_executor(spec: str | None = "local", **options) -> Executor | None:
    """The executor a spec names (None for ``local``); a bad spec or option is refused before anything runs."""
    kind = check_spec(spec, options)
    if kind == "local":
        return None
    if kind == "dask":
        return _dask("tcp://" + spec.removeprefix("dask://"))
    return _slurm(options)
