"""Discovered agencies (the `discovered_agencies` table): departments and townships a registered
government's portal shows as publishers of their own, kept apart from the registry until
accepted. Written and read as plain frozen values.

Two sources: a unit's own 年报 column found by discovery (its columns are stored as
`discovered_columns` of the unit's own agency row, so crawls read, reuse and rediscover them like
any portal-only agency's), and reports in the government's columns that name a unit the
registry lacks (crawler.attribution's unregistered names). Either way the unit has a row in
`agencies` (name, region, kind) that its reports are filed under and its own columns' crawl runs
point at. `nianbao agencies accept` writes it into the registry file of its government and marks
it `accepted` here; from then on it is a registered agency like any other.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from .archive import Archive, agency_row_for
from .clock import utc
from .discovered import ACTIVE, ColumnIn, record_discovery
from .models import Agency, Capture, CrawlRun, DiscoveredAgency, DiscoveredColumn, Report

DISCOVERED = "discovered"
ACCEPTED = "accepted"


@dataclass(frozen=True, slots=True)
class UnitIn:
    """A unit as discovery or a report showed it (crawler.departments.UnitAgency's fields)."""

    name: str
    region: str
    government: str
    unit: str  # department | township
    kind: str  # an AgencyKind
    portal: str
    columns: tuple[str, ...] = ()
    evidence: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class StoredAgency:
    name: str
    region: str | None
    kind: str | None
    government: str
    unit: str
    portal: str
    source: str  # column | report
    evidence: list[dict[str, Any]]
    status: str  # discovered | accepted
    columns: tuple[str, ...]  # its active own columns
    reports: int  # reports filed under it
    first_seen_at: dt.datetime
    last_seen_at: dt.datetime
    accepted_at: dt.datetime | None = None
    accepted_into: str | None = None
    report_columns: tuple[str, ...] = field(default=())  # the columns whose reports named it (source report)


def _evidence_key(item: dict[str, Any]) -> tuple[str, str]:
    return item.get("kind", ""), item.get("url", "")


def record_units(archive: Archive, units: Iterable[UnitIn], now: dt.datetime) -> list[str]:
    """Store the units found (new ones as `discovered`; ones seen before get their evidence merged
    and last_seen_at renewed; an accepted one stays accepted); each unit's own columns are stored as
    its discovered columns. Reports of the units' evidence that were filed under no agency are
    filed under them. Returns the names recorded."""
    now = utc(now)
    units = list(units)
    names = []
    with archive.session() as session, session.begin():
        for unit in units:
            agency = agency_row_for(session, unit.name)
            agency.region = agency.region or unit.region
            agency.kind = agency.kind or unit.kind
            row = session.scalar(select(DiscoveredAgency).where(DiscoveredAgency.agency_id == agency.id))
            if row is None:
                row = DiscoveredAgency(agency_id=agency.id, government=unit.government, unit=unit.unit,
                                       portal=unit.portal, source="column" if unit.columns else "report",
                                       evidence=[], status=DISCOVERED, first_seen_at=now)
                session.add(row)
            elif unit.columns and row.source != "column":
                row.source = "column"  # its own column found after reports named it
            merged = {_evidence_key(e): e for e in row.evidence or ()}
            merged.update({_evidence_key(e): dict(e) for e in unit.evidence})
            row.evidence = list(merged.values())
            row.last_seen_at = now
            reports = [e["url"] for e in unit.evidence if e.get("kind") == "report" and e.get("url")]
            if reports:
                for report in session.scalars(select(Report).where(Report.url.in_(reports),
                                                                   Report.agency_id.is_(None))):
                    report.agency_id = agency.id
            names.append(unit.name)
    for unit in units:
        if unit.columns:
            record_discovery(archive, unit.name, unit.portal,
                             [ColumnIn(url, "unit", [e for e in unit.evidence if e.get("url") == url])
                              for url in unit.columns], now)
    return names


def discovered_agencies(archive: Archive, *, status: str | None = DISCOVERED,
                        governments: Iterable[str] | None = None,
                        names: Iterable[str] | None = None) -> list[StoredAgency]:
    """The discovered agencies (`status` None: accepted ones too), of `governments` / `names`,
    by government then name."""
    with archive.session() as session:
        query = (select(DiscoveredAgency, Agency).join(Agency, Agency.id == DiscoveredAgency.agency_id)
                 .order_by(DiscoveredAgency.government, Agency.name))
        if status is not None:
            query = query.where(DiscoveredAgency.status == status)
        if governments is not None:
            query = query.where(DiscoveredAgency.government.in_(list(governments)))
        if names is not None:
            query = query.where(Agency.name.in_(list(names)))
        rows = session.execute(query).all()
        ids = [agency.id for _, agency in rows]
        columns: dict[int, list[str]] = defaultdict(list)
        counts: dict[int, int] = {}
        if ids:
            for agency_id, url in session.execute(
                    select(DiscoveredColumn.agency_id, DiscoveredColumn.url)
                    .where(DiscoveredColumn.agency_id.in_(ids), DiscoveredColumn.status == ACTIVE)
                    .order_by(DiscoveredColumn.id)):
                columns[agency_id].append(url)
            counts = dict(session.execute(select(Report.agency_id, func.count(Report.id))
                                          .where(Report.agency_id.in_(ids)).group_by(Report.agency_id)).all())
        out = []
        for row, agency in rows:
            listing = tuple(dict.fromkeys(e["column"] for e in row.evidence or ()
                                          if e.get("kind") == "report" and e.get("column")))
            out.append(StoredAgency(agency.name, agency.region, agency.kind, row.government, row.unit, row.portal,
                                    row.source, list(row.evidence or ()), row.status, tuple(columns[agency.id]),
                                    counts.get(agency.id, 0), row.first_seen_at, row.last_seen_at,
                                    row.accepted_at, row.accepted_into, listing))
        return out


def unit_column_urls(archive: Archive, governments: Iterable[str]) -> set[str]:
    """The column URLs that belong to units of `governments` (discovered or accepted): the
    government's crawl leaves them to the unit."""
    return {url for agency in discovered_agencies(archive, status=None, governments=governments)
            for url in agency.columns}


def mark_accepted(archive: Archive, names: Sequence[str], into: str, now: dt.datetime) -> int:
    """Mark `names` accepted into the registry file `into`; returns how many were discovered before."""
    with archive.session() as session, session.begin():
        rows = session.scalars(select(DiscoveredAgency).join(Agency, Agency.id == DiscoveredAgency.agency_id)
                               .where(Agency.name.in_(list(names)), DiscoveredAgency.status == DISCOVERED)).all()
        for row in rows:
            row.status, row.accepted_at, row.accepted_into = ACCEPTED, utc(now), into
        return len(rows)


@dataclass(frozen=True, slots=True)
class UnfiledReport:
    """A report filed under no agency (it names one the registry lacks), found in a crawl of a
    government's column."""

    url: str
    title: str | None
    named: str
    year: int | None
    government: str  # whose crawl run found it
    column: str | None  # the list page that linked it, when the run says


def unfiled_reports(archive: Archive, governments: Iterable[str]) -> list[UnfiledReport]:
    """Reports under no agency, with the name they give themselves, first captured by a crawl of
    one of `governments`' columns."""
    governments = list(governments)
    out = []
    with archive.session() as session:
        rows = session.execute(
            select(Report.url, Report.title, Report.agency_name, Report.year, Agency.name, CrawlRun.listed)
            .join(Capture, Capture.id == Report.first_capture_id)
            .join(CrawlRun, CrawlRun.id == Capture.run_id)
            .join(Agency, Agency.id == CrawlRun.agency_id)
            .where(Report.agency_id.is_(None), Report.agency_name.is_not(None), Agency.name.in_(governments))
            .order_by(Report.id)).all()
        for url, title, named, year, government, listed in rows:
            column = next((link.get("list_url") for link in listed or ()
                           if link.get("url") == url or url in link.get("attachments", ())), None)
            out.append(UnfiledReport(url, title, named, year, government, column))
    return out


def run_links(archive: Archive, run_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """Each crawl run's column links as the crawl recorded them, those marked `elsewhere` too
    (storage.monitor_reads leaves those out of the column owner's; a discovered unit's monitor
    rows read the government's runs for the links that led to the unit's reports)."""
    if not run_ids:
        return {}
    with archive.session() as session:
        return {run_id: list(listed or ()) for run_id, listed in session.execute(
            select(CrawlRun.id, CrawlRun.listed).where(CrawlRun.id.in_(list(run_ids))))}
