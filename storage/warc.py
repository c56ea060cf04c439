"""WARC in and out: every capture as WARC 1.1 records, and captures from any crawler's WARC.

Export (`export_warc`) writes one `warcinfo` record, then each capture in capture order:

- a capture with an HTTP status: a `response` record (the captured status line and headers in
  their order, the stored payload) followed by its `request` record (a GET of the URL, no body);
- a revisit (same URL, same payload as an earlier capture): a `revisit` record, profile
  identical-payload-digest, pointing at the earlier capture's URL, date and record ID, with
  this capture's HTTP headers and no payload;
- a local file (no HTTP status): a `resource` record with its Content-Type and payload.

Conventions, also stated in the file's warcinfo record:

- The archive keeps payloads decoded (what the parser reads). So that the HTTP block stays
  true to its bytes, the headers describing the transfer are renamed with the `X-Archive-Orig-`
  prefix other archivers use: always `Transfer-Encoding` and `Content-Encoding`, and
  `Content-Length` when it differs from the stored payload's length. The record's
  `X-Nianbao-Renamed-Headers` lists the renamed headers' 0-based positions, so an import puts
  back exactly the headers captured (a captured header that already began with
  `X-Archive-Orig-`, e.g. from a Wayback page, is left alone).
- HTTP headers are written as UTF-8 (warcio would %-encode non-ASCII values, e.g. a
  `Content-Disposition` filename in Chinese, and the import would not get them back).
- `WARC-Date` is the capture time in UTC, with fractional seconds only when stored.
- `X-Nianbao-Final-URL` is the URL after redirects (the report's URL); `X-Nianbao-Agency` the
  registry's name of the publisher of the report at that URL. Redirect hops are not kept
  except as their own captures.
- Record IDs are UUID5s of (record type, URL, capture time), so exporting the same archive
  twice gives the same records (only the warcinfo differs).
- Digests are warcio's: sha1 in base32, the payload digest over the payload as written (the
  decoded payload, so it differs from a digest of the bytes on the wire when those were encoded).

Import (`import_warc`) reads any WARC 1.0/1.1 file, plain or gzipped, in two passes: the first
reads every record and checks it (gzip stream, lengths, block digests, dates); only when the
whole file is sound does the second pass ingest, so a broken file adds nothing. Payloads come
decoded as warcio's `content_stream` gives them (chunked, gzip, deflate, br); the HTTP headers
are kept as the crawler wrote them. An import stopped half-way (a full disk) can simply be run
again: ingest is idempotent on (URL, capture time).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import gzip
import hashlib
import io
import logging
import os
import re
import tempfile
import uuid
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import version as package_version
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.limitreader import LimitReader
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParserException
from warcio.timeutils import iso_date_to_datetime
from warcio.utils import BUFF_SIZE, Digester
from warcio.warcwriter import WARCWriter

from .archive import Archive, CaptureIn
from .blobs import BlobError, sha256_hex
from .clock import utc
from .models import Agency, Capture, Report

log = logging.getLogger(__name__)

FINAL_URL = "X-Nianbao-Final-URL"
AGENCY = "X-Nianbao-Agency"
RENAMED = "X-Nianbao-Renamed-Headers"
ORIG_PREFIX = "X-Archive-Orig-"
TRANSFER_HEADERS = ("transfer-encoding", "content-encoding")  # always renamed: payloads are stored decoded
UNKNOWN_TYPE = "application/octet-stream"  # a local file whose type was not known
RECORD_NAMESPACE = uuid.UUID("5f0c9a52-5d51-4c7e-9a43-2f1b8f7d6c11")  # for nianbao's record IDs
GZIP_MAGIC = b"\x1f\x8b"
NO_BLANK_LINE = "is not followed by a blank line: its Content-Length is wrong"
CAPTURE_TYPES = ("response", "resource", "revisit")  # the rest (request, warcinfo, metadata, ...) are skipped


class WarcError(Exception):
    """A WARC file cannot be read or written; the message names the file and where."""


# -- export -------------------------------------------------------------------------------------


class _Utf8Headers(StatusAndHeaders):
    """HTTP headers written as UTF-8 bytes, where warcio would %-encode non-ASCII values."""

    def compute_headers_buffer(self, header_filter=None) -> None:  # warcio's signature
        self.headers_buff = self.to_bytes(header_filter, encoding="utf-8")


def warc_date(moment: dt.datetime) -> str:
    """W3C-ISO8601 in UTC, with fractional seconds only as far as they were stored."""
    moment = utc(moment)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text + "Z"


def record_id(kind: str, url: str, moment: dt.datetime) -> str:
    return f"<urn:uuid:{uuid.uuid5(RECORD_NAMESPACE, f'{kind} {url} {warc_date(moment)}')}>"


def payload_digest(body: bytes) -> str:
    digester = Digester("sha1")
    digester.update(body)
    return str(digester)


def _is_http(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


def _check_field(capture: Capture, name: str, value: str) -> None:
    """A name or value that would break the record's framing (a captured CR/LF) is refused."""
    if not name or ":" in name or any(c in name + value for c in "\r\n"):
        raise WarcError(f"capture {capture.id} ({capture.url}): header {name!r}: {value!r} cannot be written to a WARC")


def _http_headers(capture: Capture, body: bytes) -> tuple[_Utf8Headers, list[int]]:
    """The captured status line and headers, transfer headers renamed (see the module doc)."""
    headers: list[tuple[str, str]] = []
    renamed: list[int] = []
    for position, (name, value) in enumerate(capture.headers):
        _check_field(capture, name, value)
        lower = name.lower()
        if lower in TRANSFER_HEADERS or (lower == "content-length" and value.strip() != str(len(body))):
            headers.append((ORIG_PREFIX + name, value))
            renamed.append(position)
        else:
            headers.append((name, value))
    statusline = f"{capture.status} {capture.reason}" if capture.reason else str(capture.status)
    return _Utf8Headers(statusline, headers, protocol=capture.http_version or "HTTP/1.1"), renamed


def _request_headers(capture: Capture) -> _Utf8Headers:
    parts = urlsplit(capture.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host = parts.netloc.rpartition("@")[2]
    return _Utf8Headers(
        f"GET {target} {capture.http_version or 'HTTP/1.1'}", [("Host", host)], is_http_request=True
    )


def _warc_fields(capture: Capture, kind: str, agency: str | None) -> dict[str, str]:
    fields = {
        "WARC-Type": kind,
        "WARC-Record-ID": record_id(kind, capture.url, capture.captured_at),
        "WARC-Date": warc_date(capture.captured_at),
    }
    if capture.final_url is not None:
        fields[FINAL_URL] = capture.final_url
    if agency:
        fields[AGENCY] = agency
    for name, value in fields.items():
        _check_field(capture, name, value)
    return fields


def _warcinfo() -> dict[str, str]:
    return {
        "software": f"nianbao/{package_version('nianbao')} (warcio/{package_version('warcio')})",
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "description": (
            "Captures of government information-disclosure annual reports. Payloads are stored "
            f"decoded: Transfer-Encoding, Content-Encoding and a mismatched Content-Length are renamed "
            f"{ORIG_PREFIX}*, their positions in {RENAMED}. {FINAL_URL}: the URL after redirects. "
            f"{AGENCY}: the publisher's name in the nianbao registry."
        ),
    }


class _Written(NamedTuple):
    """The record that carries a payload, for the revisits that point at it."""

    record_id: str
    url: str
    captured_at: dt.datetime


def _payload_record_kind(capture: Capture) -> str:
    return "response" if capture.status is not None and _is_http(capture.url) else "resource"


def _write_capture(
    writer: WARCWriter, capture: Capture, body: bytes, agency: str | None, original: _Written | None
) -> None:
    url = capture.url
    http = renamed = None
    if capture.status is not None and _is_http(url):
        http, renamed = _http_headers(capture, body)
    if original is not None:
        fields = _warc_fields(capture, "revisit", agency)
        fields["WARC-Refers-To"] = original.record_id
        if renamed:
            fields[RENAMED] = ",".join(map(str, renamed))
        record = writer.create_revisit_record(
            url, payload_digest(body), original.url, warc_date(original.captured_at),
            http_headers=http, warc_headers_dict=fields,
        )
        writer.write_record(record)
    elif http is not None:
        fields = _warc_fields(capture, "response", agency)
        if renamed:
            fields[RENAMED] = ",".join(map(str, renamed))
        response = writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http, warc_headers_dict=fields
        )
        request = writer.create_warc_record(
            url, "request", http_headers=_request_headers(capture),
            warc_headers_dict={
                "WARC-Type": "request", "WARC-Record-ID": record_id("request", url, capture.captured_at),
            },
        )
        writer.write_request_response_pair(request, response)
    else:
        # A local file (or a capture of a non-HTTP URL): no HTTP message to show.
        record = writer.create_warc_record(
            url, "resource", payload=io.BytesIO(body), length=len(body),
            warc_content_type=capture.content_type or UNKNOWN_TYPE,
            warc_headers_dict=_warc_fields(capture, "resource", agency),
        )
        writer.write_record(record)


def export_warc(archive: Archive, path: Path) -> int:
    """Write every capture, in capture order, to `path` (gzipped per record when it ends in .gz).

    The file appears only when complete (written beside it, then renamed). Returns the number of
    captures written.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    count = 0
    try:
        with os.fdopen(fd, "wb") as out:
            writer = WARCWriter(out, gzip=path.name.endswith(".gz"), warc_version="1.1")
            writer.write_record(writer.create_warcinfo_record(path.name, _warcinfo()))
            with archive.session() as session:
                agencies = dict(
                    session.execute(select(Report.url, Agency.name).join(Agency, Report.agency_id == Agency.id)).all()
                )
                # capture id -> the record holding its payload (a revisit's: its original's, since
                # ingest may make a capture the revisit of a revisit)
                written: dict[int, _Written] = {}
                for capture in session.scalars(select(Capture).order_by(Capture.id).execution_options(yield_per=500)):
                    try:
                        body = archive.body(capture)
                    except BlobError as exc:
                        raise WarcError(f"{path}: capture {capture.id} ({capture.url}): {exc}") from exc
                    original = written.get(capture.revisit_of) if capture.revisit_of is not None else None
                    if capture.revisit_of is not None and original is None:
                        raise WarcError(
                            f"{path}: capture {capture.id} ({capture.url}) is a revisit of capture "
                            f"{capture.revisit_of}, which does not come before it"
                        )
                    agency = agencies.get(capture.final_url or capture.url)
                    try:
                        _write_capture(writer, capture, body, agency, original)
                    except WarcError as exc:
                        raise WarcError(f"{path}: {exc}") from exc
                    written[capture.id] = original or _Written(
                        record_id(_payload_record_kind(capture), capture.url, capture.captured_at),
                        capture.url, capture.captured_at,
                    )
                    count += 1
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    log.info("%d captures written to %s", count, path)
    return count


# -- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WarcRecordIn:
    """One record as read and checked: its WARC fields, HTTP message and decoded payload."""

    offset: int  # of the record in the file (compressed offset for a gzipped file)
    kind: str  # WARC-Type
    fields: StatusAndHeaders  # the WARC named fields
    http: StatusAndHeaders | None
    payload: bytes  # after transfer and content decoding, as warcio's content_stream gives it
    undecoded: str | None = None  # a Content-Encoding warcio cannot decode

    def get(self, name: str) -> str | None:
        return self.fields.get_header(name)


def _check_gzip(path: Path) -> None:
    """warcio stops quietly at a truncated gzip member; Python's gzip does not."""
    with open(path, "rb") as raw:
        if raw.read(2) != GZIP_MAGIC:
            return
        raw.seek(0)
        try:
            with gzip.GzipFile(fileobj=raw) as stream:
                while stream.read(1 << 20):
                    pass
        except EOFError as exc:
            raise WarcError(
                f"{path}: the file ends (at byte {path.stat().st_size}) inside a gzip member: it is truncated"
            ) from exc
        except (gzip.BadGzipFile, zlib.error) as exc:
            raise WarcError(f"{path}: damaged gzip data before byte {raw.tell()}: {exc}") from exc


def _drain(stream) -> None:  # a warcio reader
    while stream.read(BUFF_SIZE):
        pass


def _read_one(path: Path, offset: int, record: ArcWarcRecord) -> WarcRecordIn:
    where = f"{path}: record at offset {offset}"
    if record.format != "warc":
        raise WarcError(f"{where}: an {record.format.upper()} record; only WARC files are read")
    fields = record.rec_headers
    kind = fields.get_header("WARC-Type") or ""
    length = fields.get_header("Content-Length")
    if length is None or not length.strip().isdigit():
        # warcio reads a missing or unreadable length as "no payload" (a header cut short does this).
        raise WarcError(f"{where}: no valid Content-Length ({length!r}): the record header is cut short or damaged")
    undecoded = None
    if kind not in CAPTURE_TYPES:
        payload = b""
    else:
        encoding = record.http_headers.get_header("Content-Encoding") if record.http_headers else None
        if encoding and encoding.strip().lower() not in (*BufferedReader.get_supported_decompressors(), "identity"):
            undecoded = encoding  # warcio would hand back the encoded bytes as they are
        try:
            payload = record.content_stream().read()
        except (zlib.error, OSError, ValueError) as exc:  # a Content-Encoding that fails part-way
            raise WarcError(f"{where}: its payload cannot be read: {exc}") from exc
    _drain(record.raw_stream)
    if isinstance(record.raw_stream, LimitReader) and record.raw_stream.limit > 0:
        raise WarcError(f"{where}: truncated: the file ends {record.raw_stream.limit} bytes before the record does")
    problems = [p for p in record.digest_checker.problems if p.startswith("block digest")]
    if problems:
        raise WarcError(f"{where}: the bytes are not those written ({'; '.join(problems)})")
    for problem in record.digest_checker.problems:
        # Crawlers disagree on what the payload digest covers (e.g. chunked bodies); not fatal.
        log.warning("%s: %s", where, problem)
    date = fields.get_header("WARC-Date")
    if kind in CAPTURE_TYPES:
        if not fields.get_header("WARC-Target-URI"):
            raise WarcError(f"{where}: a {kind} record with no WARC-Target-URI")
        if date is None:
            raise WarcError(f"{where}: a {kind} record with no WARC-Date")
        parse_warc_date(date, where)
        if fields.get_header("WARC-Refers-To-Date"):
            parse_warc_date(fields.get_header("WARC-Refers-To-Date"), where)
        _renamed_positions(fields, record.http_headers, where)
    return WarcRecordIn(offset, kind, fields, record.http_headers, payload, undecoded)


def read_records(path: Path) -> Iterator[WarcRecordIn]:
    """Every record of a WARC file, read and checked; `WarcError` at the first flaw."""
    path = Path(path)
    _check_gzip(path)
    count = 0
    with open(path, "rb") as stream:
        iterator = ArchiveIterator(stream, check_digests=True)
        offset = previous = 0
        try:
            for record in iterator:
                if iterator.err_count:
                    raise WarcError(f"{path}: record at offset {previous} {NO_BLANK_LINE}")
                offset = iterator.offset
                yield _read_one(path, offset, record)
                previous = offset
                count += 1
        except ArchiveLoadFailed as exc:
            reason = " ".join(str(exc).split())
            raise WarcError(f"{path}: at offset {iterator.offset}: not a readable WARC record: {reason}") from exc
        except AttributeError as exc:
            # warcio's loader calls uri.startswith() on an HTTP record's missing WARC-Target-URI.
            raise WarcError(
                f"{path}: at offset {iterator.offset}: a record header with no WARC-Target-URI (cut short?)"
            ) from exc
        except (StatusAndHeadersParserException, ValueError, EOFError, zlib.error) as exc:
            raise WarcError(f"{path}: at offset {iterator.offset}: malformed record: {exc}") from exc
        if iterator.err_count:
            raise WarcError(f"{path}: record at offset {offset} {NO_BLANK_LINE}")
        size = os.fstat(stream.fileno()).st_size
        if iterator.offset != size:
            # warcio ends quietly when a record's header stops before its blank line (EOFError).
            raise WarcError(
                f"{path}: at offset {iterator.offset}: {size - iterator.offset} bytes that are not a whole record "
                "(the file is cut short)"
            )
    if not count:
        raise WarcError(f"{path}: no WARC records (empty file)")


def parse_warc_date(text: str, where: str = "") -> dt.datetime:
    """A WARC-Date as an aware UTC datetime; fractions beyond microseconds are dropped."""
    match = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", text.strip())
    try:
        if match:
            whole, fraction, zone = match.groups()
            micros = (fraction or "")[:6].ljust(6, "0")
            moment = dt.datetime.fromisoformat(f"{whole}.{micros}{'+00:00' if zone == 'Z' else zone}")
        else:
            moment = iso_date_to_datetime(text.strip(), tz_aware=True)  # reduced precision, e.g. 2024-01-02T03:04Z
    except (ValueError, TypeError) as exc:
        raise WarcError(f"{where}: WARC-Date {text!r} is not a W3C-ISO8601 date") from exc
    return moment.astimezone(dt.timezone.utc)


# -- import -------------------------------------------------------------------------------------


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
        lambda v: base64.b32decode(v.upper()),
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


class _Imported:
    """Captures already imported from this file, findable the three ways a revisit may point."""

    def __init__(self) -> None:
        self.by_id: dict[str, int] = {}
        self.by_uri_date: dict[tuple[str, dt.datetime], int] = {}
        self.by_digest: dict[tuple[str, bytes], int] = {}

    def add(self, record: WarcRecordIn, capture_id: int, body: bytes) -> None:
        if record.get("WARC-Record-ID"):
            self.by_id[record.get("WARC-Record-ID")] = capture_id
        self.by_uri_date[(record.get("WARC-Target-URI"), parse_warc_date(record.get("WARC-Date")))] = capture_id
        for digest in (normalize_digest(record.get("WARC-Payload-Digest")), normalize_digest(payload_digest(body))):
            if digest:
                self.by_digest.setdefault(digest, capture_id)

    def find(self, archive: Archive, record: WarcRecordIn) -> Capture | None:
        uri, date = record.get("WARC-Refers-To-Target-URI"), record.get("WARC-Refers-To-Date")
        when = parse_warc_date(date, f"offset {record.offset}") if date else None
        found = self.by_id.get(record.get("WARC-Refers-To") or "")
        if found is None and uri and when:
            found = self.by_uri_date.get((uri, when))
        if found is None:
            found = self.by_digest.get(normalize_digest(record.get("WARC-Payload-Digest")) or ("", b""))
        with archive.session() as session:
            if found is not None:
                return session.get(Capture, found)
            if uri and when:  # imported earlier, from another file
                return session.scalar(select(Capture).where(Capture.url == uri, Capture.captured_at == when))
        return None


def _status(http: StatusAndHeaders) -> tuple[int, str | None] | None:
    code, _, reason = http.statusline.strip().partition(" ")
    try:
        return int(code), (reason.strip() or None)
    except ValueError:
        return None


def _renamed_positions(fields: StatusAndHeaders, http: StatusAndHeaders | None, where: str) -> list[int]:
    """The positions `X-Nianbao-Renamed-Headers` names, each an X-Archive-Orig- header."""
    listed = fields.get_header(RENAMED)
    if not listed:
        return []
    headers = http.headers if http else []
    try:
        positions = [int(part) for part in listed.split(",")]
    except ValueError:
        positions = [-1]
    if any(not 0 <= i < len(headers) or not headers[i][0].lower().startswith(ORIG_PREFIX.lower()) for i in positions):
        raise WarcError(f"{where}: {RENAMED} {listed!r} does not name {ORIG_PREFIX} headers of this record")
    return positions


def _captured_headers(record: WarcRecordIn) -> tuple[tuple[str, str], ...]:
    """The HTTP headers as captured: nianbao's renamed transfer headers put back."""
    headers = [(name, value) for name, value in record.http.headers]
    for index in _renamed_positions(record.fields, record.http, f"offset {record.offset}"):
        name, value = headers[index]
        headers[index] = (name[len(ORIG_PREFIX):], value)
    return tuple(headers)


def _capture_in(archive: Archive, record: WarcRecordIn, imported: _Imported) -> CaptureIn | str:
    """The capture a record stands for, or why it is skipped."""
    uri = record.get("WARC-Target-URI")
    common = {
        "url": uri,
        "captured_at": parse_warc_date(record.get("WARC-Date")),
        "final_url": record.get(FINAL_URL),
        "agency": record.get(AGENCY),
        "source": "warc",
    }
    if record.kind == "resource":
        if urlsplit(uri).scheme.lower() not in ("http", "https", "ftp", "file"):
            return "resource without a document URL"
        content_type = record.get("Content-Type")
        return CaptureIn(body=record.payload, status=None, reason=None, http_version=None,
                         content_type=content_type, **common)
    body = record.payload
    fallback: Capture | None = None
    if record.kind == "revisit":
        profile = record.get("WARC-Profile") or ""
        if not profile.endswith("identical-payload-digest"):  # e.g. server-not-modified: no payload known
            return f"revisit profile {profile.rsplit('/', 1)[-1] or 'missing'} not supported"
        fallback = imported.find(archive, record)
        if fallback is None:
            return "revisit of a record not found"
        body = archive.body(fallback)
    elif record.http is None:
        return "response without HTTP headers (e.g. dns:)"
    elif record.undecoded:
        return f"Content-Encoding {record.undecoded} not decodable"
    if record.http is None:  # a revisit of a local file, or a revisit that left out its headers
        return CaptureIn(
            body=body, status=fallback.status, reason=fallback.reason, http_version=fallback.http_version,
            headers=tuple(tuple(h) for h in fallback.headers), content_type=fallback.content_type, **common,
        )
    status = _status(record.http)
    if status is None:
        return "unreadable HTTP status line"
    headers = _captured_headers(record)
    content_type = record.http.get_header("Content-Type") or (fallback.content_type if fallback else None)
    return CaptureIn(body=body, status=status[0], reason=status[1], http_version=record.http.protocol or None,
                     headers=headers, content_type=content_type, **common)


def import_warc(archive: Archive, path: Path) -> ImportSummary:
    """Ingest the captures of a WARC file (ours or another crawler's); see the module doc.

    Raises `WarcError` (naming the file and the offset) before ingesting anything when the file
    is not a sound WARC. Records that are sound but not captures are counted as skipped, by reason.
    """
    path = Path(path)
    records = sum(1 for _ in read_records(path))  # the whole file checked before anything is ingested
    summary = ImportSummary(path, records=records)
    imported = _Imported()
    for record in read_records(path):
        if record.kind not in CAPTURE_TYPES:
            summary.skip(record.kind or "record without WARC-Type")
            continue
        capture = _capture_in(archive, record, imported)
        if isinstance(capture, str):
            log.warning("%s: record at offset %d (%s) skipped: %s",
                        path, record.offset, record.get("WARC-Target-URI"), capture)
            summary.skip(capture)
            continue
        result = archive.ingest(capture)
        if result.status == "exists":
            with archive.session() as session:
                archived = session.get(Capture, result.capture_id)
            if archived.sha256 != sha256_hex(capture.body):
                log.warning("%s: record at offset %d: %s at %s is archived with another payload (capture %d)",
                            path, record.offset, capture.url, capture.captured_at, archived.id)
                summary.skip("same URL and date as an archived capture, other payload")
                continue
            summary.existing += 1
        else:
            summary.imported += 1
            summary.revisits += result.status == "revisit"
            summary.reports += result.new_version
            summary.not_reports += result.parse_error is not None
        imported.add(record, result.capture_id, capture.body)
    log.info("%s", summary.describe())
    return summary
