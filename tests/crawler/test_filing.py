"""The crawl's filing (crawler.pipelines over storage.Archive): a report found in a column goes to
the agency it names, an unregistered agency's to none, an interpretation nowhere; the column's
links to others' reports are marked, and the monitor counts none of them for the column owner.
On SQLite and PostgreSQL (the `archive` fixture)."""

from __future__ import annotations

import datetime as dt
import functools

from sqlalchemy import select

from crawler.pipelines import attribution_registry, close_run, file_report, open_run
from crawler.registry import load_text
from crawler.spiders.reports import AgencyOutcome
from nianbao.devportal.render import render_html_page
from nianbao.devportal.sites import tables_for
from nianbao.monitoring import evaluate
from storage import Archive, CaptureIn
from storage.clock import CHINA
from storage.models import Agency, Capture, CrawlRun, Report
from storage.vocab import CaptureRole

REGISTRY = load_text("""
[[agency]]
name = "淮安市人民政府"
region = "江苏省/淮安市"
kind = "government"
list_urls = ["http://www.huaian.gov.cn/col/4122_231438/index.html"]

[[agency]]
name = "淮安市洪泽区人民政府"
region = "江苏省/淮安市/洪泽区"
kind = "government"
list_urls = ["http://www.hongze.gov.cn/zfxxgknb/index.html"]
""", "test registry")
CITY, COUNTY = REGISTRY
COLUMN = "http://www.hongze.gov.cn/zfxxgknb/"
STARTED = dt.datetime(2024, 5, 6, 9, 0, tzinfo=CHINA)  # after the 2023 reports' deadline


def page(agency: str, year: int, title: str | None = None) -> bytes:
    """A report page of `agency` as the simulated portal renders it, under `title` if given."""
    tables = tables_for(agency, year)
    text = render_html_page(tables, published=f"{year + 1}-03-20 09:00")
    return (text.replace(tables.title, title) if title else text).encode("utf-8")


def crawl_county_column(archive: Archive, items: list[tuple[str, bytes, str]]) -> dict[str, int]:
    """The county's column crawled (and the city's, listing nothing): each (path, body, link
    title) ingested as the crawler ingests it; the runs closed with the county's links."""
    registry = attribution_registry(REGISTRY)
    with archive.session() as session, session.begin():
        runs = {a.name: open_run(session, a.name, a, STARTED)[0].id for a in REGISTRY}
    outcome = AgencyOutcome(COUNTY.name, STARTED, pages_listed=1)
    for minute, (path, body, title) in enumerate(items):
        url = COLUMN + path
        archive.ingest(CaptureIn(url=url, body=body, captured_at=STARTED + dt.timedelta(minutes=minute + 1),
                                 content_type="text/html; charset=utf-8", agency=COUNTY.name,
                                 run_id=runs[COUNTY.name], role=CaptureRole.REPORT),
                       file_under=functools.partial(file_report, registry, COUNTY, url))
        outcome.listed.append({"url": url, "title": title, "year": 2023, "listed_on": "2024-03-20",
                               "list_url": COLUMN})
    city = AgencyOutcome(CITY.name, STARTED, pages_listed=1)
    finished = STARTED + dt.timedelta(hours=1)
    with archive.session() as session, session.begin():
        close_run(session.get(CrawlRun, runs[COUNTY.name]), outcome, finished, registry)
        close_run(session.get(CrawlRun, runs[CITY.name]), city, finished, registry)
    return runs


MIXED = [
    ("city.html", page(CITY.name, 2023), "淮安市人民政府2023年政府信息公开工作年度报告"),
    ("town.html", page("淮安市洪泽区岔河镇人民政府", 2023), "淮安市洪泽区岔河镇人民政府2023年政府信息公开工作年度报告"),
    ("picture.html", page(CITY.name, 2023, "一图读懂淮安市人民政府2023年政府信息公开工作年度报告"),
     "淮安市人民政府2023年政府信息公开工作年度报告（图文）"),
]


def test_filing_reports_in_a_county_column_go_to_the_agencies_they_name(archive: Archive) -> None:
    runs = crawl_county_column(archive, MIXED)
    with archive.session() as session:
        filed = {url.rsplit("/", 1)[1]: (agency, name) for url, agency, name in session.execute(
            select(Report.url, Agency.name, Report.agency_name).outerjoin(Agency, Agency.id == Report.agency_id))}
        found_in = set(session.scalars(select(Capture.run_id).where(Capture.url.like(COLUMN + "%"))))
        picture = session.scalar(select(Capture.parse_error).where(Capture.url == COLUMN + "picture.html"))
    assert filed == {"city.html": (CITY.name, CITY.name),
                     "town.html": (None, "淮安市洪泽区岔河镇人民政府")}
    assert found_in == {runs[COUNTY.name]}  # where each was found: the county's crawl of its column
    assert picture.startswith("an interpretation of a report")


def test_filing_marks_the_column_links_to_other_agencies_reports(archive: Archive) -> None:
    runs = crawl_county_column(archive, [*MIXED, ("lost.html", b"<html><body>gone</body></html>",
                                                   "淮安市人民政府2022年政府信息公开工作年度报告")])
    with archive.session() as session:
        listed = {link["url"].rsplit("/", 1)[1]: link.get("elsewhere")
                  for link in session.get(CrawlRun, runs[COUNTY.name]).listed}
    assert listed["city.html"]["agency"] == CITY.name
    assert listed["town.html"] == {"agency": None, "named": "淮安市洪泽区岔河镇人民政府",
                                   "reason": "its report is filed under no registered agency (淮安市洪泽区岔河镇人民政府)"}
    assert listed["lost.html"]["agency"] == CITY.name  # not archived: its link title names the city
    assert listed["picture.html"]["agency"] == CITY.name  # no report: its link title names the city
    assert "by its link title" in listed["lost.html"]["reason"]


def test_filing_the_monitor_counts_no_other_agencys_report_for_the_column_owner(archive: Archive) -> None:
    crawl_county_column(archive, MIXED[:2])
    statuses = {row.agency: row for row in evaluate(archive, REGISTRY, 2023, dt.date(2024, 6, 1)).agencies}
    assert statuses[CITY.name].status == "on_time"
    assert statuses[CITY.name].url == COLUMN + "city.html"
    # The county's column listed two reports of 2023, neither the county's: it is missing, not
    # on time (misfiled) nor unreachable ("listed but not archived").
    assert statuses[COUNTY.name].status == "missing", statuses[COUNTY.name].evidence


def test_filing_without_a_decision_keeps_the_captures_agency(archive: Archive) -> None:
    url = COLUMN + "plain.html"
    archive.ingest(CaptureIn(url=url, body=page(CITY.name, 2023), captured_at=STARTED,
                             content_type="text/html", agency=COUNTY.name))
    with archive.session() as session:
        assert session.scalar(select(Agency.name).join(Report, Report.agency_id == Agency.id)) == COUNTY.name
