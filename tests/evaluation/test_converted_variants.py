"""The broken-structure variants (nianbao/devportal/documents/converted_variants.py): each shape
really has the broken structure it claims, keeps the real narrative, and carries every value of
the record in the form's order; the hybrid's expected record moves the （六） numbers."""

from __future__ import annotations

import re

import pytest

from nianbao.devportal.documents.converted_variants import (
    HYBRID_NORMATIVE_LABEL,
    SHAPES,
    VariantError,
    hybrid_other,
    narrative,
    printed_rows,
    render_variant,
    shapes_for,
    variant_expected,
)
from nianbao.evaluation.cases import variant_sources
from parsing import schema
from parsing.schema import APPLICANT_COLUMNS, OTHER_ROWS_2021, REVIEW_GROUPS, REVIEW_OUTCOMES

SOURCES = variant_sources()
DOCUMENTS = sorted(SOURCES)
CJK = re.compile(r"[\u4e00-\u9fff]")
NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def _source(document: str) -> tuple[dict, str]:
    fields, path = SOURCES[document]
    return fields, path.read_text(encoding="utf-8")


def _between(text: str, start: str, end: str) -> list[str]:
    lines = text.split("\n")
    a = lines.index(start)
    b = next(i for i in range(a + 1, len(lines)) if lines[i] == end)
    return lines[a + 1:b]


def _cells(line: str) -> list[str] | None:
    """A line's cells when it is a value row: `| 1 |  | 0 |` or `1 0 0`; None otherwise."""
    if re.fullmatch(r"\|( --- \|)+", line):
        return None
    if line.startswith("|"):
        parts = [c.strip() for c in line.strip("|").split("|")]  # a blank cell stays, as ""
    else:
        parts = line.split()
        if not parts:
            return None
    return parts if all(c == "" or NUMBER.match(c) for c in parts) else None


def _fmt(value) -> str:
    return "" if value is None else str(value)


@pytest.mark.parametrize("document", DOCUMENTS)
def test_variants_are_deterministic_and_keep_the_real_narrative(document: str) -> None:
    fields, text = _source(document)
    head, tail = narrative(text)
    for shape in shapes_for(fields):
        variant = render_variant(fields, text, shape)
        assert variant == render_variant(fields, text, shape)
        lines = variant.split("\n")
        assert lines[:len(head)] == head and lines[-len(tail):] == tail, shape


@pytest.mark.parametrize("document", DOCUMENTS)
def test_torn_labels_no_label_shares_a_line_with_numbers(document: str) -> None:
    fields, text = _source(document)
    table = _between(render_variant(fields, text, "torn_labels"), schema.SECTION_TITLES["applications"],
                     "")
    value_rows = [cells for cells in map(_cells, table) if cells is not None]
    for line in table:
        if CJK.search(line):  # a label (or part of one): no number but its own 1.… numbering
            assert not re.search(r"\d", re.sub(r"\d+[.、]", "", line)), line
    rows = printed_rows(fields)
    want = [[_fmt(fields[f"applications.{r}.{c}"]) for c in APPLICANT_COLUMNS] for r in rows]
    assert value_rows == want  # every row's 7 values, in the form's order, nothing else


@pytest.mark.parametrize("document", DOCUMENTS)
def test_torn_labels_breaks_labels_and_the_vertical_heading(document: str) -> None:
    fields, text = _source(document)
    variant = render_variant(fields, text, "torn_labels")
    table = _between(variant, schema.SECTION_TITLES["applications"], "")
    assert schema.RESULTS_HEADING not in variant  # never whole: one or two characters a line
    assert "三、" in table and "果" in table
    assert any(re.fullmatch(r"[本年度办理结果]（[三四五六]）..?", line) for line in table)  # glued to a group piece
    assert "（三）不予公开" not in variant and "（五）不予处理" not in variant
    partly = schema.application_label("partially_granted")
    assert partly not in variant and partly[:11] in table  # broken mid-word
    assert any(len(re.findall(r"\d\.", line)) == 2 for line in table)  # two labels on one line
    # some value row comes before its own label: 部分公开's label follows the granted row's values
    first = table.index(partly[:11])
    assert _cells(table[first - 1]) is not None and _cells(table[first - 1]) != []


@pytest.mark.parametrize("document", DOCUMENTS)
def test_review_three_tables_prints_a_table_per_group_under_its_heading(document: str) -> None:
    fields, text = _source(document)
    variant = render_variant(fields, text, "review_three_tables")
    lines = _between(variant, schema.SECTION_TITLES["review_litigation"], variant.split("\n")[-len(narrative(text)[1])])
    headings = ["行政复议", "行政诉讼（未经复议直接起诉）", "行政诉讼（复议后起诉）"]
    assert [line for line in lines if line in headings] == headings
    header = "| " + " | ".join(schema.REVIEW_OUTCOME_LABELS[o] for o in REVIEW_OUTCOMES) + " |"
    for heading, group in zip(headings, REVIEW_GROUPS):
        at = lines.index(heading)
        assert lines[at + 2] == header
        values = [_fmt(fields[f"review_litigation.{group}.{o}"]) for o in REVIEW_OUTCOMES]
        assert _cells(lines[at + 4]) == values
    assert not any(len(_cells(line) or []) > 5 for line in lines)  # no 15-value row


@pytest.mark.parametrize("document", DOCUMENTS)
def test_active_shifted_never_prints_a_multi_column_row_whole(document: str) -> None:
    fields, text = _source(document)
    fmt = fields["format"]
    lines = _between(render_variant(fields, text, "active_shifted"), schema.SECTION_TITLES["active_disclosure"],
                     schema.SECTION_TITLES["applications"])
    shifted = footer = 0
    for row in schema.ACTIVE_ROWS[fmt]:
        (at,) = [i for i, line in enumerate(lines) if line.startswith(f"| {row.label} |")]
        cells = [c.strip() for c in lines[at].strip("|").split("|")]
        if len(row.columns) == 1:
            assert cells[1] == "" and cells[2] != ""  # the one value a column right
            continue
        assert not any(cells[1:]), lines[at]  # the label alone on its row
        after = lines[at + 1]
        if after.startswith("|  |"):
            shifted += 1
        else:
            assert lines[at + 1:at + 4] == ["", "- 2 -", ""]
            footer += 1
    assert shifted and footer


@pytest.mark.parametrize("document", DOCUMENTS)
def test_hybrid_prints_the_2019_other_row_and_label(document: str) -> None:
    fields, text = _source(document)
    if fields["format"] == "2019":
        assert "hybrid" not in shapes_for(fields)
        with pytest.raises(VariantError):
            render_variant(fields, text, "hybrid")
        return
    variant = render_variant(fields, text, "hybrid")
    other = hybrid_other(fields)
    row = "|  | （六）其他处理 |  | " + " | ".join(_fmt(other[c]) for c in APPLICANT_COLUMNS) + " |"
    assert row in variant.split("\n")
    assert all(schema.application_label(r) not in variant for r in OTHER_ROWS_2021)
    assert f"| {HYBRID_NORMATIVE_LABEL} |" in variant and "| 行政规范性文件 |" not in variant
    expected = variant_expected(fields, "hybrid")
    for column in APPLICANT_COLUMNS:
        parts = [fields.get(f"applications.{r}.{column}") for r in OTHER_ROWS_2021]
        if f"applications.other.{column}" not in fields:
            assert expected[f"applications.other.{column}"] == sum(p or 0 for p in parts)
        assert all(expected[f"applications.{r}.{column}"] is None for r in OTHER_ROWS_2021)


def test_variant_expected_is_the_source_s_for_every_shape_but_hybrid() -> None:
    fields, _ = _source("001_50ced4fe608d0220")
    assert all(variant_expected(fields, shape) == fields for shape in SHAPES if shape != "hybrid")
    assert variant_expected(fields, "hybrid") != fields


def test_narrative_refuses_a_text_without_the_headings() -> None:
    with pytest.raises(VariantError):
        narrative("一、总体情况\n本年度无申请。")
