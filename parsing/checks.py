"""The format's own arithmetic identities (spec: record.md, "Checks"), and the one repair allowed.

Checks are computed on the numbers as published; a failure is a finding about the report, never
a reason to change a number. The only repair: a cell that is *missing or unreadable* (not a
blank) is filled when every identity that involves it yields the same single value, and the
fill is reported in `warnings`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from .record import Check, Table
from .schema import (
    APPLICANT_COLUMNS,
    APPLICANT_PARTS,
    REVIEW_GROUPS,
    REVIEW_PARTS,
    result_rows,
    Format,
)

Cell = tuple[str, str, str]  # (table, row, column)


def _v(table: Table, row: str, col: str) -> int | float:
    value = table.get(row, {}).get(col)
    return 0 if value is None else value


# -- identities as (cells, residual) -------------------------------------------------------
# Each identity is a list of (cell, sign); it holds when the signed sum is 0.

Identity = tuple[str, list[tuple[Cell, int]]]


def _identities(fmt: Format, tables: Mapping[str, Table]) -> Iterator[Identity]:
    if "applications" in tables:
        results = result_rows(fmt, tables["applications"])
        for col in APPLICANT_COLUMNS:
            yield "applications.balance", [
                (("applications", "new_received", col), 1),
                (("applications", "carried_over", col), 1),
                (("applications", "total_processed", col), -1),
                (("applications", "carried_forward", col), -1),
            ]
            yield "applications.results_sum", [(("applications", "total_processed", col), 1)] + [
                (("applications", row, col), -1) for row in results
            ]
        for row in ("new_received", "carried_over", *results, "total_processed", "carried_forward"):
            yield "applications.row_totals", [(("applications", row, "total"), 1)] + [
                (("applications", row, col), -1) for col in APPLICANT_PARTS
            ]
    if "review_litigation" in tables:
        for group in REVIEW_GROUPS:
            yield "review_litigation.totals", [(("review_litigation", group, "total"), 1)] + [
                (("review_litigation", group, part), -1) for part in REVIEW_PARTS
            ]


def repair_missing(
    fmt: Format,
    tables: dict[str, dict[str, dict[str, int | float | None]]],
    missing: set[Cell],
    absent: set[Cell] = frozenset(),
) -> list[str]:
    """Fill missing cells that the identities determine uniquely; returns the warnings.

    `missing` are unreadable cells of rows that were found; `absent` the cells of rows not found
    at all (already reported once per table), which are filled only when determined.
    """
    warnings: list[str] = []
    identities = list(_identities(fmt, tables))
    pending = {cell for cell in missing | absent if cell[0] in tables}
    progress = True
    while pending and progress:
        progress = False
        for cell in sorted(pending):
            candidates = set()
            for _, terms in identities:
                cells = [c for c, _ in terms]
                if cell not in cells or any(c in pending and c != cell for c in cells):
                    continue
                sign = dict(terms)[cell]
                rest = sum(s * _value(tables, c) for c, s in terms if c != cell)
                candidates.add(-rest * sign)
            if len(candidates) == 1:
                (value,) = candidates
                table, row, col = cell
                if value < 0:
                    warnings.append(f"{table}.{row}.{col}: unreadable; identities give {value}, left blank")
                else:
                    tables[table][row][col] = value
                    warnings.append(
                        f"{table}.{row}.{col}: unreadable; filled with {value}, "
                        "the only value the table's identities allow"
                    )
                pending.discard(cell)
                progress = True
            elif len(candidates) > 1:
                table, row, col = cell
                warnings.append(
                    f"{table}.{row}.{col}: unreadable; identities disagree "
                    f"({', '.join(str(c) for c in sorted(candidates))}), left blank"
                )
                pending.discard(cell)
                progress = True
    for table, row, col in sorted(pending - absent):
        warnings.append(f"{table}.{row}.{col}: unreadable and not determined by the identities")
    return warnings


def _value(tables: Mapping[str, Table], cell: Cell) -> int | float:
    table, row, col = cell
    return _v(tables[table], row, col)


# -- checks -------------------------------------------------------------------------------


def _check(rule: str, failures: list[str], ok_detail: str) -> Check:
    if failures:
        return Check(rule, False, "; ".join(failures))
    return Check(rule, True, ok_detail)


def _each(cols: tuple[str, ...], failing: Callable[[str], str | None]) -> list[str]:
    return [msg for col in cols if (msg := failing(col)) is not None]


def check_tables(fmt: Format, applications: Table | None, review: Table | None) -> list[Check]:
    checks: list[Check] = []
    if applications is not None:
        a = applications

        def balance(col: str) -> str | None:
            lhs = _v(a, "new_received", col) + _v(a, "carried_over", col)
            rhs = _v(a, "total_processed", col) + _v(a, "carried_forward", col)
            if lhs == rhs:
                return None
            return (
                f"{col}: new_received {_v(a, 'new_received', col)} + carried_over {_v(a, 'carried_over', col)}"
                f" = {lhs} ≠ total_processed {_v(a, 'total_processed', col)}"
                f" + carried_forward {_v(a, 'carried_forward', col)} = {rhs}"
            )

        def results(col: str) -> str | None:
            total = _v(a, "total_processed", col)
            parts = sum(_v(a, row, col) for row in result_rows(fmt, a))
            return None if total == parts else f"{col}: total_processed {total} ≠ sum of result rows {parts}"

        def row_total(row: str) -> str | None:
            total = _v(a, row, "total")
            parts = sum(_v(a, row, col) for col in APPLICANT_PARTS)
            return None if total == parts else f"{row}: total {total} ≠ sum of applicant columns {parts}"

        checks.append(_check("applications.balance", _each(APPLICANT_COLUMNS, balance),
                             "new_received + carried_over = total_processed + carried_forward in every column"))
        checks.append(_check("applications.results_sum", _each(APPLICANT_COLUMNS, results),
                             "total_processed = sum of result rows in every column"))
        checks.append(_check("applications.row_totals", _each(tuple(a), row_total),
                             "total = sum of applicant columns in every row"))
    if review is not None:
        r = review

        def group_total(group: str) -> str | None:
            total = _v(r, group, "total")
            parts = sum(_v(r, group, p) for p in REVIEW_PARTS)
            return None if total == parts else (
                f"{group}: total {total} ≠ upheld + corrected + other + pending = {parts}"
            )

        checks.append(_check("review_litigation.totals", _each(REVIEW_GROUPS, group_total),
                             "total = upheld + corrected + other + pending in every group"))
    return checks


def failed_check_cells(fmt: Format, tables: Mapping[str, Table]) -> dict[Cell, tuple[str, ...]]:
    """The cells of every identity that does not hold, each with the rules that cover it.

    The same identities `check_tables` reports on, computed over the record's tables (the
    `applications` and `review_litigation` of a record's JSON form), so a reader (the web UI)
    can mark the cells of a failed check without reading the check's detail text.
    """
    covered: dict[Cell, list[str]] = {}
    for rule, terms in _identities(fmt, tables):
        if sum(sign * _value(tables, cell) for cell, sign in terms) != 0:
            for cell, _ in terms:
                rules = covered.setdefault(cell, [])
                if rule not in rules:
                    rules.append(rule)
    return {cell: tuple(rules) for cell, rules in covered.items()}
