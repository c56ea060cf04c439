"""The numbers: sum/count/min/max/mean of one record field over current report versions.

    from storage.stats import StatsQuery, stats
    result = stats(archive, StatsQuery("applications.denied_state_secret.total", year_from=2023,
                                       year_to=2023, by="agency", top=10))
    [(row.group, row.sum) for row in result.rows]

A field is a dotted path of the record (`../shared/spec/record.md`), any number cell of either
format (`field_paths()`). Per group, a report counts in exactly one of: `count` (the cell holds a
number: these make sum/min/max/mean), `implausible` (the cell holds a number no agency can have
published truthfully: negative, a fractional count, beyond `parsing.plausibility`'s bounds, a
10^32 from a garbled text layer; kept out of the sums so that one does not swamp them, and
counted here so it is not silently lost), `nulls` (the report left the cell blank: null is not
0, so it is not summed) and `absent` (the report has no such table or row, e.g. a 2019-format
field in a 2021 report). Only current versions (what `Archive.latest_versions()` picks, through
the search index's `is_current`), filtered like search: year range, region path prefix, kind,
agency. The values are read in SQL (SQLite JSON1, PostgreSQL json operators), not in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rapidfuzz import process
from sqlalchemy import text

from parsing.plausibility import is_amount, plausible_range
from parsing.schema import (
    ACTIVE_ROWS,
    APPLICANT_COLUMNS,
    APPLICATION_ROWS,
    FORMATS,
    REVIEW_GROUPS,
    REVIEW_OUTCOMES,
)

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
    agency: str | None = None  # exact agency name
    by: str | None = None  # "agency" | "region" | "year"; None: one row over everything
    top: int | None = None  # keep the first N groups (largest sum first; years in order)


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


@dataclass(frozen=True)
class StatsResult:
    query: StatsQuery
    rows: tuple[StatsRow, ...]
    reports: int  # current versions that passed the filters (all groups, before --top)


def field_paths() -> tuple[str, ...]:
    """Every number cell of both formats, as dotted record paths."""
    paths: dict[str, None] = {}
    for fmt in FORMATS:
        for row in ACTIVE_ROWS[fmt]:
            for column in row.columns:
                paths[f"active.{row.key}.{column}"] = None
        for row in APPLICATION_ROWS[fmt]:
            for column in APPLICANT_COLUMNS:
                paths[f"applications.{row}.{column}"] = None
    for group in REVIEW_GROUPS:
        for outcome in REVIEW_OUTCOMES:
            paths[f"review_litigation.{group}.{outcome}"] = None
    return tuple(paths)


def check_field(path: str) -> list[str]:
    """The path's parts; StatsError naming the closest known paths when it is not a number cell."""
    known = field_paths()
    if path not in known:
        close = [match for match, _, _ in process.extract(path, known, limit=5, score_cutoff=50)]
        hint = ("; did you mean " + ", ".join(close) + "?") if close else ""
        raise StatsError(f"{path!r} is not a number field of the record (see shared/spec/record.md){hint}")
    return path.split(".")


def _validate(query: StatsQuery) -> None:
    if query.by is not None and query.by not in GROUPINGS:
        raise StatsError(f"cannot group by {query.by!r}: choose one of {', '.join(GROUPINGS)}")
    if query.top is not None and not 1 <= query.top <= MAX_TOP:
        raise StatsError(f"top is {query.top}; it must be between 1 and {MAX_TOP}")
    if query.kind is not None and query.kind not in tuple(AgencyKind):
        raise StatsError(f"kind {query.kind!r} is not one of {', '.join(AgencyKind)}")
    if query.year_from is not None and query.year_to is not None and query.year_from > query.year_to:
        raise StatsError(f"the year range {query.year_from}..{query.year_to} is empty")


def stats(archive: Any, query: StatsQuery) -> StatsResult:
    parts = check_field(query.field)
    _validate(query)
    low, high = plausible_range(query.field)
    params: dict[str, Any] = {"current": True, "low": low, "high": high}
    with archive.engine.connect() as connection:
        dialect = connection.dialect.name
        if dialect == "sqlite":
            params["path"] = "$." + ".".join(f'"{part}"' for part in parts)
            kind = "json_type(v.record, :path)"  # NULL when absent, 'null', 'integer', 'real', ...
            value = "json_extract(v.record, :path)"
            numeric = f"{kind} IN ('integer', 'real')"
        else:
            params["path"] = parts
            kind = "json_typeof(v.record #> CAST(:path AS text[]))"
            value = "CAST(v.record #>> CAST(:path AS text[]) AS numeric)"
            numeric = f"{kind} = 'number'"
        group = {"agency": "r.agency_name", "region": "a.region", "year": "r.year", None: "NULL"}[query.by]
        where = ["e.is_current = :current"]
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
        if query.agency:
            where.append("r.agency_name = :agency")
            params["agency"] = query.agency
        plausible = f"{value} BETWEEN :low AND :high"
        if not is_amount(query.field):
            plausible += f" AND {value} = round({value})"  # a count is a whole number
        number = f"CASE WHEN {numeric} THEN CASE WHEN {plausible} THEN {value} END END"
        implausible = f"CASE WHEN {numeric} THEN CASE WHEN {plausible} THEN 0 ELSE 1 END ELSE 0 END"
        sql = (
            f"SELECT {group} AS grp, count({number}) AS n, sum({implausible}) AS implausible, "
            f"sum(CASE WHEN {kind} = 'null' THEN 1 ELSE 0 END) AS nulls, "
            f"sum(CASE WHEN {kind} IS NULL THEN 1 ELSE 0 END) AS absent, "
            f"sum({number}) AS total, min({number}) AS low, max({number}) AS high, avg({number}) AS mean "
            "FROM search_entries e JOIN report_versions v ON v.id = e.version_id "
            "JOIN reports r ON r.id = e.report_id LEFT JOIN agencies a ON a.id = r.agency_id "
            f"WHERE {' AND '.join(where)}" + (f" GROUP BY {group}" if query.by else "")
        )
        rows = [
            StatsRow(row.grp, row.n, int(row.nulls or 0), int(row.absent or 0), int(row.implausible or 0),
                     _num(row.total), _num(row.low), _num(row.high), float(row.mean) if row.mean is not None else None)
            for row in connection.execute(text(sql), params)
        ]
    reports = sum(row.count + row.implausible + row.nulls + row.absent for row in rows)
    if query.by == "year":
        rows.sort(key=lambda row: (row.group is None, row.group or 0))
    else:
        rows.sort(key=lambda row: (row.sum is None, -(row.sum or 0), str(row.group)))
    if query.top is not None:
        rows = rows[: query.top]
    return StatsResult(query, tuple(rows), reports)


def _num(value: Any) -> float | int | None:
    """Integers stay integers (counts); amounts (万元) stay decimals."""
    if value is None:
        return None
    as_float = float(value)
    return int(as_float) if as_float.is_integer() and not isinstance(value, float) else as_float
