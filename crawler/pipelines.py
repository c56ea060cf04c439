"""The archive pipeline: every response the spider yields becomes a capture in the archive.

Ingest (blob write, parse, database transaction) runs in a worker thread so the crawl's event
loop keeps downloading. At the start, each registry agency's row is brought in line with the
registry (region, kind, columns) and gets a `CrawlRun` row that every capture of this crawl
points at; at the end the run's outcome is written into it. A run left without an outcome is a
crawl that did not finish, which the monitor never takes as evidence.
"""

from __future__ import annotations

import datetime as dt
import http
import logging
from pathlib import Path

from sqlalchemy import func, select
from twisted.internet.threads import deferToThread

from crawler.clock import crawl_clock
from storage import Archive, CaptureIn
from storage.archive import agency_row_for
from storage.clock import Clock, system_clock
from storage.models import CrawlRun, Report
from storage.vocab import CaptureRole, CrawlOutcome

log = logging.getLogger(__name__)


def _reason(status: int) -> str | None:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return None


class ArchivePipeline:
    def __init__(self, data: str | None, database_url: str | None, crawler=None,
                 clock: Clock = system_clock) -> None:
        self.crawler = crawler
        self.clock = clock  # stamps the end of each agency's run
        self.data = Path(data) if data else None
        self.database_url = database_url
        self.archive: Archive | None = None
        self.ingested = {"new": 0, "revisit": 0, "exists": 0, "reports": 0}
        self.run_ids: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(settings.get("NIANBAO_DATA"), settings.get("NIANBAO_DATABASE_URL"), crawler, crawl_clock(settings))

    def open_spider(self, spider=None) -> None:
        self.archive = Archive.open(self.data, self.database_url)
        spider = spider or (self.crawler.spider if self.crawler is not None else None)
        outcomes = getattr(spider, "outcomes", {})
        registry = getattr(spider, "agencies", {})
        with self.archive.session() as session, session.begin():
            for name, outcome in outcomes.items():
                run, outcome.reports_before = open_run(session, name, registry.get(name), outcome.started_at)
                self.run_ids[name] = run.id

    def process_item(self, item: dict, spider=None):
        return deferToThread(self._ingest, item)

    def _ingest(self, item: dict) -> dict:
        assert self.archive is not None
        # List pages are kept as captures but never parsed: they cannot be reports, and parsing
        # them was a quarter of the crawl's CPU (bench/crawl profile).
        is_list = item["role"] == CaptureRole.LIST
        result = self.archive.ingest(CaptureIn(
            url=item["url"],
            body=item["body"],
            captured_at=item["captured_at"],
            status=item["status"],
            reason=_reason(item["status"]),
            http_version="HTTP/1.1",
            headers=tuple(item["headers"]),
            final_url=item["final_url"],
            content_type=item["content_type"],
            source="crawl",
            agency=None if is_list else item["agency"],
            run_id=self.run_ids.get(item["agency"]),
            role=item["role"],
        ), parse=not is_list)
        self.ingested[result.status] += 1
        self.ingested["reports"] += result.report_id is not None and result.new_version
        return {"url": item["url"], "status": result.status, "report_id": result.report_id}

    def close_spider(self, spider=None) -> None:
        assert self.archive is not None
        # Scrapy >= 2.13 may call this without the spider; the crawler always knows it.
        spider = spider or (self.crawler.spider if self.crawler is not None else None)
        outcomes = getattr(spider, "outcomes", {})
        finished = self.clock()
        with self.archive.session() as session, session.begin():
            for name, outcome in outcomes.items():
                run = session.get(CrawlRun, self.run_ids[name]) if name in self.run_ids else None
                if run is None:
                    run = CrawlRun(agency_id=agency_row_for(session, name).id, started_at=outcome.started_at)
                    session.add(run)
                close_run(run, outcome, finished)
        self.archive.close()


def open_run(session, name: str, entry, started_at: dt.datetime) -> tuple[CrawlRun, int]:
    """A crawl's run row for agency `name` (its row brought in line with registry `entry`), and
    how many reports it had before. Also used by crawler.distributed, once per shared crawl."""
    agency = agency_row_for(session, name)
    if entry is not None:
        agency.region, agency.kind = entry.region_path, entry.kind
        agency.list_urls = list(entry.list_urls)
    reports_before = session.scalar(select(func.count(Report.id)).where(Report.agency_id == agency.id)) or 0
    run = CrawlRun(agency_id=agency.id, started_at=started_at, outcome=None, errors=[], listed=[])
    session.add(run)
    session.flush()
    return run, reports_before


def close_run(run: CrawlRun, outcome, finished: dt.datetime) -> None:
    """The outcome of the crawl (a crawler.spiders.reports.AgencyOutcome) into its run row."""
    run.finished_at = finished
    run.outcome = outcome.outcome
    run.pages_listed = outcome.pages_listed
    run.reports_found = outcome.reports_found
    run.listed = list(outcome.listed)
    run.errors = outcome.list_errors + outcome.errors + (
        [f"the column listed no reports where {outcome.reports_before} were archived before: "
         "a crawler failure, not evidence that the agency stopped publishing"]
        if outcome.outcome == CrawlOutcome.FAILED else []
    )
