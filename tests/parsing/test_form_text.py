"""The whole report as searchable text (parsing.form_text): headings, narrative and the tables
as the form prints them, cells kept apart so search cannot join them."""

from __future__ import annotations

import pytest

from parsing import schema
from parsing.form_text import CELL_SEPARATOR, document_text, table_lines
from storage.textnorm import normalize


def _record(fmt: str = "2021", **tables) -> dict:
    return {"title": "某局2023年政府信息公开工作年度报告", "format": fmt,
            "sections": {"overview": "本局扎实推进政务公开。", "problems": "培训不够。"}, **tables}


def _review(value: int = 0) -> dict:
    return {g: {o: value for o in schema.REVIEW_OUTCOMES} for g in schema.REVIEW_GROUPS}


def test_document_text_writes_table_four_labels_under_its_heading() -> None:
    text = document_text(_record(review_litigation=_review()))
    heading = schema.SECTION_TITLES["review_litigation"]
    assert heading in text
    after = text[text.index(heading):]
    for label in (*schema.REVIEW_GROUP_LABELS.values(), *schema.REVIEW_OUTCOME_LABELS.values(), "行政诉讼"):
        assert label in after


def test_document_text_leaves_out_tables_and_sections_the_report_lacks() -> None:
    text = document_text(_record())
    assert "本局扎实推进政务公开。" in text and schema.SECTION_TITLES["overview"] in text
    assert "复议" not in text
    assert schema.SECTION_TITLES["active_disclosure"] not in text
    assert schema.SECTION_TITLES["review_litigation"] not in text


def test_document_text_keeps_numbers_of_neighbouring_cells_apart() -> None:
    # Search drops whitespace: cells written "3 0 0" would be found as 300.
    applications = {row: {c: 0 for c in schema.APPLICANT_COLUMNS} for row in schema.APPLICATION_ROWS["2021"]}
    applications["granted"] = dict(applications["granted"], natural_person=3, total=3)
    text = document_text(_record(applications=applications))
    assert "（一）予以公开 | 3 | 0 | 0 | 0 | 0 | 0 | 3" in text
    assert "300" not in normalize(text) and "30" not in normalize(text)


@pytest.mark.parametrize("fmt", schema.FORMATS)
def test_table_lines_print_every_label_of_the_format(fmt: str) -> None:
    active = {row.key: {c: 1 for c in row.columns} for row in schema.ACTIVE_ROWS[fmt]}
    applications = {row: {c: None for c in schema.APPLICANT_COLUMNS} for row in schema.APPLICATION_ROWS[fmt]}
    record = _record(fmt, active=active, applications=applications)
    active_text = "\n".join(table_lines(record, "active"))
    for row in schema.ACTIVE_ROWS[fmt]:
        assert f"\n{row.label}{CELL_SEPARATOR}1" in active_text
    assert all(label in active_text for label in schema.ACTIVE_COLUMN_LABELS[fmt].values()
               if any(label in group.column_labels for group in schema.ACTIVE_GROUPS[fmt]))
    lines = list(table_lines(record, "applications"))
    assert len(lines) == 3 + len(schema.APPLICATION_ROWS[fmt])  # three header lines, a line per row
    for row in schema.APPLICATION_ROWS[fmt]:
        assert schema.application_label(row) in "\n".join(lines)


def test_table_lines_print_a_spanning_label_once() -> None:
    applications = {row: {} for row in schema.APPLICATION_ROWS["2021"]}
    text = "\n".join(table_lines(_record(applications=applications), "applications"))
    assert text.count("（三）不予公开") == 1
    assert text.count(schema.RESULTS_HEADING) == 1


def test_table_lines_of_a_table_the_report_lacks_are_none() -> None:
    assert list(table_lines(_record(), "review_litigation")) == []
