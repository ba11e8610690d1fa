"""The paper's findings, grouped by family: each ``Finding`` declares the rows of the tidy table it reads, its check
and thresholds, its sentences, its summary rows and its result type (``claim``); every claim is judged by the one
rule in ``rule`` (matched seeds, a one-sided test in the paper's direction, three states).

- ``sizes``: Findings I-III and App. E (the replace loop at several training-set sizes);
- ``selection``: Sec. 5, App. F.1 and App. F.2 (selection against vanilla, its controls, the real images it keeps);
- ``guidance``: Fig. 4 (selection under classifier-free guidance);
- ``ablations``: App. G (all 2N against selection, and the filter's decay rate);
- ``detection``: beyond the paper, memorization read from the model alone.
``common`` holds what the checks share (the quality gate, per-seed values of an arm, correlations per seed) and
``wording`` the sentence pieces they share.
"""

from .ablations import AppendixG
from .claim import Evidence, Finding, Row
from .common import MAX_FD_OVER_FLOOR, MIN_TRACE_RATIO, learned_data, quality_gate
from .detection import WithoutTrainingData
from .guidance import FigureFour
from .rule import CONTRADICTED, HOLDS, INCONCLUSIVE, STATES, UNTESTABLE
from .selection import RealShare, SectionFive, arms
from .sizes import MEMORIZED_LEVEL, AppendixE, FindingOne, FindingThree, FindingTwo, common_slope

__all__ = ["CONTRADICTED", "HOLDS", "INCONCLUSIVE", "MAX_FD_OVER_FLOOR", "MEMORIZED_LEVEL", "MIN_TRACE_RATIO", "STATES",
           "UNTESTABLE", "AppendixE", "AppendixG", "Evidence", "FigureFour", "Finding", "FindingOne", "FindingThree",
           "FindingTwo", "RealShare", "Row", "SectionFive", "WithoutTrainingData", "arms", "common_slope",
           "learned_data", "quality_gate"]
