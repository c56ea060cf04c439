"""The archive's write and read API: ingest captures, derive reports and versions, reparse, check.

Every arrow of portal -> capture -> archive -> parse -> record goes through here: the crawler,
`import-files` and `import --warc` all call `Archive.ingest`. Order of writes: the payload's
blob first (atomic, fsynced), then one database transaction with the capture and whatever was
derived from it. Ingest is idempotent on (url, captured_at), so an interrupted batch can simply
be run again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from parsing import DEFAULT_LIMITS, Limits, ParseError, Record, parse_report
from parsing.form_text import document_text
from parsing.version import PARSER_VERSION

from . import search_index
from .blobs import BlobError, BlobStore
from .clock import utc
from .db import data_dir, database_url, make_engine, migrate, sessions
from .models import Agency, Capture, Report, ReportVersion

log = logging.getLogger(__name__)

IngestStatus = Literal["new", "revisit", "exists"]


@dataclass(frozen=True)
class CaptureIn:
    """One fetch as it happened, or a local file with its stated source."""

    url: str
    body: bytes
    captured_at: dt.datetime  # aware; stored as UTC
    status: int | None = 200
    reason: str | None = "OK"
    http_version: str | None = "HTTP/1.1"
    headers: tuple[tuple[str, str], ...] = ()
    final_url: str | None = None
    content_type: str | None = None
    run_id: int | None = None
    source: str = "crawl"  # crawl | file | warc
    agency: str | None = None  # the registry's name for the publisher, when known
    role: str | None = None  # list | report | attachment | recheck, for crawler captures


@dataclass(frozen=True)
class Filing:
    """Where the caller files a parsed report (crawler.attribution decides it for the crawler):
    under the registry's agency `agency` (its row found or made), or under none, as the
    `agency_name` it gives itself; or not at all, `not_a_report` saying why."""

    agency: str | None = None
    agency_name: str | None = None
    not_a_report: str | None = None


FileUnder = Callable[[Record], Filing]


@dataclass(frozen=True)
class IngestResult:
    capture_id: int
    status: IngestStatus
    report_id: int | None = None
    new_version: bool = False
    parse_error: str | None = None


@dataclass
class CheckResult:
    missing: list[str] = field(default_factory=list)  # digests rows point at, with no blob
    corrupt: list[str] = field(default_factory=list)  # blobs whose bytes do not hash to their name
    orphans: list[str] = field(default_factory=list)  # blobs no row points at (a crash between the two writes)
    temporaries: list[Path] = field(default_factory=list)  # interrupted blob writes

    @property
    def damaged(self) -> bool:
        """The rows and the blob store disagree: a blob missing, corrupt or orphaned."""
        return bool(self.missing or self.corrupt or self.orphans)

    @property
    def clean(self) -> bool:
        """Nothing found at all: no damage and no temporary files left by interrupted writes."""
        return not (self.damaged or self.temporaries)


@dataclass
class ReparseSummary:
    captures: int = 0
    new_versions: int = 0
    new_reports: int = 0
    errors: int = 0


def record_digest(record: Record) -> str:
    canonical = json.dumps(record.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record_text(record: Record) -> str:
    """The title and narrative: what a report says in its own words (the crawler reads who
    published it from here). The searchable text is `parsing.form_text.document_text`."""
    return "\n".join(text for text in [record.title or "", *record.sections.values()] if text)


def _is_success(status: int | None) -> bool:
    return status is None or 200 <= status < 300


def current_version(session: Session, report: Report, versions: Sequence[ReportVersion]) -> ReportVersion | None:
    """The report's current version: of the payload captured last at the report's URL (a
    revisit counts as seeing its payload again), the newest record. Not simply the newest row:
    a reparse can add a row for a superseded payload, and a page can go back to an earlier
    payload (A, B, A)."""
    if not versions:
        return None
    last_seen = dict(session.execute(
        select(Capture.sha256, func.max(Capture.captured_at))
        .where(func.coalesce(Capture.final_url, Capture.url) == report.url,
               Capture.sha256.in_({v.sha256 for v in versions}))
        .group_by(Capture.sha256)
    ).all())
    never = dt.datetime.min.replace(tzinfo=dt.UTC)  # moments come back aware (models.UTCDateTime)
    return max(versions, key=lambda v: (last_seen.get(v.sha256, never), v.id))


def agency_row_for(session: Session, name: str) -> Agency:
    """The agency's row, created (name only) when it has none yet; the crawl fills in the rest
    from the registry."""
    agency = session.scalar(select(Agency).where(Agency.name == name))
    if agency is None:
        agency = Agency(name=name, list_urls=[])
        session.add(agency)
        session.flush()
    return agency


class CaptureConflictError(Exception):
    """The same URL and capture time are archived already, with a different payload."""


class Archive:
    def __init__(self, engine: Engine, blobs: BlobStore, *, limits: Limits = DEFAULT_LIMITS) -> None:
        self.engine = engine
        self.blobs = blobs
        self.limits = limits
        # IndexedSession: the full-text index follows every new version and capture.
        self.session = sessions(engine, search_index.IndexedSession)

    @classmethod
    def open(cls, data: Path | None = None, url: str | None = None, *, limits: Limits = DEFAULT_LIMITS) -> Archive:
        """The archive under `data` (default `$NIANBAO_DATA` or ./data), migrated to the newest schema."""
        data = Path(data) if data is not None else data_dir()
        data.mkdir(parents=True, exist_ok=True)
        engine = make_engine(url or database_url(data))
        migrate(engine)
        return cls(engine, BlobStore(data / "blobs"), limits=limits)

    def close(self) -> None:
        self.engine.dispose()

    # -- writing ---------------------------------------------------------------------------
    def ingest(self, capture: CaptureIn, *, parse: bool = True, file_under: FileUnder | None = None) -> IngestResult:
        """Archive one capture; parse it into a report unless `parse` is false. `file_under`
        decides whose report the record is (default: `capture.agency`'s)."""
        captured_at = utc(capture.captured_at)
        with self.session() as session:
            existing = session.scalar(
                select(Capture).where(Capture.url == capture.url, Capture.captured_at == captured_at)
            )
            if existing is not None:
                if existing.sha256 != hashlib.sha256(capture.body).hexdigest():
                    raise CaptureConflictError(
                        f"{capture.url} captured at {captured_at.isoformat()} is archived already with a "
                        "different payload; the archived copy is kept"
                    )
                return IngestResult(existing.id, "exists")
        digest = self.blobs.put(capture.body)  # durable before any row points at it
        with self.session() as session, session.begin():
            # A revisit: an earlier fetch of the same URL, landing on the same final URL, with
            # the same payload. (Captures may arrive out of time order, e.g. from WARC files.)
            prior = session.scalar(
                select(Capture.id)
                .where(
                    Capture.url == capture.url,
                    Capture.final_url.is_not_distinct_from(capture.final_url),
                    Capture.sha256 == digest,
                    Capture.captured_at < captured_at,
                )
                .order_by(Capture.captured_at.desc())
                .limit(1)
            )
            row = Capture(
                url=capture.url,
                final_url=capture.final_url,
                status=capture.status,
                reason=capture.reason,
                http_version=capture.http_version,
                headers=[list(h) for h in capture.headers],
                captured_at=captured_at,
                content_type=capture.content_type,
                sha256=digest,
                size=len(capture.body),
                run_id=capture.run_id,
                revisit_of=prior,
                source=capture.source,
                role=capture.role,
            )
            session.add(row)
            try:
                session.flush()
            except IntegrityError:
                # A concurrent writer stored the same (url, captured_at) first.
                session.rollback()
                with self.session() as again:
                    found = again.scalar(
                        select(Capture.id).where(Capture.url == capture.url, Capture.captured_at == captured_at)
                    )
                return IngestResult(found, "exists")
            if prior is not None:
                return IngestResult(row.id, "revisit")
            if not parse or not _is_success(capture.status):
                return IngestResult(row.id, "new")
            report_id, new_version, error = self._derive(session, row, capture.body, capture.agency, file_under)
            return IngestResult(row.id, "new", report_id, new_version, error)

    def _derive(
        self, session: Session, capture: Capture, body: bytes, agency: str | None,
        file_under: FileUnder | None = None,
    ) -> tuple[int | None, bool, str | None]:
        """Parse a capture's payload; add its report and a version if the record is new.
        `file_under` decides whose report it is (else `agency`, when given, keeps the report's)."""
        try:
            record = parse_report(body, capture.final_url or capture.url, capture.content_type, limits=self.limits)
        except ParseError as exc:
            capture.parse_error = str(exc)
            log.info("%s: not archived as a report: %s", capture.url, exc)
            return None, False, str(exc)
        filing = file_under(record) if file_under is not None else None
        if filing is not None and filing.not_a_report:
            capture.parse_error = filing.not_a_report
            log.info("%s: not archived as a report: %s", capture.url, filing.not_a_report)
            return None, False, filing.not_a_report
        if filing is not None:
            agency = filing.agency
        capture.parse_error = None
        url = capture.final_url or capture.url
        report = session.scalar(select(Report).where(Report.url == url))
        agency_row = agency_row_for(session, agency) if agency else None
        if report is None:
            report = Report(url=url, first_capture_id=capture.id, first_seen_at=capture.captured_at)
            session.add(report)
        elif capture.captured_at < report.first_seen_at:
            report.first_capture_id, report.first_seen_at = capture.id, capture.captured_at
        if filing is None:
            report.agency_id = agency_row.id if agency_row else report.agency_id
        newest = session.scalar(
            select(func.max(Capture.captured_at)).where(
                func.coalesce(Capture.final_url, Capture.url) == url, Capture.parse_error.is_(None)
            )
        )
        if newest is None or capture.captured_at >= newest:
            if filing is not None:
                # A decided filing is the newest payload's, under no agency included (a report
                # the registry's agency does not own is never left under it).
                report.agency_id = agency_row.id if agency_row else None
                report.agency_name = agency or filing.agency_name or record.agency
            else:
                report.agency_name = agency or record.agency or report.agency_name
            # The report's metadata follows its newest payload, whatever order captures arrive in.
            report.year = record.year
            report.title = record.title
            report.published_on = record.published_on
            report.format = record.format
        session.flush()
        digest = record_digest(record)
        exists = session.scalar(
            select(ReportVersion.id).where(
                ReportVersion.report_id == report.id,
                ReportVersion.sha256 == capture.sha256,
                ReportVersion.record_sha256 == digest,
            )
        )
        if exists is not None:
            return report.id, False, None
        session.add(
            ReportVersion(
                report_id=report.id,
                capture_id=capture.id,
                sha256=capture.sha256,
                record=record.to_dict(),
                record_sha256=digest,
                checks_failed=len(record.failed_checks),
                warnings=list(record.warnings),
                text=document_text(record.to_dict()),  # the whole report, for full-text search
                parser_version=PARSER_VERSION,
            )
        )
        session.flush()
        return report.id, True, None

    def reparse(self, agency: str | None = None, year: int | None = None) -> ReparseSummary:
        """Run the parser again over archived payloads (no network); new versions only where
        the record changed. Captures that failed before may become reports now."""
        summary = ReparseSummary()
        with self.session() as session:
            ids = session.scalars(
                select(Capture.id).where(Capture.revisit_of.is_(None)).order_by(Capture.id)
            ).all()
        for capture_id in ids:
            with self.session() as session, session.begin():
                capture = session.get(Capture, capture_id)
                if not _is_success(capture.status):
                    continue
                report = session.scalar(select(Report).where(Report.url == (capture.final_url or capture.url)))
                if report is not None and (
                    (agency and report.agency_name != agency) or (year and report.year != year)
                ):
                    continue
                known_agency = report.agency.name if report is not None and report.agency else None
                before = report is not None
                summary.captures += 1
                report_id, new_version, error = self._derive(
                    session, capture, self.blobs.get(capture.sha256), known_agency
                )
                if error:
                    summary.errors += 1
                elif report_id is not None:
                    derived = session.get(Report, report_id)
                    if (agency and derived.agency_name != agency) or (year and derived.year != year):
                        session.rollback()
                        continue
                    summary.new_versions += new_version
                    summary.new_reports += not before
        return summary

    # -- reading ---------------------------------------------------------------------------
    def body(self, capture: Capture) -> bytes:
        return self.blobs.get(capture.sha256)

    def latest_versions(self) -> Iterator[tuple[Report, ReportVersion, Capture]]:
        """Each report with its current version (`current_version`) and that version's capture,
        in report order."""
        with self.session() as session:
            for report in session.scalars(select(Report).order_by(Report.id)):
                versions = session.scalars(select(ReportVersion).where(ReportVersion.report_id == report.id)).all()
                if not versions:
                    continue
                version = current_version(session, report, versions)
                yield report, version, session.get(Capture, version.capture_id)

    def check(self) -> CheckResult:
        result = CheckResult()
        with self.session() as session:
            referenced = set(session.scalars(select(Capture.sha256).distinct()))
        stored = set(self.blobs.digests())
        result.missing = sorted(referenced - stored)
        result.orphans = sorted(stored - referenced)
        for digest in sorted(referenced & stored):
            try:
                self.blobs.get(digest)
            except BlobError:
                result.corrupt.append(digest)
        result.temporaries = sorted(self.blobs.temporaries())
        return result
