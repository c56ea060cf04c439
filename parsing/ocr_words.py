"""What every OCR engine hands back, and the helpers shared by them: a recognised `Word` (text,
confidence 0-100, centre, height), the deadline an engine must stop at, a cell's glyphs cut
out of the page, and words put into reading order."""

from __future__ import annotations

import time
from typing import NotRequired, TypedDict

import numpy as np
from scipy import ndimage
from PIL import Image

from .ocr_grid import DARK


class Word(TypedDict):
    text: str
    conf: float  # 0-100
    x: float  # centre
    y: float
    height: float
    width: NotRequired[float]  # the box's width, where the engine gives one (page words)


class OcrDeadline(Exception):
    """The document's OCR time budget ran out inside a page (limits.max_seconds)."""


def time_left(deadline: float) -> float:
    """Seconds until `deadline` (time.monotonic()); raises OcrDeadline when it has passed."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise OcrDeadline()
    return left


def glyphs(crop: np.ndarray, height: int | None = None, pad: int = 0) -> np.ndarray | None:
    """A cell's ink cut to its bounding box (grey levels kept), scaled to `height` if given and
    framed with `pad` white pixels; None for a cell without ink."""
    ink = crop < DARK
    # A skewed ruling line leaves a dark stripe along the crop's edge: not part of the glyphs.
    ink[:, ink.mean(axis=0) > 0.6] = False
    ink[ink.mean(axis=1) > 0.6, :] = False
    ink = _without_far_specks(ink)
    ys, xs = np.nonzero(ink)
    if len(ys) < 4:
        box = faint_glyph_box(crop)
        if box is None:
            return None
        y0, y1, x0, x1 = box
    else:
        y0, y1, x0, x1 = _grown(crop, int(ys.min()), int(ys.max()), int(xs.min()), int(xs.max()))
    crop = crop[y0 : y1 + 1, x0 : x1 + 1]
    if height is not None:
        scale = height / crop.shape[0]
        image = Image.fromarray(crop).resize((max(1, int(crop.shape[1] * scale)), height), Image.LANCZOS)
        crop = np.asarray(image)
    if pad:
        crop = np.pad(crop, pad, constant_values=255)
    return crop


def _without_far_specks(ink: np.ndarray) -> np.ndarray:
    """The ink without dark specks far from the glyphs: a scanner's speck a cell's width away
    stretched the glyph box to 13 glyphs' width, and the engines read the squeezed "593" as
    "63" (dev scan seed/000@STSong-Light, hard scan seed 14). The glyphs are the tallest runs of
    inked columns; a run is kept when it is half their height or lies within a digit's gap of
    one kept (a minus sign, a stop, a comma beside the digits stay)."""
    columns = ink.any(axis=0)
    xs = np.flatnonzero(columns)
    if len(xs) == 0:
        return ink
    runs, start = [], xs[0]
    for a, b in zip(xs, xs[1:]):
        if b - a > 2:
            runs.append((start, a))
            start = b
    runs.append((start, xs[-1]))
    heights = []
    for a, b in runs:
        inked = np.flatnonzero(ink[:, a : b + 1].any(axis=1))
        heights.append(inked[-1] - inked[0] + 1)
    tallest = max(heights)
    if tallest < 6 or len(runs) == 1:
        return ink
    kept = [h >= 0.5 * tallest for h in heights]
    gap = 0.8 * tallest
    changed = True
    while changed:
        changed = False
        for i, (a, b) in enumerate(runs):
            if kept[i]:
                continue
            if any(kept[j] and (abs(a - runs[j][1]) <= gap or abs(runs[j][0] - b) <= gap) for j in range(len(runs))):
                kept[i] = changed = True
    out = ink.copy()
    for (a, b), keep in zip(runs, kept):
        if not keep:
            out[:, a : b + 1] = False
    return out


FAINT = 200  # lighter than DARK but not paper: a blurred glyph's thin strokes (its arcs)
FEW_DARK = 64  # dark pixels under which a cell's faint glyphs are counted too (a light 0 has ~10-40)
GLYPH_COLUMN = 5  # faint pixels in a column of a glyph (a speck or the grain leaves one or two)
GLYPH_WIDTH = 3  # adjacent glyph columns that make a glyph


def _faint(crop: np.ndarray) -> np.ndarray:
    faint = crop < FAINT
    faint[:, faint.mean(axis=0) > 0.6] = False  # a ruling line's faint remnant along an edge
    faint[faint.mean(axis=1) > 0.6, :] = False
    return faint


def faint_glyph_box(crop: np.ndarray) -> tuple[int, int, int, int] | None:
    """(y0, y1, x0, x1) of glyphs printed wholly lighter than DARK (a thin 0 blurred at 180 dpi
    keeps no pixel darker: dev scan seed/002@ARPL-UMing, hard scan seed 14, where such a cell
    was taken for a blank, silently null), or None when the faint ink is only specks."""
    return _faint_glyphs(_faint(crop))


def _faint_glyphs(faint: np.ndarray) -> tuple[int, int, int, int] | None:
    """`faint_glyph_box` on a crop's faint mask (`_faint`)."""
    columns = faint.sum(axis=0) >= GLYPH_COLUMN
    runs = np.flatnonzero(np.convolve(columns.astype(np.int8), np.ones(GLYPH_WIDTH, dtype=np.int8), "valid") == GLYPH_WIDTH)
    if not len(runs):
        return None
    xs = np.flatnonzero(columns)
    x0, x1 = int(xs.min()), int(xs.max())
    ys = np.flatnonzero(faint[:, x0 : x1 + 1].sum(axis=1) >= 1)
    return int(ys.min()), int(ys.max()), x0, x1


def ink_pixels(crop: np.ndarray) -> int:
    """A value cell's ink: its pixels darker than DARK, or, when it has (nearly) none, the faint
    pixels of glyphs printed wholly lighter (`faint_glyph_box`): so a faint 0 is ink that must
    be read (or said unreadable), never a blank."""
    dark = int((crop < DARK).sum())
    if dark >= FEW_DARK:
        return dark
    faint = _faint(crop)  # once: the box and its ink are read from the same mask
    box = _faint_glyphs(faint)
    if box is None:
        return dark
    y0, y1, x0, x1 = box
    return max(dark, int(faint[y0 : y1 + 1, x0 : x1 + 1].sum()))


def _grown(crop: np.ndarray, y0: int, y1: int, x0: int, x1: int) -> tuple[int, int, int, int]:
    """The glyphs' box grown over the faint strokes that touch it: a thin 0 blurred at 150-200
    dpi keeps its sides darker than DARK and its top and bottom arcs lighter, and a box cut to
    the sides lost the arcs and read "1", "11" or "U" (dev scan seed/002@ARPL-UMing, hard scan
    seed 14: 77 zeros misread)."""
    faint = _faint(crop)
    height, width = crop.shape
    # The faint strokes connected to the dark ones (8-neighbours), however far they reach: a
    # glyph's dark part may be a fragment of it (the sides of a light 0, a third of its height).
    faint[y0 : y1 + 1, x0 : x1 + 1] |= crop[y0 : y1 + 1, x0 : x1 + 1] < DARK
    labels, _ = ndimage.label(faint, structure=np.ones((3, 3), dtype=bool))
    touching = np.unique(labels[y0 : y1 + 1, x0 : x1 + 1])
    touching = touching[touching > 0]
    if len(touching):
        ys, xs = np.nonzero(np.isin(labels, touching))
        # Not a smear across the cell (a faint line along its edge is out already, `_faint`):
        # a glyph leaves the cell's top and bottom margins white.
        if ys.max() - ys.min() + 1 <= 0.9 * height:
            y0, y1 = min(y0, int(ys.min())), max(y1, int(ys.max()))
            x0, x1 = min(x0, int(xs.min())), max(x1, int(xs.max()))
    # A whole glyph fainter than DARK beside them ("234" blurred, its 4 light: read "23" by both
    # engines, surely and wrongly; dev scan seed/002@ARPL-UMing, hard scan seed 14): columns
    # across the glyphs' rows that hold a glyph's worth of faint ink (not a speck's), within a
    # digit's gap of the box, join it.
    rows = faint[y0 : y1 + 1]
    tall = y1 - y0 + 1
    glyph_column = rows.sum(axis=0) >= max(2, int(0.3 * tall))
    gap = max(2, int(0.8 * tall))

    inked_column = rows.any(axis=0)

    def glyph_like(a: int, b: int) -> bool:
        """Columns a..b (bounded by blank columns) hold a glyph, not seal remnants or grain: a
        digit's width (not a long stroke), and ink over most of the glyphs' height."""
        inked = np.flatnonzero(rows[:, a : b + 1].any(axis=1))
        return (0.15 * tall <= b - a + 1 <= 1.2 * tall and len(inked) > 0
                and inked[-1] - inked[0] + 1 >= 0.6 * tall)

    while True:
        right = np.flatnonzero(glyph_column[x1 + 1 : x1 + 1 + gap])
        if not len(right):
            break
        a = b = x1 + 1 + int(right[0])
        while a - 1 > x1 and inked_column[a - 1]:
            a -= 1
        while b + 1 < width and inked_column[b + 1]:
            b += 1
        if not glyph_like(a, b):
            break
        x1 = b
    while True:
        left = np.flatnonzero(glyph_column[max(x0 - gap, 0) : x0])
        if not len(left):
            break
        a = b = max(x0 - gap, 0) + int(left[-1])
        while b + 1 < x0 and inked_column[b + 1]:
            b += 1
        while a > 0 and inked_column[a - 1]:
            a -= 1
        if not glyph_like(a, b):
            break
        x0 = a
    return y0, y1, x0, x1


def join(words: list[str]) -> str:
    out = ""
    for word in words:
        if out and out[-1].isascii() and word[:1].isascii() and out[-1].isalnum() and word[:1].isalnum():
            out += " "
        out += word
    return out


def reading_order(words: list[Word]) -> list[list[Word]]:
    """Words grouped into lines (by vertical centre), each line left to right."""
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: w["y"]):
        if lines and abs(word["y"] - np.mean([w["y"] for w in lines[-1]])) < max(word["height"], 8) * 0.6:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [sorted(line, key=lambda w: w["x"]) for line in lines]
