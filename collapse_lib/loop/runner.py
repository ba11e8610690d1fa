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

from pathlib import Path

from ..files import atomic_write_json, read_json
from . import store
from .config import RunConfig
from .readback import is_complete


def claim(run_dir: Path, cfg: RunConfig, *, write: bool = True) -> None:
    """Mark ``run_dir`` as the folder of ``cfg`` (its config.json), or refuse a folder that holds another run."""
    path = run_dir / "config.json"
    if path.is_file():
        old = read_json(path).get("config", {})
        same = {k: v for k, v in old.items() if k not in ("save_models", "extra")} == \
            {k: v for k, v in cfg.to_dict().items() if k != "save_models"}
        if not same:
            raise FileExistsError(f"{run_dir} holds a run of a different configuration; choose another --out")
        return
    if write:
        atomic_write_json(path, {"config": cfg.to_dict(), "hash": cfg.config_hash()})


def run_loop(cfg: RunConfig, *, out: Path | None = None, runs_root: str | Path = "runs",
             progress: bool = True, share_first_model: bool = True) -> Path:
    """Run (or finish, or reuse) the self-consuming loop of ``cfg``; returns the run folder.

    ``share_first_model``: load iteration 1's denoiser from the run cache when another run has trained the
    identical one (same real subset, denoiser, training settings and seed; see ``first_model``), and store it
    there otherwise. The numbers do not change; only the training time of iteration 1 is saved.
    """
    run_dir = Path(out) if out is not None else store.run_dir_of(cfg, runs_root)
    claim(run_dir, cfg)
    if is_complete(run_dir, cfg):
        return run_dir
    from .iterations import run_iterations

    run_iterations(cfg, run_dir, progress=progress, share_first_model=share_first_model)
    return run_dir
