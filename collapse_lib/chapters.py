"""The book's chapters, one registry entry each: what a notebook runs, which claims it judges, what it reads.

A chapter either runs an ``Experiment`` (its configs come from one builder of ``experiments``; the cost plan counts
exactly those) or reads the runs of chapters before it (``reads``: chapters 02-04 read 01's, 06 reads 05's, 09
reads 01's and 05's), through the rows those chapters wrote to ``results/<profile>/metrics.csv`` and their run
folders. ``Chapter.run`` does a notebook's work in one call: build the configs, run them (the run cache reuses
finished ones), write the rows, gather what the claims read from the run folders, judge the claims and record
the results. A notebook is its parameters cell, that call, its figures and its prose.

``_toc.yml`` (hand-written) is checked against this registry by the tests; the book build, the summary page and
the cost plan read it instead of keeping their own lists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import experiments, findings, profiles
from .findings import Evidence, Finding


@dataclass(frozen=True)
class Experiment:
    """The runs a chapter trains: one builder of ``experiments``, called with the chapter's parameters; ``then``, an
    experiment built from this one's rows (Sec. 5's controls keep the real shares its greedy runs kept)."""

    name: str  # the tidy table's ``experiment`` value for its rows
    build: Callable  # (base, **parameters) -> [RunConfig]
    describe: Callable[[pd.DataFrame], dict]  # its rows -> the settings a page shows
    fixed: dict = field(default_factory=dict)  # builder arguments the chapter fixes
    then: Experiment | None = None  # the experiment run after this one
    inputs: Callable[[pd.DataFrame], dict] | None = None  # the rows of the experiment before -> more builder arguments

    def chain(self) -> list[Experiment]:
        """This experiment and those run after it, in order."""
        return [self] + (self.then.chain() if self.then is not None else [])

    def configs(self, base: dict, parameters: dict, before: pd.DataFrame | None = None) -> list:
        """The run configs at ``base`` with ``parameters`` (and what ``inputs`` reads from the rows ``before``)."""
        extra = self.inputs(before) if self.inputs is not None else {}
        return self.build(base, **parameters, **extra, **self.fixed)


@dataclass(frozen=True)
class Chapter:
    """One notebook of the book (``notebooks/<name>.py``, page ``book/<name>.ipynb``)."""

    name: str
    title: str  # how the summary and the landing page name it
    finding: Finding | None = None  # the claims it judges (None: it judges none)
    experiment: Experiment | None = None  # the runs it trains
    reads: tuple[str, ...] = ()  # the chapters whose runs (their rows and run folders) it reads
    gather: Callable | None = None  # (tables by experiment, **parameters) -> what its finding reads from run folders

    def experiments_read(self) -> list[Experiment]:
        """The experiments whose rows this chapter shows and its claims read: its own, then those it reads."""
        own = self.experiment.chain() if self.experiment is not None else []
        names = [e.name for e in own]
        return own + [EXPERIMENTS[name] for name in (self.finding.reads if self.finding else ()) if name not in names]

    def run(self, profile: str, *, base: dict | None = None, execution: dict | None = None, **parameters) -> ChapterRun:
        """Run (or reuse) this chapter's configs, write their rows, judge its claims and record the results.

        ``base``: RunConfig values of the profile (None: ``profiles.SMOKE_BASE``); ``execution``: how runs execute
        (``profiles.execution``); ``parameters``: the notebook's own (its builder's arguments, and the gather step's).
        """
        from .report import read_metrics_table, update_metrics_table

        build = {k: v for k, v in parameters.items() if k not in self._gather_parameters()}
        if self.experiment is None and build:
            raise TypeError(f"{self.name} reads the runs of {', '.join(self.reads)} and takes no run parameters; "
                            f"got {sorted(build)}")
        tables, before = {}, None
        for exp in self.experiment.chain() if self.experiment is not None else []:
            configs = exp.configs(profiles.notebook_base(base), build, before)
            before = experiments.run_experiment(exp.name, configs, **profiles.execution(execution))
            update_metrics_table(profile, before)
            tables[exp.name] = before
        for exp in self.experiments_read()[len(tables):]:
            tables[exp.name] = read_metrics_table(profile, exp.name, by=self.name)
        gathered = self.gather(tables, **parameters) if self.gather is not None else {}
        result = self.finding.compute(Evidence(tables, gathered)) if self.finding is not None else None
        verdicts = self.record(profile, result) if result is not None else None
        return ChapterRun(self, profile, tables, gathered, result, verdicts, parameters)

    def _gather_parameters(self) -> set[str]:
        """The parameters the gather step takes by keyword (the rest go to the builder)."""
        import inspect

        if self.gather is None:
            return set()
        return {p.name for p in inspect.signature(self.gather).parameters.values() if p.kind == p.KEYWORD_ONLY}

    def record(self, profile: str, result: dict):
        """Write the claims' result to results/<profile>/<name>.json, glue the chapter's "at this scale" box for the
        page's first screen and return its verdicts (a list of sentences on a page, plain lines in text)."""
        from .pages import Verdicts
        from .report import jsonable, write_results
        from .summary import chapter_glance

        write_results(profile, self.name, result)
        written = jsonable(result)
        _glue_glance(chapter_glance(profile, self.finding.rows(written), self.finding.beyond_paper))
        return Verdicts(self.finding.verdicts(written))


@dataclass
class ChapterRun:
    """What ``Chapter.run`` computed: the rows of every experiment the chapter read, what it gathered from the run
    folders, its claims' result and verdicts."""

    chapter: Chapter
    profile: str
    tables: dict[str, pd.DataFrame]
    gathered: dict
    result: dict | None
    verdicts: object | None
    parameters: dict

    @property
    def table(self) -> pd.DataFrame:
        """The rows of the chapter's first experiment (its own, or the first it reads)."""
        return next(iter(self.tables.values()))

    @property
    def settings(self):
        """The page's settings table: the profile, the denoiser of the runs read, and the experiment's values."""
        from .pages import settings_table

        config = experiments.runs_config(self.table).to_dict()
        extra = {k: v for k, v in self.parameters.items() if k in self.chapter._gather_parameters()}
        first, *others = self.chapter.experiments_read()
        for e in others:  # a further experiment read, not one run after the first (those share its settings)
            if e not in first.chain() and e.name in self.tables:
                described = e.describe(self.tables[e.name])
                extra[f"also read: the {e.name} runs"] = "; ".join(
                    f"{k.replace('_', ' ')} {', '.join(map(str, v)) if isinstance(v, list) else v}"
                    for k, v in described.items())
        return settings_table(self.profile, config, **first.describe(self.table), **extra)

    def runs_by(self, key: str = "n_train", *, experiment: str | None = None, **match) -> dict:
        """The run folder of each value of ``key`` (the first seed) among one experiment's rows that match ``match``."""
        return experiments.runs_by(self.tables[experiment] if experiment else self.table, key, **match)

    @property
    def closing_table(self) -> pd.DataFrame | None:
        """The finding's table for the end of the page (as recorded, keys as in the results file)."""
        from .report import jsonable

        return self.chapter.finding.table(jsonable(self.result))

    @property
    def runs_root(self) -> Path:
        return experiments.default_runs_root()


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


SIZES = Experiment("sizes", experiments.sizes_configs, experiments.describe_sizes)
CONTROL = Experiment("control", experiments.control_configs, experiments.describe_selection,
                     inputs=lambda rows: {"shares": experiments.greedy_real_shares(rows)})
SELECTION = Experiment("selection", experiments.selection_configs, experiments.describe_selection, then=CONTROL)
CFG = Experiment("cfg", experiments.cfg_configs, experiments.describe_cfg)
ABLATION = Experiment("ablation", experiments.ablation_configs, experiments.describe_ablation)
EXPERIMENTS = {e.name: e for e in (SIZES, SELECTION, CONTROL, CFG, ABLATION)}

CHAPTERS: dict[str, Chapter] = {c.name: c for c in (
    Chapter("00_training_study", "How the cpu profile was chosen"),
    Chapter("01_generalization_to_memorization", "Finding I: generalization gives way to memorization",
            findings.FindingOne(), SIZES, gather=experiments.first_samples_confidence),
    Chapter("02_entropy_decline", "Finding II: the entropy of the training set shrinks", findings.FindingTwo(),
            reads=("01_generalization_to_memorization",)),
    Chapter("03_entropy_vs_generalization", "Finding III: entropy predicts generalization", findings.FindingThree(),
            reads=("01_generalization_to_memorization",)),
    Chapter("04_svd_and_mnnd", "Appendix E: generated data collapses into clusters", findings.AppendixE(),
            reads=("01_generalization_to_memorization",)),
    Chapter("05_selection_mitigates_collapse", "Section 5: a high-entropy training set slows the collapse",
            findings.SectionFive(), SELECTION),
    Chapter("06_real_share", "Appendix F.2: selection keeps the real images", findings.RealShare(),
            reads=("05_selection_mitigates_collapse",)),
    Chapter("07_cfg_diversity", "Section 5, Fig. 4: within-class diversity under classifier-free guidance",
            findings.FigureFour(), CFG),
    Chapter("08_ablations", "Appendix G: the extra samples, and the filter's decay rate", findings.AppendixG(), ABLATION),
    Chapter("09_memorization_without_training_data", "Beyond the paper: memorization seen from the model alone",
            findings.WithoutTrainingData(), reads=("01_generalization_to_memorization", "05_selection_mitigates_collapse"),
            gather=experiments.detection_evidence),
)}


def get(name: str) -> Chapter:
    """The chapter of notebook ``name``."""
    try:
        return CHAPTERS[name]
    except KeyError:
        raise ValueError(f"unknown chapter {name!r}; the book's chapters are {', '.join(CHAPTERS)}") from None


def judged() -> list[Chapter]:
    """The chapters that judge claims (they have a finding), in book order."""
    return [c for c in CHAPTERS.values() if c.finding is not None]


def register(chapter: Chapter) -> Chapter:
    """Add a chapter to the registry (a toy chapter in a test; the book's own are listed above)."""
    if chapter.name in CHAPTERS:
        raise ValueError(f"chapter {chapter.name!r} is registered already")
    CHAPTERS[chapter.name] = chapter
    return chapter


def unregister(name: str) -> None:
    CHAPTERS.pop(name, None)
