"""The monitor's reads of the archive (storage.monitor_reads, storage.monitor_events) on both
backends: what a report, a crawl run and a list page look like as of a day, and that a scene
written into the archive evaluates exactly as the same scene held by hand (the pure rule tests'
input is what the archive gives)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from nianbao.devportal.monitor_pages import SAMPLE_NARRATIVE, tables
from storage import CaptureIn
from storage.clock import china_day_end
from storage.monitor_events import STATUS_EVENT, EventIn, newest_events, record, recorded_year
from storage.monitor_reads import archive_state, read_agencies
from storage.vocab import CrawlOutcome

D = dt.date.fromisoformat


def act(scene) -> None:
    """Every status and every finding, on two report years."""
    punctual = scene.agency("准时局")
    edited = scene.agency("修改局")
    listed = scene.agency("列表日期局", "government", region="浙江省/乙市")
    silent = scene.agency("沉默局", "government")
    walled = scene.agency("防火墙局")
    down = scene.agency("宕机局")
    undated = scene.agency("无日期局")
    attached = scene.agency("附件日期局")
    removed = scene.agency("删除局")
    copier = scene.agency("照搬局")
    wrong = scene.agency("算错局")
    t = tables("算错局", 2024)
    apps = {row: dict(cells) for row, cells in t.applications.items()}
    apps["granted"]["total"] += 5
    scene.publish(wrong, 2024, "2025-01-21 09:00", t=dataclasses.replace(t, applications=apps))
    scene.publish(punctual, 2023, "2024-01-20 09:00", seed=3)
    scene.publish(punctual, 2024, "2025-01-20 09:00", seed=4, narrative=SAMPLE_NARRATIVE)
    scene.publish(copier, 2024, "2025-01-25 09:00", narrative=SAMPLE_NARRATIVE.replace("我局", "本局"))
    scene.publish(edited, 2024, "2025-01-20 09:00", seed=7)
    scene.publish(edited, 2024, "2025-03-02 09:00", seed=8, published="2025-01-20")
    url = scene.publish(listed, 2024, "2025-04-05 10:00", published=None)
    scene.crawl(listed, "2025-04-05 09:59", listed=[(url, 2024, "2025-03-30")])
    scene.crawl(silent, "2025-04-02 03:00", listed=[(scene.url(silent, "r2023"), 2023, "2024-03-20")])
    scene.crawl(walled, "2025-02-03 03:00", "blocked", errors=["HTTP 412 (a JS challenge: blocked)"])
    scene.crawl(down, "2025-02-03 03:00")
    scene.crawl(down, "2025-02-10 03:00", "unreachable", errors=["Connection refused"])
    scene.crawl(down, "2025-02-12 03:00", None)
    scene.publish(undated, 2024, "2025-02-05 10:00", published=None)
    pdf = scene.publish(attached, 2024, "2025-02-05 10:00", published=None, name="report2024.pdf")
    run = scene.crawl(attached, "2025-02-05 09:59", listed=[(scene.url(attached, "page2024"), 2024, "2025-02-02")])
    scene.attach(run, [pdf])
    gone = scene.publish(removed, 2024, "2025-01-20 09:00")
    scene.fetch(removed, gone, "2025-05-01 03:00", status=404)
    scene.fetch(removed, gone, "2025-05-03 03:00", redirect_home=True)
    scene.publish(removed, 2024, "2025-05-06 03:00", published="2025-01-20")
    scene.fetch(removed, gone, "2025-06-01 03:00", status=410)


@pytest.mark.parametrize("as_of", ["2025-01-20", "2025-02-11", "2025-05-04", "2025-06-01"])
def test_a_scene_in_the_archive_evaluates_as_the_scene_held_by_hand(scenario, held, as_of) -> None:
    act(scenario)
    act(held)
    from_archive = scenario.evaluate(2024, as_of).to_dict()
    assert from_archive == held.evaluate(2024, as_of).to_dict()
    assert from_archive["agencies"] and from_archive["findings"]


def test_read_agencies_sees_the_archive_as_it_stood_at_the_cutoff(scenario) -> None:
    agency = scenario.agency("修改局")
    url = scenario.publish(agency, 2024, "2025-01-20 09:00", seed=7)
    scenario.crawl(agency, "2025-02-03 03:00", listed=[(url, 2024, "2025-01-20")])
    scenario.crawl(agency, "2025-02-04 03:00", None)  # never finished
    scenario.publish(agency, 2024, "2025-03-02 09:00", seed=8, published="2025-01-20")
    scenario.fetch(agency, url, "2025-04-01 03:00", status=404)
    scenario.crawl(agency, "2025-04-02 03:00", "unreachable")
    early = read_agencies(scenario.archive, ["修改局", "不存在局"], (2024,), china_day_end(D("2025-02-03")))
    assert set(early) == {"修改局"}  # an agency the archive does not know is absent
    report, = early["修改局"].reports
    assert (report.url, report.year, report.published_on) == (url, 2024, D("2025-01-20"))
    assert len(report.versions) == 1 and report.current == report.versions[0]
    assert [c.status for c in report.captures] == [200]
    run, = early["修改局"].runs
    assert run.outcome is CrawlOutcome.REACHED and run.listed[0]["url"] == url
    assert [(p.url, p.status) for p in run.list_pages] == [(agency.list_urls[0], 200)]
    late = read_agencies(scenario.archive, ["修改局"], (2024,), china_day_end(D("2025-04-02")))["修改局"]
    report, = late.reports
    assert len(report.versions) == 2 and report.current == report.versions[1]
    assert report.first_seen == report.captures[0].captured_at
    assert [c.status for c in report.captures] == [200, 200, 404]
    assert [r.outcome for r in late.runs] == ["reached", "unreachable"]  # the unfinished one is no evidence
    assert late.runs[1].list_pages == ()
    assert read_agencies(scenario.archive, ["修改局"], (2024,), china_day_end(D("2025-01-19")))["修改局"].reports == ()
    assert read_agencies(scenario.archive, ["修改局"], (2023,), china_day_end(D("2025-04-02")))["修改局"].reports == ()


def test_a_fetch_redirected_to_the_report_is_one_of_its_captures(scenario) -> None:
    agency = scenario.agency("跳转局")
    url = scenario.publish(agency, 2024, "2025-01-20 09:00")
    old = scenario.url(agency, "old-address")
    scenario.archive.ingest(CaptureIn(url=old, body=b"<html>moved</html>", status=200, final_url=url,
                                      captured_at=dt.datetime(2025, 2, 1, tzinfo=dt.UTC), content_type="text/html",
                                      agency=agency.name, role="recheck"), parse=False)
    report, = read_agencies(scenario.archive, ["跳转局"], (2024,), china_day_end(D("2025-03-01")))["跳转局"].reports
    assert [(c.url, c.final_url) for c in report.captures] == [(url, None), (old, url)]


def test_read_agencies_reads_in_batches(scenario, monkeypatch) -> None:
    import storage.monitor_reads

    monkeypatch.setattr(storage.monitor_reads, "BATCH", 2)
    for name in ("甲局", "乙局", "丙局", "丁局", "戊局"):
        agency = scenario.agency(name)
        scenario.publish(agency, 2024, "2025-01-20 09:00")
        scenario.crawl(agency, "2025-02-03 03:00")
    held = read_agencies(scenario.archive, list(scenario.agencies), (2024,), china_day_end(D("2025-03-01")))
    assert set(held) == {"甲局", "乙局", "丙局", "丁局", "戊局"}
    assert all(len(a.reports) == 1 and len(a.runs) == 1 for a in held.values())


def test_archive_state_changes_with_what_the_monitor_reads(scenario) -> None:
    before = archive_state(scenario.archive)
    agency = scenario.agency("状态局")
    assert archive_state(scenario.archive) != before
    seen = archive_state(scenario.archive)
    scenario.crawl(agency, "2025-02-03 03:00")
    assert archive_state(scenario.archive) != seen
    assert archive_state(scenario.archive) == archive_state(scenario.archive)


def test_recorded_events_say_the_last_status_and_every_finding(archive) -> None:
    moment = dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC)
    assert record(archive, [EventIn(2024, "甲局", STATUS_EVENT, "status:missing", {}, status="missing"),
                            EventIn(2024, "甲局", "changed", "changed:1:a:b", {"url": "http://x/"})], moment) == 2
    record(archive, [EventIn(2024, "甲局", STATUS_EVENT, "status:late", {}, status="late"),
                     EventIn(2023, "乙局", STATUS_EVENT, "status:on_time", {}, status="on_time")],
           moment + dt.timedelta(days=1))
    year = recorded_year(archive, 2024)
    assert year.statuses == {"甲局": "late"}
    assert year.finding_keys == {"changed:1:a:b"}
    newest = newest_events(archive, 3)
    assert [(e.agency, e.event_type, e.status) for e in newest] == [
        ("乙局", STATUS_EVENT, "on_time"), ("甲局", STATUS_EVENT, "late"), ("甲局", "changed", None)]
    assert newest[0].observed_at == moment + dt.timedelta(days=1) and newest[0].is_status
    assert not newest[2].is_status and newest[2].detail == {"url": "http://x/"}


def test_the_cutoff_of_a_day_is_the_midnight_ending_it_in_china() -> None:
    assert china_day_end(dt.date(2025, 1, 31)) == dt.datetime(2025, 1, 31, 16, 0, tzinfo=dt.UTC)
