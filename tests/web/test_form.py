"""The official form's layout and the cells a failed check covers (parsing.checks.failed_check_cells)."""

from __future__ import annotations

import copy

import docx
import pytest

from nianbao.web.diff import diff_sections
from nianbao.web.form import cell_label, failed_cells, form_tables
from parsing.checks import check_tables, failed_check_cells
from parsing.schema import APPLICANT_PARTS, APPLICATION_ROWS, REVIEW_GROUPS, REVIEW_OUTCOMES
from nianbao.devportal.documents import sample_tables


def record_of(fmt: str, seed: int = 7) -> dict:
    t = sample_tables(fmt, seed=seed)
    return {"format": fmt, "active": copy.deepcopy(t.active), "applications": copy.deepcopy(t.applications),
            "review_litigation": copy.deepcopy(t.review_litigation), "sections": {}, "checks": []}


@pytest.mark.parametrize("fmt", ["2021", "2019"])
def test_a_consistent_report_has_no_failed_cells(fmt):
    record = record_of(fmt)
    assert failed_check_cells(fmt, {k: record[k] for k in ("applications", "review_litigation")}) == {}
    assert not any(cell.failed for table in form_tables(record) for row in table.rows for cell in row)


@pytest.mark.parametrize("fmt", ["2021", "2019"])
@pytest.mark.parametrize("row", ["granted", "carried_forward", "denied_state_secret"])
@pytest.mark.parametrize("col", ["natural_person", "total"])
def test_one_wrong_cell_is_covered_by_exactly_the_failing_checks(fmt, row, col):
    record = record_of(fmt)
    record["applications"][row][col] = (record["applications"][row][col] or 0) + 3
    covered = failed_check_cells(fmt, {k: record[k] for k in ("applications", "review_litigation")})
    failing = {c.rule for c in check_tables(fmt, record["applications"], record["review_litigation"]) if not c.ok}
    assert set(covered[("applications", row, col)]) == failing
    assert {rule for rules in covered.values() for rule in rules} == failing
    # the row-total identity of the row covers the whole row, and nothing of other rows' row totals
    if "applications.row_totals" in failing:
        assert {("applications", row, c) for c in (*APPLICANT_PARTS, "total")} <= set(covered)


def test_review_total_covers_its_group_only():
    record = record_of("2021")
    record["review_litigation"]["litigation_direct"]["pending"] = None
    record["review_litigation"]["litigation_direct"]["total"] += 1
    paths = set(failed_cells(record))
    assert paths == {f"review_litigation.litigation_direct.{o}" for o in REVIEW_OUTCOMES}


@pytest.mark.parametrize("fmt", ["2021", "2019"])
def test_form_has_a_value_cell_for_every_cell_of_the_record(fmt):
    record = record_of(fmt)
    paths = {cell.path for table in form_tables(record) for row in table.rows for cell in row if not cell.header}
    expected = {f"applications.{r}.{c}" for r in APPLICATION_ROWS[fmt] for c in (*APPLICANT_PARTS, "total")}
    expected |= {f"review_litigation.{g}.{o}" for g in REVIEW_GROUPS for o in REVIEW_OUTCOMES}
    expected |= {f"active.{r}.{c}" for r, cols in record["active"].items() for c in cols}
    assert paths == expected


def test_every_row_of_a_form_table_spans_the_same_width():
    for fmt in ("2021", "2019"):
        for table in form_tables(record_of(fmt)):
            occupied: dict[int, int] = {}  # row index -> columns taken by rowspans from above
            widths = []
            for i, row in enumerate(table.rows):
                width = occupied.get(i, 0) + sum(cell.colspan for cell in row)
                widths.append(width)
                for cell in row:
                    for below in range(i + 1, i + cell.rowspan):
                        occupied[below] = occupied.get(below, 0) + cell.colspan
            assert len(set(widths)) == 1, (fmt, table.key, widths)


def test_blank_stays_blank_and_signed_change_keeps_its_sign():
    record = record_of("2019")
    cells = {cell.path: cell.text for table in form_tables(record) for row in table.rows for cell in row if cell.path}
    assert cells["active.coercion.items_change"] == ""  # null in sample_tables
    assert cells["active.punishment.items_change"] == "+14" and cells["active.licensing.items_change"] == "-2"


def test_cell_labels_use_the_forms_words():
    assert cell_label("applications.denied_state_secret.enterprise", "2021") == "（三）不予公开 1.属于国家秘密 · 商业企业"
    assert cell_label("review_litigation.litigation_direct.corrected", "2021") == "行政诉讼 未经复议直接起诉 · 结果纠正"
    assert cell_label("active.fees.amount", "2021") == "行政事业性收费 · 本年收费金额（单位：万元）"
    assert cell_label("active.licensing.items_change", "2019") == "行政许可 · 本年增/减"


def test_text_diff_marks_the_changed_characters_of_an_edited_sentence():
    pieces = diff_sections("全年收到申请11件。办结10件。", "全年收到申请12件。办结10件。新增一句。")
    assert [(p.op, p.text) for p in pieces] == [
        ("same", "全年收到申请1"), ("removed", "1"), ("added", "2"), ("same", "件。"),
        ("same", "办结10件。"), ("added", "新增一句。")]


def test_form_headers_are_the_official_templates_words(paths):
    template = docx.Document(str(paths.real / "template_2021_format.docx"))
    words = {cell.text.replace("\n", "") for table in template.tables for row in table.rows for cell in row.cells}
    words.discard("")
    headers = {cell.text for table in form_tables(record_of("2021")) for row in table.rows for cell in row if cell.header}
    assert headers == {w for w in words if w.strip()}


def test_form_prints_the_2019_forms_own_words():
    tables = {table.key: table for table in form_tables(record_of("2019"))}
    active = [cell.text for row in tables["active"].rows for cell in row if cell.header]
    assert "规范性文件" in active and "行政规范性文件" not in active
    assert "采购总金额" in active and "本年收费金额（单位：万元）" not in active
    assert cell_label("active.procurement.amount", "2019") == "政府集中采购 · 采购总金额"
    assert cell_label("active.normative_documents.made", "2019") == "规范性文件 · 本年新制作数量"


def test_a_2021_table_printing_the_2019_single_other_row_shows_that_row_with_its_numbers() -> None:
    # 洪泽区 2023/2024 print （六）其他处理 as one row in a 2021 table: the form shows that row where
    # the three 2021 （六） rows stand, so the numbers （七）总计 sums are on the page.
    record = record_of("2021")
    apps = record["applications"]
    apps["other"] = {column: 1 for column in apps["total_processed"]}
    for row in ("other_no_correction", "other_unpaid_fee", "other_other"):
        apps[row] = {column: None for column in apps["total_processed"]}
    (table,) = [t for t in form_tables(record) if t.key == "applications"]
    paths = [cell.path for row in table.rows for cell in row if cell.path]
    assert "applications.other.natural_person" in paths
    assert not [p for p in paths if p.startswith("applications.other_")]
    labels = [cell.text for row in table.rows for cell in row if cell.header]
    assert labels.index("（六）其他处理") < labels.index("（七）总计")
    # a plain 2021 record keeps the form's three rows
    plain = [t for t in form_tables(record_of("2021")) if t.key == "applications"][0]
    plain_paths = {cell.path for row in plain.rows for cell in row if cell.path}
    assert "applications.other_other.total" in plain_paths and "applications.other.total" not in plain_paths
