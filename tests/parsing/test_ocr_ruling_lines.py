"""A scanned table's ruling lines (parsing.ocr_grid.table_grid): drawn pages, no engine.

A thin rule scanned at 150 dpi and blurred is grey, lighter than the print threshold DARK along
most of its length; the rows it separates must not merge (dev scan real hongze_district_2024 at
150 dpi, blur 0.7: 9 of 25 lines lost, 104 of 207 cells read). A line of text, however dark and
blurred, is not a ruling line.
"""

from __future__ import annotations

import numpy as np

from parsing.ocr_grid import DARK, LINE_DARK, table_grid

WIDTH, HEIGHT = 2400, 1400
LEFT, RIGHT = 300, 2100
ROWS = [200, 300, 400, 500, 600, 700]  # y of each horizontal rule
COLUMNS = [LEFT, 1000, 1400, 1800, RIGHT]


def page(level: int, thickness: int = 3) -> np.ndarray:
    """A ruled table of 5 rows and 4 columns drawn at `level` (0 black, 255 paper)."""
    image = np.full((HEIGHT, WIDTH), 255, dtype=np.uint8)
    for y in ROWS:
        image[y : y + thickness, LEFT : RIGHT + thickness] = level
    for x in COLUMNS:
        image[ROWS[0] : ROWS[-1] + thickness, x : x + thickness] = level
    return image


def test_black_rules_give_every_band_and_cell() -> None:
    tables, bands, _ = table_grid(page(40))
    assert len(tables) == 1 and len(tables[0]) == len(ROWS)
    assert [len(band) for band in bands] == [len(COLUMNS) - 1] * (len(ROWS) - 1)


def test_grey_rules_lighter_than_the_print_threshold_are_still_lines() -> None:
    level = DARK + 25  # a thin rule blurred at 150 dpi: ~170-190 in the red channel
    assert DARK < level < LINE_DARK
    tables, bands, cleaned = table_grid(page(level))
    assert len(tables) == 1 and len(tables[0]) == len(ROWS)
    assert [len(band) for band in bands] == [len(COLUMNS) - 1] * (len(ROWS) - 1)
    # and erased from the page the cells are read from
    assert (cleaned[ROWS[2] : ROWS[2] + 3, LEFT + 10 : RIGHT - 10] == 255).all()


def test_a_blurred_band_of_text_is_not_a_ruling_line() -> None:
    image = page(40)
    # A dark band as tall as a line of text, right across the page below the table: a line of
    # glyphs blurred into one another.
    image[1000:1040, LEFT:RIGHT] = 120
    tables, bands, _ = table_grid(image)
    assert len(tables) == 1 and [y for y, _, _ in tables[0]] == [y + 1 for y in ROWS]
    assert len(bands) == len(ROWS) - 1


def test_paper_grey_is_not_a_line() -> None:
    tables, bands, _ = table_grid(page(LINE_DARK + 20))
    assert tables == [] and bands == []


def test_a_tall_blurred_digit_one_in_a_short_row_is_not_a_rule() -> None:
    image = page(40)
    # In the row between the rules at 300 and 400: a "1" as a 6 px bar 62 px tall, centred, grey
    # as a blurred stroke; it fills the row's middle two thirds but never reaches its rules.
    image[319:381, 1200:1206] = DARK + 20
    _, bands, _ = table_grid(image)
    assert [len(band) for band in bands] == [len(COLUMNS) - 1] * (len(ROWS) - 1)
