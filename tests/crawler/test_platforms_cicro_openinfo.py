"""Pager behaviour of the Cicro/德雅 iList.jsp reader and the 揭阳-style openInfo.action reader
(crawler/platforms/cicro.py, openinfo.py); their golden fixtures are checked by test_platforms.py."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.platforms import detect_platform, parse_list_page

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "crawler" / "platforms"
CICRO_UL = "http://www.moushi.gov.cn/info/iList.jsp?cat_id=28208"
CICRO_TABLE = (
    "http://yjglj.moushi.gov.cn/info/iList.jsp?node_id=GKxxgk&tm_id=41&cat_id=10111&gk_index=&topic_key="
    "&title=%E6%8A%A5%E5%91%8A"
)
OPENINFO_COLUMN = "http://zwgk.moushi.gov.cn/openInfo.action?depCode=007026393&menuCat=214"
OPENINFO_RIGHT = "http://zwgk.moushi.gov.cn/OpenInfoRight.action?pageNum=1&pageSize=10&depCode=007026553"
EMPTY = "<html><body><p>暂无信息</p></body></html>"


def _body(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def _cur_pages(url: str, body: str) -> list[int]:
    return [int(parse_qs(urlsplit(r.url).query)["cur_page"][0]) for r in parse_list_page(url, body).next_pages]


def _without_pager(body: str) -> str:
    return re.sub(r'<ul class="am-pagination.*?</ul>', "", body, flags=re.DOTALL)


# ---------------------------------------------------------------------------------------------
# Cicro iList.jsp


def test_cicro_later_page_asks_only_for_the_pages_after_it() -> None:
    url = CICRO_UL + "&cur_page=3"
    requests = parse_list_page(url, _body("cicro_ilist_ul.html")).next_pages
    assert [r.url for r in requests] == [CICRO_UL + "&cur_page=4", CICRO_UL + "&cur_page=5"]


def test_cicro_last_page_asks_for_nothing() -> None:
    assert parse_list_page(CICRO_UL + "&cur_page=5", _body("cicro_ilist_ul.html")).next_pages == ()


def test_cicro_never_asks_for_a_page_twice_or_for_itself() -> None:
    url = "http://www.moushi.gov.cn/info/iList.jsp?cur_page=2&cat_id=28208"
    urls = [r.url for r in parse_list_page(url, _body("cicro_ilist_ul.html")).next_pages]
    assert len(urls) == len(set(urls)) == 3
    assert urls[0] == "http://www.moushi.gov.cn/info/iList.jsp?cur_page=3&cat_id=28208"  # set in place


def test_cicro_count_text_gives_the_pages_without_pager_links() -> None:
    body = _without_pager(_body("cicro_ilist_ul.html")).replace("</ul>\n    </div>", "</ul><div>共 4 页</div>\n    </div>")
    assert "共 4 页" in body and "cur_page=5" not in body
    assert _cur_pages(CICRO_UL, body) == [2, 3, 4]


def test_cicro_pager_links_by_page_count_but_requests_use_cur_page() -> None:
    body = _without_pager(_body("cicro_ilist_ul.html")).replace(
        "</body>", '<div class="page"><a href="iList.jsp?cat_id=28208&amp;page=3">尾页</a></div></body>'
    )
    assert _cur_pages(CICRO_UL, body) == [2, 3]


def test_cicro_without_a_count_follows_the_next_link() -> None:
    body = _without_pager(_body("cicro_ilist_ul.html")).replace(
        "</body>", '<div class="page"><a href="/info/more.jsp?cat_id=28208&amp;p=2">下一页</a></div></body>'
    )
    (request,) = parse_list_page(CICRO_UL, body).next_pages
    assert request.url == "http://www.moushi.gov.cn/info/more.jsp?cat_id=28208&p=2"


def test_cicro_next_link_to_a_cur_page_keeps_the_search_parameters() -> None:
    (request,) = parse_list_page(CICRO_TABLE, _body("cicro_ilist_table.html")).next_pages
    query = parse_qs(urlsplit(request.url).query, keep_blank_values=True)
    assert urlsplit(request.url).path == "/info/iList.jsp"
    assert query["title"] == ["报告"] and query["gk_index"] == [""] and query["cur_page"] == ["2"]


def test_cicro_another_columns_page_link_is_not_this_lists_pager() -> None:
    """The sidebar links cat_id=28209&cur_page=2: with the pager gone, nothing is asked for."""
    body = _without_pager(_body("cicro_ilist_ul.html"))
    assert "cat_id=28209&amp;cur_page=2" in body
    assert parse_list_page(CICRO_UL, body).next_pages == ()


@pytest.mark.parametrize(
    "url",
    ["https://kjt.moushi.gov.cn/view/iList.jsp?cat_id=221", "http://www.mouxian.gov.cn/info/iList.jsp?tm_id=9"],
)
def test_cicro_is_detected_by_its_ilist_url(url: str) -> None:
    assert detect_platform(url, EMPTY) == "cicro"


def test_cicro_is_detected_by_pager_links_to_ilist_pages() -> None:
    body = '<ul><li><a href="/gk/1.htm">某县2023年报告</a> 2024-01-02</li></ul><a href="/info/iList.jsp?cat_id=5&amp;cur_page=2">2</a>'
    assert detect_platform("http://www.mouxian.gov.cn/gk/ndbg/", body) == "cicro"


def test_cicro_sidebar_link_to_an_ilist_column_does_not_make_a_page_cicro() -> None:
    body = '<ul><li><a href="/info/iList.jsp?cat_id=5">政府信息公开年报</a></li></ul>'
    assert detect_platform("http://www.mouxian.gov.cn/list.asp?classid=86", body) == "static"


# ---------------------------------------------------------------------------------------------
# openInfo.action / OpenInfoRight.action


def _rows_removed(body: str, count: int) -> str:
    for _ in range(count):
        body = re.sub(r"\s*<tr>\s*<td>\d+</td>.*?</tr>", "", body, count=1, flags=re.DOTALL)
    return body


def test_openinfo_full_page_asks_for_the_next_page_number() -> None:
    url = OPENINFO_RIGHT.replace("pageNum=1", "pageNum=3")
    (request,) = parse_list_page(url, _body("openinfo_right_page1.html")).next_pages
    assert request.url == OPENINFO_RIGHT.replace("pageNum=1", "pageNum=4")


def test_openinfo_short_page_is_the_last() -> None:
    body = _rows_removed(_body("openinfo_right_page1.html"), 1)
    page = parse_list_page(OPENINFO_RIGHT, body)
    assert len(page.links) == 9 and page.next_pages == ()


def test_openinfo_page_is_full_only_at_its_own_page_size() -> None:
    url = OPENINFO_RIGHT.replace("pageSize=10", "pageSize=20")
    page = parse_list_page(url, _body("openinfo_right_page1.html"))
    assert len(page.links) == 10 and page.next_pages == ()


def test_openinfo_row_without_a_date_is_listed_undated() -> None:
    body = _body("openinfo_right_page1.html").replace("<td>2024-01-26</td>", "<td></td>")
    first = parse_list_page(OPENINFO_RIGHT, body).links[0]
    assert first.title == "某市环境保护局2023年政府信息公开工作年度报告" and first.date is None


def test_openinfo_column_without_a_frame_builds_the_list_request() -> None:
    body = re.sub(r"<iframe name=.*?</iframe>", "", _body("openinfo_column.html"), flags=re.DOTALL)
    assert "rightFrame" not in body
    (request,) = parse_list_page(OPENINFO_COLUMN, body).next_pages
    assert request.url == "http://zwgk.moushi.gov.cn/OpenInfoRight.action?pageNum=1&pageSize=10&depCode=007026393&menuCat=214"


def test_openinfo_column_without_menucat_asks_for_the_whole_department() -> None:
    (request,) = parse_list_page("http://zwgk.moushi.gov.cn/openInfo.action?depCode=007026393", EMPTY, "openinfo").next_pages
    assert request.url == "http://zwgk.moushi.gov.cn/OpenInfoRight.action?pageNum=1&pageSize=10&depCode=007026393"


def test_openinfo_frame_with_its_own_paging_is_followed_as_written() -> None:
    body = '<iframe src="/OpenInfoRight.action?pageNum=1&amp;pageSize=15&amp;depCode=7"></iframe>'
    (request,) = parse_list_page(OPENINFO_COLUMN, body).next_pages
    assert request.url == "http://zwgk.moushi.gov.cn/OpenInfoRight.action?pageNum=1&pageSize=15&depCode=7"


@pytest.mark.parametrize("url", [OPENINFO_COLUMN, OPENINFO_RIGHT])
def test_openinfo_is_detected_by_its_action_url(url: str) -> None:
    assert detect_platform(url, EMPTY) == "openinfo"


def test_openinfo_frame_named_only_in_a_comment_does_not_count() -> None:
    body = '<!-- <iframe src="OpenInfoRight.action?depCode=1"> --><p>暂无信息</p>'
    assert detect_platform("http://www.mouxian.gov.cn/list.asp?classid=86", body) == "static"
