"""Scanned PDF reports (no text layer): OCR, with the table grid rebuilt from the ruling lines.

Each page is rendered (pypdfium2), its red channel taken (an official seal is red, so it turns
white while black print stays dark), its light evened out and the page levelled
(`ocr_grid.level_page`), and searched for
ruling lines: horizontal lines cut the table into bands, vertical lines inside each band cut
the band into cells (`ocr_grid`). The ruling lines are then erased and the page is read once
for its words, which are placed into cells by their centres; words outside the tables are the
text lines (a table printed without ruling lines arrives as text lines, as from a PDF's text
layer). Value cells are read again, one crop each.

Engines (`ENGINES`, chosen per call with `use_engine`): RapidOCR (`ocr_rapid`, PP-OCRv4 models
inside its wheel), Tesseract (`ocr_tesseract`), or both: RapidOCR reads, Tesseract reads every
value cell again as a second witness, and a value they disagree on is unsure. The default is
"both" when both are installed (bench/ocr.py measures each on the hard scan set).

OCR is never trusted silently: the record carries the warning "ocr", every low-confidence
value is named in a warning, a cell with ink but no legible text is "unreadable" (so the
unique-fill repair may recover it, with a warning), and the form's arithmetic checks catch
misreads that OCR was confident about.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageFilter

from . import ocr_rapid, ocr_tesseract
from .cells import CellValue, parse_cell
from .errors import InputTooLargeError, ParseError, UnsupportedInputError
from .limits import Limits
from .ocr_grid import DARK, level_page, table_grid
from .ocr_words import OcrDeadline, Word, ink_pixels, join, reading_order
from .ocr_unruled import TableLine, page_tables, read_boxes, table_lines, with_missed_numbers
from .rows import Cell, Row, is_page_footer, split_plain_line
from .source import SourceText

log = logging.getLogger(__name__)

OCR_WARNING = "ocr"
OCR_EXPLANATION = (
    "ocr: this report is a scan read by OCR; a failed check may be an OCR misreading rather "
    "than the agency's arithmetic, compare with the archived copy"
)
MIN_CONFIDENCE = 70  # word confidence (0-100) under which a value is reported as unsure
INK_PIXELS = 25  # a cell with more dark pixels than this but no text is "unreadable"
CELL_MARGIN = 7  # px trimmed inside a cell's ruling lines (skew leaves line pixels near them)

ENGINES = ("rapidocr", "tesseract", "both")
_engine_choice: contextvars.ContextVar[str | None] = contextvars.ContextVar("ocr_engine", default=None)
# Told of each scanned page as it is done (`on_ocr_page`): how the CLI shows progress on a long
# scan without parsing doing any output itself.
# (phase, page number, pages to read): phase "words" when the page's words are read (pages in
# parallel, told in page order), "values" when its value cells are read too (the page is done).
PageDone = Callable[[str, int, int], None]
OCR_PHASES = ("words", "values")
_page_done: contextvars.ContextVar[PageDone | None] = contextvars.ContextVar("ocr_page_done", default=None)

# The engines' usual slips in digits (0 read as 〇/O/o, 1 as l/I/|).
# A thin 0 (AR PL UKai at 150 dpi, dev variant seed/000@ARPL-UKai#s13) loses its top or bottom
# arc to the paper threshold and reads "n", "u" or "()": a 0 too (unsure, as every slip).
_DIGIT_SLIPS = str.maketrans({"O": "0", "o": "0", "〇": "0", "D": "0", "l": "1", "I": "1", "|": "1",
                              "S": "5", "B": "8", "Z": "2", "n": "0", "u": "0", "U": "0", "，": ",", "。": "."})
_ALMOST_NUMBER = re.compile(r"^[0-9OoD〇lI|SBZnuU,.，。+\-]+$")
_BROKEN_ZERO = "()"
_CJK = re.compile(r"[\u4e00-\u9fff]")
_NUMBER = re.compile(r"^[+\-]?\d[\d,]*(?:\.\d+)?$")
# "14.285" for a printed "14,285": a stop before exactly three digits is a thousands separator
# the engine read as a stop (counts are whole; amounts in 万元 carry two decimals at most).
_THOUSANDS_AS_STOP = re.compile(r"^\d{1,3}(?:\.\d{3})+$")


@contextlib.contextmanager
def use_engine(name: str) -> Iterator[None]:
    """Scans parsed inside this block are read by engine `name` (one of ENGINES)."""
    if name not in ENGINES:
        raise ValueError(f"unknown OCR engine {name!r}; one of {ENGINES}")
    token = _engine_choice.set(name)
    try:
        yield
    finally:
        _engine_choice.reset(token)


@contextlib.contextmanager
def on_ocr_page(callback: PageDone) -> Iterator[None]:
    """Scans parsed inside this block call `callback(phase, number, total)` as each page's words
    and then its values are read (`PageDone`), in the parsing thread, pages in order."""
    token = _page_done.set(callback)
    try:
        yield
    finally:
        _page_done.reset(token)


def _chosen_engine() -> str:
    chosen = _engine_choice.get()
    rapid, tesseract = ocr_rapid.available(), ocr_tesseract.available()
    if chosen is None:
        chosen = "both" if rapid and tesseract else "rapidocr" if rapid else "tesseract"
    missing = [name for name, ok in (("rapidocr", rapid), ("tesseract", tesseract))
               if not ok and chosen in (name, "both")]
    if missing:
        raise UnsupportedInputError(
            "a scanned PDF (no text layer); OCR needs rapidocr-onnxruntime (pip) or Debian's tesseract-ocr "
            f"and tesseract-ocr-chi-sim; missing: {', '.join(missing)}"
        )
    return chosen


# A value cell the scan shows blank: null in the record, and `uncertain` so that the table reader
# says so when its row holds numbers (parsing.tables.SCANNED_BLANK): a light digit may be lost.
SCANNED_BLANK_CELL = Cell("", CellValue("blank", "", uncertain=True))


def _cell_value(words: list[tuple[str, float]], ink: int) -> Cell:
    """A value cell: a number (unsure when read with low confidence or through a digit slip),
    blank, or "unreadable" (ink, but no number in it), never a label."""
    text = join([w for w, _ in words])
    read = text.replace(" ", "").strip(".,，。:：·、'\"")  # specks read as stray punctuation
    compact = read.replace(_BROKEN_ZERO, "0")
    if not compact:
        if ink > INK_PIXELS:
            return Cell("", CellValue("unreadable", text or "(ink but no legible text)"))
        return SCANNED_BLANK_CELL
    confidence = min(c for _, c in words)
    if len(_CJK.findall(compact)) >= 2:  # a short label (其他, 总计) where a value was looked for
        return Cell.of(text)
    if _ALMOST_NUMBER.match(compact):
        fixed = compact.translate(_DIGIT_SLIPS)
        if _THOUSANDS_AS_STOP.match(fixed):
            fixed = fixed.replace(".", ",")
        value = parse_cell(fixed)
        if value.kind == "number":
            if confidence < MIN_CONFIDENCE or fixed != read:
                value = replace(value, uncertain=True, raw=f"{text} (OCR confidence {confidence:.0f})")
            return Cell(fixed, value)
    return Cell(text, CellValue("unreadable", text))


def _is_label(words: list[Word]) -> bool:
    """Chinese text, not a digit misread as a character (noise gives one or two, unsure)."""
    chinese = [w for w in words if _CJK.search(w["text"])]
    count = sum(len(_CJK.findall(w["text"])) for w in chinese)
    confidence = np.mean([w["conf"] for w in chinese]) if chinese else 0
    return count >= 3 or (count >= 2 and confidence >= 50)


LABEL_WIDTH = 2.5  # a text box this many times wider than high holds three characters or more


def _value_box(bands: list[list[tuple[int, int, int, int]]]):
    """Whether a text box is a short one inside a table cell: a number (or a one- or two-
    character label), not worth the page pass's recognition; value cells are read one crop
    each, and a short label read that way is kept as text (`_cell_value`)."""
    def inside(x0: float, y0: float, x1: float, y1: float) -> bool:
        if x1 - x0 >= LABEL_WIDTH * (y1 - y0):
            return False
        x, y = (x0 + x1) / 2, (y0 + y1) / 2
        return any(bx0 < x < bx1 and by0 < y < by1 for band in bands for bx0, by0, bx1, by1 in band[1:])
    return inside


def _normalised(found: list[Word]) -> str:
    text = "".join(w["text"] for w in found).replace(" ", "").strip(".,，。:：").replace(_BROKEN_ZERO, "0")
    return text.translate(_DIGIT_SLIPS)


def _witnessed(first: list[list[Word]], second: list[list[Word]]) -> list[list[Word]]:
    """The first engine's readings, each kept sure only where the second engine read the same
    number; a disagreement (or a cell only one of them read) is unsure, and warned about."""
    merged = []
    for a, b in zip(first, second):
        if a and _normalised(a) == _normalised(b):
            merged.append(a)
        elif a or b:
            chosen = a or b
            digits = lambda found: re.sub(r"[.,+\-]", "", _normalised(found))  # noqa: E731
            if a and b and digits(a) == digits(b) and len(_normalised(b)) > len(_normalised(a)):
                chosen = b  # the same digits, and a stop or sign the first engine missed (251.3, -2)
            elif a and b and not _NUMBER.match(_normalised(a)) and _NUMBER.match(_normalised(b)):
                chosen = b  # the first engine's reading is no number ("()00)" for a thin 0)
            merged.append([Word(**{**w, "conf": min(w["conf"], MIN_CONFIDENCE - 1)}) for w in chosen])
        else:
            merged.append([])
    return merged


def _read_values(engine: str, crops: list[np.ndarray], deadline: float) -> list[list[Word]]:
    if engine == "tesseract":
        return ocr_tesseract.read_numbers(crops, deadline)
    rapid = ocr_rapid.read_numbers(crops, deadline)
    if engine == "rapidocr":
        return rapid
    return _witnessed(rapid, ocr_tesseract.read_numbers(crops, deadline))


def _number_finder(engine: str, deadline: float):
    """How ink a page pass skipped is read to see whether it is a number (`with_missed_numbers`):
    by RapidOCR when it reads (it knows Chinese, so a missed character is no number), else by
    Tesseract's digits-only reading, trusted only when sure (it reads any ink as digits)."""
    if engine == "tesseract":
        return (lambda crops: ocr_tesseract.read_numbers(crops, deadline),
                lambda found: min(w["conf"] for w in found) >= MIN_CONFIDENCE)
    return (lambda crops: ocr_rapid.read_numbers(crops, deadline), lambda found: True)


@dataclass
class PageText:
    """A page read by the engines, before the layout of its unruled tables: its cleaned image,
    the rows of its ruled tables (by their height on the page), its text lines, and notes."""

    cleaned: np.ndarray
    placed: list[tuple[float, Row]]
    prose_lines: list[list[Word]]
    notes: list[str]
    engine: str


def read_page(image: Image.Image, deadline: float, engine: str = "tesseract") -> tuple[list[str], list[Row], list[str]]:
    """A page's text lines, its table rows, and notes for the record's warnings (a page on its
    own: `read_scanned_pdf` lays out a document's pages in order, each knowing the columns of a
    table continued from the page before)."""
    page = read_page_text(image, deadline, engine)
    found, _ = page_tables(page.prose_lines, page.cleaned)
    return page_rows(page, found, deadline)


def read_page_text(image: Image.Image, deadline: float, engine: str = "tesseract") -> PageText:
    """A page's words: its ruled tables' rows, and its text lines (holding any table printed
    without ruling lines)."""
    tables, bands, cleaned = table_grid(level_page(image))
    # Salt-and-pepper from the scanner: a 3x3 median removes specks and keeps strokes.
    cleaned = np.array(Image.fromarray(cleaned).filter(ImageFilter.MedianFilter(3)))
    if engine == "tesseract":
        words = ocr_tesseract.page_words(cleaned, deadline)
    else:
        words = ocr_rapid.page_words(cleaned, deadline, skip=_value_box(bands))

    text_cells: dict[tuple[int, int], list[Word]] = {}
    for b, band in enumerate(bands):
        for c, (x0, y0, x1, y1) in enumerate(band):
            text_cells[(b, c)] = [w for w in words if x0 < w["x"] < x1 and y0 < w["y"] < y1]

    # Labels come first in a row, values after them. The last cell that reads as Chinese
    # ends the labels; the cells right of it are values, read again one crop each (a page
    # pass drops lone digits and reads 0 as 口 or 〇).
    value_keys = []
    for b, band in enumerate(bands):
        last_label = max((c for c in range(len(band)) if _is_label(text_cells[(b, c)])), default=-1)
        value_keys.extend((b, c) for c in range(last_label + 1, len(band)))
    m = CELL_MARGIN
    crops = [cleaned[y0 + m : y1 - m, x0 + m : x1 - m] for x0, y0, x1, y1 in (bands[b][c] for b, c in value_keys)]
    numbers = dict(zip(value_keys, _read_values(engine, crops, deadline)))

    placed: list[tuple[float, Row]] = []  # rows by their height on the page
    for b, band in enumerate(bands):
        cells = []
        for c, (x0, y0, x1, y1) in enumerate(band):
            if (b, c) in numbers:
                ink = ink_pixels(cleaned[y0 + m : y1 - m, x0 + m : x1 - m])
                cells.append(_cell_value([(w["text"], w["conf"]) for w in numbers[(b, c)]], ink))
            else:
                lines = reading_order(text_cells[(b, c)])
                cells.append(Cell.of("".join(join([w["text"] for w in line]) for line in lines)))
        if any(cell.text or cell.value.kind == "unreadable" for cell in cells):
            placed.append((band[0][1], Row(tuple(cells))))

    # The text around the tables (and any table printed without ruling lines).
    # The ruled tables are blanked out of it: their cells are read above, and ink left in them
    # is not a line of numbers the page pass missed (dev: real hongze_district_2024 at 150 dpi
    # read each ruled row a second time as an unruled one).
    spans = [(table[0][0] - 6, table[-1][0] + 7) for table in tables]
    prose = cleaned.copy()
    for top, bottom in spans:
        prose[max(top, 0) : bottom, :] = 255
    if engine == "tesseract":
        prose_words = ocr_tesseract.prose_words(prose, deadline) if (prose < DARK).any() else []
    else:
        prose_words = [w for w in words if not any(top <= w["y"] <= bottom for top, bottom in spans)]
    prose_lines = with_missed_numbers(reading_order(prose_words), prose, *_number_finder(engine, deadline))
    notes: list[str] = []
    if engine == "both" and not tables:
        # The witness reads the page too: where RapidOCR's page pass yields no unruled table
        # (or far fewer value cells), Tesseract's lines lay the tables out, so a page's tables
        # never vanish because one engine's text detection failed. The values are read by both
        # engines either way, and one they disagree on (or only one read) is unsure.
        witness_words = ocr_tesseract.prose_words(cleaned, deadline) if (cleaned < DARK).any() else []
        witness_lines = with_missed_numbers(reading_order(witness_words), cleaned, *_number_finder(engine, deadline))
        witness_found = table_lines(witness_lines, cleaned)
        ours, theirs = _value_count(table_lines(prose_lines, cleaned)), _value_count(witness_found)
        if theirs >= WITNESS_MIN_VALUES and theirs >= WITNESS_RATIO * ours:
            notes.append(f"ocr: on a page RapidOCR's text detection found {ours} value cells of tables printed"
                         f" without ruling lines, Tesseract {theirs}: that page's tables are laid out from"
                         " Tesseract's reading (every value still read by both engines)")
            prose_lines = witness_lines
    return PageText(cleaned, placed, prose_lines, notes, engine)


def page_rows(page: PageText, found: dict[int, TableLine] | None, deadline: float
              ) -> tuple[list[str], list[Row], list[str]]:
    """A page's text lines, its table rows (its unruled tables laid out as `found`, each value
    read on its own), and notes for the record's warnings."""
    text_lines = [join([w["text"] for w in line]) for line in page.prose_lines]
    placed = page.placed + _unruled_rows(page.prose_lines, text_lines, found, page.cleaned, page.engine, deadline)
    placed.sort(key=lambda item: item[0])
    return text_lines, [row for _, row in placed], page.notes


WITNESS_MIN_VALUES = 6  # a witness's unruled table of fewer value cells is not worth switching to
WITNESS_RATIO = 5.0  # the witness's layout is used when it finds this many times the value cells (far more;
# at 3x, Tesseract's junk readings of a mostly blank table's headers outnumbered RapidOCR's real values)


def _value_count(found: dict[int, TableLine] | None) -> int:
    return 0 if found is None else sum(box is not None for line in found.values() for box in line.values)


def _unruled_rows(lines: list[list[Word]], texts: list[str], found: dict[int, TableLine] | None,
                  cleaned: np.ndarray, engine: str, deadline: float) -> list[tuple[float, Row]]:
    """The text lines as rows when they hold a table printed without ruling lines (`found`, by
    `ocr_unruled.table_lines`), each value cell read on its own as in a ruled table; no rows
    when they hold none (the lines then reach the table reader as text,
    `SourceText.fallback_text`)."""
    if found is None:
        return []
    boxes = [box for line in found.values() for box in line.values if box is not None]
    readings = iter(read_boxes(boxes, cleaned, lambda crops: _read_values(engine, crops, deadline)))
    placed: list[tuple[float, Row]] = []
    for n, (line, text) in enumerate(zip(lines, texts)):
        y = min(w["y"] for w in line)
        if n not in found:
            if not is_page_footer(text):
                placed.append((y, Row(tuple(split_plain_line(text)))))
            continue
        cells = [Cell.of(found[n].label)] if found[n].label else []
        for box in found[n].values:
            if box is None:
                cells.append(SCANNED_BLANK_CELL)
                continue
            words, ink = next(readings)
            cell = _cell_value([(w["text"], w["conf"]) for w in words], ink)
            if found[n].guessed and cell.value.kind == "number" and not cell.value.uncertain:
                cell = Cell(cell.text, replace(cell.value, uncertain=True,
                                               raw=f"{cell.text} (its column placed by the page's geometry only)"))
            cells.append(cell)
        placed.append((y, Row(tuple(cells))))
    return placed


def read_scanned_pdf(body: bytes, limits: Limits, warnings: list[str]) -> SourceText:
    engine = _chosen_engine()
    page_done = _page_done.get()
    started = time.monotonic()
    try:
        pdf = pdfium.PdfDocument(body)
    except pdfium.PdfiumError as exc:
        raise ParseError(f"unreadable PDF: {exc}") from exc
    pages = len(pdf)
    if pages > limits.max_ocr_pages:
        warnings.append(f"ocr: only the first {limits.max_ocr_pages} of {pages} scanned pages read")
    # pdfium is not thread-safe: render in this thread, OCR the pages in parallel (Tesseract
    # runs as a subprocess and onnxruntime releases the GIL, so threads suffice).
    images = [pdf[index].render(scale=limits.ocr_dpi / 72).to_pil() for index in range(min(pages, limits.max_ocr_pages))]
    pdf.close()
    lines: list[str] = []
    rows: list[Row] = []
    deadline = started + limits.max_seconds
    # Not a `with` block: its exit waits for every running page, which on a loaded machine kept
    # a 45 s budget running past 120 s (tests/parsing/test_documents.py, the 3%-noise scan). The
    # pages also stop themselves at the deadline (each engine call checks what is left).
    pool = ThreadPoolExecutor(max_workers=max(1, min(len(images), os.cpu_count() or 1)))
    def result(future, number: int):
        try:
            return future.result(timeout=max(deadline - time.monotonic(), 0.001))
        except (TimeoutError, OcrDeadline) as exc:
            raise InputTooLargeError(
                f"OCR exceeded {limits.max_seconds:.0f} s at page {number} of {len(images)}"
            ) from exc

    try:
        # Pages are read in parallel; their unruled tables are laid out in page order (a table
        # continued from the page before keeps its columns), then their values read in parallel.
        texts = [pool.submit(read_page_text, image, deadline, engine) for image in images]
        carried: list[float] | None = None
        laid_out = []
        for number, future in enumerate(texts, start=1):
            page = result(future, number)
            if page_done is not None:
                page_done("words", number, len(images))
            found, carried = page_tables(page.prose_lines, page.cleaned, carried)
            laid_out.append(pool.submit(page_rows, page, found, deadline))
        for number, future in enumerate(laid_out, start=1):
            page_lines, page_rows_, notes = result(future, number)
            lines.extend(page_lines)
            rows.extend(page_rows_)
            warnings.extend(note.replace("on a page", f"on page {number}", 1) for note in notes)
            if page_done is not None:
                page_done("values", number, len(images))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    log.debug("scanned PDF read by %s in %.1f s", engine, time.monotonic() - started)
    return SourceText(
        lines=lines, rows=rows, fallback_text="\n".join(lines),
        warnings=[OCR_WARNING, OCR_EXPLANATION, *warnings],
    )
