"""A row's value cells fitted to the form's columns (parsing.tables._normalize_values): what is
dropped to fit is said whenever the result could stand in the wrong columns."""

from __future__ import annotations

from parsing.cells import parse_cell
from parsing.tables import _normalize_values


def cells(*texts: str):
    return [parse_cell(t) for t in texts]


def numbers(fitted) -> list[object]:
    return [None if c.kind == "blank" else int(c.number) for c in fitted]


def test_trailing_padding_cells_are_dropped_quietly() -> None:
    fitted, problem = _normalize_values(cells("1", "0", "0", "0", "0", "0", "1", "", ""), 7)
    assert numbers(fitted) == [1, 0, 0, 0, 0, 0, 1] and problem is None


def test_blanks_kept_after_dropping_blanks_to_fit_are_said() -> None:
    # A scanned row whose 1s were taken for rules: two cells split, the 1s erased.
    fitted, problem = _normalize_values(cells("", "", "0", "0", "0", "0", "0", "", ""), 7)
    assert len(fitted) == 7
    assert problem is not None and "9 value cells for 7 columns" in problem and "wrong columns" in problem


def test_a_row_of_blanks_is_blank_without_a_word() -> None:
    fitted, problem = _normalize_values(cells("", "", ""), 7)
    assert numbers(fitted) == [None] * 7 and problem is None


def test_too_many_numbers_keep_the_last_and_say_so() -> None:
    fitted, problem = _normalize_values(cells("9", "1", "0", "0", "0", "0", "0", "1"), 7)
    assert numbers(fitted) == [1, 0, 0, 0, 0, 0, 1] and "first 1 ignored" in problem
