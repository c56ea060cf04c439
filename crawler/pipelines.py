"""The archive pipeline: every response the spider yields becomes a capture in the archive.

Ingest (blob write, parse, database transaction) runs in a worker thread so the crawl's event
loop keeps downloading. At the end, each agency's crawl outcome becomes a `CrawlRun` row.
"""

from __future__ import annotations

import datetime as dt
import http
import logging
from pathlib import Path

from sqlalchemy import func, select
from twisted.internet.threads import deferToThread

from storage import Archive, CaptureIn
from storage.models import Agency as AgencyRow
from storage.models import CrawlRun, Report

log = logging.getLogger(__name__)


def _reason(status: int) -> str | None:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return None


class ArchivePipeline:
    def __init__(self, data: str | None, database_url: str | None, crawler=None) -> None:
        self.crawler = crawler
        self.data = Path(data) if data else None
        self.database_url = database_url
        self.archive: Archive | None = None
        self.ingested = {"new": 0, "revisit": 0, "exists": 0, "reports": 0}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("NIANBAO_DATA"), crawler.settings.get("NIANBAO_DATABASE_URL"), crawler)

    def open_spider(self, spider=None) -> None:
        self.archive = Archive.open(self.data, self.database_url)
        spider = spider or (self.crawler.spider if self.crawler is not None else None)
        with self.archive.session() as session:
            for name, outcome in getattr(spider, "outcomes", {}).items():
                outcome.reports_before = session.scalar(
                    select(func.count(Report.id)).join(AgencyRow, Report.agency_id == AgencyRow.id)
                    .where(AgencyRow.name == name)
                ) or 0

    def process_item(self, item: dict, spider=None):
        return deferToThread(self._ingest, item)

    def _ingest(self, item: dict) -> dict:
        assert self.archive is not None
        # List pages are kept as captures but never parsed: they cannot be reports, and parsing
        # them was a quarter of the crawl's CPU (bench/crawl profile).
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
            agency=item["agency"] if item["kind"] != "list" else None,
        ), parse=item["kind"] != "list")
        self.ingested[result.status] += 1
        self.ingested["reports"] += result.report_id is not None and result.new_version
        return {"url": item["url"], "status": result.status, "report_id": result.report_id}

    def close_spider(self, spider=None) -> None:
        assert self.archive is not None
        # Scrapy >= 2.13 may call this without the spider; the crawler always knows it.
        spider = spider or (self.crawler.spider if self.crawler is not None else None)
        outcomes = getattr(spider, "outcomes", {})
        finished = dt.datetime.now(dt.timezone.utc)
        with self.archive.session() as session, session.begin():
            for name, outcome in outcomes.items():
                agency = session.scalar(select(AgencyRow).where(AgencyRow.name == name))
                if agency is None:
                    agency = AgencyRow(name=name, list_urls=[])
                    session.add(agency)
                    session.flush()
                session.add(CrawlRun(
                    agency_id=agency.id,
                    started_at=outcome.started_at,
                    finished_at=finished,
                    outcome=outcome.outcome,
                    pages_listed=outcome.pages_listed,
                    reports_found=outcome.reports_found,
                    errors=outcome.list_errors + outcome.errors + (
                        [f"found no reports where {outcome.reports_before} were archived before: "
                         "a crawler failure, not evidence that the agency stopped publishing"]
                        if outcome.outcome == "failed" else []
                    ),
                ))
        self.archive.close()
