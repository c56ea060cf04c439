"""The 年报 columns discovery found (the `discovered_columns` table), written and read as plain
frozen values.

Discovery (crawler.discovery) walks an agency's portal and hands its findings here
(`record_discovery`); later crawls read the agency's active columns (`active_columns`) instead
of walking again. When a crawl finds a column gone (404/410, redirected away) it is marked
`moved` (`mark_moved`); the next discovery's new column of the same role (and year, for a year's
sub-column) is recorded as where it went: the moved row's `moved_to`, the new row's `moved_from`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .archive import Archive, agency_row_for
from .clock import utc
from .models import Agency, DiscoveredColumn

ACTIVE = "active"
MOVED = "moved"
_YEAR = re.compile(r"(?:19|20)\d{2}")


@dataclass(frozen=True, slots=True)
class ColumnIn:
    """A column as discovery found it."""

    url: str
    role: str  # column | year | unit
    evidence: list[dict[str, Any]]  # the chain of links that led there, then the column page
    reports_listed: int = 0
    platform: str | None = None


@dataclass(frozen=True, slots=True)
class StoredColumn:
    agency: str
    portal: str
    url: str
    role: str
    platform: str | None
    evidence: list[dict[str, Any]]
    reports_listed: int
    status: str
    first_seen_at: dt.datetime
    last_seen_at: dt.datetime
    moved_at: dt.datetime | None
    moved_why: str | None
    moved_from: str | None
    moved_to: str | None

    @property
    def label(self) -> str:
        """The text of the link that named it ("政府信息公开年报", "2023年", "乡镇街道")."""
        links = [step for step in self.evidence if step.get("text")]
        return links[-1]["text"] if links else ""


def _stored(row: DiscoveredColumn, agency: str) -> StoredColumn:
    return StoredColumn(agency, row.portal, row.url, row.role, row.platform, list(row.evidence), row.reports_listed,
                        row.status, row.first_seen_at, row.last_seen_at, row.moved_at, row.moved_why,
                        row.moved_from, row.moved_to)


def _label(evidence: Sequence[dict[str, Any]]) -> str:
    links = [step for step in evidence if step.get("text")]
    return links[-1]["text"] if links else ""


def record_discovery(archive: Archive, agency: str, portal: str, found: Iterable[ColumnIn],
                     now: dt.datetime) -> list[StoredColumn]:
    """Store what one walk of `agency`'s portal found; returns the agency's columns after it.
    A column seen before gets its evidence and last_seen_at renewed (and is active again if it had
    moved and is back); a new one is added. Each moved column not yet placed is matched with a
    new column of its role (and its year, when its label names one): the move is recorded."""
    now = utc(now)
    with archive.session() as session, session.begin():
        row_agency = agency_row_for(session, agency)
        rows = {row.url: row for row in session.scalars(
            select(DiscoveredColumn).where(DiscoveredColumn.agency_id == row_agency.id))}
        new: list[DiscoveredColumn] = []
        for column in found:
            row = rows.get(column.url)
            if row is None:
                row = DiscoveredColumn(agency_id=row_agency.id, portal=portal, url=column.url, role=column.role,
                                       first_seen_at=now, status=ACTIVE)
                session.add(row)
                rows[column.url] = row
                new.append(row)
            row.portal, row.role, row.platform = portal, column.role, column.platform
            row.evidence, row.reports_listed, row.last_seen_at = list(column.evidence), column.reports_listed, now
            if row.status != ACTIVE:
                row.status, row.moved_at, row.moved_why = ACTIVE, None, None
        _place_moves([row for row in rows.values() if row.status == MOVED and row.moved_to is None], new)
        session.flush()
        return [_stored(row, agency) for row in sorted(rows.values(), key=lambda r: r.first_seen_at)]


def _place_moves(moved: list[DiscoveredColumn], new: list[DiscoveredColumn]) -> None:
    free = [row for row in new if row.moved_from is None]
    for old in moved:
        year = _YEAR.search(_label(old.evidence))
        candidates = [row for row in free if row.role == old.role
                      and (year is None or year[0] in _label(row.evidence) or year[0] in row.url)]
        if candidates:
            replacement = candidates[0]
            old.moved_to, replacement.moved_from = replacement.url, old.url
            free.remove(replacement)


def mark_moved(archive: Archive, agency: str, url: str, why: str, now: dt.datetime) -> bool:
    """The crawl found `agency`'s column `url` gone (`why`); False when it is no active column."""
    with archive.session() as session, session.begin():
        row = session.scalar(select(DiscoveredColumn).join(Agency, Agency.id == DiscoveredColumn.agency_id)
                             .where(Agency.name == agency, DiscoveredColumn.url == url,
                                    DiscoveredColumn.status == ACTIVE))
        if row is None:
            return False
        row.status, row.moved_at, row.moved_why = MOVED, utc(now), why
        return True


def _query(session: Session, agencies: Iterable[str] | None):
    query = (select(DiscoveredColumn, Agency.name).join(Agency, Agency.id == DiscoveredColumn.agency_id)
             .order_by(Agency.name, DiscoveredColumn.id))
    if agencies is not None:
        query = query.where(Agency.name.in_(list(agencies)))
    return session.execute(query)


def discovered_columns(archive: Archive, agencies: Iterable[str] | None = None) -> list[StoredColumn]:
    """Every discovered column (of `agencies`), moved ones too, in the order found."""
    with archive.session() as session:
        return [_stored(row, name) for row, name in _query(session, agencies)]


def active_columns(archive: Archive, agencies: Iterable[str] | None = None) -> dict[str, list[str]]:
    """Each agency's active column URLs, in the order found (what a crawl reads)."""
    out: dict[str, list[str]] = {}
    for column in discovered_columns(archive, agencies):
        if column.status == ACTIVE:
            out.setdefault(column.agency, []).append(column.url)
    return out
