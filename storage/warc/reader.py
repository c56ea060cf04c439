"""WARC in, first half: reading any WARC 1.0/1.1 file (plain or gzipped) record by record and
checking it (gzip stream, lengths, block digests, dates, nianbao's renamed-header positions),
so that a flawed file is refused, naming the file and offset, before anything is ingested."""

from __future__ import annotations

import datetime as dt
import gzip
import logging
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.limitreader import LimitReader
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParserException
from warcio.utils import BUFF_SIZE

from .conventions import CAPTURE_TYPES, ORIG_PREFIX, RENAMED, WarcError, parse_warc_date

log = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b"
NO_BLANK_LINE = "is not followed by a blank line: its Content-Length is wrong"


@dataclass(frozen=True)
class WarcRecordIn:
    """One record as read and checked: its WARC fields, HTTP message and decoded payload."""

    offset: int  # of the record in the file (compressed offset for a gzipped file)
    kind: str  # WARC-Type
    fields: StatusAndHeaders  # the WARC named fields
    http: StatusAndHeaders | None
    payload: bytes  # after transfer and content decoding, as warcio's content_stream gives it
    undecoded: str | None = None  # a Content-Encoding warcio cannot decode
    # The WARC fields by lower-case name, the first of each (what warcio's get_header answers,
    # scanning every field each time: a tenth of an unparsed import's CPU in its profile).
    named: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    date: dt.datetime | None = None  # WARC-Date, parsed (capture records: checked here, used by the importer)

    def get(self, name: str) -> str | None:
        return self.named.get(name.lower()) if self.named else self.fields.get_header(name)


def _named(fields: StatusAndHeaders) -> dict[str, str]:
    named: dict[str, str] = {}
    for name, value in fields.headers:
        named.setdefault(name.lower(), value)
    return named


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
    named = _named(fields)
    kind = named.get("warc-type") or ""
    length = named.get("content-length")
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
    date = named.get("warc-date")
    when = None
    if kind in CAPTURE_TYPES:
        if not named.get("warc-target-uri"):
            raise WarcError(f"{where}: a {kind} record with no WARC-Target-URI")
        if date is None:
            raise WarcError(f"{where}: a {kind} record with no WARC-Date")
        when = parse_warc_date(date, where)
        if named.get("warc-refers-to-date"):
            parse_warc_date(named["warc-refers-to-date"], where)
        renamed_positions(fields, record.http_headers, where)
    return WarcRecordIn(offset, kind, fields, record.http_headers, payload, undecoded, named, when)


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


def renamed_positions(fields: StatusAndHeaders, http: StatusAndHeaders | None, where: str) -> list[int]:
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
