"""The paper's findings as checks on a tidy table (``results/<profile>/metrics.csv`` rows).

Each function returns a JSON-ready dict: the paper's statement and number, ours per seed and per choice
(storage, copy test, entropy reading), the choices it ``holds_under``, its thresholds, and its claim's ``status``
(``holds``, ``fails``, or ``not testable at this scale`` when the first models fail the quality gate).
"""

from .common import (
                     COPY_TESTS,
                     ENTROPY_READINGS,
                     FAILS,
                     HOLDS,
                     MAX_FD_OVER_FLOOR,
                     MIN_TRACE_RATIO,
                     PRIMARY_COPY_TEST,
                     PRIMARY_ENTROPY,
                     PRIMARY_STORAGE,
                     STORAGES,
                     UNTESTABLE,
                     learned_data,
                     quality_gate,
)
from .detection import MIN_YOUDEN_J, without_training_data
from .selection import ablation, fig_4, fig_11, section_5
from .sizes import MEMORIZED_LEVEL, app_e, common_slope, finding_1, finding_2, finding_3

__all__ = ["COPY_TESTS", "ENTROPY_READINGS", "FAILS", "HOLDS", "MAX_FD_OVER_FLOOR", "MEMORIZED_LEVEL", "MIN_TRACE_RATIO",
           "MIN_YOUDEN_J", "PRIMARY_COPY_TEST", "PRIMARY_ENTROPY", "PRIMARY_STORAGE", "STORAGES", "UNTESTABLE",
           "ablation", "app_e", "common_slope", "fig_4", "fig_11", "finding_1", "finding_2", "finding_3",
           "learned_data", "quality_gate", "section_5", "without_training_data"]
