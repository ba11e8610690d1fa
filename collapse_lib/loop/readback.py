"""Reading runs back: a run's config, each iteration's D_n and G_n, its stored denoisers and its tidy table.

Nothing here trains or samples; everything is rebuilt from what the run folder stores (training-set provenance,
samples, models, ``metrics.json``), so notebooks and the CLI read finished runs without re-running them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..data import load_dataset
from ..files import atomic_write_text, read_json
from . import store
from .config import TABLE_KEYS, RunConfig, from_dict
from .measure import is_current
from .paradigms import Pool


def load_run_config(run_dir: str | Path) -> RunConfig:
    """The RunConfig stored in a run folder."""
    return from_dict(read_json(Path(run_dir) / "config.json")["config"])


def stored_metrics(run_dir: str | Path, n: int) -> dict:
    """Iteration n's ``metrics.json``."""
    return read_json(store.iteration_dir(run_dir, n) / store.METRICS_FILE)


def reuse_problem(run_dir: str | Path, n: int, cfg: RunConfig, *, full: bool = False) -> str | None:
    """Why iteration n of a run of ``cfg`` cannot be reused as it is (None: it can): not finished, a file damaged
    (``store.iteration_problems``), or no model where the config saves models."""
    if not store.is_finished(run_dir, n):
        return "not finished"
    problems = store.iteration_problems(run_dir, n, full=full)
    if problems:
        return problems[0]
    if cfg.save_models and not (store.iteration_dir(run_dir, n) / "model").is_dir() and not store.models_left_out(run_dir):
        return "no saved model"
    return None


def _table_intact(path: Path, iterations: int) -> bool:
    """The run's metrics.csv holds a header with ``iteration`` and one row per iteration (not cut short)."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return False
    return len(lines) == iterations + 1 and "iteration" in lines[0].split(",")


def _stats_intact(path: Path, iterations: int) -> bool:
    """The run's stats.jsonl holds one JSON line per iteration."""
    try:
        lines = path.read_text().splitlines()
        return len(lines) == iterations and all(isinstance(json.loads(line), dict) for line in lines)
    except (OSError, ValueError):
        return False


def is_complete(run_dir: str | Path, cfg: RunConfig, *, full: bool = False) -> bool:
    """Every iteration of the run finished, intact and measured by the current metrics, and its table and stats
    log written whole (a damaged table or log is rewritten from the iterations by the runner)."""
    run_dir = Path(run_dir)
    for n in range(1, cfg.iterations + 1):
        if reuse_problem(run_dir, n, cfg, full=full) is not None or not is_current(stored_metrics(run_dir, n)):
            return False  # the runner re-measures a stale iteration
    return _table_intact(run_dir / "metrics.csv", cfg.iterations) and _stats_intact(run_dir / "stats.jsonl", cfg.iterations)


def load_generation(run_dir: str | Path, n: int, name: str = "samples") -> Pool:
    """G_n as the run stored it (``name``: "samples"; or a set drawn for measurement only, "measure" or "gate")."""
    z = np.load(store.iteration_dir(run_dir, n) / f"{name}.npz")
    return Pool.generated(z["images"], z["labels"], n)


def extra_sets(run_dir: str | Path, n: int) -> dict[str, Pool]:
    """The sets iteration n drew for measurement only, as stored (``measure``, ``gate``; none for runs without)."""
    folder = store.iteration_dir(run_dir, n)
    return {name: load_generation(run_dir, n, name) for name in ("measure", "gate") if (folder / f"{name}.npz").is_file()}


def training_set(data, ids, generation) -> Pool:
    """D_n rebuilt from its provenance (``ids``: source, index, labels); ``generation(j)`` returns G_j."""
    images = np.empty((len(ids["source"]), *data.images.shape[1:]), np.float32)
    for s in np.unique(ids["source"]):
        rows = ids["source"] == s
        if s == 0:
            images[rows] = data.to_float(np.searchsorted(data.ids, ids["index"][rows]))
        else:
            images[rows] = generation(int(s)).images[ids["index"][rows]]
    return Pool(images, ids["labels"], ids["source"], ids["index"])


def stored_training_set(run_dir: str | Path, n: int, data, generation) -> Pool:
    """D_n of a finished iteration, from its ``train_set.npz``."""
    return training_set(data, np.load(store.iteration_dir(run_dir, n) / "train_set.npz"), generation)


def load_iteration(run_dir: str | Path, n: int) -> tuple[Pool, Pool]:
    """(D_n, G_n) of a finished iteration, images in [-1, 1], rebuilt from the stored provenance."""
    cfg = load_run_config(run_dir)
    data = load_dataset(cfg.dataset, root=cfg.data_root, image_size=cfg.image_size)
    d_n = stored_training_set(run_dir, n, data, lambda j: load_generation(run_dir, j))
    return d_n, load_generation(run_dir, n)


def stored_model(run_dir: str | Path, n: int):
    """(denoiser, noise schedule) of iteration n as saved in the run folder, ready to call (None when the run
    saved no models): an EDM-preconditioned run's network comes back inside its preconditioning."""
    from ..diffusion import load_trained

    folder = store.iteration_dir(run_dir, n) / "model"
    return load_trained(folder) if folder.is_dir() else None


def write_table(run_dir: str | Path, cfg: RunConfig):
    """The run's tidy table (``metrics.csv``): one row per iteration, the ``TABLE_KEYS`` of its config first, then
    every number ``measure`` recorded (a dict-valued entry such as ``source_share`` stays in metrics.json)."""
    import pandas as pd

    rows = []
    for n in range(1, cfg.iterations + 1):
        m = {k: v for k, v in stored_metrics(run_dir, n).items() if not isinstance(v, dict | list)}
        rows.append({**{k: getattr(cfg, k) for k in TABLE_KEYS}, "run": Path(run_dir).name, **m})
    table = pd.DataFrame(rows)
    atomic_write_text(Path(run_dir) / "metrics.csv", table.to_csv(index=False))
    return table


def write_stats(run_dir: str | Path, upto: int) -> None:
    """``stats.jsonl``: one line per iteration 1..``upto``, each that iteration's metrics.json (rewritten whole, so a
    recomputed iteration replaces its line and no line appears twice)."""
    lines = [json.dumps(stored_metrics(run_dir, n), sort_keys=True) for n in range(1, upto + 1)
             if (store.iteration_dir(run_dir, n) / store.METRICS_FILE).is_file()]
    atomic_write_text(Path(run_dir) / "stats.jsonl", "".join(line + "\n" for line in lines))


def read_runs(run_dirs):
    """Concatenate the tidy tables of several finished runs."""
    import pandas as pd

    return pd.concat([pd.read_csv(Path(d) / "metrics.csv") for d in run_dirs], ignore_index=True)
