"""One report, from bytes to record: sniff the type, read, build the record, check.

`parse_report` is the single entry point the CLI, the crawler and `reparse` share. Each reader
(text, HTML, PDF, OCR, Word) produces a `SourceText` of lines and table rows; `build_record`
turns any of them into the same record.
"""

from __future__ import annotations

import re

from .checks import check_tables, repair_missing
from .chrome import strip_chrome
from .errors import EmptyInputError, InputTooLargeError, NotAReportError
from .html import HtmlPage
from .decode import check_text_bytes, decode_bytes
from .labels import section_heading
from .limits import DEFAULT_LIMITS, Limits
from .narrative_witness import narrative_warnings, narrative_witnesses
from .plausibility import implausible_warnings
from .metadata import agency_from_opening, agency_from_title, find_published_on, find_title, find_year
from .record import Record
from .pdf import read_pdf
from .glued import read_glued
from .rows import text_to_rows
from .sniff import PayloadType, sniff
from .source import SourceText
from .word import read_doc, read_docx
from .sections import find_sections
from .tables import TableReading, detect_format, read_tables

# Publishers under other disclosure rules (高校, 医院, 公共企事业单位): not government reports.
# A table of the form the report does not show (or the reader could not find): its cells are
# absent from the record, and the warning says so (never silently: spec "never silently wrong").
TABLE_NOT_FOUND = "table not found in the report"
NO_TABLES = "no disclosure tables found"

SECTOR_WORDS = r"大学|学院|学校|中学|小学|幼儿园|学年|医院|卫生院|供电|供水|燃气|公交|热力|银行"
_SECTOR = re.compile(SECTOR_WORDS)
_NOTICE_ABOUT = "通知|通报|函|方案|意见"  # what 关于…的 a notice's title ends with
_NOTICE_ENDING = "通知|通报|工作要点|实施方案"  # what a notice's title ends with anyway
_NOTICE = re.compile(rf"^关于.*(?:{_NOTICE_ABOUT})$|(?:{_NOTICE_ENDING})$")
NOTICE_WORDS = f"{_NOTICE_ABOUT}|{_NOTICE_ENDING}"  # a notice's title holds one (parsing.gate looks for them)
_REPORT_WORDS = re.compile(r"信息公开")




def parse_report(
    body: bytes, url: str = "", content_type: str | None = None, *, limits: Limits = DEFAULT_LIMITS
) -> Record:
    """Parse one report's bytes into its record. Raises a `ParseError` subclass on bad input.

    The type comes from the bytes (`sniff`); `url` and `content_type` only inform decoding and
    trafilatura, never the choice of reader.
    """
    if len(body) > limits.max_bytes:
        raise InputTooLargeError(f"{len(body)} bytes (limit {limits.max_bytes})")
    if not body or body.isspace():  # not body.strip(): no copy of a large body
        raise EmptyInputError("empty file")
    payload_type = sniff(body)
    if payload_type is PayloadType.PDF:
        return build_record(read_pdf(body, limits))
    if payload_type is PayloadType.DOCX:
        return build_record(read_docx(body, limits))
    if payload_type is PayloadType.DOC:
        return build_record(read_doc(body, limits))
    check_text_bytes(body, limits, html=payload_type is PayloadType.HTML)
    text, _encoding = decode_bytes(body, content_type)
    if not text or text.isspace():
        raise EmptyInputError("no text")
    if payload_type is PayloadType.HTML:
        return parse_html(text, url, limits=limits)
    return parse_text(text)


def parse_text(text: str) -> Record:
    """A report as plain text: pipe rows, markdown, one cell per line, PDF-extracted text, or
    a page's text with its table cells glued together (`glued`)."""
    glued = read_glued(text)
    if glued is not None:
        lines, rows, warnings = glued
        return build_record(SourceText(lines=lines, rows=rows, warnings=warnings))
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return build_record(SourceText(lines=lines, rows=text_to_rows(text)))


def parse_html(html: str, url: str = "", *, limits: Limits = DEFAULT_LIMITS) -> Record:
    page = HtmlPage(html, url, limits)
    return build_record(
        SourceText(
            lines=page.main_lines,
            rows=page.table_rows,
            fallback_text="\n".join(page.main_lines),
            page_lines=page.page_lines,
            title_candidates=page.title_candidates,
            meta_dates=page.meta_dates,
        )
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
            primary.absent |= {m for m in fallback.absent if m[0] == name}
            primary.warnings.extend(w for w in fallback.warnings if w.startswith(name))
    return primary


def build_record(source: SourceText) -> Record:
    """The record from what a reader extracted: metadata, tables, checks, sections."""
    lines, rows, fallback_text = source.lines, source.rows, source.fallback_text
    meta_lines = source.page_lines if source.page_lines is not None else lines
    title = find_title(meta_lines, source.title_candidates)
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

    def witness(review: dict) -> int:
        return sum(w.agrees for w in narrative_witnesses(sections, None, review, year))

    reading = read_tables(rows, fmt, witness=witness)
    if fallback_text is not None and (
        reading.active is None or reading.applications is None or reading.review_litigation is None
    ):
        # Tables pasted as paragraphs or preformatted text: read the page's main text as well.
        fallback_rows = text_to_rows(fallback_text)
        if not reading.found_any:
            fmt, format_warning = detect_format(fallback_rows, year)
            reading = read_tables(rows, fmt, witness=witness)
        reading = _merge(reading, read_tables(fallback_rows, fmt, witness=witness))
    if not reading.found_any:
        if not any(_REPORT_WORDS.search(line) for line in lines[:200]):
            raise NotAReportError("no disclosure tables and no mention of 信息公开")
        if not title or sum(bool(v) for v in sections.values()) < 3:
            # A report without its tables must at least read like one: a report title and the
            # narrative sections. List pages and pages that only link an attachment do not.
            raise NotAReportError("no disclosure tables, and not a narrative report (title and sections)")

    warnings: list[str] = list(source.warnings)
    if format_warning:
        warnings.append(format_warning)
    warnings.extend(reading.warnings)
    tables: dict = {}
    if reading.applications is not None:
        tables["applications"] = reading.applications
    if reading.review_litigation is not None:
        tables["review_litigation"] = reading.review_litigation
    warnings.extend(repair_missing(fmt, tables, reading.missing, reading.absent))
    if not reading.found_any:
        warnings.append(NO_TABLES)
    else:
        warnings.extend(
            f"{name}: {TABLE_NOT_FOUND}" for name in ("active", "applications", "review_litigation")
            if getattr(reading, name) is None
        )
    checks = check_tables(fmt, reading.applications, reading.review_litigation)
    warnings.extend(implausible_warnings(
        {"active": reading.active, "applications": reading.applications,
         "review_litigation": reading.review_litigation}, warnings))
    warnings.extend(narrative_warnings(sections, reading.applications, reading.review_litigation, year))

    return Record(
        title=title,
        agency=agency,
        year=year,
        format=fmt if reading.found_any else None,
        published_on=find_published_on(meta_lines, source.meta_dates),
        sections=sections,
        active=reading.active,
        applications=reading.applications,
        review_litigation=reading.review_litigation,
        checks=tuple(checks),
        warnings=tuple(warnings),
    )
