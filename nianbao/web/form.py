"""The record's three tables laid out as the official form prints them, for the report page.

Rows, columns and labels follow ../shared/spec/record.md in both formats (2021: 国办公开办函
〔2021〕30号; 2019), in the form's own words from parsing.schema. The output is a grid of `FormCell`s with rowspans and colspans already
decided, so the template only walks it. A blank cell (null in the record) stays blank, never 0;
the cells of a failed check (parsing.checks.failed_check_cells) carry the rules that cover them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from parsing import schema
from parsing.checks import failed_check_cells
from parsing.fields import field_label
from parsing.schema import APPLICANT_COLUMNS, APPLICATION_LABELS, REVIEW_GROUPS, REVIEW_OUTCOMES, Format

# The form's words are parsing.schema's; these two names are what the report page and the
# version diff read them by.
SECTION_LABELS = schema.SECTION_TITLES
TABLE_LABELS = {"active": SECTION_LABELS["active_disclosure"], "applications": SECTION_LABELS["applications"],
                "review_litigation": SECTION_LABELS["review_litigation"]}
_APPLICANTS = {c: label.text for c, label in schema.APPLICANT_LABELS.items()}


@dataclass(frozen=True)
class FormCell:
    text: str
    header: bool = False
    rowspan: int = 1
    colspan: int = 1
    path: str | None = None  # the record's dotted path, for value cells
    failed_rules: tuple[str, ...] = ()  # the failed checks whose identities include this cell

    @property
    def failed(self) -> bool:
        return bool(self.failed_rules)


@dataclass(frozen=True)
class FormTable:
    key: str  # active | applications | review_litigation
    title: str
    rows: tuple[tuple[FormCell, ...], ...]

    @property
    def section(self) -> str:
        """The narrative section (record.sections key) the table belongs to."""
        return "active_disclosure" if self.key == "active" else self.key


def format_value(value: Any, signed: bool = False) -> str:
    """A cell as the form shows it: blank for null, a sign on 本年增/减."""
    if value is None:
        return ""
    if signed and isinstance(value, (int, float)) and value > 0:
        return f"+{value}"
    return str(value)


def cell_label(path: str, fmt: str) -> str:
    """The form's words for a dotted cell path, e.g. （一）予以公开 · 自然人 (parsing.fields owns them)."""
    return field_label(path, fmt)


def _value_cell(record: Mapping[str, Any], failed: Mapping[tuple[str, str, str], tuple[str, ...]],
                table: str, row: str, col: str, signed: bool = False) -> FormCell:
    value = record.get(table, {}).get(row, {}).get(col)
    return FormCell(format_value(value, signed), path=f"{table}.{row}.{col}",
                    failed_rules=failed.get((table, row, col), ()))


def _active(record: Mapping[str, Any], fmt: Format, failed) -> FormTable:
    rows: list[tuple[FormCell, ...]] = []
    groups = schema.ACTIVE_GROUPS[fmt]
    width = 1 + max(len(group.columns) for group in groups)
    for group in groups:
        headers = group.column_labels
        rows.append((FormCell(group.heading, header=True, colspan=width),))
        span = (width - 1) // len(headers)
        extra = (width - 1) - span * len(headers)
        rows.append((FormCell(schema.ACTIVE_ROW_HEADING, header=True),
                     *(FormCell(h, header=True, colspan=span + (extra if i == len(headers) - 1 else 0))
                       for i, h in enumerate(headers))))
        for spec in group.rows:
            key = spec.key
            cells = [FormCell(spec.label, header=True)]
            for i, col in enumerate(spec.columns):
                cell = _value_cell(record, failed, "active", key, col, signed=(col == "items_change"))
                colspan = span + (extra if i == len(spec.columns) - 1 else 0)
                cells.append(FormCell(cell.text, path=cell.path, failed_rules=cell.failed_rules, colspan=colspan))
            rows.append(tuple(cells))
    return FormTable("active", TABLE_LABELS["active"], tuple(rows))


def _applications(record: Mapping[str, Any], fmt: Format, failed) -> FormTable:
    rows: list[tuple[FormCell, ...]] = [
        (FormCell(schema.APPLICATIONS_NOTE, header=True, rowspan=3, colspan=3),
         FormCell(schema.APPLICANTS_HEADING, header=True, colspan=7)),
        (FormCell(_APPLICANTS["natural_person"], header=True, rowspan=2),
         FormCell(schema.ORGANISATIONS_HEADING, header=True, colspan=5),
         FormCell(_APPLICANTS["total"], header=True, rowspan=2)),
        tuple(FormCell(_APPLICANTS[c], header=True) for c in APPLICANT_COLUMNS[1:-1]),
    ]
    order = printed_application_rows(fmt, (record.get("applications") or {}).keys())
    labels = [APPLICATION_LABELS[row] for row in order]
    for i, row in enumerate(order):
        first, second, third = labels[i]
        cells: list[FormCell] = []
        if i == 0 or labels[i - 1][0] != first:
            span = sum(1 for _ in _run(labels, i, lambda lab: lab[0] == first))
            cells.append(FormCell(first, header=True, rowspan=span, colspan=1 if second else 3))
        if second and (i == 0 or labels[i - 1][:2] != (first, second)):
            span = sum(1 for _ in _run(labels, i, lambda lab: lab[:2] == (first, second)))
            cells.append(FormCell(second, header=True, rowspan=span, colspan=1 if third else 2))
        if third:
            cells.append(FormCell(third, header=True))
        cells.extend(_value_cell(record, failed, "applications", row, col) for col in APPLICANT_COLUMNS)
        rows.append(tuple(cells))
    return FormTable("applications", TABLE_LABELS["applications"], tuple(rows))


def printed_application_rows(fmt: Format, rows) -> tuple[str, ...]:
    """The applications rows as the report printed them. A 2021 table that prints the 2019 single
    row （六）其他处理 (洪泽区 2023/2024) shows that row where the form's three （六） rows stand: its
    numbers are what （七）总计 sums, and the three rows hold nothing (parsing.tables)."""
    order = schema.application_rows(fmt, rows)
    if schema.SINGLE_OTHER_ROW not in order or fmt != "2021":
        return order
    kept = [row for row in order if row != schema.SINGLE_OTHER_ROW]
    at = kept.index(schema.OTHER_ROWS_2021[0])
    return tuple(kept[:at]) + (schema.SINGLE_OTHER_ROW,) + tuple(r for r in kept[at:] if r not in schema.OTHER_ROWS_2021)


def _run(labels: list[tuple[str, str, str]], start: int, same) -> list[int]:
    run = []
    for j in range(start, len(labels)):
        if not same(labels[j]):
            break
        run.append(j)
    return run


def _review(record: Mapping[str, Any], failed) -> FormTable:
    parts = len(REVIEW_OUTCOMES)
    rows = (
        (FormCell(schema.REVIEW_GROUP_LABELS["review"], header=True, colspan=parts),
         FormCell(schema.LITIGATION_HEADING, header=True, colspan=2 * parts)),
        tuple(
            [FormCell(schema.REVIEW_OUTCOME_LABELS[o], header=True, rowspan=2) for o in REVIEW_OUTCOMES]
            + [FormCell(schema.REVIEW_GROUP_LABELS[g], header=True, colspan=parts) for g in REVIEW_GROUPS[1:]]
        ),
        tuple(FormCell(schema.REVIEW_OUTCOME_LABELS[o], header=True)
              for _ in REVIEW_GROUPS[1:] for o in REVIEW_OUTCOMES),
        tuple(_value_cell(record, failed, "review_litigation", g, o) for g in REVIEW_GROUPS for o in REVIEW_OUTCOMES),
    )
    return FormTable("review_litigation", TABLE_LABELS["review_litigation"], rows)


def form_tables(record: Mapping[str, Any]) -> list[FormTable]:
    """The record's tables as the form lays them out; tables the report lacks are left out."""
    fmt: Format = "2019" if record.get("format") == "2019" else "2021"
    present = {k: record[k] for k in ("applications", "review_litigation") if record.get(k) is not None}
    failed = failed_check_cells(fmt, present)
    tables = []
    if record.get("active") is not None:
        tables.append(_active(record, fmt, failed))
    if record.get("applications") is not None:
        tables.append(_applications(record, fmt, failed))
    if record.get("review_litigation") is not None:
        tables.append(_review(record, failed))
    return tables


def failed_cells(record: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """Dotted cell path -> the failed rules covering it (the JSON API's form of the highlight)."""
    fmt: Format = "2019" if record.get("format") == "2019" else "2021"
    present = {k: record[k] for k in ("applications", "review_litigation") if record.get(k) is not None}
    return {".".join(cell): rules for cell, rules in sorted(failed_check_cells(fmt, present).items())}
