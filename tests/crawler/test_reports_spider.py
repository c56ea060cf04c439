"""The report spider's callbacks on saved responses (crawler/spiders/reports.py): the role each
request carries, and the clock that stamps the crawl's start and its captures."""

from __future__ import annotations

import asyncio
import datetime as dt

import scrapy
from scrapy.http import HtmlResponse

from crawler.registry import Agency
from crawler.spiders.reports import ReportsSpider
from storage.clock import fixed_clock
from storage.vocab import AgencyKind, CaptureRole

COLUMN = "http://www.mouxian.gov.cn/xxgk/ndbg/index.html"
AGENCY = Agency(name="某县人民政府", region=("某省", "某市", "某县"), kind=AgencyKind.GOVERNMENT, list_urls=(COLUMN,))
MOMENT = dt.datetime(2031, 2, 3, 4, 5, 6, tzinfo=dt.UTC)

# A report page under a "download" folder, a PDF, and a download handler without "download" in
# its name: the first two used to be taken the wrong way round by the listed-link rule.
LIST_PAGE = """<html><body><ul class="list">
<li><a href="/download/2024/art_1_1.html">某县人民政府2023年政府信息公开工作年度报告</a><span>2024-01-20</span></li>
<li><a href="/upload/2023nb.pdf">某县人民政府2022年政府信息公开工作年度报告</a><span>2023-01-20</span></li>
<li><a href="/common/down.jsp?id=7">某县人民政府2021年政府信息公开工作年度报告</a><span>2022-01-20</span></li>
</ul></body></html>"""


def _list_response(spider: ReportsSpider) -> HtmlResponse:
    request = next(r for r in _start_requests(spider) if r.url == COLUMN)
    return HtmlResponse(COLUMN, body=LIST_PAGE.encode(), encoding="utf-8", request=request,
                        headers={"Content-Type": "text/html; charset=utf-8"})


def _start_requests(spider: ReportsSpider) -> list[scrapy.Request]:
    async def collect() -> list[scrapy.Request]:
        return [request async for request in spider.start()]

    return asyncio.run(collect())


def test_spider_requests_listed_links_in_the_role_of_the_one_attachment_rule() -> None:
    spider = ReportsSpider(agencies=[AGENCY], clock=fixed_clock(MOMENT))
    out = list(spider.parse_list(_list_response(spider)))
    roles = {r.url: r.meta["role"] for r in out if isinstance(r, scrapy.Request)}
    assert roles == {
        "http://www.mouxian.gov.cn/download/2024/art_1_1.html": CaptureRole.REPORT,
        "http://www.mouxian.gov.cn/upload/2023nb.pdf": CaptureRole.ATTACHMENT,
        "http://www.mouxian.gov.cn/common/down.jsp?id=7": CaptureRole.ATTACHMENT,
    }


def test_spider_column_request_and_its_capture_carry_the_list_role() -> None:
    spider = ReportsSpider(agencies=[AGENCY], clock=fixed_clock(MOMENT))
    response = _list_response(spider)
    assert response.meta["role"] is CaptureRole.LIST
    capture = next(item for item in spider.parse_list(response) if isinstance(item, dict))
    assert capture["role"] is CaptureRole.LIST


def test_spider_stamps_its_start_and_captures_with_its_clock() -> None:
    spider = ReportsSpider(agencies=[AGENCY], clock=fixed_clock(MOMENT))
    capture = next(item for item in spider.parse_list(_list_response(spider)) if isinstance(item, dict))
    assert capture["captured_at"] == MOMENT
    assert spider.outcomes[AGENCY.name].started_at == MOMENT
