"""Statuses: on time, late, missing, unreachable, not due — at the boundary days of both
deadlines, and never "missing" for an agency the crawler could not see. The rules over
hand-built archive values (the `held` scene), no database."""

from __future__ import annotations

import datetime as dt

import pytest

from storage.clock import CHINA
from storage.vocab import AgencyKind

D = dt.date.fromisoformat


def status_of(scene, year: int, as_of: str) -> dict[str, dict]:
    return {row.agency: row.to_dict() for row in scene.evaluate(year, as_of).agencies}


def test_deadline_is_31_january_for_departments_and_31_march_for_governments() -> None:
    assert AgencyKind("department").deadline(2024) == D("2025-01-31")
    assert AgencyKind("government").deadline(2024) == D("2025-03-31")


@pytest.mark.parametrize("kind, on_deadline, day_after", [
    ("department", "2025-01-31", "2025-02-01"),
    ("government", "2025-03-31", "2025-04-01"),
])
def test_published_on_the_deadline_is_on_time_and_a_day_later_is_one_day_late(held, kind, on_deadline,
                                                                               day_after) -> None:
    punctual = held.agency("准时局", kind)
    tardy = held.agency("迟到局", kind)
    held.publish(punctual, 2024, f"{on_deadline} 23:30")  # late evening, China time: still that day
    url = held.publish(tardy, 2024, f"{day_after} 00:10")
    rows = status_of(held, 2024, "2025-06-01")
    assert rows["准时局"]["status"] == "on_time"
    assert rows["准时局"]["published_on"] == on_deadline
    assert rows["迟到局"]["status"] == "late"
    assert rows["迟到局"]["days_late"] == 1
    assert rows["迟到局"]["url"] == url
    evidence = rows["迟到局"]["evidence"]
    assert evidence["date_source"] == "document"
    assert len(evidence["first_capture"]["sha256"]) == 64
    captured = dt.datetime.fromisoformat(f"{day_after} 00:10").replace(tzinfo=CHINA).astimezone(dt.timezone.utc)
    assert evidence["first_capture"]["captured_at"] == captured.isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize("kind, last_day", [("department", "2025-01-31"), ("government", "2025-03-31")])
def test_missing_only_from_a_crawl_after_the_deadline_not_due_until_then(held, kind, last_day) -> None:
    silent = held.agency("沉默局", kind)
    held.crawl(silent, f"{last_day} 20:00", listed=[(held.url(silent, "r2023"), 2023, "2024-01-20")])
    day_after = (D(last_day) + dt.timedelta(days=1)).isoformat()
    assert status_of(held, 2024, last_day)["沉默局"]["status"] == "not_due"
    # The deadline has passed but the only crawl was on the last day: no evidence yet.
    row = status_of(held, 2024, day_after)["沉默局"]
    assert row["status"] == "unreachable"
    assert "no finished crawl" in row["evidence"]["reason"]
    held.crawl(silent, f"{day_after} 03:00", listed=[(held.url(silent, "r2023"), 2023, "2024-01-20")])
    row = status_of(held, 2024, day_after)["沉默局"]
    assert row["status"] == "missing"
    pages = row["evidence"]["list_pages"]
    assert [p["url"] for p in pages] == list(silent.list_urls)
    assert pages[0]["status"] == 200 and len(pages[0]["sha256"]) == 64 and pages[0]["captured_at"]
    assert row["evidence"]["years_listed"] == [2023]


def test_site_down_on_the_last_crawl_is_unreachable_not_missing(held) -> None:
    flaky = held.agency("宕机局")
    held.crawl(flaky, "2025-02-03 03:00")  # reached, nothing for 2024
    held.crawl(flaky, "2025-02-10 03:00", "unreachable", errors=["http://www.a1.gov.cn/: Connection refused"])
    row = status_of(held, 2024, "2025-02-11")["宕机局"]
    assert row["status"] == "unreachable"
    assert row["evidence"]["crawl"]["outcome"] == "unreachable"
    assert "Connection refused" in row["evidence"]["crawl"]["errors"][0]
    assert row["evidence"]["last_reached"]["crawl"]["outcome"] == "reached"
    # As of the earlier day, the reached crawl was the last one: missing then.
    assert status_of(held, 2024, "2025-02-04")["宕机局"]["status"] == "missing"


def test_blocked_and_failed_crawls_are_unreachable(held) -> None:
    walled = held.agency("防火墙局")
    broken = held.agency("改版局")
    held.crawl(walled, "2025-02-03 03:00", "blocked", errors=["HTTP 412 (a JS challenge: blocked)"])
    held.crawl(broken, "2025-02-03 03:00", "failed", errors=["the column listed no reports"])
    rows = status_of(held, 2024, "2025-03-01")
    assert rows["防火墙局"]["status"] == "unreachable"
    assert rows["防火墙局"]["evidence"]["list_pages"][0]["status"] == 412
    assert rows["改版局"]["status"] == "unreachable"


@pytest.mark.parametrize(("outcome", "error", "words"), [
    ("robots", "http://www.a1.gov.cn/nb/: robots.txt disallows it; nianbao does not read it", "robots.txt disallows"),
    ("moved", "http://www.a1.gov.cn/nb/: HTTP 404: the column moved or is gone", "moved"),
    ("script_only", "http://www.a1.gov.cn/nb/: the page is only a script nianbao cannot follow", "only a script"),
])
def test_robots_moved_and_script_only_columns_are_unreachable_never_missing(held, outcome, error, words) -> None:
    agency = held.agency("改址局")
    held.crawl(agency, "2025-02-03 03:00")  # reached before, nothing for 2024 then
    held.crawl(agency, "2025-04-10 03:00", outcome, errors=[error])
    row = status_of(held, 2024, "2025-04-11")["改址局"]
    assert row["status"] == "unreachable"
    assert row["evidence"]["crawl"]["outcome"] == outcome
    assert words in row["evidence"]["reason"] and row["evidence"]["crawl"]["errors"] == [error]


def test_a_crawl_that_did_not_finish_is_not_evidence(held) -> None:
    agency = held.agency("中断局")
    held.crawl(agency, "2025-02-03 03:00", None)  # killed: no outcome
    assert status_of(held, 2024, "2025-03-01")["中断局"]["status"] == "unreachable"


def test_listed_but_not_archived_is_our_failure(held) -> None:
    agency = held.agency("附件局")
    url = held.url(agency, "broken2024")
    held.crawl(agency, "2025-02-03 03:00", listed=[(url, 2024, "2025-01-20")])
    row = status_of(held, 2024, "2025-03-01")["附件局"]
    assert row["status"] == "unreachable"
    assert row["url"] == url and "could not archive" in row["evidence"]["reason"]


def test_published_early_is_on_time_before_the_deadline(held) -> None:
    agency = held.agency("早发局")
    held.publish(agency, 2024, "2025-01-10 09:00")
    assert status_of(held, 2024, "2025-01-15")["早发局"]["status"] == "on_time"
    # ...but not before it was captured.
    assert status_of(held, 2024, "2025-01-09")["早发局"]["status"] == "not_due"


def test_undated_report_uses_the_list_date(held) -> None:
    listed = held.agency("列表日期局")
    url = held.publish(listed, 2024, "2025-02-05 10:00", published=None)
    held.crawl(listed, "2025-02-05 09:59", listed=[(url, 2024, "2025-01-30")])
    row = status_of(held, 2024, "2025-03-01")["列表日期局"]
    assert row["status"] == "on_time" and row["published_on"] == "2025-01-30"
    assert row["evidence"]["date_source"] == "list"


def test_an_attachment_takes_the_date_its_page_was_listed_with(held) -> None:
    agency = held.agency("附件日期局")
    pdf_url = held.publish(agency, 2024, "2025-02-05 10:00", published=None, name="report2024.pdf")
    page = held.url(agency, "page2024")
    run = held.crawl(agency, "2025-02-05 09:59", listed=[(page, 2024, "2025-02-02")])
    held.attach(run, [pdf_url])
    row = status_of(held, 2024, "2025-03-01")["附件日期局"]
    assert row["status"] == "late" and row["days_late"] == 2 and row["evidence"]["date_source"] == "list"


def test_undated_and_first_seen_after_the_deadline_claims_nothing(held) -> None:
    undated = held.agency("无日期局")
    held.publish(undated, 2024, "2025-02-05 10:00", published=None)
    row = status_of(held, 2024, "2025-03-01")["无日期局"]
    assert row["status"] == "undated" and row["days_late"] is None
    assert row["evidence"]["date_source"] == "first_seen" and "cannot be told" in row["evidence"]["note"]


def test_undated_but_absent_from_a_crawl_after_the_deadline_is_late_by_at_least(held) -> None:
    agency = held.agency("补发局")
    held.crawl(agency, "2025-02-03 03:00", listed=[(held.url(agency, "report2023"), 2023, "2024-01-20")])
    held.publish(agency, 2024, "2025-02-10 10:00", published=None)
    row = status_of(held, 2024, "2025-03-01")["补发局"]
    assert row["status"] == "late" and row["days_late"] == 3  # at least: absent on 3 February
    assert row["evidence"]["absent_in"]["crawl"]["outcome"] == "reached"
    assert "least" in row["evidence"]["note"]


def test_compliance_summary_counts_and_rate(held) -> None:
    a = held.agency("甲局", region="江苏省/甲市")
    b = held.agency("乙局", region="江苏省/甲市")
    c = held.agency("丙局", region="江苏省/甲市")
    d = held.agency("丁局", region="江苏省/甲市")
    held.publish(a, 2024, "2025-01-20 09:00")
    held.publish(b, 2024, "2025-02-20 09:00")
    held.crawl(c, "2025-02-02 09:00")
    held.crawl(d, "2025-02-02 09:00", "unreachable")
    report = held.evaluate(2024, "2025-03-01")
    row = next(r for r in report.summary if r.region == "江苏省/甲市")
    assert (row.on_time, row.late, row.missing, row.unreachable) == (1, 1, 1, 1)
    assert row.due == 3 and row.on_time_rate == pytest.approx(1 / 3, abs=1e-4)
    data = report.to_dict()
    assert set(data) >= {"year", "agencies", "findings", "summary"}
    assert set(data["agencies"][0]) == {"agency", "region", "kind", "status", "deadline", "published_on",
                                        "days_late", "url", "evidence"}
