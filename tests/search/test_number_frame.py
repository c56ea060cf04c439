"""storage.number_frame: the numbers summed from arrays kept in memory are the SQL's, row for row,
over every grouping and filter and every kind of cell (numbers, blanks, absent cells, implausible
and fractional values, text, non-current versions); SQLite and PostgreSQL."""

from __future__ import annotations

import itertools

import pytest

from storage import Archive
from storage.number_frame import Frame, read_entries
from storage.rates import RATES, rate_stats
from storage.stats import StatsQuery, cell_sums, stats

COUNT = "applications.denied_state_secret.total"
AMOUNT = "active.fees.amount"
OLD_FORM = "applications.other.natural_person"  # a 2019-format cell (one 其他处理 row): absent from 2021 reports


@pytest.fixture
def mixed(archive: Archive, ingest, seed_body, set_agency, set_value) -> Archive:
    # seed years: 0, 1, 4: 2021; 2: 2023; 3: 2019
    plan = [  # key, seed, agency, region, kind, count cell, amount cell
        ("a", 0, "甲局", "江苏省/淮安市", "department", 3, 36.75),
        ("b", 1, "乙局", "江苏省/宿迁市", "department", None, 0.1),
        ("c", 2, "丙政府", "江苏省/淮安市", "government", 5, 0.2),
        ("d", 3, "丁政府", "福建省/福州市", "government", 0, 2e9),  # no agency collects 2×10^9 万元
        ("e", 4, "甲局", "江苏省/淮安市", "department", "absent", 12),
        ("f", 0, "戊局", "江苏省/淮安市/清江浦区", "department", 10**32, 0.3),  # a garbled text layer
        ("g", 1, "己局", "江苏省", "department", -2, None),
        ("h", 2, "庚局", None, None, 2.5, "absent"),  # a fractional count; an agency with no region
        ("i", 4, "辛局", "福建省/福州市", "department", "三", 7),  # text where a number should be
        ("j", 3, "壬局", "江苏省/宿迁市", "government", 4.0, 1.25),  # a count stored as a real
    ]
    for key, seed, agency, region, kind, count, amount in plan:
        url = f"https://x.gov.cn/{key}.html"
        ingest(archive, url, seed_body(seed), agency=agency)
        set_agency(archive, agency, region, kind)
        for path, value in ((COUNT, count), (AMOUNT, amount)):
            set_value(archive, url, path, None if value == "absent" else value, delete=value == "absent")
    ingest(archive, "https://x.gov.cn/c.html", seed_body(2, "修订版。"), day=9, agency="丙政府")  # a new version
    set_value(archive, "https://x.gov.cn/a.html", "applications.total_processed.total", 40)
    return archive


def _close(left, right) -> bool:
    if isinstance(left, float) or isinstance(right, float):
        return left is not None and right is not None and left == pytest.approx(right, rel=1e-12, abs=1e-12)
    return left == right


def _same(got: tuple, want: tuple) -> bool:
    return len(got) == len(want) and all(_close(g, w) for g, w in zip(got, want))


FILTERS = [
    {}, {"year_from": 2021, "year_to": 2021}, {"year_from": 2023}, {"year_to": 2020}, {"region": "江苏省"},
    {"region": "江苏省/淮安市/"}, {"region": "江苏"}, {"kind": "government"}, {"agency": ("甲局", "丁政府")},
    {"agency": "无此局"}, {"format": "2021"}, {"format": "2019"}, {"check_failed": True}, {"check_failed": False},
    {"region": "福建省", "kind": "department", "year_from": 2021},
]


def test_stats_from_the_frame_equal_the_sql_for_every_grouping_and_filter(mixed: Archive) -> None:
    frame = Frame.of(mixed)
    compared = 0
    for path, by, filters in itertools.product((COUNT, AMOUNT, OLD_FORM), (None, "agency", "region", "year"), FILTERS):
        query = StatsQuery(path, by=by, **filters)
        sql, kept = stats(mixed, query), stats(mixed, query, frame)
        assert kept.reports == sql.reports, query
        assert len(kept.rows) == len(sql.rows), query
        for got, want in zip(kept.rows, sql.rows):
            assert _same(tuple(vars(got).values()), tuple(vars(want).values())), (query, got, want)
            assert type(got.sum) is type(want.sum), (query, got, want)  # an integer stays one
        compared += len(sql.rows)
    assert compared > 300  # the filters leave rows to compare
    top = stats(mixed, StatsQuery(COUNT, by="agency", top=2), frame)
    assert [row.group for row in top.rows] == [row.group for row in stats(mixed, StatsQuery(COUNT, by="agency", top=2)).rows]


def test_the_frame_sees_every_kind_of_cell(mixed: Archive) -> None:
    """The fixture is what the comparison relies on: each kind of cell is there."""
    [row] = stats(mixed, StatsQuery(COUNT), Frame.of(mixed)).rows
    # numbers: a's 3, d's 0, j's 4.0 and c's newest version (its own parse of seed 2: 0); implausible:
    # 10**32, -2, 2.5; blank: b; absent: e; text (i) counts nowhere
    assert (row.count, row.nulls, row.absent, row.implausible) == (4, 1, 1, 3)
    assert row.sum == 7 and type(row.sum) is (float if mixed.engine.dialect.name == "sqlite" else int)  # 4.0 is a real
    [amounts] = stats(mixed, StatsQuery(AMOUNT), Frame.of(mixed)).rows
    assert not float(amounts.sum).is_integer()  # fractions (0.1, 0.2, 0.3 ...) summed
    assert amounts.implausible == 1 and amounts.nulls == 1 and amounts.absent == 1


@pytest.mark.parametrize("name", sorted(RATES))
def test_rates_and_cell_sums_from_the_frame_equal_the_sql(mixed: Archive, name: str) -> None:
    frame = Frame.of(mixed)
    for by, filters in itertools.product((None, "agency", "region", "year"), FILTERS):
        query = StatsQuery("", by=by, **filters)
        assert rate_stats(mixed, name, query, frame) == rate_stats(mixed, name, query), query
        sql_rows, sql_reports = cell_sums(mixed, query, RATES[name].paths)
        rows, reports = cell_sums(mixed, query, RATES[name].paths, frame)
        assert reports == sql_reports
        assert sorted(rows, key=lambda row: str(row.group)) == sorted(sql_rows, key=lambda row: str(row.group)), query


def test_entries_are_the_current_versions_only(mixed: Archive) -> None:
    entries = read_entries(mixed)
    assert len(entries) == 10  # ten reports; c's first version is no longer current
    assert list(entries.version_ids) == sorted(entries.version_ids)
    assert None not in entries.region.values and "江苏省/淮安市" in entries.region.values
