"""The discovery spider: fetches what each agency's `Walk` asks for, one page at a time per
agency, with the crawl's own politeness settings (robots.txt obeyed, per-host delays).

Nothing is archived: discovery reads navigation pages, and what it finds is stored as discovered
columns (storage.discovered) by the caller, from `spider.walks`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.discovery.walk import Bounds, Walk
from crawler.registry import Agency
from parsing.decode import decode_bytes

log = logging.getLogger(__name__)


class DiscoverySpider(scrapy.Spider):
    name = "discover"
    handle_httpstatus_list = [403, 404, 410, 412, 500, 502, 503, 521]
    custom_settings = {"ITEM_PIPELINES": {}, "EXTENSIONS": {"crawler.progress.Progress": None}}

    def __init__(self, agencies: list[Agency] | None = None, bounds: Bounds | None = None,
                 avoid: dict[str, set[str]] | None = None, monotonic: Callable[[], float] = time.monotonic,
                 **kwargs) -> None:
        """`agencies`: those with a `portal`; `avoid`: per agency, column URLs known to have moved."""
        super().__init__(**kwargs)
        bounds = bounds or Bounds()
        avoid = avoid or {}
        self.monotonic = monotonic
        self.walks = {a.name: Walk(a.name, a.portal, bounds, frozenset(avoid.get(a.name, ())))
                      for a in agencies or () if a.portal}

    async def start(self):
        for name in self.walks:
            request = self._next(name)
            if request is not None:
                yield request

    def _next(self, name: str) -> scrapy.Request | None:
        target = self.walks[name].next_target(self.monotonic())
        if target is None:
            walk = self.walks[name]
            log.info("%s: discovery over after %d pages (%s)", name, walk.pages, walk.stop_reason)
            return None
        return scrapy.Request(target.url, callback=self.parse_page, errback=self.failed, dont_filter=True,
                              meta={"agency": name, "target": target})

    def parse_page(self, response: Response) -> Iterator[scrapy.Request]:
        name = response.meta["agency"]
        text, _ = decode_bytes(response.body, response.headers.get("Content-Type", b"").decode("latin-1"))
        self.walks[name].visit(response.meta["target"], response.url, response.status, text)
        request = self._next(name)
        if request is not None:
            yield request

    def failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        request = failure.request
        name = request.meta["agency"]
        message = failure.getErrorMessage() or failure.type.__name__
        robots = failure.check(IgnoreRequest) is not None and "robots.txt" in message
        if robots:
            message = "robots.txt disallows it; nianbao does not read it"
        self.walks[name].failed(request.meta["target"], message, robots=robots)
        next_request = self._next(name)
        if next_request is not None:
            yield next_request
