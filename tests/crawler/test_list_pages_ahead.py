"""A column that states its page count lists every later page on each page; the spider asks for
at most LIST_PAGES_AHEAD of them ahead of the answers (crawler/spiders/reports.py), so the crawl's
queue does not grow with a column's length, and still asks for every page once, in order, even
when some fail or the scheduler drops them."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import deque
from types import SimpleNamespace

import pytest
import scrapy
from scrapy.exceptions import DontCloseSpider
from scrapy.http import HtmlResponse
from twisted.python.failure import Failure

from crawler.registry import Agency
from crawler.spiders.reports import LIST_PAGES_AHEAD, ReportsSpider
from storage.clock import fixed_clock
from storage.vocab import AgencyKind, CaptureRole

SITE = "http://www.mouxian.gov.cn/xxgk/ndbg/"
COLUMN = SITE + "index.html"
PAGES = 30  # the column's pages, as its pager states
MOMENT = dt.datetime(2031, 2, 3, 4, 5, 6, tzinfo=dt.UTC)


def agency(max_pages: int = 50) -> Agency:
    return Agency(name="某县人民政府", region=("某省", "某市", "某县"), kind=AgencyKind.GOVERNMENT,
                  list_urls=(COLUMN,), platform="trs", max_pages=max_pages)


def page_url(n: int) -> str:
    return COLUMN if n == 0 else SITE + f"index_{n}.html"


def list_page(n: int) -> bytes:
    # One report link per page (on the last page only: the rest are filler) and TRS's pager.
    link = '<li><a href="/art/2024/1.html">某县人民政府2023年政府信息公开工作年度报告</a><span>2024-01-20</span></li>'
    return (f'<html><body><ul class="list">{link if n == PAGES - 1 else ""}</ul>'
            f'<script>createPageHTML({PAGES}, {n}, "index", "html");</script></body></html>').encode()


def answer(request: scrapy.Request) -> HtmlResponse:
    n = 0 if request.url == COLUMN else int(request.url.rsplit("_", 1)[1].split(".")[0])
    return HtmlResponse(request.url, body=list_page(n), encoding="utf-8", request=request,
                        headers={"Content-Type": "text/html; charset=utf-8"})


def start(spider: ReportsSpider) -> list[scrapy.Request]:
    async def collect() -> list[scrapy.Request]:
        return [request async for request in spider.start()]

    return asyncio.run(collect())


def lists(output) -> list[scrapy.Request]:
    return [r for r in output if isinstance(r, scrapy.Request) and r.meta["role"] == CaptureRole.LIST]


def test_a_long_column_is_asked_for_a_few_pages_ahead_and_every_page_once_in_order() -> None:
    spider = ReportsSpider(agencies=[agency()], clock=fixed_clock(MOMENT))
    queue = deque(lists(start(spider)))
    asked, most_pending = [r.url for r in queue], len(queue)
    while queue:
        request = queue.popleft()  # answered in the order asked (a FIFO scheduler)
        new = lists(spider.parse_list(answer(request)))
        queue.extend(new)
        asked += [r.url for r in new]
        most_pending = max(most_pending, len(queue))
    assert asked == [page_url(n) for n in range(PAGES)]
    assert most_pending == LIST_PAGES_AHEAD
    assert spider.outcomes[agency().name].pages_listed == PAGES
    assert not spider.lists_waiting


def test_answers_out_of_order_still_ask_for_every_page_once() -> None:
    spider = ReportsSpider(agencies=[agency()], clock=fixed_clock(MOMENT))
    pending = lists(start(spider))
    asked = [r.url for r in pending]
    while pending:
        request = pending.pop()  # the newest first (Scrapy's default LIFO queue)
        new = lists(spider.parse_list(answer(request)))
        pending += new
        asked += [r.url for r in new]
        assert len(pending) <= LIST_PAGES_AHEAD
    assert sorted(asked) == sorted(page_url(n) for n in range(PAGES))
    assert len(asked) == PAGES


def test_a_failed_list_page_lets_the_next_ones_be_asked_for() -> None:
    spider = ReportsSpider(agencies=[agency()], clock=fixed_clock(MOMENT))
    first = lists(start(spider))
    ahead = lists(spider.parse_list(answer(first[0])))
    assert [r.url for r in ahead] == [page_url(n) for n in range(1, LIST_PAGES_AHEAD + 1)]
    failure = Failure(ConnectionRefusedError("refused"))
    failure.request = ahead[0]
    # Every page ahead fails: each failure asks for the next waiting page, none is left behind.
    released = []
    for request in ahead:
        failure.request = request
        released += lists(spider.failed(failure))
    assert [r.url for r in released] == [page_url(n) for n in range(LIST_PAGES_AHEAD + 1, 2 * LIST_PAGES_AHEAD + 1)]
    assert spider.outcomes[agency().name].list_errors  # the failures are recorded


def test_pages_waiting_when_the_crawl_goes_idle_are_asked_for_then() -> None:
    # A list request whose answer never comes back to this spider (dropped unseen): the pages
    # waiting behind it are asked for when nothing else is left, and the crawl kept open.
    spider = ReportsSpider(agencies=[agency()], clock=fixed_clock(MOMENT))
    crawled: list[scrapy.Request] = []
    spider.crawler = SimpleNamespace(engine=SimpleNamespace(crawl=crawled.append))
    lists(spider.parse_list(answer(lists(start(spider))[0])))  # 8 asked for, never answered
    with pytest.raises(DontCloseSpider):
        spider._release_waiting_when_idle(spider)
    assert [r.url for r in crawled] == [page_url(n) for n in range(LIST_PAGES_AHEAD + 1, 2 * LIST_PAGES_AHEAD + 1)]
    spider.lists_waiting.clear()
    spider._release_waiting_when_idle(spider)  # nothing waiting: the crawl may close


def test_max_pages_still_caps_the_column() -> None:
    spider = ReportsSpider(agencies=[agency(max_pages=12)], clock=fixed_clock(MOMENT))
    queue = deque(lists(start(spider)))
    asked = [r.url for r in queue]
    while queue:
        new = lists(spider.parse_list(answer(queue.popleft())))
        queue.extend(new)
        asked += [r.url for r in new]
    assert asked == [page_url(n) for n in range(12)]
    assert any("beyond max_pages=12" in e for e in spider.outcomes[agency().name].errors)


def test_list_pages_are_asked_for_before_the_reports_they_list() -> None:
    # Scrapy's queue is LIFO within a priority: without a higher priority, a column's next page
    # waits behind every report found since (a chain of list pages finished last, one at a time).
    spider = ReportsSpider(agencies=[agency()], clock=fixed_clock(MOMENT))
    [first] = lists(start(spider))
    link = '<li><a href="/art/2024/{0}.html">某县人民政府202{0}年政府信息公开工作年度报告</a><span>2024-01-20</span></li>'
    body = (f'<html><body><ul class="list">{"".join(link.format(i) for i in range(3))}</ul>'
            f'<script>createPageHTML({PAGES}, 0, "index", "html");</script></body></html>').encode()
    output = [r for r in spider.parse_list(HtmlResponse(first.url, body=body, encoding="utf-8", request=first,
                                                          headers={"Content-Type": "text/html; charset=utf-8"}))
              if isinstance(r, scrapy.Request)]
    reports = [r for r in output if r.meta["role"] == CaptureRole.REPORT]
    later_lists = lists(output)
    assert len(reports) == 3 and len(later_lists) == LIST_PAGES_AHEAD
    assert min(r.priority for r in later_lists) > max(r.priority for r in reports)
    # A page the browser must read goes before both (Chromium is slow to start).
    browser = spider._browser_retry(agency(), HtmlResponse(first.url, status=412, body=b"", request=first), "a test wall")
    assert browser is not None and browser.priority > max(r.priority for r in later_lists)
