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
import re
import shutil
import time
from dataclasses import replace

import numpy as np
import pypdfium2 as pdfium
import pytesseract
from PIL import Image

from .cells import CellValue, parse_cell
from .errors import InputTooLargeError, ParseError, UnsupportedInputError
from .limits import Limits
from .rows import Cell, Row
from .source import SourceText

log = logging.getLogger(__name__)

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
    compact = text.replace(" ", "")
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


def _ocr_words(image: Image.Image, lang: str, config: str) -> list[dict]:
    data = pytesseract.image_to_data(image, lang=lang, config=config, output_type=pytesseract.Output.DICT)
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


NUMBER_CONFIG = "--psm 6 -c tessedit_char_whitelist=0123456789,.+-/"
STRIP_GAP = 24


def _read_numbers(gray: np.ndarray, boxes: list[tuple[int, int, int, int]]) -> list[list[dict]]:
    """OCR many value cells in one Tesseract call: the cells' interiors are stacked into one
    strip image, one per line, and read with a digits-only whitelist (Chinese OCR drops lone
    digits and reads 0 as 〇)."""
    if not boxes:
        return []
    crops = [gray[y0 + 4 : y1 - 3, x0 + 4 : x1 - 3] for x0, y0, x1, y1 in boxes]
    width = max(c.shape[1] for c in crops) + 2 * STRIP_GAP
    height = sum(c.shape[0] + STRIP_GAP for c in crops) + STRIP_GAP
    strip = np.full((height, width), 255, dtype=np.uint8)
    spans = []
    y = STRIP_GAP
    for crop in crops:
        strip[y : y + crop.shape[0], STRIP_GAP : STRIP_GAP + crop.shape[1]] = crop
        spans.append((y, y + crop.shape[0]))
        y += crop.shape[0] + STRIP_GAP
    # Tesseract reads digits best at 30-40 px; scale the strip to bring them there.
    scale = max(1.0, min(3.0, 36 / max(np.median([c.shape[0] for c in crops]) * 0.5, 1)))
    image = Image.fromarray(strip)
    if scale > 1.05:
        image = image.resize((int(width * scale), int(height * scale)), Image.LANCZOS)
    words = _ocr_words(image, "eng", NUMBER_CONFIG)
    found: list[list[dict]] = [[] for _ in boxes]
    for word in words:
        y = word["y"] / scale
        for index, (a, b) in enumerate(spans):
            if a - STRIP_GAP / 2 <= y <= b + STRIP_GAP / 2:
                found[index].append(word)
                break
    return found


def read_page(image: Image.Image) -> tuple[list[str], list[Row]]:
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
    words = _ocr_words(Image.fromarray(cleaned), "chi_sim", "--psm 11")

    placed: set[int] = set()
    text_cells: dict[tuple[int, int], list[dict]] = {}
    for b, band in enumerate(bands):
        for c, (x0, y0, x1, y1) in enumerate(band):
            inside = [i for i, w in enumerate(words) if x0 < w["x"] < x1 and y0 < w["y"] < y1]
            placed.update(inside)
            text_cells[(b, c)] = [words[i] for i in inside]

    # Cells without Chinese are value cells: read them again, digits only, in one call.
    value_keys = [
        key for key, found in text_cells.items()
        if not any(re.search(r"[\u4e00-\u9fff]", w["text"]) for w in found)
    ]
    numbers = dict(zip(value_keys, _read_numbers(cleaned, [bands[b][c] for b, c in value_keys])))

    rows: list[Row] = []
    for b, band in enumerate(bands):
        cells = []
        for c, (x0, y0, x1, y1) in enumerate(band):
            if (b, c) in numbers:
                found = numbers[(b, c)]
                ink = int((cleaned[y0 + 5 : y1 - 4, x0 + 5 : x1 - 4] < DARK).sum())
                cells.append(_cell_value([(w["text"], w["conf"]) for w in found], ink))
            else:
                lines = _reading_order(text_cells[(b, c)])
                cells.append(Cell.of("".join(_join([w["text"] for w in line]) for line in lines)))
        if any(cell.text or cell.value.kind == "unreadable" for cell in cells):
            rows.append(Row(tuple(cells)))

    loose = [w for i, w in enumerate(words) if i not in placed]
    text_lines = [_join([w["text"] for w in line]) for line in _reading_order(loose)]
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
    lines: list[str] = []
    rows: list[Row] = []
    for index in range(min(pages, limits.max_ocr_pages)):
        if time.monotonic() - started > limits.max_seconds:
            raise InputTooLargeError(f"OCR exceeded {limits.max_seconds:.0f} s at page {index + 1} of {pages}")
        image = pdf[index].render(scale=limits.ocr_dpi / 72).to_pil()
        page_lines, page_rows = read_page(image)
        lines.extend(page_lines)
        rows.extend(page_rows)
    pdf.close()
    return SourceText(
        lines=lines, rows=rows, fallback_text="\n".join(lines),
        warnings=[OCR_WARNING, OCR_EXPLANATION, *warnings],
    )
