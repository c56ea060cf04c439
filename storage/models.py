"""The archive's tables: agencies, crawl runs, captures, reports and their versions.

A capture is one fetch, kept forever (its bytes live in the blob store under their sha256). A
report is one document at one URL; each distinct payload of it, and each distinct record the
parser made of that payload, is a `ReportVersion`, so nothing published is ever overwritten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    or_,
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .clock import system_clock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A moment, stored in UTC and always read back aware in UTC.

    SQLite keeps no time zone: SQLAlchemy writes an aware datetime's wall-clock time and reads
    it back naive. Converting on the way in and out, here, spares every reader its own
    naive-or-aware guess, and a moment given in China's time is never stored as if it were UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"{value} has no time zone; the archive stores moments in UTC")
        return value.astimezone(dt.timezone.utc)

    def process_result_value(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


class Agency(Base):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    region: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str | None] = mapped_column(String(20))  # an AgencyKind (storage.vocab)
    list_urls: Mapped[list[str]] = mapped_column(JSON, default=list)

    reports: Mapped[list[Report]] = relationship(back_populates="agency")


class CrawlRun(Base):
    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=system_clock)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(20))  # reached | blocked | unreachable | failed
    pages_listed: Mapped[int] = mapped_column(Integer, default=0)
    reports_found: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The report links the column listed: [{"url", "title", "year", "listed_on", "list_url"}].
    listed: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")


class Capture(Base):
    """One fetch (or one imported file), as it happened."""

    __tablename__ = "captures"
    __table_args__ = (UniqueConstraint("url", "captured_at", name="uq_captures_url_captured_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text)  # the URL asked for
    # after redirects; indexed (migration 0009): the monitor finds a report's fetches by it
    final_url: Mapped[str | None] = mapped_column(Text, index=True)
    status: Mapped[int | None] = mapped_column(Integer)  # None for a local file
    # Text, not String(n): portals send what they like, and PostgreSQL would refuse overlong values.
    reason: Mapped[str | None] = mapped_column(Text)
    http_version: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[list[list[str]]] = mapped_column(JSON, default=list)  # ordered [name, value] pairs
    captured_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    content_type: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    revisit_of: Mapped[int | None] = mapped_column(ForeignKey("captures.id"))  # same URL, same payload
    source: Mapped[str] = mapped_column(String(20), default="crawl")  # crawl | file | warc
    # Why the crawler fetched it: list | report | attachment | recheck (a report archived
    # before, fetched again to see whether it is still there); None for imports.
    role: Mapped[str | None] = mapped_column(String(20))
    parse_error: Mapped[str | None] = mapped_column(Text)

    @classmethod
    def landed_at(cls, url: str) -> ColumnElement[bool]:
        """The fetches that landed at `url`, coalesce(final_url, url) = url."""
        return cls.landed_in((url,))

    @classmethod
    def landed_in(cls, urls: Sequence[str]) -> ColumnElement[bool]:
        """The fetches that landed at any of `urls`, coalesce(final_url, url) IN urls, written so
        that the indexes on url and final_url answer it (the coalesce itself scanned every capture)."""
        return or_(and_(cls.url.in_(urls), cls.final_url.is_(None)), cls.final_url.in_(urls))


class Report(Base):
    """One annual report: a document at one URL."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    agency_name: Mapped[str | None] = mapped_column(Text, index=True)
    year: Mapped[int | None] = mapped_column(Integer, index=True)
    title: Mapped[str | None] = mapped_column(Text)
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    format: Mapped[str | None] = mapped_column(String(4))
    first_capture_id: Mapped[int] = mapped_column(ForeignKey("captures.id"))
    first_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    agency: Mapped[Agency | None] = relationship(back_populates="reports")
    versions: Mapped[list[ReportVersion]] = relationship(
        back_populates="report", order_by="ReportVersion.id", cascade="all, delete-orphan"
    )


class ReportVersion(Base):
    """A distinct payload of a report, or a distinct record the parser made of it."""

    __tablename__ = "report_versions"
    __table_args__ = (
        UniqueConstraint("report_id", "sha256", "record_sha256", name="uq_report_versions_payload_record"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    capture_id: Mapped[int] = mapped_column(ForeignKey("captures.id"))
    sha256: Mapped[str] = mapped_column(String(64))  # the payload's digest
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    record_sha256: Mapped[str] = mapped_column(String(64))
    checks_failed: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    text: Mapped[str] = mapped_column(Text, default="")  # parsing.form_text.document_text, for full-text search
    parser_version: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=system_clock)

    report: Mapped[Report] = relationship(back_populates="versions")
    capture: Mapped[Capture] = relationship()


class MonitorEvent(Base):
    """Something the monitor reported once: an agency's status for a year changed, or a finding
    (invalid, changed, removed, ...) appeared. What is new since the last run is what the Atom
    feed and the exit status announce."""

    __tablename__ = "monitor_events"
    # The feed's newest events from the index (migration 0015), not a sort of every event.
    __table_args__ = (Index("ix_monitor_events_observed_at_id", "observed_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    agency: Mapped[str] = mapped_column(Text)
    event_type: Mapped[str] = mapped_column(String(30))  # "status", or the finding's (storage.monitor_events)
    key: Mapped[str] = mapped_column(Text)  # what makes a finding the same finding on the next run
    status: Mapped[str | None] = mapped_column(String(20))  # for event_type "status"
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    observed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=system_clock)


class DiscoveredColumn(Base):
    """A 年报 column found by walking an agency's portal (crawler.discovery), with the evidence:
    the chain of pages and link texts that led there. Later crawls read the agency's `active`
    columns instead of walking again; a column that answered 404/410 or redirected away becomes
    `moved`, and the column found in its place names it in `moved_from` (it, `moved_to`)."""

    __tablename__ = "discovered_columns"
    __table_args__ = (UniqueConstraint("agency_id", "url", name="uq_discovered_columns_agency_url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    portal: Mapped[str] = mapped_column(Text)  # where the walk started
    url: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(20))  # column | year | unit
    platform: Mapped[str | None] = mapped_column(String(20))  # the list platform seen on its page
    # [{"page", "url", "text", "kind", "score", "reasons"}, …, {"page", "kind": "column page", …}]
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    reports_listed: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default="active")  # active | moved
    first_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    moved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    moved_why: Mapped[str | None] = mapped_column(Text)  # what the crawl saw: "HTTP 404", "redirected away …"
    moved_from: Mapped[str | None] = mapped_column(Text)  # the moved column this one replaces
    moved_to: Mapped[str | None] = mapped_column(Text)  # where this column went, once found again


class DiscoveredAgency(Base):
    """A department or township found from a registered government's portal (its own 年报 column
    under the government's, or reports naming it in the government's columns), not in the
    registry: kept apart from registered agencies (the monitor shows it in rows of its own and
    never counts it in their compliance) until `nianbao agencies accept` writes it into the
    registry file of its government (`status` accepted, `accepted_into` that file). Its row in
    `agencies` (name, region, kind) is what its reports and its own columns' crawl runs point at;
    its own columns are `discovered_columns` rows of that agency."""

    __tablename__ = "discovered_agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), unique=True)
    government: Mapped[str] = mapped_column(Text, index=True)  # the registered government whose portal lists it
    unit: Mapped[str] = mapped_column(String(20))  # department | township
    portal: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20))  # column (its own 年报 column) | report (reports naming it)
    # [{"kind": "column", "url", "label", "chain": [...]}, {"kind": "report", "url", "title", "column"}]
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="discovered")  # discovered | accepted
    first_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    accepted_into: Mapped[str | None] = mapped_column(Text)  # the registry file it was written into
