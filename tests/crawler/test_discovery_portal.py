"""Discovery end to end against the small loopback portal of tests/crawler/conftest.py: `nianbao
discover` shows what it found and why; `nianbao crawl` on a registry of portals only discovers
first, reuses the stored columns, and after columns move (404, redirected to the home page) walks
the portal again, crawls the new columns and records the move."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from sqlalchemy import select

from nianbao.devportal.crawl_process import NIANBAO_EXECUTABLE, crawl_environment, run_crawl
from storage import Archive
from storage.discovered import discovered_columns
from storage.models import Capture


def _discover(registry: Path, data: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([NIANBAO_EXECUTABLE, "discover", "--config", str(registry), "--no-politeness", *extra],
                          env=crawl_environment(data), capture_output=True, text=True, timeout=120, check=False)


def _registry(tmp_path: Path, portal) -> Path:
    registry = tmp_path / "registry.toml"
    registry.write_text(portal.registry_toml(), encoding="utf-8")
    return registry


def _captured_reports(data: Path) -> set[str]:
    archive = Archive.open(data)
    try:
        with archive.session() as session:
            return set(session.scalars(select(Capture.url).where(Capture.role == "report", Capture.status == 200)))
    finally:
        archive.close()


def test_discover_shows_each_column_and_the_links_that_led_there(tmp_path, discovery_portal) -> None:
    result = _discover(_registry(tmp_path, discovery_portal), tmp_path / "data")
    assert result.returncode == 0, result.stdout + result.stderr
    jia = discovery_portal.url("jia", "/zwgk/zfxxgknb/")
    assert f"column {jia}" in result.stdout
    assert "why: '政务公开' (platform) → '政府信息公开年报' (column) → '2023年' (year)" in result.stdout
    assert "why: '信息公开' (platform) → '年度报告' (column)" in result.stdout
    assert "departments: '部门信息公开'" in result.stdout
    # Pages per agency to discover (the figures of the report): 甲县 home, platform, root and its
    # three sub-columns, then its 部门信息公开 page (where units' columns would be; a 404 here);
    # 乙市 a script home page, the home page, platform, column. The 企业年报 look-alike and the
    # robots-disallowed link are never fetched.
    assert (discovery_portal.pages_fetched("jia"), discovery_portal.pages_fetched("yi")) == (7, 4)
    assert discovery_portal.requests[("yi", "/qynb/")] == 0 and discovery_portal.requests[("yi", "/private/")] == 0
    stored = {c.url: c.role for c in discovered_columns_in(tmp_path / "data")}
    assert stored == {jia: "column", jia + "gknb2023/": "year", jia + "gknb2022/": "year", jia + "xzjd/": "unit",
                      discovery_portal.url("yi", "/xxgk/ndbg/"): "column"}


def discovered_columns_in(data: Path):
    archive = Archive.open(data)
    try:
        return discovered_columns(archive)
    finally:
        archive.close()


def test_discover_json_gives_the_evidence(tmp_path, discovery_portal) -> None:
    result = _discover(_registry(tmp_path, discovery_portal), tmp_path / "data", "--json")
    assert result.returncode == 0, result.stderr
    found = {entry["agency"]: entry for entry in json.loads(result.stdout)}
    (column,) = found["乙市人民政府"]["columns"]
    assert [step["text"] for step in column["evidence"] if step.get("text")] == ["信息公开", "年度报告"]
    assert column["evidence"][-1] == {"page": discovery_portal.url("yi", "/xxgk/ndbg/"), "kind": "column page",
                                      "reports_listed": 1, "sub_columns": 0, "platform": column["platform"]}


def test_discover_exits_3_when_a_portal_leads_to_no_column(tmp_path, discovery_portal) -> None:
    registry = tmp_path / "registry.toml"
    registry.write_text(f'[[agency]]\nname = "丙县人民政府"\nregion = "某省/丙县"\nkind = "government"\n'
                        f'portal = "{discovery_portal.url("jia", "/bsfw/")}"\n', encoding="utf-8")
    result = _discover(registry, tmp_path / "data")
    assert result.returncode == 3, result.stdout + result.stderr
    assert "no 年报 column found" in result.stdout


def test_crawl_discovers_reuses_and_finds_moved_columns_again(tmp_path, discovery_portal) -> None:
    portal, data = discovery_portal, tmp_path / "data"
    registry = _registry(tmp_path, portal)
    first = run_crawl(registry, data)
    assert first.returncode == 0, first.stdout + first.stderr
    reports = {portal.url("jia", p) for p in ("/zwgk/zfxxgknb/gknb2023/202401/t20240120_11.html",
                                              "/zwgk/zfxxgknb/gknb2022/202301/t20230118_7.html",
                                              "/zwgk/zfxxgknb/xzjd/202401/t20240125_15.html")}
    reports.add(portal.url("yi", "/xxgk/ndbg/202402/t20240205_21.html"))
    assert _captured_reports(data) == reports

    # A second crawl reads the stored columns: the portals' home pages are not walked again.
    homes = (portal.requests[("jia", "/")], portal.requests[("yi", "/index.shtml")])
    second = run_crawl(registry, data)
    assert second.returncode == 0, second.stdout + second.stderr
    assert (portal.requests[("jia", "/")], portal.requests[("yi", "/index.shtml")]) == homes

    # The columns move: 甲县's 2023 sub-column answers 404, its root links the new one;
    # 乙市's column redirects to the home page, its platform links the new one.
    jia, yi = portal.pages["jia"], portal.pages["yi"]
    jia["/zwgk/zfxxgknb/2023n/"] = jia.pop("/zwgk/zfxxgknb/gknb2023/")
    jia["/zwgk/zfxxgknb/"] = jia["/zwgk/zfxxgknb/"].replace(b"/gknb2023/", b"/2023n/")
    jia["/zwgk/zfxxgknb/2023n/202504/t20250110_31.html"] = jia["/zwgk/zfxxgknb/gknb2023/202401/t20240120_11.html"]
    jia["/zwgk/zfxxgknb/2023n/"] = jia["/zwgk/zfxxgknb/2023n/"].replace(
        b"/zwgk/zfxxgknb/gknb2023/202401/t20240120_11.html", b"/zwgk/zfxxgknb/2023n/202504/t20250110_31.html")
    yi["/xxgk/gknb/"] = yi.pop("/xxgk/ndbg/")
    yi["/xxgk/ndbg/"] = (302, "/index.shtml")
    yi["/xxgk/"] = yi["/xxgk/"].replace(b"/xxgk/ndbg/", b"/xxgk/gknb/")
    third = run_crawl(registry, data)
    assert third.returncode == 0, third.stdout + third.stderr
    assert "moved (HTTP 404); the column was found again by discovery" in third.stdout
    captured = _captured_reports(data)
    assert portal.url("jia", "/zwgk/zfxxgknb/2023n/202504/t20250110_31.html") in captured
    by_url = {c.url: c for c in discovered_columns_in(data)}
    old_2023, new_2023 = portal.url("jia", "/zwgk/zfxxgknb/gknb2023/"), portal.url("jia", "/zwgk/zfxxgknb/2023n/")
    assert (by_url[old_2023].status, by_url[old_2023].moved_why, by_url[old_2023].moved_to) == (
        "moved", "HTTP 404", new_2023)
    assert by_url[new_2023].moved_from == old_2023
    old_yi, new_yi = portal.url("yi", "/xxgk/ndbg/"), portal.url("yi", "/xxgk/gknb/")
    assert by_url[old_yi].status == "moved" and "home page" in by_url[old_yi].moved_why
    assert by_url[old_yi].moved_to == new_yi
