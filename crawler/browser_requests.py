"""What the browser may send, and when (issue 15): the requests a page makes by itself.

A browser page starts as one Scrapy request (robots.txt, the host's download slot), but what
Chromium then sends on its own (a JS challenge's reload, the XHR/fetch a script-built list makes,
its scripts) never passes Scrapy's downloader. Every such request goes through `BrowserGate`
first, from a Playwright route handler (crawler.browser.init_page):

- not fetched: what the archive and a list do not need (images, media, fonts, stylesheets and
  any other kind but document, XHR, fetch and script) and anything on a host that is not the
  agency's (third-party CDNs, counters); robots.txt disallowing it for our User-Agent;
- paced: one at a time per host, each at least the host's delay (its download slot's) after the
  last request this process sent there ended, plain or browser (`HostTurns`), and in a
  distributed crawl also its turn across workers in Redis (crawler.pacing.SharedHostPacing, the
  same script and key the plain requests reserve with), holding the host there until it ends
  (no worker's request leaves for it meanwhile, and the next waits the delay after its end). The
  slot is then told, so the next plain request waits its delay after the browser's last one.

Plain requests are recorded as they leave and as their answer comes
(crawler.browser.BrowserDownloadHandler), so the first request a page sends waits its delay after
the plain one before it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware

from crawler.pacing import SharedHostPacing

log = logging.getLogger(__name__)

# What a page may fetch, from the agency's own hosts: its documents (a challenge's reload, a
# redirect, frames), the XHR/fetch answers its list is built from, and the scripts that build it.
FETCHED_TYPES = frozenset({"document", "xhr", "fetch", "script"})
SHARED_PACING = "crawler.pacing.SharedHostPacing"  # the distributed worker's middleware


def on_hosts(host: str, hosts: tuple[str, ...]) -> bool:
    return any(host == h or host.endswith("." + h) for h in hosts)


class HostTurns:
    """Per host: when this process last sent it a request or had its answer, and whose turn is next.

    A browser request takes its host's turn (`take`): it waits until no other browser request to
    the host is in flight (one at a time, as CONCURRENT_REQUESTS_PER_DOMAIN = 1 has plain ones) and
    the host's delay has passed since the last request ended (or a plain one left), then its turn
    across workers; `release` when its answer is in. Counting from the end is what makes the
    delay hold where the host sees it: a turn counted from when the previous request left could
    be undercut by that request's own latency (Chromium's IPC, a new connection; measured: 0.33 s
    between two arrivals 0.4 s apart by their turns)."""

    def __init__(self, crawler, shared: SharedHostPacing | None) -> None:
        self.crawler = crawler
        self.shared = shared
        self.sent: dict[str, float] = {}  # host -> time.monotonic() of its last request's start or end
        self._held: dict[str, str | None] = {}  # host -> the token its browser request holds it by (Redis)
        self._locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        settings = crawler.settings
        self._default_delay = settings.getfloat("DOWNLOAD_DELAY")
        self._slots = settings.getdict("DOWNLOAD_SLOTS")
        # At most this long a browser request holds its host across workers (a worker that dies
        # holding it frees it then): its page's time-out and its download's.
        self.hold = settings.getfloat("NIANBAO_BROWSER_PAGE_TIMEOUT", 30.0) + 10

    def delay(self, host: str) -> float:
        """The host's delay: its slot's (AutoThrottle may have raised it), else the configured one."""
        configured = float(self._slots.get(host, {}).get("delay", self._default_delay))
        slot = self._slot(host)
        return max(configured, slot.delay if slot is not None else 0.0)

    def _slot(self, host: str):
        engine = getattr(self.crawler, "engine", None)
        downloader = getattr(engine, "downloader", None)
        return downloader.slots.get(host) if downloader is not None else None

    def seen(self, host: str) -> None:
        """A request to `host` leaves or ends now: the next one waits its delay from here (the
        host's download slot too)."""
        now = time.monotonic()
        self.sent[host] = max(self.sent.get(host, 0.0), now)
        slot = self._slot(host)
        if slot is not None:
            slot.lastseen = max(slot.lastseen, now)

    def plain_sent(self, request: Request) -> None:
        """A plain request leaves now (its slot waited its turn) or has its answer."""
        self.seen(urlsplit(request.url).hostname or "")

    async def take(self, host: str, alive: Callable[[], bool] = lambda: True) -> float | None:
        """Wait for the host's next turn and take it (`release` gives it back); the seconds waited,
        or None when the page went away while it waited (no turn taken)."""
        started = time.monotonic()
        lock = self._locks[host]
        await lock.acquire()
        try:
            delay = self.delay(host)
            while delay > 0 and (wait := self.sent.get(host, -delay) + delay - time.monotonic()) > 0:
                await asyncio.sleep(wait)
            if delay > 0 and self.shared is not None:
                # Its turn among the workers, then the host held until it ends (crawler.pacing).
                await self.shared.wait_turn(host)
                self._held[host] = await self.shared.go(host, hold=self.hold)
            if not alive():
                self.release(host)
                return None
        except BaseException:
            self.release(host)
            raise
        self.seen(host)
        return time.monotonic() - started

    def release(self, host: str) -> None:
        """The request that took `host`'s turn has ended (answered, failed or abandoned)."""
        self.seen(host)
        if self.shared is not None:
            self.shared.release(host, self._held.pop(host, None))
        self._locks[host].release()


class BrowserGate:
    """Whether a request the browser makes by itself is sent, and when (one per process)."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        shared = None
        if SHARED_PACING in settings.getdict("DOWNLOADER_MIDDLEWARES") and settings.get("REDIS_URL"):
            shared = SharedHostPacing.from_crawler(crawler)
        self.turns = HostTurns(crawler, shared)
        self.user_agent = settings.get("USER_AGENT")
        self.obey_robots = settings.getbool("ROBOTSTXT_OBEY")
        self._robots: RobotsTxtMiddleware | None = None

    def refusal(self, url: str, resource_type: str, hosts: tuple[str, ...]) -> str | None:
        """Why a request is not sent at all, or None (robots.txt apart: `robots_refusal`)."""
        if resource_type not in FETCHED_TYPES:
            return resource_type
        if not on_hosts(urlsplit(url).hostname or "", hosts):
            return "third_party"
        return None

    async def robots_refusal(self, url: str) -> str | None:
        """"robots" when robots.txt disallows `url` for nianbao, else None (read through Scrapy's
        robots.txt middleware: the parsers it already holds, the same fetch for a new host)."""
        if not self.obey_robots or not url.startswith(("http://", "https://")):
            return None
        middleware = self._robots_middleware()
        if middleware is None:
            return None
        parser = await middleware.robot_parser(Request(url, headers={"User-Agent": self.user_agent}))
        if parser is not None and not parser.allowed(url, self.user_agent):
            return "robots"
        return None

    def _robots_middleware(self) -> RobotsTxtMiddleware | None:
        if self._robots is None:
            middlewares = self.crawler.engine.downloader.middleware.middlewares
            self._robots = next((m for m in middlewares if isinstance(m, RobotsTxtMiddleware)), None)
        return self._robots

    async def admit(self, url: str, resource_type: str, hosts: tuple[str, ...],
                    alive: Callable[[], bool] = lambda: True) -> str | None:
        """None once the request may be sent (its host's turn taken: `turns.release` it when it
        ends), else why it is aborted. `alive`: whether its page is still there."""
        stats = self.crawler.stats
        reason = self.refusal(url, resource_type, hosts) or await self.robots_refusal(url)
        if reason is not None:
            stats.inc_value(f"nianbao/browser/aborted/{reason}")
            if reason in ("robots", "third_party"):
                log.info("%s: not fetched by the browser (%s)", url, "robots.txt disallows it"
                         if reason == "robots" else "not the agency's host")
            return reason
        waited = await self.turns.take(urlsplit(url).hostname or "", alive)
        if waited is None:
            return "page_closed"
        stats.inc_value("nianbao/browser/requests")
        stats.inc_value("nianbao/browser/paced_ms", int(waited * 1000))
        return None
