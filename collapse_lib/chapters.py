"""The book's chapters, one registry entry each: what a notebook computes, how it is judged and summarized, what
it costs. ``_toc.yml`` (hand-written) is checked against this list by the tests; the book build, the summary
page and the benchmarks read it instead of keeping their own lists.

A notebook names itself once (``chapter = chapters.get("01_...")``) and ends with ``chapter.record(profile,
result)``, which writes ``results/<profile>/<name>.json`` and returns its verdict lines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import findings, summary, verdicts


@dataclass(frozen=True)
class Chapter:
    """One notebook of the book (``notebooks/<name>.py``, page ``book/<name>.ipynb``)."""

    name: str
    title: str  # how the summary and the landing page name it
    finding: Callable | None = None  # findings function: the chapter's table(s) -> result dict
    verdicts: Callable | None = None  # result -> [(holds, sentence), ...]
    rows: Callable | None = None  # result -> the summary page's rows, one per claim of the paper (summary.Row)
    #: the runs it trains, for the cost benchmark: (experiments builder, fixed keyword arguments); None: it trains
    #: nothing of its own (it reads other chapters' runs or committed results)
    builder: tuple[str, dict] | None = None
    beyond_paper: bool = False  # listed in the summary but not counted among the paper's findings

    def lines(self, result: dict) -> str:
        """The verdicts as text, one ✓/✗ line each."""
        from .report import mark

        return "\n".join(f"{mark(ok)} {text}" for ok, text in self.verdicts(result))

    def record(self, profile: str, result: dict):
        """Write the chapter's key numbers to results/<profile>/<name>.json; return its verdicts, which a notebook
        shows as a list of sentences (and as plain text where HTML is not shown)."""
        from .report import Verdicts, _clean, write_results

        write_results(profile, self.name, result)
        clean = _clean(result)
        if self.rows is not None:
            _glue_glance(summary.chapter_glance(profile, self.rows(clean), self.beyond_paper))
        return Verdicts(self.verdicts(clean))


#: the key under which ``record`` glues the chapter's at-this-scale box; the page's first markdown cell pastes it
#: with a ``{glue:md}`` directive (myst-nb reads glued outputs before it renders a page, so the box can sit above
#: the cell that computes it)
GLANCE_KEY = "at_a_glance"


def _glue_glance(markdown: str) -> None:
    """Glue the box into the running notebook, undisplayed; outside a notebook kernel there is nothing to glue to."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    if get_ipython() is None:
        return
    from IPython.display import Markdown
    from myst_nb import glue

    glue(GLANCE_KEY, Markdown(markdown), display=False)


CHAPTERS: dict[str, Chapter] = {c.name: c for c in (
    Chapter("00_training_study", "How the cpu profile was chosen"),
    Chapter("01_generalization_to_memorization", "Finding I: generalization gives way to memorization",
            findings.finding_1, verdicts.finding_1, summary.rows_1, ("sizes_configs", {})),
    Chapter("02_entropy_decline", "Finding II: the entropy of the training set shrinks",
            findings.finding_2, verdicts.finding_2, summary.rows_2),
    Chapter("03_entropy_vs_generalization", "Finding III: entropy predicts generalization",
            findings.finding_3, verdicts.finding_3, summary.rows_3),
    Chapter("04_svd_and_mnnd", "Appendix E: generated data collapses into clusters",
            findings.app_e, verdicts.app_e, summary.rows_4),
    Chapter("05_selection_mitigates_collapse", "Section 5: a high-entropy training set slows the collapse",
            findings.section_5, verdicts.section_5, summary.rows_5, ("selection_configs", {})),
    Chapter("06_real_share", "Appendix F.2: selection keeps the real images",
            findings.fig_11, verdicts.fig_11, summary.rows_6,
            ("selection_configs", {"paradigms": ["accumulate-subsample"]})),
    Chapter("07_cfg_diversity", "Section 5, Fig. 4: within-class diversity under classifier-free guidance",
            findings.fig_4, verdicts.fig_4, summary.rows_7, ("cfg_configs", {})),
    Chapter("08_ablations", "Appendix G: the extra samples, and the filter's decay rate",
            findings.ablation, verdicts.ablation, summary.rows_8, ("ablation_configs", {})),
    Chapter("09_memorization_without_training_data", "Beyond the paper: memorization seen from the model alone",
            findings.without_training_data, verdicts.without_training_data, summary.rows_9, beyond_paper=True),
)}


def get(name: str) -> Chapter:
    """The chapter of notebook ``name``."""
    try:
        return CHAPTERS[name]
    except KeyError:
        raise ValueError(f"unknown chapter {name!r}; the book's chapters are {', '.join(CHAPTERS)}") from None


def judged() -> list[Chapter]:
    """The chapters that judge a claim (they have verdicts), in book order."""
    return [c for c in CHAPTERS.values() if c.verdicts is not None]
