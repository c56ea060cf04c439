"""Acceptance of issue 13: the golden evaluation (nianbao/evaluation) over every real document
(seeds, real PDFs, collected real pages), every converter's text of the real PDFs and every
broken-structure variant: at least 99.5% of fields exact over all of it, and no cell silently
wrong in either half. `bench/accuracy.py` prints the same numbers per case.

The EVALUATION half is never tuned on (nianbao/evaluation/cases.py says which documents). Its
own floor, 99%, is a regression guard, not a target: the parser's figure on it was measured
once as held out (99.07%, 2 silent cells, both in pingtan_2020's 本年增/减 row: a minus sign in
glued digits, since fixed) and its markdown conversions (91-95% exact, every miss flagged) were
left as they are, so that the half keeps measuring what the parser was not fitted to."""

from __future__ import annotations

from functools import cache

import pytest

from nianbao.evaluation import DEV, EVALUATION, CaseScore, all_cases, score_case, totals

pytestmark = pytest.mark.clock_free  # pure parsing: no clock (scripts/test.sh runs it once)

MIN_EXACT = 0.995  # over every case: the acceptance
MIN_EXACT_DEV = 0.995  # the half the parser was developed on
MIN_EXACT_EVALUATION = 0.99  # held out: a floor against regressions, see the docstring


@cache
def _scores() -> tuple[CaseScore, ...]:
    return tuple(score_case(case) for case in all_cases())


def _table(half: str | None = None) -> str:
    return "\n".join(
        f"{s.case}: {s.exact}/{s.fields} exact, {len(s.flagged)} flagged, silent {list(s.silent)}"
        + (f", other {list(s.other_wrong)}" if s.other_wrong else "") + (f", refused {s.error}" if s.error else "")
        for s in _scores() if (half is None or s.half == half) and s.exact < s.fields
    )


@pytest.mark.parametrize("half", [DEV, EVALUATION])
def test_golden_evaluation_no_cell_is_silently_wrong(half: str) -> None:
    assert totals(_scores())[half].silent == 0, _table(half)


def test_golden_evaluation_fields_exact_over_every_case() -> None:
    halves = totals(_scores())
    exact = sum(t.exact for t in halves.values())
    fields = sum(t.fields for t in halves.values())
    assert exact / fields >= MIN_EXACT, f"{exact}/{fields} = {exact / fields:.2%} exact\n" + _table()


@pytest.mark.parametrize("half, floor", [(DEV, MIN_EXACT_DEV), (EVALUATION, MIN_EXACT_EVALUATION)])
def test_golden_evaluation_fields_exact_per_half(half: str, floor: float) -> None:
    t = totals(_scores())[half]
    assert t.exact_share >= floor, f"{t.exact}/{t.fields} = {t.exact_share:.2%} exact\n" + _table(half)
