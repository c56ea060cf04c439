"""parsing.form_order: the second reading of each table by the form's own order, and how the
identities choose between it and the label reading; never a guess when they cannot.

On real converter output of the dev-half documents (tests/fixtures/converted: 淮安 2024 and
洪泽 2023 as pdftotext and pdfminer give them) and on small texts built for one rule each.
"""

from __future__ import annotations

from pathlib import Path

from parsing import parse_report, parse_text
from parsing.cells import parse_cell
from parsing.form_order import reconcile_review, value_runs, _fitted_runs
from parsing.rows import text_to_rows
from parsing.schema import APPLICANT_COLUMNS, APPLICATION_ROWS, REVIEW_GROUPS, REVIEW_OUTCOMES, application_label
from parsing.tables import cell_to_value

CONVERTED = Path(__file__).resolve().parents[1] / "fixtures" / "converted"


def _parse(name: str):
    path = CONVERTED / name
    return parse_report(path.read_bytes(), url=path.as_uri())


def test_pdfminer_streams_table_three_column_by_column_and_the_identities_find_the_order() -> None:
    """洪泽 2023 by pdfminer: each page's block of table 三 comes column after column, the 总计
    column before 其他; the one order that fits every identity is taken, and said."""
    record = _parse("hongze_district_2023.pdfminer.txt")
    assert record.applications["new_received"] == dict(zip(APPLICANT_COLUMNS, [21, 0, 0, 0, 0, 0, 21]))
    assert record.applications["unavailable_not_held"]["natural_person"] == 10
    assert record.applications["other"]["total"] == 0  # the 2019 single row, kept
    assert not [c for c in record.failed_checks if c.rule.startswith("applications")]
    (said,) = [w for w in record.warnings if w.startswith("applications: labels and values apart")]
    assert "column by column" in said and "mixes formats" in said


def test_a_table_two_block_that_may_be_row_or_column_major_is_left_empty_with_a_warning() -> None:
    """pdfminer gives 规章 and 行政规范性文件 as one block `0 0 0 5 0 5`: by row (0 0 0 / 5 0 5) or
    by column (0 0 0 / 0 5 5)? Table 二 has no identity; the cells the two disagree on are
    null, each named."""
    record = _parse("hongze_district_2023.pdfminer.txt")
    row = record.active["normative_documents"]
    assert row["issued"] is None and row["repealed"] is None and row["in_force"] == 5
    for column in ("issued", "repealed"):
        assert any(w.startswith(f"active.normative_documents.{column}: its block of values may be printed row by row")
                   for w in record.warnings)
    assert record.active["licensing"]["decisions"] == 550


def test_table_four_out_of_order_keeps_what_every_fitting_order_agrees_on() -> None:
    """淮安 2024 by pdftotext (raw): table 四 comes as runs 72 64 178 37 | 12 1 1 6 | 351 |
    13 4 8 1 26 | 20. Six orders of the runs fit the identities; the narrative (行政复议 351 件)
    leaves two, which agree on 行政复议 and not on the two litigation groups: those are null."""
    record = _parse("huaian_city_2024.pdftotext.txt")
    review = record.review_litigation
    assert review["review"] == dict(zip(REVIEW_OUTCOMES, [72, 64, 178, 37, 351]))
    assert all(v is None for g in ("litigation_direct", "litigation_after_review") for v in review[g].values())
    assert any("2 orders of its 5 runs fit" in w and "narrow 6" in w for w in record.warnings)
    assert any(w.startswith("review_litigation.litigation_direct.total: ") for w in record.warnings)
    assert not any("the narrative states administrative litigation" in w for w in record.warnings)


def _runs(*runs: list[int]) -> list[list]:
    return [[parse_cell(str(v)) for v in run] for run in runs]


def _grid(values: list[int]) -> dict:
    return {g: dict(zip(REVIEW_OUTCOMES, values[5 * k: 5 * k + 5])) for k, g in enumerate(REVIEW_GROUPS)}


def test_table_four_runs_with_one_fitting_order_take_it_and_say_so() -> None:
    """A run that spans two groups (行政复议's total, then 直接起诉's parts) ties them: of the
    six orders of three runs only one fits."""
    runs = _runs([4, 3, 2, 0, 0], [2, 1, 0, 1], [5, 1, 1, 1, 0, 3])
    decision = reconcile_review("2021", None, runs, cell_to_value)
    assert decision is not None and decision.replaces and not decision.nulled
    assert decision.table == _grid([2, 1, 0, 1, 4, 3, 2, 0, 0, 5, 1, 1, 1, 0, 3])
    assert any("the one order of those runs that fits the identities" in w for w in decision.warnings)


def test_two_readings_that_both_fit_leave_their_differing_cells_empty() -> None:
    """The labels say one thing, the form's order another, and the identities accept both."""
    labelled = _grid([1, 0, 0, 0, 1, 2, 0, 0, 0, 2, 0, 0, 0, 0, 0])
    runs = _runs([2, 0, 0, 0, 2, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0])
    decision = reconcile_review("2021", labelled, runs, cell_to_value)
    assert decision is not None and not decision.replaces
    assert decision.table["review"]["upheld"] is None and decision.table["litigation_direct"]["total"] is None
    assert decision.table["litigation_after_review"]["total"] == 0  # agreed: kept
    assert {("review", "upheld"), ("review", "total"), ("litigation_direct", "upheld"),
            ("litigation_direct", "total")} == decision.nulled
    assert all("both fit the identities" in w for w in decision.warnings)


def test_blank_cells_are_padding_unless_the_form_count_needs_them() -> None:
    numbers_only = _fitted_runs([[parse_cell("4119"), parse_cell("")]], 1)
    assert [c.raw for run in numbers_only for c in run] == ["4119"]
    with_blanks = _fitted_runs([[parse_cell(""), parse_cell(""), parse_cell("3")]], 3)
    assert [c.kind for run in with_blanks for c in run] == ["blank", "blank", "number"]
    assert _fitted_runs([[parse_cell("1"), parse_cell("")]], 3) is None


def _torn_labels_report(blank_carried_over: bool) -> str:
    """Table 三 as a markdown converter tears it: labels as loose lines (one ahead of its
    values), the values as bare rows in the form's order; the other rows' labels lost."""
    values = {row: [0] * 7 for row in APPLICATION_ROWS["2021"]}
    values["new_received"] = [5, 1, 0, 0, 0, 0, 6]
    values["granted"] = [3, 0, 0, 0, 0, 0, 3]
    values["partially_granted"] = [2, 1, 0, 0, 0, 0, 3]
    values["total_processed"] = [5, 1, 0, 0, 0, 0, 6]
    lines = ["某某县人民政府2023年政府信息公开工作年度报告", "三、收到和处理政府信息公开申请情况",
             "| 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计 |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for n, row in enumerate(APPLICATION_ROWS["2021"]):
        if n % 4 == 1:
            lines.append(application_label(row))  # before the value row above's label…
        cells = ["" if blank_carried_over and row == "carried_over" else str(v) for v in values[row]]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["四、政府信息公开行政复议、行政诉讼情况"]
    return "\n".join(lines)


def test_torn_labels_are_read_by_the_form_order_with_a_row_printed_blank() -> None:
    for blank in (False, True):
        record = parse_text(_torn_labels_report(blank))
        assert record.applications["partially_granted"] == dict(zip(APPLICANT_COLUMNS, [2, 1, 0, 0, 0, 0, 3]))
        want = None if blank else 0
        assert record.applications["carried_over"] == dict.fromkeys(APPLICANT_COLUMNS, want)
        assert any(w.startswith("applications: labels and values apart") for w in record.warnings)


def test_value_runs_skip_page_footers_split_into_cells_and_stop_at_the_next_section() -> None:
    rows = text_to_rows("\n".join([
        "四、政府信息公开行政复议、行政诉讼情况",
        "| 1 | 0 | 0 | 0 | 1 |",
        "| - 3 | - |",
        "| 0 | 0 | 0 | 0 | 0 |",
        "五、存在的主要问题及改进情况",
        "| 7 | 7 |",
    ]))
    runs = value_runs(rows)["review"]
    assert [c.raw for run in runs for c in run if c.kind == "number"] == ["1", "0", "0", "0", "1", "0", "0", "0", "0", "0"]
