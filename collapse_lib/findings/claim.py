"""What a finding is: one computation on the tidy table and the claims of the paper it judges, each with its
sentences and its summary row, declared together in one class.

A ``Finding`` subclass (one per chapter that judges claims, grouped by family in ``findings/<family>.py``) says:
- ``reads``: the experiments of the tidy table (``metrics.csv``'s ``experiment`` column) it reads;
- ``compute(evidence)``: its check, judged by ``rule`` with its thresholds, returning its declared result type (a
  ``TypedDict``, written as it is to ``results/<profile>/<chapter>.json``);
- ``verdicts(result)``: a sentence per check with its state (None for numbers reported without a verdict);
- ``rows(result)``: the summary page's row for each claim of the paper it judges;
- ``table(result)``: the page's closing table, when it has one.
The verdicts and rows read a result as written to JSON (keys as strings), so the summary page, which reads the
files, and a chapter, which has the result in memory, word a claim the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Generic, TypeVar

import pandas as pd

#: a verdict line: the state of what it judges (``rule``: holds, contradicted, inconclusive, not testable), or None
#: for a line that reports numbers without judging them
Verdict = tuple[str | None, str]


@dataclass(frozen=True)
class Row:
    """The summary page's line for one claim of the paper."""

    claim: str  # the paper's claim, with its figure
    paper: str  # the paper's number or statement
    ours: str  # our numbers under the primary choices, with each part's state
    status: str  # the claim's state (``rule``)
    under: str = ""  # the choices it holds under
    test: str = ""  # the deciding test: p and the interval of the mean effect


@dataclass
class Evidence:
    """What a finding is computed from: the tidy table's rows of each experiment it reads, and what its chapter
    gathered from the run folders (e.g. per-sample signals), by name."""

    tables: dict[str, pd.DataFrame]
    gathered: dict[str, object] = field(default_factory=dict)

    def table(self, experiment: str) -> pd.DataFrame:
        try:
            return self.tables[experiment]
        except KeyError:
            raise ValueError(f"no rows of the {experiment!r} experiment were read "
                             f"(the evidence holds {', '.join(self.tables) or 'none'})") from None


R = TypeVar("R")


class Finding(Generic[R]):
    """The claims one chapter judges (see the module's docstring)."""

    reads: ClassVar[tuple[str, ...]] = ()
    beyond_paper: ClassVar[bool] = False  # listed in the summary but not counted among the paper's claims

    def compute(self, evidence: Evidence) -> R:
        raise NotImplementedError

    def verdicts(self, result: R) -> list[Verdict]:
        raise NotImplementedError

    def rows(self, result: R) -> list[Row]:
        raise NotImplementedError

    def table(self, result: R) -> pd.DataFrame | None:
        return None
