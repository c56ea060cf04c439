"""A page asked again through the browser is asked once per distributed crawl (crawler/redis_queue.py):
its plain request done twice (the worker that did it first died before its ack, its request
requeued) must not send the browser twice. Against a real Redis."""

from __future__ import annotations

import scrapy
from scrapy_redis.dupefilter import RFPDupeFilter

from crawler.browser import BrowserBudget
from crawler.redis_queue import TOKEN, ReliableScheduler
from nianbao.devportal.redis_server import throwaway_redis


class Spider(scrapy.Spider):
    name = "t"


def _browser_request(url: str, **meta) -> scrapy.Request:
    from scrapy.settings import Settings

    return scrapy.Request(url, dont_filter=True, meta={**BrowserBudget(Settings()).meta(), **meta})


def test_a_page_is_asked_through_the_browser_once_per_crawl_but_retried_as_needed() -> None:
    with throwaway_redis() as server:
        client = server.client()
        scheduler = ReliableScheduler(client, processing_key="p:a", worker="a", queue_key="q",
                                      dupefilter=RFPDupeFilter(client, "df"))
        scheduler.open(Spider())
        url = "http://127.0.0.17/xxgk/ndbg/index.html"
        assert scheduler.enqueue_request(scrapy.Request(url))  # the plain request
        assert scheduler.enqueue_request(_browser_request(url))  # asked again through the browser
        popped = [scheduler.next_request(), scheduler.next_request()]
        browser = next(r for r in popped if r.meta.get("browser"))
        assert not scheduler.enqueue_request(_browser_request(url))  # again, after a requeue: dropped
        assert client.zcard("q") == 0
        assert scheduler.enqueue_request(browser.replace())  # a retry of it (its token) goes
        assert client.zcard("q") == 1 and TOKEN in browser.meta
