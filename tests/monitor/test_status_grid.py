"""The agency × year status grid (nianbao.web.status_grid, templates/_grid.html): on the monitor
page a row per agency with a cell per year due (missing years included, none before the first
judged year), each cell linking to its evidence; the rows filtered by the page year's status and
paged."""

from __future__ import annotations

import datetime as dt

import pytest
from lxml import html as lxml_html

from nianbao.monitoring import FIRST_JUDGED_YEAR
from nianbao.web.app import create_app
from nianbao.web.request_values import ParamError
from nianbao.web.status_grid import cell_path, grid_years, monitor_grid, page_number
from storage import Archive
from storage.clock import fixed_clock

NOW = fixed_clock(dt.datetime(2026, 6, 1, 4, tzinfo=dt.UTC))  # noon in China, 1 June 2026
YEARS_DUE = list(range(FIRST_JUDGED_YEAR, 2026))  # 2019 … 2025: every year due by June 2026


@pytest.fixture
def client(tmp_path, make_scenario):
    """按时局 published 2023 and 2024 on time, then nothing; 无报局 never published; 浙江局 (another
    province) published 2024. Each column was read after the 2025 deadline."""
    folder = tmp_path
    archive = Archive.open(folder / "data")
    scenario = make_scenario(archive)
    on_time = scenario.agency("按时局")
    none = scenario.agency("无报局")
    elsewhere = scenario.agency("浙江局", region="浙江省/某市")
    first = scenario.publish(on_time, 2023, "2024-01-20 09:00")
    second = scenario.publish(on_time, 2024, "2025-01-20 09:00")
    other = scenario.publish(elsewhere, 2024, "2025-01-10 09:00")
    scenario.crawl(on_time, "2026-02-03 03:00", listed=[(first, 2023, "2024-01-20"), (second, 2024, "2025-01-20")])
    scenario.crawl(none, "2026-02-03 04:00")
    scenario.crawl(elsewhere, "2026-02-03 05:00", listed=[(other, 2024, "2025-01-10")])
    registry = folder / "registry.toml"
    registry.write_text(scenario.registry_toml(), encoding="utf-8")
    try:
        yield create_app(archive, registry=registry, clock=NOW, default_language="en").test_client()
    finally:
        archive.close()


def grid_of(client, path: str) -> dict[str, dict[int, tuple[str, str]]]:
    """The monitor grid as {agency: {year: (cell text, its link)}}."""
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    page = lxml_html.fromstring(response.get_data(as_text=True))
    return {row.xpath("./th[@scope='row']")[0].text_content():
            {int(td.get("data-year")): (td.text_content(), td.xpath("./a/@href")[0]) for td in row.xpath("./td[@data-year]")}
            for row in page.xpath("//table[@id='monitor-grid']/tbody/tr")}


def test_grid_years_are_every_year_due_and_none_before_the_first_judged():
    assert grid_years(2026) == YEARS_DUE
    assert grid_years(2026, reported=[2015, 2026, 2027]) == YEARS_DUE + [2026]  # a report already out; none from the future
    assert grid_years(2026, shown=2027) == YEARS_DUE + [2027]  # the year a monitor page is about
    assert grid_years(FIRST_JUDGED_YEAR, reported=[FIRST_JUDGED_YEAR - 1]) == []


def test_monitor_grid_shows_every_year_due_with_missing_years(client):
    grid = grid_of(client, "/monitor/2025")
    assert sorted(grid) == ["按时局", "无报局", "浙江局"]
    assert all(sorted(cells) == YEARS_DUE for cells in grid.values())
    assert {year: text for year, (text, _) in grid["按时局"].items()} == {
        **{year: "missing" for year in YEARS_DUE}, 2023: "on time", 2024: "on time"}
    assert {text for text, _ in grid["无报局"].values()} == {"missing"}


def test_monitor_grid_cells_link_to_their_evidence(client):
    grid = grid_of(client, "/monitor/2025")
    statuses = {s["year"]: s for s in client.get("/api/agencies/按时局").get_json()["statuses"]}
    assert grid["按时局"][2024][1] == f"/reports/{statuses[2024]['evidence']['report']['id']}"
    # A missing year: the column page the crawl after the deadline captured, holding no report for it.
    column = statuses[2025]["evidence"]["list_pages"][0]["capture_id"]
    assert grid["按时局"][2025][1] == grid["按时局"][2019][1] == f"/captures/{column}"
    for text, link in grid["按时局"].values():
        assert client.get(link).status_code == 200, (text, link)


def test_monitor_grid_marks_the_year_the_page_is_about(client):
    page = lxml_html.fromstring(client.get("/monitor/2024").get_data(as_text=True))
    assert page.xpath("//table[@id='monitor-grid']//th[@class='now']/text()") == ["2024"]
    marked = page.xpath("//table[@id='monitor-grid']/tbody/tr/td[contains(@class, 'now')]/@data-year")
    assert marked == ["2024"] * 3


def test_monitor_grid_filters_by_the_years_status(client):
    assert sorted(grid_of(client, "/monitor/2024?status=missing")) == ["无报局"]
    assert sorted(grid_of(client, "/monitor/2024?status=on_time")) == ["按时局", "浙江局"]
    assert sorted(grid_of(client, "/monitor/2025?status=missing&region=江苏省")) == ["按时局", "无报局"]
    assert grid_of(client, "/monitor/2024?status=late") == {}
    page = lxml_html.fromstring(client.get("/monitor/2024?status=late").get_data(as_text=True))
    assert page.get_element_by_id("grid-count").text_content().startswith("No agency matches")
    # The summary still counts every agency of the region and kind: the filter narrows the list only.
    api = client.get("/api/monitor/2024").get_json()
    assert len(api["agencies"]) == 3


@pytest.mark.parametrize("query", ["status=lost", "page=0", "page=x", "page=2"])
def test_monitor_grid_refuses_a_bad_status_or_page(client, query):
    response = client.get(f"/monitor/2024?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.get_data(as_text=True)


def _row(name: str, status: str, region: str = "江苏省/甲市") -> dict:
    return {"agency": name, "region": region, "status": status}


def test_monitor_grid_pages_its_rows_and_finds_each_agencys_other_years():
    report = {"year": 2024, "agencies": [_row(f"局{i}", "missing" if i % 2 else "on_time") for i in range(5)],
              "findings": []}
    before = {f"局{i}": [_row(f"局{i}", "late")] for i in range(5)}
    asked = []

    def statuses_of_year(year: int) -> dict:
        asked.append(year)
        return before

    grid = monitor_grid(report, [2023, 2024], statuses_of_year, page=2, per_page=2)
    assert (grid["total"], grid["pages"], grid["first"], grid["last"]) == (5, 3, 3, 4)
    assert [r["status"]["agency"] for r in grid["rows"]] == ["局2", "局3"]
    assert [[(c["year"], c["status"]) for c in r["cells"]] for r in grid["rows"]] == [
        [(2023, "late"), (2024, "on_time")], [(2023, "late"), (2024, "missing")]]
    assert asked == [2023]  # the page's own year is the report's
    missing = monitor_grid(report, [2023, 2024], statuses_of_year, status="missing", per_page=2)
    assert [r["status"]["agency"] for r in missing["rows"]] == ["局1", "局3"] and missing["pages"] == 1
    with pytest.raises(ParamError):
        monitor_grid(report, [2023, 2024], statuses_of_year, page=4, per_page=2)


def test_monitor_grid_tells_apart_agencies_of_one_name_by_region():
    report = {"year": 2024, "agencies": [_row("教育局", "on_time", "江苏省/甲市"), _row("教育局", "late", "浙江省/乙市")],
              "findings": []}
    other = {"教育局": [_row("教育局", "missing", "浙江省/乙市"), _row("教育局", "unreachable", "江苏省/甲市")]}
    grid = monitor_grid(report, [2023, 2024], lambda year: other)
    assert [r["cells"][0]["status"] for r in grid["rows"]] == ["unreachable", "missing"]
    assert monitor_grid(report, [2023, 2024], lambda year: {})["rows"][0]["cells"][0] == {"year": 2023}  # none judged


@pytest.mark.parametrize(("status", "expected"), [
    ({"status": "on_time", "evidence": {"report": {"id": 7}}}, "/reports/7"),
    ({"status": "missing", "evidence": {"list_pages": [{"capture_id": 12}, {"capture_id": 13}]}}, "/captures/12"),
    ({"status": "unreachable", "evidence": {"last_crawl": {"list_pages": [{"capture_id": 5}]}}}, "/captures/5"),
    ({"status": "not_due", "evidence": {"reason": "the deadline has not passed"}}, None),
    ({"status": "missing", "evidence": {"list_pages": []}}, None),
])
def test_cell_path_is_the_report_else_the_captured_column(status, expected):
    assert cell_path(status) == expected


def test_monitor_grid_lists_the_findings_of_the_agencies_it_lists():
    report = {"year": 2024, "agencies": [_row("甲局", "missing"), _row("乙局", "on_time"), _row("丙局", "on_time")],
              "findings": [{"agency": "乙局", "kind": "changed"}, {"agency": "丙局", "kind": "invalid"},
                           {"agency": "乙局", "kind": "invalid"}]}
    every = monitor_grid(report, [2024], lambda year: {})
    assert every["findings"] == report["findings"] and every["findings_total"] == 3
    paged = monitor_grid(report, [2024], lambda year: {}, page=1, per_page=2)
    assert paged["findings"] == [{"agency": "乙局", "kind": "changed"}, {"agency": "乙局", "kind": "invalid"}]
    assert monitor_grid(report, [2024], lambda year: {}, status="missing")["findings"] == []


def test_monitor_page_says_when_it_lists_some_findings_only(client):
    findings = client.get("/api/monitor/2024").get_json()["findings"]
    assert [f["agency"] for f in findings] == ["按时局"]  # its 2024 report's carried-over counts
    page = lxml_html.fromstring(client.get("/monitor/2024?status=missing").get_data(as_text=True))
    assert page.get_element_by_id("findings-count").text_content() == "Findings of the agencies listed above: 0 of 1."
    assert not page.xpath("//section[@id='findings']//tbody/tr")
    page = lxml_html.fromstring(client.get("/monitor/2024").get_data(as_text=True))
    assert not page.xpath("//*[@id='findings-count']")  # every agency listed: every finding
    assert page.xpath("//section[@id='findings']//tbody/tr/td[1]/a/text()") == ["按时局"]


@pytest.mark.parametrize("raw", ["0", "-1", "²", "1.5", "9" * 5000])
def test_a_page_number_that_is_not_one_is_a_param_error(raw: str) -> None:
    """Superscript digits pass str.isdigit() and then fail int(): a 500 before page_number used
    request_values.whole_number; 5,000 digits exceed int()'s limit."""
    with pytest.raises(ParamError, match="page="):
        page_number(raw)
    assert page_number(None) == page_number("") == 1 and page_number("3") == 3
