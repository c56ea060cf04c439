"""Golden test of the real documents (../shared/fixtures/real): every field exact, the warnings
and failed checks each requires, and no cell silently wrong; plus the hybrid formats they show.

Expected records: tests/fixtures/real/*.expected.json (the 洪泽区 reports, typed by hand from
the rendered pages) and tests/fixtures/parsing/pdf_huaian_city_2024.expected.json (reviewed
against its pages too; kept where test_golden.py reads it). The format is test_golden's (dotted
paths compared exactly, `_source`, `_warnings_contain`, `_failed_checks`, `_sections_present`,
`_text_absent`), plus:

- `_check_details_contain`: {rule: [text that rule's failed check's detail must contain]};
- `_failed_cells`: dotted cells that a failed check must cover (`parsing.checks.failed_check_cells`);
- `_notes`: what the reviewer saw on the page (not read by the test).

A cell is *silently wrong* when its value differs from the expected one, no warning names it
(its dotted path, or its row's path followed by ":") and no failed check covers it; the scoring
(`silently_wrong`, `covered_by_failed_checks`, `exact`) is nianbao/evaluation/scoring.py's,
shared with the golden evaluation (bench/accuracy.py). The issue's
rule (a cell is right, or null with a warning, or named by a failed check) is that count being 0;
it is asserted on its own so that a flagged mismatch is told apart from a silent one.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from nianbao.evaluation.scoring import TABLES, covered_by_failed_checks, fields_of, silently_wrong
from nianbao.evaluation.scoring import exact as _exact
from parsing import Record, parse_report, parse_text
from parsing.checks import failed_check_cells
from parsing.schema import (
    APPLICANT_COLUMNS,
    APPLICATION_ROWS,
    OTHER_ROWS_2021,
    RESULT_ROWS,
    REVIEW_GROUPS,
    REVIEW_OUTCOMES,
    application_label,
)

REPOSITORY = Path(__file__).resolve().parents[2]
SHARED_FIXTURES = REPOSITORY.parent / "shared" / "fixtures"
FIXTURES = REPOSITORY / "tests" / "fixtures"
CASES = sorted((FIXTURES / "real").glob("*.expected.json")) + [
    FIXTURES / "parsing" / "pdf_huaian_city_2024.expected.json"
]


def _case_id(path: Path) -> str:
    return path.name.removesuffix(".expected.json")


@cache
def _expected(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def _parsed(path: Path) -> Record:
    source = SHARED_FIXTURES / _expected(path)["_source"]
    return parse_report(source.read_bytes(), url=source.as_uri())


def _fields(expected: dict) -> dict:
    return fields_of(expected)


def test_real_documents_every_case_is_there() -> None:
    """CASES is partly a glob: a missing expected file would drop its case, not fail."""
    assert [_case_id(path) for path in CASES] == [
        "hongze_district_2023", "hongze_district_2024", "pdf_huaian_city_2024"
    ]
    assert all(path.exists() and (SHARED_FIXTURES / _expected(path)["_source"]).exists() for path in CASES)


@pytest.mark.parametrize("expected_path", CASES, ids=_case_id)
def test_real_document_every_field_exact(expected_path: Path) -> None:
    fields = _fields(_expected(expected_path))
    flat = _parsed(expected_path).flatten()
    wrong = {key: {"got": flat.get(key, "<absent>"), "want": want}
             for key, want in fields.items() if not _exact(flat.get(key, "<absent>"), want)}
    assert not wrong, f"{len(fields) - len(wrong)} of {len(fields)} fields exact:\n" + json.dumps(
        wrong, ensure_ascii=False, indent=1
    )


@pytest.mark.parametrize("expected_path", CASES, ids=_case_id)
def test_real_document_has_no_cell_beyond_the_expected_ones(expected_path: Path) -> None:
    fields = _fields(_expected(expected_path))
    extra = [key for key in _parsed(expected_path).flatten() if key.split(".")[0] in TABLES and key not in fields]
    assert not extra


def test_real_documents_have_no_silently_wrong_cell() -> None:
    silent = {_case_id(path): silently_wrong(_parsed(path), _fields(_expected(path))) for path in CASES}
    assert sum(len(cells) for cells in silent.values()) == 0, silent


@pytest.mark.parametrize("expected_path", CASES, ids=_case_id)
def test_real_document_warnings_required_are_present(expected_path: Path) -> None:
    record = _parsed(expected_path)
    for needle in _expected(expected_path).get("_warnings_contain", []):
        assert any(needle in w for w in record.warnings), f"no warning mentions {needle!r}: {record.warnings}"


@pytest.mark.parametrize("expected_path", CASES, ids=_case_id)
def test_real_document_fails_exactly_the_expected_checks(expected_path: Path) -> None:
    expected, record = _expected(expected_path), _parsed(expected_path)
    assert sorted(c.rule for c in record.failed_checks) == sorted(expected.get("_failed_checks", []))
    details = {c.rule: c.detail for c in record.failed_checks}
    for rule, needles in expected.get("_check_details_contain", {}).items():
        for needle in needles:
            assert needle in details[rule], details[rule]
    assert set(expected.get("_failed_cells", [])) <= covered_by_failed_checks(record)


@pytest.mark.parametrize("expected_path", CASES, ids=_case_id)
def test_real_document_sections_hold_text_without_page_chrome(expected_path: Path) -> None:
    expected, record = _expected(expected_path), _parsed(expected_path)
    text = "\n".join(t for t in record.sections.values() if t)
    for key in expected.get("_sections_present", []):
        assert record.sections.get(key), f"section {key} is empty"
    for needle in expected.get("_text_absent", []):
        assert needle not in text, f"{needle!r} left in the sections"


def test_hongze_2023_printed_review_totals_are_kept_and_named_by_the_failed_check() -> None:
    """The published 总计 0 is kept (never corrected to 11 and 5); the check names both groups,
    and not the group whose total holds."""
    path = FIXTURES / "real" / "hongze_district_2023.expected.json"
    record = _parsed(path)
    assert record.review_litigation["review"]["total"] == 0
    assert record.review_litigation["litigation_after_review"]["total"] == 0
    (check,) = [c for c in record.failed_checks if c.rule == "review_litigation.totals"]
    assert "litigation_direct" not in check.detail


def test_silent_cell_count_counts_a_wrong_cell_nobody_flags() -> None:
    """The counter itself: a wrong expectation is silent unless a warning or a failed check
    covers its cell."""
    path = FIXTURES / "real" / "hongze_district_2023.expected.json"
    record = _parsed(path)
    doctored = {
        "applications.granted.total": 7,  # nothing flags it: silent
        "review_litigation.review.total": 11,  # the failed review_litigation.totals covers it
        "applications.other.total": 1,  # the mixed-format warning names the row
    }
    assert silently_wrong(record, doctored) == ["applications.granted.total"]


# --- hybrid formats, in text: the same shapes with numbers that the checks can see ---------

def _line(label: str, values: list[int]) -> str:
    return " ".join([label, *map(str, values)])


def _report_2021(
    results: dict[str, list[int]], other_rows: dict[str, list[int]], active_label: str = "行政规范性文件"
) -> str:
    """A 2021-format report as PDF-extracted text; `other_rows` are the (六) rows as printed."""
    total = [sum(col) for col in zip(*(v for v in (*results.values(), *other_rows.values()) if v))]
    lines = [
        "某某区人民政府2022年政府信息公开工作年度报告",
        "二、主动公开政府信息情况",
        "第二十条第（一）项",
        "信息内容 本年制发件数 本年废止件数 现行有效件数",
        "规章 0 0 0",
        f"{active_label} 2 1 7",
        "第二十条第（五）项",
        "信息内容 本年处理决定数量",
        "行政许可 5",
        "三、收到和处理政府信息公开申请情况",
        _line(application_label("new_received"), total),
        _line(application_label("carried_over"), [0] * 7),
    ]
    for row in APPLICATION_ROWS["2021"]:
        if row in results:
            lines.append(_line(application_label(row), results[row]))
        elif row in RESULT_ROWS["2021"] and row not in OTHER_ROWS_2021:
            lines.append(_line(application_label(row), [0] * 7))
        if row == "not_processed_confirmation":
            lines.extend(_line(label, values) for label, values in other_rows.items())
    lines += [
        _line(application_label("total_processed"), total),
        _line(application_label("carried_forward"), [0] * 7),
        "四、政府信息公开行政复议、行政诉讼情况",
        "行政复议",
        " ".join(["1", "0", "0", "0", "1"] + ["0"] * 10),
    ]
    return "\n".join(lines)


GRANTED = {"granted": [2, 1, 0, 0, 0, 0, 3]}


def test_2021_table_with_the_2019_single_other_row_keeps_it_and_counts_it() -> None:
    record = parse_text(_report_2021(GRANTED, {"（六）其他处理": [3, 0, 0, 0, 0, 0, 3]}))
    assert record.format == "2021"
    assert record.applications["other"] == dict(zip(APPLICANT_COLUMNS, [3, 0, 0, 0, 0, 0, 3]))
    assert all(record.applications[row] == dict.fromkeys(APPLICANT_COLUMNS) for row in OTHER_ROWS_2021)
    assert record.applications["total_processed"]["total"] == 6
    assert not record.failed_checks, [c.to_dict() for c in record.failed_checks]  # (七)总计 sums `other`
    assert any(w.startswith("applications.other: the report mixes formats") for w in record.warnings)


def test_2021_table_with_the_2019_single_other_row_fails_a_check_when_it_breaks_the_sum() -> None:
    text = _report_2021(GRANTED, {"（六）其他处理": [3, 0, 0, 0, 0, 0, 3]})
    printed, wrong = [3, 0, 0, 0, 0, 0, 3], [4, 0, 0, 0, 0, 0, 4]
    text = text.replace(_line("（六）其他处理", printed), _line("（六）其他处理", wrong))
    record = parse_text(text)
    assert record.applications["other"]["total"] == 4
    assert sorted(c.rule for c in record.failed_checks) == ["applications.results_sum"]
    assert ("applications", "other", "total") in failed_check_cells("2021", {"applications": record.applications})


def test_2021_table_with_its_three_other_rows_has_no_single_row() -> None:
    rows = {application_label(r): [1, 0, 0, 0, 0, 0, 1] for r in OTHER_ROWS_2021}
    record = parse_text(_report_2021(GRANTED, {"（六）其他处理": [], **rows}))
    assert "other" not in record.applications
    assert [record.applications[r]["total"] for r in OTHER_ROWS_2021] == [1, 1, 1]
    assert not record.failed_checks
    assert not any("mixes formats" in w for w in record.warnings)


def test_2021_heading_numbers_beside_its_three_rows_are_not_kept_and_say_so() -> None:
    rows = {application_label(r): [1, 0, 0, 0, 0, 0, 1] for r in OTHER_ROWS_2021}
    record = parse_text(_report_2021(GRANTED, {"（六）其他处理": [3, 0, 0, 0, 0, 0, 3], **rows}))
    assert "other" not in record.applications
    assert [record.applications[r]["total"] for r in OTHER_ROWS_2021] == [1, 1, 1]
    assert any(w.startswith("applications.other: （六）其他处理 prints numbers of its own") for w in record.warnings)


def test_2019_label_in_a_2021_table_is_read() -> None:
    record = parse_text(_report_2021(GRANTED, {"（六）其他处理": [0] * 7}, active_label="规范性文件"))
    assert record.format == "2021"
    assert record.active["normative_documents"] == {"issued": 2, "repealed": 1, "in_force": 7}


def test_typo_label_of_denied_prohibited_maps() -> None:
    results = {**GRANTED, "denied_prohibited": [1, 0, 0, 0, 0, 0, 1]}
    text = _report_2021(results, {"（六）其他处理": [0] * 7}).replace(
        application_label("denied_prohibited"), "2.其他法律行政止公开"  # 洪泽区 2023/2024 print it so
    )
    record = parse_text(text)
    assert record.applications["denied_prohibited"]["total"] == 1
    assert not record.failed_checks


def test_review_groups_of_the_synthetic_report_are_read() -> None:
    """The helper's table 四 is read as printed (guards the hybrid tests above against a report
    whose tables were not found at all)."""
    record = parse_text(_report_2021(GRANTED, {"（六）其他处理": [0] * 7}))
    assert set(record.review_litigation) == set(REVIEW_GROUPS)
    assert [record.review_litigation["review"][o] for o in REVIEW_OUTCOMES] == [1, 0, 0, 0, 1]
