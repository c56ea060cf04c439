"""WARC out: `export_warc` writes every capture of an archive as WARC 1.1 records (response and
request, revisit, resource) after one warcinfo record; see storage/warc/__init__.py for the
conventions."""

from __future__ import annotations

import datetime as dt
import io
import logging
from importlib.metadata import version as package_version
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

from sqlalchemy import select
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from ..archive import Archive
from ..blobs import BlobError
from ..files import atomic_output
from ..models import Agency, Capture, Report
from .conventions import (AGENCY, FINAL_URL, ORIG_PREFIX, RENAMED, RENDERED_FROM, WarcError, payload_digest,
                          record_id, warc_date)

log = logging.getLogger(__name__)

TRANSFER_HEADERS = ("transfer-encoding", "content-encoding")  # always renamed: payloads are stored decoded
UNKNOWN_TYPE = "application/octet-stream"  # a local file whose type was not known


class _Utf8Headers(StatusAndHeaders):
    """HTTP headers written as UTF-8 bytes, where warcio would %-encode non-ASCII values."""

    def compute_headers_buffer(self, header_filter=None) -> None:  # warcio's signature
        self.headers_buff = self.to_bytes(header_filter, encoding="utf-8")


def _is_http(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


def _check_field(capture: Capture, name: str, value: str) -> None:
    """A name or value that would break the record's framing (a captured CR/LF) is refused."""
    if not name or ":" in name or any(c in name + value for c in "\r\n"):
        raise WarcError(f"capture {capture.id} ({capture.url}): header {name!r}: {value!r} cannot be written to a WARC")


def _http_headers(capture: Capture, body: bytes) -> tuple[_Utf8Headers, list[int]]:
    """The captured status line and headers, transfer headers renamed (see storage/warc/__init__.py)."""
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




def _rendered_from(session, capture: Capture) -> str | None:
    """The record ID of the response (or revisit) a rendered DOM was rendered from, if archived."""
    from .conventions import parse_warc_date

    value = dict(capture.headers).get(RENDERED_FROM, "")
    url, _, when = value.partition(" ")
    if not url or not when:
        return None
    moment = parse_warc_date(when, f"capture {capture.id}")
    source = session.scalar(select(Capture).where(Capture.url == url, Capture.captured_at == moment))
    if source is None:
        return None
    kind = "revisit" if source.revisit_of is not None else _payload_record_kind(source)
    return record_id(kind, source.url, source.captured_at)


def _write_rendered(writer: WARCWriter, capture: Capture, body: bytes, agency: str | None,
                    refers_to: str | None) -> None:
    """A DOM a browser rendered (crawler/browser.py): a `conversion` record of the response it was
    rendered from (WARC-Refers-To), with the browser's fields (X-Nianbao-Via, -User-Agent,
    -Viewport) as WARC fields."""
    fields = _warc_fields(capture, "conversion", agency)
    for name, value in capture.headers:
        _check_field(capture, name, value)
        fields[name] = value
    if refers_to is not None:
        fields["WARC-Refers-To"] = refers_to
    record = writer.create_warc_record(
        capture.url, "conversion", payload=io.BytesIO(body), length=len(body),
        warc_content_type=capture.content_type or "text/html", warc_headers_dict=fields,
    )
    writer.write_record(record)


def export_warc(archive: Archive, path: Path) -> int:
    """Write every capture, in capture order, to `path` (gzipped per record when it ends in .gz).

    The file appears only when complete (written beside it, then renamed). Returns the number of
    captures written.
    """
    path = Path(path)
    count = 0
    with atomic_output(path, prefix=f".{path.name}.", suffix=".tmp") as out:
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
                if capture.role == "rendered":  # CaptureRole.RENDERED: a browser's DOM, whole even when unchanged
                    _write_rendered(writer, capture, body, agency, _rendered_from(session, capture))
                    written[capture.id] = _Written(record_id("conversion", capture.url, capture.captured_at),
                                                   capture.url, capture.captured_at)
                    count += 1
                    continue
                try:
                    _write_capture(writer, capture, body, agency, original)
                except WarcError as exc:
                    raise WarcError(f"{path}: {exc}") from exc
                written[capture.id] = original or _Written(
                    record_id(_payload_record_kind(capture), capture.url, capture.captured_at),
                    capture.url, capture.captured_at,
                )
                count += 1
    log.info("%d captures written to %s", count, path)
    return count
