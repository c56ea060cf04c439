"""Scanned PDF reports (no text layer): Tesseract OCR, with the table grid rebuilt from the
ruling lines.

Each page is rendered (pypdfium2), binarised on its red channel (an official seal is red, so
it turns white while black print stays dark), and searched for ruling lines: horizontal lines
cut the table into bands, vertical lines inside each band cut the band into cells. The ruling
lines are then erased and the page is OCRed once (`--psm 11`, sparse text) for word boxes,
which are placed into cells by their centres. Words outside the tables are the text lines.

OCR is never trusted silently: the record carries the warning "ocr", every low-confidence
value is named in a warning, a cell with ink but no legible text is "unreadable" (so the
unique-fill repair may recover it, with a warning), and the form's arithmetic checks catch
misreads that OCR was confident about.
"""

from __future__ import annotations

import logging
import os
import re
from concurrent.futures import ThreadPoolExecutor
import shutil
import time
from dataclasses import replace

import numpy as np
import pypdfium2 as pdfium
import pytesseract
from PIL import Image, ImageFilter

from .cells import CellValue, parse_cell
from .errors import InputTooLargeError, ParseError, UnsupportedInputError
from .limits import Limits
from .rows import Cell, Row
from .source import SourceText

log = logging.getLogger(__name__)

# Tesseract's OpenMP threads fight each other (and our page-level threads) on a small machine:
# one thread per process is 2.5x faster here (9 s against 23 s for a 2-page scan).
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

OCR_WARNING = "ocr"
OCR_EXPLANATION = (
    "ocr: this report is a scan read by OCR; a failed check may be an OCR misreading rather "
    "than the agency's arithmetic, compare with the archived copy"
)
DARK = 150  # red-channel threshold: print is darker, paper and seal ink are lighter
MIN_CONFIDENCE = 70  # Tesseract word confidence under which a value is reported as unsure
INK_PIXELS = 25  # a cell with more dark pixels than this but no text is "unreadable"

# Tesseract's usual slips in digits (chi_sim reads 0 as 〇/O/o, 1 as l/I/|).
_DIGIT_SLIPS = str.maketrans({"O": "0", "o": "0", "〇": "0", "D": "0", "l": "1", "I": "1", "|": "1",
                              "S": "5", "B": "8", "Z": "2", "，": ",", "。": "."})
_ALMOST_NUMBER = re.compile(r"^[0-9OoD〇lI|SBZ,.，。+\-]+$")


def _require_tesseract() -> None:
    if shutil.which("tesseract") is None:
        raise UnsupportedInputError(
            "a scanned PDF (no text layer); OCR needs Debian's tesseract-ocr and tesseract-ocr-chi-sim"
        )


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each run of True in a 1-D mask."""
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(edges[::2], edges[1::2]))


def _centres(mask: np.ndarray) -> list[int]:
    return [(a + b) // 2 for a, b in _runs(mask)]


def horizontal_lines(dark: np.ndarray) -> list[tuple[int, int, int]]:
    """(y, x_start, x_end) of ruling lines at least a tenth of the page wide."""
    height, width = dark.shape
    # Tolerate a slight skew: thicken vertically before looking for long horizontal runs.
    thick = dark.copy()
    for shift in (1, 2):
        thick[shift:] |= dark[:-shift]
        thick[:-shift] |= dark[shift:]
    window = max(width // 10, 20)
    cs = np.cumsum(thick, axis=1, dtype=np.int32)
    long_run = (cs[:, window:] - cs[:, :-window]) == window
    rows = long_run.any(axis=1)
    lines = []
    for a, b in _runs(rows):
        y = (a + b) // 2
        cols = long_run[a:b].any(axis=0)
        xs = np.flatnonzero(cols)
        lines.append((y, int(xs.min()), int(xs.max() + window)))
    return lines


def _tables(lines: list[tuple[int, int, int]], height: int) -> list[list[tuple[int, int, int]]]:
    """Group horizontal lines into tables: a gap taller than a tenth of the page ends a table."""
    groups: list[list[tuple[int, int, int]]] = []
    for line in lines:
        if groups and line[0] - groups[-1][-1][0] < height // 10:
            groups[-1].append(line)
        else:
            groups.append([line])
    return [g for g in groups if len(g) >= 2]


def _band_columns(dark: np.ndarray, y0: int, y1: int, x0: int, x1: int) -> list[int]:
    margin = max((y1 - y0) // 6, 2)
    band = dark[y0 + margin : y1 - margin, x0 : x1 + 1]
    if band.shape[0] < 3:
        return []
    vertical = band.mean(axis=0) >= 0.85
    return [x0 + x for x in _centres(vertical)]


def _join(words: list[str]) -> str:
    out = ""
    for word in words:
        if out and out[-1].isascii() and word[:1].isascii() and out[-1].isalnum() and word[:1].isalnum():
            out += " "
        out += word
    return out


def _cell_value(words: list[tuple[str, float]], ink: int) -> Cell:
    text = _join([w for w, _ in words])
    if not text:
        if ink > INK_PIXELS:
            return Cell("", CellValue("unreadable", "(ink but no legible text)"))
        return Cell.of("")
    confidence = min(c for _, c in words)
    compact = text.replace(" ", "").strip(".,，。")  # specks read as stray punctuation
    if _ALMOST_NUMBER.match(compact) and any(ch.isdigit() for ch in compact):
        fixed = compact.translate(_DIGIT_SLIPS)
        value = parse_cell(fixed)
        if value.kind == "number":
            unsure = confidence < MIN_CONFIDENCE or fixed != compact
            if unsure:
                value = replace(value, uncertain=True, raw=f"{text} (OCR confidence {confidence:.0f})")
            return Cell(fixed, value)
        return Cell(text, CellValue("unreadable", text))
    return Cell.of(text)


class _OcrDeadline(Exception):
    """The document's OCR time budget ran out inside a page (limits.max_seconds)."""


def _ocr_words(image: Image.Image, lang: str, config: str, deadline: float) -> list[dict]:
    """Tesseract's words with their confidence and centre. The Tesseract process is killed when
    the `deadline` (time.monotonic()) passes: the limit holds inside a page too."""
    timeout = deadline - time.monotonic()
    if timeout <= 0:
        raise _OcrDeadline()
    try:
        data = pytesseract.image_to_data(image, lang=lang, config=config, output_type=pytesseract.Output.DICT,
                                         timeout=timeout)
    except RuntimeError as exc:
        if "timeout" in str(exc).lower():
            raise _OcrDeadline() from exc
        raise
    words = []
    for i, text in enumerate(data["text"]):
        text = text.strip()
        if not text or float(data["conf"][i]) < 0:
            continue
        words.append({
            "text": text, "conf": float(data["conf"][i]),
            "x": data["left"][i] + data["width"][i] / 2, "y": data["top"][i] + data["height"][i] / 2,
            "height": data["height"][i],
        })
    return words


def _reading_order(words: list[dict]) -> list[list[dict]]:
    """Words grouped into lines (by vertical centre), each line left to right."""
    lines: list[list[dict]] = []
    for word in sorted(words, key=lambda w: w["y"]):
        if lines and abs(word["y"] - np.mean([w["y"] for w in lines[-1]])) < max(word["height"], 8) * 0.6:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [sorted(line, key=lambda w: w["x"]) for line in lines]


CELL_CONFIG = "--psm 11"  # sparse text: table cells
PROSE_CONFIG = "--psm 3"  # automatic layout: the text around the tables
NUMBER_CONFIG = "--psm 6 -c tessedit_char_whitelist=0123456789,.+-/"
GLYPH_HEIGHTS = (32, 52)  # px: two readings at different sizes; each misses different cells
STRIP_GAP = 40
CELL_MARGIN = 7  # px trimmed inside a cell's ruling lines (skew leaves line pixels near them)


def _glyphs(crop: np.ndarray, height: int) -> np.ndarray | None:
    """A cell's ink cut to its bounding box and scaled to `height` (grey levels kept)."""
    ink = crop < DARK
    # A skewed ruling line leaves a dark stripe along the crop's edge: not part of the glyphs.
    ink[:, ink.mean(axis=0) > 0.6] = False
    ink[ink.mean(axis=1) > 0.6, :] = False
    ys, xs = np.nonzero(ink)
    if len(ys) < 4:
        return None
    crop = crop[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    scale = height / crop.shape[0]
    image = Image.fromarray(crop).resize((max(1, int(crop.shape[1] * scale)), height), Image.LANCZOS)
    return np.asarray(image)


def _read_strip(crops: list[np.ndarray], height: int, deadline: float) -> list[list[dict]]:
    """OCR many cells in one Tesseract call, digits only: the crops stacked one per line."""
    glyphs = [_glyphs(crop, height) for crop in crops]
    present = [(i, g) for i, g in enumerate(glyphs) if g is not None]
    found: list[list[dict]] = [[] for _ in crops]
    if not present:
        return found
    width = max(g.shape[1] for _, g in present) + 2 * STRIP_GAP
    strip = np.full((len(present) * (height + STRIP_GAP) + STRIP_GAP, width), 255, dtype=np.uint8)
    spans = []
    for line, (index, glyph) in enumerate(present):
        y = STRIP_GAP + line * (height + STRIP_GAP)
        strip[y : y + height, STRIP_GAP : STRIP_GAP + glyph.shape[1]] = glyph
        spans.append((index, y, y + height))
    for word in _ocr_words(Image.fromarray(strip), "eng", NUMBER_CONFIG, deadline):
        for index, a, b in spans:
            if a - STRIP_GAP / 2 <= word["y"] <= b + STRIP_GAP / 2:
                found[index].append(word)
                break
    return found


def _read_numbers(gray: np.ndarray, boxes: list[tuple[int, int, int, int]], deadline: float) -> list[list[dict]]:
    """Value cells read twice (GLYPH_HEIGHTS) and reconciled: agreement keeps the reading's
    confidence; a reading only one size produced, or two that differ, is kept as unsure."""
    m = CELL_MARGIN
    crops = [gray[y0 + m : y1 - m, x0 + m : x1 - m] for x0, y0, x1, y1 in boxes]
    readings = [_read_strip(crops, height, deadline) for height in GLYPH_HEIGHTS]
    merged: list[list[dict]] = []
    for options in zip(*readings):
        texts = ["".join(w["text"] for w in words) for words in options]
        present = [(words, text) for words, text in zip(options, texts) if text.strip(".,")]
        if not present:
            merged.append([])
        elif len(present) == len(options) and len(set(texts)) == 1:
            merged.append(present[0][0])
        else:
            words, _ = max(present, key=lambda p: min(w["conf"] for w in p[0]))
            merged.append([{**w, "conf": min(w["conf"], MIN_CONFIDENCE - 1)} for w in words])
    return merged


_CJK = re.compile(r"[\u4e00-\u9fff]")


def _is_label(words: list[dict]) -> bool:
    """Chinese text, not a digit misread as a character (noise gives one or two, unsure)."""
    chinese = [w for w in words if _CJK.search(w["text"])]
    count = sum(len(_CJK.findall(w["text"])) for w in chinese)
    confidence = np.mean([w["conf"] for w in chinese]) if chinese else 0
    return count >= 3 or (count >= 2 and confidence >= 50)


def read_page(image: Image.Image, deadline: float) -> tuple[list[str], list[Row]]:
    rgb = np.asarray(image.convert("RGB"))
    dark = rgb[:, :, 0] < DARK
    height, _ = dark.shape
    tables = _tables(horizontal_lines(dark), height)

    # Erase the ruling lines so Tesseract sees only characters.
    cleaned = rgb[:, :, 0].copy()
    bands: list[list[tuple[int, int, int, int]]] = []  # per band: (x0, y0, x1, y1) cells
    for table in tables:
        x_start = min(x0 for _, x0, _ in table)
        x_end = max(x1 for _, _, x1 in table)
        for (ya, _, _), (yb, _, _) in zip(table, table[1:]):
            columns = _band_columns(dark, ya, yb, x_start, x_end)
            if len(columns) < 2:
                continue
            bands.append([(xa, ya, xb, yb) for xa, xb in zip(columns, columns[1:])])
            for x in columns:
                cleaned[ya:yb, max(x - 3, 0) : x + 4] = 255
        for y, x0, x1 in table:
            cleaned[max(y - 4, 0) : y + 5, x0:x1] = 255
    # Salt-and-pepper from the scanner: a 3x3 median removes specks and keeps strokes.
    cleaned = np.array(Image.fromarray(cleaned).filter(ImageFilter.MedianFilter(3)))
    words = _ocr_words(Image.fromarray(cleaned), "chi_sim", CELL_CONFIG, deadline)

    text_cells: dict[tuple[int, int], list[dict]] = {}
    for b, band in enumerate(bands):
        for c, (x0, y0, x1, y1) in enumerate(band):
            text_cells[(b, c)] = [w for w in words if x0 < w["x"] < x1 and y0 < w["y"] < y1]

    # Labels come first in a row, values after them. The last cell that reads as Chinese
    # ends the labels; the cells right of it are values, read again digits-only in one call
    # (the Chinese pass drops lone digits and reads 0 as 口 or 〇).
    value_keys = []
    for b, band in enumerate(bands):
        last_label = max((c for c in range(len(band)) if _is_label(text_cells[(b, c)])), default=-1)
        value_keys.extend((b, c) for c in range(last_label + 1, len(band)))
    numbers = dict(zip(value_keys, _read_numbers(cleaned, [bands[b][c] for b, c in value_keys], deadline)))

    rows: list[Row] = []
    for b, band in enumerate(bands):
        cells = []
        for c, (x0, y0, x1, y1) in enumerate(band):
            if (b, c) in numbers:
                found = numbers[(b, c)]
                m = CELL_MARGIN
                ink = int((cleaned[y0 + m : y1 - m, x0 + m : x1 - m] < DARK).sum())
                cells.append(_cell_value([(w["text"], w["conf"]) for w in found], ink))
            else:
                lines = _reading_order(text_cells[(b, c)])
                cells.append(Cell.of("".join(_join([w["text"] for w in line]) for line in lines)))
        if any(cell.text or cell.value.kind == "unreadable" for cell in cells):
            rows.append(Row(tuple(cells)))

    # The prose around the tables reads better in Tesseract's layout mode, tables blanked out.
    prose = cleaned.copy()
    for table in tables:
        top, bottom = table[0][0], table[-1][0]
        prose[max(top - 6, 0) : bottom + 7, :] = 255
    text_lines = []
    if (prose < DARK).any():
        prose_words = _ocr_words(Image.fromarray(prose), "chi_sim", PROSE_CONFIG, deadline)
        text_lines = [_join([w["text"] for w in line]) for line in _reading_order(prose_words)]
    return text_lines, rows


def read_scanned_pdf(body: bytes, limits: Limits, warnings: list[str]) -> SourceText:
    _require_tesseract()
    started = time.monotonic()
    try:
        pdf = pdfium.PdfDocument(body)
    except pdfium.PdfiumError as exc:
        raise ParseError(f"unreadable PDF: {exc}") from exc
    pages = len(pdf)
    if pages > limits.max_ocr_pages:
        warnings.append(f"ocr: only the first {limits.max_ocr_pages} of {pages} scanned pages read")
    # pdfium is not thread-safe: render in this thread, OCR the pages in parallel (Tesseract
    # runs as a subprocess, so threads suffice).
    images = [pdf[index].render(scale=limits.ocr_dpi / 72).to_pil() for index in range(min(pages, limits.max_ocr_pages))]
    pdf.close()
    lines: list[str] = []
    rows: list[Row] = []
    deadline = started + limits.max_seconds
    # Not a `with` block: its exit waits for every running page, which on a loaded machine kept
    # a 45 s budget running past 120 s (tests/parsing/test_documents.py, the 3%-noise scan). The
    # pages also stop themselves at the deadline (each Tesseract call gets what is left).
    pool = ThreadPoolExecutor(max_workers=max(1, min(len(images), os.cpu_count() or 1)))
    try:
        futures = [pool.submit(read_page, image, deadline) for image in images]
        for number, future in enumerate(futures, start=1):
            try:
                page_lines, page_rows = future.result(timeout=max(deadline - time.monotonic(), 0.001))
            except (TimeoutError, _OcrDeadline) as exc:
                raise InputTooLargeError(
                    f"OCR exceeded {limits.max_seconds:.0f} s at page {number} of {len(images)}"
                ) from exc
            lines.extend(page_lines)
            rows.extend(page_rows)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return SourceText(
        lines=lines, rows=rows, fallback_text="\n".join(lines),
        warnings=[OCR_WARNING, OCR_EXPLANATION, *warnings],
    )
