"""The national test web (nianbao/devportal/national_web): deterministic by seed, its truth
consistent with what it serves (every reachable report found by a polite walk from the home page
within its stated depth, nothing behind a robots wall or a script-only page found, noise served,
moves that really move), many portals served from one process."""

from __future__ import annotations

import dataclasses
import time
import urllib.robotparser
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Iterator

import pytest
from national_web_walk import Client, decode, walk

from crawler.platforms import detect_platform, script_only
from crawler.registry_divisions import national_governments, select_region
from crawler.registry_import import read_portals_csv
from nianbao.devportal.national_web import NationalWeb
from nianbao.devportal.national_web.pages import build_portal

SEED = 11


@pytest.fixture(scope="module")
def web() -> Iterator[NationalWeb]:
    with NationalWeb(seed=SEED, region="江苏省", limit=10) as served:
        yield served


def _host(url: str) -> str:
    return url.split("/")[2].split(":")[0]


def _walk_portal(web: NationalWeb, host: str) -> dict[str, int]:
    truth = web.truth
    ours = [r for r in truth.reports if _host(r.url) == host]
    # Pages that are documents: no need to read their links (a report page's chrome links far),
    # and attachments need not be rendered to be found.
    documents = {r.url for r in ours} | {n.url for n in truth.noise if n.kind != "other_agency"}
    files = {r.url for r in ours if r.form != "html"}
    home = next(p.url for p in truth.portals if p.host == host)
    return walk(home, no_expand=frozenset(documents), no_fetch=frozenset(files))


def test_national_web_is_deterministic_by_seed():
    a, b, c = (NationalWeb(seed=s, limit=8) for s in (SEED, SEED, SEED + 1))
    assert a.truth == b.truth
    assert a.truth != c.truth
    pages_a = build_portal(a.plans[3], 8000, {}).pages
    pages_b = build_portal(b.plans[3], 8000, {}).pages
    assert pages_a.keys() == pages_b.keys()
    assert all(pages_a[k] == pages_b[k] for k in pages_a if not callable(pages_a[k]))


def test_national_web_agencies_are_the_registry_governments_and_their_units(web):
    truth = web.truth
    registry = select_region(national_governments(), "江苏省")[:10]
    governments = [a for a in truth.agencies if a.registered]
    assert [(a.name, a.code, a.region) for a in governments] == [(g.name, g.code, g.region_path) for g in registry]
    units = [a for a in truth.agencies if not a.registered]
    assert units and all(a.kind == "department" for a in units)
    assert {a.unit for a in units} == {"department", "township"}
    for unit in units:
        place = unit.government.removesuffix("人民政府")
        assert unit.name.startswith(place) and unit.name != unit.government
        assert unit.region == truth.agency(unit.government).region
    assert len({a.name for a in truth.agencies}) == len(truth.agencies)


def test_national_web_portal_csv_imports(web):
    rows, bad = read_portals_csv(web.portal_csv())
    assert bad == []
    assert [(r.key, r.url) for r in rows] == [(p.code, p.url) for p in web.truth.portals]
    assert len({_host(r.url) for r in rows}) == 10


def test_national_web_mixes_platforms_layouts_and_outcomes(web):
    truth = web.truth
    assert {p.platform for p in truth.portals} >= {"trs", "hanweb", "vsb", "ucap", "static"}
    assert len({p.layout for p in truth.portals}) == 5
    assert {c.access for c in truth.columns} == {"open", "robots", "script_only"}
    assert any(c.stub for c in truth.columns)
    assert {c.role for c in truth.columns} >= {"root", "index", "year", "unit", "agency"}
    assert Counter(n.kind for n in truth.noise).keys() == {"notice", "work_points", "interpretation", "other_agency"}
    assert {r.form for r in truth.reports} == {"html", "pdf", "docx"}
    assert any(r.copy_of for r in truth.reports)
    assert any(r.page is None for r in truth.reports)  # a file linked from the list itself
    assert {r.year for r in truth.reports} == set(range(2019, 2024))
    assert any(not r.reachable for r in truth.reports) and sum(r.reachable for r in truth.reports) > 150


def test_national_web_every_reachable_report_is_found_within_its_depth(web):
    truth = web.truth
    for portal in truth.portals:
        seen = _walk_portal(web, portal.host)
        for report in (r for r in truth.reports if _host(r.url) == portal.host):
            if report.reachable:
                assert seen.get(report.url, 99) <= report.depth, (portal.layout, portal.platform, report)
            else:
                assert report.url not in seen, report
        for item in (n for n in truth.noise if n.column.split(":")[0] == portal.code and _host(n.url) == portal.host):
            assert (item.url in seen) == item.reachable, item


def test_national_web_guangdong_portals_use_gkmlpt_and_are_walkable():
    with NationalWeb(seed=SEED, region="广东省", limit=8) as web:
        truth = web.truth
        assert {p.platform for p in truth.portals} >= {"gkmlpt"}
        for portal in (p for p in truth.portals if p.platform == "gkmlpt"):
            seen = _walk_portal(web, portal.host)
            ours = [r for r in truth.reports if _host(r.url) == portal.host and r.reachable]
            assert ours and all(seen.get(r.url, 99) <= r.depth for r in ours)


def test_national_web_list_pages_read_as_their_platform(web):
    client = Client()
    try:
        for column in web.truth.columns:
            if column.access != "open" or not column.has_items:
                continue
            status, _, body = client.fetch(column.pages[0])
            assert status == 200
            assert detect_platform(column.pages[0], decode(body)) == column.platform, column
    finally:
        client.close()


def test_national_web_walls_and_script_only_columns(web):
    truth = web.truth
    client = Client()
    try:
        for column in truth.columns:
            if column.access == "robots":
                robots = urllib.robotparser.RobotFileParser()
                robots.parse(decode(client.fetch(f"http://{column.portal}:{web.port}/robots.txt")[2]).splitlines())
                assert not robots.can_fetch("*", column.url)
                assert client.fetch(column.url)[0] == 200  # walled, not gone
            if column.access == "script_only":
                status, _, body = client.fetch(column.url)
                assert status == 200 and script_only(decode(body))
            if column.stub:
                status, _, body = client.fetch(column.stub)
                assert status == 200 and column.url.split(str(web.port), 1)[1] in decode(body)
    finally:
        client.close()


def test_national_web_noise_is_served_and_no_report(web):
    truth = web.truth
    reports = truth.report_urls()
    client = Client()
    try:
        for url in sorted(truth.not_report_urls())[:12]:
            status, _, body = client.fetch(url)
            assert status == 200 and url not in reports
            assert "政府信息公开申请" not in decode(body)  # no report's tables
        by_page = {r.page: r for r in truth.reports if r.page} | reports
        for item in (n for n in truth.noise if n.kind == "other_agency"):
            assert item.file_under and item.file_under != item.listed_by
            assert item.url in by_page and by_page[item.url].agency == item.file_under
    finally:
        client.close()


def test_national_web_report_files_are_served(web):
    truth = web.truth
    client = Client()
    try:
        pdf = next(r for r in truth.reports if r.form == "pdf")
        status, headers, body = client.fetch(pdf.url)
        assert status == 200 and body.startswith(b"%PDF")
        html_report = next(r for r in truth.reports if r.form == "html" and r.copy_of is None)
        body = decode(client.fetch(html_report.url)[2])
        assert html_report.agency in body and str(html_report.year) in body
    finally:
        client.close()


def test_national_web_move_moves_columns():
    with NationalWeb(seed=SEED + 2, limit=10) as web:
        before = web.truth
        planned = before.moves
        assert planned and not any(m.done for m in planned)
        client = Client()
        try:
            for move in planned:
                assert client.fetch(move.old_url.split("#")[0])[0] == 200
            moves = web.move()
            assert [dataclasses.replace(m, done=True) for m in planned] == list(moves)
            after = web.truth
            for move in moves:
                status, headers, _ = client.fetch(move.old_url)
                if move.old_answer == "404":
                    assert status == 404
                else:
                    assert status == 302 and headers["Location"] == "/"
                assert client.fetch(move.new_url)[0] == 200
                column = next(c for c in after.columns if c.key == move.column)
                assert column.url == move.new_url and column.moved_from == move.old_url
            moved_hosts = {m.portal for m in moves}
            for portal in (p for p in after.portals if p.host in moved_hosts):
                page = decode(client.fetch(portal.platform_url)[2])
                root = next(m for m in moves if m.portal == portal.host and "/" not in m.column.split(":", 1)[1])
                assert root.new_url.split(str(web.port), 1)[1] in page
                assert root.old_url.split(str(web.port), 1)[1] not in page
                seen = _walk_portal(web, portal.host)
                for report in (r for r in after.reports if _host(r.url) == portal.host and r.reachable):
                    assert seen.get(report.url, 99) <= report.depth, report
            assert {r.url for r in after.reports} == {r.url for r in before.reports}  # reports stay put
        finally:
            client.close()


def test_national_web_serves_a_whole_province_from_one_process():
    started = time.monotonic()
    with NationalWeb(seed=SEED, region="江苏省") as web:
        ready = time.monotonic() - started
        truth = web.truth
        assert len(truth.portals) == 109
        picks = [truth.portals[i] for i in (0, 54, 108)]

        def home(url: str) -> tuple[int, str]:
            client = Client()
            try:
                status, _, body = client.fetch(url)
                return status, decode(body)
            finally:
                client.close()

        with ThreadPoolExecutor(3) as pool:
            answers = list(pool.map(home, [p.url for p in picks]))
        for portal, (status, body) in zip(picks, answers, strict=True):
            assert status == 200 and portal.government in body
        assert len(web.requests.per_host()) == 3
    assert ready < 20, f"109 portals took {ready:.1f} s to generate and serve"


def test_national_web_small_web_is_quick():
    started = time.monotonic()
    with NationalWeb(seed=SEED + 3, limit=10) as web:
        client = Client()
        try:
            assert client.fetch(web.truth.portals[-1].url)[0] == 200
        finally:
            client.close()
    assert time.monotonic() - started < 10
