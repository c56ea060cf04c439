"""WARC in, second half: `import_warc` ingests the captures of a checked WARC file into the
archive: records to `CaptureIn`s (nianbao's renamed headers put back), revisits resolved to
the payload they point at (by record ID, by URI and date, by payload digest, or in the archive
from an earlier file), and a summary of what was imported and what skipped, by reason."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import logging
from collections import Counter, OrderedDict, deque
from concurrent.futures import Future
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select
from warcio.statusandheaders import StatusAndHeaders

from ..archive import Archive, CaptureConflictError, CaptureIn, IngestItem, IngestResult
from ..blobs import BlobError, sha256_hex
from ..models import Capture
from ..group_commit import GroupCommit
from ..parse_pool import default_workers
from ..vocab import CaptureRole
from .conventions import AGENCY, CAPTURE_TYPES, FINAL_URL, ORIG_PREFIX, RENAMED, RENDERED_FROM, parse_warc_date
from .reader import WarcRecordIn, read_records, renamed_positions

log = logging.getLogger(__name__)

IMPORT_BATCH = 500  # captures per transaction (storage.group_commit's default batch)
KEEP_CHECKED_BYTES = 128 * 1024 * 1024  # payloads kept from the checking pass, at most
IMPORT_WAIT = 60.0  # seconds a partial batch may wait; the reader fills batches far sooner
RECENT_BYTES = 32 * 1024 * 1024  # payloads of settled captures kept for the revisits after them


@dataclass
class ImportSummary:
    path: Path
    records: int = 0
    imported: int = 0  # new captures, revisits included
    revisits: int = 0  # of those, the archive keeps as revisits (same URL, same payload as before)
    existing: int = 0  # captures already archived (same URL and time)
    reports: int = 0  # new report versions
    not_reports: int = 0  # new successful captures the parser refused
    skip_reasons: Counter[str] = field(default_factory=Counter)

    @property
    def skipped(self) -> int:
        return sum(self.skip_reasons.values())

    def skip(self, reason: str) -> None:
        self.skip_reasons[reason] += 1

    def describe(self) -> str:
        ranked = sorted(self.skip_reasons.items(), key=lambda kv: (-kv[1], kv[0]))
        reasons = ", ".join(f"{n} {reason}" for reason, n in ranked)
        return (
            f"{self.path.name}: {self.records} records: {self.imported} captures imported ({self.revisits} revisits), "
            f"{self.existing} already archived, {self.reports} new report versions, "
            f"{self.not_reports} not reports, {self.skipped} records skipped" + (f" ({reasons})" if reasons else "")
        )


def normalize_digest(text: str | None) -> tuple[str, bytes] | None:
    """A `WARC-Payload-Digest` as (algorithm, raw bytes), whatever base it was written in."""
    if not text or ":" not in text:
        return None
    algorithm, _, value = text.strip().partition(":")
    algorithm, value = algorithm.strip().lower(), value.strip()
    try:
        size = hashlib.new(algorithm).digest_size
    except ValueError:
        size = None
    for decode in (
        _b32decode,
        lambda v: base64.b16decode(v.upper()),
        base64.b64decode,
        base64.urlsafe_b64decode,
    ):
        try:
            raw = decode(value)
        except (binascii.Error, ValueError):
            continue
        if size is None or len(raw) == size:
            return algorithm, raw
    return None


B32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_B32_AS_DIGITS = str.maketrans(B32_ALPHABET, "0123456789ABCDEFGHIJKLMNOPQRSTUV")


def _b32decode(value: str) -> bytes:
    """base64.b32decode, in C for the usual unpadded digest (base64's is Python, a loop per
    character: 0.1 ms per record, a tenth of an unparsed import's reading)."""
    upper = value.upper()
    if upper and not len(upper) % 8 and not upper.strip(B32_ALPHABET):
        return int(upper.translate(_B32_AS_DIGITS), 32).to_bytes(len(upper) * 5 // 8, "big")
    return base64.b32decode(upper)


@dataclass(frozen=True)
class _Original:
    """What a revisit takes from the capture it points at: the payload (by digest) and, when
    the revisit record left out its HTTP headers, the status line and headers."""

    sha256: str
    status: int | None
    reason: str | None
    http_version: str | None
    headers: tuple[tuple[str, str], ...]
    content_type: str | None

    @classmethod
    def of(cls, capture: CaptureIn | Capture, digest: str) -> _Original:
        return cls(digest, capture.status, capture.reason, capture.http_version,
                   tuple(tuple(h) for h in capture.headers), capture.content_type)


class _Imported:
    """Captures already read from this file, findable the three ways a revisit may point; the
    payloads of the batch not committed yet are kept in memory, the others read from the
    blob store."""

    def __init__(self) -> None:
        self.by_id: dict[str, _Original] = {}
        self.by_uri_date: dict[tuple[str, dt.datetime], _Original] = {}
        self.by_digest: dict[tuple[str, bytes], _Original] = {}
        # sha256 -> payload and how many captures not yet settled carry it
        self.uncommitted: dict[str, tuple[bytes, int]] = {}
        # Payloads settled lately, newest last, up to RECENT_BYTES: a revisit usually follows its
        # original closely, and reading a blob just written waited on the journal (its atime).
        self.recent: OrderedDict[str, bytes] = OrderedDict()
        self.recent_bytes = 0
        self.targets: dict[str, str] = {}  # record ID -> "<WARC-Target-URI> <WARC-Date>" (a DOM's source)

    def add(self, record: WarcRecordIn, capture: CaptureIn, digest: str) -> None:
        """`capture` (read from `record`; its payload's sha256 `digest`) findable by revisits."""
        original = _Original.of(capture, digest)
        _, carried = self.uncommitted.get(digest, (b"", 0))
        self.uncommitted[digest] = (capture.body, carried + 1)
        if record.get("WARC-Record-ID"):
            self.by_id[record.get("WARC-Record-ID")] = original
            self.targets[record.get("WARC-Record-ID")] = f"{record.get('WARC-Target-URI')} {record.get('WARC-Date')}"
        self.by_uri_date[(record.get("WARC-Target-URI"), capture.captured_at)] = original  # its WARC-Date
        # The payload's own sha1 (what payload_digest writes, without its base32 round trip).
        for found in (normalize_digest(record.get("WARC-Payload-Digest")), ("sha1", hashlib.sha1(capture.body).digest())):
            if found:
                self.by_digest.setdefault(found, original)

    def committed(self, digest: str) -> None:
        """The batch of a capture of payload `digest` is settled: that payload is read from the
        blob store from now on."""
        body, carried = self.uncommitted[digest]
        if carried > 1:
            self.uncommitted[digest] = (body, carried - 1)
            return
        del self.uncommitted[digest]
        if digest not in self.recent:
            self.recent[digest] = body
            self.recent_bytes += len(body)
        self.recent.move_to_end(digest)
        while self.recent_bytes > RECENT_BYTES:
            _, dropped = self.recent.popitem(last=False)
            self.recent_bytes -= len(dropped)

    def body(self, archive: Archive, original: _Original) -> bytes | None:
        if original.sha256 in self.uncommitted:
            return self.uncommitted[original.sha256][0]
        if original.sha256 in self.recent:
            return self.recent[original.sha256]
        try:
            return archive.blobs.get(original.sha256)
        except BlobError:  # its capture was not stored (the parser failed on it)
            return None

    def find(self, archive: Archive, record: WarcRecordIn) -> _Original | None:
        uri, date = record.get("WARC-Refers-To-Target-URI"), record.get("WARC-Refers-To-Date")
        when = parse_warc_date(date, f"offset {record.offset}") if date else None
        found = self.by_id.get(record.get("WARC-Refers-To") or "")
        if found is None and uri and when:
            found = self.by_uri_date.get((uri, when))
        if found is None:
            found = self.by_digest.get(normalize_digest(record.get("WARC-Payload-Digest")) or ("", b""))
        if found is not None:
            return found
        if uri and when:  # imported earlier, from another file
            with archive.session() as session:
                archived = session.scalar(select(Capture).where(Capture.url == uri, Capture.captured_at == when))
            if archived is not None:
                return _Original.of(archived, archived.sha256)
        return None


def _status(http: StatusAndHeaders) -> tuple[int, str | None] | None:
    code, _, reason = http.statusline.strip().partition(" ")
    try:
        return int(code), (reason.strip() or None)
    except ValueError:
        return None


def _captured_headers(record: WarcRecordIn) -> tuple[tuple[str, str], ...]:
    """The HTTP headers as captured: nianbao's renamed transfer headers put back."""
    headers = [(name, value) for name, value in record.http.headers]
    for index in renamed_positions(record.fields, record.http, f"offset {record.offset}"):
        name, value = headers[index]
        headers[index] = (name[len(ORIG_PREFIX):], value)
    return tuple(headers)


def _capture_in(archive: Archive, record: WarcRecordIn, imported: _Imported) -> CaptureIn | str:
    """The capture a record stands for, or why it is skipped."""
    uri = record.get("WARC-Target-URI")
    common = {
        "url": uri,
        "captured_at": record.date or parse_warc_date(record.get("WARC-Date")),
        "final_url": record.get(FINAL_URL),
        "agency": record.get(AGENCY),
        "source": "warc",
    }
    if record.kind == "conversion":
        return _rendered_in(record, imported, common)
    if record.kind == "resource":
        if urlsplit(uri).scheme.lower() not in ("http", "https", "ftp", "file"):
            return "resource without a document URL"
        content_type = record.get("Content-Type")
        return CaptureIn(body=record.payload, status=None, reason=None, http_version=None,
                         content_type=content_type, **common)
    body = record.payload
    fallback: _Original | None = None
    if record.kind == "revisit":
        profile = record.get("WARC-Profile") or ""
        if not profile.endswith("identical-payload-digest"):  # e.g. server-not-modified: no payload known
            return f"revisit profile {profile.rsplit('/', 1)[-1] or 'missing'} not supported"
        fallback = imported.find(archive, record)
        body = imported.body(archive, fallback) if fallback is not None else None
        if body is None:
            return "revisit of a record not found"
    elif record.http is None:
        return "response without HTTP headers (e.g. dns:)"
    elif record.undecoded:
        return f"Content-Encoding {record.undecoded} not decodable"
    if record.http is None:  # a revisit of a local file, or a revisit that left out its headers
        return CaptureIn(
            body=body, status=fallback.status, reason=fallback.reason, http_version=fallback.http_version,
            headers=fallback.headers, content_type=fallback.content_type, **common,
        )
    status = _status(record.http)
    if status is None:
        return "unreadable HTTP status line"
    headers = _captured_headers(record)
    content_type = record.http.get_header("Content-Type") or (fallback.content_type if fallback else None)
    return CaptureIn(body=body, status=status[0], reason=status[1], http_version=record.http.protocol or None,
                     headers=headers, content_type=content_type, **common)


def _rendered_in(record: WarcRecordIn, imported: _Imported, common: dict) -> CaptureIn:
    """A `conversion` record (a DOM a browser rendered, storage/warc/export.py) as the capture the
    crawler made of it: role rendered, no HTTP status, the browser's X-Nianbao-* fields as its
    headers, tied to the response it was rendered from (its Rendered-From field, else the record
    its WARC-Refers-To names, when this file holds it)."""
    fields = [(name, value) for name, value in record.fields.headers
              if name.lower().startswith("x-nianbao-") and name not in (AGENCY, FINAL_URL, RENAMED)]
    if not any(name == RENDERED_FROM for name, _ in fields):
        source = imported.targets.get(record.get("WARC-Refers-To") or "")
        if source is not None:
            fields.append((RENDERED_FROM, source))
    return CaptureIn(body=record.payload, status=None, reason=None, http_version=None, headers=tuple(fields),
                     content_type=record.get("Content-Type"), role=CaptureRole.RENDERED, **common)


def import_warc(archive: Archive, path: Path, *, batch_size: int = IMPORT_BATCH,
                parse_workers: int | None = None, parse: bool = True) -> ImportSummary:
    """Ingest the captures of a WARC file (ours or another crawler's); see storage/warc/__init__.py.

    Raises `WarcError` (naming the file and the offset) before ingesting anything when the file
    is not a sound WARC. Records that are sound but not captures are counted as skipped, by reason.
    Captures are stored `batch_size` at a time (`Archive.ingest_batch`: one transaction each,
    the blobs made durable first), so an import stopped part-way keeps whole batches only, and
    running it again adds what is missing. Payloads are parsed in `parse_workers` processes
    (default: `storage.parse_pool.default_workers()`; 0 parses in this process), or not at all
    with `parse=False` (`Archive.reparse` makes the reports later).
    """
    path = Path(path)
    # The whole file checked before anything is ingested; a file whose payloads fit in
    # KEEP_CHECKED_BYTES is not read a second time (reading was a quarter of an import).
    records = 0
    kept: list[WarcRecordIn] | None = []
    size = 0
    for record in read_records(path):
        records += 1
        if kept is not None:
            size += len(record.payload)
            if size > KEEP_CHECKED_BYTES:
                kept = None
            else:
                kept.append(record)
    workers = (default_workers() if parse_workers is None else parse_workers) if parse else 0
    with archive.parsing_in_workers(workers):
        return _import(archive, path, records, kept if kept is not None else read_records(path), batch_size, parse)


def _import(archive: Archive, path: Path, records: int, checked: Iterable[WarcRecordIn],
            batch_size: int, parse: bool) -> ImportSummary:
    summary = ImportSummary(path, records=records)
    imported = _Imported()
    # Records are read here while a writer thread stores the batches before them (and the
    # parse workers parse them): at most two batches in flight.
    in_flight: deque[tuple[WarcRecordIn, CaptureIn, str, Future[IngestResult]]] = deque()
    with GroupCommit(archive, max_count=batch_size, max_wait=IMPORT_WAIT) as writer:
        for record in checked:
            if record.kind not in CAPTURE_TYPES:
                summary.skip(record.kind or "record without WARC-Type")
                continue
            capture = _capture_in(archive, record, imported)
            if isinstance(capture, str):
                log.warning("%s: record at offset %d (%s) skipped: %s",
                            path, record.offset, record.get("WARC-Target-URI"), capture)
                summary.skip(capture)
                continue
            # A rendered DOM is never parsed (as in the crawl: crawler/pipelines.py).
            # The payload hashed once, here: the batch and the revisits' lookups take it as is.
            digest = sha256_hex(capture.body)
            item = IngestItem(capture, parse and capture.role != CaptureRole.RENDERED, sha256=digest)
            in_flight.append((record, capture, digest, writer.submit(item)))
            imported.add(record, capture, digest)
            while in_flight and (len(in_flight) > 2 * batch_size or in_flight[0][3].done()):
                _count(path, *in_flight.popleft(), summary, imported)
        writer.flush()
        while in_flight:
            _count(path, *in_flight.popleft(), summary, imported)
    log.info("%s", summary.describe())
    return summary


def _count(path: Path, record: WarcRecordIn, capture: CaptureIn, digest: str, stored: Future[IngestResult],
           summary: ImportSummary, imported: _Imported) -> None:
    """A capture's outcome (waiting for its batch) counted into `summary`; a capture the parser
    failed on (other than refusing it) stops the import, as it always has."""
    error = stored.exception()
    imported.committed(digest)
    if isinstance(error, CaptureConflictError):
        log.warning("%s: record at offset %d: %s at %s is archived with another payload",
                    path, record.offset, capture.url, capture.captured_at)
        summary.skip("same URL and date as an archived capture, other payload")
    elif error is not None:
        raise error
    else:
        result = stored.result()
        if result.status == "exists":
            summary.existing += 1
        else:
            summary.imported += 1
            summary.revisits += result.status == "revisit"
            summary.reports += result.new_version
            summary.not_reports += result.parse_error is not None
