"""Politeness per host across all the workers of a distributed crawl.

Scrapy's download slots space requests to a host within one process; N workers would each keep
their own pace, and a host could see N requests per delay. `SharedHostPacing` (a downloader
middleware, used by `nianbao crawl --workers`) reserves each request's turn at its host in Redis:
one Lua script reads Redis's clock, takes the host's next free time, and moves it on by the
host's delay (the registry's crawl_delay, else DOWNLOAD_DELAY); the request then waits for its
turn before it reaches the worker's download slot, which adds its own (local) spacing. With no
delay configured (--no-politeness) it does nothing.
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

import redis

log = logging.getLogger(__name__)

PACE_KEY = "nianbao:pace:%s"  # per host, shared by every crawl on this Redis

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


class SharedHostPacing:
    def __init__(self, server: redis.Redis, default_delay: float, slots: dict) -> None:
        self.server = server
        self.default_delay = default_delay
        self.delays = {host: float(slot.get("delay", default_delay)) for host, slot in slots.items()}
        self._reserve = server.register_script(_RESERVE)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(redis.Redis.from_url(settings.get("REDIS_URL")), settings.getfloat("DOWNLOAD_DELAY"),
                   settings.getdict("DOWNLOAD_SLOTS"))

    def delay_for(self, host: str) -> float:
        return self.delays.get(host, self.default_delay)

    async def process_request(self, request, spider=None):
        host = urlsplit(request.url).hostname or ""
        delay = self.delay_for(host)
        if delay <= 0:
            return None
        wait_ms = int(self._reserve(keys=[PACE_KEY % host], args=[int(delay * 1000)]))
        if wait_ms > 0:
            await asyncio.sleep(wait_ms / 1000)
        return None
