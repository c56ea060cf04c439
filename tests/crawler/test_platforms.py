"""Reading list pages of each portal platform: items, later pages, attachments (crawler/platforms/).

Every fixture under tests/fixtures/crawler/platforms/ has a `<name>.expected.json` with the URL
the page would have and what must come out of it; the golden tests compare all of them, the
others pin one platform behaviour each. Which single links are attachments: test_attachments.py.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest

from crawler.platforms import (
    ListedLink,
    ListPage,
    ListPageError,
    PageRequest,
    attachment_links,
    detect_platform,
    gkmlpt_api_url,
    parse_list_page,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "crawler" / "platforms"
LIST_PAGES = sorted(
    p.name for p in FIXTURES.iterdir() if p.suffix != ".md" and not p.name.endswith(".expected.json")
    and "detail" not in p.name
)
DETAIL_PAGES = sorted(p.name for p in FIXTURES.glob("*detail*") if not p.name.endswith(".expected.json"))

HANWEB_COLUMN = "http://www.mouxian.gov.cn/col/col1229012345/index.html"
HANWEB_FORM = {
    "col": ["1"],
    "appid": ["1"],
    "webid": ["3"],
    "path": ["/"],
    "columnid": ["1229012345"],
    "sourceContentType": ["1"],
    "unitid": ["4461234"],
    "webname": ["某县人民政府"],
    "permissiontype": ["0"],
}


def _body(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def _expected(name: str) -> dict:
    return json.loads((FIXTURES / (name.rsplit(".", 1)[0] + ".expected.json")).read_text(encoding="utf-8"))


def _page(name: str) -> ListPage:
    expected = _expected(name)
    return parse_list_page(expected["url"], _body(name), sent=expected.get("sent"))


def _requests(page: ListPage) -> list[dict]:
    return [{"url": r.url, "method": r.method, "body": r.body, "headers": [list(h) for h in r.headers]} for r in page.next_pages]


# ---------------------------------------------------------------------------------------------
# Golden: every fixture against its expected.json


def test_fixtures_each_have_an_expected_file() -> None:
    assert LIST_PAGES and DETAIL_PAGES
    for name in LIST_PAGES + DETAIL_PAGES:
        assert (FIXTURES / (name.rsplit(".", 1)[0] + ".expected.json")).is_file(), name


@pytest.mark.parametrize("name", LIST_PAGES)
def test_detect_platform_names_each_fixtures_platform(name: str) -> None:
    expected = _expected(name)
    assert detect_platform(expected["url"], _body(name)) == expected["platform"]


@pytest.mark.parametrize("name", LIST_PAGES)
def test_parse_list_page_finds_every_item_with_url_title_and_date(name: str) -> None:
    links = [{"url": link.url, "title": link.title, "date": link.date} for link in _page(name).links]
    assert links == _expected(name)["links"]


@pytest.mark.parametrize("name", LIST_PAGES)
def test_parse_list_page_leaves_menus_sidebars_and_footers_out(name: str) -> None:
    expected, body = _expected(name), _body(name)
    on_page = {urljoin(expected["url"], html.unescape(href)) for href in re.findall(r'href="([^"]*)"', body)}
    urls = {link.url for link in _page(name).links}
    for not_item in expected["not_items"]:
        assert not_item in on_page, f"{not_item} is not on the page, so the check proves nothing"
        assert not_item not in urls


@pytest.mark.parametrize("name", LIST_PAGES)
def test_parse_list_page_names_the_later_pages_of_the_column(name: str) -> None:
    assert _requests(_page(name)) == _expected(name)["next_pages"]


@pytest.mark.parametrize("name", DETAIL_PAGES)
def test_attachment_links_finds_every_attachment_and_no_decoy(name: str) -> None:
    expected = _expected(name)
    found = attachment_links(expected["url"], _body(name))
    assert [{"url": link.url, "title": link.title} for link in found] == expected["attachments"]
    assert all(link.date is None for link in found)


# ---------------------------------------------------------------------------------------------
# Items


def test_list_item_title_prefers_the_title_attribute_over_truncated_text() -> None:
    link = _page("trs_index.html").links[1]
    assert link.title == "某市人民政府办公室2023年政府信息公开工作年度报告"  # the text shows "…工作…"


def test_list_item_date_is_the_listed_date_not_a_date_like_run_in_the_title() -> None:
    link = next(link for link in _page("trs_index.html").links if "1-2月" in link.title)
    assert link.date == "2023-03-08"


def test_list_items_split_over_several_uls_are_one_list() -> None:
    assert len(_page("trs_index.html").links) == 10  # two <ul> of five under one box


def test_list_item_linked_straight_to_a_file_is_kept() -> None:
    urls = [link.url for link in _page("trs_index.html").links]
    assert "http://www.moushi.gov.cn/zwgk/zfxxgk/zfxxgknb/202201/P020220126391234567890.pdf" in urls


def test_hanweb_list_is_the_column_datastore_not_the_sidebar_one() -> None:
    links = _page("hanweb_col_index.html").links
    assert len(links) == 45
    assert all("art_1229012345_" in link.url for link in links)


def test_list_without_dates_lists_nothing_rather_than_menus() -> None:
    body = '<ul><li><a href="/a.html">首页</a></li><li><a href="/b.html">政务公开</a></li></ul>'
    assert parse_list_page("http://www.mouxian.gov.cn/list.html", body, "static").links == ()


def test_lone_dated_anchors_are_listed_when_no_container_holds_two() -> None:
    body = (
        '<div><p><a href="/r2023.html">某县2023年政府信息公开工作年度报告</a> 2024-01-30</p></div>'
        '<table><tr><td><a href="/r2022.html">某县2022年政府信息公开工作年度报告</a></td><td>2023-01-31</td></tr></table>'
        '<ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li></ul>'
    )
    page = parse_list_page("http://www.mouxian.gov.cn/nb/", body, "static")
    assert page.links == (
        ListedLink("http://www.mouxian.gov.cn/r2023.html", "某县2023年政府信息公开工作年度报告", "2024-01-30"),
        ListedLink("http://www.mouxian.gov.cn/r2022.html", "某县2022年政府信息公开工作年度报告", "2023-01-31"),
    )


@pytest.mark.parametrize(
    ("cell", "listed"),
    [
        ("发布时间：2024-01-25 10:30:00", "2024-01-25"),
        ("[2024/1/5]", "2024-01-05"),
        ("2024.01.05", "2024-01-05"),
        ("2024年1月5日", "2024-01-05"),
        ("01-05", None),  # no year: not a date this module can place
        ("2024-02-30", None),
    ],
)
def test_list_item_date_forms(cell: str, listed: str | None) -> None:
    rows = "".join(
        f'<tr><td><a href="/r{i}.html">某县{i}年政府信息公开工作年度报告</a></td><td>{cell if i == 1 else "2020-01-01"}</td></tr>'
        for i in range(1, 4)
    )
    page = parse_list_page("http://www.mouxian.gov.cn/nb/", f"<table>{rows}</table>", "static")
    assert page.links[0].date == listed


def test_empty_body_lists_nothing() -> None:
    assert parse_list_page("http://www.mouxian.gov.cn/nb/", "  ", "static") == ListPage("static", (), ())


# ---------------------------------------------------------------------------------------------
# Detection and override


@pytest.mark.parametrize(
    ("url", "platform"),
    [
        ("http://www.mouxian.gov.cn/col/col1229012345/index.html", "hanweb"),
        ("http://www.moushi.gov.cn/zwgk/xxgkndbg/index.shtml", "ucap"),
        ("http://www.moushi.gov.cn/msjyj/gkmlpt/index", "gkmlpt"),
        ("http://www.mouxian.gov.cn/list.asp?classid=86", "static"),
    ],
)
def test_detect_platform_falls_back_on_the_url_shape(url: str, platform: str) -> None:
    assert detect_platform(url, "<html><body><p>暂无信息</p></body></html>") == platform


# The national site-error widget as real sites embed it: the script tag and the <span> it writes
# (沭阳县's footer, sitecode kept; the widget is served by 开普云 to sites on every CMS).
JIUCUO_FOOTER = (
    '<div class="thumbnail thumbnails"><script id="_jiucuo_" sitecode="3208310001" '
    'src="http://pucha.kaipuyun.cn/exposure/jiucuo.js"></script><span id="_span_jiucuo"><img '
    "onclick=\"Link('3208310001')\" style=\"margin:0;border:0;cursor: pointer;\" "
    'src="http://pucha.kaipuyun.cn/exposure/images/jiucuo.png?v=3208310001"></span></div>'
)


@pytest.mark.parametrize("name", [n for n in LIST_PAGES if not n.endswith((".json", ".js"))])
def test_detect_platform_is_not_decided_by_the_jiucuo_footer_widget(name: str) -> None:
    expected = _expected(name)
    body = _body(name).replace("</body>", JIUCUO_FOOTER + "</body>") if "</body>" in _body(name) else _body(name) + JIUCUO_FOOTER
    assert JIUCUO_FOOTER in body
    assert detect_platform(expected["url"], body) == expected["platform"]


def test_static_list_with_the_jiucuo_widget_is_read_as_static_not_ucap() -> None:
    """The widget used to make any page 开普云: a plain .html list read by the UCAP reader."""
    body = _body("static_list.html").replace("</body>", JIUCUO_FOOTER + "</body>")
    url = _expected("static_list.html")["url"]
    assert detect_platform(url, body) == "static"
    assert parse_list_page(url, body).next_pages == _page("static_list.html").next_pages


def test_parse_list_page_platform_argument_overrides_detection() -> None:
    expected = _expected("trs_index.html")
    page = parse_list_page(expected["url"], _body("trs_index.html"), platform="static")
    assert page.platform == "static"
    assert page.next_pages == ()  # a static reader sees no 下一页 anchor: the pager is a script


def test_parse_list_page_unknown_platform_is_an_error() -> None:
    with pytest.raises(ListPageError, match="unknown platform 'wordpress'"):
        parse_list_page("http://www.mouxian.gov.cn/", "<html></html>", platform="wordpress")


# ---------------------------------------------------------------------------------------------
# TRS


def test_trs_later_pages_come_only_from_create_page_html() -> None:
    urls = [r.url for r in _page("trs_index.html").next_pages]
    assert urls == [f"http://www.moushi.gov.cn/zwgk/zfxxgk/zfxxgknb/index_{i}.html" for i in range(1, 5)]


@pytest.mark.parametrize(
    ("script", "urls"),
    [
        ("createPageHTML('page_div', 3, 1, 'fg', 'htm', 46);", ["fg_2.htm"]),
        ('var countPage = 3//共多少页\nvar currentPage = 0;\ncreatePageHTML(countPage, currentPage, "index", "shtml");', ["index_1.shtml", "index_2.shtml"]),
        ('createPageHTML(5, 4, "index", "html");', []),
        ('createPageHTML(1, 0, "index", "html");', []),
    ],
)
def test_trs_create_page_html_variants(script: str, urls: list[str]) -> None:
    body = f'<ul><li><a href="./202401/t20240125_1.html">某市2023年报告</a><span>2024-01-25</span></li></ul><script>{script}</script>'
    page = parse_list_page("http://www.moushi.gov.cn/zwgk/nb/", body)
    assert page.platform == "trs"
    assert [r.url for r in page.next_pages] == [f"http://www.moushi.gov.cn/zwgk/nb/{u}" for u in urls]


def test_trs_inline_count_page_template_names_page_2_of_a_real_column() -> None:
    """A real TRS 年报 column lost its page 2: no createPageHTML, only `var countPage = 2//共多少页`."""
    urls = [r.url for r in _page("trs_countpage_template.html").next_pages]
    assert urls == ["http://www.moushi.gov.cn/egb/xxgk/xxgknb/index_1.html"]


@pytest.mark.parametrize(
    ("url", "script", "urls"),
    [
        # a later page of the same template: currentPage counts from 0
        ("http://www.moushi.gov.cn/nb/index_1.html",
         'var currentPage = 1;//所在页从0开始\nvar nextPage = currentPage+1//下一页\nvar countPage = 4//共多少页\n'
         'document.write("<a href=\\"index"+"_" + nextPage + "."+"html\\">下一页</a>");',
         ["index_2.html", "index_3.html"]),
        # the .shtml form (a real policy list's pager: "index"+"_" + prevPage + "."+"shtml")
        ("http://www.moushi.gov.cn/nb/index.shtml",
         'var currentPage = 0;//所在页从0开始\nvar countPage = 3//共多少页\n'
         'document.write("<a href=\\"index.shtml\\" class=\'fanye\'>首页</a>&nbsp;<a href=\\"index"+"_" + prevPage + "."+"shtml\\" class=\'fanye\'>上一页</a>");',
         ["index_1.shtml", "index_2.shtml"]),
        # the last page
        ("http://www.moushi.gov.cn/nb/index_1.html",
         'var currentPage = 1;//所在页从0开始\nvar countPage = 2//共多少页\n'
         'document.write("<a href=\\"index"+"_" + prevPage + "."+"html\\">上一页</a>");',
         []),
    ],
)
def test_trs_inline_count_page_template_variants(url: str, script: str, urls: list[str]) -> None:
    body = f'<ul><li><a href="./202401/t20240125_1.html">某市2023年报告</a><span>2024-01-25</span></li></ul><script>{script}</script>'
    page = parse_list_page(url, body)
    assert page.platform == "trs"
    assert [r.url for r in page.next_pages] == [f"http://www.moushi.gov.cn/nb/{u}" for u in urls]


def test_trs_article_pager_template_is_not_a_column_pager() -> None:
    """The same template on a multi-page article names the article (t20190419_6377489_1.htm)."""
    body = ('<ul><li><a href="./202401/t20240125_1.html">某市2023年报告</a><span>2024-01-25</span></li></ul><script>'
            'var currentPage = 0; //所在页从0开始\nvar nextPage = currentPage + 1 //下一页\nvar countPage = 3 //共多少页\n'
            'document.write("<a target=\\"_self\\" href=\\"t20190419_6377489" + "_" + nextPage + "." + "htm\\">[下一页]</a>");'
            '</script>')
    assert parse_list_page("http://www.moushi.gov.cn/nb/", body).next_pages == ()


# ---------------------------------------------------------------------------------------------
# Hanweb


def test_hanweb_later_records_are_posts_to_dataproxy_with_the_jpage_form() -> None:
    requests = _page("hanweb_col_index.html").next_pages
    assert [r.url for r in requests] == [
        f"http://www.mouxian.gov.cn/module/web/jpage/dataproxy.jsp?startrecord={s}&endrecord={e}&perpage=15"
        for s, e in ((46, 90), (91, 135), (136, 180))
    ]
    for request in requests:
        assert request.method == "POST"
        assert parse_qs(request.body) == HANWEB_FORM
        headers = dict(request.headers)
        assert headers["Content-Type"].startswith("application/x-www-form-urlencoded")
        assert headers["Referer"] == HANWEB_COLUMN


def test_hanweb_dataproxy_answer_repeats_only_requests_the_column_page_made() -> None:
    """So Scrapy's dupefilter drops them: same URL, method and body."""
    column = set(_page("hanweb_col_index.html").next_pages)
    answer = _page("hanweb_dataproxy.xml").next_pages
    assert answer and set(answer) <= column
    assert [parse_qs(urlsplit(r.url).query)["startrecord"] for r in answer] == [["91"], ["136"]]


def test_hanweb_list_is_the_column_unit_even_when_a_sidebar_unit_holds_more() -> None:
    def unit(unit_id: str, column: str, n: int) -> str:
        records = "".join(
            f'<record><![CDATA[<li><a href="/art/2024/1/{i}/art_{column}_{i}.html" title="标题{column}-{i}">标题</a>'
            f"<span>2024-01-{i:02d}</span></li>]]></record>"
            for i in range(1, n + 1)
        )
        nextgroup = f'<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=3&columnid={column}&unitid={unit_id}"></a>]]></nextgroup>'
        return f'<div id="{unit_id}"><script type="text/xml"><datastore>{nextgroup}<recordset>{records}</recordset></datastore></script></div>'

    body = f"<html><body>{unit('4461230', '1229011220', 5)}{unit('4461234', '1229012345', 3)}</body></html>"
    links = parse_list_page(HANWEB_COLUMN, body).links
    assert [link.title for link in links] == ["标题1229012345-1", "标题1229012345-2", "标题1229012345-3"]


def test_hanweb_without_a_stated_total_asks_for_the_next_group_only() -> None:
    body = re.sub(r"totalRecord: 137,", "", _body("hanweb_col_index.html"))
    page = parse_list_page(HANWEB_COLUMN, body)
    assert [r.url for r in page.next_pages] == [
        "http://www.mouxian.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15"
    ]


def test_hanweb_form_falls_back_on_the_nextgroup_link_and_the_url() -> None:
    """An older jcms page without ajaxParam: the values come from <nextgroup> and col/colN."""
    body = re.sub(r"ajaxParam: \{.*?\}", "ajaxParam: {}", _body("hanweb_col_index.html"), flags=re.DOTALL)
    request = parse_list_page(HANWEB_COLUMN, body).next_pages[0]
    assert parse_qs(request.body) == HANWEB_FORM


def test_hanweb_last_group_has_no_later_records() -> None:
    url = "http://www.mouxian.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=136&endrecord=180&perpage=15"
    body = _body("hanweb_dataproxy.xml")
    assert parse_list_page(url, body).next_pages == ()


@pytest.mark.parametrize("proxy", ["/module/web/jpage/", "/module/jpage/", "/module/jslib/jquery/jpage/"])
def test_hanweb_posts_go_to_the_proxy_the_nextgroup_link_names(proxy: str) -> None:
    """Without proxyUrl in the jpage options, the proxy is where the <nextgroup> link points
    (a real Nantong jcms page: /module/jslib/jquery/jpage/dataproxy.jsp?page=1&…&path='/'…)."""
    body = re.sub(r"proxyUrl:\s*'[^']*',?", "", _body("hanweb_col_index.html"))
    body = body.replace("/module/web/jpage/dataproxy.jsp?page=1", f"{proxy}dataproxy.jsp?page=1")
    assert "proxyUrl" not in body and f"{proxy}dataproxy.jsp?page=1" in body
    requests = parse_list_page(HANWEB_COLUMN, body).next_pages
    assert [urlsplit(r.url).path for r in requests] == [f"{proxy}dataproxy.jsp"] * 3
    assert all(r.method == "POST" and parse_qs(r.body) == HANWEB_FORM for r in requests)


def test_hanweb_get_page_answer_names_pages_up_to_its_totalpage() -> None:
    requests = _page("hanweb_dataproxy_page.xml").next_pages
    assert [parse_qs(urlsplit(r.url).query)["page"] for r in requests] == [["2"], ["3"]]
    assert all(r.method == "GET" and parse_qs(urlsplit(r.url).query)["columnid"] == ["77278"] for r in requests)


def test_hanweb_jsonp_answer_is_read_as_its_datastore() -> None:
    page = _page("hanweb_dataproxy_jsonp.js")
    assert [link.date for link in page.links] == ["2024-01-25", "2023-01-20"]
    assert [urlsplit(r.url).path for r in page.next_pages] == ["/module/jpage/dataproxy.jsp"]


def test_hanweb_column_with_a_site_prefixed_id_is_hanweb_and_names_its_column() -> None:
    """col/4122_231438/ (a column path seen on real jcms sites, issue 14): the form's columnid
    comes from the path when neither the jpage options nor the nextgroup link state it."""
    url = "http://www.mouxian.gov.cn/col/4122_231438/index.html"
    assert detect_platform(url, "<html><body><p>暂无信息</p></body></html>") == "hanweb"
    body = re.sub(r"ajaxParam: \{.*?\}", "ajaxParam: {}", _body("hanweb_col_index.html"), flags=re.DOTALL)
    body = re.sub(r"<nextgroup>.*?</nextgroup>", "", body, flags=re.DOTALL)
    body = re.sub(r"columnid\s*:\s*'?\d+'?,?", "", body)
    assert "columnid" not in body
    request = parse_list_page(url, body).next_pages[0]
    assert parse_qs(request.body)["columnid"] == ["231438"]


def test_jpaas_column_asks_the_unit_api_for_the_column_unit_not_the_header() -> None:
    (request,) = _page("jpaas_column.html").next_pages
    query = parse_qs(urlsplit(request.url).query)
    assert urlsplit(request.url).path == "/api-gateway/jpaas-publish-server/front/page/build/unit"
    assert query["pageId"] == ["ca517c97303b40cf80bd668b35f6148f"] and query["tagId"] == ["右侧内容"]
    assert dict(request.headers)["Referer"] == "http://www.moushi.gov.cn/zwgk/nb/index.html"


def test_jpaas_later_pages_are_asked_for_by_param_json() -> None:
    requests = _page("jpaas_unit_page1.json").next_pages
    assert [json.loads(parse_qs(urlsplit(r.url).query)["paramJson"][0]) for r in requests] == [
        {"pageNo": 2, "pageSize": 20}, {"pageNo": 3, "pageSize": 20}]


def test_jpaas_answer_without_its_list_is_an_error() -> None:
    url = _expected("jpaas_unit_page1.json")["url"]
    with pytest.raises(ListPageError, match="without data.html"):
        parse_list_page(url, '{"success":false,"data":{}}')


# ---------------------------------------------------------------------------------------------
# VSB


def test_vsb_list_pages_are_numbered_downwards_from_the_next_link() -> None:
    urls = [r.url for r in _page("vsb_ndbg.htm").next_pages]
    assert urls == ["http://www.mouqu.gov.cn/xxgk/ndbg/2.htm", "http://www.mouqu.gov.cn/xxgk/ndbg/1.htm"]


def test_vsb_count_text_gives_the_pages_when_the_next_link_is_a_script() -> None:
    body = re.sub(r'<a href="ndbg/[12].htm" class="Next">(下页|尾页)</a>', r"\1", _body("vsb_ndbg.htm"))
    urls = [r.url for r in parse_list_page("http://www.mouqu.gov.cn/xxgk/ndbg.htm", body).next_pages]
    assert urls == ["http://www.mouqu.gov.cn/xxgk/ndbg/2.htm", "http://www.mouqu.gov.cn/xxgk/ndbg/1.htm"]


def test_vsb_last_page_has_no_later_pages() -> None:
    body = _body("vsb_ndbg_2.htm").replace('<a href="1.htm" class="Next">下页</a>', "下页").replace(
        '<a href="1.htm" class="Next">尾页</a>', "尾页"
    )
    assert parse_list_page("http://www.mouqu.gov.cn/xxgk/ndbg/1.htm", body).next_pages == ()


# ---------------------------------------------------------------------------------------------
# gkmlpt


def test_gkmlpt_api_url_from_the_column_page() -> None:
    request = gkmlpt_api_url("http://www.moushi.gov.cn/msjyj/gkmlpt/index#2671", _body("gkmlpt_column.html"))
    assert request is not None
    assert request.url == "http://www.moushi.gov.cn/msjyj/gkmlpt/api/all/2671?page=1&sid=755123"
    assert request.method == "GET"


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("http://www.moushi.gov.cn/msjyj/gkmlpt/index", "window._CONFIG = {SID: '755123'}"),  # no category
        ("http://www.moushi.gov.cn/msjyj/gkmlpt/index#2671", "<html></html>"),  # no site id
    ],
)
def test_gkmlpt_api_url_is_none_without_category_or_site_id(url: str, body: str) -> None:
    assert gkmlpt_api_url(url, body) is None


def test_gkmlpt_dates_are_the_dates_shown_in_china() -> None:
    first = _page("gkmlpt_api_page1.json").links[0]
    assert first.date == "2024-01-25"  # first_publish_time 1706113800 is 2024-01-24 in UTC


def test_gkmlpt_later_pages_come_from_the_total() -> None:
    requests = _page("gkmlpt_api_page1.json").next_pages
    assert [r.url for r in requests] == ["http://www.moushi.gov.cn/msjyj/gkmlpt/api/all/2671?page=2&sid=755123"]


def test_gkmlpt_answer_that_is_not_json_is_an_error() -> None:
    url = "http://www.moushi.gov.cn/msjyj/gkmlpt/api/all/2671?page=1&sid=755123"
    with pytest.raises(ListPageError, match="not JSON"):
        parse_list_page(url, "{<html>", platform="gkmlpt")


# ---------------------------------------------------------------------------------------------
# UCAP and static


def test_ucap_later_pages_come_from_the_pager_script() -> None:
    urls = [r.url for r in _page("ucap_index.shtml").next_pages]
    assert urls == ["http://www.moushi.gov.cn/zwgk/xxgkndbg/index_2.shtml", "http://www.moushi.gov.cn/zwgk/xxgkndbg/index_3.shtml"]


def test_static_list_next_page_is_its_next_link() -> None:
    assert _page("static_list.html").next_pages == (PageRequest("http://www.mouxiangxian.gov.cn/list.asp?classid=86&page=2"),)


def test_another_portals_trs_report_linked_from_a_list_does_not_make_it_trs() -> None:
    item = '<li><a href="{}" title="{t}">{t}</a><span>2024-01-20</span></li>'
    title = "某省2023年政府信息公开工作年度报告"
    body = ('<html><body><ul class="list">' + item.format("http://www.moushen.gov.cn/zwgk/202401/t20240120_617439.html", t=title)
            + item.format("/xxgk/ndbg/2024/0120/1.shtml", t="某县2023年政府信息公开工作年度报告") + "</ul></body></html>")
    assert detect_platform("http://www.mouxian.gov.cn/xxgk/ndbg/index.shtml", body) == "ucap"
    own = body.replace("http://www.moushen.gov.cn/zwgk/", "/zwgk/")
    assert detect_platform("http://www.mouxian.gov.cn/xxgk/ndbg/list.html", own) == "trs"
