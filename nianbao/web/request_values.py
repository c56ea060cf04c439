"""The values a web request names, read once and bounded: row ids (in paths and in the query
string), report years and the as-of date, plus `ParamError` for a value that cannot be read.

A value the database or the calendar cannot hold stops here, never deep in a query: an id beyond
the archive's integer range names nothing, so it is a 404 like any absent id; a date or year
outside the years the monitor reasons about is a 400. (Probes of issue 12: /reports/2**63 and
as_of=9999-12-31 were 500s, an OverflowError in SQLite's driver and in date arithmetic.)
"""

from __future__ import annotations

import datetime as dt
import re

from werkzeug.routing import BaseConverter, ValidationError

from .reads import NotFound

# The archive's ids are sa.Integer columns: 64-bit in SQLite but int4 in PostgreSQL, so the
# narrower range is what any id can be (storage/migrations/versions/0001_initial_schema.py).
ROW_ID_MAX = 2**31 - 1
FIRST_REPORT_YEAR, LAST_REPORT_YEAR = 1990, 2100
# A year's reports fall due the next year, so that is the last day anything can be judged on.
AS_OF_RANGE = (dt.date(FIRST_REPORT_YEAR, 1, 1), dt.date(LAST_REPORT_YEAR + 1, 12, 31))
_DIGITS = re.compile(r"[0-9]+")  # ASCII only: str.isdigit() also takes '²', which int() refuses
MAX_DIGITS = 18  # beyond any bound here; int() refuses text of over 4,300 digits (a 500, not an answer)


class ParamError(ValueError):
    """A GET parameter that cannot be read; the message names it."""


def whole_number(name: str, raw: str, low: int, high: int) -> int:
    """`raw` as a whole number from `low` to `high`, or a ParamError naming the parameter."""
    if not _DIGITS.fullmatch(raw) or len(raw) > MAX_DIGITS or not low <= int(raw) <= high:
        raise ParamError(f"{name}={raw!r}: expected a whole number from {low} to {high}")
    return int(raw)


def row_id(name: str, raw: str | None) -> int | None:
    """An id from the query string (None when absent): ParamError unless digits, NotFound when
    no row can have it."""
    if raw in (None, ""):
        return None
    if not _DIGITS.fullmatch(raw):
        raise ParamError(f"{name}={raw!r}: expected a whole number")
    if len(raw) > MAX_DIGITS or int(raw) > ROW_ID_MAX:
        raise NotFound(f"{name}={raw}: no such id in the archive")
    return int(raw)


class RowIdConverter(BaseConverter):
    """`<row_id:name>` in a route: digits within the archive's id range; any other segment does
    not match the route, so the answer is 404."""

    regex = r"[0-9]+"

    def to_python(self, value: str) -> int:
        if int(value) > ROW_ID_MAX:
            raise ValidationError()
        return int(value)

    def to_url(self, value: int) -> str:
        return str(int(value))


def report_year(year: int) -> int:
    if not FIRST_REPORT_YEAR <= year <= LAST_REPORT_YEAR:
        raise ParamError(f"year {year}: not a report year")
    return year


def as_of_date(raw: str | None, today: dt.date) -> dt.date:
    """The day statuses are judged on: `raw` (YYYY-MM-DD) or `today`; ParamError for a date that
    is not one, or one outside AS_OF_RANGE."""
    if not raw:
        return today
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise ParamError(f"as_of={raw!r}: expected a date, YYYY-MM-DD") from None
    low, high = AS_OF_RANGE
    if not low <= day <= high:
        raise ParamError(f"as_of={raw!r}: expected a date from {low} to {high}")
    return day
