"""What the book records, and reads back: ``results/<profile>/<chapter>.json`` (a chapter's key numbers) and the
tidy ``results/<profile>/metrics.csv`` (a row per run and iteration)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .files import atomic_write_json, atomic_write_text, read_json
from .loop.store import BOOKKEEPING
from .paths import results_dir

#: the order metrics.csv shows its first columns in (display only: the table carries every column a run's
#: rows have, so a metric that ``measure`` starts to record appears without a change here)
COLUMN_ORDER = ("experiment", "paradigm", "selector", "n_train", "seed", "iteration", "gs", "entropy", "mnnd",
                "cov_trace", "fd", "real_share", "within_class_nnd", "train_within_class_nnd", "alpha", "pool_factor",
                "guidance", "gen_entropy", "gen_mnnd", "gen_cov_trace", "memorized_share", "gs_ratio", "trace_ratio",
                "fd_floor", "fd_noise", "distinct_share", "spikiness", "stable_rank", "real_within_class_nnd", "run")
#: what names one series of rows (a run's iterations); no two rows of metrics.csv share these and the iteration
SERIES_COLUMNS = ("experiment", "paradigm", "selector", "n_train", "seed", "alpha", "pool_factor", "guidance",
                  "quantize_samples")


def jsonable(obj):
    """``obj`` as JSON writes it: keys as strings, numpy numbers as Python ones, NaN and infinities as None."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        return None if not np.isfinite(obj) else float(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def write_results(profile: str, notebook: str, results: dict) -> Path:
    """Write one chapter's key numbers as JSON (NaN becomes null)."""
    path = results_dir(profile) / f"{notebook}.json"
    atomic_write_json(path, jsonable({"notebook": notebook, "profile": profile, **results}))
    return path


def read_results(profile: str, root: Path | None = None) -> dict[str, dict]:
    """Every chapter's results JSON of a profile, by chapter name."""
    folder = Path(root) / profile if root else results_dir(profile)
    return {p.stem: read_json(p) for p in sorted(folder.glob("*.json"))}


def _readable_table(path: Path) -> pd.DataFrame | None:
    """The profile's table as stored, or None when there is none; a damaged one (cut short, not CSV) is named in a
    warning and started afresh (a whole book build writes every row again)."""
    if not path.is_file():
        return None
    try:
        old = pd.read_csv(path)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as err:
        warnings.warn(f"{path} is damaged ({type(err).__name__}); starting it afresh from these runs", RuntimeWarning,
                      stacklevel=3)
        return None
    if not {"experiment", "iteration"} <= set(old.columns):
        warnings.warn(f"{path} is damaged (no experiment/iteration columns); starting it afresh", RuntimeWarning,
                      stacklevel=3)
        return None
    return old


def update_metrics_table(profile: str, table: pd.DataFrame) -> Path:
    """Write a chapter's rows into results/<profile>/metrics.csv: every measured column of its runs' tables (not the
    ``BOOKKEEPING`` of how they were computed, so a rebuild from the cache writes the same file).

    The rows replace every earlier row of the same experiment (one chapter runs each experiment, so a rerun with
    fewer sizes or seeds leaves none of the old ones behind for the chapters that read it); other experiments' rows
    are kept.
    """
    path = results_dir(profile) / "metrics.csv"
    rows = table.drop(columns=[c for c in BOOKKEEPING if c in table])
    old = _readable_table(path)
    if old is not None:
        old = old[~old["experiment"].isin(set(rows["experiment"]))]
        rows = pd.concat([old, rows], ignore_index=True) if len(old) else rows
    first = [c for c in COLUMN_ORDER if c in rows]
    rows = rows[first + [c for c in rows.columns if c not in first]]
    rows = rows.sort_values(["experiment", "paradigm", "selector", "n_train", "alpha", "seed", "iteration"])
    atomic_write_text(path, rows.to_csv(index=False))
    return path


def read_metrics_table(profile: str, experiment: str, *, by: str = "") -> pd.DataFrame:
    """The rows of one experiment in results/<profile>/metrics.csv, as its chapter wrote them; ``by`` names the
    chapter that reads them for the error raised when there are none."""
    path = results_dir(profile) / "metrics.csv"
    table = _readable_table(path)
    rows = table[table["experiment"] == experiment] if table is not None else None
    if rows is None or rows.empty:
        reader = f"{by} reads" if by else "reading"
        raise FileNotFoundError(f"{reader} the {experiment!r} runs, but {path} holds none: build the chapter that "
                                "runs them first")
    return rows.reset_index(drop=True)


def source_shares(run_dir: Path, iterations: int) -> pd.DataFrame:
    """Share of each source (0 = real, j = generation j) in every D_n of a run (Fig. 11)."""
    rows = []
    for n in range(1, iterations + 1):
        m = json.loads((Path(run_dir) / f"iter_{n:02d}" / "metrics.json").read_text())
        rows += [{"iteration": n, "source": int(s), "share": v} for s, v in m["source_share"].items()]
    return pd.DataFrame(rows)
