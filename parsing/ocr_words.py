"""What every OCR engine hands back, and the helpers shared by them: a recognised `Word` (text,
confidence 0-100, centre, height), the deadline an engine must stop at, a cell's glyphs cut
out of the page, and words put into reading order."""

from __future__ import annotations

import time
from typing import NotRequired, TypedDict

import numpy as np
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
    ys, xs = np.nonzero(ink)
    if len(ys) < 4:
        return None
    crop = crop[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    if height is not None:
        scale = height / crop.shape[0]
        image = Image.fromarray(crop).resize((max(1, int(crop.shape[1] * scale)), height), Image.LANCZOS)
        crop = np.asarray(image)
    if pad:
        crop = np.pad(crop, pad, constant_values=255)
    return crop


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
