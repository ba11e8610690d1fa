"""What a chapter page shows besides its figures: the settings table under its claim and its verdicts, a list of
✓/✗ sentences."""

from __future__ import annotations

from html import escape

import pandas as pd

from .findings import learned_data
from .findings.common import PRIMARY_STORAGE
from .words import (
    CONTRADICTED,
    DATA_NAMES,
    FEATURE_NAMES,
    HOLDS,
    INCONCLUSIVE,
    denoiser_words,
    mark,
    number,
    page_name,
    storage_word,
    value_range,
)


def settings_table(profile: str, config: dict, **experiment):
    """A page's settings in words: the profile, then data, denoiser, training, sampling and Fréchet features of a
    resolved run config (``RunConfig.to_dict()``), then the experiment's own values; a two-column table (no
    index, left-aligned, long values never cut; ``.data`` holds the frame)."""
    steps = f"{config['train_steps']:,} steps" if config.get("train_steps") else f"{config.get('epochs')} epochs"
    rows = {
        "profile": profile,
        "data": DATA_NAMES.get(config["dataset"], config["dataset"]) + (
            ", samples stored at the data's grey levels" if config.get("quantize_samples") else ""),
        "denoiser": denoiser_words(config),
        "training (per iteration, a fresh model)": f"{steps}, batch {config['batch_size']}, AdamW lr {config['lr']}",
        "sampler": f"{config['sampler'].upper()}, {config['sample_steps']} steps",
        "Fréchet distance features": FEATURE_NAMES.get(str(config.get("fd_feature")), str(config.get("fd_feature"))),
    }
    for key, value in experiment.items():
        words = [page_name(v) if isinstance(v, str) else str(v) for v in (value if isinstance(value, (list, tuple)) else [value])]
        rows[key.replace("_", " ")] = ", ".join(words)
    return SettingsTable(pd.DataFrame({"setting": list(rows), "value": list(rows.values())}))


class SettingsTable:
    """A settings table as a page shows it: left-aligned HTML without an index (a pandas Styler with a fixed id), and
    plain text that reads the same from build to build (a Styler's own text names its memory address)."""

    def __init__(self, data: pd.DataFrame):
        self.data = data

    def styled(self):
        left = [("text-align", "left")]
        styled = self.data.style.set_uuid("settings")  # a fixed id: pages equal from build to build
        return styled.hide(axis="index").set_properties(**dict(left)).set_table_styles([{"selector": "th", "props": left}])

    def to_html(self) -> str:
        return self.styled().to_html()

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return self.data.to_string(index=False)


class Verdicts:
    """A chapter's verdicts, ``[(state, sentence), ...]`` (state None: a line that reports numbers): shown as a list
    of sentences with their marks on a page, as plain lines in text."""

    def __init__(self, checks: list[tuple[str | None, str]]):
        self.checks = checks

    def __repr__(self) -> str:
        return "\n".join(f"{mark(state)} {text}" for state, text in self.checks)

    def _repr_html_(self) -> str:
        kind = {HOLDS: "holds", CONTRADICTED: "contradicted", INCONCLUSIVE: "inconclusive"}
        items = "".join(f'<li class="{kind.get(state, "note")}"><span class="mark">{mark(state)}</span> '
                        f'{escape(text)}</li>' for state, text in self.checks)
        return f'<ul class="verdicts">{items}</ul>'


#: the columns of Finding I's cluster table, as a page heads them (short: the table must fit the column)
CLUSTER_COLUMNS = {"mnnd_first": "MNND(D_n), first", "mnnd_last": "MNND(D_n), last", "copy_scale": "merge scale",
                   "scale_over_mnnd_last": "merge scale / MNND, last", "gs_ratio_first": "GS / MNND, first",
                   "gs_ratio_last": "GS / MNND, last"}


def cluster_table(clusters: dict) -> pd.DataFrame:
    """Finding I's ``clusters`` result ({storage: {N: values}}) as a page shows it: one row per storage and size,
    the merge scale beside the training set's own spacing at the first and the last iteration."""
    order = sorted(clusters, key=lambda s: s != PRIMARY_STORAGE.value)  # the primary storage first
    frame = pd.concat({storage_word(s): pd.DataFrame({f"{int(n):,}": clusters[s][n] for n in sorted(clusters[s], key=int)}).T
                       for s in order}, names=["storage", "N"])
    frame = frame[list(CLUSTER_COLUMNS)].rename(columns=CLUSTER_COLUMNS)
    return frame.map(lambda x: number(x, ".3f"))


def quality_table(gate: dict) -> pd.DataFrame:
    """A chapter's quality gate (``quality_gate``) per size in words: the first models' spread and Fréchet distance
    against the real floor (ranges over seeds), their near-copy share, whether they learned the data, and for a
    guided model its guided samples' numbers beside."""
    rows = {}
    for n, v in sorted(gate["per_size"].items(), key=lambda kv: int(kv[0])):
        row = {"trace ratio": value_range([v["trace_ratio_min"], v["trace_ratio_max"]]),
               "FD / real floor": value_range([v["fd_over_floor_min"], v["fd_over_floor_max"]], ".1f")}
        if "guided_fd_over_floor_min" in v:
            row["guided: trace ratio"] = value_range([v["guided_trace_ratio_min"], v["guided_trace_ratio_max"]])
            row["guided: FD / floor"] = value_range([v["guided_fd_over_floor_min"], v["guided_fd_over_floor_max"]], ".1f")
        row["near-copies"] = number(v["memorized_share"])
        row["learned"] = mark(HOLDS if learned_data(v) else CONTRADICTED)
        rows[f"N = {int(n):,}"] = row
    return pd.DataFrame(rows).T

