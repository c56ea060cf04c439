"""Acceptance of issue 13: the golden evaluation (nianbao/evaluation) over every real document,
every converter's text of the real PDFs and every broken-structure variant, per half: at least
99.5% of fields exact and no cell silently wrong. The EVALUATION half (hongze_district_2024,
seeds 001 and 003) is never tuned on. `bench/accuracy.py` prints the same numbers per case."""

from __future__ import annotations

from functools import cache

import pytest

from nianbao.evaluation import DEV, EVALUATION, CaseScore, all_cases, score_case, totals

MIN_EXACT = 0.995


@cache
def _scores() -> tuple[CaseScore, ...]:
    return tuple(score_case(case) for case in all_cases())


def _table(half: str) -> str:
    return "\n".join(
        f"{s.case}: {s.exact}/{s.fields} exact, {len(s.flagged)} flagged, silent {list(s.silent)}"
        + (f", other {list(s.other_wrong)}" if s.other_wrong else "") + (f", refused {s.error}" if s.error else "")
        for s in _scores() if s.half == half and s.exact < s.fields
    )


@pytest.mark.parametrize("half", [DEV, EVALUATION])
def test_golden_evaluation_no_cell_is_silently_wrong(half: str) -> None:
    assert totals(_scores())[half].silent == 0, _table(half)


@pytest.mark.parametrize("half", [DEV, EVALUATION])
def test_golden_evaluation_fields_exact(half: str) -> None:
    t = totals(_scores())[half]
    assert t.exact_share >= MIN_EXACT, f"{t.exact}/{t.fields} = {t.exact_share:.2%} exact\n" + _table(half)
