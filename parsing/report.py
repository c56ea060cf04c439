"""One report, from bytes to record: sniff the type, decode, read, check.

`parse_report` is the single entry point the CLI, the crawler and `reparse` share. Text and
HTML are read here; documents (PDF, DOCX, DOC, scans) are refused with a clear error until
their readers land (issue 3), and plug in as further producers of rows and lines.
"""

from __future__ import annotations

import re

from .checks import check_tables, repair_missing
from .chrome import strip_chrome
from .errors import EmptyInputError, InputTooLargeError, NotAReportError, UnsupportedInputError
from .html import HtmlPage
from .decode import decode_bytes
from .labels import section_heading
from .limits import DEFAULT_LIMITS, Limits
from .metadata import agency_from_opening, agency_from_title, find_published_on, find_title, find_year
from .record import Record
from .rows import Row, text_to_rows
from .sections import find_sections
from .tables import TableReading, detect_format, read_tables

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP container (DOCX/XLSX?)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an OLE2 document (DOC/XLS?)"),
    (b"{\\rtf", "an RTF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"Rar!", "a RAR archive"),
    (b"\x1f\x8b", "a gzip archive"),
)
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|\?xml)", re.I | re.S)
_HTML_TAGS = re.compile(rb"<(?:html|body|table|div|p|span|td|br)\b", re.I)
_SECTOR = re.compile(r"大学|学院|学校|中学|小学|幼儿园|学年|医院|卫生院|供电|供水|燃气|公交|热力|银行")
_NOTICE = re.compile(r"^关于.*(?:通知|通报|函|方案|意见)$|(?:通知|通报|工作要点|实施方案)$")
_REPORT_WORDS = re.compile(r"信息公开")


def sniff(body: bytes) -> str:
    """"html" or "text", from the bytes; anything else raises UnsupportedInputError."""
    head = body[:4096]
    for magic, name in _MAGIC:
        if head.startswith(magic):
            raise UnsupportedInputError(f"{name}, not text or HTML; documents are not read yet")
    if _HTML_START.match(head) or len(_HTML_TAGS.findall(head)) >= 2:
        return "html"
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnsupportedInputError("binary data, not text or HTML")
    return "text"


def parse_report(
    body: bytes, url: str = "", content_type: str | None = None, *, limits: Limits = DEFAULT_LIMITS
) -> Record:
    """Parse one report's bytes into its record. Raises a `ParseError` subclass on bad input."""
    if len(body) > limits.max_bytes:
        raise InputTooLargeError(f"{len(body)} bytes (limit {limits.max_bytes})")
    if not body.strip():
        raise EmptyInputError("empty file")
    kind = sniff(body)
    text, _encoding = decode_bytes(body, content_type)
    if not text.strip():
        raise EmptyInputError("no text")
    if kind == "html":
        return parse_html(text, url, limits=limits)
    return parse_text(text)


def parse_text(text: str) -> Record:
    """A report as plain text: pipe rows, markdown, one cell per line or PDF-extracted text."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return _build_record(lines, text_to_rows(text))


def parse_html(html: str, url: str = "", *, limits: Limits = DEFAULT_LIMITS) -> Record:
    page = HtmlPage(html, url, limits)
    return _build_record(
        page.main_lines,
        page.table_rows,
        fallback_text="\n".join(page.main_lines),
        page_lines=page.page_lines,
        title_candidates=page.title_candidates,
        meta_dates=page.meta_dates,
    )


def _body_after_title(lines: list[str], title: str | None) -> list[str]:
    body = [line for line in strip_chrome(lines) if line.strip()]
    if title:
        for i, line in enumerate(body[:25]):
            if title in line or line.strip() in title:
                return body[i + 1 :]
    return body


def _merge(primary: TableReading, fallback: TableReading) -> TableReading:
    """Tables the HTML grid lacked, taken from the page's text (a table pasted as paragraphs)."""
    for name in ("active", "applications", "review_litigation"):
        if getattr(primary, name) is None and getattr(fallback, name) is not None:
            setattr(primary, name, getattr(fallback, name))
            primary.missing |= {m for m in fallback.missing if m[0] == name}
            primary.warnings.extend(w for w in fallback.warnings if w.startswith(name))
    return primary


def _build_record(
    lines: list[str],
    rows: list[Row],
    *,
    fallback_text: str | None = None,
    page_lines: list[str] | None = None,
    title_candidates: list[str] = (),
    meta_dates: list[str] = (),
) -> Record:
    meta_lines = page_lines if page_lines is not None else lines
    title = find_title(meta_lines, title_candidates)
    if title and _SECTOR.search(title):
        raise NotAReportError(f"a sector report ({title}), not a government information-disclosure report")
    if title and _NOTICE.search(title):
        raise NotAReportError(f"a notice ({title}), not an annual report")
    body = _body_after_title(lines, title)
    year = find_year(title, body)
    sections = find_sections(lines)
    agency = agency_from_title(title) or agency_from_opening(
        [line for line in body if not section_heading(line)],
        (sections["overview"] or "").split("\n"),
    )

    fmt, format_warning = detect_format(rows, year)
    reading = read_tables(rows, fmt)
    if fallback_text is not None and (
        reading.active is None or reading.applications is None or reading.review_litigation is None
    ):
        # Tables pasted as paragraphs or preformatted text: read the page's main text as well.
        fallback_rows = text_to_rows(fallback_text)
        if not reading.found_any:
            fmt, format_warning = detect_format(fallback_rows, year)
            reading = read_tables(rows, fmt)
        reading = _merge(reading, read_tables(fallback_rows, fmt))
    if not reading.found_any:
        if not any(_REPORT_WORDS.search(line) for line in lines[:200]):
            raise NotAReportError("no disclosure tables and no mention of 信息公开")
        if not title and sum(v is not None for v in sections.values()) < 3:
            raise NotAReportError("no disclosure tables, no report title and no report sections")

    warnings: list[str] = []
    if format_warning:
        warnings.append(format_warning)
    warnings.extend(reading.warnings)
    tables: dict = {}
    if reading.applications is not None:
        tables["applications"] = reading.applications
    if reading.review_litigation is not None:
        tables["review_litigation"] = reading.review_litigation
    warnings.extend(repair_missing(fmt, tables, reading.missing))
    if not reading.found_any:
        warnings.append("no disclosure tables found")
    checks = check_tables(fmt, reading.applications, reading.review_litigation)

    return Record(
        title=title,
        agency=agency,
        year=year,
        format=fmt if reading.found_any else None,
        published_on=find_published_on(meta_lines, meta_dates),
        sections=sections,
        active=reading.active,
        applications=reading.applications,
        review_litigation=reading.review_litigation,
        checks=tuple(checks),
        warnings=tuple(warnings),
    )
