"""Scoring one parsed record against its expected fields, by the rule of issue 13: a cell is
right, or it is null with a warning, or a failed check names it; never silently wrong.

Expected fields are the flat dotted paths of the seeds' `*.expected.json` (keys starting with
"_" are not fields). Every field is either exact (same value and type: null and 0 distinct, int
and float as written) or not. A table cell that is not exact is *flagged* when a warning names
it (its dotted path, its row's path, or its row's key in a warning about its table; see
`flagged_by_warning`) or a failed check covers it
(`parsing.checks.failed_check_cells`), and *silently wrong* otherwise. A field outside the
tables (title, agency, year, format, published_on) that is not exact is counted apart.

A case the parser refuses (a `ParseError`) has no exact field; its cells count as flagged,
since the refusal is said out loud (the error is kept with the score).
"""

from __future__ import annotations

import re

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from parsing import ParseError, Record
from parsing.checks import failed_check_cells
from parsing.report import NO_TABLES, TABLE_NOT_FOUND
from parsing.tables import BLANK_TABLE

TABLES = ("active", "applications", "review_litigation")
ABSENT = "<absent>"  # what a record lacking an expected path is compared as


def fields_of(expected: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of an expected record: every key but the `_` annotations."""
    return {key: value for key, value in expected.items() if not key.startswith("_")}


def is_table_cell(path: str) -> bool:
    return path.split(".")[0] in TABLES


def exact(got: object, want: object) -> bool:
    return got == want and type(got) is type(want)  # null and 0 distinct, int and float as written


def flagged_by_warning(cell: str, warnings: Iterable[str]) -> bool:
    """A warning names the cell: its dotted path, its row's dotted path as a whole word
    ("applications.granted:" or in a list "…: applications.granted, applications.other"), or,
    in a warning about its table ("applications: rows not found: granted, other"), its row's
    key as a whole word; or a warning that its table is printed with no value in any cell
    (`parsing.tables.BLANK_TABLE`: every cell of it null)."""
    table, row, _ = cell.split(".")
    # Not followed by "." or a word character: "applications.granted.total: …" names a cell.
    row_path = re.compile(rf"(?<![\w.]){re.escape(table)}\.{re.escape(row)}(?![\w.])")
    row_key = re.compile(rf"(?<![\w.]){re.escape(row)}(?![\w.])")
    return any(
        cell in w or row_path.search(w) or (w.startswith(f"{table}:") and row_key.search(w))
        or w.startswith(f"{table}: {BLANK_TABLE}") for w in warnings
    )


def covered_by_failed_checks(record: Record) -> set[str]:
    """The dotted cells of every identity the record's numbers break."""
    if record.format is None:
        return set()
    tables = {name: getattr(record, name) for name in ("applications", "review_litigation")}
    return {".".join(cell) for cell in failed_check_cells(record.format, {k: v for k, v in tables.items() if v})}


def table_said_absent(cell: str, record: Record) -> bool:
    """The cell's whole table is absent from the record and a warning says so (the report shows
    no such table, or no tables at all)."""
    table = cell.split(".")[0]
    return getattr(record, table, None) is None and any(
        w == NO_TABLES or w.startswith(f"{table}: {TABLE_NOT_FOUND}") for w in record.warnings
    )


def silently_wrong(record: Record, expected_fields: Mapping[str, Any]) -> list[str]:
    """The table cells whose value is wrong with no warning naming them (or their absent table)
    and no failed check covering them."""
    flat = record.flatten()
    covered = covered_by_failed_checks(record)
    return [
        key
        for key, want in expected_fields.items()
        if is_table_cell(key)
        and not exact(flat.get(key, ABSENT), want)
        and not flagged_by_warning(key, record.warnings)
        and not table_said_absent(key, record)
        and key not in covered
    ]


@dataclass(frozen=True)
class CaseScore:
    case: str
    half: str
    fields: int  # expected fields
    exact: int  # of them exact
    flagged: tuple[str, ...]  # table cells not exact, named by a warning or a failed check
    silent: tuple[str, ...]  # table cells not exact with nothing naming them
    other_wrong: tuple[str, ...]  # fields outside the tables (title, agency, …) not exact
    error: str | None = None  # the ParseError when the parser refused the input

    @property
    def exact_share(self) -> float:
        return self.exact / self.fields if self.fields else 1.0


def score_record(case: str, half: str, record: Record, expected_fields: Mapping[str, Any]) -> CaseScore:
    flat = record.flatten()
    wrong = [key for key, want in expected_fields.items() if not exact(flat.get(key, ABSENT), want)]
    silent = set(silently_wrong(record, expected_fields))
    return CaseScore(
        case=case,
        half=half,
        fields=len(expected_fields),
        exact=len(expected_fields) - len(wrong),
        flagged=tuple(k for k in wrong if is_table_cell(k) and k not in silent),
        silent=tuple(k for k in wrong if k in silent),
        other_wrong=tuple(k for k in wrong if not is_table_cell(k)),
    )


def score_refusal(case: str, half: str, error: ParseError, expected_fields: Mapping[str, Any]) -> CaseScore:
    return CaseScore(
        case=case,
        half=half,
        fields=len(expected_fields),
        exact=0,
        flagged=tuple(k for k in expected_fields if is_table_cell(k)),
        silent=(),
        other_wrong=tuple(k for k in expected_fields if not is_table_cell(k)),
        error=f"{type(error).__name__}: {error}",
    )


def score_case(case) -> CaseScore:
    """Parse a `cases.Case` and score it (a refusal is scored, not raised)."""
    try:
        record = case.parse()
    except ParseError as error:
        return score_refusal(case.id, case.half, error, case.expected)
    return score_record(case.id, case.half, record, case.expected)


@dataclass(frozen=True)
class HalfTotals:
    half: str
    cases: int
    fields: int
    exact: int
    flagged: int
    silent: int
    other_wrong: int
    refused: int

    @property
    def exact_share(self) -> float:
        return self.exact / self.fields if self.fields else 1.0


def totals(scores: Iterable[CaseScore]) -> dict[str, HalfTotals]:
    """Per half, the sums over its cases."""
    by_half: dict[str, list[CaseScore]] = {}
    for score in scores:
        by_half.setdefault(score.half, []).append(score)
    return {
        half: HalfTotals(
            half=half,
            cases=len(group),
            fields=sum(s.fields for s in group),
            exact=sum(s.exact for s in group),
            flagged=sum(len(s.flagged) for s in group),
            silent=sum(len(s.silent) for s in group),
            other_wrong=sum(len(s.other_wrong) for s in group),
            refused=sum(s.error is not None for s in group),
        )
        for half, group in by_half.items()
    }
