"""Politeness per host across all the workers of a distributed crawl.

Scrapy's download slots space requests to a host within one process; N workers would each keep
their own pace, and a host could see N requests per delay. `SharedHostPacing` (a downloader
middleware, used by `nianbao crawl --workers`) reserves each request's turn at its host in Redis:
one Lua script reads Redis's clock, takes the host's next free time, and moves it on by the
host's delay (the registry's crawl_delay, else DOWNLOAD_DELAY); the request then waits for its
turn before it reaches the worker's download slot, which adds its own (local) spacing. A turn
that has long passed when the request finally leaves (its slot held it behind a browser page, the
process was stopped) is taken again then (`retake_if_stale`, called by the download handler), or
it would reach the host beside another worker's turn. With no delay configured (--no-politeness)
it does nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from urllib.parse import urlsplit

import redis

log = logging.getLogger(__name__)

PACE_KEY = "nianbao:pace:%s"  # per host, shared by every crawl on this Redis
TURN = "nianbao_turn_at"  # request meta: the time.monotonic() of the turn the request reserved
STALE = 0.05  # seconds: a request leaving later than its turn by more takes a new one

_RESERVE = """
-- KEYS: the host's next free time (ms); ARGV: its delay (ms). Returns ms to wait for this turn
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local turn = math.max(now, free)
local delay = tonumber(ARGV[1])
redis.call('SET', KEYS[1], turn + delay, 'PX', turn + delay - now + 60000)
return turn - now
"""

_ENDED = """
-- KEYS: the host's next free time (ms); ARGV: its delay (ms). A request to the host ended now: its
-- next turn is at least the delay from here
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
if now + tonumber(ARGV[1]) > free then
  redis.call('SET', KEYS[1], now + tonumber(ARGV[1]), 'PX', tonumber(ARGV[1]) + 60000)
end
return 0
"""


class SharedHostPacing:
    def __init__(self, server: redis.Redis, default_delay: float, slots: dict) -> None:
        self.server = server
        self.default_delay = default_delay
        self.delays = {host: float(slot.get("delay", default_delay)) for host, slot in slots.items()}
        self._reserve = server.register_script(_RESERVE)
        self._ended = server.register_script(_ENDED)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(redis.Redis.from_url(settings.get("REDIS_URL")), settings.getfloat("DOWNLOAD_DELAY"),
                   settings.getdict("DOWNLOAD_SLOTS"))

    def delay_for(self, host: str) -> float:
        return self.delays.get(host, self.default_delay)

    async def process_request(self, request, spider=None):
        if request.meta.get("browser"):
            # A browser page sends its own requests (the document, a challenge's reload, XHR):
            # each waits for its turn as it leaves (crawler.browser_requests), this one sends none.
            return None
        turn = await self.wait_turn(urlsplit(request.url).hostname or "")
        if turn is not None:
            request.meta[TURN] = turn
        return None

    async def wait_turn(self, host: str) -> float | None:
        """Reserve the host's next turn across workers and wait for it; the turn's
        time.monotonic(), None when the host has no delay."""
        delay = self.delay_for(host)
        if delay <= 0:
            return None
        wait_ms = int(self._reserve(keys=[PACE_KEY % host], args=[int(delay * 1000)]))
        turn = time.monotonic() + max(wait_ms, 0) / 1000
        if wait_ms > 0:
            await asyncio.sleep(wait_ms / 1000)
        return turn

    async def retake_if_stale(self, request) -> None:
        """As `request` leaves: a new turn if the one it reserved has long passed."""
        turn = request.meta.get(TURN)
        if turn is not None and time.monotonic() - turn > STALE:
            log.debug("%s: its turn passed %.2f s ago; a new one taken", request.url, time.monotonic() - turn)
            request.meta[TURN] = await self.wait_turn(urlsplit(request.url).hostname or "")

    def ended(self, host: str) -> None:
        """A request to `host` has its answer: no worker's next turn there comes sooner than the
        host's delay from now (the browser's requests, crawler.browser_requests: a turn counted
        from when a request left can be undercut by its latency)."""
        delay = self.delay_for(host)
        if delay > 0:
            self._ended(keys=[PACE_KEY % host], args=[int(delay * 1000)])
