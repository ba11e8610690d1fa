"""Running one self-consuming loop: train on D_n, sample G_n, measure, build D_{n+1}; one run folder per config.

Under ``torchrun``/``accelerate launch`` every process trains the same model with DDP on its share of each
batch and samples its share of the batches; rank 0 writes the run folder.

Run folder ``runs/<name>-<hash>/`` (see ``store``). A rerun reuses finished iterations; a killed run resumes
from the last finished one with the same numbers, because every random draw of iteration n is seeded from
(seed, n) alone. For the same reason runs that differ only after iteration 1 share its denoiser through
``<runs root>/_cache/first_models/`` (see ``first_model``); ``metrics.json`` says ``trained: false`` where it
was loaded rather than trained. A finished run is recognized without importing torch or diffusers; the work
itself lives in ``iterations``.
"""

from __future__ import annotations

import os
import warnings
from contextlib import nullcontext
from pathlib import Path

from .. import paths
from ..files import DamagedFile, atomic_write_json, read_json
from . import store
from .config import RunConfig
from .readback import is_complete


def claim(run_dir: Path, cfg: RunConfig, *, write: bool = True) -> None:
    """Mark ``run_dir`` as the folder of ``cfg`` (its config.json), or refuse a folder that holds another run.

    A damaged config.json in the folder named by this config's hash is rewritten (the name proves whose it is)."""
    path = run_dir / "config.json"
    if run_dir.exists() and not run_dir.is_dir():
        raise FileExistsError(f"{run_dir} is a file, not a run folder; choose another --out")
    if path.is_file():
        try:
            old = read_json(path).get("config", {})
        except DamagedFile as err:
            if run_dir.name != f"{cfg.name}-{cfg.config_hash()}":
                raise
            warnings.warn(f"{err}; rewritten from the run's config", RuntimeWarning, stacklevel=3)
            old = cfg.to_dict()
            if write:
                atomic_write_json(path, {"config": old, "hash": cfg.config_hash()})
        same = {k: v for k, v in old.items() if k != "save_models"} == \
            {k: v for k, v in cfg.to_dict().items() if k != "save_models"}
        if not same:
            raise FileExistsError(f"{run_dir} holds a run of a different configuration; choose another --out")
        return
    if any(run_dir.glob("iter_*")):
        raise FileExistsError(f"{run_dir} holds iterations but no config.json; choose another --out")
    if write:
        atomic_write_json(path, {"config": cfg.to_dict(), "hash": cfg.config_hash()})


def _agreed(decision):
    """Rank 0's decision on every process of a launcher's group (the decision itself in a single process)."""
    if int(os.environ.get("WORLD_SIZE", "1")) == 1:
        return decision
    from ..distributed import broadcast_from_main, init_from_env

    init_from_env()
    return broadcast_from_main(decision)


def run_loop(cfg: RunConfig, *, out: Path | None = None, runs_root: str | Path | None = None,
             progress: bool = True, share_first_model: bool = True, verify: bool = False) -> Path:
    """Run (or finish, or reuse) the self-consuming loop of ``cfg``; returns the run folder.

    ``runs_root`` (None: ``paths.runs_root()``) holds the run folder (unless ``out`` names one) and the run cache.
    The folder is locked while the run works in it; a second process running the same config waits and then
    reuses the result. ``verify``: check the sha256 of every stored file before reusing it (sizes and the small
    files' hashes are always checked). ``share_first_model``: load iteration 1's denoiser from the run cache when
    another run has trained the identical one (see ``first_model``); the numbers do not change.
    """
    runs_root = Path(runs_root) if runs_root is not None else paths.runs_root()
    run_dir = Path(out) if out is not None else store.run_dir_of(cfg, runs_root)
    if run_dir.exists() and not run_dir.is_dir():
        raise FileExistsError(f"{run_dir} is a file, not a run folder; choose another --out")
    # under torchrun every process runs this; rank 0 holds the lock and writes, the others follow it (a lock the
    # others waited for would hold them out of the process group rank 0 waits in)
    leader = os.environ.get("RANK", "0") == "0"
    with store.run_lock(run_dir) if leader else nullcontext():
        claim(run_dir, cfg, write=leader)
        if _agreed(is_complete(run_dir, cfg, full=verify) if leader else None):
            return run_dir
        from .iterations import run_iterations

        run_iterations(cfg, run_dir, cache_dir=store.cache_dir(runs_root), progress=progress,
                       share_first_model=share_first_model, full_verify=verify)
    return run_dir
