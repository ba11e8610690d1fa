"""Figures the notebooks show (matplotlib/seaborn); each returns its matplotlib Figure.

One look across the book: a colour-blind-safe palette with one fixed colour per selector (the selection
registry's) and one per training-set size (the same N, the same colour, in every chapter), legends outside the
axes at 9 pt, labelled axes with units, figures at most ``MAX_WIDTH`` inches wide and drawn at twice their
displayed resolution, zeros on log axes marked at the axis floor, far reference values written rather than
drawn, and the paper's own number beside ours where the paper states one.
"""

from __future__ import annotations

import matplotlib.colors
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd
import seaborn as sns

from . import selection, words
from .words import Storage

sns.set_theme(style="whitegrid", context="notebook", rc={"legend.fontsize": 9, "axes.titlesize": 10,
                                                        "axes.labelsize": 10, "xtick.labelsize": 9, "ytick.labelsize": 9,
                                                        "figure.dpi": 100, "savefig.dpi": 200})
#: the widest figure, in inches at 100 dpi: the book's content column is about 700 px wide at a 1280 px window, so
#: a figure this wide is shown at its own size and its 9 pt fonts stay 9 pt
MAX_WIDTH = 6.9


def _sharp_inline() -> None:
    """In a notebook, draw figures at twice their displayed size (retina PNGs), so they stay sharp when scaled."""
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # pragma: no cover - outside Jupyter
        return
    if get_ipython() is not None:
        set_matplotlib_formats("retina")


_sharp_inline()

_CB = sns.color_palette("colorblind")
PAPER_COLOR = "0.35"


def axis_label(column: str) -> str:
    """A column's axis label (``words.METRICS``), or the column itself when it is not a metric."""
    return words.METRICS[column].label if column in words.METRICS else column



#: one colour per power-of-two training-set size (colour-blind safe, neighbouring sizes far apart), so a size keeps its
#: colour in every chapter whatever other sizes it is shown with; other sizes take the nearest power's colour
SIZE_PALETTE = {16: "#949494", 32: "#cc78bc", 64: "#029e73", 128: "#d55e00", 256: "#de8f05", 512: "#56b4e9",
                1024: "#0173b2", 2048: "#ca9161", 4096: "#cc78bc", 8192: "#029e73", 16384: "#d55e00", 32768: "#333333"}


def size_colors(sizes) -> dict:
    """The colour of each training-set size (``SIZE_PALETTE``)."""
    powers = np.array(sorted(SIZE_PALETTE))
    return {int(n): SIZE_PALETTE[int(powers[np.argmin(np.abs(np.log2(powers) - np.log2(int(n))))])] for n in set(sizes)}


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
    if hue == "arm":  # a selector, or a selector choosing in another feature space ("greedy-classifier")
        present = set(table[hue])
        values = sorted(present, key=lambda a: (list(selection.SELECTORS).index(a.split("-")[0]), a))
        colors = {a: selection.get(a.split("-")[0]).color if "-" not in a else
                  matplotlib.colors.to_hex(np.array(matplotlib.colors.to_rgb(selection.get(a.split("-")[0]).color)) * 0.55)
                  for a in values}
        names = {a: selection.get(a).label if "-" not in a else
                 f"{selection.get(a.split('-')[0]).label} ({a.split('-', 1)[1]} features)" for a in values}
        return values, colors, names
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
    ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())


def legend_outside(ax, **kwargs) -> None:
    """The axes' legend to the right of the plot, 9 pt, without a frame."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0, frameon=False, fontsize=9, **kwargs)


def _storages(table: pd.DataFrame) -> pd.Series:
    """Each row's storage (solid lines for the grid, dashed for float32)."""
    return table["quantize_samples"].map(Storage.of)


def _lines(ax, table: pd.DataFrame, metric: str, hue: str, floor: str | None, log: bool = False,
           style: tuple[list, dict, dict] | None = None) -> bool:
    """One line per hue value (and storage, dashed for float32); the band spans the seeds. On a log axis a value
    of 0 is drawn at the axis floor as a hollow triangle. ``style``: the hue values, colours and names of the
    whole figure (so each value keeps its colour in every panel). Returns whether any zero was drawn."""
    values, colors, names = style or _hue_style(table, hue)
    values = [v for v in values if (table[hue] == v).any()]
    storage = _storages(table)
    several = storage.nunique() > 1
    positive = table.loc[table[metric] > 0, metric]
    bottom = positive.min() / 3 if log and len(positive) else None
    zeros = False
    for v in values:
        for st, part in table[table[hue] == v].groupby(storage[table[hue] == v]):
            g = part.groupby("iteration")[metric].agg(["mean", "min", "max"])
            name = f"{names[v]}, {st.word}" if several else names[v]
            shown = g["mean"].where(~(log & (g["mean"] <= 0)), np.nan)
            ax.plot(g.index, shown, marker="o", ms=4, color=colors[v], ls=st.line_style, label=name)
            if (g["max"] > g["min"]).any():
                ax.fill_between(g.index, g["min"].clip(lower=bottom) if log else g["min"],
                                g["max"].clip(lower=bottom) if log else g["max"], color=colors[v], alpha=0.15, lw=0)
            if log and (g["mean"] <= 0).any():
                at = g.index[g["mean"] <= 0]
                ax.scatter(at, [bottom] * len(at), marker="v", s=42, facecolor="white", edgecolor=colors[v], zorder=5)
                zeros = True
        if floor is not None:
            ax.axhline(table.loc[table[hue] == v, floor].mean(), color=colors[v], ls=":", lw=1.1)
    if bottom is not None:
        ax.set_ylim(bottom=bottom / 1.6)
    return zeros


def _note_far_value(ax, value: float, label: str) -> None:
    """A reference too far above the data to draw without squashing it: written at the top of the axes."""
    ax.annotate(f"{label}: {value:,.0f} (off the axis)", xy=(0.02, 0.97), xycoords="axes fraction", va="top",
                fontsize=8.5, color="0.3")


def _finish_legend(ax, floor: bool, zeros: bool) -> None:
    _legend_keys(ax, floor, zeros)
    legend_outside(ax)


def _legend_keys(ax, floor: bool, zeros: bool) -> None:
    """The keys of the dotted floors and of the zeros drawn at the axis floor, added to ``ax``'s legend."""
    if floor:
        ax.plot([], [], color="0.35", ls=":", lw=1.1, label="the real data's floor (dotted, in each line's colour)")
    if zeros:
        ax.scatter([], [], marker="v", s=42, facecolor="white", edgecolor="0.35",
                   label="0: every sample an exact copy\n(drawn at the axis floor)")


def _legend_below(fig, axes, floor: bool, zeros: bool) -> None:
    """One legend for stacked panels, below them across the figure's width: every line of every panel once (a
    panel may hold arms the others lack), so the panels keep the page's whole width."""
    _legend_keys(axes[0], floor, zeros)
    seen = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, handle)
    rows = -(-len(seen) // 2)
    height = fig.get_size_inches()[1]
    fig.legend(list(seen.values()), list(seen), loc="lower center", ncol=2, frameon=False, fontsize=9,
               bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout(rect=(0, min(0.45, (0.24 * rows + 0.1) / height), 1, 1))


def metric_over_iterations(table: pd.DataFrame, metric: str, *, hue: str, col: str | None = None, log: bool = False,
                           ylabel: str | None = None, ref_lines: dict[str, float] | None = None,
                           floor: str | None = None, noise: str | None = None, title: str | None = None,
                           width: float | None = None):
    """Mean over seeds (band: min..max over seeds) of one metric per iteration, one line per ``hue`` value, dashed
    for float32 storage where the table holds both storages; panels stack when ``col`` is given, sharing one
    y label and one legend below them.

    ``ref_lines``: label -> y drawn as grey lines; ``floor``: a column drawn as a dotted line in each hue's colour
    (e.g. ``fd_floor``); ``noise``: a column whose far value (e.g. ``fd_noise``) is written on the axes.
    """
    data = table.dropna(subset=[metric])
    panels = [None] if col is None else sorted(data[col].unique(), key=str)
    stacked = len(panels) > 1
    fig, axes = plt.subplots(len(panels), 1, figsize=(width or 6.4, 3.1 * len(panels) + 0.6 * stacked),
                             squeeze=False, sharex=True)
    style, zeros = _hue_style(data, hue), False
    for ax, panel in zip(axes[:, 0], panels, strict=True):
        part = data if panel is None else data[data[col] == panel]
        zeros |= _lines(ax, part, metric, hue, floor, log, style)
        for (label, y), ls in zip((ref_lines or {}).items(), ("--", "-.", (0, (1, 3))), strict=False):
            ax.axhline(y, color="0.4", ls=ls, lw=1.2, label=label)
        if noise is not None:
            _note_far_value(ax, part[noise].mean(), "per-pixel Gaussian noise scores")
        if log:
            log_axis(ax)
        if not stacked:
            ax.set_ylabel(ylabel or axis_label(metric))
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        if panel is not None:
            ax.set_title(str(panel))
    axes[-1, 0].set_xlabel("iteration $n$")
    if title:
        fig.suptitle(title, fontsize=10)
    if stacked:
        fig.supylabel(ylabel or axis_label(metric), fontsize=plt.rcParams["axes.labelsize"])
        _legend_below(fig, list(axes[:, 0]), floor is not None, zeros)
    else:
        _finish_legend(axes[0, 0], floor is not None, zeros)
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
    scale = min(scale, (MAX_WIDTH - 1.8) / k)  # no wider than the page's column
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


def scatter_with_r(table: pd.DataFrame, x: str, y: str, *, logy: bool = False, ax=None, xlabel=None,
                   ylabel=None, paper_r: float | None = None, title: str | None = None):
    """Scatter of per-iteration points coloured by size, with the Pearson r of ``x`` and ``y`` (log ``y`` when
    ``logy``) within each seed, as the findings compute it, and the paper's r in the title."""
    from .findings.common import r_per_seed

    points = table.assign(_y=np.log(table[y].where(table[y] > 0)) if logy else table[y])
    per_seed = list(r_per_seed(points, x, "_y").values())
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 3.7))
    colors = size_colors(table["n_train"])
    for n, g in table.groupby("n_train"):
        ax.scatter(g[x], g[y], color=colors[int(n)], s=34, label=f"N = {int(n)}", edgecolor="white", lw=0.4)
    if logy:
        log_axis(ax)
    heading = f"{title + ': ' if title else ''}ours: r = {words.value_range(per_seed)} over {len(per_seed)} seeds"
    if paper_r is not None:
        heading += f"\npaper (CIFAR-10): r = {paper_r:.2f}"
    ax.set_title(heading, fontsize=9)
    ax.set_xlabel(xlabel or axis_label(x))
    ax.set_ylabel(ylabel or axis_label(y))
    legend_outside(ax)
    return ax.figure


def svd_projection(real: np.ndarray, generated: dict[str, np.ndarray]):
    """Points projected on the first two right-singular vectors of the (centred) real set, one panel per set."""
    real = real.reshape(len(real), -1)
    mean = real.mean(0)
    basis = np.linalg.svd(real - mean, full_matrices=False)[2][:2].T
    r2 = (real - mean) @ basis
    fig, axes = plt.subplots(1, len(generated), figsize=(min(MAX_WIDTH, 3.0 * len(generated) + 1.6), 3.2),
                             squeeze=False, sharex=True, sharey=True)
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


def source_share_bars(shares: pd.DataFrame, *, title: str = "", ax=None, paper_note: str | None = None):
    """Stacked bars: each source's share of D_n per iteration, the uniform 1/n line, and a note of the paper's
    value where it lies beyond this axis."""
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
    if paper_note is not None:
        ax.annotate(paper_note, xy=(0.97, 0.97), xycoords="axes fraction", ha="right", va="top", fontsize=8,
                    color=PAPER_COLOR, bbox={"boxstyle": "round", "fc": "white", "ec": "0.8"})
    ax.set_xlabel("iteration $n$")
    ax.set_ylabel(axis_label("real_share").replace("real share", "share"))
    ax.set_title(title)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    return ax.figure


def source_share_panels(shares: dict[str, pd.DataFrame], *, paper_note: dict[str, str] | None = None):
    """``source_share_bars`` for each selector (``{selector: source_shares(run)}``) side by side, one legend above."""
    selectors = [s for s in selection.SELECTORS if s in shares]
    fig, axes = plt.subplots(1, len(selectors), figsize=(MAX_WIDTH, 3.2), squeeze=False, sharey=True)
    for ax, selector in zip(axes[0], selectors, strict=True):
        source_share_bars(shares[selector], title=selection.get(selector).label, ax=ax,
                          paper_note=(paper_note or {}).get(selector))
    handles = {h.get_label(): h for ax in axes[0] for h in ax.get_legend_handles_labels()[0]}
    fig.legend(handles.values(), handles.keys(), loc="upper center", ncol=4, frameon=False, fontsize=9,
               bbox_to_anchor=(0.5, 1.0))
    fig.tight_layout(rect=(0, 0, 1, 0.86))
    return fig


def relative_trends(trend: pd.DataFrame, *, title: str = ""):
    """Several per-iteration quantities (the columns of ``trend``), each divided by its first value (Fig. 7's MNND
    vs covariance trace)."""
    fig, ax = plt.subplots(figsize=(6.4, 3.3))
    ax.set_title(title, fontsize=10)
    for col, color in zip(trend.columns, (_CB[0], _CB[1], _CB[2]), strict=False):
        ax.plot(trend.index, trend[col] / trend[col].iloc[0], marker="o", label=axis_label(col), color=color)
    ax.set_xlabel("iteration $n$")
    ax.set_ylabel("relative to iteration 1")
    log_axis(ax)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    legend_outside(ax)
    fig.tight_layout()
    return fig


def paper_vs_ours(values: dict[str, list], *, sources: list[str], ylabel: str, title: str = ""):
    """Grouped bars of a quantity the paper reports beside ours: ``values`` maps a label (e.g. a selector) to one
    value per source (None where a source gives none). Scales differ, so each source's bars are relative to its
    value for the first label; the raw value is written on each bar."""
    labels = list(values)
    x = np.arange(len(labels))
    width = 0.8 / len(sources)
    colors = ["0.55", "0.75"][: len(sources) - 1] + [_CB[0]]
    fig, ax = plt.subplots(figsize=(6.4, 3.3))
    for j, (source, color) in enumerate(zip(sources, colors, strict=True)):
        ref = values[labels[0]][j]
        for i, label in enumerate(labels):
            v = values[label][j]
            if v is None:
                continue
            pos = x[i] + (j - (len(sources) - 1) / 2) * width
            ax.bar(pos, v / ref, width=width * 0.95, color=color, label=source if i == 0 else None)
            ax.text(pos, v / ref, f"{v:.3g}", ha="center", va="bottom", fontsize=8)
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
    fig = plt.figure(figsize=(MAX_WIDTH, 2.9 * n_rows + 0.4))
    grid = fig.add_gridspec(n_rows, 2)
    zeros = False
    for j, metric in enumerate(("gs", "memorized_share")):
        ax = fig.add_subplot(grid[0, j])
        zeros |= _lines(ax, table, metric, "n_train", None, log=metric == "gs")
        if metric == "gs":
            log_axis(ax)
        ax.set_xlabel("iteration $n$")
        ax.set_ylabel(axis_label(metric))
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=min(6, len(labels)), frameon=False, fontsize=9,
               bbox_to_anchor=(0.5, 1.0))
    for j, (label, imgs) in enumerate((samples or {}).items()):
        ax = fig.add_subplot(grid[1, j % 2])
        ax.imshow(_mosaic(imgs, columns), cmap="gray", vmin=0, vmax=1)
        _blank(ax)
        ax.set_title(label, fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    return fig


def metric_panels(table: pd.DataFrame, metrics: list[str], *, hue: str, columns: int = 2, log=("gs",)):
    """Several metrics over iterations (mean over seeds, band over seeds), one line per ``hue`` value, in a grid of
    ``columns`` panels with one legend above it."""
    rows = int(np.ceil(len(metrics) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(MAX_WIDTH, 2.7 * rows + 0.5), squeeze=False)
    zeros = False
    for ax, metric in zip(axes.flat, metrics, strict=False):
        zeros |= _lines(ax, table.dropna(subset=[metric]), metric, hue, None, log=metric in log)
        if metric in log:
            log_axis(ax)
        ax.set_xlabel("iteration $n$")
        ax.set_ylabel(axis_label(metric))
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    for ax in axes.flat[len(metrics):]:
        ax.axis("off")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=min(4, len(labels)), frameon=False, fontsize=9,
               bbox_to_anchor=(0.5, 1.0))
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.35 / (2.7 * rows + 0.5)))
    return fig


def detection(samples: pd.DataFrame, result: dict):
    """Per-sample detection: spikiness of near-copies against the rest (with the best threshold), and the AUC
    per iteration with its interval."""
    fig, (left, right) = plt.subplots(2, 1, figsize=(6.4, 6.2))
    bins = np.linspace(samples["spikiness"].min(), samples["spikiness"].max(), 40)
    for flag, label, color in ((False, "other samples", _CB[0]), (True, "near-copies", _CB[3])):
        part = samples.loc[samples["memorized"] == flag, "spikiness"]
        if len(part):
            left.hist(part, bins=bins, density=True, alpha=0.55, color=color, label=f"{label} ({len(part)})")
    thr = result["threshold"]["threshold"]
    if np.isfinite(thr):
        left.axvline(thr, color="0.3", ls="--", lw=1.2, label=f"threshold {thr:.3f}")
    left.set_xlabel("spikiness of the sample's hidden activation (0: balanced, 1: one unit)")
    left.set_ylabel("density")
    legend_outside(left)
    by_it = pd.DataFrame(result["auc_by_iteration"]).T.dropna(subset=["mean"])
    if len(by_it):
        err = np.vstack([by_it["mean"] - by_it["ci_low"], by_it["ci_high"] - by_it["mean"]]).astype(float)
        right.errorbar(by_it.index.astype(int), by_it["mean"].astype(float), yerr=err, marker="o", capsize=3,
                       color=_CB[0], label="AUC (95% CI)")
    pooled = result["auc"]["mean"]
    if pooled is not None:
        right.axhline(pooled, color=_CB[3], ls="--", lw=1.2, label=f"pooled over iterations ({pooled:.2f})")
    right.axhline(0.5, color="0.4", ls=":", lw=1.2, label="chance")
    right.set_ylim(0.0, 1.02)
    right.set_xlabel("iteration $n$")
    right.set_ylabel("AUC, near-copies vs others")
    right.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    legend_outside(right)
    fig.tight_layout()
    return fig


def _box(ax, x, y, text, color="#ffffff", w=1.5, h=0.56):
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.04,rounding_size=0.12",
                                fc=color, ec="0.3", lw=1.0))
    ax.text(x, y, text, ha="center", va="center", fontsize=9.5)


def _arrow(ax, a, b, text="", color="0.25", curve=0.0):
    ax.annotate("", xy=b, xytext=a, arrowprops={"arrowstyle": "-|>", "color": color, "lw": 1.2,
                                                 "connectionstyle": f"arc3,rad={curve}", "shrinkA": 2, "shrinkB": 2})
    if text:
        ax.text((a[0] + b[0]) / 2, (a[1] + b[1]) / 2 + 0.2, text, ha="center", va="bottom", fontsize=9, color=color)


def loop_schematic():
    """Fig. 5: the three paradigms of the self-consuming loop, and where selection plugs in (orange)."""
    sel = selection.get("greedy").color
    fig, ax = plt.subplots(figsize=(MAX_WIDTH, 4.9))
    rows = {"replace": 3.0, "accumulate": 1.65, "accumulate-subsample": 0.3}
    for name, y in rows.items():
        ax.text(0.05, y - 0.5, name, fontsize=10, fontweight="bold", ha="left", va="center")
        _box(ax, 0.8, y, r"$\mathcal{D}_n$", "#e8f1fa")
        _box(ax, 2.7, y, "train a fresh\ndenoiser")
        _box(ax, 4.6, y, r"sample $\mathcal{G}_n$", "#fdf0e0")
        _arrow(ax, (1.55, y), (1.95, y))
        _arrow(ax, (3.45, y), (3.85, y))
    y = rows["replace"]
    _box(ax, 6.5, y, "keep N of 2N", "#ffffff")
    _arrow(ax, (5.35, y), (5.75, y))
    ax.text(5.55, y + 0.08, "2N", ha="center", va="bottom", fontsize=9, color="0.25")
    ax.text(6.5, y - 0.5, "selection plugs in here", ha="center", fontsize=9, color=sel)
    _arrow(ax, (6.5, y + 0.28), (0.8, y + 0.28), r"$\mathcal{D}_{n+1}$ (vanilla: all N samples)", curve=0.25)
    y = rows["accumulate"]
    _box(ax, 6.5, y, "real + every\n" + r"$\mathcal{G}_1 \ldots \mathcal{G}_n$", "#ffffff")
    _arrow(ax, (5.35, y), (5.75, y))
    _arrow(ax, (6.5, y + 0.28), (0.8, y + 0.28), r"$\mathcal{D}_{n+1}$ = all of it (grows)", curve=0.25)
    y = rows["accumulate-subsample"]
    _box(ax, 6.5, y, "real + every\n" + r"$\mathcal{G}_1 \ldots \mathcal{G}_n$", "#ffffff")
    _box(ax, 8.35, y, "choose N", "#ffffff", w=1.2)
    _arrow(ax, (5.35, y), (5.75, y))
    _arrow(ax, (7.25, y), (7.75, y))
    ax.text(8.35, y - 0.5, "selection plugs in here", ha="center", fontsize=9, color=sel)
    _arrow(ax, (8.35, y + 0.28), (0.8, y + 0.28), r"$\mathcal{D}_{n+1}$ (vanilla: N at random)", curve=0.2)
    for x, yy, w in ((6.5, rows["replace"], 1.5), (8.35, rows["accumulate-subsample"], 1.2)):
        ax.add_patch(plt.Rectangle((x - w / 2 - 0.05, yy - 0.33), w + 0.1, 0.66, fill=False, ec=sel, lw=2))
    ax.text(0.05, -0.62, r"$\mathcal{D}_1$: N real images (nested across sizes)", ha="left", fontsize=9, color="0.3")
    ax.set_xlim(-0.1, 9.2)
    ax.set_ylim(-0.8, 3.75)
    ax.axis("off")
    fig.tight_layout()
    return fig
