"""The monitor judges report years from the first the national formats cover
(nianbao.monitoring.FIRST_JUDGED_YEAR): an earlier year is "not judged", never a list of missing
agencies; the agency page shows every year due, missing years included, as a year grid."""

from __future__ import annotations

import datetime as dt

import pytest
from lxml import html as lxml_html

from nianbao.monitoring import FIRST_JUDGED_YEAR
from nianbao.web.app import create_app
from storage import Archive
from storage.clock import fixed_clock

NOW = fixed_clock(dt.datetime(2026, 6, 1, 4, tzinfo=dt.UTC))  # noon in China, 1 June 2026


@pytest.fixture
def client(tmp_path, make_scenario):
    """An agency that published its 2024 report on time, then nothing: its column, read after the
    2025 deadline, lists only the 2024 report."""
    archive = Archive.open(tmp_path / "data")
    scenario = make_scenario(archive)
    agency = scenario.agency("按时局")
    url = scenario.publish(agency, 2024, "2025-01-20 09:00")
    scenario.crawl(agency, "2026-02-03 03:00", listed=[(url, 2024, "2025-01-20")])
    registry = tmp_path / "registry.toml"
    registry.write_text(scenario.registry_toml(), encoding="utf-8")
    try:
        yield create_app(archive, registry=registry, clock=NOW, default_language="en").test_client()  # English words read
    finally:
        archive.close()


def test_the_first_judged_year_is_the_first_the_formats_cover():
    from parsing.schema import FORMATS

    assert FIRST_JUDGED_YEAR == min(int(f) for f in FORMATS) == 2019


@pytest.mark.parametrize("year", [1999, FIRST_JUDGED_YEAR - 1])
def test_a_year_before_the_formats_is_not_judged(client, year):
    page = lxml_html.fromstring(client.get(f"/monitor/{year}").get_data(as_text=True))
    assert "not judged" in page.get_element_by_id("not-judged").text_content()
    assert not page.xpath("//section[@id='statuses']") and "missing" not in page.text_content()
    api = client.get(f"/api/monitor/{year}").get_json()
    assert api["judged"] is False and api["agencies"] == [] and api["summary"] == []


def test_the_first_judged_year_is_judged(client):
    api = client.get(f"/api/monitor/{FIRST_JUDGED_YEAR}").get_json()
    assert api["judged"] is True and [row["status"] for row in api["agencies"]] == ["missing"]


def test_monitor_index_offers_no_year_before_the_formats(client):
    page = lxml_html.fromstring(client.get("/monitor").get_data(as_text=True))
    years = [int(href.rsplit("/", 1)[1]) for href in page.xpath("//main//li/a/@href")]
    assert years and min(years) >= FIRST_JUDGED_YEAR and max(years) == 2025


def test_agency_page_shows_every_year_due_with_missing_years(client):
    page = lxml_html.fromstring(client.get("/agencies/按时局").get_data(as_text=True))
    cells = page.xpath("//table[@id='status-grid']//td")
    grid = {int(td.get("data-year")): td.text_content() for td in cells}
    assert sorted(grid) == list(range(FIRST_JUDGED_YEAR, 2026))  # 2019 … 2025: every year due by June 2026
    assert grid[2025] == "missing" and grid[2024] == "on time"
    links = {int(td.get("data-year")): td.xpath("./a/@href")[0] for td in cells}
    api = client.get("/api/agencies/按时局").get_json()
    assert {s["year"]: s["status"] for s in api["statuses"]}[2025] == "missing"
    # A missing year's evidence: the column as the crawl after the deadline captured it.
    column = {s["year"]: s["evidence"]["list_pages"][0]["capture_id"] for s in api["statuses"] if s["status"] == "missing"}
    assert links[2024].startswith("/reports/") and links[2025] == f"/captures/{column[2025]}"
    assert client.get(links[2025]).status_code == 200
