"""Findings and statuses link to their evidence in nianbao's own pages (nianbao.evidence): a
`changed` finding to the version diff, `invalid` to the archived version with its failed checks,
`removed` to the last capture, a status to the archived report (the portal's URL second); the
Atom feed's entries to the same pages. Every link is followed through the web app."""

from __future__ import annotations

import dataclasses
import datetime as dt
from urllib.parse import urlsplit

import pytest
from lxml import etree
from lxml import html as lxml_html

from nianbao import monitoring
from nianbao.devportal.monitor_pages import tables
from nianbao.feed import write_atom
from nianbao.web.app import create_app
from storage import Archive
from storage.clock import fixed_clock

AS_OF = "2025-05-03"
NOW = fixed_clock(dt.datetime(2025, 5, 3, 4, tzinfo=dt.UTC))  # noon in China on AS_OF
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def scene(tmp_path, make_scenario):
    """An archive where one report was edited, one fails its checks, one was removed (confirmed),
    and a web client over it judging on AS_OF."""
    archive = Archive.open(tmp_path / "data")
    scenario = make_scenario(archive)
    edited = scenario.agency("修改局")
    scenario.publish(edited, 2024, "2025-01-20 09:00", seed=7)
    scenario.publish(edited, 2024, "2025-03-02 09:00", seed=8, published="2025-01-20")
    wrong = scenario.agency("算错局")
    t = tables("算错局", 2024)
    apps = {row: dict(cells) for row, cells in t.applications.items()}
    apps["granted"]["total"] += 5
    scenario.publish(wrong, 2024, "2025-01-21 09:00", t=dataclasses.replace(t, applications=apps))
    gone = scenario.agency("删除局")
    url = scenario.publish(gone, 2024, "2025-01-22 09:00", seed=9)
    scenario.fetch(gone, url, "2025-05-01 03:00", status=404)
    scenario.fetch(gone, url, "2025-05-02 03:00", status=404)
    registry = tmp_path / "registry.toml"
    registry.write_text(scenario.registry_toml(), encoding="utf-8")
    try:
        yield scenario, create_app(archive, registry=registry, clock=NOW).test_client()
    finally:
        archive.close()


def evidence_links(client) -> dict[str, str]:
    page = lxml_html.fromstring(client.get(f"/monitor/2024?as_of={AS_OF}").get_data(as_text=True))
    links = {}
    for row in page.xpath("//section[@id='findings']//tbody/tr"):
        href = row.xpath(".//a[@class='evidence']/@href")
        links[row.get("class").removeprefix("finding-")] = href[0] if href else None
    return links


def test_changed_finding_links_to_the_version_diff(scene):
    _, client = scene
    href = evidence_links(client)["changed"]
    assert urlsplit(href).path.endswith("/diff")
    page = lxml_html.fromstring(client.get(href).get_data(as_text=True))
    assert page.xpath("//section[@id='changed-cells']//tr[@data-path]")  # the edit, cell by cell


def test_invalid_finding_links_to_the_archived_version_and_its_failed_checks(scene):
    _, client = scene
    href = evidence_links(client)["invalid"]
    assert "version=" in href and href.endswith("#checks")
    page = lxml_html.fromstring(client.get(href.split("#")[0]).get_data(as_text=True))
    assert "applications.row_totals" in page.xpath("//section[@id='checks']//li[@class='failed']/@data-rule")


def test_removed_finding_links_to_the_last_capture_of_the_report(scene):
    _, client = scene
    href = evidence_links(client)["removed"]
    assert href.startswith("/captures/")
    response = client.get(href)
    assert response.status_code == 200
    page = lxml_html.fromstring(response.get_data(as_text=True))
    assert page.xpath("//a[@id='report-link']")  # the report's payload, not the 404 page
    capture_id = href.rsplit("/", 1)[1]
    assert "删除局" in client.get(f"/captures/{capture_id}/view").get_data(as_text=True)


def test_monitor_statuses_link_to_nianbaos_report_page_then_the_portal(scene):
    _, client = scene
    page = lxml_html.fromstring(client.get(f"/monitor/2024?as_of={AS_OF}").get_data(as_text=True))
    rows = page.xpath("//section[@id='statuses']//tbody/tr")
    assert len(rows) == 3
    for row in rows:
        own = row.xpath(".//a[@class='report-link']/@href")
        assert own and own[0].startswith("/reports/")
        assert client.get(own[0]).status_code == 200
        assert row.xpath(".//span[@class='live']/a/@href")[0].startswith("http://www.a")  # the portal, second


def test_feed_entries_link_to_the_evidence_in_nianbao(scene, tmp_path):
    scenario, client = scene
    report = scenario.evaluate(2024, AS_OF)
    monitoring.record_events(scenario.archive, monitoring.new_events(scenario.archive, report), 2024, NOW)
    feed = tmp_path / "monitor.atom"
    assert write_atom(scenario.archive, feed, clock=NOW, base_url="http://nianbao.test/") > 0
    entries = etree.parse(str(feed)).findall(f"{ATOM}entry")
    by_category = {e.find(f"{ATOM}category").get("term"): e for e in entries}
    for kind in ("changed", "invalid", "removed"):
        links = [link.get("href") for link in by_category[kind].findall(f"{ATOM}link")]
        assert len(links) == 1 and links[0].startswith("http://nianbao.test/")
        assert links[0].removeprefix("http://nianbao.test") == evidence_links(client)[kind]
        assert "http://www.a" in by_category[kind].find(f"{ATOM}content").text  # the portal's URL, in the summary
