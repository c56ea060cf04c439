"""A value cell a scan shows blank is null, and said when its row holds numbers: a light digit
can leave no ink at all (parsing.ocr.SCANNED_BLANK_CELL, parsing.tables.SCANNED_BLANK)."""

from __future__ import annotations

from parsing.ocr import SCANNED_BLANK_CELL
from parsing.rows import Cell, Row
from parsing.tables import SCANNED_BLANK, detect_format, read_tables


def row(label: str, *values: Cell | str) -> Row:
    return Row((Cell.of(label), *(v if isinstance(v, Cell) else Cell.of(v) for v in values)))


HEADING = Row((Cell.of("三、收到和处理政府信息公开申请情况"),))


def reading(rows: list[Row]):
    rows = [HEADING, *rows]
    fmt, _ = detect_format(rows, 2023)
    return read_tables(rows, fmt)


def test_a_scanned_blank_beside_numbers_is_null_and_named() -> None:
    rows = [row("（一）予以公开", "5", SCANNED_BLANK_CELL, "0", "0", "0", "0", "5")]
    got = reading(rows)
    assert got.applications["granted"]["enterprise"] is None
    named = [w for w in got.warnings if SCANNED_BLANK in w]
    assert named == [f"applications.granted: {SCANNED_BLANK} (enterprise); a light digit may be lost there,"
                     " compare with the scan"]


def test_a_blank_from_text_is_null_without_a_word() -> None:
    rows = [row("（一）予以公开", "5", "", "0", "0", "0", "0", "5")]
    got = reading(rows)
    assert got.applications["granted"]["enterprise"] is None
    assert not [w for w in got.warnings if SCANNED_BLANK in w]


def test_a_row_the_scan_shows_all_blank_is_left_alone() -> None:
    rows = [row("（一）予以公开", *[SCANNED_BLANK_CELL] * 7), row("（二）部分公开", "1", "0", "0", "0", "0", "0", "1")]
    got = reading(rows)
    assert not [w for w in got.warnings if SCANNED_BLANK in w]
