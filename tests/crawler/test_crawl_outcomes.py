"""A column nianbao cannot read has an outcome of its own (crawler/spiders/reports.py,
storage.vocab.CrawlOutcome): robots.txt disallows it, it moved (404, redirected away), it is only
a script; never "reached" with nothing listed, never evidence against the agency. A column page
that is only a redirect script is followed (fixture tests/fixtures/crawler/script_redirect_column.html)."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse
from twisted.python.failure import Failure

from crawler.platforms import script_only, script_redirect
from crawler.registry import Agency
from crawler.spiders.reports import ReportsSpider
from storage.clock import fixed_clock
from storage.vocab import AgencyKind, CaptureRole, CrawlOutcome

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "crawler"
COLUMN = "http://www.mouxian.gov.cn/xxgk/ndbg/index.html"
AGENCY = Agency(name="某县人民政府", region=("某省", "某市", "某县"), kind=AgencyKind.GOVERNMENT, list_urls=(COLUMN,))
MOMENT = dt.datetime(2031, 2, 3, 4, 5, 6, tzinfo=dt.UTC)
SCRIPT_ONLY_PAGE = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>年度报告</title>'
                    '<script src="/js/chunk-vendors.js"></script><script src="/js/app.js"></script></head>'
                    '<body><div id="app"></div><script>window.__CONFIG__ = {channel: "ndbg"};</script></body></html>')


def _spider() -> ReportsSpider:
    return ReportsSpider(agencies=[AGENCY], clock=fixed_clock(MOMENT))


def _column_request(spider: ReportsSpider) -> scrapy.Request:
    async def collect() -> list[scrapy.Request]:
        return [request async for request in spider.start()]

    return next(r for r in asyncio.run(collect()) if r.url == COLUMN)


def _answer(spider: ReportsSpider, body: str, status: int = 200, url: str = COLUMN,
            redirected_from: str | None = None) -> list:
    request = _column_request(spider)
    if redirected_from is not None:
        request = request.replace(url=url)
        request.meta["redirect_urls"] = [redirected_from]
    response = HtmlResponse(url, status=status, body=body.encode(), encoding="utf-8", request=request,
                            headers={"Content-Type": "text/html; charset=utf-8"})
    return list(spider.parse_list(response))


def _outcome(spider: ReportsSpider):
    return spider.outcomes[AGENCY.name]


def test_robots_disallowed_column_is_its_own_outcome_and_names_robots() -> None:
    spider = _spider()
    request = _column_request(spider)
    failure = Failure(IgnoreRequest("Forbidden by robots.txt"))
    failure.request = request
    list(spider.failed(failure))
    outcome = _outcome(spider)
    assert outcome.outcome is CrawlOutcome.ROBOTS
    assert outcome.list_errors == [f"{COLUMN}: robots.txt disallows it; nianbao does not read it"]


def test_a_column_behind_robots_beside_a_column_read_is_robots_not_reached() -> None:
    # Discovery found the agency's own column (walled) and its units' columns (read): a year
    # without a report is not evidence the agency published nothing.
    spider = _spider()
    failure = Failure(IgnoreRequest("Forbidden by robots.txt"))
    failure.request = _column_request(spider)
    list(spider.failed(failure))
    _outcome(spider).pages_listed += 1  # another column of the agency's was read
    assert _outcome(spider).outcome is CrawlOutcome.ROBOTS
    assert _outcome(spider).robots_columns == [COLUMN]


def test_a_column_that_did_not_answer_is_still_unreachable() -> None:
    spider = _spider()
    failure = Failure(ConnectionRefusedError("Connection refused"))
    failure.request = _column_request(spider)
    list(spider.failed(failure))
    assert _outcome(spider).outcome is CrawlOutcome.UNREACHABLE
    assert "robots" not in _outcome(spider).list_errors[0]


@pytest.mark.parametrize("status", [404, 410])
def test_column_gone_from_its_address_is_moved(status: int) -> None:
    spider = _spider()
    _answer(spider, "<html><body><h1>页面不存在</h1></body></html>", status=status)
    outcome = _outcome(spider)
    assert outcome.outcome is CrawlOutcome.MOVED and outcome.pages_listed == 0
    assert outcome.list_errors == [f"{COLUMN}: HTTP {status}: the column moved or is gone"]


@pytest.mark.parametrize(("final", "why"), [
    ("http://www.mouxian.gov.cn/index.html", "the home page"),
    ("http://www.example.com/xxgk/", "another site"),
])
def test_column_redirected_away_is_moved_and_its_landing_page_is_not_read(final: str, why: str) -> None:
    home = ('<html><body><ul><li><a href="/news/1.html">某县召开全县经济工作会议</a><span>2024-01-05</span></li>'
            '<li><a href="/news/2.html">某县人民政府2023年政府信息公开工作年度报告</a><span>2024-01-30</span></li></ul></body></html>')
    spider = _spider()
    out = _answer(spider, home, url=final, redirected_from=COLUMN)
    outcome = _outcome(spider)
    assert outcome.outcome is CrawlOutcome.MOVED
    assert outcome.listed == [] and not [r for r in out if isinstance(r, scrapy.Request)]
    assert why in outcome.list_errors[0] and outcome.list_errors[0].startswith(COLUMN)


def test_redirect_within_the_site_is_read_as_the_column() -> None:
    spider = _spider()
    moved_in_site = "https://www.mouxian.gov.cn/xxgk/ndbg/index.html"
    body = '<ul><li><a href="/r.html">某县人民政府2023年政府信息公开工作年度报告</a><span>2024-01-30</span></li></ul>'
    _answer(spider, body, url=moved_in_site, redirected_from=COLUMN)
    assert _outcome(spider).outcome is CrawlOutcome.REACHED


def test_column_page_that_is_only_a_redirect_script_is_followed() -> None:
    spider = _spider()
    out = _answer(spider, (FIXTURES / "script_redirect_column.html").read_text(encoding="utf-8"))
    requests = [r for r in out if isinstance(r, scrapy.Request)]
    assert [(r.url, r.meta["role"], r.meta["page_index"]) for r in requests] == [
        ("http://www.mouxian.gov.cn/zwgk/zfxxgk/zfxxgknb/index.html", CaptureRole.LIST, 0)]
    outcome = _outcome(spider)
    assert outcome.pages_listed == 0 and outcome.list_errors == []  # not read yet, not failed


@pytest.mark.parametrize("script", [
    'window.location.href="/zwgk/nb/";',
    "location.href = 'http://www.mouxian.gov.cn/zwgk/nb/';",
    'window.location.replace("/zwgk/nb/")',
])
def test_script_redirect_forms(script: str) -> None:
    body = f"<html><head><script>{script}</script></head><body></body></html>"
    assert script_redirect(COLUMN, body) == "http://www.mouxian.gov.cn/zwgk/nb/"


def test_a_list_page_whose_search_script_sets_location_is_not_a_redirect() -> None:
    body = ('<ul><li><a href="/r.html">某县人民政府2023年政府信息公开工作年度报告</a><span>2024-01-30</span></li></ul>'
            '<script>function go(){ window.location.href="/search/"; }</script>')
    assert script_redirect(COLUMN, body) is None and not script_only(body)


def test_redirect_script_to_another_site_is_a_move_not_followed() -> None:
    spider = _spider()
    out = _answer(spider, '<html><body><script>location.replace("http://www.example.com/nb/")</script></body></html>')
    assert not [r for r in out if isinstance(r, scrapy.Request)]
    assert _outcome(spider).outcome is CrawlOutcome.MOVED


def test_column_page_that_is_only_a_script_is_script_only_not_reached() -> None:
    spider = _spider()
    _answer(spider, SCRIPT_ONLY_PAGE)
    outcome = _outcome(spider)
    assert outcome.outcome is CrawlOutcome.SCRIPT_ONLY and outcome.pages_listed == 0
    assert "only a script" in outcome.list_errors[0]


def test_an_empty_column_with_text_is_reached() -> None:
    """A column that says it has nothing yet is read: that is evidence, not a script page."""
    spider = _spider()
    _answer(spider, "<html><body><div class='list'><p>暂无信息</p></div><script>var x = 1;</script></body></html>")
    assert _outcome(spider).outcome is CrawlOutcome.REACHED


def test_a_page_read_elsewhere_in_the_column_makes_it_reached() -> None:
    spider = _spider()
    _answer(spider, SCRIPT_ONLY_PAGE)
    _outcome(spider).pages_listed += 1  # another list page of the column was read
    _outcome(spider).columns_read.add(COLUMN)
    assert _outcome(spider).outcome is CrawlOutcome.REACHED


def test_a_script_only_column_none_of_whose_pages_was_read_is_its_outcome_beside_others_read() -> None:
    """The agency's own column is only a script while another column of it was read (its units'
    on the national test web): a year whose report sits behind the script is not missing."""
    spider = _spider()
    _answer(spider, SCRIPT_ONLY_PAGE)
    _outcome(spider).pages_listed += 1
    _outcome(spider).columns_read.add("http://127.0.0.9/other-column/")
    assert _outcome(spider).outcome is CrawlOutcome.SCRIPT_ONLY


def test_every_outcome_has_its_meaning() -> None:
    assert CrawlOutcome.ROBOTS.meaning.startswith("robots.txt disallows")
    assert all(outcome.meaning for outcome in CrawlOutcome)
