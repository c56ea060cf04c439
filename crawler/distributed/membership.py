"""A worker's membership of a distributed crawl (a Scrapy extension): its heartbeat, putting the
requests of workers that stopped answering back on the queue, and the end of the crawl.

The crawl is over when it was seeded, the queue is empty and no worker holds a request. The
first worker to see that writes the outcomes into the crawl's `CrawlRun` rows, stamped with the
crawl's clock (the NIANBAO_CLOCK setting), marks the crawl recorded and frees ``nianbao:crawl``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import redis
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from twisted.internet import task

from crawler.clock import crawl_clock
from crawler.distributed.outcomes import read_outcomes, record_outcomes
from crawler.distributed.state import CURRENT_CRAWL, DEFAULT_WORKER_TTL, CrawlKeys
from crawler.redis_queue import ReliablePriorityQueue
from storage import Archive

log = logging.getLogger(__name__)

KEEP_FINISHED = 7 * 24 * 3600  # a recorded crawl's keys stay this long, for inspection

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
        self.clock = crawl_clock(settings)
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
            written = record_outcomes(archive, runs, outcomes, self.clock())
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
