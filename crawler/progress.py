"""Progress of a crawl: agencies reached, list pages, report pages, responses, handed to a sink.

The `NIANBAO_PROGRESS` Scrapy setting holds the sink, a callable taking a `CrawlProgress` (the
CLI's terminal display, nianbao.progress); without one the crawl says nothing while it runs
(its full log goes to $NIANBAO_DATA/crawl.log, its outcomes are printed when it ends), so cron
mails and captured output carry no progress noise. The sink is told every
`NIANBAO_PROGRESS_INTERVAL` seconds (default 1) and once when the crawl closes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task


@dataclass(frozen=True)
class CrawlProgress:
    agencies: int  # being crawled
    reached: int  # of them, with a list page read
    list_pages: int
    report_pages: int
    responses: int
    finished: bool = False  # the crawl closed: the last one


ProgressSink = Callable[[CrawlProgress], None]


class Progress:
    def __init__(self, crawler, sink: ProgressSink, interval: float) -> None:
        self.crawler = crawler
        self.sink = sink
        self.interval = interval
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler):
        sink = crawler.settings.get("NIANBAO_PROGRESS")
        if sink is None:
            raise NotConfigured("no progress sink")
        extension = cls(crawler, sink, crawler.settings.getfloat("NIANBAO_PROGRESS_INTERVAL", 1.0))
        crawler.signals.connect(extension.opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.closed, signal=signals.spider_closed)
        return extension

    def opened(self, spider) -> None:
        self.loop = task.LoopingCall(self.report, spider)
        self.loop.start(self.interval, now=True)

    def snapshot(self, spider, finished: bool = False) -> CrawlProgress:
        outcomes = getattr(spider, "outcomes", {})
        return CrawlProgress(
            agencies=len(outcomes),
            reached=sum(1 for o in outcomes.values() if o.pages_listed),
            list_pages=sum(o.pages_listed for o in outcomes.values()),
            report_pages=sum(o.reports_found for o in outcomes.values()),
            responses=self.crawler.stats.get_value("response_received_count", 0),
            finished=finished,
        )

    def report(self, spider, finished: bool = False) -> None:
        self.sink(self.snapshot(spider, finished))

    def closed(self, spider) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.report(spider, finished=True)
