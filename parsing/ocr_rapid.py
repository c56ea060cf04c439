"""RapidOCR (PP-OCRv4 detection and recognition, ONNX models shipped inside the
rapidocr-onnxruntime wheel, run by onnxruntime on the CPU) as an OCR engine: a page's words,
and value cells recognised one crop each.

Nothing is downloaded: the models are files of the installed package (`MODEL_FILES`, checked by
tests/parsing/test_ocr_engines.py). The engine is built once per process (loading the models
takes about a second) and shared by the page threads; onnxruntime's `run` is thread-safe and
releases the GIL, so each session gets one thread and the pages run side by side.

The deadline is checked between detection and every batch of recognition (an ONNX run cannot
be killed, but a batch takes a fraction of a second).
"""

from __future__ import annotations

import importlib.util
import re
import threading
from pathlib import Path

import numpy as np

from .ocr_words import Word, glyphs, time_left

RECOGNITION_BATCH = 12  # crops per onnxruntime run between deadline checks
# A value cell is recognised as its glyphs written three times in a row ("0   0   0"): PP-OCR's
# line recogniser reads a lone digit poorly (a lone 0 scored 30-90 on the dev half, often read
# as 。 or o) but a repeated one well (90-100), and the three copies must read alike: a
# reading whose thirds differ is unsure.
COPIES = 3
CROP_HEIGHT = 32  # px: value glyphs scaled to this (the recogniser's input is 48 px high)
COPY_GAP = 0.6  # white between the copies, as a share of CROP_HEIGHT
CROP_PAD = 8
UNSURE = 69  # the confidence given to a reading whose copies disagree (under ocr.MIN_CONFIDENCE)

_lock = threading.Lock()
_engine = None


def _package_dir() -> Path | None:
    spec = importlib.util.find_spec("rapidocr_onnxruntime")
    return Path(spec.origin).parent if spec and spec.origin else None


def model_files() -> list[Path]:
    """The ONNX models the engine loads: files inside the installed package."""
    package = _package_dir()
    return sorted((package / "models").glob("*.onnx")) if package else []


def available() -> bool:
    return _package_dir() is not None and len(model_files()) >= 2


def engine():
    """The shared RapidOCR engine (built on first use)."""
    global _engine
    with _lock:
        if _engine is None:
            from rapidocr_onnxruntime import RapidOCR

            _engine = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1, use_cls=False, print_verbose=False)
        return _engine


def _rgb(gray: np.ndarray) -> np.ndarray:
    return np.repeat(gray[:, :, None], 3, axis=2)


def recognise(crops: list[np.ndarray], deadline: float) -> list[tuple[str, float]]:
    """(text, confidence 0-100) of each single-line crop (grey), in order."""
    ocr = engine()
    out: list[tuple[str, float]] = []
    for start in range(0, len(crops), RECOGNITION_BATCH):
        time_left(deadline)
        batch = [_rgb(c) for c in crops[start : start + RECOGNITION_BATCH]]
        results, _ = ocr.text_rec(batch)
        out.extend((text, float(score) * 100) for text, score in results)
    return out


def page_words(gray: np.ndarray, deadline: float, skip=None) -> list[Word]:
    """The text boxes of a page (ruling lines already erased): detected on a reduced copy,
    recognised from the full-resolution page. `skip(x0, y0, x1, y1)` names boxes not worth
    recognising (value cells, read again one crop each): recognition is most of the time."""
    ocr = engine()
    time_left(deadline)
    img = _rgb(gray)
    raw_h, raw_w = img.shape[:2]
    small, ratio_h, ratio_w = ocr.preprocess(img)
    boxes, _ = ocr.auto_text_det(small)
    if boxes is None:
        return []
    boxes = ocr._get_origin_points(boxes, {"preprocess": {"ratio_h": ratio_h, "ratio_w": ratio_w}}, raw_h, raw_w)
    if skip is not None:
        boxes = [box for box in boxes
                 if not skip(float(box[:, 0].min()), float(box[:, 1].min()), float(box[:, 0].max()), float(box[:, 1].max()))]
        if not boxes:
            return []
    crops = [c[:, :, 0] if c.ndim == 3 else c for c in ocr.get_crop_img_list(img, list(boxes))]
    found: list[Word] = []
    for box, (text, conf) in zip(boxes, recognise(crops, deadline)):
        text = text.strip()
        if not text:
            continue
        xs, ys = box[:, 0], box[:, 1]
        found.append(Word(text=text, conf=conf, x=float(xs.mean()), y=float(ys.mean()),
                          height=float(ys.max() - ys.min()), width=float(xs.max() - xs.min())))
    return found


def _copies(glyph: np.ndarray) -> np.ndarray:
    gap = np.full((glyph.shape[0], int(COPY_GAP * glyph.shape[0])), 255, dtype=np.uint8)
    line = np.concatenate([part for _ in range(COPIES) for part in (glyph, gap)][:-1], axis=1)
    return np.pad(line, CROP_PAD, constant_values=255)


def _one_copy(text: str, conf: float) -> tuple[str, float]:
    """The reading of one copy: the text's equal thirds when they agree; else its first third
    (or the whole text), unsure."""
    compact = text.replace(" ", "").strip(".,，。·、")
    # The copies read alike, perhaps with a speck read as a stop between them ("0.0.0").
    alike = re.fullmatch(r"(.+?)" + r"[.,，。·、]{0,2}\1" * (COPIES - 1), compact)
    if alike:
        return alike.group(1), conf
    if compact and len(compact) % COPIES == 0:
        size = len(compact) // COPIES
        parts = {compact[i * size : (i + 1) * size] for i in range(COPIES)}
        if len(parts) == 1:
            return parts.pop(), conf
        return compact[:size], min(conf, UNSURE)
    return compact, min(conf, UNSURE)


def read_numbers(crops: list[np.ndarray], deadline: float) -> list[list[Word]]:
    """Each value cell's glyphs recognised (as COPIES copies in a row): [] for a cell without ink."""
    cut = [glyphs(crop, CROP_HEIGHT) for crop in crops]
    present = [(i, g) for i, g in enumerate(cut) if g is not None]
    found: list[list[Word]] = [[] for _ in crops]
    for (index, g), (text, conf) in zip(present, recognise([_copies(g) for _, g in present], deadline)):
        text, conf = _one_copy(text.strip(), conf)
        if text:
            found[index] = [Word(text=text, conf=conf, x=g.shape[1] / 2, y=g.shape[0] / 2, height=g.shape[0])]
    return found
