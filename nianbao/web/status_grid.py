"""The agency × year grid of monitor statuses: which years it shows, where each cell links, and the
monitor page's rows (filtered by status, a page at a time). One rule for the agency page (one
row) and the monitor page (a row per agency); templates/_grid.html draws both.

Years: every judged year due by the day asked (nianbao.monitoring.FIRST_JUDGED_YEAR to last
year), missing years included; never a year before the first judged one. A cell links to its
evidence: the archived report a status rests on, else the column page the deciding crawl captured
(a missing year: the column as read after the deadline, holding no report for the year), else
(not due yet, or no crawl since the deadline) the year's monitor page.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..evidence import status_path
from ..monitoring import FIRST_JUDGED_YEAR, judged_year
from ..monitoring.words import MonitorStatus
from .request_values import ROW_ID_MAX, ParamError, whole_number

MONITOR_ROWS_PER_PAGE = 500  # agencies per monitor page: 2,059 at once were 4 MB of HTML (bench/web.py)
STATUSES = tuple(status.value for status in MonitorStatus)

Status = Mapping[str, Any]


def grid_years(as_of_year: int, reported: Iterable[int] = (), shown: int | None = None) -> list[int]:
    """Ascending: every judged year due by a day of `as_of_year` (FIRST_JUDGED_YEAR to the year
    before), the judged years of `reported` up to `as_of_year`, and `shown` (the year a monitor
    page is about) when it is judged."""
    years = set(range(FIRST_JUDGED_YEAR, as_of_year)) | {y for y in reported if y <= as_of_year}
    if shown is not None:
        years.add(shown)
    return sorted(y for y in years if judged_year(y))


def cell_path(status: Status) -> str | None:
    """The UI path of a status's evidence: its archived report, else the first column page the
    deciding crawl captured; None when there is neither (not due, no crawl since the deadline)."""
    path = status_path(status)
    if path:
        return path
    evidence = status.get("evidence") or {}
    pages = evidence.get("list_pages") or (evidence.get("last_crawl") or {}).get("list_pages") or ()
    capture_id = next((p.get("capture_id") for p in pages if isinstance(p.get("capture_id"), int)), None)
    return f"/captures/{capture_id}" if capture_id is not None else None


def status_filter(value: str | None) -> str | None:
    """The monitor page's ?status=: one of the MonitorStatus words, or empty for all."""
    if not value:
        return None
    if value not in STATUSES:
        raise ParamError(f"status={value!r}: expected one of {', '.join(STATUSES)}")
    return value


def page_number(value: str | None) -> int:
    return whole_number("page", value, 1, ROW_ID_MAX) if value else 1


def same_agency(rows: Sequence[Status], status: Status) -> Status | None:
    """Among one name's rows of another year, the one of the same registry entry (two entries may
    share a name in different regions)."""
    return next((row for row in rows if row.get("region") == status.get("region")), rows[0] if rows else None)


def monitor_grid(report: Mapping[str, Any], years: Sequence[int],
                 statuses_of_year: Callable[[int], Mapping[str, Sequence[Status]]], *,
                 status: str | None = None, page: int = 1, per_page: int = MONITOR_ROWS_PER_PAGE) -> dict[str, Any]:
    """The monitor page's grid: its year's status rows (`report`, an evaluation's JSON form),
    those with `status` only when given, page `page` of them, each with its cells for `years`
    (the other years' statuses from `statuses_of_year`: an evaluation's rows by agency name);
    and the findings of the agencies it lists (all of them when it lists every agency)."""
    year = report["year"]
    rows = [row for row in report["agencies"] if status is None or row["status"] == status]
    pages = max(1, math.ceil(len(rows) / per_page))
    if page > pages:
        raise ParamError(f"page={page}: there are {pages} pages of {len(rows)} agencies")
    shown = rows[(page - 1) * per_page: page * per_page]
    listed = {row["agency"] for row in shown}
    findings = (report["findings"] if len(shown) == len(report["agencies"])
                else [f for f in report["findings"] if f["agency"] in listed])
    others = {y: statuses_of_year(y) for y in years if y != year} if shown else {}
    return {
        "years": list(years), "year": year, "status": status, "page": page, "pages": pages, "total": len(rows),
        "first": (page - 1) * per_page + 1 if shown else 0, "last": (page - 1) * per_page + len(shown),
        "rows": [{"status": row, "cells": [year_cell(y, row if y == year else same_agency(others[y].get(row["agency"], ()), row))
                                           for y in years]}
                 for row in shown],
        "findings": findings, "findings_total": len(report["findings"]),
    }


def year_cell(year: int, status: Status | None) -> dict[str, Any]:
    """A grid cell: the status row with its year (the agency page's rows carry theirs)."""
    return {**status, "year": year} if status else {"year": year}
