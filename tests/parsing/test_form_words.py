"""The official form's words, written once in parsing.schema: they are the words of the official
2021 template (shared/fixtures/real/template_2021_format.docx), the parser recognises every one
of them in both formats, and the DOCX renderer prints them where the template does."""

from __future__ import annotations

import io

import docx
import pytest

from parsing import schema
from parsing.labels import (
    ACTIVE_RULES,
    APPLICATION_RULES,
    REVIEW_GROUP_RULES,
    form_wording,
    format_scores,
    match_rule,
)
from nianbao.devportal.documents import render_docx, sample_tables

Grid = list[list[str]]  # a table's rows, each its distinct cells' texts (a merged cell once)


def _grids(document: docx.document.Document) -> list[Grid]:
    grids = []
    for table in document.tables:
        rows = []
        for row in table.rows:
            seen: list[object] = []
            cells = []
            for cell in row.cells:
                if cell._tc not in seen:  # python-docx repeats a merged cell across its columns
                    seen.append(cell._tc)
                    cells.append(cell.text)
            rows.append(cells)
        grids.append(rows)
    return grids


@pytest.fixture(scope="module")
def template(paths) -> docx.document.Document:
    return docx.Document(str(paths.real / "template_2021_format.docx"))


def _labels(grid: Grid) -> list[list[str]]:
    """The grid's label cells: the template's value cells are empty or full-width spaces; a label
    the template wraps in its narrow cell (商业\\n企业) is read as one word."""
    return [[c.replace("\n", "") for c in row if c.strip()] for row in grid]


def _expected_active(fmt: schema.Format) -> list[list[str]]:
    rows = []
    for group in schema.ACTIVE_GROUPS[fmt]:
        rows += [[group.heading], [schema.ACTIVE_ROW_HEADING, *group.column_labels]]
        rows += [[row.label] for row in group.rows]
    return rows


def _expected_applications(fmt: schema.Format) -> list[list[str]]:
    applicants = [schema.APPLICANT_LABELS[c].text for c in schema.APPLICANT_COLUMNS]
    note = schema.APPLICATIONS_NOTE
    rows = [
        [note, schema.APPLICANTS_HEADING],
        [note, applicants[0], schema.ORGANISATIONS_HEADING, applicants[-1]],
        [note, *applicants],
    ]
    return rows + [[part for part in schema.APPLICATION_LABELS[r] if part] for r in schema.APPLICATION_ROWS[fmt]]


def _expected_review() -> list[list[str]]:
    outcomes = [schema.REVIEW_OUTCOME_LABELS[o] for o in schema.REVIEW_OUTCOMES]
    litigation = [schema.REVIEW_GROUP_LABELS[g] for g in schema.REVIEW_GROUPS[1:]]
    return [[schema.REVIEW_GROUP_LABELS["review"], schema.LITIGATION_HEADING], outcomes + litigation, outcomes * 3, []]


def test_schema_words_are_the_2021_templates(template) -> None:
    active, applications, review = (_labels(grid) for grid in _grids(template))
    assert active == _expected_active("2021")
    assert applications == _expected_applications("2021")
    assert review == _expected_review()


def test_schema_section_titles_are_the_templates_headings_in_order(template) -> None:
    headings = [p.text for p in template.paragraphs if p.text in schema.SECTION_TITLES.values()]
    assert headings == [schema.SECTION_TITLES[key] for key in schema.SECTION_KEYS]


def test_schema_applicant_variants_are_the_templates_wrapped_cells(template) -> None:
    header = _grids(template)[1][2]  # 自然人, 商业\n企业, 科研\n机构, …
    wrapped = {cell.replace("\n", ""): cell.replace("\n", " ") for cell in header if "\n" in cell}
    assert wrapped, "the template wraps some applicant columns"
    labels = {label.text: label for label in schema.APPLICANT_LABELS.values()}
    for word, as_text in wrapped.items():
        assert as_text in labels[word].variants, word
    assert all(label.text in wrapped for label in labels.values() if label.variants)


def test_schema_words_differ_between_formats_only_where_the_forms_do() -> None:
    labels = {fmt: {row.key: row.label for row in schema.ACTIVE_ROWS[fmt]} for fmt in schema.FORMATS}
    assert labels["2021"]["normative_documents"] == "行政规范性文件"
    assert labels["2019"]["normative_documents"] == "规范性文件"
    assert {k for k in labels["2021"] if labels["2021"][k] != labels["2019"].get(k)} == {"normative_documents"}
    assert schema.ACTIVE_COLUMN_LABELS["2019"]["amount"] == "采购总金额"
    assert schema.ACTIVE_COLUMN_LABELS["2021"]["amount"] == "本年收费金额（单位：万元）"


@pytest.mark.parametrize("fmt", schema.FORMATS)
def test_parser_recognises_every_official_row_label(fmt: schema.Format) -> None:
    for row in schema.APPLICATION_ROWS[fmt]:
        want = "other_group" if row == "other" else row  # the 2019 row is the 2021 group's heading
        assert match_rule(schema.application_label(row), APPLICATION_RULES) == want, row
    for spec in schema.ACTIVE_ROWS[fmt]:
        assert match_rule(spec.label, ACTIVE_RULES) == spec.key, spec.key
    for group, label in schema.REVIEW_GROUP_LABELS.items():
        assert match_rule(label, REVIEW_GROUP_RULES) == group


def test_fuzzy_wording_is_the_forms_label_without_numbering_or_note() -> None:
    assert form_wording("（二）部分公开（区分处理的，只计这一情形，不计其他情形）") == "部分公开"
    assert form_wording("3.危及“三安全一稳定”") == "危及三安全一稳定"
    granted = next(rule for rule in APPLICATION_RULES if rule.key == "granted")
    assert granted.wording == form_wording(schema.application_label("granted")) == "予以公开"


@pytest.mark.parametrize("fmt", schema.FORMATS)
def test_each_formats_column_labels_mark_that_format(fmt: schema.Format) -> None:
    other = next(f for f in schema.FORMATS if f != fmt)
    scores = format_scores("".join(schema.ACTIVE_COLUMN_LABELS[fmt].values()))
    assert scores[fmt] > scores[other], scores


def test_render_docx_prints_the_templates_labels_where_the_template_does(template) -> None:
    ours = _grids(docx.Document(io.BytesIO(render_docx(sample_tables("2021")))))
    for number, (theirs, mine) in enumerate(zip(_grids(template), ours)):
        for r, (their_row, my_row) in enumerate(zip(theirs, mine)):
            for their_cell, my_cell in zip(their_row, my_row):
                if their_cell.strip():
                    assert my_cell == their_cell.replace("\n", ""), (number, r, their_cell, my_cell)
