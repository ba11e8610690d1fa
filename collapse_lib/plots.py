"""Figures the notebooks show (matplotlib/seaborn); each returns its matplotlib Figure.

One look across the book: a colour-blind-safe palette with one fixed colour per selector and an ordered
sequential palette for training-set sizes (sorted as numbers), legends outside the axes at 9 pt, mathtext
axis labels, and the paper's own number drawn beside ours where the paper states one.
"""

from __future__ import annotations

import matplotlib.colors
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd
import seaborn as sns

from . import selection

sns.set_theme(style="whitegrid", context="notebook", rc={"legend.fontsize": 9, "axes.titlesize": 10,
                                                        "axes.labelsize": 10, "xtick.labelsize": 9, "ytick.labelsize": 9})

_CB = sns.color_palette("colorblind")
PAPER_COLOR = "0.35"
#: axis labels of the tidy table's columns
LABELS = {
    "gs": r"$\mathrm{GS}(n)$", "entropy": r"$\hat H(\mathcal{D}_n)$ (nats)", "fd": "Fréchet distance to the real set",
    "memorized_share": r"near-copy share of $\mathcal{G}_n$",
    "trace_ratio": r"$\mathrm{tr}\,\Sigma(\mathcal{G}_n)\,/\,\mathrm{tr}\,\Sigma(\mathcal{D}_1)$",
    "gs_ratio": r"$\mathrm{GS}(n)\,/\,\mathrm{MNND}(\mathcal{D}_n)$", "mnnd": r"$\mathrm{MNND}(\mathcal{D}_n)$",
    "cov_trace": r"$\mathrm{tr}\,\Sigma(\mathcal{D}_n)$", "real_share": r"real share of $\mathcal{D}_n$",
    "within_class_nnd": r"within-class NND of $\mathcal{G}_n$", "train_within_class_nnd": r"within-class NND of $\mathcal{D}_n$",
    "spikiness": r"mean spikiness on $\mathcal{G}_n$", "stable_rank": "mean stable rank of the weights",
}


def size_colors(sizes) -> dict:
    """A colour per training-set size, light to dark in numeric order (the same size, the same colour)."""
    sizes = sorted({int(s) for s in sizes})
    cmap = plt.get_cmap("viridis")
    return {n: cmap(0.85 - 0.75 * i / max(1, len(sizes) - 1)) for i, n in enumerate(sizes)}


def _hue_style(table: pd.DataFrame, hue: str) -> tuple[list, dict, dict]:
    """The hue values in reading order, their colours and their legend names."""
    if hue == "n_train":
        values = sorted(int(v) for v in table[hue].unique())
        return values, size_colors(values), {v: f"N = {v}" for v in values}
    if hue == "selector":
        present = set(table[hue])
        for name in present:
            selection.get(name)  # an unregistered selector raises instead of vanishing from the figure
        values = [s for s in selection.SELECTORS if s in present]
        return values, {s: selection.get(s).color for s in values}, {s: selection.get(s).label for s in values}
    values = sorted(table[hue].unique(), key=str)
    return values, _variant_palette(values), {v: str(v) for v in values}


def _variant_palette(values: list) -> dict:
    """Colours for free-form labels: 'vanilla' keeps its selector colour; variants of one selector (e.g.
    'threshold, α = 0.5', 'threshold, α = 0.9') take light-to-dark shades of that selector's colour."""
    vanilla = selection.get("random")
    palette = {v: vanilla.color for v in values if v == vanilla.label}
    others = [v for v in values if v not in palette]
    family = [s for s in selection.SELECTORS.values() if others and all(str(v).startswith(s.label.split()[0]) for v in others)]
    if family:
        shades = sns.dark_palette(family[0].color, len(others) + 2, reverse=True)[: len(others)]
    else:
        taken = matplotlib.colors.to_rgb(vanilla.color)
        shades = [c for c in sns.color_palette("colorblind", len(others) + 1) if not np.allclose(c, taken, atol=0.01)]
    palette.update(zip(others, shades, strict=False))
    return palette


def log_axis(ax) -> None:
    """A log-scale y axis labelled with plain numbers (0.5, 2, 40) rather than powers of ten."""
    ax.set_yscale("log")
    plain = matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}")
    ax.yaxis.set_major_formatter(plain)
    ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())


def legend_outside(ax, **kwargs) -> None:
    """The axes' legend to the right of the plot, 9 pt, without a frame."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0, frameon=False, fontsize=9, **kwargs)


def _lines(ax, table: pd.DataFrame, metric: str, hue: str, floor: str | None) -> None:
    values, colors, names = _hue_style(table, hue)
    for v in values:
        g = table[table[hue] == v].groupby("iteration")[metric].agg(["mean", "min", "max"])
        ax.plot(g.index, g["mean"], marker="o", ms=4, color=colors[v], label=names[v])
        if (g["max"] > g["min"]).any():
            ax.fill_between(g.index, g["min"], g["max"], color=colors[v], alpha=0.18, lw=0)
        if floor is not None:
            ax.axhline(table.loc[table[hue] == v, floor].mean(), color=colors[v], ls="--", lw=1)


def metric_over_iterations(table: pd.DataFrame, metric: str, *, hue: str, col: str | None = None, log: bool = False,
                           ylabel: str | None = None, ref_lines: dict[str, float] | None = None,
                           floor: str | None = None, noise: str | None = None, title: str | None = None):
    """Mean over seeds (band: min..max over seeds) of one metric per iteration, one line per ``hue`` value.

    ``ref_lines``: label -> y drawn as grey lines; ``floor``: a column drawn as a dashed line in each hue's
    colour (e.g. ``fd_floor``); ``noise``: a column drawn as a dotted grey line (e.g. ``fd_noise``).
    """
    data = table.dropna(subset=[metric])
    panels = [None] if col is None else sorted(data[col].unique(), key=str)
    fig, axes = plt.subplots(1, len(panels), figsize=(4.3 * len(panels) + 1.6, 3.3), squeeze=False)
    for ax, panel in zip(axes[0], panels, strict=True):
        part = data if panel is None else data[data[col] == panel]
        _lines(ax, part, metric, hue, floor)
        for (label, y), ls in zip((ref_lines or {}).items(), ("--", ":", "-."), strict=False):
            ax.axhline(y, color="0.4", ls=ls, lw=1.2, label=label)
        if noise is not None:
            ax.axhline(part[noise].mean(), color="0.4", ls=":", lw=1.2, label="Gaussian noise")
        if log:
            log_axis(ax)
        ax.set_xlabel("iteration $n$")
        ax.set_ylabel(ylabel or LABELS.get(metric, metric))
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        if panel is not None:
            ax.set_title(str(panel))
    if floor is not None:
        axes[0, -1].plot([], [], color="0.3", ls="--", lw=1, label="real subset (floor)")
    legend_outside(axes[0, -1])
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def _to_image(x: np.ndarray) -> np.ndarray:
    x = (np.clip(x, -1, 1) + 1) / 2
    return x[0] if x.shape[0] == 1 else np.transpose(x, (1, 2, 0))


def _blank(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def image_rows(rows: list[np.ndarray], row_labels: list[str], *, suptitle: str = "", scale: float = 0.62,
               hspace: float = 0.12):
    """A grid with one row of images per entry of ``rows``, each row labelled on its left."""
    k = max(len(r) for r in rows)
    fig, axes = plt.subplots(len(rows), k, figsize=(scale * k + 1.8, (scale + 0.4 * hspace) * len(rows) + 0.5),
                             squeeze=False)
    for i, imgs in enumerate(rows):
        for j in range(k):
            ax = axes[i, j]
            _blank(ax)
            if j < len(imgs):
                ax.imshow(_to_image(imgs[j]), cmap="gray", vmin=0, vmax=1)
        axes[i, 0].set_ylabel(row_labels[i], fontsize=9, rotation=0, ha="right", va="center")
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    fig.subplots_adjust(wspace=0.06, hspace=hspace)
    return fig


def nearest_pairs(groups: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]], *, suptitle: str = ""):
    """Fig. 1/12: per group a row of generated samples above a row of their nearest training images.

    ``groups``: label -> (samples, nearest training images, distances); the distance is printed under each pair.
    """
    rows, labels = [], []
    for label, (gen, near, _) in groups.items():
        rows += [gen, near]
        labels += [f"{label}\ngenerated", "nearest in $\\mathcal{D}_n$"]
    fig = image_rows(rows, labels, suptitle=suptitle, scale=0.7, hspace=0.45)
    axes = fig.axes
    k = max(len(r) for r in rows)
    for g, (_, _, dist) in enumerate(groups.values()):
        for j, d in enumerate(dist):
            axes[(2 * g + 1) * k + j].set_xlabel(f"{d:.2f}", fontsize=8, labelpad=1)
    return fig


def scatter_with_r(table: pd.DataFrame, x: str, y: str, *, stats: dict, logy: bool = False, ax=None, xlabel=None,
                   ylabel=None, paper_r: float | None = None):
    """Scatter of per-iteration points coloured by size, the Pearson r (95% CI) and the paper's r in the title."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5.4, 3.6))
    colors = size_colors(table["n_train"])
    for n, g in table.groupby("n_train"):
        ax.scatter(g[x], g[y], color=colors[int(n)], s=34, label=f"N = {int(n)}", edgecolor="white", lw=0.4)
    if logy:
        log_axis(ax)
    title = f"ours: r = {stats['r']:.2f} (95% CI {stats['ci_low']:.2f} to {stats['ci_high']:.2f})"
    if paper_r is not None:
        title += f"\npaper (CIFAR-10): r = {paper_r:.2f}"
    ax.set_title(title, fontsize=9)
    ax.set_xlabel(xlabel or LABELS.get(x, x))
    ax.set_ylabel(ylabel or LABELS.get(y, y))
    legend_outside(ax)
    return ax.figure


def svd_projection(real: np.ndarray, generated: dict[str, np.ndarray]):
    """Points projected on the first two right-singular vectors of the (centred) real set, one panel per set."""
    real = real.reshape(len(real), -1)
    mean = real.mean(0)
    basis = np.linalg.svd(real - mean, full_matrices=False)[2][:2].T
    r2 = (real - mean) @ basis
    fig, axes = plt.subplots(1, len(generated), figsize=(3.6 * len(generated) + 1.6, 3.4), squeeze=False)
    for ax, (label, g) in zip(axes[0], generated.items(), strict=True):
        g2 = (g.reshape(len(g), -1) - mean) @ basis
        ax.scatter(r2[:, 0], r2[:, 1], s=6, alpha=0.35, label="real subset $\\mathcal{D}_1$", color=_CB[0])
        ax.scatter(g2[:, 0], g2[:, 1], s=7, alpha=0.7, label="generated", color=_CB[3])
        ax.set_title(label)
        ax.set_xlabel("first singular direction")
        ax.set_ylabel("second singular direction")
    legend_outside(axes[0, -1])
    fig.tight_layout()
    return fig


def source_share_bars(shares: pd.DataFrame, *, title: str = "", ax=None, paper_point: tuple[int, float] | None = None):
    """Stacked bars: each source's share of D_n per iteration, the uniform 1/n line, the paper's point if given."""
    if ax is None:
        _, ax = plt.subplots(figsize=(4.4, 3.2))
    wide = shares.pivot_table(index="iteration", columns="source", values="share", fill_value=0.0)
    bottom = np.zeros(len(wide))
    colors = [_CB[0]] + list(sns.color_palette("Greys", max(2, wide.shape[1]))[::-1])
    for j, src in enumerate(wide.columns):
        label = "real" if src == 0 else f"generation {src}"
        ax.bar(wide.index, wide[src], bottom=bottom, color=colors[j], label=label, width=0.7, edgecolor="white", lw=0.5)
        bottom += wide[src].to_numpy()
    it = np.asarray(wide.index, float)
    ax.plot(it, 1 / it, color=_CB[3], marker="o", lw=1.5, label="uniform share $1/n$")
    if paper_point is not None:
        ax.scatter([paper_point[0]], [paper_point[1]], marker="*", s=120, color=PAPER_COLOR, zorder=5,
                   label=f"paper: greedy, FFHQ, n = {paper_point[0]}")
    ax.set_xlabel("iteration $n$")
    ax.set_ylabel(LABELS["real_share"].replace("real share", "share"))
    ax.set_title(title)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    return ax.figure


def relative_trends(trend: pd.DataFrame, *, labels: dict[str, str]):
    """Several per-iteration quantities, each divided by its first value (Fig. 7's MNND vs covariance trace)."""
    fig, ax = plt.subplots(figsize=(5.6, 3.4))
    for (col, label), color in zip(labels.items(), (_CB[0], _CB[1], _CB[2]), strict=False):
        ax.plot(trend.index, trend[col] / trend[col].iloc[0], marker="o", label=label, color=color)
    ax.set_xlabel("iteration $n$")
    ax.set_ylabel("relative to iteration 1")
    log_axis(ax)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    legend_outside(ax)
    fig.tight_layout()
    return fig


def paper_vs_ours(pairs: dict[str, tuple[float, float]], *, ylabel: str, title: str = ""):
    """Bars of a quantity the paper reports beside ours (label -> (paper, ours)); scales differ, so each is shown
    relative to the first label's value of its own source."""
    labels = list(pairs)
    paper = np.array([pairs[k][0] for k in labels], float)
    ours = np.array([pairs[k][1] for k in labels], float)
    x = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(1.6 * len(labels) + 2.6, 3.0))
    ax.bar(x - 0.18, paper / paper[0], width=0.36, color=PAPER_COLOR, label="paper")
    ax.bar(x + 0.18, ours / ours[0], width=0.36, color=_CB[0], label="ours")
    for xi, p, o in zip(x, paper, ours, strict=True):
        ax.text(xi - 0.18, p / paper[0], f"{p:.3g}", ha="center", va="bottom", fontsize=8)
        ax.text(xi + 0.18, o / ours[0], f"{o:.3g}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x, labels)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    legend_outside(ax)
    fig.tight_layout()
    return fig


def _mosaic(images: np.ndarray, columns: int, gap: int = 1) -> np.ndarray:
    """Images tiled ``columns`` to a row on a white background, ``gap`` pixels apart."""
    tiles = [_to_image(x) for x in images]
    h, w = tiles[0].shape[:2]
    rows = int(np.ceil(len(tiles) / columns))
    out = np.ones((rows * (h + gap) - gap, columns * (w + gap) - gap) + tiles[0].shape[2:])
    for i, tile in enumerate(tiles):
        r, c = divmod(i, columns)
        out[r * (h + gap): r * (h + gap) + h, c * (w + gap): c * (w + gap) + w] = tile
    return out


def story(table: pd.DataFrame, samples: dict[str, np.ndarray] | None = None, columns: int = 8):
    """The book's opening figure: GS and the near-copy share over the replace loop for every size (top) and,
    given, a block of samples per entry of ``samples`` (bottom, side by side; e.g. the first and last iteration)."""
    n_rows = 1 + (1 if samples else 0)
    fig = plt.figure(figsize=(11.5, 3.4 * n_rows))
    grid = fig.add_gridspec(n_rows, 2)
    for j, metric in enumerate(("gs", "memorized_share")):
        ax = fig.add_subplot(grid[0, j])
        _lines(ax, table, metric, "n_train", None)
        if metric == "gs":
            log_axis(ax)
        ax.set_xlabel("iteration $n$")
        ax.set_ylabel(LABELS[metric])
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    legend_outside(ax)
    for j, (label, imgs) in enumerate((samples or {}).items()):
        ax = fig.add_subplot(grid[1, j % 2])
        ax.imshow(_mosaic(imgs, columns), cmap="gray", vmin=0, vmax=1)
        _blank(ax)
        ax.set_title(label, fontsize=10)
    fig.tight_layout()
    return fig


def metric_panels(table: pd.DataFrame, metrics: list[str], *, hue: str, columns: int = 2, log=("gs",)):
    """Several metrics over iterations side by side (mean over seeds), one line per ``hue`` value."""
    rows = int(np.ceil(len(metrics) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(4.3 * columns + 1.6, 3.1 * rows), squeeze=False)
    for ax, metric in zip(axes.flat, metrics, strict=False):
        _lines(ax, table.dropna(subset=[metric]), metric, hue, None)
        if metric in log:
            log_axis(ax)
        ax.set_xlabel("iteration $n$")
        ax.set_ylabel(LABELS.get(metric, metric))
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    for ax in axes.flat[len(metrics):]:
        ax.axis("off")
    legend_outside(axes[0, -1])
    fig.tight_layout()
    return fig


def detection(samples: pd.DataFrame, result: dict):
    """Per-sample detection: spikiness of near-copies against the rest (with the best threshold), and the AUC
    per iteration with its interval."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11.5, 3.4))
    bins = np.linspace(samples["spikiness"].min(), samples["spikiness"].max(), 40)
    for flag, label, color in ((False, "other samples", _CB[0]), (True, "near-copies", _CB[3])):
        part = samples.loc[samples["memorized"] == flag, "spikiness"]
        if len(part):
            left.hist(part, bins=bins, density=True, alpha=0.55, color=color, label=f"{label} ({len(part)})")
    thr = result["threshold"]["threshold"]
    if np.isfinite(thr):
        left.axvline(thr, color="0.3", ls="--", lw=1.2, label=f"threshold {thr:.3f}")
    left.set_xlabel("spikiness of the sample's hidden activation")
    left.set_ylabel("density")
    legend_outside(left)
    by_it = pd.DataFrame(result["auc_by_iteration"]).T.dropna(subset=["mean"])
    if len(by_it):
        err = np.vstack([by_it["mean"] - by_it["ci_low"], by_it["ci_high"] - by_it["mean"]]).astype(float)
        right.errorbar(by_it.index.astype(int), by_it["mean"].astype(float), yerr=err, marker="o", capsize=3,
                       color=_CB[0], label="AUC (95% CI)")
    right.axhline(0.5, color="0.4", ls=":", lw=1.2, label="chance")
    right.set_ylim(0.0, 1.02)
    right.set_xlabel("iteration $n$")
    right.set_ylabel("AUC, near-copies vs others")
    right.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    legend_outside(right)
    fig.tight_layout()
    return fig
