"""The golden evaluation's scorer (nianbao/evaluation/scoring.py): a wrong cell is silent unless
a warning names it or a failed check covers it; a refusal is loud; the halves add up."""

from __future__ import annotations

from pathlib import Path

from parsing import EmptyInputError, Record
from nianbao.evaluation.scoring import (
    CaseScore,
    score_record,
    score_refusal,
    silently_wrong,
    totals,
)

REPOSITORY = Path(__file__).resolve().parents[2]
REVIEW_BROKEN = {"upheld": 1, "corrected": 0, "other": 0, "pending": 0, "total": 2}  # 1 ≠ 2
REVIEW_OK = {"upheld": 1, "corrected": 0, "other": 0, "pending": 0, "total": 1}


def _record(warnings: tuple[str, ...] = ()) -> Record:
    return Record(
        title="某区2021年政府信息公开工作年度报告",
        year=2021,
        format="2021",
        active={"regulations": {"issued": 3, "repealed": 0, "in_force": 8}},
        review_litigation={"review": REVIEW_BROKEN, "litigation_direct": REVIEW_OK},
        warnings=warnings,
    )


def test_scoring_a_doctored_wrong_value_nobody_flags_is_silent() -> None:
    assert silently_wrong(_record(), {"active.regulations.issued": 4}) == ["active.regulations.issued"]


def test_scoring_a_wrong_value_named_by_a_warning_is_flagged_not_silent() -> None:
    for warning in ("active.regulations.issued: read from a torn row", "active.regulations: shifted columns"):
        record = _record((warning,))
        assert silently_wrong(record, {"active.regulations.issued": 4}) == []
        score = score_record("case", "dev", record, {"active.regulations.issued": 4})
        assert (score.exact, score.flagged, score.silent) == (0, ("active.regulations.issued",), ())


def test_scoring_a_warning_about_another_cell_does_not_flag() -> None:
    record = _record(("active.regulations.in_force: note",))
    assert silently_wrong(record, {"active.regulations.issued": 4}) == ["active.regulations.issued"]


def test_scoring_a_wrong_value_covered_by_a_failed_check_is_flagged() -> None:
    expected = {"review_litigation.review.total": 1, "review_litigation.litigation_direct.total": 2}
    score = score_record("case", "dev", _record(), expected)
    assert score.flagged == ("review_litigation.review.total",)  # review's identity fails
    assert score.silent == ("review_litigation.litigation_direct.total",)  # its identity holds


def test_scoring_null_and_zero_differ_and_an_absent_cell_is_wrong() -> None:
    expected = {"active.regulations.repealed": None, "active.fees.amount": 0, "active.regulations.issued": 3}
    score = score_record("case", "dev", _record(), expected)
    assert score.exact == 1
    assert set(score.silent) == {"active.regulations.repealed", "active.fees.amount"}


def test_scoring_a_wrong_field_outside_the_tables_is_counted_apart() -> None:
    score = score_record("case", "dev", _record(), {"year": 2022, "format": "2021"})
    assert (score.exact, score.other_wrong, score.silent, score.flagged) == (1, ("year",), (), ())


def test_scoring_a_refusal_is_not_silent_and_has_no_exact_field() -> None:
    expected = {"year": 2021, "active.regulations.issued": 3}
    score = score_refusal("case", "evaluation", EmptyInputError("empty file"), expected)
    assert (score.exact, score.silent, score.flagged) == (0, (), ("active.regulations.issued",))
    assert "empty file" in score.error


def test_scoring_totals_add_up_per_half() -> None:
    scores = [
        CaseScore("a", "dev", 10, 9, ("x",), (), ()),
        CaseScore("b", "dev", 10, 8, (), ("y", "z"), ()),
        CaseScore("c", "evaluation", 5, 5, (), (), ()),
    ]
    half = totals(scores)
    assert (half["dev"].cases, half["dev"].fields, half["dev"].exact, half["dev"].flagged, half["dev"].silent) == (
        2, 20, 17, 1, 2
    )
    assert half["dev"].exact_share == 0.85
    assert half["evaluation"].exact_share == 1.0 and half["evaluation"].silent == 0


def test_scoring_a_table_said_absent_flags_its_cells_and_only_when_it_is_absent() -> None:
    """The record has no applications table; a warning that says so flags its cells (null with
    a warning), not the cells of a table that is there."""
    expected = {"applications.new_received.total": 5, "active.regulations.issued": 4}
    silent = silently_wrong(_record(), expected)
    assert silent == ["applications.new_received.total", "active.regulations.issued"]
    said = _record(("applications: table not found in the report", "active: table not found in the report"))
    assert silently_wrong(said, expected) == ["active.regulations.issued"]  # active is there: wrong, unnamed
    assert silently_wrong(_record(("no disclosure tables found",)), {"applications.new_received.total": 5}) == []


def test_a_report_without_table_four_says_so() -> None:
    from parsing import parse_text

    seed = (REPOSITORY.parent / "shared" / "fixtures" / "seeds" / "000_1cbfe8eba3cb4c24.txt").read_text(encoding="utf-8")
    cut = seed[: seed.index("四、政府信息公开行政复议")] + seed[seed.index("五、存在的主要问题"):]
    record = parse_text(cut)
    assert record.review_litigation is None and record.applications is not None
    assert "review_litigation: table not found in the report" in record.warnings
    assert not any(w.startswith(("applications: table not found", "active: table not found")) for w in record.warnings)
