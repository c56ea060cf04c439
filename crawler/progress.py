"""Progress of a crawl on stderr: agencies reached, list pages, report pages, every few seconds.

The crawl's full log goes to $NIANBAO_DATA/crawl.log; this is what a person watching sees.
"""

from __future__ import annotations

import sys

from scrapy import signals
from twisted.internet import task


class Progress:
    def __init__(self, crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler, crawler.settings.getfloat("NIANBAO_PROGRESS_INTERVAL", 5.0))
        crawler.signals.connect(extension.opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.closed, signal=signals.spider_closed)
        return extension

    def opened(self, spider) -> None:
        self.loop = task.LoopingCall(self.report, spider)
        self.loop.start(self.interval, now=False)

    def report(self, spider) -> None:
        outcomes = getattr(spider, "outcomes", {})
        reached = sum(1 for o in outcomes.values() if o.pages_listed)
        pages = sum(o.pages_listed for o in outcomes.values())
        reports = sum(o.reports_found for o in outcomes.values())
        responses = self.crawler.stats.get_value("response_received_count", 0)
        print(f"crawl: {reached}/{len(outcomes)} agencies reached, {pages} list pages, {reports} report pages, "
              f"{responses} responses", file=sys.stderr, flush=True)

    def closed(self, spider) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.report(spider)
