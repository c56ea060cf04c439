"""A value cell's glyph box (parsing.ocr_words.glyphs, ink_pixels): what the engines are given
to read. Drawn cells, no engine: faint strokes and faint glyphs are kept, far specks are not,
and a faint 0 is ink, never a blank."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from parsing.ocr_grid import DARK
from parsing.ocr_words import FAINT, glyphs, ink_pixels

W, H = 400, 60


def cell() -> np.ndarray:
    return np.full((H, W), 255, dtype=np.uint8)


def bar(image: np.ndarray, x0: int, x1: int, y0: int, y1: int, level: int) -> None:
    image[y0:y1, x0:x1] = level


def digit_like(image: np.ndarray, x: int, level_sides: int, level_arcs: int) -> None:
    """A 0 as two sides and two arcs (12 px wide, 30 px tall from y=15)."""
    bar(image, x, x + 3, 15, 45, level_sides)
    bar(image, x + 9, x + 12, 15, 45, level_sides)
    bar(image, x + 3, x + 9, 15, 18, level_arcs)
    bar(image, x + 3, x + 9, 42, 45, level_arcs)


def box_of(image: np.ndarray) -> tuple[int, int]:
    """The glyph crop's (height, width) at its own scale."""
    found = glyphs(image)
    assert found is not None
    return found.shape


def test_a_zero_whose_arcs_are_fainter_than_dark_keeps_its_arcs() -> None:
    image = cell()
    digit_like(image, 200, level_sides=90, level_arcs=DARK + 20)
    assert DARK + 20 < FAINT
    assert box_of(image) == (30, 12)


def test_a_whole_faint_digit_beside_dark_ones_is_in_the_box() -> None:
    image = cell()
    digit_like(image, 200, 90, 90)
    digit_like(image, 216, 90, 90)
    digit_like(image, 232, DARK + 25, DARK + 25)  # the last digit printed light
    assert box_of(image) == (30, 44)


def test_a_speck_a_cell_away_does_not_stretch_the_box() -> None:
    image = cell()
    digit_like(image, 100, 90, 90)
    bar(image, 360, 362, 30, 32, 40)  # a dark 2x2 speck far right
    assert box_of(image) == (30, 12)


def test_a_minus_sign_beside_the_digits_stays_in_the_box() -> None:
    image = cell()
    bar(image, 180, 190, 29, 32, 60)  # a minus, short and dark
    digit_like(image, 196, 90, 90)
    assert box_of(image) == (30, 28)


def test_a_faint_zero_is_ink_and_is_read_not_taken_for_a_blank() -> None:
    image = cell()
    digit_like(image, 200, DARK + 15, DARK + 25)  # no pixel darker than DARK
    assert int((image < DARK).sum()) == 0
    assert ink_pixels(image) > 25
    assert glyphs(image) is not None


def test_grain_alone_is_no_ink() -> None:
    rng = np.random.default_rng(7)
    image = cell()
    ys, xs = rng.integers(0, H, 60), rng.integers(0, W, 60)
    image[ys, xs] = DARK + 20  # scattered faint grain
    assert glyphs(image) is None
    assert ink_pixels(image) <= 25


def test_a_real_font_zero_blurred_light_is_found_whole() -> None:
    font = ImageFont.load_default(size=40)
    canvas = Image.new("L", (W, H), 255)
    ImageDraw.Draw(canvas).text((180, 5), "0", fill=175, font=font)  # lighter than DARK throughout
    image = np.asarray(canvas).copy()
    found = glyphs(image)
    assert found is not None
    ys = np.flatnonzero((image < FAINT).any(axis=1))
    assert found.shape[0] == ys[-1] - ys[0] + 1


def test_a_light_zero_with_a_few_dark_pixels_counts_its_faint_ink() -> None:
    image = cell()
    digit_like(image, 200, DARK + 15, DARK + 25)
    image[28:31, 200:203] = DARK - 30  # nine dark pixels: fewer than a cell's least ink
    assert 4 <= int((image < DARK).sum()) <= 25
    assert ink_pixels(image) > 25
    assert glyphs(image).shape == (30, 12)
