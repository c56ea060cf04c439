"""The golden evaluation (issue 13): every real document the project holds, the text common PDF
converters make of the real PDFs, and broken-structure variants built from them, each parsed and
scored against its expected record.

`cases` enumerates the cases (each with its expected fields and its half: the EVALUATION half is
never tuned on), `scoring` scores one parsed record (fields exact, cells wrong but flagged, cells
silently wrong). `bench/accuracy.py` prints the tables; tests/parsing/test_golden_evaluation.py
holds the acceptance numbers.
"""

from .cases import DEV, EVALUATION, EVALUATION_DOCUMENTS, Case, all_cases
from .scoring import (
    TABLES,
    CaseScore,
    HalfTotals,
    covered_by_failed_checks,
    exact,
    flagged_by_warning,
    score_case,
    score_record,
    silently_wrong,
    totals,
)

__all__ = [
    "DEV",
    "EVALUATION",
    "EVALUATION_DOCUMENTS",
    "TABLES",
    "Case",
    "CaseScore",
    "HalfTotals",
    "all_cases",
    "covered_by_failed_checks",
    "exact",
    "flagged_by_warning",
    "score_case",
    "score_record",
    "silently_wrong",
    "totals",
]
