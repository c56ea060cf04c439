"""Whether a parsed record holds exactly the tables a report was rendered from: the oracle of the
round-trip, document, portal and crawl tests (render `ReportTables`, parse what was served,
compare), for anything that checks the parser against the simulated portal.

The comparison is `==` field by field (format, year, agency and the three tables), so an int and
the equal float match, a blank (None) matches only a blank.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nianbao.devportal.render import ReportTables

COMPARED_FIELDS = ("format", "year", "agency", "active", "applications", "review_litigation")


def _differences(path: str, got: Any, want: Any) -> list[str]:
    if got == want:
        return []
    if isinstance(got, Mapping) and isinstance(want, Mapping):
        keys = list(want) + [k for k in got if k not in want]
        return [d for k in keys for d in _differences(f"{path}.{k}", got.get(k, "<absent>"), want.get(k, "<absent>"))]
    return [f"{path}: parsed {got!r}, rendered {want!r}"]


def record_mismatches(record: Any, tables: ReportTables) -> list[str]:
    """Every cell or field where `record` (a `parsing.Record`, or anything with the same
    attributes) differs from the `tables` it was rendered from, as "applications.granted.total:
    parsed 5, rendered 6"; empty when the record holds exactly the tables."""
    return [d for name in COMPARED_FIELDS for d in _differences(name, getattr(record, name), getattr(tables, name))]


def assert_record_matches(record: Any, tables: ReportTables, where: str) -> None:
    """Raise AssertionError, naming `where` (the shape, URL or file) and every mismatch, unless
    `record` holds exactly `tables` (see `record_mismatches`)."""
    mismatches = record_mismatches(record, tables)
    if mismatches:
        raise AssertionError(f"{where}: the parsed record differs from the rendered tables: " + "; ".join(mismatches))
