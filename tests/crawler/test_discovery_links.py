"""Which links of a portal page lead to the 年报 (crawler.discovery.links), on real shapes of
Chinese government portals' navigation (tests/fixtures/crawler/discovery, sources in its README)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.discovery.links import LinkKind, score_link, score_links

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "crawler" / "discovery"


def _links(name: str, url: str, *, on_column: bool = False) -> dict[str, tuple[LinkKind, str]]:
    html = (FIXTURES / name).read_text(encoding="utf-8")
    return {link.url: (link.kind, link.text) for link in score_links(url, html, on_column=on_column)}


@pytest.mark.parametrize(("name", "page", "column"), [
    ("hd_xxgk_platform.html", "http://hdzfxxgk.hd.gov.cn/", "http://hdzfxxgk.hd.gov.cn/zfxxgknb/"),
    ("jxjaxzf_home_nav.html", "http://www.jxjaxzf.gov.cn/", "http://www.jxjaxzf.gov.cn/Category_598/Index.aspx"),
    ("bjjs_xxgk_nav.html", "http://www.bjjs.gov.cn/", "http://zfxxgk.beijing.gov.cn/110016/zfxxgknb/list.shtml"),
])
def test_score_links_puts_the_report_column_first(name, page, column) -> None:
    html = (FIXTURES / name).read_text(encoding="utf-8")
    links = score_links(page, html)
    assert links[0].url == column
    assert links[0].kind == LinkKind.COLUMN
    assert any("年报 column" in reason for reason in links[0].reasons)


@pytest.mark.parametrize(("name", "page", "platform"), [
    ("hd_xxgk_platform.html", "http://hdzfxxgk.hd.gov.cn/", "http://hdzfxxgk.hd.gov.cn/fdgknr/"),
    ("jxjaxzf_home_nav.html", "http://www.jxjaxzf.gov.cn/", "http://www.jxjaxzf.gov.cn/Category_111/Index.aspx"),
    ("jxjaxzf_home_nav.html", "http://www.jxjaxzf.gov.cn/", "http://xxgk.jxjaxzf.gov.cn/zgja/zfxxgk_38041/"),
    ("bjjs_xxgk_nav.html", "http://www.bjjs.gov.cn/", "http://www.bjjs.gov.cn/bjjs/xxgk/index.shtml"),
])
def test_score_links_finds_the_information_platform(name, page, platform) -> None:
    assert _links(name, page)[platform][0] == LinkKind.PLATFORM


@pytest.mark.parametrize(("name", "page", "url"), [
    # guides, rules and 依申请公开 are not the platform; news items and a service are nothing
    ("hd_xxgk_platform.html", "http://hdzfxxgk.hd.gov.cn/", "http://hdzfxxgk.hd.gov.cn/zfxxgkzn/"),
    ("hd_xxgk_platform.html", "http://hdzfxxgk.hd.gov.cn/", "http://hdzfxxgk.hd.gov.cn/ysqgk/"),
    ("hd_xxgk_platform.html", "http://hdzfxxgk.hd.gov.cn/",
     "http://hdzfxxgk.hd.gov.cn/gszbm/auto23716/202008/t20200802_1352104.html"),
    ("jxjaxzf_home_nav.html", "http://www.jxjaxzf.gov.cn/", "http://www.jxjaxzf.gov.cn/Item/24059.aspx"),
    ("jxjaxzf_home_nav.html", "http://www.jxjaxzf.gov.cn/",
     "http://ycja.jxzwfww.gov.cn/jazwfw/grbs_list.jspx?zhuti=年检延续&zhutiorbumentext=年检延续&service_object=1"),
    # look-alikes: company filings, the 法治政府 report column
    ("bjjs_xxgk_nav.html", "http://www.bjjs.gov.cn/", "http://t.wlstock.com/nianbao/news/"),
    ("bjjs_xxgk_nav.html", "http://www.bjjs.gov.cn/", "http://www.bjjs.gov.cn/bjjs/fzzf/ndbg/"),
])
def test_score_links_leaves_what_leads_elsewhere(name, page, url) -> None:
    assert url not in _links(name, page)


def test_score_links_names_the_departments_platform() -> None:
    links = _links("hd_xxgk_platform.html", "http://hdzfxxgk.hd.gov.cn/")
    assert links["http://hdzfxxgk.hd.gov.cn/gszbm/"] == (LinkKind.DEPARTMENTS, "市政府部门信息公开")


def test_score_links_on_a_column_finds_year_and_unit_sub_columns() -> None:
    root = "https://www.bjmy.gov.cn/zwgk/zfxxgk/zfxxgknb/"
    links = _links("zfxxgknb_year_tree.html", root, on_column=True)
    assert {url: kind for url, (kind, _) in links.items() if kind in (LinkKind.YEAR, LinkKind.UNIT)} == {
        root + "gknb2019/": LinkKind.YEAR, root + "gknb2018/": LinkKind.YEAR, root + "gknb2017/": LinkKind.YEAR,
        root + "2019n/xzjd/": LinkKind.UNIT, root + "bmnb/": LinkKind.UNIT,
    }
    # its reports are items for the reports spider, its pager is the same column
    assert root + "gknb2017/201802/t20180223_195744.html" not in links
    assert root + "index_1.html" not in links and root + "index_5.html" not in links


def test_score_links_off_a_column_takes_no_year_link_for_a_sub_column() -> None:
    links = _links("zfxxgknb_year_tree.html", "https://www.bjmy.gov.cn/zwgk/zfxxgk/zfxxgknb/")
    assert all(kind not in (LinkKind.YEAR, LinkKind.UNIT) for kind, _ in links.values())


@pytest.mark.parametrize(("url", "text"), [
    ("http://x.gov.cn/xxgk/zfxxgknb/202401/t20240120_1.html", "某县2023年政府信息公开工作年度报告"),
    ("http://x.gov.cn/xxgk/ndbg/2023.pdf", "2023年度报告"),
])
def test_score_link_a_report_is_no_column(url, text) -> None:
    assert score_link(url, text, "http://x.gov.cn/xxgk/") is None


def test_score_link_explains_its_year_from_the_address() -> None:
    link = score_link("http://x.gov.cn/zfxxgknb/2023n/", "2023年", "http://x.gov.cn/zfxxgknb/", on_column=True)
    assert link is not None and link.kind == LinkKind.YEAR
    assert link.reasons == ("on a 年报 column, titled '2023年' (the year 2023)", "its address names the year (2023n)")


# Shapes the national test web (nianbao/devportal/national_web/wording.py) showed discovery missing.
@pytest.mark.parametrize(("url", "text", "page", "on_column", "kind"), [
    ("http://x.gov.cn/gkzl/index.html", "公开透明", "http://x.gov.cn/", False, LinkKind.PLATFORM),
    ("http://x.gov.cn/xxgk/", "政务信息公开", "http://x.gov.cn/", False, LinkKind.PLATFORM),
    ("http://x.gov.cn/col/col84610/index.html", "政务公开年报", "http://x.gov.cn/xxgk/", False, LinkKind.COLUMN),
    ("http://x.gov.cn/zwgk/zjnb.htm", "乡镇街道", "http://x.gov.cn/xxgk/", False, LinkKind.DEPARTMENTS),
    # a unit's column: a long department name, one holding 审计/财政, a township's 人民政府,
    # a Hanweb numbered column nowhere inside its parent's folder, the government's own 本级
    ("http://x.gov.cn/xxgk/bmnb/wgj/index.html", "南京市秦淮区文化广电和旅游局", "http://x.gov.cn/xxgk/bmnb/index.html",
     True, LinkKind.UNIT),
    ("http://x.gov.cn/zwgk/bmnb/sjj.htm", "宿迁市审计局", "http://x.gov.cn/zwgk/bmnb.htm", True, LinkKind.UNIT),
    # a province's departments are 厅 (seed 5's 广东省 and 宁夏 portals lost 8 such columns)
    ("http://x.gov.cn/xxgk/bmxxgknb/czj/index.html", "宁夏回族自治区财政厅", "http://x.gov.cn/xxgk/bmxxgknb/index.html",
     True, LinkKind.UNIT),
    ("http://x.gov.cn/col/col61109/index.html", "徐州市云龙区新西乡人民政府", "http://x.gov.cn/col/col61100/index.html",
     True, LinkKind.UNIT),
    ("http://x.gov.cn/col/col53724/index.html", "吴中区政府", "http://x.gov.cn/col/col53700/index.html", True,
     LinkKind.UNIT),
    ("http://x.gov.cn/col/col53738/index.html", "镇街年报", "http://x.gov.cn/col/col53700/index.html", True,
     LinkKind.UNIT),
])
def test_score_link_national_web_wordings(url, text, page, on_column, kind) -> None:
    link = score_link(url, text, page, on_column=on_column)
    assert link is not None and link.kind == kind, link


@pytest.mark.parametrize(("url", "text", "page"), [
    # VSB: /gknb.htm keeps its sub-columns in /gknb/; the site menu's 新闻中心 is no unit of it
    ("http://x.gov.cn/xwzx/", "新闻中心", "http://x.gov.cn/gknb.htm"),
    # a VSB report page is a document, not a sub-column
    ("http://x.gov.cn/info/16100/366655.htm", "2023年度", "http://x.gov.cn/gknb.htm"),
])
def test_score_link_national_web_refusals(url, text, page) -> None:
    link = score_link(url, text, page, on_column=True)
    assert link is None or link.kind not in (LinkKind.UNIT, LinkKind.YEAR), link


def test_score_links_keeps_a_gkmlpt_columns_category() -> None:
    html = '<a href="/gkmlpt/index#42030">政务公开年报</a>'
    (link,) = score_links("http://x.gov.cn/zwgk/", html)
    assert link.url == "http://x.gov.cn/gkmlpt/index#42030"
