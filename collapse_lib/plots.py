"""Figures the notebooks show (seaborn/matplotlib); each returns its matplotlib Figure."""

from __future__ import annotations

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd
import seaborn as sns

sns.set_theme(style="whitegrid", context="notebook")


def metric_over_iterations(table: pd.DataFrame, metric: str, *, hue: str, col: str | None = None,
                           log: bool = False, ylabel: str | None = None, ref_line: float | None = None):
    """Mean over seeds (band: min..max) of one metric per iteration, one line per ``hue`` value."""
    data = table.dropna(subset=[metric])
    g = sns.relplot(data=data, x="iteration", y=metric, hue=hue, col=col, kind="line", marker="o",
                    errorbar=("pi", 100), height=3.4, aspect=1.25, palette="viridis" if hue == "n_train" else None,
                    facet_kws={"sharey": False})
    for ax in g.axes.flat:
        if log:
            ax.set_yscale("log")
        if ref_line is not None:
            ax.axhline(ref_line, color="grey", ls="--", lw=1, label="real data")
        ax.set_ylabel(ylabel or metric)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    return g.figure


def _to_image(x: np.ndarray) -> np.ndarray:
    x = (np.clip(x, -1, 1) + 1) / 2
    return x[0] if x.shape[0] == 1 else np.transpose(x, (1, 2, 0))


def image_pairs(top: np.ndarray, bottom: np.ndarray, *, titles=("generated", "nearest training image"), suptitle=""):
    """Two rows of images: each generated sample above its nearest training image."""
    k = len(top)
    fig, axes = plt.subplots(2, k, figsize=(1.1 * k, 2.6))
    for j in range(k):
        for row, imgs in enumerate((top, bottom)):
            ax = axes[row, j]
            ax.imshow(_to_image(imgs[j]), cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[0, 0].set_ylabel(titles[0], fontsize=7)
        axes[1, 0].set_ylabel(titles[1], fontsize=7)
    fig.suptitle(suptitle, fontsize=9)
    return fig


def image_grid(rows: list[np.ndarray], row_labels: list[str], *, suptitle: str = ""):
    """A grid with one row of images per entry of ``rows``."""
    k = max(len(r) for r in rows)
    fig, axes = plt.subplots(len(rows), k, figsize=(0.9 * k, 0.95 * len(rows)), squeeze=False)
    for i, imgs in enumerate(rows):
        for j in range(k):
            ax = axes[i, j]
            ax.set_xticks([])
            ax.set_yticks([])
            if j < len(imgs):
                ax.imshow(_to_image(imgs[j]), cmap="gray", vmin=0, vmax=1)
            else:
                ax.axis("off")
        axes[i, 0].set_ylabel(row_labels[i], fontsize=7, rotation=0, ha="right", va="center")
    fig.suptitle(suptitle, fontsize=9)
    return fig


def scatter_with_r(table: pd.DataFrame, x: str, y: str, *, stats: dict, logy: bool = False, hue: str = "n_train",
                   ax=None, xlabel=None, ylabel=None):
    """Scatter of two per-iteration quantities with the Pearson r and its CI in the title."""
    if ax is None:
        _, ax = plt.subplots(figsize=(4.6, 3.6))
    sns.scatterplot(data=table, x=x, y=y, hue=hue, style="iteration" if "iteration" in table else None,
                    palette="viridis", ax=ax, s=50)
    if logy:
        ax.set_yscale("log")
    ax.set_title(f"Pearson r = {stats['r']:.2f} (95% CI {stats['ci_low']:.2f}..{stats['ci_high']:.2f})", fontsize=9)
    ax.set_xlabel(xlabel or x)
    ax.set_ylabel(ylabel or y)
    ax.legend(fontsize=6, ncol=2)
    return ax.figure


def svd_projection(real: np.ndarray, generated: dict[int, np.ndarray]):
    """Points projected on the first two right-singular vectors of the (centred) real set."""
    real = real.reshape(len(real), -1)
    mean = real.mean(0)
    basis = np.linalg.svd(real - mean, full_matrices=False)[2][:2].T
    fig, axes = plt.subplots(1, len(generated), figsize=(3.6 * len(generated), 3.4), squeeze=False)
    for ax, (n, g) in zip(axes[0], generated.items(), strict=True):
        r2, g2 = (real - mean) @ basis, (g.reshape(len(g), -1) - mean) @ basis
        ax.scatter(r2[:, 0], r2[:, 1], s=6, alpha=0.4, label="real", color="tab:blue")
        ax.scatter(g2[:, 0], g2[:, 1], s=6, alpha=0.6, label=f"generated, iteration {n}", color="tab:orange")
        ax.set_title(f"iteration {n}", fontsize=9)
        ax.legend(fontsize=7)
    return fig


def source_share_bars(shares: pd.DataFrame, *, title: str = "", ax=None):
    """Stacked bars: each source's share of D_n per iteration, with the uniform 1/n line for real data."""
    if ax is None:
        _, ax = plt.subplots(figsize=(4.4, 3.2))
    wide = shares.pivot_table(index="iteration", columns="source", values="share", fill_value=0.0)
    bottom = np.zeros(len(wide))
    colors = sns.color_palette("tab10", n_colors=max(10, wide.shape[1]))
    for j, src in enumerate(wide.columns):
        label = "real" if src == 0 else f"generation {src}"
        ax.bar(wide.index, wide[src], bottom=bottom, color=colors[j], label=label, width=0.7)
        bottom += wide[src].to_numpy()
    it = np.asarray(wide.index, float)
    ax.plot(it, 1 / it, color="red", marker="o", lw=1.5, label="1/n")
    ax.set_xlabel("iteration n")
    ax.set_ylabel("share of D_n")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=6, loc="upper right")
    return ax.figure


def nearest_training_pairs(run_dir, iteration: int, *, k: int = 8, featurize=None):
    """Fig. 1 (left): k generated samples of one iteration above their nearest images in that iteration's D_n."""
    from .loop.runner import load_iteration
    from .neighbors import knn

    d_n, g_n = load_iteration(run_dir, iteration)
    featurize = featurize or (lambda x: x.reshape(len(x), -1))
    take = np.linspace(0, len(g_n) - 1, k).astype(int)
    dist, idx = knn(featurize(g_n.images[take]), featurize(d_n.images), 1)
    fig = image_pairs(g_n.images[take], d_n.images[idx[:, 0]],
                      suptitle=f"iteration {iteration}: mean distance to nearest training image {dist.mean():.2f}")
    return fig


def relative_trends(trend: pd.DataFrame, *, labels: dict[str, str]):
    """Several per-iteration quantities, each divided by its first value (Fig. 7's MNND vs covariance trace)."""
    fig, ax = plt.subplots(figsize=(4.8, 3.4))
    for col, label in labels.items():
        ax.plot(trend.index, trend[col] / trend[col].iloc[0], marker="o", label=label)
    ax.set_xlabel("iteration n")
    ax.set_ylabel("relative to iteration 1")
    ax.set_yscale("log")
    ax.legend(fontsize=8)
    return fig
