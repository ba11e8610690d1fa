"""Profiles: the parameters a notebook runs with at ``smoke`` (its own defaults), ``cpu`` or ``paper``.

``params/<profile>/common.yaml`` holds values for every notebook that declares them and
``params/<profile>/<notebook>.yaml`` a notebook's own (it wins). They reach a notebook only through papermill.
A profile whose common.yaml says ``inherits: <other>`` starts from the other profile's values and changes only
the keys it sets (dicts such as ``base`` key by key): ``rehearsal`` is ``paper`` scaled down.
The smoke values live here once: a notebook's parameters cell says ``base = None`` and ``execution = {}``, and
``Chapter.run`` fills them in with ``notebook_base`` and ``execution`` (papermill still overrides both). A base
names only the RunConfig values it changes from RunConfig's own defaults (the tests check it), and a notebook's
own file changes the common base key by key (``base: {train_steps: 3000}``).
The book build, the cost plan and the tests merge profiles through this module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import yaml

from .paths import project_root

PROFILES = ("smoke", "cpu", "paper", "rehearsal")
#: profiles on the paper's code path: the book build checks what they need before it trains anything (``preflight``)
PREFLIGHT_PROFILES = ("paper", "rehearsal")
#: what the rehearsal profile may change of the paper profile it inherits (sizes, iterations, training length,
#: sample counts and sampler steps, and where data, weights and the device are); everything else is paper's
REHEARSAL_CHANGES = frozenset({
    "sizes", "iterations", "n_train", "seeds", "epochs", "train_steps", "batch_size", "sample_steps", "sample_batch",
    "measure_samples", "generate", "data_root", "dinov2_path", "inception_path", "device", "precision"})

#: what every notebook's runs change from RunConfig's defaults at the smoke profile (seconds per notebook on a laptop)
SMOKE_BASE = {
    "width": 64, "blocks": 2, "train_steps": 150, "batch_size": 128, "lr": 0.002, "warmup_steps": 20,
    "prediction": "x0", "noise_schedule": "cosine", "sample_steps": 20, "quantize_samples": True, "threads": 2,
}
#: how runs execute unless a profile says otherwise: one at a time on this machine
EXECUTION = {"workers": 1, "executor": "local", "executor_options": {}}


def notebook_base(base: dict | None) -> dict:
    """A notebook's shared RunConfig values: the profile's ``base`` (None: ``SMOKE_BASE``)."""
    return dict(SMOKE_BASE if base is None else base)


def resolved_base(base: dict | None) -> dict:
    """A base with every RunConfig value it does not name at RunConfig's default (what its runs share)."""
    import dataclasses

    from .loop.config import RunConfig

    defaults = {f.name: f.default for f in dataclasses.fields(RunConfig)}
    return {**defaults, **notebook_base(base)}


def execution(options: dict | None) -> dict:
    """How a notebook's runs execute (keyword arguments of ``experiments.run_experiment``): ``EXECUTION`` with a
    profile's ``execution`` values applied; ``workers: auto`` is one worker per core (runs that train on one thread
    each, so no number depends on it); an unknown key is refused."""
    import os

    unknown = sorted(set(options or {}) - set(EXECUTION))
    if unknown:
        raise ValueError(f"execution: unknown keys {unknown}; known: {sorted(EXECUTION)}")
    out = {**EXECUTION, **(options or {})}
    if out["workers"] == "auto":
        out["workers"] = max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    return out


def params_dir(profile: str) -> Path:
    return project_root(Path(__file__).parent) / "params" / profile


def _yaml(path: Path) -> dict:
    return (yaml.safe_load(path.read_text()) or {}) if path.is_file() else {}


def overlay(below: dict, above: dict) -> dict:
    """``below`` with ``above``'s values; a dict value (``base``, ``execution``) is overlaid key by key."""
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
    return overlay(below_common, common), overlay(below_own, own)


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
    return {**overlay(common, own), "profile": profile}


def notebook_defaults(name: str) -> dict:
    """The values of a notebook's parameters cell (its smoke defaults), read from its source without running it."""
    lines, inside = [], False
    for line in (project_root(Path(__file__).parent) / "notebooks" / f"{name}.py").read_text().splitlines():
        if line.startswith("# %%"):
            if inside:
                break
            inside = 'tags=["parameters"]' in line
        elif inside:
            lines.append(line)
    return {node.targets[0].id: ast.literal_eval(node.value) for node in ast.parse("\n".join(lines)).body
            if isinstance(node, ast.Assign)}


def notebook_parameters(profile: str, name: str) -> dict:
    """The parameters a notebook runs with at a profile: its own defaults at smoke, the profile's files otherwise."""
    return notebook_defaults(name) if profile == "smoke" else profile_parameters(profile, name)


def run_parameters(profile: str, name: str) -> tuple[dict, dict]:
    """(the RunConfig base, the chapter's run parameters) a notebook runs with at a profile, as ``Chapter.run`` takes
    them (the cost plan counts runs with it)."""
    kw = dict(notebook_parameters(profile, name))
    base = notebook_base(kw.pop("base", None))
    for key in ("profile", "execution"):
        kw.pop(key, None)
    return base, kw
