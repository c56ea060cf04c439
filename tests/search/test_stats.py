"""storage.stats: sums, counts, nulls apart from zeros, grouping, filters, top, unknown paths;
over current versions only; SQLite and PostgreSQL."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from storage import Archive
from storage.models import Report, ReportVersion
from storage.stats import StatsError, StatsQuery, field_paths, stats


FIELD = "applications.denied_state_secret.total"


@pytest.fixture
def numbers(archive: Archive, ingest, seed_body, set_agency, set_value) -> Archive:
    # seed years: 0, 1, 4: 2021; 2: 2023; 3: 2019
    plan = [
        ("a", 0, "甲局", "江苏省/淮安市", "department", 3),
        ("b", 1, "乙局", "江苏省/宿迁市", "department", None),  # left blank: null
        ("c", 2, "丙政府", "江苏省/淮安市", "government", 5),
        ("d", 3, "丁政府", "福建省/福州市", "government", 0),
        ("e", 4, "甲局", "江苏省/淮安市", "department", "absent"),  # no such row
    ]
    for key, seed, agency, region, kind, value in plan:
        url = f"https://x.gov.cn/{key}.html"
        ingest(archive, url, seed_body(seed), agency=agency)
        set_agency(archive, agency, region, kind)
        set_value(archive, url, FIELD, value if value != "absent" else None, delete=value == "absent")
    return archive


def test_stats_sum_counts_nulls_apart_from_zeros(numbers: Archive) -> None:
    [row] = stats(numbers, StatsQuery(FIELD)).rows
    assert (row.count, row.nulls, row.absent) == (3, 1, 1)
    assert (row.sum, row.min, row.max) == (8, 0, 5)
    assert row.mean == pytest.approx(8 / 3)


def test_stats_by_agency_largest_sum_first_and_top(numbers: Archive) -> None:
    result = stats(numbers, StatsQuery(FIELD, by="agency"))
    assert [(r.group, r.sum, r.count, r.nulls, r.absent) for r in result.rows] == [
        ("丙政府", 5, 1, 0, 0), ("甲局", 3, 1, 0, 1), ("丁政府", 0, 1, 0, 0), ("乙局", None, 0, 1, 0)]
    assert result.reports == 5
    top = stats(numbers, StatsQuery(FIELD, by="agency", top=2))
    assert [r.group for r in top.rows] == ["丙政府", "甲局"] and top.reports == 5


def test_stats_by_year_in_year_order(numbers: Archive) -> None:
    rows = stats(numbers, StatsQuery(FIELD, by="year")).rows
    assert [(r.group, r.sum, r.count) for r in rows] == [(2019, 0, 1), (2021, 3, 1), (2023, 5, 1)]


def test_stats_filters_region_kind_year_agency(numbers: Archive) -> None:
    [row] = stats(numbers, StatsQuery(FIELD, region="江苏省/淮安市")).rows
    assert (row.sum, row.count, row.absent) == (8, 2, 1)
    by_region = stats(numbers, StatsQuery(FIELD, region="江苏省", by="region")).rows
    assert {r.group: r.sum for r in by_region} == {"江苏省/淮安市": 8, "江苏省/宿迁市": None}
    [row] = stats(numbers, StatsQuery(FIELD, kind="government")).rows
    assert (row.sum, row.count) == (5, 2)
    [row] = stats(numbers, StatsQuery(FIELD, year_from=2021, year_to=2021)).rows
    assert (row.sum, row.count, row.nulls, row.absent) == (3, 1, 1, 1)
    [row] = stats(numbers, StatsQuery(FIELD, agency="甲局")).rows
    assert (row.sum, row.count, row.absent) == (3, 1, 1)


def test_stats_amounts_keep_decimals(numbers: Archive, set_value) -> None:
    set_value(numbers, "https://x.gov.cn/a.html", "active.fees.amount", 36.75)
    set_value(numbers, "https://x.gov.cn/d.html", "active.fees.amount", 1.5)
    [row] = stats(numbers, StatsQuery("active.fees.amount", agency="甲局")).rows
    assert row.max == pytest.approx(36.75)
    rows = {r.group: r.sum for r in stats(numbers, StatsQuery("active.fees.amount", by="agency")).rows}
    assert rows["丁政府"] == pytest.approx(1.5)


def test_stats_keeps_implausible_values_out_of_sums_and_counts_them(numbers: Archive, set_value) -> None:
    set_value(numbers, "https://x.gov.cn/b.html", FIELD, 10**32)  # a garbled text layer's number
    set_value(numbers, "https://x.gov.cn/d.html", FIELD, -2)  # a negative count
    [row] = stats(numbers, StatsQuery(FIELD)).rows
    assert (row.count, row.implausible, row.nulls, row.absent) == (2, 2, 0, 1)
    assert (row.sum, row.min, row.max) == (8, 3, 5)
    by_agency = {r.group: (r.sum, r.implausible) for r in stats(numbers, StatsQuery(FIELD, by="agency")).rows}
    assert by_agency["乙局"] == (None, 1) and by_agency["丁政府"] == (None, 1)
    assert stats(numbers, StatsQuery(FIELD)).reports == 5


def test_stats_fractional_counts_are_implausible_fractional_amounts_are_not(numbers: Archive, set_value) -> None:
    set_value(numbers, "https://x.gov.cn/a.html", FIELD, 2.5)
    [row] = stats(numbers, StatsQuery(FIELD, agency="甲局")).rows
    assert (row.count, row.implausible, row.sum) == (0, 1, None)
    set_value(numbers, "https://x.gov.cn/a.html", "active.fees.amount", 36.75)
    set_value(numbers, "https://x.gov.cn/d.html", "active.fees.amount", 2e9)  # 2×10^9 万元: no agency's
    [row] = stats(numbers, StatsQuery("active.fees.amount", agency="甲局")).rows
    assert row.implausible == 0 and row.sum == pytest.approx(36.75)
    [row] = stats(numbers, StatsQuery("active.fees.amount", agency="丁政府")).rows
    assert (row.count, row.implausible, row.sum) == (0, 1, None)


def test_stats_count_only_current_versions(numbers: Archive, set_value, ingest, seed_body) -> None:
    ingest(numbers, "https://x.gov.cn/c.html", seed_body(2, "修订版。"), day=9, agency="丙政府")
    set_value(numbers, "https://x.gov.cn/c.html", FIELD, 5)  # every version of c says 5 ...
    with numbers.session() as session, session.begin():  # ... except the new one, which says 40
        newest = session.scalars(select(ReportVersion).order_by(ReportVersion.id.desc())).first()
        record = copy.deepcopy(newest.record)
        record["applications"]["denied_state_secret"]["total"] = 40
        newest.record = record
        flag_modified(newest, "record")
    rows = {r.group: r.sum for r in stats(numbers, StatsQuery(FIELD, by="agency")).rows}
    assert rows["丙政府"] == 40


@pytest.mark.parametrize("path, suggestion", [
    ("applications.denied_secret.total", "applications.denied_state_secret.total"),
    ("review_litigation.review.corected", "review_litigation.review.corrected"),
])
def test_stats_unknown_path_lists_close_matches(archive: Archive, path: str, suggestion: str) -> None:
    with pytest.raises(StatsError, match=r"not a number field") as error:
        stats(archive, StatsQuery(path))
    assert suggestion in str(error.value)


def test_stats_bad_grouping_and_top(archive: Archive) -> None:
    with pytest.raises(StatsError, match="group by"):
        stats(archive, StatsQuery(FIELD, by="province"))
    with pytest.raises(StatsError, match="top"):
        stats(archive, StatsQuery(FIELD, top=0))


def test_field_paths_cover_both_formats() -> None:
    paths = field_paths()
    assert "active.fees.amount" in paths and "active.procurement.amount" in paths  # 2021 and 2019
    assert "applications.other_unpaid_fee.total" in paths and "applications.other.total" in paths
    assert "review_litigation.litigation_after_review.total" in paths


def test_stats_takes_the_forms_label_for_a_field(numbers: Archive) -> None:
    by_path = stats(numbers, StatsQuery(FIELD))
    by_label = stats(numbers, StatsQuery("（三）不予公开 1.属于国家秘密 · 总计"))
    by_words = stats(numbers, StatsQuery("国家秘密 总计"))
    assert by_label.query.field == by_words.query.field == FIELD
    assert by_label.rows == by_words.rows == by_path.rows


def test_stats_ambiguous_label_lists_its_candidates(archive: Archive) -> None:
    with pytest.raises(StatsError, match="names 7 fields") as error:
        stats(archive, StatsQuery("国家秘密"))
    assert "applications.denied_state_secret.natural_person" in str(error.value)
    assert "applications.denied_state_secret.total" in str(error.value)
    with pytest.raises(StatsError, match="names 3 fields") as error:
        stats(archive, StatsQuery("active.fees"))
    assert "active.fees.amount" in str(error.value)


def test_stats_several_agencies_are_all_counted(numbers: Archive) -> None:
    [both] = stats(numbers, StatsQuery(FIELD, agency=("甲局", "丙政府"))).rows
    [one] = stats(numbers, StatsQuery(FIELD, agency="甲局")).rows
    [other] = stats(numbers, StatsQuery(FIELD, agency=("丙政府",))).rows
    assert both.sum == one.sum + other.sum == 3 + 5
    assert both.absent == one.absent == 1


def test_stats_format_filter_keeps_that_forms_reports(numbers: Archive) -> None:
    [old] = stats(numbers, StatsQuery(FIELD, format="2019")).rows
    assert (old.count, old.sum) == (1, 0)  # 丁政府, seed 3: the 2019 form
    assert stats(numbers, StatsQuery(FIELD, format="2021")).reports == 4
    with pytest.raises(StatsError, match="format"):
        stats(numbers, StatsQuery(FIELD, format="2020"))


def test_stats_check_filter_splits_failed_from_clean(numbers: Archive) -> None:
    with numbers.session() as session, session.begin():
        for version in session.scalars(select(ReportVersion).join(Report).where(Report.url == "https://x.gov.cn/c.html")):
            version.checks_failed = 2
    [failed] = stats(numbers, StatsQuery(FIELD, check_failed=True)).rows
    assert (failed.count, failed.sum) == (1, 5)
    clean = stats(numbers, StatsQuery(FIELD, check_failed=False))
    assert clean.reports + 1 == stats(numbers, StatsQuery(FIELD)).reports
