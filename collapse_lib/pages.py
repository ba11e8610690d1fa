"""What a chapter page shows besides its figures: the settings table under its claim and its verdicts, a list of
✓/✗ sentences."""

from __future__ import annotations

from html import escape

import pandas as pd

from .words import CONTRADICTED, DATA_NAMES, FEATURE_NAMES, HOLDS, INCONCLUSIVE, denoiser_words, mark, page_name


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
