"""The numbers of the current report versions held in memory, for a process that sums them again
and again over one state of the archive (the web UI's /numbers and /api/stats).

`storage.stats` sums a field in SQL: a join of every current version with its cell in the numbers
table, ~20-30 ms on 10,000 reports whatever the filter (bench/web.py: the slowest page kind). Here
the current versions' filter and group values are read once (`read_entries`) and each field's
cells once (`read_column`: one range of the numbers table's primary key), as numpy arrays aligned
by version; a view is then masks and bincounts, well under a millisecond.

The answers are those of the SQL, computed the same way (tests/search/test_number_frame.py
compares the two over every grouping, filter and kind of cell): a cell is a plausible number
(counted, summed), an implausible one, a blank or absent; OTHER cells (text, booleans) count
nowhere, as in SQL. Sums of whole numbers are exact (each below 2**53, the plausibility bounds);
a sum with fractions (万元 amounts) is `math.fsum`, correctly rounded, which SQLite's compensated
sum meets to the last bit or one ulp: amounts are shown to 0.01.

Both are read at one state and valid while the archive does not change: the caller keys them by
the archive's state (nianbao.web.aggregates.PerState). A version's cells never change (a reparse
adds a version), so a column read at a later state than the entries still lines up with them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import text

from parsing.plausibility import is_amount, plausible_range

from . import numbers_table

ABSENT = -1  # Column.kind: the version has no row for the path (no such table or row)


@dataclass(frozen=True)
class Coded:
    """One value per entry as an int32 code into `values` (sorted, so a larger code is a larger
    value, as SQL's max compares them); -1 for NULL."""

    codes: Any  # numpy int32 array
    values: tuple[Any, ...]

    @staticmethod
    def of(column: list[Any]) -> Coded:
        values = tuple(sorted({value for value in column if value is not None}))
        index = {value: code for code, value in enumerate(values)}
        return Coded(np.fromiter((index.get(value, -1) if value is not None else -1 for value in column),
                                 dtype=np.int32, count=len(column)), values)

    def value(self, code: int) -> Any:
        return None if code < 0 else self.values[code]

    def where(self, keep: Callable[[Any], bool]) -> Any:
        """A boolean mask of the entries whose (non-NULL) value passes `keep`."""
        allowed = np.array([code for code, value in enumerate(self.values) if keep(value)], dtype=np.int32)
        return np.isin(self.codes, allowed)


@dataclass(frozen=True)
class Entries:
    """The current versions of the search index, sorted by version id, with what stats filters
    and groups them by (aliases of storage.stats: r.agency_name, a.region, a.kind, r.year,
    r.format, v.checks_failed)."""

    version_ids: Any  # numpy int64, ascending
    agency: Coded
    region: Coded
    kind: Coded
    year: Coded
    format: Coded
    checks_failed: Any  # numpy int64; -1 for NULL

    def __len__(self) -> int:
        return len(self.version_ids)


@dataclass(frozen=True)
class Column:
    """One field's cells, aligned with Entries."""

    path: str
    kind: Any  # numpy int8: numbers_table.NUMBER / NULL / OTHER, or ABSENT
    value: Any  # numpy float64: the number (NaN unless NUMBER)
    whole: Any  # numpy bool: the number is a whole number (an integer, or a real with no fraction)
    typed_int: Any  # numpy bool: the database gave an integer (SQLite keeps 3 and 3.0 apart)
    plausible: Any  # numpy bool: NUMBER within parsing.plausibility's bounds (and whole for a count)


_ENTRIES_SQL = text(
    "SELECT e.version_id, r.agency_name, a.region, a.kind, r.year, r.format, v.checks_failed "
    "FROM search_entries e JOIN reports r ON r.id = e.report_id LEFT JOIN agencies a ON a.id = r.agency_id "
    "JOIN report_versions v ON v.id = e.version_id WHERE e.is_current = :current ORDER BY e.version_id")


def read_entries(archive: Any) -> Entries:
    with archive.engine.connect() as connection:
        rows = connection.execute(_ENTRIES_SQL, {"current": True}).all()
    columns = list(zip(*rows)) or [()] * 7
    return Entries(
        version_ids=np.fromiter(columns[0], dtype=np.int64, count=len(rows)),
        agency=Coded.of(list(columns[1])), region=Coded.of(list(columns[2])), kind=Coded.of(list(columns[3])),
        year=Coded.of(list(columns[4])), format=Coded.of(list(columns[5])),
        checks_failed=np.fromiter((-1 if value is None else value for value in columns[6]), dtype=np.int64,
                                  count=len(rows)))


def read_column(archive: Any, path: str, entries: Entries) -> Column:
    """`path`'s cells of every entry: one range of the numbers table's (path_id, version_id) key,
    read through the driver's cursor (SQLAlchemy's rows cost 4x the read on 10,000 cells)."""
    size = len(entries)
    kind = np.full(size, ABSENT, dtype=np.int8)
    value = np.full(size, np.nan)
    typed_int = np.zeros(size, dtype=bool)
    with archive.engine.connect() as connection:
        path_id = numbers_table.path_id(connection, path)
        rows: list[tuple] = []
        if path_id is not None:
            cursor = connection.connection.dbapi_connection.cursor()
            try:
                marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
                cursor.execute(f"SELECT version_id, kind, value FROM search_numbers WHERE path_id = {marker}", (path_id,))
                rows = cursor.fetchall()
            finally:
                cursor.close()
    if rows and size:
        ids, kinds, numbers = zip(*rows)
        ids = np.array(ids, dtype=np.int64)
        at = np.searchsorted(entries.version_ids, ids)
        found = (at < size) & (entries.version_ids[np.minimum(at, size - 1)] == ids)
        at = at[found]
        numbers = [number if number_kind == numbers_table.NUMBER else None
                   for number, number_kind, hit in zip(numbers, kinds, found.tolist()) if hit]
        kinds = np.array(kinds, dtype=np.int8)[found]
        is_number = kinds == numbers_table.NUMBER
        kind[at] = kinds
        value[at] = np.array(numbers, dtype=np.float64)  # None (not a number) -> NaN
        typed_int[at] = np.array([type(number) is int or (  # noqa: E721 (a bool is never stored)
            number is not None and not isinstance(number, float) and float(number).is_integer())  # NUMERIC
            for number in numbers], dtype=bool) & is_number
    number = kind == numbers_table.NUMBER
    finite = np.where(number, value, 0.0)
    whole = number & (np.floor(finite) == finite)
    low, high = plausible_range(path)
    plausible = number & (finite >= low) & (finite <= high)
    if not is_amount(path):
        plausible &= whole  # a count is a whole number
    return Column(path, kind, value, whole, typed_int, plausible)


@dataclass(frozen=True)
class Frame:
    """What storage.stats reads instead of SQL: the entries and a way to a field's column (kept
    by the caller per archive state)."""

    entries: Entries
    column: Callable[[str], Column]
    integers_by_value: bool = False  # PostgreSQL: NUMERIC sums are integers when whole (stats._num)

    @staticmethod
    def of(archive: Any, entries: Entries | None = None,
           column: Callable[[str, Entries], Column] | None = None) -> Frame:
        """A frame of `archive` now; `entries` and `column(path, entries)` as kept, or read afresh."""
        entries = entries if entries is not None else read_entries(archive)
        read = column or (lambda path, of: read_column(archive, path, of))
        return Frame(entries, lambda path: read(path, entries), archive.engine.dialect.name == "postgresql")


@dataclass(frozen=True)
class Filter:
    """storage.stats' filters, as arguments (a StatsQuery's, without importing it: no cycle)."""

    year_from: int | None
    year_to: int | None
    region: str | None
    kind: str | None
    agencies: tuple[str, ...]
    format: str | None
    check_failed: bool | None


def mask(entries: Entries, query: Filter) -> Any:
    """The entries the filters keep (stats._filters' WHERE)."""
    keep = np.ones(len(entries), dtype=bool)
    if query.year_from is not None:
        keep &= entries.year.where(lambda year: year >= query.year_from)
    if query.year_to is not None:
        keep &= entries.year.where(lambda year: year <= query.year_to)
    if query.region:
        region = query.region.strip().strip("/")
        keep &= entries.region.where(lambda value: value == region or value.startswith(region + "/"))
    if query.kind:
        keep &= entries.kind.where(lambda value: value == query.kind)
    if query.agencies:
        names = set(query.agencies)
        keep &= entries.agency.where(lambda value: value in names)
    if query.format:
        keep &= entries.format.where(lambda value: value == query.format)
    if query.check_failed is not None:
        keep &= (entries.checks_failed > 0) if query.check_failed else (entries.checks_failed == 0)
    return keep


@dataclass(frozen=True)
class Groups:
    """The kept entries' positions, split by a grouping: `labels[i]` is group i's value."""

    positions: Any  # numpy int64: positions of the kept entries
    inverse: Any  # numpy int64: each kept entry's group index
    labels: tuple[Any, ...]
    coded: Coded | None

    @property
    def size(self) -> int:
        return len(self.labels)

    def sizes(self) -> list[int]:
        """Each group's kept entries (SQL's count(*))."""
        return np.bincount(self.inverse, minlength=self.size).tolist()

    def count(self, flags: Any) -> list[int]:
        return np.bincount(self.inverse, weights=flags[self.positions], minlength=self.size).astype(np.int64).tolist()

    def max_of(self, coded: Coded) -> list[Any]:
        """Per group, the largest non-NULL value of `coded` among its entries (SQL max)."""
        best = np.full(self.size, -1, dtype=np.int32)
        np.maximum.at(best, self.inverse, coded.codes[self.positions])
        return [coded.value(code) for code in best.tolist()]


def groups(entries: Entries, keep: Any, by: str | None) -> Groups:
    positions = np.flatnonzero(keep)
    if by is None:  # one row over everything (SQL without GROUP BY answers a row even for none)
        return Groups(positions, np.zeros(len(positions), dtype=np.int64), (None,), None)
    coded = {"agency": entries.agency, "region": entries.region, "year": entries.year}[by]
    found, inverse = np.unique(coded.codes[positions], return_inverse=True)
    return Groups(positions, inverse.astype(np.int64), tuple(coded.value(code) for code in found.tolist()), coded)


@dataclass(frozen=True)
class Sums:
    counts: list[int]  # per group: plausible numbers
    sums: list[float | int | None]
    mins: list[float | int | None]
    maxes: list[float | int | None]


def sums(column: Column, grouped: Groups, integers_by_value: bool = False) -> Sums:
    """Per group, the plausible numbers' count, sum, min and max, typed as the database's sum()
    would answer them: an integer when every summed value came as one (SQLite), or when the sum
    is whole (`integers_by_value`: PostgreSQL's NUMERIC, as storage.stats._num reads it)."""
    positions, inverse, size = grouped.positions, grouped.inverse, grouped.size
    take = column.plausible[positions]
    rows, at = positions[take], inverse[take]
    order = np.lexsort((column.value[rows], at))  # by group, then value: min first, max last
    rows, at = rows[order], at[order]
    values = column.value[rows]
    counts = np.bincount(at, minlength=size)
    whole = column.whole[rows]
    whole_sums = np.bincount(at, weights=np.where(whole, values, 0.0), minlength=size)  # exact below 2**53
    fractions: dict[int, list[float]] = {}
    for group, number in zip(at[~whole].tolist(), values[~whole].tolist()):
        fractions.setdefault(group, []).append(number)
    all_int = np.bincount(at, weights=~column.typed_int[rows], minlength=size) == 0
    ends = np.cumsum(counts)
    starts = ends - counts
    present = counts > 0
    low_at, high_at = starts[present], ends[present] - 1
    typed_int = column.typed_int[rows]
    out_sums: list[float | int | None] = [None] * size
    out_min: list[float | int | None] = [None] * size
    out_max: list[float | int | None] = [None] * size
    for group, low, low_int, high, high_int in zip(
            np.flatnonzero(present).tolist(), values[low_at].tolist(), typed_int[low_at].tolist(),
            values[high_at].tolist(), typed_int[high_at].tolist()):
        total = float(whole_sums[group])
        if group in fractions:
            total = math.fsum([total, *fractions[group]])
        out_sums[group] = _as_typed(total, total.is_integer() if integers_by_value else bool(all_int[group]))
        out_min[group] = _as_typed(low, low.is_integer() if integers_by_value else low_int)
        out_max[group] = _as_typed(high, high.is_integer() if integers_by_value else high_int)
    return Sums(counts.tolist(), out_sums, out_min, out_max)


def _as_typed(number: float, as_int: bool) -> float | int:
    return int(number) if as_int else number
