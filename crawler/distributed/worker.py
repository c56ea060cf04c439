"""A worker process of a distributed crawl: the report spider and the archive pipeline as a
worker runs them, and `run_worker`, which joins (or creates) the crawl and runs until it ends.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from scrapy import Request, signals
from scrapy.crawler import CrawlerProcess

from crawler.distributed.outcomes import RequestEffect, outcome_snapshot, read_outcomes
from crawler.distributed.state import (
    DEFAULT_WORKER_TTL,
    CrawlKeys,
    DistributedCrawlError,
    connect,
    join_crawl,
    prepare_runs,
    worker_id,
)
from crawler.pipelines import ArchivePipeline
from crawler.redis_queue import TOKEN, ReliablePriorityQueue
from crawler.registry import Agency
from crawler.run import crawl_settings, known_report_urls
from crawler.spiders.reports import AgencyOutcome, ReportsSpider
from storage import Archive
from storage.clock import Clock, system_clock
from storage.db import data_dir
from storage.group_commit import GroupCommit

log = logging.getLogger(__name__)

WORKER_CONCURRENT_REQUESTS = 64  # requests in flight per worker (a request waiting for its turn counts)


class DistributedReportsSpider(ReportsSpider):
    """The report spider, seeding the shared queue once and measuring each response's effect on
    its agency's outcome, which it hands to the ack of the request (crawler.distributed.outcomes)."""

    redis_queue: ReliablePriorityQueue  # set by crawler.redis_queue.ReliableScheduler.open

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.keys = CrawlKeys(crawler.settings.get("NIANBAO_CRAWL_ID"))
        spider._work: dict[str, RequestEffect] = {}
        crawler.signals.connect(spider._item_done, signal=signals.item_scraped)
        crawler.signals.connect(spider._item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(spider._item_failed, signal=signals.item_error)
        return spider

    async def start(self):
        requests = [r async for r in super().start()]
        df = self.redis_dupefilter
        added = self.redis_queue.seed([(r, df.request_fingerprint(r)) for r in requests], self.keys.seeded, df.key)
        if added >= 0:
            log.info("crawl %s seeded with %d requests", self.keys.crawl_id, added)
        return
        yield  # an async generator that yields nothing: the queue is Redis's

    # callbacks, each measured
    def parse_list(self, response):
        return self._measured(response.meta, lambda: super(DistributedReportsSpider, self).parse_list(response))

    def parse_report(self, response):
        return self._measured(response.meta, lambda: super(DistributedReportsSpider, self).parse_report(response))

    def parse_attachment(self, response):
        return self._measured(response.meta,
                              lambda: super(DistributedReportsSpider, self).parse_attachment(response))

    def failed(self, failure):
        # The errback does its work when called, not when iterated: measured from the call.
        return self._measured(failure.request.meta, lambda: super(DistributedReportsSpider, self).failed(failure))

    def _measured(self, meta: dict, callback: Callable[[], Iterable]) -> Iterator:
        """The callback's output passed through, each step (its code up to the next yield, which
        nothing else interrupts) measured against the agency's outcome."""
        token = meta.get(TOKEN)
        if token is None:
            yield from callback()
            return
        agency = meta.get("agency")
        work = self._work.setdefault(token, RequestEffect(agency if agency in self.outcomes else None))
        outcome = self.outcomes.get(agency)
        iterator = None
        try:
            while True:
                before = outcome_snapshot(outcome) if outcome is not None else None
                try:
                    if iterator is None:
                        iterator = iter(callback())
                    value = next(iterator)
                except StopIteration:
                    work.add(outcome, before)
                    return
                except Exception:
                    work.add(outcome, before)
                    raise
                work.add(outcome, before)
                if not isinstance(value, Request):
                    work.pending_items += 1
                yield value
        finally:
            work.callback_done = True
            self._maybe_ack(token)

    def _item_done(self, item, response, **kwargs) -> None:
        self._item_settled(response)

    def _item_dropped(self, item, response, exception, **kwargs) -> None:
        self._item_settled(response)

    def _item_failed(self, item, response, failure, **kwargs) -> None:
        token = response.meta.get(TOKEN) if response is not None else None
        if token in self._work:
            self._work[token].errors.append(f"{response.url}: not archived: {failure.getErrorMessage()}")
        self._item_settled(response)

    def _item_settled(self, response) -> None:
        token = response.meta.get(TOKEN) if response is not None else None
        if token in self._work:
            self._work[token].pending_items -= 1
            self._maybe_ack(token)

    def _maybe_ack(self, token: str) -> None:
        work = self._work.get(token)
        if work is None or not work.callback_done or work.pending_items > 0:
            return
        del self._work[token]
        if not self.redis_queue.ack(token, work.counters(self.keys)):
            # Another worker took this request back (our heartbeat lapsed): its count is theirs.
            log.warning("request %s was requeued while this worker held it; its outcome counts once, elsewhere", token)


class DistributedArchivePipeline(ArchivePipeline):
    """The archive pipeline with the crawl's shared CrawlRun rows; outcomes are written once, at
    the crawl's end, by `CrawlMembership`, not by each worker."""

    def open_spider(self, spider=None) -> None:
        self.archive = Archive.open(self.data, self.database_url, parse_workers=self.parse_workers)
        self.writer = GroupCommit(self.archive)
        runs = self.crawler.settings.getdict("NIANBAO_RUN_IDS") if self.crawler is not None else {}
        self.run_ids = {name: int(run) for name, run in runs.items()}

    def close_spider(self, spider=None) -> None:
        assert self.archive is not None and self.writer is not None
        self.writer.close()
        self.archive.close()


@dataclass
class WorkerResult:
    crawl_id: str
    worker: str
    finished: bool  # the crawl ended and its outcomes were recorded
    outcomes: dict[str, AgencyOutcome]  # the whole crawl's when finished, else this worker's share
    requeued: int = 0  # requests of dead workers that went back to the queue during the crawl


def run_worker(agencies: list[Agency], redis_url: str, data: Path | None = None, overrides: dict | None = None,
               *, database_url: str | None = None, worker_ttl: float = DEFAULT_WORKER_TTL,
               clock: Clock = system_clock) -> WorkerResult:
    """Take part in the crawl of `agencies` on `redis_url` (creating it if none is in progress)
    until it ends; this process's stdout gets nothing (the CLI prints the result). `clock`
    stamps the crawl's start and end and its captures."""
    if not agencies:
        raise DistributedCrawlError("no agencies to crawl")
    database_url = database_url or os.environ.get("NIANBAO_DATABASE_URL")
    if not database_url or not database_url.startswith("postgresql"):
        raise DistributedCrawlError("workers share one database: set NIANBAO_DATABASE_URL=postgresql://… "
                                    "(every worker the same)")
    if worker_ttl <= 0:
        raise DistributedCrawlError(f"worker TTL must be positive, not {worker_ttl}")
    data = Path(data) if data is not None else data_dir()
    data.mkdir(parents=True, exist_ok=True)
    server = connect(redis_url)
    worker = worker_id()
    keys, _created = join_crawl(server, agencies, worker, clock)
    # A worker of the same id (a pid reused on this host) may have left requests behind.
    ReliablePriorityQueue(server, _NamedSpider(), keys.queue, processing_key=keys.processing(worker),
                          worker=worker).requeue(keys.processing(worker))
    runs = prepare_runs(server, keys, agencies, data, database_url)

    settings = crawl_settings(data, overrides, agencies)
    for key, value in {
        "NIANBAO_DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SCHEDULER": "crawler.redis_queue.ReliableScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_QUEUE_KEY": keys.queue,
        "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter,
        "NIANBAO_PROCESSING_KEY": keys.processing(worker),
        "NIANBAO_WORKER_ID": worker,
        "NIANBAO_CRAWL_ID": keys.crawl_id,
        "NIANBAO_WORKER_TTL": worker_ttl,
        "NIANBAO_RUN_IDS": runs,
        "NIANBAO_CLOCK": clock,
        "ITEM_PIPELINES": {"crawler.distributed.worker.DistributedArchivePipeline": 300},
        # A broad crawl (Scrapy's advice for them): most requests in flight wait for their host's
        # turn, and 16 (the default) left a worker idle on long columns (bench/scale --filler 100).
        "CONCURRENT_REQUESTS": WORKER_CONCURRENT_REQUESTS,
        "LOG_INSTALL_ROOT_HANDLER": True,
        "LOG_FILE": str(data / "crawl.log"),
        "LOG_FILE_APPEND": True,
    }.items():
        settings.set(key, value, priority="cmdline")
    settings.set("EXTENSIONS", {**settings.getdict("EXTENSIONS"),
                                "crawler.distributed.membership.CrawlMembership": 400}, priority="cmdline")
    # Each host's pace is kept across workers (crawler/pacing.py), after robots.txt has had its say.
    settings.set("DOWNLOADER_MIDDLEWARES", {**settings.getdict("DOWNLOADER_MIDDLEWARES"),
                                            "crawler.pacing.SharedHostPacing": 150}, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(DistributedReportsSpider)
    known = known_report_urls(data, database_url, agencies)
    process.crawl(crawler, agencies=agencies, known_reports=known)
    process.start()
    finished = bool(server.exists(keys.recorded))
    outcomes = read_outcomes(server, keys, agencies) if finished else crawler.spider.outcomes
    requeued = int(server.hget(keys.stats, "requeued") or 0)
    return WorkerResult(keys.crawl_id, worker, finished, outcomes, requeued)


@dataclass
class _NamedSpider:
    """What scrapy-redis's queue needs of a spider to requeue without one running."""

    name: str = DistributedReportsSpider.name
