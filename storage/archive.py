"""The archive's write and read API: ingest captures, derive reports and versions, reparse, check.

Every arrow of portal -> capture -> archive -> parse -> record goes through here: the crawler,
`import-files` and `import --warc` all call `Archive.ingest`. Order of writes: the payload's
blob first (atomic, fsynced), then one database transaction with the capture and whatever was
derived from it. Ingest is idempotent on (url, captured_at), so an interrupted batch can simply
be run again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, Literal, TypeVar

from sqlalchemy import Connection, Engine, bindparam, func, insert, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from parsing import DEFAULT_LIMITS, Limits, ParseError, Record
from parsing.form_text import document_text
from parsing.version import PARSER_VERSION

from . import numbers_table, search_index
from .blobs import BlobBatch, BlobError, BlobMissingError, BlobStore, sha256_hex
from .clock import utc
from .db import data_dir, database_url, make_engine, migrate, sessions
from .models import Agency, Capture, Report, ReportVersion
from .packs import PackIndex
from .parse_pool import ParsePool

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
class IngestItem:
    """One capture of a batch (`Archive.ingest_batch`), with how it is to be parsed and filed."""

    capture: CaptureIn
    parse: bool = True
    file_under: FileUnder | None = None
    sha256: str | None = None  # the payload's, when the caller hashed it already (the WARC import)


@dataclass
class PreparedBatch:
    """A batch between `Archive.prepare_batch` and `Archive.commit_batch`."""

    batch: _Batch
    parsed: dict[int, Record | ParseError]
    blobs: BlobBatch

    def discard(self) -> None:
        self.blobs.discard()


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
    return _digest(record.to_dict())


def _digest(data: dict[str, object]) -> str:
    """A record's digest from its `to_dict()`."""
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
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
        .where(Capture.landed_at(report.url), Capture.sha256.in_({v.sha256 for v in versions}))
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


def parse_report(body: bytes, url: str, content_type: str | None, *, limits: Limits) -> Record:
    """`parsing.parse_report`, imported when a payload is first parsed (a process that only reads
    records, `nianbao monitor` or `serve`, never loads the parser's libraries)."""
    from parsing import parse_report as parse

    return parse(body, url, content_type, limits=limits)


class Archive:
    def __init__(self, engine: Engine, blobs: BlobStore, *, limits: Limits = DEFAULT_LIMITS,
                 parse_workers: int = 0) -> None:
        self.engine = engine
        # Packed payloads are found through this archive's blob_packs table (storage/packs.py).
        self.blobs = blobs if blobs.index is not None else blobs.indexed(PackIndex(engine))
        self.limits = limits
        # Batches parse in worker processes when asked (storage.parse_pool), else in-process.
        self.parse_pool = ParsePool(parse_workers, limits) if parse_workers else None
        # IndexedSession: the full-text index follows every new version and capture.
        self.session = sessions(engine, search_index.IndexedSession)

    @classmethod
    def open(cls, data: Path | None = None, url: str | None = None, *, limits: Limits = DEFAULT_LIMITS,
             parse_workers: int = 0) -> Archive:
        """The archive under `data` (default `$NIANBAO_DATA` or ./data), migrated to the newest
        schema; `parse_workers` processes parse its batches (0: parsed in this process)."""
        data = Path(data) if data is not None else data_dir()
        data.mkdir(parents=True, exist_ok=True)
        engine = make_engine(url or database_url(data))
        migrate(engine)
        return cls(engine, BlobStore(data / "blobs"), limits=limits, parse_workers=parse_workers)

    @contextlib.contextmanager
    def parsing_in_workers(self, workers: int) -> Iterator[None]:
        """Within the block, batches parse in `workers` processes (unless this archive has its
        pool already, or `workers` < 1)."""
        if self.parse_pool is not None or workers < 1:
            yield
            return
        self.parse_pool = ParsePool(workers, self.limits)
        try:
            yield
        finally:
            self.parse_pool.close()
            self.parse_pool = None

    def close(self) -> None:
        if self.parse_pool is not None:
            self.parse_pool.close()
        self.engine.dispose()

    # -- writing ---------------------------------------------------------------------------
    def ingest(self, capture: CaptureIn, *, parse: bool = True, file_under: FileUnder | None = None) -> IngestResult:
        """Archive one capture; parse it into a report unless `parse` is false. `file_under`
        decides whose report the record is (default: `capture.agency`'s). Raises
        `CaptureConflictError` when its URL and time are archived with another payload."""
        result = self.ingest_batch([IngestItem(capture, parse, file_under)])[0]
        if isinstance(result, Exception):
            raise result
        return result

    def ingest_many(
        self, captures: Iterable[CaptureIn], *, parse: bool = True, file_under: FileUnder | None = None,
    ) -> list[IngestResult | Exception]:
        """`ingest_batch` of captures that share `parse` and `file_under`."""
        return self.ingest_batch([IngestItem(c, parse, file_under) for c in captures])

    def ingest_batch(self, items: Sequence[IngestItem]) -> list[IngestResult | Exception]:
        """Archive captures together (the group commit): each item's result, in order, as if they
        had been ingested one by one in that order, or the exception that item alone raised (a
        `CaptureConflictError`, or a parser failing other than with `ParseError`: that capture
        is not stored, the others are).

        Order of writes, as for one capture: the payloads are parsed, then staged in the blob
        store and made durable together (`BlobBatch`: one pack file for the batch's new
        payloads, storage/packs.py, or loose files for a few), and only then is the one database
        transaction holding every row of the batch committed, the pack's index rows among them;
        the transaction's statements run while the blobs are fsynced, the commit waits for them.
        A crash at any point leaves the batch wholly archived or not at all (a pack no row points
        into, orphan blobs or temporaries at most), and a rerun stores exactly what is missing:
        ingest is idempotent on (url, captured_at)."""
        return self.commit_batch(self.prepare_batch(items))

    def prepare_batch(self, items: Sequence[IngestItem]) -> PreparedBatch:
        """The first half of `ingest_batch`: the batch planned (a read), its payloads parsed and
        staged in the blob store (their fsyncs under way). Nothing is visible until
        `commit_batch`; a prepared batch never committed leaves temporaries at most, which
        `commit_batch`, or else `PreparedBatch.discard`, removes."""
        prepared = PreparedBatch(_Batch(items), {}, self.blobs.batch())
        try:
            self._prepare(prepared)
        except BaseException:
            prepared.discard()
            raise
        return prepared

    def commit_batch(self, prepared: PreparedBatch) -> list[IngestResult | Exception]:
        """The second half of `ingest_batch`: the one transaction, committed once the blobs are
        durable; each item's result. Batches must be committed in the order they were prepared
        (a group commit prepares the next while this one commits)."""
        try:
            for attempt in range(1, WRITE_ATTEMPTS + 1):
                try:
                    self._write(prepared.batch, prepared.parsed, prepared.blobs)
                    break
                except IntegrityError:
                    # A concurrent writer stored some of these (url, captured_at) first: plan
                    # again, those are archived now. The blobs staged again in a new batch; a
                    # pack written for the rolled-back rows is deleted (nothing points into it).
                    prepared.blobs.abandon()
                    if attempt == WRITE_ATTEMPTS:
                        raise
                    log.info("a concurrent writer stored part of this batch; planning it again")
                    prepared.blobs = self.blobs.batch()
                    self._prepare(prepared)
        finally:
            prepared.discard()  # temporaries of a batch not made durable
        return prepared.batch.results()

    def _prepare(self, prepared: PreparedBatch) -> None:
        batch, parsed = prepared.batch, prepared.parsed
        with self.session() as session:
            batch.plan(session)
        todo = [i for i in batch.to_parse() if i not in parsed and i not in batch.failed]
        for i, outcome in zip(todo, self._parse_all([batch.items[i].capture for i in todo]), strict=True):
            if isinstance(outcome, (Record, ParseError)):
                parsed[i] = outcome
            else:  # the parser's bug is this capture's alone
                log.error("%s: the parser failed; the capture is not archived: %s",
                          batch.items[i].capture.url, outcome)
                batch.failed[i] = outcome
        batch.drop_failed()
        for i in batch.pending:
            prepared.blobs.stage(batch.items[i].capture.body, batch.digests[i])

    def _parse_all(self, captures: Sequence[CaptureIn]) -> list[Record | ParseError | Exception]:
        """Each capture's record, the ParseError refusing it, or the exception the parser failed with."""
        if self.parse_pool is not None:
            return self.parse_pool.parse_many(
                [(c.body, c.final_url or c.url, c.content_type) for c in captures])
        outcomes: list[Record | ParseError | Exception] = []
        for capture in captures:
            try:
                outcomes.append(self._parse(capture))
            except ParseError as exc:
                outcomes.append(exc)
            except Exception as exc:  # noqa: BLE001 - the parser's bug is this capture's alone
                log.exception("%s: the parser failed", capture.url)
                outcomes.append(exc)
        return outcomes

    def _parse(self, capture: CaptureIn) -> Record:
        return self._parse_body(capture.body, capture.final_url or capture.url, capture.content_type)

    def _parse_body(self, body: bytes, url: str, content_type: str | None) -> Record:
        """The payload's record; a page that cannot be a report refused by `parsing.gate` first,
        in microseconds, with the `NotAReportError` the parser would raise after milliseconds."""
        from parsing.gate import gate  # the parser's libraries load when a payload is first parsed

        refused = gate(body, content_type, limits=self.limits)
        if refused is not None:
            raise refused
        return parse_report(body, url, content_type, limits=self.limits)

    def _write(self, batch: _Batch, parsed: dict[int, Record | ParseError], blobs: BlobBatch) -> None:
        """The batch's one transaction; committed once `blobs` are durable."""
        fsynced: _Background[list[str]] | None = None
        with self.session() as session:
            try:
                with session.begin():
                    batch.plan(session)  # authoritative: inside the transaction
                    # Only what this plan stores is made durable (a batch prepared while the one
                    # before it committed may have staged a payload that batch stored, or refused).
                    needed = {batch.digests[i] for i in batch.pending}
                    blobs.keep_only(needed)
                    for i in batch.pending:
                        blobs.stage(batch.items[i].capture.body, batch.digests[i])
                    if not batch.pending:
                        return
                    # Payloads packed by an earlier batch (or another writer, committed) are
                    # stored: only the others are written, as one pack if there are enough.
                    packs = self.blobs.index
                    if packs is not None and len(blobs):
                        blobs.keep_only(needed - packs.packed(session.connection(), blobs.staged()))
                    packed = blobs.seal()
                    # The blobs are fsynced while the rows are written; the commit waits for them.
                    fsynced = _Background(blobs.durable)
                    # One executemany, then the ids read back by (url, captured_at): INSERT ...
                    # RETURNING in parameter order ran one statement per row on SQLite.
                    session.execute(insert(Capture.__table__), batch.capture_rows())
                    batch.stored(session)
                    ids = list(batch.ids.values())
                    later = batch.revisits_within()
                    if later:
                        session.execute(update(Capture.__table__).where(Capture.__table__.c.id == bindparam("cid"))
                                        .values(revisit_of=bindparam("prior")), later)
                    derive = batch.to_parse()
                    if derive:
                        derivation = _Derivation(last=max(ids))
                        for i in derive:
                            item = batch.items[i]
                            record = parsed.get(i)
                            if record is None:  # planned as a revisit before, not now (a concurrent writer)
                                try:
                                    record = self._parse(item.capture)
                                except ParseError as exc:
                                    record = exc
                            derivation.add(_Derived(
                                batch.ids[i], item.capture.url, item.capture.final_url, batch.moments[i],
                                batch.digests[i], item.capture.status, record, item.capture.agency,
                                item.file_under))
                        for i, outcome in zip(derive, derivation.write(session.connection()), strict=True):
                            batch.derived[i] = outcome
                    urls = {c.final_url or c.url for c in (batch.items[i].capture for i in batch.pending)}
                    report_ids = [rid for chunk in _chunks(sorted(urls))
                                  for rid in session.connection().scalars(select(Report.id).where(Report.url.in_(chunk)))]
                    search_index.refresh_current(session.connection(), report_ids)
                    if packed:  # where each packed payload is, committed with the rows pointing at it
                        packs.record(session.connection(), packed)
                    fsynced.result()  # durable before the rows that point at them are committed
            except BaseException:
                if fsynced is not None:
                    fsynced.wait()  # never leave the fsync running past this batch
                batch.unstore()
                raise

    def _derive(
        self, connection: Connection, capture: Capture, body: bytes, agency: str | None,
    ) -> tuple[int | None, bool, str | None]:
        """Parse an archived capture's payload; add its report and a version if the record is new
        (`agency`, when given, keeps the report's)."""
        url = capture.final_url or capture.url
        try:
            record: Record | ParseError = self._parse_body(body, url, capture.content_type)
        except ParseError as exc:
            record = exc
        derivation = _Derivation(last=None)
        derivation.add(_Derived(capture.id, capture.url, capture.final_url, capture.captured_at, capture.sha256,
                                capture.status, record, agency, None))
        (outcome,) = derivation.write(connection)
        if outcome[1]:
            search_index.refresh_current(connection, [outcome[0]])
        return outcome

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
                    session.connection(), capture, self.blobs.get(capture.sha256), known_agency
                )
                if error:
                    summary.errors += 1
                elif report_id is not None:
                    derived = session.get(Report, report_id, populate_existing=True)  # written by _derive
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
            except BlobMissingError:  # indexed in a pack that is gone
                result.missing.append(digest)
            except BlobError:
                result.corrupt.append(digest)
        result.missing.sort()
        result.temporaries = sorted(self.blobs.temporaries())
        return result


WRITE_ATTEMPTS = 3  # a batch planned again when a concurrent writer stored part of it first
IN_CHUNK = 500  # values per IN (...) list: well under SQLite's and PostgreSQL's limits

T = TypeVar("T")


def _chunks(values: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


class _Background(Generic[T]):
    """`fn()` run in a thread of its own (a thread per call: no pool to outlive a fork)."""

    def __init__(self, fn: Callable[[], T]) -> None:
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(fn,), name="blob-fsync", daemon=True)
        self._thread.start()

    def _run(self, fn: Callable[[], T]) -> None:
        try:
            self._value = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits, in result()
            self._error = exc

    def wait(self) -> None:
        self._thread.join()

    def result(self) -> T:
        self.wait()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


def _conflict(capture: CaptureIn, at: dt.datetime) -> CaptureConflictError:
    return CaptureConflictError(
        f"{capture.url} captured at {at.isoformat()} is archived already with a "
        "different payload; the archived copy is kept"
    )


@dataclass(frozen=True)
class _Derived:
    """A stored capture whose payload was parsed: what `_Derivation` makes a report of."""

    capture_id: int
    url: str
    final_url: str | None
    captured_at: dt.datetime
    sha256: str
    status: int | None
    record: Record | ParseError
    agency: str | None
    file_under: FileUnder | None

    @property
    def landed(self) -> str:
        return self.final_url or self.url


@dataclass
class _Seen:
    """A capture at a report's URL, as the metadata rule reads it."""

    id: int
    sha256: str
    captured_at: dt.datetime
    parse_error: str | None
    status: int | None


_REPORT_FIELDS = ("agency_id", "agency_name", "year", "title", "published_on", "format",
                  "first_capture_id", "first_seen_at")


class _Derivation:
    """Parsed captures made into reports and versions, in order, exactly as one by one: each
    capture's report found or made (its agency's row too), the report's metadata following the
    payload seen last at its URL, a version added when the record is new for that payload.

    What the archive holds at the captures' URLs (reports, their versions, the captures landed
    there, the agencies named) is read once, the rules are applied in memory, and the rows are
    written with one statement per table (new agencies, new reports, changed reports, versions,
    parse errors), then numbered (`storage.numbers_table`) and indexed (`storage.search_index`).
    The ids come out as they did when each row was flushed in turn: every table's rows are
    inserted in the order they were first needed. `last`: the last capture id of the batch, whose
    captures stored after a capture are not seen by it (as if ingested one by one); None when
    every capture is seen (a reparse)."""

    def __init__(self, last: int | None) -> None:
        self.last = last
        self.items: list[_Derived] = []

    def add(self, item: _Derived) -> None:
        self.items.append(item)

    def write(self, connection: Connection) -> list[tuple[int | None, bool, str | None]]:
        """Each item's (report id, new version, why it is not a report), in order."""
        filings = [self._filing(item) for item in self.items]
        urls = sorted({item.landed for item in self.items})
        reports = self._reports(connection, urls)
        before = {url: dict(report) for url, report in reports.items()}
        seen = self._seen(connection, urls)
        by_id = {capture.id: capture for captures in seen.values() for capture in captures}
        errors_before = {item.capture_id: by_id[item.capture_id].parse_error for item in self.items}
        known = self._versions(connection, reports)
        agencies = self._agencies(connection, [agency for _, agency, error in filings if error is None and agency])
        versions: list[dict[str, object]] = []
        outcomes: list[tuple[str | None, bool, str | None]] = []
        for item, (filing, agency, error) in zip(self.items, filings, strict=True):
            by_id[item.capture_id].parse_error = error
            if error is not None:
                outcomes.append((None, False, error))
                continue
            record = item.record
            assert isinstance(record, Record)
            self._apply(item, record, filing, agency, reports, seen[item.landed], agencies)
            data = record.to_dict()
            digest = _digest(data)
            if (item.landed, item.sha256, digest) in known:
                outcomes.append((item.landed, False, None))
                continue
            known.add((item.landed, item.sha256, digest))
            versions.append({
                "url": item.landed, "capture_id": item.capture_id, "sha256": item.sha256, "record": data,
                "record_sha256": digest, "checks_failed": len(record.failed_checks),
                "warnings": list(record.warnings),
                "text": document_text(data),  # the whole report, for full-text search
                "parser_version": PARSER_VERSION,
            })
            outcomes.append((item.landed, True, None))
        changed = [{"cid": cid, "error": by_id[cid].parse_error} for cid, error in errors_before.items()
                   if by_id[cid].parse_error != error]
        if changed:
            captures = Capture.__table__
            connection.execute(update(captures).where(captures.c.id == bindparam("cid"))
                               .values(parse_error=bindparam("error")), changed)
        report_ids = self._write_reports(connection, reports, before)
        self._write_versions(connection, versions, report_ids)
        return [(report_ids[url] if url is not None else None, added, error) for url, added, error in outcomes]

    @staticmethod
    def _filing(item: _Derived) -> tuple[Filing | None, str | None, str | None]:
        """(the caller's filing, the agency the report goes under, why it is not a report)."""
        record = item.record
        if isinstance(record, ParseError):
            log.info("%s: not archived as a report: %s", item.url, record)
            return None, None, str(record)
        filing = item.file_under(record) if item.file_under is not None else None
        if filing is not None and filing.not_a_report:
            log.info("%s: not archived as a report: %s", item.url, filing.not_a_report)
            return filing, None, filing.not_a_report
        return filing, (filing.agency if filing is not None else item.agency), None

    def _apply(self, item: _Derived, record: Record, filing: Filing | None, agency: str | None,
               reports: dict[str, dict[str, object]], seen: list[_Seen], agencies: dict[str, int]) -> None:
        """The item's report found or made, and brought up to date (in `reports`)."""
        agency_id = agencies[agency] if agency else None
        report = reports.get(item.landed)
        if report is None:
            report = reports[item.landed] = {
                "id": None, **dict.fromkeys(_REPORT_FIELDS),
                "first_capture_id": item.capture_id, "first_seen_at": item.captured_at}
        elif item.captured_at < report["first_seen_at"]:
            report["first_capture_id"], report["first_seen_at"] = item.capture_id, item.captured_at
        if filing is None and agency_id is not None:
            report["agency_id"] = agency_id
        # When this payload was last seen at the URL (a revisit sees it again), and when another
        # payload was; the report's metadata follows the payload seen last. Never-parsed captures
        # (an import with --no-parse, reparsed capture by capture) have no parse error yet, and a
        # failed fetch (a 404 later at the URL) none at all: neither holds the metadata back.
        seen_last: dt.datetime | None = None
        other_last: dt.datetime | None = None
        for capture in seen:
            if capture.parse_error is not None or not _is_success(capture.status):
                continue
            if self.last is not None and item.capture_id < capture.id <= self.last:
                continue  # stored after this one in its batch: not seen yet
            if capture.sha256 == item.sha256:
                seen_last = capture.captured_at if seen_last is None else max(seen_last, capture.captured_at)
            else:
                other_last = capture.captured_at if other_last is None else max(other_last, capture.captured_at)
        newest = None if other_last is None or (seen_last is not None and seen_last >= other_last) else other_last
        if newest is None or item.captured_at >= newest:
            if filing is not None:
                # A decided filing is the newest payload's, under no agency included (a report
                # the registry's agency does not own is never left under it).
                report["agency_id"] = agency_id
                report["agency_name"] = agency or filing.agency_name or record.agency
            else:
                report["agency_name"] = agency or record.agency or report["agency_name"]
            # The report's metadata follows its newest payload, whatever order captures arrive in.
            report["year"] = record.year
            report["title"] = record.title
            report["published_on"] = record.published_on
            report["format"] = record.format

    @staticmethod
    def _reports(connection: Connection, urls: Sequence[str]) -> dict[str, dict[str, object]]:
        table = Report.__table__
        columns = [table.c.id, table.c.url, *(table.c[name] for name in _REPORT_FIELDS)]
        found: dict[str, dict[str, object]] = {}
        for chunk in _chunks(urls):
            for row in connection.execute(select(*columns).where(table.c.url.in_(chunk))):
                found[row.url] = {"id": row.id, **{name: getattr(row, name) for name in _REPORT_FIELDS}}
        return found

    @staticmethod
    def _seen(connection: Connection, urls: Sequence[str]) -> dict[str, list[_Seen]]:
        """The captures landed at each URL (`Capture.landed_in`)."""
        seen: dict[str, list[_Seen]] = {url: [] for url in urls}
        for chunk in _chunks(urls):
            for row in connection.execute(
                select(Capture.id, Capture.url, Capture.final_url, Capture.sha256, Capture.captured_at,
                       Capture.parse_error, Capture.status)
                .where(Capture.landed_in(chunk))
            ):
                seen[row.final_url or row.url].append(
                    _Seen(row.id, row.sha256, row.captured_at, row.parse_error, row.status))
        return seen

    @staticmethod
    def _versions(connection: Connection, reports: dict[str, dict[str, object]]) -> set[tuple[str, str, str]]:
        """(report URL, payload digest, record digest) of the reports' versions."""
        url_of = {report["id"]: url for url, report in reports.items()}
        known: set[tuple[str, str, str]] = set()
        for chunk in _chunks(sorted(url_of)):
            for row in connection.execute(
                select(ReportVersion.report_id, ReportVersion.sha256, ReportVersion.record_sha256)
                .where(ReportVersion.report_id.in_(chunk))
            ):
                known.add((url_of[row.report_id], row.sha256, row.record_sha256))
        return known

    @staticmethod
    def _agencies(connection: Connection, names: Sequence[str]) -> dict[str, int]:
        """Each named agency's row id, its row made (name only: `agency_row_for`) where it has
        none, in the order first named."""
        wanted = list(dict.fromkeys(names))
        found: dict[str, int] = {}
        for chunk in _chunks(wanted):
            found.update((row.name, row.id) for row in connection.execute(
                select(Agency.id, Agency.name).where(Agency.name.in_(chunk))))
        fresh = [name for name in wanted if name not in found]
        if fresh:
            connection.execute(insert(Agency.__table__), [{"name": name, "list_urls": []} for name in fresh])
            for chunk in _chunks(fresh):
                found.update((row.name, row.id) for row in connection.execute(
                    select(Agency.id, Agency.name).where(Agency.name.in_(chunk))))
        return found

    @staticmethod
    def _write_reports(connection: Connection, reports: dict[str, dict[str, object]],
                       before: dict[str, dict[str, object]]) -> dict[str, int]:
        """The new reports inserted in the order they were made, the changed ones updated (the
        changed columns only); every report's id by URL."""
        table = Report.__table__
        fresh = [{"url": url, **{name: report[name] for name in _REPORT_FIELDS}}
                 for url, report in reports.items() if report["id"] is None]
        ids = {url: report["id"] for url, report in reports.items() if report["id"] is not None}
        if fresh:
            connection.execute(insert(table), fresh)
            for chunk in _chunks([row["url"] for row in fresh]):
                ids.update((row.url, row.id) for row in connection.execute(
                    select(table.c.id, table.c.url).where(table.c.url.in_(chunk))))
        changes: dict[tuple[str, ...], list[dict[str, object]]] = defaultdict(list)
        for url, old in before.items():
            report = reports[url]
            names = tuple(name for name in _REPORT_FIELDS if report[name] != old[name])
            if names:
                changes[names].append({"rid": report["id"], **{f"new_{name}": report[name] for name in names}})
        for names, rows in changes.items():
            connection.execute(update(table).where(table.c.id == bindparam("rid"))
                               .values({name: bindparam(f"new_{name}") for name in names}), rows)
        return ids

    @staticmethod
    def _write_versions(connection: Connection, versions: list[dict[str, object]], report_ids: dict[str, int]) -> None:
        """The new versions inserted in order, then numbered and indexed."""
        if not versions:
            return
        table = ReportVersion.__table__
        rows = [{"report_id": report_ids[row["url"]], **{k: v for k, v in row.items() if k != "url"}}
                for row in versions]
        connection.execute(insert(table), rows)
        ids: dict[tuple[int, str], int] = {}
        for chunk in _chunks([row["capture_id"] for row in rows]):
            ids.update(((row.capture_id, row.record_sha256), row.id) for row in connection.execute(
                select(table.c.id, table.c.capture_id, table.c.record_sha256).where(table.c.capture_id.in_(chunk))))
        numbered = [(ids[(row["capture_id"], row["record_sha256"])], row) for row in rows]
        numbers_table.add_versions(connection, [(vid, row["record"]) for vid, row in numbered])
        search_index.index_versions(connection, [(vid, row["report_id"], row["text"]) for vid, row in numbered])


class _Batch:
    """What `Archive.ingest_batch` decides about each item, in order, as one-by-one ingests
    would: archived already (same url and time), a duplicate of an earlier item, or to store,
    with the capture it revisits (in the archive or earlier in the batch)."""

    def __init__(self, items: Sequence[IngestItem]) -> None:
        self.items = list(items)
        self.digests = [item.sha256 or sha256_hex(item.capture.body) for item in self.items]
        self.moments = [utc(item.capture.captured_at) for item in self.items]
        self.failed: dict[int, Exception] = {}  # the parser raised something other than ParseError
        self.archived: dict[int, tuple[int, str]] = {}
        self.duplicate_of: dict[int, int] = {}
        self.pending: list[int] = []
        self.prior: dict[int, int] = {}  # the archived capture it revisits
        self.prior_in_batch: dict[int, int] = {}  # the earlier item it revisits
        self.ids: dict[int, int] = {}
        self.derived: dict[int, tuple[int | None, bool, str | None]] = {}

    def key(self, i: int) -> tuple[str, dt.datetime]:
        return self.items[i].capture.url, self.moments[i]

    def plan(self, session: Session) -> None:
        self.archived, self.duplicate_of, self.pending = {}, {}, []
        self.prior, self.prior_in_batch = {}, {}
        keys = sorted({self.key(i) for i in range(len(self.items))})
        found: dict[tuple[str, dt.datetime], tuple[int, str]] = {}
        for chunk in _chunks(keys):
            for row in session.execute(
                select(Capture.id, Capture.url, Capture.captured_at, Capture.sha256)
                .where(tuple_(Capture.url, Capture.captured_at).in_(chunk))
            ):
                found[(row.url, utc(row.captured_at))] = (row.id, row.sha256)
        first: dict[tuple[str, dt.datetime], int] = {}
        for i in range(len(self.items)):
            if i in self.failed:
                continue
            key = self.key(i)
            if key in found:
                self.archived[i] = found[key]
            elif key in first:
                self.duplicate_of[i] = first[key]
            else:
                first[key] = i
                self.pending.append(i)
        self._plan_revisits(session)

    def _plan_revisits(self, session: Session) -> None:
        """A revisit: an earlier fetch of the same URL, landing on the same final URL, with the
        same payload (captures may arrive out of time order, e.g. from WARC files)."""
        pairs = sorted({(self.items[i].capture.url, self.digests[i]) for i in self.pending})
        archived: dict[tuple[str, str | None, str], list[tuple[dt.datetime, int]]] = defaultdict(list)
        for chunk in _chunks(pairs):
            for row in session.execute(
                select(Capture.id, Capture.url, Capture.final_url, Capture.sha256, Capture.captured_at)
                .where(tuple_(Capture.url, Capture.sha256).in_(chunk))
            ):
                archived[(row.url, row.final_url, row.sha256)].append((utc(row.captured_at), row.id))
        earlier: dict[tuple[str, str | None, str], list[int]] = defaultdict(list)
        for i in self.pending:
            capture = self.items[i].capture
            same = (capture.url, capture.final_url, self.digests[i])
            at = self.moments[i]
            best = max(((moment, cid) for moment, cid in archived.get(same, ()) if moment < at), default=None)
            best_in_batch = max(((self.moments[j], j) for j in earlier[same] if self.moments[j] < at), default=None)
            if best_in_batch is not None and (best is None or best_in_batch[0] > best[0]):
                self.prior_in_batch[i] = best_in_batch[1]
            elif best is not None:
                self.prior[i] = best[1]
            earlier[same].append(i)

    def is_revisit(self, i: int) -> bool:
        return i in self.prior or i in self.prior_in_batch

    def to_parse(self) -> list[int]:
        """The items to store whose payload is parsed: new (no revisit), successful, asked to."""
        return [i for i in self.pending if self.items[i].parse and _is_success(self.items[i].capture.status)
                and not self.is_revisit(i)]

    def drop_failed(self) -> None:
        self.pending = [i for i in self.pending if i not in self.failed]

    def capture_rows(self) -> list[dict[str, object]]:
        rows = []
        for i in self.pending:
            c = self.items[i].capture
            rows.append({
                "url": c.url, "final_url": c.final_url, "status": c.status, "reason": c.reason,
                "http_version": c.http_version, "headers": [list(h) for h in c.headers],
                "captured_at": self.moments[i], "content_type": c.content_type, "sha256": self.digests[i],
                "size": len(c.body), "run_id": c.run_id, "revisit_of": self.prior.get(i), "source": c.source,
                "role": c.role, "parse_error": None,
            })
        return rows

    def stored(self, session: Session) -> None:
        """Read back the ids of the rows just inserted."""
        keys = sorted({self.key(i) for i in self.pending})
        found: dict[tuple[str, dt.datetime], int] = {}
        for chunk in _chunks(keys):
            for row in session.execute(
                select(Capture.id, Capture.url, Capture.captured_at)
                .where(tuple_(Capture.url, Capture.captured_at).in_(chunk))
            ):
                found[(row.url, utc(row.captured_at))] = row.id
        self.ids = {i: found[self.key(i)] for i in self.pending}

    def revisits_within(self) -> list[dict[str, int]]:
        return [{"cid": self.ids[i], "prior": self.ids[j]} for i, j in self.prior_in_batch.items()]

    def unstore(self) -> None:
        """The transaction was rolled back: nothing of it stands."""
        self.ids, self.derived = {}, {}

    def results(self) -> list[IngestResult | Exception]:
        out: list[IngestResult | Exception] = []
        for i, item in enumerate(self.items):
            out.append(self._result(i, item.capture))
        return out

    def _result(self, i: int, capture: CaptureIn) -> IngestResult | Exception:
        if i in self.failed:
            return self.failed[i]
        if i in self.archived:
            archived_id, sha = self.archived[i]
            if sha != self.digests[i]:
                return _conflict(capture, self.moments[i])
            return IngestResult(archived_id, "exists")
        if i in self.duplicate_of:
            j = self.duplicate_of[i]
            if j in self.failed:
                return self.failed[j]
            if self.digests[j] != self.digests[i]:
                return _conflict(capture, self.moments[i])
            return IngestResult(self.ids[j], "exists")
        if self.is_revisit(i):
            return IngestResult(self.ids[i], "revisit")
        if i in self.derived:
            return IngestResult(self.ids[i], "new", *self.derived[i])
        return IngestResult(self.ids[i], "new")
