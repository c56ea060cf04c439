"""The national test web's Epoint (新点 WebBuilder) and Cicro portals, read by the crawler's own
readers (crawler/platforms/epoint.py, cicro.py): the Epoint list API answers only a JSON POST with
the site's siteGuid (Epoint's error answer otherwise), in pages from 0 up to its total, wrapped
where the site wants it wrapped; every reachable report of an Epoint or Cicro column is found by
following the readers' requests from the column page; robots walls and moves work on their
query-string column pages; a web of as many portals as platforms has every platform."""

from __future__ import annotations

import json
import urllib.robotparser
from collections.abc import Iterator
from urllib.parse import urljoin

import pytest

from crawler.platforms import detect_platform, parse_list_page
from nianbao.devportal.national_web import NationalWeb
from nianbao.devportal.national_web.generate import PLATFORM_MIX
from nianbao.devportal.national_web.paths import EPOINT_API
from nianbao.devportal.national_web.plan import PortalPlan

from national_web_walk import Client, decode


def _web_with(predicate, limit: int = 14) -> NationalWeb:
    """The first web (seeds 100…) whose plans satisfy `predicate`: the test says what it needs
    of the web instead of naming a seed."""
    for seed in range(100, 160):
        web = NationalWeb(seed=seed, limit=limit)
        if predicate(web.plans):
            return web
    raise AssertionError("no web in seeds 100-159 has what the test needs")


def _epoint(plans: list[PortalPlan], wrapped: bool) -> list[PortalPlan]:
    return [p for p in plans if p.platform == "epoint" and bool(p.site["wrapped"]) == wrapped]


@pytest.fixture(scope="module")
def web() -> Iterator[NationalWeb]:
    served = _web_with(lambda plans: _epoint(plans, True) and _epoint(plans, False)
                       and any(p.platform == "cicro" and p.layout != "flat_all" for p in plans), limit=28)
    with served:
        yield served


@pytest.fixture()
def client() -> Iterator[Client]:
    opened = Client()
    yield opened
    opened.close()


def _api(web: NationalWeb, plan: PortalPlan) -> str:
    return f"http://{plan.host}:{web.port}{plan.site['projectName']}{EPOINT_API}"


def _post(client: Client, url: str, payload: object, content_type: str = "application/json") -> dict:
    status, headers, body = client.fetch(url, "POST", json.dumps(payload, ensure_ascii=False),
                                         (("Content-Type", content_type),))
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    return json.loads(body)


def _column_with_items(plan: PortalPlan):
    return max((c for c in plan.columns.values() if c.items and not c.children), key=lambda c: len(c.items))


@pytest.mark.parametrize("wrapped", [False, True])
def test_epoint_api_answers_only_a_json_post_with_the_sites_guid(web, client, wrapped: bool) -> None:
    plan = _epoint(web.plans, wrapped)[0]
    column = _column_with_items(plan)
    asked = {"deptcode": column.params["deptcode"], "categorynum": column.params["categorynum"], "pageIndex": 0,
             "pageSize": 3, "siteGuid": plan.site["siteGuid"]}

    def body(payload: dict) -> dict:
        return {"params": payload} if wrapped else payload

    for refused in (_post(client, _api(web, plan), body(asked), "application/x-www-form-urlencoded"),
                    _post(client, _api(web, plan), body({**asked, "siteGuid": "00000000-0000-0000-0000-000000000000"})),
                    _post(client, _api(web, plan), {"params": asked} if not wrapped else asked)):
        assert refused["custom"] == "" and refused["status"]["code"] == 0
    answer = _post(client, _api(web, plan), body(asked))
    custom = json.loads(answer["custom"]) if wrapped else answer["custom"]
    assert answer["status"]["code"] == 1 and custom["total"] == len(column.items)
    assert [row["title"] for row in custom["data"]] == [i.entry.title for i in column.items[:3]]
    last = _post(client, _api(web, plan), body({**asked, "pageIndex": (len(column.items) - 1) // 3}))
    last_custom = json.loads(last["custom"]) if wrapped else last["custom"]
    assert [row["title"] for row in last_custom["data"]] == [i.entry.title for i in
                                                             column.items[(len(column.items) - 1) // 3 * 3:]]
    status, _, _ = client.fetch(_api(web, plan))
    assert status == 405  # the API answers POSTs only


def _read_column(client: Client, url: str) -> tuple[set[str], str]:
    """Every link the column's list gives, following the reader's requests (script, API pages,
    later pages) with the method, headers and body each names; and the platform detected."""
    status, _, first = client.fetch(url)
    assert status == 200
    platform = detect_platform(url, decode(first))
    links: set[str] = set()
    queue = [(url, "GET", None, ())]
    done: set[tuple[str, str | None]] = set()
    while queue:
        target, method, body, headers = queue.pop()
        if (target, body) in done:
            continue
        done.add((target, body))
        status, _, data = client.fetch(target, method, body, headers)
        assert status == 200, (target, body)
        page = parse_list_page(target, decode(data), platform, sent=body)
        links |= {link.url for link in page.links}
        queue += [(r.url, r.method, r.body, r.headers) for r in page.next_pages]
    return links, platform


def test_every_report_of_an_epoint_or_cicro_column_is_read_through_its_platform(web, client) -> None:
    truth = web.truth
    read = 0
    for column in truth.columns:
        if column.platform not in ("epoint", "cicro") or column.access != "open" or not column.has_items:
            continue
        links, platform = _read_column(client, column.url)
        assert platform == column.platform, column.url
        listed = {r.page or r.url for r in truth.reports if r.column == column.key}
        listed |= {n.url for n in truth.noise if n.column == column.key}
        assert listed and listed <= links, sorted(listed - links)
        read += 1
    assert read >= 3


def test_epoint_and_cicro_robots_walls_cover_the_column_and_its_later_pages(client) -> None:
    web = _web_with(lambda plans: any(p.platform in ("epoint", "cicro") and p.root.access == "robots"
                                      for p in plans), limit=20)
    with web:
        truth = web.truth
        walled = [c for c in truth.columns if c.platform in ("epoint", "cicro") and c.access == "robots"]
        assert walled
        for column in walled:
            robots = urllib.robotparser.RobotFileParser()
            robots.parse(decode(client.fetch(f"http://{column.portal}:{web.port}/robots.txt")[2]).splitlines())
            assert all(not robots.can_fetch("*", page) for page in column.pages)
            assert client.fetch(column.url)[0] == 200  # walled, not gone
            assert all(not r.reachable and r.unreachable_because == "robots"
                       for r in truth.reports if r.column == column.key)


def test_epoint_and_cicro_roots_move_to_a_new_column_id(client) -> None:
    web = _web_with(lambda plans: {p.platform for p in plans if p.movable} >= {"epoint", "cicro"}, limit=30)
    with web:
        planned = [m for m in web.truth.moves if m.portal in {p.host for p in web.plans
                                                             if p.platform in ("epoint", "cicro")}]
        assert planned
        moves = {m.column: m for m in web.move()}
        after = web.truth
        for move in planned:
            done = moves[move.column]
            assert (done.old_url, done.new_url) == (move.old_url, move.new_url) and done.old_url != done.new_url
            status, headers, _ = client.fetch(done.old_url)
            assert (status, headers.get("Location")) in ((404, None), (302, "/")) and \
                (status == 302) == (done.old_answer == "redirect_home")
            links, _ = _read_column(client, done.new_url)
            column = next(c for c in after.columns if c.key == done.column)
            assert column.url == done.new_url and column.moved_from == done.old_url
            portal = next(p for p in after.portals if p.host == done.portal)
            page = decode(client.fetch(portal.platform_url)[2])
            assert done.new_url.split(str(web.port), 1)[1] in page
            reports = {r.page or r.url for r in after.reports if r.column == done.column}
            assert reports <= links


def test_a_web_of_as_many_portals_as_platforms_has_every_platform() -> None:
    platforms = set(PLATFORM_MIX)
    for seed in (1, 2, 3):
        web = NationalWeb(seed=seed, limit=len(platforms))
        assert {p.platform for p in web.plans} == platforms
        assert NationalWeb(seed=seed, limit=len(platforms)).truth == web.truth  # deterministic


def test_epoint_column_links_lead_to_its_shell_and_script(web, client) -> None:
    plan = _epoint(web.plans, False)[0]
    column = _column_with_items(plan)
    url = f"http://{plan.host}:{web.port}{column.base}"
    body = decode(client.fetch(url)[2])
    script = urljoin(url, "/js/webBuilderCommon.js?v=1&categorynum=1&deptcode=2")
    status, _, text = client.fetch(script)
    assert status == 200 and plan.site["siteGuid"] in decode(text)
    assert "webBuilderCommon.js" in body and "getGovInfoPubList" in body
