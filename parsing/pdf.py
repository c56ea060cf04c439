"""PDF reports with a text layer (pdfplumber): ruled tables as grids, the rest as text lines.

pdfplumber returns a merged cell's covered positions as None (kept as spanned copies, never
values) and wrapped cell text with "\n" (joined: Chinese wraps without spaces). A table that
continues on the next page without its header is simply more rows: the table reader follows
labels, not page boundaries. One-column "tables" (boxed body text, huaian_city_2024.pdf page 1)
are text, not tables. Pages without a text layer go to OCR (`parsing.ocr`).
"""

from __future__ import annotations

import io
import logging
import re
import time
from bisect import bisect_left
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfminer.psparser import PSException
from pdfplumber.page import Page, test_proposed_bbox
from pdfplumber.table import Table
from pdfplumber.utils import chars_to_textmap, extract_text, outside_bbox

from .errors import InputTooLargeError, ParseError, UnsupportedInputError
from .limits import Limits
from .rows import Cell, Row
from .source import SourceText

log = logging.getLogger(__name__)

MIN_TEXT_CHARS_PER_PAGE = 20  # below this on average, the PDF is a scan
UNMAPPED_GLYPHS = 50  # more "(cid:N)" glyphs than this: the text layer is unusable


class EncryptedDocumentError(UnsupportedInputError):
    """The document needs a password to open."""


def _cell_text(text: str | None) -> str:
    # Wrapped Chinese joins without a space; a wrap between two Latin words keeps one.
    text = re.sub(r"(?<=[A-Za-z])\n(?=[A-Za-z])", " ", text or "")
    return text.replace("\n", "").strip()


def table_to_rows(table: list[list[str | None]]) -> list[Row]:
    rows = []
    for raw in table:
        cells = [Cell("", Cell.of("").value, continuation=True) if c is None else Cell.of(_cell_text(c)) for c in raw]
        if cells:
            rows.append(Row(tuple(cells)))
    return rows


def _is_data_table(table: list[list[str | None]]) -> bool:
    widths = [sum(1 for c in row if c is not None) for row in table]
    return bool(widths) and max(widths) >= 2


class _PageChars:
    """A page's chars with their midpoints, sorted by vertical midpoint, computed once for all
    the page's tables (pdfplumber's `Table.extract` tests every char against every row)."""

    def __init__(self, chars: list[dict[str, Any]]) -> None:
        # (v_mid, index, h_mid, char): the index restores the page's char order within a cell.
        # A NaN midpoint is in no box (every comparison is false), and would break the sort.
        mids = (((char["top"] + char["bottom"]) / 2, i, (char["x0"] + char["x1"]) / 2, char)
                for i, char in enumerate(chars))
        self.mids = sorted(m for m in mids if m[0] == m[0] and m[2] == m[2])
        self.tops = [m[0] for m in self.mids]

    def in_band(self, top: float, bottom: float) -> list[tuple[float, int, float, dict[str, Any]]]:
        return self.mids[bisect_left(self.tops, top) : bisect_left(self.tops, bottom)]


def extract_table(table: Table, chars: _PageChars) -> list[list[str | None]]:
    """`table.extract()`, the same cells and text (tests/parsing/test_pdf_extract.py compares
    them), with each char's midpoint computed once and rows found by bisection.

    A char belongs to a row or cell when its midpoint lies in the box, left/top edges inclusive,
    right/bottom exclusive, as in pdfplumber; a cell's chars keep the page's order.
    """
    grid: list[list[str | None]] = []
    for row in table.rows:
        x0, top, x1, bottom = row.bbox
        row_chars = sorted(
            (m[1], m[2], m[0], m[3]) for m in chars.in_band(top, bottom) if x0 <= m[2] < x1
        )
        cells: list[str | None] = []
        for cell in row.cells:
            if cell is None:
                cells.append(None)
                continue
            cx0, ctop, cx1, cbottom = cell
            cell_chars = [c for _i, h, v, c in row_chars if cx0 <= h < cx1 and ctop <= v < cbottom]
            cells.append(extract_text(cell_chars) if cell_chars else "")
        grid.append(cells)
    return grid


def text_outside(page: Page, tables: list[Table]) -> str:
    """`page.outside_bbox(t1.bbox).outside_bbox(t2.bbox)….extract_text()`, filtering only the
    chars (a cropped page filters every kind of object) and laying them out once."""
    chars = page.chars
    for table in tables:
        test_proposed_bbox(table.bbox, page.bbox)  # outside_bbox's own check (it raises ValueError)
        chars = outside_bbox(chars, table.bbox)
    return chars_to_textmap(
        chars, layout_bbox=page.bbox, layout_width=page.width, layout_height=page.height
    ).as_string


def open_pdf(body: bytes) -> pdfplumber.PDF:
    try:
        pdf = pdfplumber.open(io.BytesIO(body))
        pdf.pages  # noqa: B018  (forces the page tree to load: truncated files fail here)
        return pdf
    except PDFPasswordIncorrect as exc:
        raise EncryptedDocumentError("an encrypted PDF (password required)") from exc
    except (PSException, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise ParseError(f"unreadable PDF (truncated or corrupt): {type(exc).__name__}: {exc}") from exc
    except Exception as exc:  # pdfminer raises bare Exceptions on broken cross-reference tables
        # pdfplumber wraps pdfminer's errors: PdfminerException(PDFPasswordIncorrect(...)).
        cause = exc.args[0] if exc.args else None
        if isinstance(cause, PDFPasswordIncorrect) or "password" in str(exc).lower():
            raise EncryptedDocumentError("an encrypted PDF (password required)") from exc
        raise ParseError(f"unreadable PDF (truncated or corrupt): {type(exc).__name__}: {exc}") from exc


def read_pdf(body: bytes, limits: Limits) -> SourceText:
    pdf = open_pdf(body)
    started = time.monotonic()
    warnings: list[str] = []
    with pdf:
        pages = pdf.pages
        if len(pages) > limits.max_pages:
            warnings.append(f"pdf: only the first {limits.max_pages} of {len(pages)} pages read")
            pages = pages[: limits.max_pages]
        lines: list[str] = []
        rows: list[Row] = []
        full_text: list[str] = []
        chars = 0
        for number, page in enumerate(pages, start=1):
            if time.monotonic() - started > limits.max_seconds:
                raise InputTooLargeError(
                    f"PDF reading exceeded {limits.max_seconds:.0f} s at page {number} of {len(pages)}"
                )
            try:
                text = page.extract_text() or ""
                tables: list[tuple[Table, list[list[str | None]]]] = []
                if found := page.find_tables():
                    page_chars = _PageChars(page.chars)
                    tables = [(t, grid) for t in found if _is_data_table(grid := extract_table(t, page_chars))]
                outside = (text_outside(page, [t for t, _grid in tables]) or "") if tables else text
            except Exception as exc:  # pdfminer's errors on damaged content streams are untyped
                raise ParseError(f"unreadable PDF page {number}: {type(exc).__name__}: {exc}") from exc
            chars += len(text.strip())
            full_text.append(text)
            lines.extend(outside.split("\n"))
            for _table, grid in tables:
                rows.extend(table_to_rows(grid))
        unmapped = sum(text.count("(cid:") for text in full_text)
        if unmapped > UNMAPPED_GLYPHS:
            # Fonts without a ToUnicode map: the text layer is "(cid:1234)" noise; read the pixels.
            warnings.append(f"pdf: the text layer has {unmapped} glyphs without Unicode; read by OCR instead")
        if chars < MIN_TEXT_CHARS_PER_PAGE * len(pages) or unmapped > UNMAPPED_GLYPHS:
            from .ocr import read_scanned_pdf  # imported lazily: OCR needs tesseract

            return read_scanned_pdf(body, limits, warnings)
    return SourceText(lines=lines, rows=rows, fallback_text="\n".join(full_text), warnings=warnings)
