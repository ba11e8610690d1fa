"""Profiles: the parameters a notebook runs with at ``smoke`` (its own defaults), ``cpu`` or ``paper``.

``params/<profile>/common.yaml`` holds values for every notebook that declares them and
``params/<profile>/<notebook>.yaml`` a notebook's own (it wins). They reach a notebook only through papermill.
A profile whose common.yaml says ``inherits: <other>`` starts from the other profile's values and changes only
the keys it sets (dicts such as ``base`` key by key): ``rehearsal`` is ``paper`` scaled down.
The smoke values live here once: a notebook's parameters cell says ``base = None`` and ``execution = {}``, and
its first cell fills them in with ``notebook_base`` and ``execution`` (papermill still overrides both).
The book build, the benchmarks and the tests merge profiles through this module.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from .paths import project_root

PROFILES = ("smoke", "cpu", "paper", "rehearsal")
#: profiles on the paper's code path: the book build checks what they need before it trains anything (``preflight``)
PREFLIGHT_PROFILES = ("paper", "rehearsal")
#: what the rehearsal profile may change of the paper profile it inherits (sizes, iterations, training length,
#: sample counts and sampler steps, and where data, weights and the device are); everything else is paper's
REHEARSAL_CHANGES = frozenset({
    "sizes", "iterations", "n_train", "selection_iterations", "epochs", "train_steps", "batch_size", "sample_steps",
    "sample_batch", "generate", "data_root", "dinov2_path", "inception_path", "device", "precision"})

#: RunConfig values every notebook's runs share at the smoke profile (seconds per notebook on a laptop)
SMOKE_BASE = {
    "dataset": "digits", "model": "mlp", "width": 64, "blocks": 2, "train_steps": 150, "batch_size": 128,
    "lr": 0.002, "warmup_steps": 20, "prediction": "x0", "noise_schedule": "cosine", "sampler": "ddim",
    "sample_steps": 20, "quantize_samples": True, "threads": 2, "fd_feature": "pixel", "save_models": True,
}
#: how runs execute unless a profile says otherwise: one at a time on this machine
EXECUTION = {"workers": 1, "executor": "local", "executor_options": {}}


def notebook_base(base: dict | None, changes: dict | None = None) -> dict:
    """A notebook's shared RunConfig values: the profile's ``base`` (None: ``SMOKE_BASE``) with ``changes`` applied."""
    return {**(SMOKE_BASE if base is None else base), **(changes or {})}


def execution(options: dict | None) -> dict:
    """How a notebook's runs execute (keyword arguments of ``experiments.run_experiment``): ``EXECUTION`` with a
    profile's ``execution`` values applied; an unknown key is refused."""
    unknown = sorted(set(options or {}) - set(EXECUTION))
    if unknown:
        raise ValueError(f"execution: unknown keys {unknown}; known: {sorted(EXECUTION)}")
    return {**EXECUTION, **(options or {})}


def params_dir(profile: str) -> Path:
    return project_root(Path(__file__).parent) / "params" / profile


def _yaml(path: Path) -> dict:
    return (yaml.safe_load(path.read_text()) or {}) if path.is_file() else {}


def _overlay(below: dict, above: dict) -> dict:
    """``below`` with ``above``'s values; a dict value (``base``, ``base_changes``) is overlaid key by key."""
    out = dict(below)
    for key, value in above.items():
        out[key] = {**out[key], **value} if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _layers(profile: str, name: str | None) -> tuple[dict, dict]:
    """(common values, the notebook's own values) of a profile, its parent's first when it inherits one."""
    common = _yaml(params_dir(profile) / "common.yaml")
    own = _yaml(params_dir(profile) / f"{name}.yaml") if name else {}
    parent = common.pop("inherits", None)
    if parent is None:
        return common, own
    if parent not in PROFILES or parent == profile:
        raise ValueError(f"params/{profile}/common.yaml: inherits {parent!r}, which is not another profile")
    below_common, below_own = _layers(parent, name)
    return _overlay(below_common, common), _overlay(below_own, own)


def common_parameters(profile: str) -> dict:
    """params/<profile>/common.yaml (over its parent's, when it inherits one): values for every notebook that
    declares them."""
    return _layers(profile, None)[0]


def profile_parameters(profile: str, name: str, declared: set[str] | None = None) -> dict:
    """The common values merged with params/<profile>/<name>.yaml (the latter wins), plus ``profile``.

    With ``declared`` (the notebook's parameter names), common values the notebook does not declare are left
    out: a page that reads only results takes no denoiser settings.
    """
    common, own = _layers(profile, name)
    if declared is not None:
        common = {k: v for k, v in common.items() if k in declared}
    params = _overlay(common, own)
    if profile != "smoke" and not params:
        raise ValueError(f"no parameters for {name} in params/{profile}/")
    return {**params, "profile": profile}


def run_parameters(profile: str, name: str) -> tuple[dict, dict]:
    """(the RunConfig base, the experiment builder's keyword arguments) a notebook runs with at a profile: what the
    notebook itself computes from its parameters (the cost benchmark counts runs with it)."""
    kw = profile_parameters(profile, name)
    base = notebook_base(kw.pop("base", None), kw.pop("base_changes", None))
    for key in ("profile", "execution"):
        kw.pop(key, None)
    return base, kw
