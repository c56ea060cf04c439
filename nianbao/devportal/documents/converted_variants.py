"""Broken-structure variants of a real report, as pdf→markdown converters and OCR-to-markdown
services deliver them (issue 13), for the golden evaluation (nianbao/evaluation/).

A variant keeps the real report's own narrative (its lines before the 二、主动公开政府信息情况
heading and from the 存在的主要问题 heading on) and renders its three tables from the report's
expected record (the flat dotted paths of `*.expected.json`) in one shape, the other tables as
clean markdown. Deterministic: no randomness, the same record and text give the same variant.

Shapes, each modelled on real converter output (tests/fixtures/converted/):

- `markdown_clean`: the three tables as well-formed markdown, merged cells left empty as an
  HTML→markdown conversion leaves them (the control).
- `torn_labels`: table 三 with its label column torn off, as markitdown made of 淮安市 2024
  (huaian_city_2024.markitdown.md): labels on loose lines broken mid-word, the vertical heading
  三、本年度办理结果 one or two characters per line and the group labels (（三）不予公开 …) cut in
  two, glued to those characters; values as bare rows of 7 numbers (`| 1 | 0 | … |`, or space
  separated), in the form's row order; some value rows before their label, some labels cut
  around their row, sometimes two labels on one line. No label shares a line with numbers.
- `review_three_tables`: table 四 as three small tables under their own headings 行政复议 /
  行政诉讼（未经复议直接起诉） / 行政诉讼（复议后起诉）, each with the header 结果维持 | 结果纠正 |
  其他结果 | 尚未审结 | 总计 (复议后起诉 contains 复议).
- `active_shifted`: table 二 with rows split so that the value columns shift: a label alone on
  its row and its numbers on the next with a leading empty cell, a page footer "- 2 -" between
  a label and its numbers, a single value printed one column right (`| 行政处罚 |  | 4119 |  |  |`,
  as markitdown made of 洪泽区 2023).
- `hybrid` (2021-format reports only): table 三 prints the 2019 single row （六）其他处理 (the sum
  of the three 2021 rows) where the 2021 form has three, and table 二 the 2019 label 规范性文件;
  `variant_expected` moves the expected numbers accordingly.

Where a shape loses information, the expected values stay the true ones: the parser must then
give null with a warning, which the scorer counts as flagged, not exact.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from parsing import schema
from parsing.schema import APPLICANT_COLUMNS, OTHER_ROWS_2021, REVIEW_GROUPS, REVIEW_OUTCOMES, SINGLE_OTHER_ROW, Format
from nianbao.devportal.render import APPLICANT_HEADER, REVIEW_HEADER, fmt_value

Fields = Mapping[str, Any]

SHAPES: tuple[str, ...] = ("markdown_clean", "torn_labels", "review_three_tables", "active_shifted", "hybrid")
TITLES = schema.SECTION_TITLES
_ACTIVE_HEADING = re.compile(r"^\s*[一二三四五六七]、\s*主动公开政府信息情况\s*$")
_PROBLEMS_HEADING = re.compile(r"^\s*[一二三四五六七八]、\s*存在的主要问题")
_REVIEW_SUBHEADINGS = {
    "review": "行政复议",
    "litigation_direct": "行政诉讼（未经复议直接起诉）",
    "litigation_after_review": "行政诉讼（复议后起诉）",
}
HYBRID_NORMATIVE_LABEL = "规范性文件"  # the 2019 word for 2021's 行政规范性文件


class VariantError(ValueError):
    """The real text or the record does not allow the variant (no heading to cut at, a 2019
    report asked for the hybrid shape)."""


# --- the record and the narrative ------------------------------------------------------------

def record_format(fields: Fields) -> Format:
    fmt = fields.get("format")
    if fmt not in schema.FORMATS:
        raise VariantError(f"expected record has no format: {fmt!r}")
    return fmt


def _value(fields: Fields, path: str) -> Any:
    return fields.get(path)


def printed_rows(fields: Fields) -> tuple[str, ...]:
    """The applications rows the report prints, in order: a 2021 table holding the 2019 single
    row `other` (洪泽区 2023/2024) prints it where the form's three （六） rows stand."""
    fmt = record_format(fields)
    order = schema.APPLICATION_ROWS[fmt]
    if fmt == "2021" and f"applications.{SINGLE_OTHER_ROW}.total" in fields:
        at = order.index(OTHER_ROWS_2021[0])
        return order[:at] + (SINGLE_OTHER_ROW,) + tuple(r for r in order[at:] if r not in OTHER_ROWS_2021)
    return order


def narrative(text: str) -> tuple[list[str], list[str]]:
    """The real text's lines before its 主动公开政府信息情况 heading, and from its 存在的主要问题
    heading on."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = next((i for i, line in enumerate(lines) if _ACTIVE_HEADING.match(line)), None)
    if start is None:
        raise VariantError("no 主动公开政府信息情况 heading in the text")
    end = next((i for i, line in enumerate(lines) if i > start and _PROBLEMS_HEADING.match(line)), None)
    if end is None:
        raise VariantError("no 存在的主要问题 heading after the tables")
    return lines[:start], lines[end:]


def _cell(fields: Fields, path: str, signed: bool = False) -> str:
    return fmt_value(_value(fields, path), "", signed=signed)


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _md_rule(width: int) -> str:
    return "|" + " --- |" * width


def _md_table(rows: list[list[str]]) -> list[str]:
    width = max(len(r) for r in rows)
    padded = [r + [""] * (width - len(r)) for r in rows]
    return [_md_row(padded[0]), _md_rule(width), *map(_md_row, padded[1:])]


# --- table 二 ---------------------------------------------------------------------------------

def _active_values(fields: Fields, row: schema.ActiveRow) -> list[str]:
    return [_cell(fields, f"active.{row.key}.{c}", signed=(c == "items_change")) for c in row.columns]


def _active_label(row: schema.ActiveRow, fmt: Format, hybrid: bool) -> str:
    if hybrid and fmt == "2021" and row.key == "normative_documents":
        return HYBRID_NORMATIVE_LABEL
    return row.label


def active_clean(fields: Fields, hybrid: bool = False) -> list[str]:
    fmt = record_format(fields)
    lines = [TITLES["active_disclosure"], ""]
    for group in schema.ACTIVE_GROUPS[fmt]:
        rows = [[schema.ACTIVE_ROW_HEADING, *group.column_labels]]
        rows += [[_active_label(row, fmt, hybrid), *_active_values(fields, row)] for row in group.rows]
        lines += [group.heading, "", *_md_table(rows), ""]
    return lines


def active_shifted(fields: Fields) -> list[str]:
    """Table 二 with its rows split: a multi-column row alternately as label row + continuation
    row with a leading empty cell, or label row, page footer, bare numbers; a one-value row with
    its value one column right."""
    fmt = record_format(fields)
    lines = [TITLES["active_disclosure"], ""]
    split = 0
    for group in schema.ACTIVE_GROUPS[fmt]:
        width = 1 + len(group.columns)
        lines += [group.heading, "", _md_row([schema.ACTIVE_ROW_HEADING, *group.column_labels]), _md_rule(width)]
        for row in group.rows:
            values = _active_values(fields, row)
            if len(values) == 1:
                lines.append(_md_row([row.label, "", values[0], "", ""]))
                continue
            lines.append(_md_row([row.label] + [""] * len(values)))
            if split % 2:
                lines += ["", "- 2 -", "", _md_row(values)]
            else:
                lines.append(_md_row(["", *values]))
            split += 1
        lines.append("")
    return lines


# --- table 三 ---------------------------------------------------------------------------------

def _application_values(fields: Fields, row: str) -> list[str]:
    return [_cell(fields, f"applications.{row}.{c}") for c in APPLICANT_COLUMNS]


def _labels(row: str) -> tuple[str, str, str]:
    return schema.APPLICATION_LABELS[row]


def applications_clean(fields: Fields, rows: tuple[str, ...] | None = None,
                       values: Callable[[str], list[str]] | None = None) -> list[str]:
    """Table 三 as one markdown table, merged label cells empty below their first row."""
    rows = rows or printed_rows(fields)
    values = values or (lambda row: _application_values(fields, row))
    organisations = APPLICANT_HEADER[1:-1]
    table = [
        [schema.APPLICATIONS_NOTE, "", "", schema.APPLICANTS_HEADING, *[""] * 6],
        ["", "", "", APPLICANT_HEADER[0], schema.ORGANISATIONS_HEADING, "", "", "", "", APPLICANT_HEADER[-1]],
        ["", "", "", "", *organisations, ""],
    ]
    seen: set[str] = set()
    for row in rows:
        cells = []
        for part in _labels(row):
            cells.append("" if part and part in seen and part != _labels(row)[-1] else part)
            if part:
                seen.add(part)
        table.append([*cells, *values(row)])
    return [TITLES["applications"], "", *_md_table(table), ""]


def _chunks(label: str, size: int = 11) -> list[str]:
    return [label[i:i + size] for i in range(0, len(label), size)] or [""]


def _vertical(heading: str) -> list[str]:
    """三、本年度办理结果 as a vertical cell reads: 三、 then one character per line."""
    return [heading[:2], *heading[2:]]


def torn_applications(fields: Fields) -> list[str]:
    """Table 三 with its label column torn off (see the module's docstring)."""
    rows = printed_rows(fields)
    lines = [TITLES["applications"], schema.APPLICANTS_HEADING, schema.ORGANISATIONS_HEADING]
    note = schema.APPLICATIONS_NOTE
    lines += [note[:22], _md_row(APPLICANT_HEADER), _md_rule(len(APPLICANT_HEADER)), note[22:]]
    vertical = _vertical(schema.RESULTS_HEADING)
    group_pieces: dict[str, list[str]] = {}  # a group label's two halves, handed out row by row
    for row in rows:
        top, mid, leaf = _labels(row)
        if leaf and mid not in group_pieces:
            group_pieces[mid] = [mid[:4], mid[4:]]
    emitted = 0  # value rows written so far: picks each row's pattern

    def value_line(row: str) -> list[str]:
        cells = _application_values(fields, row)
        if emitted % 4 == 2 and all(cells):
            return [" ".join(cells)]
        out = [_md_row(cells)]
        if emitted % 2 == 0:
            out.append(_md_rule(len(cells)))
        return out

    def loose_labels(row: str) -> tuple[list[str], list[str]]:
        """The vertical pieces that fall beside the row, and its own label broken into chunks."""
        top, mid, leaf = _labels(row)
        own = leaf or mid if top == schema.RESULTS_HEADING else top
        pieces: list[str] = []
        if top == schema.RESULTS_HEADING and vertical:
            pieces.append(vertical.pop(0))
        if leaf and group_pieces.get(mid):
            glued = group_pieces[mid].pop(0)
            pieces = [pieces[0] + glued] if pieces else [glued]  # glued to the vertical character
        return pieces, _chunks(own)

    def pairs_with_next(i: int) -> bool:
        """Two short sub-item labels (1.… 2.…) printed on one line, every third row."""
        if i % 3 or i + 1 >= len(rows):
            return False
        return all(_labels(r)[2] and len(_chunks(_labels(r)[2])) == 1 for r in rows[i:i + 2])

    i = 0
    while i < len(rows):
        row = rows[i]
        pieces, labels = loose_labels(row)
        lines += pieces
        if pairs_with_next(i):
            pair_pieces, pair_labels = loose_labels(rows[i + 1])
            lines += pair_pieces
            lines.append(labels[0] + " " + pair_labels[0])  # two labels on one line
            lines += value_line(row)
            emitted += 1
            lines += value_line(rows[i + 1])
            emitted += 1
            i += 2
            continue
        if i % 5 == 3:  # the value row before its label
            lines += value_line(row)
            lines += labels
        elif len(labels) > 1 and i % 2 == 1:  # the label cut around its row
            lines += labels[:1]
            lines += value_line(row)
            lines += labels[1:]
        else:
            lines += labels
            lines += value_line(row)
        emitted += 1
        i += 1
    lines += vertical  # what the vertical heading has left, after the last row
    for rest in group_pieces.values():
        lines += rest
    return lines + [""]


# --- table 四 ---------------------------------------------------------------------------------

def _review_values(fields: Fields, group: str) -> list[str]:
    return [_cell(fields, f"review_litigation.{group}.{o}") for o in REVIEW_OUTCOMES]


def review_clean(fields: Fields) -> list[str]:
    """Table 四 as the form's three header rows over one row of fifteen values."""
    litigation = [schema.REVIEW_GROUP_LABELS[g] for g in REVIEW_GROUPS[1:]]
    table = [
        [schema.REVIEW_GROUP_LABELS["review"], "", "", "", "", schema.LITIGATION_HEADING, *[""] * 9],
        [*[""] * 5, litigation[0], *[""] * 4, litigation[1], *[""] * 4],
        REVIEW_HEADER * 3,
        [v for g in REVIEW_GROUPS for v in _review_values(fields, g)],
    ]
    return [TITLES["review_litigation"], "", *_md_table(table), ""]


def review_three_tables(fields: Fields) -> list[str]:
    lines = [TITLES["review_litigation"], ""]
    for group in REVIEW_GROUPS:
        lines += [_REVIEW_SUBHEADINGS[group], "", *_md_table([list(REVIEW_HEADER), _review_values(fields, group)]), ""]
    return lines


# --- hybrid -----------------------------------------------------------------------------------

def _sum_or_none(values: list[Any]) -> Any:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def hybrid_other(fields: Fields) -> dict[str, Any]:
    """The 2019 single row （六）其他处理 of a 2021 record: the row itself where the report
    printed it (洪泽区), else per column the sum of the three 2021 rows (null where all three are)."""
    if f"applications.{SINGLE_OTHER_ROW}.total" in fields:
        return {c: fields[f"applications.{SINGLE_OTHER_ROW}.{c}"] for c in APPLICANT_COLUMNS}
    return {c: _sum_or_none([fields.get(f"applications.{r}.{c}") for r in OTHER_ROWS_2021]) for c in APPLICANT_COLUMNS}


def _hybrid_applications(fields: Fields) -> list[str]:
    other = hybrid_other(fields)
    order = schema.APPLICATION_ROWS["2021"]
    at = order.index(OTHER_ROWS_2021[0])
    rows = order[:at] + (SINGLE_OTHER_ROW,) + tuple(r for r in order[at:] if r not in OTHER_ROWS_2021)

    def values(row: str) -> list[str]:
        if row == SINGLE_OTHER_ROW:
            return [fmt_value(other[c], "") for c in APPLICANT_COLUMNS]
        return _application_values(fields, row)

    return applications_clean(fields, rows, values)


# --- the variants -----------------------------------------------------------------------------

def _tables(fields: Fields, shape: str) -> list[str]:
    hybrid = shape == "hybrid"
    if hybrid and record_format(fields) != "2021":
        raise VariantError("the hybrid shape is a 2021-format report printing 2019 rows")
    active = active_shifted(fields) if shape == "active_shifted" else active_clean(fields, hybrid=hybrid)
    if shape == "torn_labels":
        applications = torn_applications(fields)
    elif hybrid:
        applications = _hybrid_applications(fields)
    else:
        applications = applications_clean(fields)
    review = review_three_tables(fields) if shape == "review_three_tables" else review_clean(fields)
    return [*active, *applications, *review]


def shapes_for(fields: Fields) -> tuple[str, ...]:
    """The shapes a record can be rendered in (hybrid: 2021-format records only)."""
    return tuple(s for s in SHAPES if s != "hybrid" or record_format(fields) == "2021")


def render_variant(fields: Fields, text: str, shape: str) -> str:
    """The report `text` with its tables replaced by `fields`'s tables in `shape`."""
    if shape not in SHAPES:
        raise VariantError(f"unknown shape {shape!r} (one of {', '.join(SHAPES)})")
    head, tail = narrative(text)
    return "\n".join([*head, *_tables(fields, shape), *tail])


def variant_expected(fields: Fields, shape: str) -> dict[str, Any]:
    """The fields a parse of the variant must give: the source's, but for the hybrid shape, whose
    （六） numbers sit in the single row `other` and whose three 2021 rows are null."""
    expected = dict(fields)
    if shape != "hybrid":
        return expected
    for column, value in hybrid_other(fields).items():
        expected[f"applications.{SINGLE_OTHER_ROW}.{column}"] = value
        for row in OTHER_ROWS_2021:
            expected[f"applications.{row}.{column}"] = None
    return expected
