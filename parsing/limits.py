"""Explicit limits on what one parse may consume. Override per call or from the CLI."""

from __future__ import annotations

from dataclasses import dataclass

LIBXML_MAX_DEPTH = 2048  # libxml2's nesting ceiling with XML_PARSE_HUGE (lxml's huge_tree)


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 64 * 1024 * 1024  # a report is rarely above a few MB; scans reach tens
    max_span: int = 200  # rowspan/colspan beyond this is a broken or hostile table
    max_table_cells: int = 50_000  # per <table>, after spans are expanded
    max_tables: int = 200  # per page
    max_pages: int = 60  # PDF pages read; reports run 4-20 pages, the rest is ignored with a warning
    max_ocr_pages: int = 12  # scanned pages sent to OCR (each takes seconds)
    # Budget for one document: checked between PDF pages, and the timeout of LibreOffice's or
    # antiword's run and of each Tesseract call (OCR stops inside a page too).
    max_seconds: float = 120.0
    max_unzipped_bytes: int = 200 * 1024 * 1024  # DOCX members, uncompressed, in total
    max_zip_ratio: int = 200  # a member compressed more than this is a zip bomb
    ocr_dpi: int = 300
    # Element nesting in an HTML page. libxml2 (even with huge_tree) stops building the tree at
    # LIBXML_MAX_DEPTH levels, so a higher value does not lift that ceiling; past either, the
    # page is refused.
    max_html_depth: int = LIBXML_MAX_DEPTH
    # Text and HTML payloads, checked on the bytes before decoding. A report's text is 10-100 KB;
    # every line of text becomes a row of cells (~0.1 KB a cell), so these bound the memory: 4 MB
    # of text holding nothing but cells peaks near 250 MB RSS.
    max_text_bytes: int = 4 * 1024 * 1024
    max_text_lines: int = 20_000  # plain text: reports, PDF text included, run to a few thousand
    # HTML pages run to 30-300 KB; 4 MB of report paragraphs peaks near 290 MB RSS (16 MB: 850 MB, 6 min).
    max_html_bytes: int = 4 * 1024 * 1024


DEFAULT_LIMITS = Limits()
