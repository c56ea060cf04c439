"""A crawl shared by several worker processes (`nianbao crawl --workers redis://…`).

What this module owns: the life of one distributed crawl in Redis, around the reliable queue of
`crawler.redis_queue` (scrapy-redis underneath):

- **joining**: ``nianbao:crawl`` names the crawl in progress; the first worker creates one (an id
  and its start time), later ones join it, provided their registry is the same one;
- **preparing**: one worker (under a Redis lock) brings the agencies' rows in line with the
  registry and opens one `CrawlRun` row per agency for the whole crawl; every worker's captures
  point at those rows;
- **seeding**: the registry's column URLs (and the reports archived before, rechecked) are queued
  once per crawl, by whichever worker starts first, in one step with the dupefilter;
- **liveness**: each worker refreshes a heartbeat key with a TTL; any worker finding another's
  heartbeat expired puts that worker's in-flight requests back on the queue (so a worker killed
  with SIGKILL loses nothing);
- **outcomes**: each response's effect on its agency's outcome (pages listed, reports found,
  errors, blocked, report links listed) is measured around its callback and added to Redis
  hashes in the same step as the request's ack, so it counts exactly once whichever worker did
  the work, and however often it was redone;
- **the end**: the crawl is over when it was seeded, the queue is empty and no worker holds a
  request. The first worker to see that writes the outcomes into the crawl's `CrawlRun` rows
  (one per agency), marks the crawl recorded and frees ``nianbao:crawl`` for the next crawl.

All workers write to one database (PostgreSQL, $NIANBAO_DATABASE_URL) and one blob store
($NIANBAO_DATA, on a filesystem every worker mounts).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import redis
from scrapy import Request, signals
from scrapy.crawler import CrawlerProcess
from scrapy.exceptions import DontCloseSpider
from twisted.internet import task

from crawler.pipelines import ArchivePipeline, close_run, open_run
from crawler.redis_queue import TOKEN, ReliablePriorityQueue
from crawler.registry import Agency
from crawler.run import crawl_settings, known_report_urls
from crawler.spiders.reports import AgencyOutcome, ReportsSpider
from storage import Archive
from storage.db import data_dir
from storage.models import CrawlRun

log = logging.getLogger(__name__)

CURRENT_CRAWL = "nianbao:crawl"
DEFAULT_WORKER_TTL = 30.0  # seconds without a heartbeat before a worker's requests are requeued
KEEP_FINISHED = 7 * 24 * 3600  # a recorded crawl's keys stay this long, for inspection
JOIN_ATTEMPTS = 50
WORKER_CONCURRENT_REQUESTS = 64  # requests in flight per worker (a request waiting for its turn counts)


class DistributedCrawlError(Exception):
    """A distributed crawl cannot start or go on: the message says why."""


@dataclass(frozen=True)
class CrawlKeys:
    """The Redis keys of crawl `crawl_id` (all under ``nianbao:<crawl_id>:``)."""

    crawl_id: str

    def _key(self, *parts: str) -> str:
        return ":".join(("nianbao", self.crawl_id, *parts))

    @property
    def meta(self) -> str:  # hash: started_at, registry (digest), created_by
        return self._key("meta")

    @property
    def queue(self) -> str:
        return self._key("requests")

    @property
    def dupefilter(self) -> str:
        return self._key("dupefilter")

    @property
    def seeded(self) -> str:
        return self._key("seeded")

    @property
    def workers(self) -> str:
        return self._key("workers")

    @property
    def runs(self) -> str:  # hash: agency -> CrawlRun id
        return self._key("runs")

    @property
    def reports_before(self) -> str:  # hash: agency -> reports archived before the crawl
        return self._key("reports_before")

    @property
    def prepare_lock(self) -> str:
        return self._key("prepare")

    @property
    def writer(self) -> str:
        return self._key("writer")

    @property
    def recorded(self) -> str:
        return self._key("recorded")

    @property
    def stats(self) -> str:  # hash: requeued, orphans
        return self._key("stats")

    def processing(self, worker: str) -> str:
        return self._key("processing", worker)

    def heartbeat(self, worker: str) -> str:
        return self._key("heartbeat", worker)

    def outcome(self, agency: str) -> str:  # hash: pages_listed, reports_found, blocked
        return self._key("outcome", agency)

    def list_errors(self, agency: str) -> str:
        return self._key("list_errors", agency)

    def errors(self, agency: str) -> str:
        return self._key("errors", agency)

    def listed(self, agency: str) -> str:  # JSON of each report link a column listed
        return self._key("listed", agency)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def connect(redis_url: str) -> redis.Redis:
    if not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise DistributedCrawlError(f"{redis_url}: not a Redis URL (redis://HOST:PORT/DB, rediss://…, unix://…)")
    try:
        server = redis.Redis.from_url(redis_url, socket_connect_timeout=10, socket_timeout=30)
        server.ping()
    except (redis.RedisError, ValueError) as exc:
        raise DistributedCrawlError(f"cannot reach Redis at {redis_url}: {exc}") from exc
    return server


def registry_digest(agencies: Iterable[Agency]) -> str:
    """What makes two workers' registries the same crawl: names and columns."""
    shape = sorted((a.name, list(a.list_urls)) for a in agencies)
    return hashlib.sha256(json.dumps(shape, ensure_ascii=False).encode()).hexdigest()[:16]


_CREATE = """
-- KEYS: current crawl, new crawl's meta; ARGV: crawl id, started_at, registry digest, worker
if redis.call('SET', KEYS[1], ARGV[1], 'NX') == false then return 0 end
redis.call('HSET', KEYS[2], 'started_at', ARGV[2], 'registry', ARGV[3], 'created_by', ARGV[4])
return 1
"""

_RELEASE = """
-- KEYS: current crawl; ARGV: crawl id: free the name only if it is still this crawl's
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

_COMPLETE = """
-- KEYS: seeded, queue, workers; ARGV: processing key prefix. 1 when nothing is left anywhere
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('ZCARD', KEYS[2]) > 0 then return 0 end
for _, w in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if redis.call('HLEN', ARGV[1] .. w) > 0 then return 0 end
end
return 1
"""


def join_crawl(server: redis.Redis, agencies: list[Agency], worker: str) -> tuple[CrawlKeys, bool]:
    """The crawl in progress (joined) or a new one (created): its keys, and whether it is new."""
    digest = registry_digest(agencies)
    create = server.register_script(_CREATE)
    for _attempt in range(JOIN_ATTEMPTS):
        now = dt.datetime.now(dt.timezone.utc)
        crawl_id = f"{now:%Y%m%dT%H%M%S}-{os.urandom(3).hex()}"
        keys = CrawlKeys(crawl_id)
        if create(keys=[CURRENT_CRAWL, keys.meta], args=[crawl_id, now.isoformat(), digest, worker]):
            log.info("crawl %s created by %s", crawl_id, worker)
            return keys, True
        current = server.get(CURRENT_CRAWL)
        if current is None:
            continue  # it just ended
        keys = CrawlKeys(current.decode())
        if server.exists(keys.recorded):
            time.sleep(0.2)  # ending: its name is about to be freed
            continue
        theirs = server.hget(keys.meta, "registry")
        if theirs is not None and theirs.decode() != digest:
            raise DistributedCrawlError(
                f"crawl {keys.crawl_id} in progress on this Redis has another registry (agencies or columns "
                f"differ from this worker's --config/--agency); join it with the same registry, or wait for it to end")
        log.info("%s joins crawl %s", worker, keys.crawl_id)
        return keys, False
    raise DistributedCrawlError(f"could not create or join a crawl on Redis after {JOIN_ATTEMPTS} attempts")


def started_at(server: redis.Redis, keys: CrawlKeys) -> dt.datetime:
    raw = server.hget(keys.meta, "started_at")
    if raw is None:
        raise DistributedCrawlError(f"crawl {keys.crawl_id}: its start time is missing from Redis")
    return dt.datetime.fromisoformat(raw.decode())


def prepare_runs(server: redis.Redis, keys: CrawlKeys, agencies: list[Agency], data: Path,
                 database_url: str | None, *, lock_timeout: float = 600.0) -> dict[str, int]:
    """The crawl's CrawlRun row per agency (created by the first worker here, under a lock, with
    the schema migrated and the agencies' rows brought in line with the registry). The lock
    expires after `lock_timeout` seconds should its holder die; a registry so large that its rows
    take longer would let a second worker prepare too (duplicate runs without an outcome, which
    the monitor ignores)."""
    with server.lock(keys.prepare_lock, timeout=lock_timeout, blocking_timeout=lock_timeout * 2):
        runs = server.hgetall(keys.runs)
        if runs:
            return {name.decode(): int(run) for name, run in runs.items()}
        begun = started_at(server, keys)
        archive = Archive.open(data, database_url)  # migrates the schema: one worker at a time
        try:
            before: dict[str, int] = {}
            ids: dict[str, int] = {}
            with archive.session() as session, session.begin():
                for agency in agencies:
                    run, before[agency.name] = open_run(session, agency.name, agency, begun)
                    ids[agency.name] = run.id
        finally:
            archive.close()
        with server.pipeline() as pipe:  # runs last: it is the "prepared" mark
            if before:
                pipe.hset(keys.reports_before, mapping=before)
                pipe.hset(keys.runs, mapping=ids)
            pipe.execute()
        return ids


# -- outcomes ------------------------------------------------------------------------------


def _snapshot(outcome: AgencyOutcome) -> tuple:
    return (outcome.pages_listed, outcome.reports_found, len(outcome.list_errors), len(outcome.errors),
            outcome.blocked, len(outcome.listed))


@dataclass
class _Work:
    """One popped request's effect on its agency's outcome, until its ack."""

    agency: str | None
    pending_items: int = 0
    callback_done: bool = False
    pages_listed: int = 0
    reports_found: int = 0
    blocked: bool = False
    list_errors: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    listed: list[dict] = field(default_factory=list)

    def add(self, outcome: AgencyOutcome | None, before: tuple | None) -> None:
        """What the callback changed in `outcome` since `before` (one uninterrupted step)."""
        if outcome is None or before is None:
            return
        self.pages_listed += outcome.pages_listed - before[0]
        self.reports_found += outcome.reports_found - before[1]
        self.list_errors += outcome.list_errors[before[2]:]
        self.errors += outcome.errors[before[3]:]
        self.blocked |= outcome.blocked and not before[4]
        self.listed += outcome.listed[before[5]:]

    def counters(self, keys: CrawlKeys) -> dict:
        if self.agency is None:
            return {}
        counters: dict = {"hincrby": {}, "hset": {}, "rpush": {}}
        numbers = {k: v for k, v in (("pages_listed", self.pages_listed), ("reports_found", self.reports_found)) if v}
        if numbers:
            counters["hincrby"][keys.outcome(self.agency)] = numbers
        if self.blocked:
            counters["hset"][keys.outcome(self.agency)] = {"blocked": 1}
        for key, values in ((keys.list_errors(self.agency), self.list_errors), (keys.errors(self.agency), self.errors),
                            (keys.listed(self.agency), [json.dumps(v, ensure_ascii=False) for v in self.listed])):
            if values:
                counters["rpush"][key] = values
        return {kind: value for kind, value in counters.items() if value}


def read_outcomes(server: redis.Redis, keys: CrawlKeys, agencies: list[Agency]) -> dict[str, AgencyOutcome]:
    """Every agency's outcome over all workers, as counted in Redis."""
    begun = started_at(server, keys)
    before = {k.decode(): int(v) for k, v in server.hgetall(keys.reports_before).items()}
    outcomes = {}
    for agency in agencies:
        name = agency.name
        counts = {k.decode(): int(v) for k, v in server.hgetall(keys.outcome(name)).items()}
        outcomes[name] = AgencyOutcome(
            name, started_at=begun,
            pages_listed=counts.get("pages_listed", 0), reports_found=counts.get("reports_found", 0),
            list_errors=[e.decode() for e in server.lrange(keys.list_errors(name), 0, -1)],
            errors=[e.decode() for e in server.lrange(keys.errors(name), 0, -1)],
            blocked=bool(counts.get("blocked", 0)), reports_before=before.get(name, 0),
            listed=[json.loads(e) for e in server.lrange(keys.listed(name), 0, -1)],
        )
    return outcomes


def record_outcomes(archive: Archive, runs: dict[str, int], outcomes: dict[str, AgencyOutcome],
                    finished: dt.datetime) -> int:
    """Write the outcomes into the crawl's CrawlRun rows; rows written before are left alone (a
    writer that died after its commit). Returns how many rows were written."""
    written = 0
    with archive.session() as session, session.begin():
        for name, outcome in outcomes.items():
            run = session.get(CrawlRun, runs[name]) if name in runs else None
            if run is None or run.outcome is not None:
                continue
            close_run(run, outcome, finished)
            written += 1
    return written


# -- the worker's Scrapy parts -------------------------------------------------------------


class DistributedReportsSpider(ReportsSpider):
    """The report spider, seeding the shared queue once and measuring each response's effect on
    its agency's outcome, which it hands to the ack of the request (see module docstring)."""

    redis_queue: ReliablePriorityQueue  # set by crawler.redis_queue.ReliableScheduler.open

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.keys = CrawlKeys(crawler.settings.get("NIANBAO_CRAWL_ID"))
        spider._work: dict[str, _Work] = {}
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
        work = self._work.setdefault(token, _Work(agency if agency in self.outcomes else None))
        outcome = self.outcomes.get(agency)
        iterator = None
        try:
            while True:
                before = _snapshot(outcome) if outcome is not None else None
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
        self.archive = Archive.open(self.data, self.database_url)
        runs = self.crawler.settings.getdict("NIANBAO_RUN_IDS") if self.crawler is not None else {}
        self.run_ids = {name: int(run) for name, run in runs.items()}

    def close_spider(self, spider=None) -> None:
        assert self.archive is not None
        self.archive.close()


class CrawlMembership:
    """This worker's membership of the crawl: heartbeat, requeueing dead workers' requests, the
    end of the crawl (and its CrawlRun rows), leaving."""

    def __init__(self, crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.server = redis.Redis.from_url(settings.get("REDIS_URL"))
        self.keys = CrawlKeys(settings.get("NIANBAO_CRAWL_ID"))
        self.worker = settings.get("NIANBAO_WORKER_ID")
        self.ttl = settings.getfloat("NIANBAO_WORKER_TTL", DEFAULT_WORKER_TTL)
        self.loop: task.LoopingCall | None = None
        self._complete = self.server.register_script(_COMPLETE)
        self._release = self.server.register_script(_RELEASE)

    @classmethod
    def from_crawler(cls, crawler):
        membership = cls(crawler)
        crawler.signals.connect(membership.opened, signal=signals.spider_opened)
        crawler.signals.connect(membership.idle, signal=signals.spider_idle)
        crawler.signals.connect(membership.closed, signal=signals.spider_closed)
        return membership

    @property
    def queue(self) -> ReliablePriorityQueue:
        return self.crawler.spider.redis_queue

    def opened(self, spider) -> None:
        self.beat()
        self.loop = task.LoopingCall(self.beat)
        self.loop.start(self.ttl / 3, now=False)

    def beat(self) -> None:
        """Alive for another TTL; and the requests of workers that are not go back to the queue."""
        with self.server.pipeline() as pipe:
            pipe.set(self.keys.heartbeat(self.worker), 1, px=int(self.ttl * 1000))
            pipe.sadd(self.keys.workers, self.worker)
            pipe.execute()
        for member in self.server.smembers(self.keys.workers):
            other = member.decode()
            if other == self.worker:
                continue
            returned = self.queue.requeue(self.keys.processing(other), self.keys.heartbeat(other))
            if returned >= 0:
                self.server.srem(self.keys.workers, other)
            if returned > 0:
                self.server.hincrby(self.keys.stats, "requeued", returned)
                log.warning("worker %s stopped answering; %d requests it held returned to the queue", other, returned)

    def idle(self, spider) -> None:
        """Nothing to do here: close when the whole crawl is done (and recorded), else wait."""
        self.beat()
        if self.server.exists(self.keys.recorded):
            return
        held = self.queue.in_processing()
        if held:
            # Idle yet holding requests: work whose ack went missing. Let it be done again.
            returned = self.queue.requeue(self.keys.processing(self.worker))
            self.server.hincrby(self.keys.stats, "orphans", returned)
            log.warning("%d requests held without work in progress; returned to the queue", returned)
            raise DontCloseSpider
        done = self._complete(keys=[self.keys.seeded, self.keys.queue, self.keys.workers],
                              args=[self.keys.processing("")])
        if not done:
            raise DontCloseSpider
        if self.server.set(self.keys.writer, self.worker, nx=True):
            self.record(spider)
            return
        writer = self.server.get(self.keys.writer)
        if writer is not None and not self.server.exists(self.keys.heartbeat(writer.decode())):
            self.server.delete(self.keys.writer)  # the writer died: the next idle round takes over
        raise DontCloseSpider

    def record(self, spider) -> None:
        """The crawl is over: its outcomes into the CrawlRun rows, then the name freed."""
        settings = self.crawler.settings
        runs = {name: int(run) for name, run in settings.getdict("NIANBAO_RUN_IDS").items()}
        outcomes = read_outcomes(self.server, self.keys, list(spider.agencies.values()))
        archive = Archive.open(Path(settings.get("NIANBAO_DATA")), settings.get("NIANBAO_DATABASE_URL"))
        try:
            written = record_outcomes(archive, runs, outcomes, dt.datetime.now(dt.timezone.utc))
        finally:
            archive.close()
        self.server.set(self.keys.recorded, self.worker)
        self._release(keys=[CURRENT_CRAWL], args=[self.keys.crawl_id])
        for key in self.server.scan_iter(match=f"nianbao:{self.keys.crawl_id}:*", count=1000):
            self.server.expire(key, KEEP_FINISHED)
        log.info("crawl %s finished; %d crawl runs written by %s", self.keys.crawl_id, written, self.worker)

    def closed(self, spider, reason) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        with self.server.pipeline() as pipe:
            pipe.srem(self.keys.workers, self.worker)
            pipe.delete(self.keys.heartbeat(self.worker))
            pipe.execute()


# -- running a worker ------------------------------------------------------------------------


@dataclass
class WorkerResult:
    crawl_id: str
    worker: str
    finished: bool  # the crawl ended and its outcomes were recorded
    outcomes: dict[str, AgencyOutcome]  # the whole crawl's when finished, else this worker's share
    requeued: int = 0  # requests of dead workers that went back to the queue during the crawl


def run_worker(agencies: list[Agency], redis_url: str, data: Path | None = None, overrides: dict | None = None,
               *, database_url: str | None = None, worker_ttl: float = DEFAULT_WORKER_TTL) -> WorkerResult:
    """Take part in the crawl of `agencies` on `redis_url` (creating it if none is in progress)
    until it ends; this process's stdout gets nothing (the CLI prints the result)."""
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
    keys, _created = join_crawl(server, agencies, worker)
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
        "ITEM_PIPELINES": {"crawler.distributed.DistributedArchivePipeline": 300},
        # A broad crawl (Scrapy's advice for them): most requests in flight wait for their host's
        # turn, and 16 (the default) left a worker idle on long columns (bench/scale --filler 100).
        "CONCURRENT_REQUESTS": WORKER_CONCURRENT_REQUESTS,
        "LOG_INSTALL_ROOT_HANDLER": True,
        "LOG_FILE": str(data / "crawl.log"),
        "LOG_FILE_APPEND": True,
    }.items():
        settings.set(key, value, priority="cmdline")
    settings.set("EXTENSIONS", {**settings.getdict("EXTENSIONS"), "crawler.distributed.CrawlMembership": 400},
                 priority="cmdline")
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


