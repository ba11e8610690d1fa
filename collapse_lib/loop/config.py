"""A run's configuration: one frozen dataclass, validated as a whole when it is built, before any data is loaded.

This module imports no torch or diffusers (the names it checks come from ``choices``, ``data`` and the
``selection`` registry), so a bad config is refused in milliseconds.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import types
import typing
from dataclasses import dataclass
from pathlib import Path

import yaml

from .. import selection
from ..choices import DEVICES, FEATURES, LR_SCHEDULES, MODELS, PRECISIONS, PREDICTIONS, SAMPLERS, SCHEDULES
from ..data import DATASET_SIZES, DATASETS
from ..settings import TrainSettings

PARADIGMS = ("replace", "accumulate", "accumulate-subsample")
#: the training defaults live in ``TrainSettings``; a run config starts from them
_TRAIN = TrainSettings()
#: keys that cannot change any number of a run (left out of its hash, so the run cache still finds it)
UNHASHED = ("save_models",)
#: config keys copied into each row of a run's tidy table (they say which run a row comes from)
TABLE_KEYS = ("name", "dataset", "paradigm", "selector", "n_train", "seed", "pool_factor", "conditional",
              "guidance", "alpha", "quantize_samples", "model", "train_steps", "select_feature", "tau")


class ConfigError(ValueError):
    """A configuration with one or more problems (all listed in the message)."""


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines a self-consuming run (its hash names the run folder)."""

    name: str = "run"  # prefix of the run folder
    seed: int = 0  # one seed: data subset, training, sampling and selection derive from it
    # data
    dataset: str = "digits"  # digits | mnist | cifar10 | imagefolder
    data_root: str | None = None  # folder with the dataset's files (cifar10, imagefolder)
    image_size: int | None = None  # resize/pad images to this side length
    n_train: int = 128  # N = |D_n|, the training-set size of every iteration
    subset_seed: int = 0  # seed of the nested real subsets (the sizes of one seed nest; the book gives each seed its own)
    # the loop
    iterations: int = 2  # training/generation cycles
    paradigm: str = "replace"  # replace | accumulate | accumulate-subsample
    selector: str = "random"  # a name of the selection registry: random (vanilla) | greedy | threshold | all
    pool_factor: float = 1.0  # replace: generate pool_factor * N and select N
    generate: int | None = None  # samples per iteration (default: pool_factor * N)
    tau: float | str | None = None  # threshold filter's initial threshold: a number, a rule (radius), or None (twice-median-nn)
    alpha: float = 0.9  # threshold filter: decay factor
    real_schedule: list | None = None  # the "matched" selector: share of real images in D_2, D_3, ... (one per iteration)
    select_feature: str = "pixel"  # feature space the selector measures distances in
    metric_feature: str = "pixel"  # feature space of GS, entropy, MNND, covariance trace
    fd_feature: str | None = "pixel"  # feature space of the Fréchet distance to the real set (None: skip)
    dinov2_path: str = "facebook/dinov2-small"  # hub id or local folder
    inception_path: str | None = None  # a TorchScript FID feature extractor (None: torch-fidelity's Inception-v3)
    # denoiser and training
    model: str = "mlp"  # mlp | unet-small | unet-cifar | unet-mnist
    width: int = 256  # mlp width
    blocks: int = 3  # mlp residual blocks
    train_steps: int | None = _TRAIN.steps  # optimizer steps per iteration (or use epochs)
    epochs: int | None = None  # epochs over D_n (overrides train_steps)
    batch_size: int = _TRAIN.batch_size
    lr: float = _TRAIN.lr
    weight_decay: float = _TRAIN.weight_decay
    warmup_steps: int = _TRAIN.warmup_steps
    lr_schedule: str = _TRAIN.lr_schedule  # after warm-up: constant | cosine (decay to 0 at the last step)
    grad_clip: float | None = _TRAIN.grad_clip  # max gradient norm (null: no clipping)
    ema_decay: float | None = _TRAIN.ema_decay  # keep an EMA of the weights (e.g. 0.999) and sample from it
    prediction: str = "epsilon"  # what the denoiser outputs: epsilon (noise) | x0 (clean image) | v
    noise_schedule: str = "linear"  # linear betas 1e-4..0.02 | cosine (Nichol & Dhariwal 2021)
    precision: str = _TRAIN.precision  # fp32 | bf16 | fp16 (CUDA)
    # sampling
    sampler: str = "ddim"  # ddpm | ddim
    sample_steps: int = 100
    sample_batch: int = 1024
    measure_samples: int = 0  # images drawn per iteration for the Fréchet distance and KID only (0: the first N of G_n)
    # class-conditional + classifier-free guidance (Fig. 4)
    conditional: bool = False
    guidance: float = 1.0  # w in eps_u + w (eps_c - eps_u); 1 = plain conditional
    label_dropout: float = _TRAIN.label_dropout
    # execution
    device: str = "auto"  # auto | cpu | cuda
    threads: int | None = None  # torch CPU threads (None: leave as is)
    save_models: bool = True  # save each iteration's denoiser (DDPMPipeline layout); not part of the hash
    quantize_samples: bool = False  # round generated images to the dataset's grey levels (stored like the real images)

    def __post_init__(self):
        problems = config_problems(self)
        if problems:
            raise _invalid(problems)

    # ---- derived -------------------------------------------------------------------------------------
    @property
    def samples_per_iteration(self) -> int:
        if self.generate is not None:
            return self.generate
        return int(round(self.pool_factor * self.n_train))

    def config_hash(self) -> str:
        """Short hash of the resolved configuration (the run folder's key), without the ``UNHASHED`` keys."""
        values = {k: v for k, v in self.to_dict().items() if k not in UNHASHED}
        return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:10]

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def replace(self, **changes) -> RunConfig:
        return dataclasses.replace(self, **changes)


def _choices() -> dict[str, tuple]:
    return {"dataset": DATASETS, "paradigm": PARADIGMS, "selector": tuple(selection.SELECTORS), "model": MODELS,
            "select_feature": FEATURES, "metric_feature": FEATURES, "sampler": SAMPLERS, "precision": PRECISIONS,
            "device": DEVICES, "prediction": tuple(PREDICTIONS), "noise_schedule": tuple(SCHEDULES),
            "lr_schedule": LR_SCHEDULES}


def _declared_types(annotation) -> tuple:
    """The types a field's annotation names (``int | None`` -> (int, NoneType))."""
    union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    return typing.get_args(annotation) if union else (annotation,)


def _allowed_types(annotation) -> tuple[type, ...]:
    """The runtime types a field admits: the declared ones, and an int where a float is declared."""
    declared = _declared_types(annotation)
    return (*declared, int) if float in declared else declared


def _type_name(annotation) -> str:
    return " or ".join("null" if t is type(None) else t.__name__ for t in _declared_types(annotation))


def _type_problems(cfg: RunConfig) -> list[str]:
    problems = []
    for name, annotation in typing.get_type_hints(RunConfig).items():
        value, allowed = getattr(cfg, name), _allowed_types(annotation)
        ok = bool in allowed if isinstance(value, bool) else isinstance(value, allowed)
        if not ok:
            problems.append(f"{name}: expected {_type_name(annotation)}, got {value!r} ({type(value).__name__})")
    return problems


def _value_problems(c: RunConfig) -> list[str]:
    p = []
    for key, choices in _choices().items():
        if getattr(c, key) not in choices:
            p.append(f"{key}: {getattr(c, key)!r} is not one of {', '.join(choices)}")
    if c.fd_feature is not None and c.fd_feature not in FEATURES:
        p.append(f"fd_feature: {c.fd_feature!r} is not one of {', '.join(FEATURES)} (or null)")
    for key in ("n_train", "iterations", "batch_size", "sample_steps", "sample_batch", "width", "blocks"):
        if getattr(c, key) < 1:
            p.append(f"{key}: must be at least 1; got {getattr(c, key)}")
    if c.train_steps is None and c.epochs is None:
        p.append("train_steps or epochs: set one of them")
    for key in ("train_steps", "epochs", "generate", "threads"):
        if getattr(c, key) is not None and getattr(c, key) < 1:
            p.append(f"{key}: must be at least 1; got {getattr(c, key)}")
    if not 0 < c.alpha < 1:
        p.append(f"alpha: must lie strictly between 0 and 1; got {c.alpha}")
    if isinstance(c.tau, str) and c.tau not in selection.TAU_RULES:
        p.append(f"tau: {c.tau!r} is not a number or one of {', '.join(selection.TAU_RULES)}")
    elif c.tau is not None and not isinstance(c.tau, str) and not (math.isfinite(c.tau) and c.tau > 0):
        p.append(f"tau: must be > 0; got {c.tau}")
    if c.measure_samples < 0:
        p.append(f"measure_samples: must be at least 0; got {c.measure_samples}")
    p += _schedule_problems(c)
    if not c.pool_factor >= 1:
        p.append(f"pool_factor: must be at least 1; got {c.pool_factor}")
    if not 0 <= c.label_dropout < 1:
        p.append(f"label_dropout: must lie in [0, 1); got {c.label_dropout}")
    if c.lr <= 0:
        p.append(f"lr: must be > 0; got {c.lr}")
    if c.ema_decay is not None and not 0 < c.ema_decay < 1:
        p.append(f"ema_decay: must lie strictly between 0 and 1 (or null for no EMA); got {c.ema_decay}")
    if c.grad_clip is not None and not c.grad_clip > 0:
        p.append(f"grad_clip: must be > 0 (or null for no clipping); got {c.grad_clip}")
    return p


def _schedule_problems(c: RunConfig) -> list[str]:
    """The matched selector needs one real share in [0, 1] per iteration after the first; no other selector takes one."""
    wants = c.selector in selection.SELECTORS and selection.get(c.selector).needs_sources
    if c.real_schedule is None:
        return [f"real_schedule: selector {c.selector} needs one real share per iteration after the first"] if wants else []
    if not wants:
        return [f"real_schedule: only a selector that keeps a share of real images takes one (not {c.selector})"]
    shares = list(c.real_schedule)
    if len(shares) != c.iterations - 1 or not all(isinstance(s, (int, float)) and 0 <= s <= 1 for s in shares):
        return [f"real_schedule: expected {c.iterations - 1} shares in [0, 1] (iterations 2..{c.iterations}); got {shares}"]
    return []


def _size_problems(c: RunConfig) -> list[str]:
    p = []
    size = DATASET_SIZES.get(c.dataset)
    if size is not None and c.n_train > size:
        p.append(f"n_train: {c.n_train} exceeds the {size} images of {c.dataset}")
    if c.dataset in ("cifar10", "imagefolder") and not c.data_root:
        p.append(f"data_root: dataset {c.dataset} needs the folder that holds its files")
    if c.paradigm == "replace" and c.samples_per_iteration < c.n_train:
        p.append(f"generate: replace needs at least n_train={c.n_train} samples per iteration; "
                 f"got {c.samples_per_iteration}")
    measures = c.selector in selection.SELECTORS and selection.get(c.selector).needs_features
    if c.paradigm == "accumulate" and measures:
        p.append("selector: accumulate trains on everything; use accumulate-subsample to select")
    if c.conditional and measures and c.n_train % 10:
        p.append("n_train: class-balanced selection needs a multiple of 10")
    if c.generate is not None and c.pool_factor != 1.0:
        p.append("generate and pool_factor: set only one of them")
    return p


def config_problems(cfg: RunConfig) -> list[str]:
    """Every problem of a config (empty when it is valid): types first, then values and sizes."""
    return _type_problems(cfg) or (_value_problems(cfg) + _size_problems(cfg))


def _parse_override(item: str) -> tuple[str, object]:
    if "=" not in item:
        raise ConfigError(f"override {item!r}: expected KEY=VALUE")
    key, raw = item.split("=", 1)
    try:
        return key.strip(), yaml.safe_load(raw)
    except yaml.YAMLError:
        raise ConfigError(f"override {item!r}: the value is not valid YAML") from None


def _unknown_keys_error(unknown: list[str], known_values: dict) -> ConfigError:
    """One error listing the unknown keys and every other problem of the known ones."""
    try:
        RunConfig(**known_values)
        rest = []
    except ConfigError as err:
        rest = getattr(err, "problems", [str(err)])
    return _invalid([f"{k}: unknown key" for k in unknown] + rest)


def _invalid(problems: list[str]) -> ConfigError:
    """One problem on one line; several as a list, one per line."""
    if len(problems) == 1:
        err = ConfigError(f"invalid run configuration: {problems[0]}")
    else:
        err = ConfigError("invalid run configuration:\n" + "\n".join(f"  - {p}" for p in problems))
    err.problems = list(problems)
    return err


def from_dict(values: dict) -> RunConfig:
    """Build (and so validate) a RunConfig; unknown keys are errors (listed together with any other problem)."""
    known = {f.name for f in dataclasses.fields(RunConfig)}
    unknown = sorted(set(values) - known)
    kwargs = {k: v for k, v in values.items() if k in known}
    if unknown:
        raise _unknown_keys_error(unknown, kwargs)
    return RunConfig(**kwargs)


def load_config(source: str | Path | dict, overrides: list[str] | None = None) -> RunConfig:
    """Read a YAML file (or a dict), apply ``KEY=VALUE`` overrides, validate."""
    if isinstance(source, dict):
        values = dict(source)
    else:
        path = Path(source)
        if not path.is_file():
            raise ConfigError(f"config file not found: {path}")
        try:
            values = yaml.safe_load(path.read_text())
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            raise ConfigError(f"{path}: not valid YAML{where}: {getattr(err, 'problem', None) or err}") from None
        if values is None:
            raise ConfigError(f"{path}: the file is empty; a run config names at least its dataset and sizes "
                              "(see params/smoke/run.yaml)")
        if not isinstance(values, dict):
            raise ConfigError(f"{path}: expected a mapping of keys to values")
    for item in overrides or []:
        key, value = _parse_override(item)
        values[key] = value
    return from_dict(values)
