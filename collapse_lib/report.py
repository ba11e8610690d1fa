"""What notebooks record: ``results/<profile>/<notebook>.json`` and the tidy ``results/<profile>/metrics.csv``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from .loop.store import atomic_write_json, atomic_write_text
from .paths import results_dir

#: columns every row of metrics.csv has (empty where one does not apply)
TABLE_COLUMNS = ("experiment", "paradigm", "selector", "n_train", "seed", "iteration", "gs", "entropy", "mnnd",
                 "cov_trace", "fd", "real_share", "within_class_nnd", "train_within_class_nnd", "alpha", "pool_factor",
                 "guidance", "gen_entropy", "gen_mnnd", "gen_cov_trace", "run")


def _clean(obj):
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        return None if not np.isfinite(obj) else float(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def write_results(profile: str, notebook: str, results: dict) -> Path:
    """Write one notebook's key numbers as JSON (NaN becomes null)."""
    path = results_dir(profile) / f"{notebook}.json"
    atomic_write_json(path, _clean({"notebook": notebook, "profile": profile, **results}))
    return path


def update_metrics_table(profile: str, table: pd.DataFrame) -> Path:
    """Merge rows into results/<profile>/metrics.csv, replacing earlier rows of the same runs."""
    path = results_dir(profile) / "metrics.csv"
    rows = table.reindex(columns=list(TABLE_COLUMNS))
    if path.is_file():
        old = pd.read_csv(path)
        keep = ~(old["run"].isin(rows["run"]) & old["experiment"].isin(rows["experiment"]))
        rows = pd.concat([old[keep], rows], ignore_index=True)
    rows = rows.sort_values(["experiment", "paradigm", "selector", "n_train", "alpha", "seed", "iteration"])
    atomic_write_text(path, rows.to_csv(index=False))
    return path


def read_results(profile: str, root: Path | None = None) -> dict[str, dict]:
    """Every notebook's results JSON of a profile, by notebook name."""
    folder = Path(root) / profile if root else results_dir(profile)
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}


def source_shares(run_dir: Path, iterations: int) -> pd.DataFrame:
    """Share of each source (0 = real, j = generation j) in every D_n of a run (Fig. 11)."""
    rows = []
    for n in range(1, iterations + 1):
        m = json.loads((Path(run_dir) / f"iter_{n:02d}" / "metrics.json").read_text())
        rows += [{"iteration": n, "source": int(s), "share": v} for s, v in m["source_share"].items()]
    return pd.DataFrame(rows)


def _round(obj, digits: int = 3):
    if isinstance(obj, dict):
        return {k: _round(v, digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_round(v, digits) for v in obj]
    if isinstance(obj, float):
        return float(f"{obj:.{digits}g}")
    return obj


def describe(result: dict, digits: int = 3) -> str:
    """A finding's numbers as indented JSON, rounded to ``digits`` significant digits."""
    return json.dumps(_round(_clean(result), digits), indent=1, sort_keys=True)
