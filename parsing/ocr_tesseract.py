"""Tesseract (Debian's tesseract-ocr with chi_sim, through pytesseract) as an OCR engine: a
page's words, and value cells read digits-only, many cells per call.

Each Tesseract process is killed when the document's deadline passes, so the time limit holds
inside a page too.
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytesseract
from PIL import Image

from .ocr_words import OcrDeadline, Word, glyphs, time_left

# Tesseract's OpenMP threads fight each other (and our page-level threads) on a small machine:
# one thread per process is 2.5x faster here (9 s against 23 s for a 2-page scan).
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

CELL_CONFIG = "--psm 11"  # sparse text: table cells
PROSE_CONFIG = "--psm 3"  # automatic layout: the text around the tables
NUMBER_CONFIG = "--psm 6 -c tessedit_char_whitelist=0123456789,.+-/"
GLYPH_HEIGHTS = (32, 52)  # px: two readings at different sizes; each misses different cells
STRIP_GAP = 40
UNSURE = 69  # the confidence given to a reading the two sizes disagree on (under MIN_CONFIDENCE)


def available() -> bool:
    return shutil.which("tesseract") is not None


def words(image: Image.Image, lang: str, config: str, deadline: float) -> list[Word]:
    """Tesseract's words with their confidence and centre. The Tesseract process is killed when
    the `deadline` (time.monotonic()) passes: the limit holds inside a page too."""
    timeout = time_left(deadline)
    try:
        data = pytesseract.image_to_data(image, lang=lang, config=config, output_type=pytesseract.Output.DICT,
                                         timeout=timeout)
    except RuntimeError as exc:
        if "timeout" in str(exc).lower():
            raise OcrDeadline() from exc
        raise
    found: list[Word] = []
    for i, text in enumerate(data["text"]):
        text = text.strip()
        if not text or float(data["conf"][i]) < 0:
            continue
        found.append(Word(text=text, conf=float(data["conf"][i]), x=data["left"][i] + data["width"][i] / 2,
                          y=data["top"][i] + data["height"][i] / 2, height=data["height"][i],
                          width=data["width"][i]))
    return found


def page_words(gray: np.ndarray, deadline: float) -> list[Word]:
    """The words of a page (ruling lines already erased), sparse-text mode."""
    return words(Image.fromarray(gray), "chi_sim", CELL_CONFIG, deadline)


def prose_words(gray: np.ndarray, deadline: float) -> list[Word]:
    """The text around the tables, which reads better in Tesseract's layout mode."""
    return words(Image.fromarray(gray), "chi_sim", PROSE_CONFIG, deadline)


def _read_strip(crops: list[np.ndarray], height: int, deadline: float) -> list[list[Word]]:
    """OCR many cells in one Tesseract call, digits only: the crops stacked one per line."""
    scaled = [glyphs(crop, height) for crop in crops]
    present = [(i, g) for i, g in enumerate(scaled) if g is not None]
    found: list[list[Word]] = [[] for _ in crops]
    if not present:
        return found
    width = max(g.shape[1] for _, g in present) + 2 * STRIP_GAP
    strip = np.full((len(present) * (height + STRIP_GAP) + STRIP_GAP, width), 255, dtype=np.uint8)
    spans = []
    for line, (index, glyph) in enumerate(present):
        y = STRIP_GAP + line * (height + STRIP_GAP)
        strip[y : y + height, STRIP_GAP : STRIP_GAP + glyph.shape[1]] = glyph
        spans.append((index, y, y + height))
    for word in words(Image.fromarray(strip), "eng", NUMBER_CONFIG, deadline):
        for index, a, b in spans:
            if a - STRIP_GAP / 2 <= word["y"] <= b + STRIP_GAP / 2:
                found[index].append(word)
                break
    return found


def read_numbers(crops: list[np.ndarray], deadline: float) -> list[list[Word]]:
    """Value cells read twice (GLYPH_HEIGHTS) and reconciled: agreement keeps the reading's
    confidence; a reading only one size produced, or two that differ, is kept as unsure."""
    readings = [_read_strip(crops, height, deadline) for height in GLYPH_HEIGHTS]
    merged: list[list[Word]] = []
    for options in zip(*readings):
        texts = ["".join(w["text"] for w in found) for found in options]
        present = [(found, text) for found, text in zip(options, texts) if text.strip(".,")]
        if not present:
            merged.append([])
        elif len(present) == len(options) and len(set(texts)) == 1:
            merged.append(present[0][0])
        else:
            best, _ = max(present, key=lambda p: min(w["conf"] for w in p[0]))
            merged.append([Word(**{**w, "conf": min(w["conf"], UNSURE)}) for w in best])
    return merged
