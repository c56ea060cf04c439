"""The reliable queue over scrapy-redis (crawler/redis_queue.py) against a real Redis: popped
requests wait in the worker's processing hash until acked, counters apply once, a dead worker's
requests come back past the dupefilter, a retry takes its original's place."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import scrapy
from scrapy_redis.dupefilter import RFPDupeFilter

from crawler.redis_queue import TOKEN, ReliablePriorityQueue
from nianbao.devportal.redis_server import RedisServer, throwaway_redis


class Spider(scrapy.Spider):
    name = "t"

    def parse(self, response):
        return None


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    with throwaway_redis() as server:
        yield server


def _queue(redis_server: RedisServer, worker: str) -> ReliablePriorityQueue:
    return ReliablePriorityQueue(redis_server.client(), Spider(), "q", processing_key=f"p:{worker}", worker=worker)


def _push(queue: ReliablePriorityQueue, url: str, **kwargs) -> bool:
    dupefilter = RFPDupeFilter(queue.server, "df")
    request = scrapy.Request(url, **kwargs)
    return queue.push(request, "" if request.dont_filter else dupefilter.request_fingerprint(request), "df")


def test_a_popped_request_waits_in_processing_until_acked(redis_server: RedisServer) -> None:
    queue = _queue(redis_server, "a")
    _push(queue, "http://127.0.0.11/1")
    request = queue.pop()
    assert request.url == "http://127.0.0.11/1" and request.meta[TOKEN] == "a:1"
    assert queue.server.zcard("q") == 0 and queue.in_processing() == 1
    assert queue.ack(request.meta[TOKEN], {"hincrby": {"o": {"pages": 2}}, "rpush": {"e": ["x"]}})
    assert queue.in_processing() == 0
    assert not queue.ack(request.meta[TOKEN], {"hincrby": {"o": {"pages": 2}}})  # twice: counted once
    assert int(queue.server.hget("o", "pages")) == 2 and queue.server.lrange("e", 0, -1) == [b"x"]


def test_priorities_hold(redis_server: RedisServer) -> None:
    queue = _queue(redis_server, "a")
    _push(queue, "http://127.0.0.11/later", priority=-10)
    for i in range(5):
        _push(queue, f"http://127.0.0.11/{i}")
    urls = [queue.pop().url for _ in range(6)]
    assert urls[-1] == "http://127.0.0.11/later"


def test_a_dead_workers_requests_return_past_the_dupefilter(redis_server: RedisServer) -> None:
    dead, alive = _queue(redis_server, "dead"), _queue(redis_server, "alive")
    assert _push(dead, "http://127.0.0.11/1")
    dead.pop()
    assert not _push(alive, "http://127.0.0.11/1")  # seen: the dupefilter says no
    dead.server.set("hb:dead", 1, px=60_000)
    assert alive.requeue("p:dead", "hb:dead") == -1  # its heartbeat is alive: left alone
    dead.server.delete("hb:dead")
    assert alive.requeue("p:dead", "hb:dead") == 1
    again = alive.pop()
    assert again.url == "http://127.0.0.11/1" and TOKEN in again.meta and alive.in_processing() == 1
    assert dead.in_processing() == 0
    assert not dead.ack("dead:1")  # the dead worker's late ack counts for nothing


def test_a_retry_takes_its_originals_place(redis_server: RedisServer) -> None:
    queue = _queue(redis_server, "a")
    _push(queue, "http://127.0.0.11/flaky")
    original = queue.pop()
    retry = original.replace(dont_filter=True)  # what RetryMiddleware sends back to the scheduler
    assert _push(queue, retry.url, dont_filter=True, meta=dict(retry.meta))
    assert queue.in_processing() == 0 and queue.server.zcard("q") == 1
    assert queue.pop().meta[TOKEN] == "a:2"  # the new request, under a token of its own
