"""The bounded best-first walk of one portal (crawler.discovery.walk), driven by a dict of pages:
what it fetches, in which order, where it stops and what evidence it keeps."""

from __future__ import annotations

from crawler.discovery.walk import Bounds, Walk, site_of

HOME = "http://www.mouxian.gov.cn/"


def _page(links: dict[str, str], items: str = "") -> str:
    anchors = "".join(f'<li><a href="{url}">{text}</a></li>' for url, text in links.items())
    return f'<html><body><ul class="nav">{anchors}</ul>{items}</body></html>'


def _list(*reports: tuple[str, str]) -> str:
    return '<ul class="list">' + "".join(f'<li><a href="{u}">{t}</a><span>2024-01-20</span></li>'
                                         for u, t in reports) + "</ul>"


SITE = {
    HOME: _page({"/xwzx/": "新闻中心", "/zwgk/": "政务公开", "/bsfw/": "办事服务", "http://www.gov.cn/": "中国政府网"}),
    HOME + "zwgk/": _page({"/zwgk/fdzdgknr/": "法定主动公开内容", "/zwgk/nb/": "政府信息公开年报",
                           "/zwgk/bm/": "部门信息公开"}),
    HOME + "zwgk/fdzdgknr/": _page({"/zwgk/fdzdgknr/ghjh/": "规划计划"}),
    HOME + "zwgk/nb/": _page({"/zwgk/nb/2023/": "2023年", "/zwgk/nb/2022/": "2022年", "/zwgk/": "政务公开"}),
    HOME + "zwgk/nb/2023/": _list(("/zwgk/nb/2023/t20240120_1.html", "某县2023年政府信息公开工作年度报告")),
    HOME + "zwgk/nb/2022/": _list(("/zwgk/nb/2022/t20230120_1.html", "某县2022年政府信息公开工作年度报告")),
}


def _run(walk: Walk, site: dict[str, str], *, seconds_per_page: float = 0.0) -> list[str]:
    fetched, now = [], 0.0
    while (target := walk.next_target(now)) is not None:
        fetched.append(target.url)
        body = site.get(target.url)
        walk.visit(target, target.url, 200 if body is not None else 404, body or "")
        now += seconds_per_page
    return fetched


def test_walk_goes_to_the_column_and_its_years_and_no_further() -> None:
    walk = Walk("某县人民政府", HOME)
    fetched = _run(walk, SITE)
    # The departments page last (the units' own columns hang off it; this one 404s).
    assert fetched == [HOME, HOME + "zwgk/", HOME + "zwgk/nb/", HOME + "zwgk/nb/2023/", HOME + "zwgk/nb/2022/",
                       HOME + "zwgk/bm/"]
    assert {url: c.role for url, c in walk.found.items()} == {
        HOME + "zwgk/nb/": "column", HOME + "zwgk/nb/2023/": "year", HOME + "zwgk/nb/2022/": "year"}
    assert walk.found[HOME + "zwgk/nb/2023/"].reports_listed == 1
    assert walk.stop_reason.startswith("done")


def test_walk_keeps_the_chain_of_links_as_evidence() -> None:
    walk = Walk("某县人民政府", HOME)
    _run(walk, SITE)
    chain = walk.found[HOME + "zwgk/nb/2023/"].evidence
    assert [(step.page, step.text, step.kind) for step in chain] == [
        (HOME, "政务公开", "platform"), (HOME + "zwgk/", "政府信息公开年报", "column"),
        (HOME + "zwgk/nb/", "2023年", "year")]
    assert all(step.reasons for step in chain)
    assert [step.text for step in walk.departments] == ["部门信息公开"]


UNITS_SITE = SITE | {
    HOME + "zwgk/bm/": _page({"/zwgk/bm/czj/": "某县财政局", "/zwgk/bm/jnz/": "某县金安镇人民政府",
                              "/zwgk/bm/sjj/": "某县审计局", "/xwzx/": "新闻中心"}),
    HOME + "zwgk/bm/czj/": _list(("/zwgk/bm/czj/t20240120_1.html", "2023年度政府信息公开工作年度报告")),
    HOME + "zwgk/bm/jnz/": _list(("/zwgk/bm/jnz/t20240120_2.html", "某县金安镇2023年政府信息公开工作年度报告")),
    HOME + "zwgk/bm/sjj/": _page({"/zwgk/bm/sjj/gkzn/": "政府信息公开指南"}),  # its platform, no 年报 here
}


def test_walk_finds_the_units_columns_on_the_departments_page() -> None:
    # The national test web's flat_units layout: the platform links 部门信息公开 (or 部门年报,
    # 乡镇街道), a page linking one 年报 column per unit, named for the unit (审计局 and 财政局
    # too, words refused for a 年报 column's own name). The news menu beside them is no unit.
    walk = Walk("某县人民政府", HOME)
    _run(walk, UNITS_SITE)
    # (the departments page itself too, as a column of sub-columns, as a 年报 root with years is)
    assert {url: c.role for url, c in walk.found.items() if "/bm/" in url} == {
        HOME + "zwgk/bm/": "unit", HOME + "zwgk/bm/czj/": "unit", HOME + "zwgk/bm/jnz/": "unit"}
    assert [s.text for s in walk.found[HOME + "zwgk/bm/czj/"].evidence] == ["政务公开", "部门信息公开", "某县财政局"]
    assert HOME + "xwzx/" not in walk.found


def test_walk_stops_at_its_page_bound() -> None:
    walk = Walk("某县人民政府", HOME, Bounds(max_pages=2))
    assert _run(walk, SITE) == [HOME, HOME + "zwgk/"]
    assert walk.stop_reason == "page bound: 2 pages fetched"
    assert not walk.found


def test_walk_stops_at_its_time_bound() -> None:
    walk = Walk("某县人民政府", HOME, Bounds(max_seconds=15))
    assert len(_run(walk, SITE, seconds_per_page=10)) == 2
    assert walk.stop_reason.startswith("time bound")


def test_walk_does_not_fetch_beyond_its_depth() -> None:
    walk = Walk("某县人民政府", HOME, Bounds(max_depth=2))
    fetched = _run(walk, SITE)
    assert HOME + "zwgk/nb/2023/" not in fetched
    assert set(walk.found) == {HOME + "zwgk/nb/"}


def test_walk_does_not_take_a_moved_column_again() -> None:
    moved = dict(SITE)
    moved[HOME + "zwgk/nb/"] = _page({"/zwgk/nb/2023/": "2023年", "/zwgk/nb/2023n/": "2023年度"})
    moved[HOME + "zwgk/nb/2023n/"] = SITE[HOME + "zwgk/nb/2023/"]
    walk = Walk("某县人民政府", HOME, avoid=frozenset({HOME + "zwgk/nb/2023/"}))
    fetched = _run(walk, moved)
    assert HOME + "zwgk/nb/2023/" not in fetched
    assert HOME + "zwgk/nb/2023n/" in walk.found
    assert any("known to have moved" in note for note in walk.notes)


def test_walk_follows_a_home_page_that_is_only_a_script() -> None:
    site = {HOME: '<html><head><script>location.replace("/index.html")</script></head><body></body></html>',
            HOME + "index.html": SITE[HOME], **{k: v for k, v in SITE.items() if k != HOME}}
    walk = Walk("某县人民政府", HOME)
    _run(walk, site)
    assert HOME + "zwgk/nb/" in walk.found
    assert walk.found[HOME + "zwgk/nb/"].evidence[0].kind == "script"


def test_walk_records_a_column_answering_404_as_nothing_found() -> None:
    site = {k: v for k, v in SITE.items() if not k.startswith(HOME + "zwgk/nb/")}
    walk = Walk("某县人民政府", HOME)
    _run(walk, site)
    assert not walk.found
    assert f"{HOME}zwgk/nb/: HTTP 404" in walk.notes


def test_site_of_takes_a_government_sites_hosts_together() -> None:
    assert site_of("http://xxgk.jxjaxzf.gov.cn/a/") == site_of("http://www.jxjaxzf.gov.cn/") == "jxjaxzf.gov.cn"
    assert site_of("http://127.0.3.1:8080/") != site_of("http://127.0.3.2:8080/")


def test_walk_keeps_a_column_behind_robots_as_found() -> None:
    # The spider reports robots.txt refusals through `failed`; the column is the agency's still,
    # so the crawl gets to say 'robots' of it (the national test web's walled roots).
    walk = Walk("某县人民政府", HOME)
    fetched, now = [], 0.0
    while (target := walk.next_target(now)) is not None:
        fetched.append(target.url)
        if target.url == HOME + "zwgk/nb/":
            walk.failed(target, "robots.txt disallows it; nianbao does not read it", robots=True)
            continue
        body = SITE.get(target.url)
        walk.visit(target, target.url, 200 if body is not None else 404, body or "")
    assert walk.robots and walk.found[HOME + "zwgk/nb/"].role == "column"
    assert HOME + "zwgk/nb/2023/" not in fetched  # behind the wall, never seen
