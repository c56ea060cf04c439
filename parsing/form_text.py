"""The whole report as text a reader sees: title, section headings, narrative and the tables.

What full-text search indexes (`storage.archive` stores it as each version's `text`), so that what
the report page shows can be found: a report whose table 四 is all about 行政复议 is found by
复议 even when its narrative never says the word. Built from the record alone (its JSON form,
`Record.to_dict()`), so an archive's text can be rebuilt from its stored records with no
reparse.

A table is written as the form prints it (the words are parsing.schema's): its heading, then one
line per printed row, cells separated by ` | `. The separator matters: search drops whitespace
(`storage.textnorm`), so cells written `3 0 0` would be found as 300, and `行政复议 结果维持`
as 复议结果; punctuation ends a run, as in the printed grid. A label spanning several rows of
the form (（三）不予公开 over its eight rows) is written once, before its first row, as the form
prints it once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .schema import (
    ACTIVE_GROUPS,
    ACTIVE_ROW_HEADING,
    APPLICANT_COLUMNS,
    APPLICANT_LABELS,
    APPLICANTS_HEADING,
    APPLICATION_LABELS,
    APPLICATIONS_NOTE,
    LITIGATION_HEADING,
    ORGANISATIONS_HEADING,
    OTHER_ROWS_2021,
    REVIEW_GROUP_LABELS,
    REVIEW_GROUPS,
    REVIEW_OUTCOME_LABELS,
    REVIEW_OUTCOMES,
    SECTION_KEYS,
    SECTION_TITLES,
    SINGLE_OTHER_ROW,
    Format,
    application_rows,
)

CELL_SEPARATOR = " | "
# Which table is printed under which section heading.
SECTION_TABLES: dict[str, str] = {
    "active_disclosure": "active",
    "applications": "applications",
    "review_litigation": "review_litigation",
}


def document_text(record: Mapping[str, Any]) -> str:
    """The report in reading order: title, then each section the report has (its heading, its
    narrative, its table as printed). Sections the report lacks, text and table, are left out."""
    parts: list[str] = [record.get("title") or ""]
    sections = record.get("sections") or {}
    for key in SECTION_KEYS:
        body = sections.get(key)
        table = SECTION_TABLES.get(key)
        lines = list(table_lines(record, table)) if table else []
        if body is None and not lines:
            continue
        parts.append(SECTION_TITLES[key])
        parts.append(body or "")
        parts.extend(lines)
    return "\n".join(part for part in parts if part)


def table_lines(record: Mapping[str, Any], table: str) -> Iterator[str]:
    """One table of the record as the form prints it, a line per printed row; nothing when the
    report has no such table."""
    values = record.get(table)
    if values is None:
        return
    fmt: Format = "2019" if record.get("format") == "2019" else "2021"
    if table == "active":
        yield from _active_lines(values, fmt)
    elif table == "applications":
        yield from _applications_lines(values, fmt)
    elif table == "review_litigation":
        yield from _review_lines(values)
    else:
        raise ValueError(f"the record has no table {table!r}")


def _line(cells: list[str]) -> str:
    return CELL_SEPARATOR.join(cells)


def _value(value: Any) -> str:
    return "" if value is None else str(value)


def _active_lines(values: Mapping[str, Mapping[str, Any]], fmt: Format) -> Iterator[str]:
    for group in ACTIVE_GROUPS[fmt]:
        yield group.heading
        yield _line([ACTIVE_ROW_HEADING, *group.column_labels])
        for row in group.rows:
            cells = values.get(row.key) or {}
            yield _line([row.label, *(_value(cells.get(column)) for column in row.columns)])


def _applications_lines(values: Mapping[str, Mapping[str, Any]], fmt: Format) -> Iterator[str]:
    yield _line([APPLICATIONS_NOTE, APPLICANTS_HEADING])
    yield _line([APPLICANT_LABELS["natural_person"].text, ORGANISATIONS_HEADING, APPLICANT_LABELS["total"].text])
    yield _line([APPLICANT_LABELS[column].text for column in APPLICANT_COLUMNS[1:-1]])
    rows = application_rows(fmt, values.keys())
    if fmt == "2021" and SINGLE_OTHER_ROW in rows:
        # A 2021 table printing the 2019 single row （六）其他处理 prints it instead of the three
        # 2021 rows, which hold nothing (nianbao/web/form.printed_application_rows).
        rows = tuple(row for row in rows if row not in OTHER_ROWS_2021)
    printed: tuple[str, str, str] = ("", "", "")
    for row in rows:
        labels = APPLICATION_LABELS[row]
        # A label the row above printed already spans down to this row.
        shown = [label for level, label in enumerate(labels)
                 if label and labels[:level + 1] != printed[:level + 1]]
        printed = labels
        cells = values.get(row) or {}
        yield _line([*shown, *(_value(cells.get(column)) for column in APPLICANT_COLUMNS)])


def _review_lines(values: Mapping[str, Mapping[str, Any]]) -> Iterator[str]:
    yield _line([REVIEW_GROUP_LABELS["review"], LITIGATION_HEADING])
    yield _line([REVIEW_GROUP_LABELS[group] for group in REVIEW_GROUPS[1:]])
    for group in REVIEW_GROUPS:
        cells = values.get(group) or {}
        yield _line([REVIEW_GROUP_LABELS[group],
                     *(f"{REVIEW_OUTCOME_LABELS[outcome]} {_value(cells.get(outcome))}".rstrip()
                       for outcome in REVIEW_OUTCOMES)])
