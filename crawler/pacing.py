"""Politeness per host across all the workers of a distributed crawl.

Scrapy's download slots space requests to a host within one process; N workers would each keep
their own pace, and a host could see N requests per delay. `SharedHostPacing` (a downloader
middleware, used by `nianbao crawl --workers`) reserves each request's turn at its host in Redis:
one Lua script reads Redis's clock, takes the host's next free time, and moves it on by the
host's delay (the registry's crawl_delay, else DOWNLOAD_DELAY); the request then waits for its
turn before it reaches the worker's download slot, which adds its own (local) spacing.

A turn is an appointment, not the moment the request reaches the host: a request can leave late
(its slot held it behind a browser page, its process was stopped) and a browser's request can
take long to reach the host (Chromium's IPC, under load). So the request also asks, as it leaves
(`go`, from the download handler: crawler.browser), whether the host's delay has passed since
the last request any worker actually sent there or had answered, and whether no browser request
is in flight there (a browser request holds the host from when it leaves until it ends:
`go(hold=...)`, `release`; crawler.browser_requests); if not, it waits and asks again. With no
delay configured (--no-politeness) it does nothing.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import redis

log = logging.getLogger(__name__)

PACE_KEY = "nianbao:pace:%s"  # per host, shared by every crawl on this Redis
SENT_KEY = "nianbao:pace:%s:sent"  # per host: when a request last left or ended (Redis ms)
HOLD_KEY = "nianbao:pace:%s:hold"  # per host: the browser request in flight there, if any
POLL_MS = 20  # how soon to ask again while a browser request holds the host

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

_GO = """
-- KEYS: the host's last send (ms), its holder; ARGV: delay (ms), this request's token, how long it
-- may hold the host (ms, 0: it does not hold it), ms to wait while another holds it. Returns 0 (it
-- may leave: noted) or ms to wait
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
if redis.call('EXISTS', KEYS[2]) == 1 then return tonumber(ARGV[4]) end
local delay = tonumber(ARGV[1])
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
if now < last + delay then return last + delay - now end
redis.call('SET', KEYS[1], now, 'PX', delay + 60000)
if tonumber(ARGV[3]) > 0 then redis.call('SET', KEYS[2], ARGV[2], 'PX', tonumber(ARGV[3])) end
return 0
"""

_RELEASE = """
-- KEYS: the host's last send (ms), its holder; ARGV: delay (ms), the token that holds it. The
-- request ended now: the next one waits the delay from here
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
if redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
if now > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], now, 'PX', tonumber(ARGV[1]) + 60000)
end
return 0
"""


class SharedHostPacing:
    def __init__(self, server: redis.Redis, default_delay: float, slots: dict) -> None:
        self.server = server
        self.default_delay = default_delay
        self.delays = {host: float(slot.get("delay", default_delay)) for host, slot in slots.items()}
        self._reserve = server.register_script(_RESERVE)
        self._go = server.register_script(_GO)
        self._release = server.register_script(_RELEASE)

    @classmethod
    def from_crawler(cls, crawler):
        import redis  # only a distributed crawl's workers use this: a plain crawl imports no Redis client (~0.15 s CPU)

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
        await self.wait_turn(urlsplit(request.url).hostname or "")
        return None

    async def wait_turn(self, host: str) -> None:
        """Reserve the host's next turn across workers and wait for it."""
        delay = self.delay_for(host)
        if delay <= 0:
            return
        wait_ms = int(self._reserve(keys=[PACE_KEY % host], args=[int(delay * 1000)]))
        if wait_ms > 0:
            await asyncio.sleep(wait_ms / 1000)

    async def go(self, host: str, hold: float = 0.0) -> str | None:
        """Wait until a request may leave for `host` now, and note that it does; with `hold`
        (seconds, at most), it holds the host until `release` (a browser request, whose latency is
        its own). The token to release with, None when the host has no delay."""
        delay = self.delay_for(host)
        if delay <= 0:
            return None
        token = uuid.uuid4().hex
        keys = [SENT_KEY % host, HOLD_KEY % host]
        while (wait_ms := int(self._go(keys=keys, args=[int(delay * 1000), token, int(hold * 1000), POLL_MS]))) > 0:
            await asyncio.sleep(wait_ms / 1000)
        return token

    def release(self, host: str, token: str | None) -> None:
        """The request that left with `token` has ended: the next waits the delay from now."""
        delay = self.delay_for(host)
        if delay > 0 and token is not None:
            self._release(keys=[SENT_KEY % host, HOLD_KEY % host], args=[int(delay * 1000), token])
