"""The first model of a run, trained on real images alone, shared between runs that would train it identically.

Iteration 1 trains on the real subset D_1 with every random draw seeded from (seed, 1), so runs that differ
only in what happens afterwards (paradigm, selector, pool size, guidance, metrics) train the same weights
bit for bit. The first such run stores them under ``<runs root>/_cache/first_models/<key>.safetensors``
and later runs load them instead of training again. The key holds everything the training depends on:
the real subset, the denoiser, the training settings, the seed, the device kind, the thread count, the
number of processes and the torch version.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import warnings
from pathlib import Path

from ..files import atomic_write_bytes, atomic_write_json, manifest_problems, read_json
from ..settings import TrainSettings
from .config import RunConfig

#: bump when the way iteration 1 trains changes, so stored first models are not reused
FIRST_MODEL_VERSION = 1

_DATA_KEYS = ("dataset", "data_root", "image_size", "n_train", "subset_seed")
_MODEL_KEYS = ("model", "width", "blocks", "conditional", "seed", "prediction", "noise_schedule")


def train_settings(cfg: RunConfig, train_size: int | None = None) -> TrainSettings:
    """The training settings a run's config asks for on a training set of ``train_size`` images (None: N, the size
    of D_1); ``epochs``, when set, becomes a step count, so a growing D_n (accumulate, or all 2N) trains longer."""
    steps = cfg.train_steps
    if cfg.epochs is not None:
        steps = cfg.epochs * math.ceil((train_size or cfg.n_train) / cfg.batch_size)
    return TrainSettings(steps=steps, batch_size=cfg.batch_size, lr=cfg.lr, weight_decay=cfg.weight_decay,
                         warmup_steps=cfg.warmup_steps, lr_schedule=cfg.lr_schedule, label_dropout=cfg.label_dropout,
                         ema_decay=cfg.ema_decay, precision=cfg.precision, grad_clip=cfg.grad_clip)


def _training_inputs(cfg: RunConfig, settings: TrainSettings) -> dict:
    """The config values and training settings iteration 1's weights depend on."""
    return {**{k: getattr(cfg, k) for k in _DATA_KEYS + _MODEL_KEYS}, "train": dataclasses.asdict(settings)}


def _digest(blob: dict) -> str:
    return hashlib.sha256(json.dumps(blob, sort_keys=True).encode()).hexdigest()[:16]


def first_model_key(cfg: RunConfig, settings: TrainSettings, device, world: int = 1) -> str:
    """Hash of everything the model trained at iteration 1 depends on (and nothing it does not)."""
    import torch

    return _digest({
        "version": FIRST_MODEL_VERSION,
        "torch": torch.__version__,
        **_training_inputs(cfg, settings),
        "device": device.type,
        "threads": torch.get_num_threads() if device.type == "cpu" else None,
        "world": world,
    })


def first_model_group(cfg: RunConfig) -> str:
    """Hash of the config values iteration 1's training depends on: runs with equal groups share a first model.

    Unlike ``first_model_key`` it needs no torch state (threads and device as the config asks for them), so a
    scheduler can group runs before any of them starts.
    """
    return _digest({**_training_inputs(cfg, train_settings(cfg)), "device": cfg.device, "threads": cfg.threads})


def _path(cache_dir: Path, key: str) -> Path:
    return Path(cache_dir) / "first_models" / f"{key}.safetensors"


def _forget(path: Path, why: str) -> None:
    """Warn about a damaged stored first model and (on rank 0 only) remove it; iteration 1 is trained again."""
    warnings.warn(f"first-model cache {path} is damaged ({why}); training iteration 1 again", RuntimeWarning, stacklevel=3)
    if os.environ.get("RANK", "0") == "0":
        path.unlink(missing_ok=True)
        path.with_suffix(".json").unlink(missing_ok=True)


def load_first_model(model, cache_dir: Path, key: str) -> bool:
    """Load the stored weights of ``key`` into ``model``; False (model untouched) when none are stored, or when the
    stored file does not match the size and sha256 recorded beside it (it is then removed, with a warning)."""
    from safetensors.torch import load_file

    path = _path(cache_dir, key)
    if not path.is_file():
        return False
    problems = manifest_problems(path.parent, _recorded(path))
    if problems:
        _forget(path, problems[0])
        return False
    try:
        state = load_file(path)
    except Exception as err:  # safetensors raises its own error types for a bad header
        _forget(path, f"{type(err).__name__}: {err}")
        return False
    model.load_state_dict(state, strict=True)
    return True


def _recorded(path: Path) -> dict:
    """The size and sha256 recorded for a stored first model (a missing or unreadable record fails every check)."""
    try:
        return read_json(path.with_suffix(".json"))
    except (OSError, ValueError):
        return {path.name: {"size": -1, "sha256": ""}}


def store_first_model(model, cache_dir: Path, key: str) -> None:
    """Store ``model``'s weights under ``key`` (atomically), with their size and sha256 beside them: the record first,
    from the bytes in memory, so a reader never finds new weights without their record."""
    from safetensors.torch import save

    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    path, data = _path(cache_dir, key), save(state)
    atomic_write_json(path.with_suffix(".json"), {path.name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}})
    atomic_write_bytes(path, data)
