"""The monitor over real crawls of the simulated portal (nianbao/devportal): statuses from what the
crawler saw, blocked and down sites unreachable (never missing), then an edited report, a
report taken down and unlisted (seen because the crawler rechecks what it archived before), and
a newly published one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crawler.registry import load_registry
from nianbao.devportal.crawl_process import run_crawl as crawl
from nianbao.monitoring import FindingKind, evaluate
from storage import Archive
from storage.clock import china_date
from storage.models import CrawlRun
from storage.vocab import AgencyKind
from nianbao.devportal.server import Portal
from nianbao.devportal.sites import registry_toml


def deadline(kind: str, year: int) -> dt.date:
    return AgencyKind(kind).deadline(year)


def crawl_day(data: Path) -> dt.date:
    """The monitor judges as of the day the last crawl finished (China's calendar), whatever
    today's date: the crawl stamps its runs with the machine's clock, so a fixed "today" would
    lie before the crawl on any later day. Every deadline of 2023 and 2024 is past by then."""
    archive = Archive.open(data)
    try:
        with archive.session() as session:
            finished = session.scalar(select(func.max(CrawlRun.finished_at)))
    finally:
        archive.close()
    assert finished is not None, "the crawl recorded no finished run"
    day = china_date(finished)
    assert day > deadline("government", 2024), f"the machine's clock says {finished}: before the deadlines judged here"
    return day


def expected_statuses(portal: Portal, year: int) -> dict[str, tuple[str, int | None]]:
    """What the portal published for `year`, as the monitor must judge it: (status, days late)."""
    out = {}
    for site in portal.sites.values():
        if site.region is None:
            continue
        if not site.serving or site.blocked:
            out[site.name] = ("unreachable", None)
            continue
        entries = [e for e in site.entries if e.role == "report" and e.tables and e.tables.year == year]
        if not entries:
            out[site.name] = ("missing", None)
            continue
        late = (min(e.published for e in entries).date() - deadline(site.kind, year)).days
        out[site.name] = ("late", late) if late > 0 else ("on_time", None)
    return out


def judged(data: Path, registry: Path, year: int) -> tuple[dict[str, tuple[str, int | None]], list]:
    archive = Archive.open(data)
    try:
        report = evaluate(archive, load_registry(registry), year, crawl_day(data))
    finally:
        archive.close()
    return {row.agency: (row.status, row.days_late) for row in report.agencies}, report


@pytest.fixture(scope="module")
def monitored(tmp_path_factory):
    root = tmp_path_factory.mktemp("monitor-portal")
    data = root / "data"
    with Portal() as portal:
        registry = root / "registry.toml"
        registry.write_text(registry_toml(portal.port), encoding="utf-8")
        first = crawl(registry, data)
        before = {year: (expected_statuses(portal, year), judged(data, registry, year)) for year in (2023, 2024)}
        trs = next(e for e in portal.expected.agency("trs").reports if e.year == 2023).url(portal.port)
        static = next(e for e in portal.expected.agency("static").reports if e.year == 2023).url(portal.port)
        portal.edit(trs)
        portal.remove(static, unlist=True)
        published = portal.publish("vsb", 2024)
        second = crawl(registry, data)
        after = {year: (expected_statuses(portal, year), judged(data, registry, year)) for year in (2023, 2024)}
        yield {"first": first, "second": second, "before": before, "after": after, "edited": trs,
               "removed": static, "published": published}


@pytest.mark.parametrize("year", [2023, 2024])
def test_statuses_follow_what_the_portal_published(monitored, year) -> None:
    expected, (statuses, _) = monitored["before"][year]
    assert statuses == expected, monitored["first"].stdout


def test_blocked_and_down_sites_are_unreachable_with_the_crawl_as_evidence(monitored) -> None:
    _, (_, report) = monitored["before"][2024]
    rows = {row.agency: row for row in report.agencies}
    assert rows["云溪市公安局"].evidence["crawl"]["outcome"] == "blocked"
    assert rows["云溪市公安局"].evidence["list_pages"][0]["status"] == 412
    assert rows["云溪市水利局"].evidence["crawl"]["outcome"] == "unreachable"
    missing = [row for row in report.agencies if row.status == "missing"]
    assert missing and all(row.evidence["list_pages"] and row.evidence["crawl"]["outcome"] == "reached"
                           for row in missing)
    assert all(2023 in row.evidence["years_listed"] for row in missing)


def test_edited_report_is_changed_and_unlisted_removed_one_is_removed_unconfirmed(monitored) -> None:
    expected, (statuses, report) = monitored["after"][2023]
    assert statuses == expected  # removal does not undo a publication
    changed = [f for f in report.findings if f.finding == FindingKind.CHANGED]
    assert [f.data["url"] for f in changed] == [monitored["edited"]]
    assert any(field["field"].startswith("applications.") for field in changed[0].data["fields"])
    removed = [f for f in report.findings if f.finding == FindingKind.REMOVED]
    assert [f.data["url"] for f in removed] == [monitored["removed"]]
    assert removed[0].data["confirmed"] is False and not removed[0].newsworthy  # two crawls minutes apart
    assert removed[0].data["observations"][-1]["status"] == 404


def test_a_report_published_later_is_found_on_the_next_crawl(monitored) -> None:
    expected, (statuses, _) = monitored["after"][2024]
    assert statuses == expected
    assert statuses["云溪市生态环境局"][0] in ("on_time", "late")
