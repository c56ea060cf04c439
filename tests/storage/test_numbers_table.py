"""storage.numbers_table: each version's number cells read out of its record once, at ingest, and
storage.stats answering from them exactly as it answered from the records' JSON."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import text

from parsing.fields import field_paths
from storage import Archive, CaptureIn, numbers_table
from storage.search_index import rebuild
from storage.stats import StatsQuery, stats

UTC = dt.timezone.utc


def test_numbers_table_cells_say_number_blank_other_or_nothing() -> None:
    record = {"applications": {"denied_state_secret": {"total": 3, "natural_person": None,
                                                       "enterprise": "—", "social_org": True,
                                                       "research": 10**32}},
              "active": {"fees": {"amount": 36.75}}}
    found = {path: (kind, value) for path, kind, value in numbers_table.cells(record)}
    assert found["applications.denied_state_secret.total"] == (numbers_table.NUMBER, 3)
    assert found["applications.denied_state_secret.natural_person"] == (numbers_table.NULL, None)
    assert found["applications.denied_state_secret.enterprise"] == (numbers_table.OTHER, None)
    assert found["applications.denied_state_secret.social_org"] == (numbers_table.OTHER, None)  # JSON true
    assert found["applications.denied_state_secret.research"] == (numbers_table.NUMBER, 1e32)  # beyond 64 bits
    assert found["active.fees.amount"] == (numbers_table.NUMBER, 36.75)
    assert "applications.total_processed.total" not in found  # absent: no row
    assert set(found) <= set(field_paths())


@pytest.fixture
def filled(archive: Archive, paths) -> Archive:
    for index, seed in enumerate(paths.seed_reports()[:6]):
        archive.ingest(CaptureIn(f"https://x.gov.cn/{index}.html", seed.read_bytes(),
                                 dt.datetime(2024, 3, 1 + index, 12, tzinfo=UTC), content_type="text/plain",
                                 agency=f"机关{index % 3}"))
    return archive


def _json_reading(archive: Archive, path: str) -> tuple[int, int, int, object]:
    """(numbers, blanks, absent, sum of the numbers) over current versions, read from the JSON."""
    json_path = "$." + ".".join(f'"{part}"' for part in path.split("."))
    with archive.engine.connect() as connection:
        row = connection.execute(text(
            "SELECT sum(CASE WHEN json_type(v.record, :p) IN ('integer', 'real') THEN 1 ELSE 0 END),"
            " sum(CASE WHEN json_type(v.record, :p) = 'null' THEN 1 ELSE 0 END),"
            " sum(CASE WHEN json_type(v.record, :p) IS NULL THEN 1 ELSE 0 END),"
            " sum(CASE WHEN json_type(v.record, :p) IN ('integer', 'real') THEN json_extract(v.record, :p) END)"
            " FROM search_entries e JOIN report_versions v ON v.id = e.version_id WHERE e.is_current"),
            {"p": json_path}).one()
    return tuple(row)


@pytest.mark.parametrize("backend", ["sqlite"])  # the reference reads the JSON with SQLite's JSON1
def test_stats_from_the_numbers_table_equal_the_records_json_for_every_field(filled: Archive) -> None:
    compared = 0
    for path in field_paths():
        [row] = stats(filled, StatsQuery(path)).rows
        numbers, blanks, absent, total = _json_reading(filled, path)
        assert (row.count + row.implausible, row.nulls, row.absent) == (numbers, blanks, absent), path
        if row.implausible == 0:
            assert row.sum == total, path
            compared += numbers
    assert compared > 100  # the seeds hold numbers in many cells: the comparison was not vacuous


def test_numbers_table_is_filled_again_by_rebuild(filled: Archive) -> None:
    query = StatsQuery("applications.total_processed.total", by="agency")
    before = stats(filled, query)
    with filled.engine.begin() as connection:  # versions written past the session (bench/web.py's bulk insert)
        connection.execute(text("DELETE FROM search_numbers"))
        connection.execute(text("DELETE FROM search_numbered"))
    emptied = stats(filled, query)
    assert all(row.count == 0 for row in emptied.rows)
    with filled.engine.begin() as connection:
        rebuild(connection)
    assert stats(filled, query) == before
    assert any(row.count for row in before.rows)


@pytest.mark.parametrize("by", [None, "agency", "region", "year"])
def test_cell_sums_count_and_sum_each_cell_as_stats_does(filled: Archive, by) -> None:
    from storage.rates import RATES
    from storage.stats import cell_sums

    paths = RATES["refused"].paths + ("active.fees.amount", "applications.new_received.total")
    for query in (StatsQuery("", by=by), StatsQuery("", by=by, year_from=2021, year_to=2023),
                  StatsQuery("", by=by, agency=("机关0", "机关2")), StatsQuery("", by=by, check_failed=False)):
        groups, reports = cell_sums(filled, query, paths)
        assert groups
        for i, path in enumerate(paths):
            single = stats(filled, replace(query, field=path))
            assert reports == single.reports
            expected = {row.group: (row.count + row.implausible + row.nulls + row.absent, row.count, row.sum)
                        for row in single.rows}
            assert {row.group: (row.reports, row.counts[i], row.sums[i]) for row in groups} == expected, path
