"""The round-trip oracle (nianbao/devportal/record_match.py): a parsed record that holds its
rendered tables matches; any other cell or field is named, with both values."""

from __future__ import annotations

from dataclasses import replace

import pytest

from nianbao.devportal.documents import sample_tables
from nianbao.devportal.record_match import assert_record_matches, record_mismatches
from nianbao.devportal.render import SHAPES
from parsing import parse_text


def test_record_parsed_from_the_rendered_tables_matches() -> None:
    tables = sample_tables("2021", seed=4)
    record = parse_text(next(iter(SHAPES.values()))(tables))
    assert record_mismatches(record, tables) == []
    assert_record_matches(record, tables, "first shape")


def test_one_changed_cell_is_named_with_both_values() -> None:
    tables = sample_tables("2021", seed=4)
    applications = {row: dict(cells) for row, cells in tables.applications.items()}
    was = applications["granted"]["total"]
    applications["granted"]["total"] = (was or 0) + 1
    changed = replace(tables, applications=applications)
    assert record_mismatches(tables, changed) == [
        f"applications.granted.total: parsed {was!r}, rendered {(was or 0) + 1!r}"
    ]
    with pytest.raises(AssertionError, match=r"^page 3: .*applications\.granted\.total"):
        assert_record_matches(tables, changed, "page 3")


def test_a_missing_table_and_another_year_are_named() -> None:
    tables = sample_tables("2019", seed=2)
    record = replace(tables, year=tables.year + 1, review_litigation=None)
    assert record_mismatches(record, tables) == [
        f"year: parsed {tables.year + 1}, rendered {tables.year}",
        f"review_litigation: parsed None, rendered {tables.review_litigation!r}",
    ]
