"""The numbers: sum/count/min/max/mean of one record field over current report versions.

    from storage.stats import StatsQuery, stats
    result = stats(archive, StatsQuery("applications.denied_state_secret.total", year_from=2023,
                                       year_to=2023, by="agency", top=10))
    [(row.group, row.sum) for row in result.rows]

A field is a dotted path of the record (`../shared/spec/record.md`), any number cell of either
format (`field_paths()`), or the form's label for it (`parsing.fields.resolve_field`: 予以公开 自然人);
the result's query holds the path. Per group, a report counts in exactly one of: `count` (the cell holds a
number: these make sum/min/max/mean), `implausible` (the cell holds a number no agency can have
published truthfully: negative, a fractional count, beyond `parsing.plausibility`'s bounds, a
10^32 from a garbled text layer; kept out of the sums so that one does not swamp them, and
counted here so it is not silently lost), `nulls` (the report left the cell blank: null is not
0, so it is not summed) and `absent` (the report has no such table or row, e.g. a 2019-format
field in a 2021 report). Only current versions (what `Archive.latest_versions()` picks, through
the search index's `is_current`), filtered like search: year range, region path prefix, kind,
agency (one or several), the report's format, its version's checks (failed or ok). The values are read in SQL from
the numbers table (`storage.numbers_table`: every number cell of every version, written once at ingest),
not from each record's JSON on every query (bench/web.py: a rate, nine fields, took 1-6 s on 10,000 reports).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from rapidfuzz import process
from sqlalchemy import text

from parsing.fields import FieldNameError, field_paths, resolve_field
from parsing.plausibility import is_amount, plausible_range
from parsing.schema import FORMATS

from . import number_frame, numbers_table
from .number_frame import Frame
from .vocab import AgencyKind

GROUPINGS = ("agency", "region", "year")
MAX_TOP = 100_000


class StatsError(ValueError):
    """A statistic that cannot be computed as asked; the message says why and what would work."""


@dataclass(frozen=True)
class StatsQuery:
    field: str  # dotted record path, e.g. "applications.denied_state_secret.total"
    year_from: int | None = None
    year_to: int | None = None
    region: str | None = None  # region path prefix ("江苏省" or "江苏省/淮安市")
    kind: str | None = None  # an AgencyKind
    agency: str | tuple[str, ...] | None = None  # exact agency name, or several (a report of any of them)
    by: str | None = None  # "agency" | "region" | "year"; None: one row over everything
    top: int | None = None  # keep the first N groups (largest sum first; years in order)
    format: str | None = None  # "2019" | "2021": only reports of that form
    check_failed: bool | None = None  # True: only versions with a failed check; False: only clean ones

    @property
    def agencies(self) -> tuple[str, ...]:
        """The agency filter as names: none, one or several."""
        if self.agency is None:
            return ()
        return (self.agency,) if isinstance(self.agency, str) else tuple(self.agency)


@dataclass(frozen=True)
class StatsRow:
    group: str | int | None  # the agency, region or year; None for no grouping or an unknown one
    count: int  # reports with a number in the field
    nulls: int  # reports that left it blank
    absent: int  # reports without the field (table or row missing, other format)
    implausible: int  # reports with a number outside parsing.plausibility's bounds: not summed
    sum: float | int | None
    min: float | int | None
    max: float | int | None
    mean: float | None
    region: str | None = None  # by agency: the agency's region path
    kind: str | None = None  # by agency: the agency's kind


@dataclass(frozen=True)
class StatsResult:
    query: StatsQuery
    rows: tuple[StatsRow, ...]
    reports: int  # current versions that passed the filters (all groups, before --top)


__all__ = ["GROUPINGS", "CellSums", "StatsError", "StatsQuery", "StatsResult", "StatsRow", "cell_sums", "check_field",
           "field_paths", "resolve", "stats"]


def resolve(name: str) -> str:
    """The dotted path that `name` (a path, or a label or piece of one) means; StatsError naming
    the candidates when it means several, or the closest paths when it means none."""
    try:
        return resolve_field(name).path
    except FieldNameError as exc:
        if exc.candidates:
            raise StatsError(str(exc)) from None
    known = field_paths()
    close = [match for match, _, _ in process.extract(name, known, limit=5, score_cutoff=50)]
    hint = ("; did you mean " + ", ".join(close) + "?") if close else ""
    raise StatsError(f"{name!r} is not a number field of the record nor a label of one"
                     f" (nianbao fields lists them; see shared/spec/record.md){hint}")


def check_field(path: str) -> list[str]:
    """The path's parts; StatsError naming the closest known paths when it is not a number cell."""
    return resolve(path).split(".")


def _validate(query: StatsQuery) -> None:
    if query.by is not None and query.by not in GROUPINGS:
        raise StatsError(f"cannot group by {query.by!r}: choose one of {', '.join(GROUPINGS)}")
    if query.top is not None and not 1 <= query.top <= MAX_TOP:
        raise StatsError(f"top is {query.top}; it must be between 1 and {MAX_TOP}")
    if query.kind is not None and query.kind not in tuple(AgencyKind):
        raise StatsError(f"kind {query.kind!r} is not one of {', '.join(AgencyKind)}")
    if query.year_from is not None and query.year_to is not None and query.year_from > query.year_to:
        raise StatsError(f"the year range {query.year_from}..{query.year_to} is empty")
    if query.format is not None and query.format not in FORMATS:
        raise StatsError(f"format {query.format!r} is not one of {', '.join(FORMATS)}")


GROUP_COLUMNS = {"agency": "r.agency_name", "region": "a.region", "year": "r.year", None: "NULL"}


def _filters(query: StatsQuery, params: dict[str, Any]) -> str:
    """The FROM and WHERE of the current versions the query keeps (aliases e, r, a, v)."""
    where = ["e.is_current = :current"]
    params["current"] = True
    if query.year_from is not None:
        where.append("r.year >= :year_from")
        params["year_from"] = query.year_from
    if query.year_to is not None:
        where.append("r.year <= :year_to")
        params["year_to"] = query.year_to
    if query.region:
        region = query.region.strip().strip("/")
        where.append("(a.region = :region OR substr(a.region, 1, :region_len) = :region_prefix)")
        params.update(region=region, region_prefix=region + "/", region_len=len(region) + 1)
    if query.kind:
        where.append("a.kind = :kind")
        params["kind"] = query.kind
    if query.agencies:
        names = {f"agency_{i}": name for i, name in enumerate(query.agencies)}
        where.append(f"r.agency_name IN ({', '.join(':' + key for key in names)})")
        params.update(names)
    if query.format:
        where.append("r.format = :format")
        params["format"] = query.format
    if query.check_failed is not None:
        where.append("v.checks_failed > 0" if query.check_failed else "v.checks_failed = 0")
    return ("FROM search_entries e JOIN reports r ON r.id = e.report_id LEFT JOIN agencies a ON a.id = r.agency_id "
            + ("JOIN report_versions v ON v.id = e.version_id " if query.check_failed is not None else "")
            + "{cells}" + f"WHERE {' AND '.join(where)}")


def _cell(path: str, alias: str, params: dict[str, Any], suffix: str = "") -> tuple[str, str]:
    """SQL for one cell of the numbers table (row `alias`): its value when it is a plausible
    number (else NULL), and 1 when it is a number outside `parsing.plausibility`'s bounds."""
    low, high = plausible_range(path)
    params.update({f"low{suffix}": low, f"high{suffix}": high})
    value = f"{alias}.value"
    numeric = f"{alias}.kind = {numbers_table.NUMBER}"
    plausible = f"{value} BETWEEN :low{suffix} AND :high{suffix}"
    if not is_amount(path):
        plausible += f" AND {value} = round({value})"  # a count is a whole number
    number = f"CASE WHEN {numeric} THEN CASE WHEN {plausible} THEN {value} END END"
    implausible = f"CASE WHEN {numeric} THEN CASE WHEN {plausible} THEN 0 ELSE 1 END ELSE 0 END"
    return number, implausible


def stats(archive: Any, query: StatsQuery, frame: Frame | None = None) -> StatsResult:
    """`query`'s rows, summed in SQL, or from `frame` (storage.number_frame: the same answers, from
    arrays a process keeps per archive state)."""
    query = replace(query, field=resolve(query.field))
    _validate(query)
    rows = _frame_rows(frame, query) if frame is not None else _sql_rows(archive, query)
    reports = sum(row.count + row.implausible + row.nulls + row.absent for row in rows)
    if query.by == "year":
        rows.sort(key=lambda row: (row.group is None, row.group or 0))
    else:
        rows.sort(key=lambda row: (row.sum is None, -(row.sum or 0), str(row.group)))
    if query.top is not None:
        rows = rows[: query.top]
    return StatsResult(query, tuple(rows), reports)


def _frame_filter(query: StatsQuery) -> number_frame.Filter:
    return number_frame.Filter(query.year_from, query.year_to, query.region, query.kind, query.agencies,
                               query.format, query.check_failed)


def _frame_groups(frame: Frame, query: StatsQuery) -> tuple[number_frame.Groups, list, list]:
    """The entries `query` keeps, grouped as it asks; per group the region and kind (by agency:
    the SQL's max(a.region), max(a.kind)), else Nones."""
    grouped = number_frame.groups(frame.entries, number_frame.mask(frame.entries, _frame_filter(query)), query.by)
    if query.by != "agency":
        return grouped, [None] * grouped.size, [None] * grouped.size
    return grouped, grouped.max_of(frame.entries.region), grouped.max_of(frame.entries.kind)


def _frame_rows(frame: Frame, query: StatsQuery) -> list[StatsRow]:
    column = frame.column(query.field)
    grouped, regions, kinds = _frame_groups(frame, query)
    found = number_frame.sums(column, grouped, frame.integers_by_value)
    implausible = grouped.count((column.kind == numbers_table.NUMBER) & ~column.plausible)
    nulls = grouped.count(column.kind == numbers_table.NULL)
    absent = grouped.count(column.kind == number_frame.ABSENT)
    return [StatsRow(label, count, null, missing, wrong, total, low, high,
                     (total / count) if count else None, region, kind)
            for label, count, null, missing, wrong, total, low, high, region, kind
            in zip(grouped.labels, found.counts, nulls, absent, implausible, found.sums, found.mins, found.maxes,
                   regions, kinds)]


def _sql_rows(archive: Any, query: StatsQuery) -> list[StatsRow]:
    params: dict[str, Any] = {}
    with archive.engine.connect() as connection:
        # The cells as storage.numbers_table read them out of the records at ingest: kind NUMBER
        # (value holds it), NULL (blank); no row: the record has no such cell (absent).
        params["path_id"] = numbers_table.path_id(connection, query.field) or 0  # 0: no row has it
        number, implausible = _cell(query.field, "n", params)
        group = GROUP_COLUMNS[query.by]
        cells = "LEFT JOIN search_numbers n ON n.path_id = :path_id AND n.version_id = e.version_id "
        sql = (
            f"SELECT {group} AS grp, count({number}) AS n, sum({implausible}) AS implausible, "
            f"sum(CASE WHEN n.kind = {numbers_table.NULL} THEN 1 ELSE 0 END) AS nulls, "
            "sum(CASE WHEN n.kind IS NULL THEN 1 ELSE 0 END) AS absent, "
            f"sum({number}) AS total, min({number}) AS low, max({number}) AS high, avg({number}) AS mean, "
            + ("max(a.region) AS region, max(a.kind) AS kind " if query.by == "agency"
               else "NULL AS region, NULL AS kind ")
            + _filters(query, params).format(cells=cells) + (f" GROUP BY {group}" if query.by else "")
        )
        rows = [
            StatsRow(grp, n, int(nulls or 0), int(absent or 0), int(implausible or 0),
                     _num(total), _num(low), _num(high), float(mean) if mean is not None else None, region, kind)
            for grp, n, implausible, nulls, absent, total, low, high, mean, region, kind
            in connection.execute(text(sql), params).all()
        ]
    return rows


@dataclass(frozen=True)
class CellSums:
    """One group's sums of several cells: for each path, how many of its reports hold a
    plausible number in it, and their sum (None when none does)."""

    group: str | int | None
    reports: int  # the group's current reports
    counts: tuple[int, ...]  # per path, in the order asked
    sums: tuple[float | int | None, ...]
    region: str | None = None  # by agency
    kind: str | None = None


def cell_sums(archive: Any, query: StatsQuery, paths: tuple[str, ...],
              frame: Frame | None = None) -> tuple[list[CellSums], int]:
    """Per group of `query` (its field and top ignored), each path's count and sum of plausible
    numbers, as `stats` counts and sums them one path at a time, in one statement over the
    numbers table (a rate's nine cells: nine passes over every report before), or from `frame`;
    and the reports the filters keep."""
    paths = tuple(resolve(path) for path in paths)
    query = replace(query, field=paths[0] if paths else "", top=None)
    _validate(query)
    if frame is not None:
        grouped, regions, kinds = _frame_groups(frame, query)
        found = [number_frame.sums(frame.column(path), grouped, frame.integers_by_value) for path in paths]
        reports = grouped.sizes()
        out = [CellSums(label, reports[i], tuple(f.counts[i] for f in found), tuple(f.sums[i] for f in found),
                        regions[i], kinds[i])
               for i, label in enumerate(grouped.labels) if reports[i] or query.by is None]
        return out, sum(row.reports for row in out)
    params: dict[str, Any] = {}
    group = GROUP_COLUMNS[query.by]
    with archive.engine.connect() as connection:
        columns, joins = [], []
        for i, path in enumerate(paths):
            params[f"path_id{i}"] = numbers_table.path_id(connection, path) or 0
            joins.append(f"LEFT JOIN search_numbers n{i} ON n{i}.path_id = :path_id{i} AND n{i}.version_id = e.version_id ")
            number, _ = _cell(path, f"n{i}", params, suffix=str(i))
            columns.append(f"count({number}), sum({number})")
        sql = (f"SELECT {group} AS grp, count(*) AS reports, "
               + ("max(a.region), max(a.kind)" if query.by == "agency" else "NULL, NULL")
               + "".join(f", {column}" for column in columns) + " "
               + _filters(query, params).format(cells="".join(joins)) + (f" GROUP BY {group}" if query.by else ""))
        out = []
        for row in connection.execute(text(sql), params).all():
            grp, reports, region, kind, *cells = row
            out.append(CellSums(grp, reports, tuple(cells[0::2]), tuple(_num(total) for total in cells[1::2]),
                                region, kind))
    return out, sum(row.reports for row in out)


def _num(value: Any) -> float | int | None:
    """Integers stay integers (counts); amounts (万元) stay decimals."""
    if value is None or type(value) is int or type(value) is float:  # noqa: E721 (bool is not a sum)
        return value
    as_float = float(value)
    return int(as_float) if as_float.is_integer() and not isinstance(value, float) else as_float
