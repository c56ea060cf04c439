"""The shared request queue of a distributed crawl: scrapy-redis's scheduler made reliable.

scrapy-redis (0.9.1) keeps the queue (a sorted set by priority) and the dupefilter (a set of
fingerprints) in Redis, but pops requests destructively: a worker killed with SIGKILL loses
every request it had taken. Here, on top of its classes, a request is never anywhere but in
Redis until its work is done:

- pop moves it, in one Lua script, from the queue into the worker's *processing* hash under a
  token (``<worker>:<n>``), which rides in ``request.meta``;
- ack removes the token once the response's callback has finished and its captures are in the
  archive, and in the same script applies the counters the caller hands it (so per-agency crawl
  outcomes are counted exactly once, whoever ends up doing the work);
- a request that leaves the downloader as a new request (a retry, a redirect) hands its token
  over: the new request is pushed and the token removed in one script;
- ``requeue`` puts a worker's processing hash back onto the queue, bypassing the dupefilter;
  `crawler.distributed` calls it for workers whose heartbeat expired, and for its own leftovers.
- push checks the dupefilter and queues in one script, so a fingerprint is never marked seen for
  a request that was not queued (a kill between the two would have lost it).

Queue order: ``-priority`` plus a random fraction below 0.5, so priorities hold and, within one,
hosts are mixed (scrapy-redis's plain ``-priority`` orders equal scores by their pickled bytes,
i.e. by URL, which hands a worker runs of one host that then wait out its politeness delay).
"""

from __future__ import annotations

import itertools
import json
import logging
import random

from scrapy import Request
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

log = logging.getLogger(__name__)

TOKEN = "nianbao_token"  # request.meta key: which processing entry this request is
BROWSER_FINGERPRINT = "browser:%s"  # the dupefilter's entry for a page asked through the browser

# A queued request as stored in a processing hash: "<score>\n<serialized request>".
_PUSH = """
-- KEYS: dupefilter, queue, processing; ARGV: fingerprint ('' = no filter), score, data, token to hand over ('')
local added = 0
if ARGV[1] == '' or redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
  added = 1
end
if ARGV[4] ~= '' then redis.call('HDEL', KEYS[3], ARGV[4]) end
return added
"""

_SEED = """
-- KEYS: seeded marker, dupefilter, queue; ARGV: who seeds, then (fingerprint, score, data) triples
if redis.call('SET', KEYS[1], ARGV[1], 'NX') == false then return -1 end
local added = 0
for i = 2, #ARGV, 3 do
  if redis.call('SADD', KEYS[2], ARGV[i]) == 1 then
    redis.call('ZADD', KEYS[3], ARGV[i + 1], ARGV[i + 2])
    added = added + 1
  end
end
return added
"""

_POP = """
-- KEYS: queue, processing; ARGV: token
local popped = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #popped == 0 then return false end
redis.call('ZREM', KEYS[1], popped[1])
redis.call('HSET', KEYS[2], ARGV[1], popped[2] .. '\\n' .. popped[1])
return popped[1]
"""

_ACK = """
-- KEYS: processing; ARGV: token, counters as JSON {"hincrby": {key: {field: n}}, "hset": {key: {field: v}},
-- "rpush": {key: [values]}}: applied only when this call removed the token (exactly once)
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
local counters = cjson.decode(ARGV[2])
for key, fields in pairs(counters.hincrby or {}) do
  for field, n in pairs(fields) do redis.call('HINCRBY', key, field, n) end
end
for key, fields in pairs(counters.hset or {}) do
  for field, v in pairs(fields) do redis.call('HSET', key, field, v) end
end
for key, values in pairs(counters.rpush or {}) do
  for _, v in ipairs(values) do redis.call('RPUSH', key, v) end
end
return 1
"""

_REQUEUE = """
-- KEYS: processing, queue, heartbeat ('' = requeue regardless); returns how many, or -1 when alive
if KEYS[3] ~= '' and redis.call('EXISTS', KEYS[3]) == 1 then return -1 end
local entries = redis.call('HVALS', KEYS[1])
for _, entry in ipairs(entries) do
  local cut = string.find(entry, '\\n', 1, true)
  redis.call('ZADD', KEYS[2], string.sub(entry, 1, cut - 1), string.sub(entry, cut + 1))
end
redis.call('DEL', KEYS[1])
return #entries
"""


def queue_score(priority: int) -> float:
    return -priority + random.random() * 0.5


class ReliablePriorityQueue(PriorityQueue):
    """scrapy-redis's priority queue with pop-to-processing, ack, hand-over and requeue."""

    def __init__(self, server, spider, key, serializer=None, processing_key: str = "", worker: str = "") -> None:
        super().__init__(server, spider, key, serializer)
        if not processing_key or not worker:
            raise ValueError("a reliable queue needs its worker's processing key and worker id")
        self.processing_key = processing_key
        self.worker = worker
        self._tokens = itertools.count(1)
        self._push = server.register_script(_PUSH)
        self._seed = server.register_script(_SEED)
        self._pop = server.register_script(_POP)
        self._ack = server.register_script(_ACK)
        self._requeue = server.register_script(_REQUEUE)

    def encode(self, request: Request) -> bytes:
        """The request as queued: without the token of the worker that held it."""
        token = request.meta.pop(TOKEN, None)
        try:
            return self._encode_request(request)
        finally:
            if token is not None:
                request.meta[TOKEN] = token

    def push(self, request: Request, fingerprint: str = "", dupefilter_key: str = "") -> bool:
        """Queue `request` unless `fingerprint` is in the dupefilter (added in the same step);
        a request carrying a token of this worker (a retry, a redirect) takes its place."""
        handover = request.meta.pop(TOKEN, None) or ""
        return bool(self._push(
            keys=[dupefilter_key or self.key + ":unused-dupefilter", self.key, self.processing_key],
            args=[fingerprint, queue_score(request.priority), self._encode_request(request), handover],
        ))

    def seed(self, requests: list[tuple[Request, str]], seeded_key: str, dupefilter_key: str) -> int:
        """Queue the crawl's first requests, once per crawl: -1 when someone seeded it already."""
        args: list = [self.worker]
        for request, fingerprint in requests:
            args += [fingerprint, queue_score(request.priority), self._encode_request(request)]
        return int(self._seed(keys=[seeded_key, dupefilter_key, self.key], args=args))

    def pop(self, timeout: int = 0) -> Request | None:
        token = f"{self.worker}:{next(self._tokens)}"
        data = self._pop(keys=[self.key, self.processing_key], args=[token])
        if data is None:
            return None
        try:
            request = self._decode_request(data)
        except Exception:  # a request this code cannot rebuild must not block the crawl's end
            log.exception("a queued request could not be decoded; dropped")
            self.server.hdel(self.processing_key, token)
            return None
        request.meta[TOKEN] = token
        return request

    def ack(self, token: str, counters: dict | None = None) -> bool:
        """The work of `token` is done: forget it and apply `counters` (exactly once)."""
        return bool(self._ack(keys=[self.processing_key], args=[token, json.dumps(counters or {}, ensure_ascii=False)]))

    def requeue(self, processing_key: str, heartbeat_key: str = "") -> int:
        """Back onto the queue: the requests in `processing_key` (only when `heartbeat_key` has
        expired, if given). Returns how many, or -1 when the worker is alive."""
        return int(self._requeue(keys=[processing_key, self.key, heartbeat_key]))

    def in_processing(self) -> int:
        return int(self.server.hlen(self.processing_key))


class ReliableScheduler(Scheduler):
    """scrapy-redis's scheduler over `ReliablePriorityQueue`.

    Settings (set by `crawler.distributed`): SCHEDULER_QUEUE_KEY, SCHEDULER_DUPEFILTER_KEY,
    NIANBAO_PROCESSING_KEY, NIANBAO_WORKER_ID, REDIS_URL.
    """

    queue: ReliablePriorityQueue

    def __init__(self, server, processing_key: str = "", worker: str = "", **kwargs) -> None:
        kwargs["persist"] = True  # the crawl's state outlives any one worker
        kwargs["idle_before_close"] = 0  # never block the reactor in a pop
        super().__init__(server, **kwargs)
        self.processing_key = processing_key
        self.worker = worker

    @classmethod
    def from_settings(cls, settings):
        instance = super().from_settings(settings)
        instance.processing_key = settings.get("NIANBAO_PROCESSING_KEY")
        instance.worker = settings.get("NIANBAO_WORKER_ID")
        if not instance.processing_key or not instance.worker:
            raise ValueError("ReliableScheduler needs NIANBAO_PROCESSING_KEY and NIANBAO_WORKER_ID")
        return instance

    def open(self, spider) -> None:
        self.spider = spider
        self.queue = ReliablePriorityQueue(self.server, spider, self.queue_key % {"spider": spider.name},
                                           serializer=self.serializer, processing_key=self.processing_key,
                                           worker=self.worker)
        if not self.df:
            from scrapy.utils.misc import load_object

            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        spider.redis_queue = self.queue  # the spider seeds through it; the worker acks through it
        spider.redis_dupefilter = self.df

    def close(self, reason) -> None:
        # Whatever this worker still held goes back for the others (a stop before the end).
        returned = self.queue.requeue(self.processing_key)
        if returned:
            log.info("%d requests this worker held returned to the queue", returned)

    def enqueue_request(self, request: Request) -> bool:
        fingerprint = "" if request.dont_filter else self.df.request_fingerprint(request)
        if request.meta.get("browser") and TOKEN not in request.meta:
            # A page asked again through the browser (dont_filter: its plain request is in the
            # dupefilter) is asked once per crawl: a plain request done twice (its worker died
            # before its ack) sent the browser twice (tests/distributed/test_workers.py counted
            # a wall twice). A retry (it carries its token) takes its place as any does.
            fingerprint = BROWSER_FINGERPRINT % self.df.request_fingerprint(request)
        added = self.queue.push(request, fingerprint, self.df.key)
        if not added:
            self.df.log(request, self.spider)
        elif self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return added

    def next_request(self) -> Request | None:
        request = self.queue.pop()
        if request is not None and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request
