"""A scanned page's geometry: its skew (straightened before anything is read), the ruling lines
of its tables, and the cells those lines enclose.

Everything here works on the page's red channel with its light evened out (`even_light`): an
official seal is red, so it turns white while black print stays dark, and a page lit unevenly
(a phone photo, a scanner lid left open) gets one paper white, so one threshold (DARK) holds.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

DARK = 150  # red-channel threshold: print is darker, paper and seal ink are lighter
# Ruling lines are looked for among pixels darker than this: a thin rule scanned at 150 dpi and
# blurred is grey (170-190), lighter than DARK along most of its length, and a table found with
# a third of its lines merged its rows (dev: real hongze_district_2024 at 150 dpi, blur 0.7: 9 of
# 25 lines missed at DARK, none at 170-200). Text never makes a run a tenth of the page long at
# this level; a run thicker than MAX_LINE_THICKNESS (a blurred line of text) is not a line.
LINE_DARK = 190
MAX_LINE_THICKNESS = 24  # px at the OCR's 300 dpi: a rule, thickened ±2 and blurred, is under 16
# Lighter than this, once the light is evened out, is paper or seal ink (~225 in the red
# channel): set to white, so the seal's strokes do not reach the recognisers as faint glyphs.
PAPER = 200
MAX_SKEW = 2.5  # degrees searched either way; scanners and phones turn pages by up to ~2
SKEW_STEP = 0.1  # degrees: the coarse search; then refined to a tenth of that

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels


PAPER_WINDOW = 8  # the paper's light is estimated on a copy this many times smaller


def even_light(red: np.ndarray) -> np.ndarray:
    """The red channel divided by the paper's own light (its local brightest, smoothed), so
    paper reads ~255 everywhere and ink keeps its contrast."""
    image = Image.fromarray(red)
    small = image.resize((max(image.width // PAPER_WINDOW, 1), max(image.height // PAPER_WINDOW, 1)),
                         Image.Resampling.BOX)
    paper = small.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.GaussianBlur(3))
    light = np.asarray(paper.resize(image.size, Image.Resampling.BILINEAR), dtype=np.float32)
    return np.clip(red.astype(np.float32) * 255.0 / np.maximum(light, 1.0), 0, 255).astype(np.uint8)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each run of True in a 1-D mask."""
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(edges[::2], edges[1::2]))


def _centres(mask: np.ndarray) -> list[int]:
    return [(a + b) // 2 for a, b in _runs(mask)]


def _profile_sharpness(small: Image.Image, angle: float) -> float:
    """How sharp the row profile of the page is when turned by `angle`: text lines and ruling
    lines make tall peaks when they lie level."""
    turned = np.asarray(small.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=0), dtype=np.float32)
    profile = turned.sum(axis=1)
    return float(np.square(np.diff(profile)).sum())


def skew_angle(dark: np.ndarray) -> float:
    """The angle (degrees, PIL's sense) that levels the page, by row-profile sharpness: a
    coarse search over ±MAX_SKEW on an eighth-size copy, then a finer one on a quarter-size
    copy around the best."""
    mask = Image.fromarray((dark * 255).astype(np.uint8))
    small = mask.resize((max(mask.width // 8, 1), max(mask.height // 8, 1)), Image.Resampling.BOX)
    coarse = np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, SKEW_STEP)
    best = max(coarse, key=lambda a: _profile_sharpness(small, float(a)))
    half = mask.resize((max(mask.width // 4, 1), max(mask.height // 4, 1)), Image.Resampling.BOX)
    fine = np.arange(best - SKEW_STEP, best + SKEW_STEP + 1e-9, SKEW_STEP / 5)
    return float(max(fine, key=lambda a: _profile_sharpness(half, float(a))))


def level_page(image: Image.Image) -> np.ndarray:
    """The page's red channel, light evened out and turned level (white where the turn uncovers
    the edges; a page level within a twentieth of a degree is not turned)."""
    gray = even_light(np.asarray(image.convert("RGB"))[:, :, 0])
    gray[gray > PAPER] = 255
    angle = skew_angle(gray < DARK)
    if abs(angle) < 0.05:
        return gray
    return np.asarray(Image.fromarray(gray).rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255))


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
        if b - a > MAX_LINE_THICKNESS:
            continue
        y = (a + b) // 2
        cols = long_run[a:b].any(axis=0)
        xs = np.flatnonzero(cols)
        lines.append((y, int(xs.min()), int(xs.max() + window)))
    return lines


def tables(lines: list[tuple[int, int, int]], height: int) -> list[list[tuple[int, int, int]]]:
    """Group horizontal lines into tables: a gap taller than a tenth of the page ends a table."""
    groups: list[list[tuple[int, int, int]]] = []
    for line in lines:
        if groups and line[0] - groups[-1][-1][0] < height // 10:
            groups[-1].append(line)
        else:
            groups.append([line])
    return [g for g in groups if len(g) >= 2]


RULE_ROW = 0.5  # a pixel row of a band dark across this share of the table's width is a ruling line's
VERTICAL = 0.85  # a vertical rule is dark over this share of its band's height


def band_columns(dark: np.ndarray, y0: int, y1: int, x0: int, x1: int) -> list[int]:
    """x of each vertical rule crossing the band between the horizontal lines at y0 and y1: dark
    over VERTICAL of the band's whole height, the rows of the horizontal rules left out. The
    whole height, not its middle: a digit 1 blurred at 150 dpi covered 85% of a short row's middle
    two thirds and was taken for a rule (dev scan real hongze_district_2024, 150 dpi: a cell
    split, its row's values shifted); it never reaches the rules above and below its cell."""
    band = dark[y0 : y1 + 1, x0 : x1 + 1]
    band = band[band.mean(axis=1) < RULE_ROW]
    if band.shape[0] < 3:
        return []
    vertical = band.mean(axis=0) >= VERTICAL
    return [x0 + x for x in _centres(vertical)]


TRACK_STEP = 120  # px: a ruling line's height is measured on stretches this wide
TRACK_REACH = 14  # px above and below its mean height searched for it


def line_track(dark: np.ndarray, y: int, x0: int, x1: int):
    """A ruling line's height along its length, as a function of x: fitted to its darkest row
    on each stretch. A page levelled by rotation keeps the slant a slight perspective gives (the
    sheet not flat on the scanner): one height for the whole line left the right end of a row's
    cells cut through their digits (dev scan seed/002@ARPL-UMing, hard scan seed 14: 0 read U,
    N or 1 in the right-hand columns)."""
    xs: list[float] = []
    ys: list[int] = []
    lo, hi = max(y - TRACK_REACH, 0), min(y + TRACK_REACH + 1, dark.shape[0])
    for a in range(x0, x1, TRACK_STEP):
        b = min(a + TRACK_STEP, x1)
        if b - a < TRACK_STEP // 3:
            continue
        counts = dark[lo:hi, a:b].sum(axis=1)
        if counts.max() >= 0.6 * (b - a):
            xs.append((a + b) / 2)
            ys.append(lo + int(np.argmax(counts)))
    if len(xs) < 3:
        return lambda x: y
    slope, offset = np.polyfit(xs, ys, 1)
    return lambda x: int(round(slope * x + offset))


def table_grid(gray: np.ndarray) -> tuple[list[list[tuple[int, int, int]]], list[list[Box]], np.ndarray]:
    """The page's ruled tables (their horizontal lines), its bands of cells (one list of cell
    boxes per band, left to right, each cell's top and bottom where its lines run above and
    below it) and the page with the ruling lines erased."""
    dark = gray < LINE_DARK
    found = tables(horizontal_lines(dark), dark.shape[0])
    cleaned = gray.copy()
    bands: list[list[Box]] = []
    for table in found:
        x_start = min(x0 for _, x0, _ in table)
        x_end = max(x1 for _, _, x1 in table)
        tracks = [line_track(dark, y, x0, x1) for y, x0, x1 in table]
        for (ya, _, _), (yb, _, _), top, bottom in zip(table, table[1:], tracks, tracks[1:]):
            columns = band_columns(dark, ya, yb, x_start, x_end)
            if len(columns) < 2:
                continue
            bands.append([(xa, top((xa + xb) / 2), xb, bottom((xa + xb) / 2)) for xa, xb in zip(columns, columns[1:])])
            for x in columns:
                cleaned[ya:yb, max(x - 3, 0) : x + 4] = 255
        for (y, x0, x1), track in zip(table, tracks):
            for a in range(x0, x1, TRACK_STEP // 4):
                b = min(a + TRACK_STEP // 4, x1)
                at = track((a + b) / 2)
                cleaned[max(at - 4, 0) : at + 5, a:b] = 255
    return found, bands, cleaned
