"""The archive pipeline: every response the spider yields becomes a capture in the archive.

Captures are stored by a group commit (storage.group_commit): a writer thread stores them in
batches (blobs made durable together, then one transaction) while the crawl's event loop keeps
downloading, and an item is done for Scrapy only once its batch is committed (so a distributed
worker acknowledges a request only then, and a crawl's end finds every capture stored). Reports
are parsed in worker processes (storage.parse_pool; setting NIANBAO_PARSE_WORKERS, default one
core less than the machine has, 0 to parse in the crawl's process). At the start, each registry agency's row is brought in line with the
registry (region, kind, columns) and gets a `CrawlRun` row that every capture of this crawl
points at; at the end the run's outcome is written into it. A run left without an outcome is a
crawl that did not finish, which the monitor never takes as evidence.

Each report is filed under the agency it names (crawler.attribution), not under the agency whose
column listed it: a county's column listing the city's report files it under the city, and an
agency the registry lacks gets it under no agency. Where it was found stays the capture's: its
crawl run is the column owner's. At the end, each link of the run's column that led to a report
filed elsewhere is marked `elsewhere` (whose, and why), so the monitor never takes another
agency's report as the column owner's listing. Pages that are about a report (interpretations,
news) are not archived as reports (crawler.recognize.not_a_report_page).
"""

from __future__ import annotations

import datetime as dt
import functools
import http
import logging
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import object_session
from twisted.internet import defer

from crawler.attribution import Filed, Registry, attribute
from crawler.clock import crawl_clock
from crawler.recognize import not_a_report_page
from crawler.registry import Agency as RegistryAgency
from parsing import Record
from storage import Archive, CaptureIn
from storage.archive import Filing, IngestItem, IngestResult, agency_row_for, record_text
from storage.group_commit import GroupCommit
from storage.parse_pool import default_workers
from storage.clock import Clock, system_clock
from storage.models import Agency, Capture, CrawlRun, Report
from storage.vocab import CaptureRole, CrawlOutcome

log = logging.getLogger(__name__)


def _reason(status: int) -> str | None:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return None


class ArchivePipeline:
    def __init__(self, data: str | None, database_url: str | None, crawler=None,
                 clock: Clock = system_clock, parse_workers: int | None = None) -> None:
        self.crawler = crawler
        # Reports parse in worker processes (storage.parse_pool), not on the crawl's own core.
        self.parse_workers = default_workers() if parse_workers is None else parse_workers
        self.clock = clock  # stamps the end of each agency's run
        self.data = Path(data) if data else None
        self.database_url = database_url
        self.archive: Archive | None = None
        self.writer: GroupCommit | None = None
        self.ingested = {"new": 0, "revisit": 0, "exists": 0, "reports": 0}
        self.run_ids: dict[str, int] = {}
        self.registry = Registry(())
        self._root_level: int | None = None  # the root logger's level before open_spider raised it

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(settings.get("NIANBAO_DATA"), settings.get("NIANBAO_DATABASE_URL"), crawler, crawl_clock(settings),
                   settings.getint("NIANBAO_PARSE_WORKERS", default_workers()))

    def open_spider(self, spider=None) -> None:
        self._root_level = skip_unlogged_records()
        self.archive = Archive.open(self.data, self.database_url, parse_workers=self.parse_workers)
        self.writer = GroupCommit(self.archive)
        spider = spider or (self.crawler.spider if self.crawler is not None else None)
        outcomes = getattr(spider, "outcomes", {})
        registry = getattr(spider, "agencies", {})
        # Reports are attributed among the whole registry when the spider carries it (a crawl
        # of some agencies still files another's report under it), else among those crawled.
        self.registry = attribution_registry(getattr(spider, "registry", None) or registry.values())
        with self.archive.session() as session, session.begin():
            for name, outcome in outcomes.items():
                run, outcome.reports_before = open_run(session, name, registry.get(name), outcome.started_at)
                self.run_ids[name] = run.id

    def process_item(self, item: dict, spider=None):
        """A Deferred fired with the item's outcome once its batch is committed."""
        from twisted.internet import reactor  # Scrapy installs the reactor; importing it first would choose one

        assert self.writer is not None
        done = defer.Deferred()
        future = self.writer.submit(self._item(item))

        def settle(_future) -> None:
            error = future.exception()
            if error is not None:
                done.errback(error)
            else:
                done.callback(self._stored(item, future.result()))

        future.add_done_callback(lambda f: reactor.callFromThread(settle, f))
        return done

    def _item(self, item: dict) -> IngestItem:
        # List pages are kept as captures but never parsed: they cannot be reports, and parsing
        # them was a quarter of the crawl's CPU (bench/crawl profile).
        is_list = item["role"] in (CaptureRole.LIST, CaptureRole.RENDERED)  # a rendered DOM is a list's too
        column = self.registry.by_name.get(item["agency"])
        return IngestItem(CaptureIn(
            url=item["url"],
            body=item["body"],
            captured_at=item["captured_at"],
            status=item["status"],
            reason=_reason(item["status"]),
            http_version="HTTP/1.1",
            headers=tuple(item["headers"]),
            final_url=item["final_url"],
            content_type=item["content_type"],
            source=item.get("source", "crawl"),  # "browser": received by the browser path
            agency=None if is_list else item["agency"],
            run_id=self.run_ids.get(item["agency"]),
            role=item["role"],
        ), parse=not is_list, file_under=functools.partial(file_report, self.registry, column, item["url"]))

    def _stored(self, item: dict, result: IngestResult) -> dict:
        self.ingested[result.status] += 1
        self.ingested["reports"] += result.report_id is not None and result.new_version
        return {"url": item["url"], "status": result.status, "report_id": result.report_id}

    def close_spider(self, spider=None) -> None:
        assert self.archive is not None and self.writer is not None
        self.writer.close()  # every capture committed before the runs are closed
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
                close_run(run, outcome, finished, self.registry)
        self.archive.close()
        if self._root_level is not None:
            logging.getLogger().setLevel(self._root_level)
            self._root_level = None


def skip_unlogged_records() -> int | None:
    """Raise the root logger's level to the lowest level any handler logs, so that a record no
    handler would write is never made; the level it had before, or None if left as it was.

    Scrapy's root handler has LOG_LEVEL (INFO), but Scrapy sets the root logger itself to NOTSET,
    so every logger.debug() of every library built a LogRecord that the handler then dropped. In
    the crawl's process the group commit parses reports until its parse workers start (and the
    whole crawl with NIANBAO_PARSE_WORKERS=0), and pdfminer calls log.debug for every token it
    reads: a fifth of the crawl process's CPU in a py-spy profile of bench/crawl.py's
    ~1,000-page crawl. What is logged stays the same: nothing is raised past a level some
    handler takes (a handler on any logger, pytest's caplog included), and a root level set on
    purpose is left alone."""
    root = logging.getLogger()
    if root.level != logging.NOTSET or not root.handlers:
        return None
    floor = min(handler.level for handler in root.handlers)
    others = (logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger))
    if floor <= logging.NOTSET or any(handler.level < floor and not isinstance(handler, logging.NullHandler)
                                      for logger in others for handler in logger.handlers):
        return None
    root.setLevel(floor)
    return logging.NOTSET


@functools.cache
def _division_names() -> frozenset[str]:
    """The names of China's divisions, by which a misprinted place is told from a real one."""
    from crawler.registry_divisions import national_governments

    return frozenset(g.division for g in national_governments())


def attribution_registry(agencies: Iterable[RegistryAgency]) -> Registry:
    return Registry(agencies, _division_names())


def file_report(registry: Registry, column: RegistryAgency | None, url: str, record: Record) -> Filing:
    """Where a report found in `column` (None: found in no registry agency's column) is filed:
    not at all when its page says it is about a report (an interpretation, news); else under
    the agency it names (crawler.attribution), logged with the reason when that is not the
    column's owner."""
    refused = not_a_report_page(record.title)
    if refused:
        return Filing(not_a_report=refused)
    found = attribute(record.title, record.agency, record_text(record)[:600], registry, column)
    if found.filed != Filed.OWN:
        log.info("%s: %s: %s (listed by %s)", url, found.filed, found.reason, column.name if column else "no column")
    return Filing(agency=found.agency, agency_name=found.agency if found.filed.registered else found.named)


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


def close_run(run: CrawlRun, outcome, finished: dt.datetime, registry: Registry | None = None) -> None:
    """The outcome of the crawl (a crawler.spiders.reports.AgencyOutcome) into its run row; the
    column's links to other agencies' reports marked (`mark_elsewhere`)."""
    run.finished_at = finished
    run.outcome = outcome.outcome
    run.pages_listed = outcome.pages_listed
    run.reports_found = outcome.reports_found
    run.listed = mark_elsewhere(run, list(outcome.listed), registry)
    run.errors = outcome.list_errors + outcome.errors + (
        [f"the column listed no reports where {outcome.reports_before} were archived before: "
         "a crawler failure, not evidence that the agency stopped publishing"]
        if outcome.outcome == CrawlOutcome.FAILED else []
    )


def mark_elsewhere(run: CrawlRun, listed: list[dict], registry: Registry | None = None) -> list[dict]:
    """The column's links, each that led to another agency's report marked `elsewhere`: {"agency"
    (the registry's name, or None), "named", "reason"}. Decided by where the archive filed the
    report (the link's page or its attachments); a link archived as no report, by its title
    (with `registry`). The monitor reads only the unmarked links as the column owner's."""
    session = object_session(run)
    owner = session.get(Agency, run.agency_id) if session is not None and run.agency_id is not None else None
    if session is None or owner is None:
        return listed
    urls = {u for link in listed for u in (link["url"], *link.get("attachments", ()))}
    landed = dict(session.execute(
        select(Capture.url, func.coalesce(Capture.final_url, Capture.url)).where(Capture.url.in_(urls))
    ).all()) if urls else {}
    reports = {r.url: r for r in session.scalars(select(Report).where(Report.url.in_(urls | set(landed.values()))))}
    column = registry.by_name.get(owner.name) if registry is not None else None
    marked = []
    for link in listed:
        found = [reports[u] for u in (landed.get(u, u) for u in (link["url"], *link.get("attachments", ())))
                 if u in reports]
        elsewhere = None
        if found and all(r.agency_id != owner.id for r in found):
            report = found[0]
            elsewhere = {"agency": report.agency.name if report.agency else None, "named": report.agency_name,
                         "reason": "its report is filed under " + (report.agency.name if report.agency else
                                                                   f"no registered agency ({report.agency_name})")}
        elif not found and registry is not None and column is not None:
            by_title = attribute(link.get("title"), None, None, registry, column)
            if by_title.filed != Filed.OWN:
                elsewhere = {"agency": by_title.agency, "named": by_title.named,
                             "reason": f"not archived; by its link title: {by_title.reason}"}
        marked.append({**link, "elsewhere": elsewhere} if elsewhere else link)
    return marked
