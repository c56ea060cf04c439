"""A crawl of a mixed column on the simulated portal: the county 青石县's 年报 column also lists
the city government's 2023 report, an unregistered township's, an interpretation and a news item
(nianbao/devportal/sites.py `mix_column`). Each report is filed under its own agency (the
township's under none), none under the column's owner, and neither the interpretation nor the
news item is archived."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crawler.registry import load_registry
from nianbao.devportal.crawl_process import run_crawl
from nianbao.devportal.server import Portal
from nianbao.devportal.sites import mix_column, new_sites, registry_toml
from nianbao.monitoring import evaluate
from storage import Archive
from storage.clock import china_date
from storage.models import Agency, CrawlRun, Report

TOWNSHIP = "青石县城关镇人民政府"  # not in the registry


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    root = tmp_path_factory.mktemp("mixed")
    sites = new_sites()
    county, city = sites["static"], sites["hanweb"]
    mixed = mix_column(county, city.name, TOWNSHIP)
    with Portal(sites=sites) as portal:
        registry = root / "registry.toml"
        registry.write_text(registry_toml(portal.port, sites=sites), encoding="utf-8")
        result = run_crawl(registry, root / "data", "--agency", county.name, "--agency", city.name)
        yield {"portal": portal, "data": root / "data", "result": result, "county": county, "city": city,
               "mixed": mixed, "registry": load_registry(registry)}


def filed(data) -> dict[str, tuple[str | None, str | None]]:
    """Report URL -> (the agency it is filed under, the name it is filed as)."""
    archive = Archive.open(data)
    try:
        with archive.session() as session:
            return {url: (agency, name) for url, agency, name in session.execute(
                select(Report.url, Agency.name, Report.agency_name).outerjoin(Agency, Agency.id == Report.agency_id))}
    finally:
        archive.close()


def test_crawl_files_each_report_of_a_mixed_column_under_its_own_agency(crawled) -> None:
    portal, county = crawled["portal"], crawled["county"]
    archived = filed(crawled["data"])
    expected = {url: r.tables.agency for url, r in portal.report_urls().items() if r.site in ("static", "hanweb")}
    assert set(archived) == set(expected), crawled["result"].stdout + crawled["result"].stderr
    registered = {a.name for a in crawled["registry"]}
    wrong = {url: (got, expected[url]) for url, got in archived.items()
             if got != ((expected[url], expected[url]) if expected[url] in registered else (None, expected[url]))}
    assert not wrong
    foreign = [url for url, r in portal.report_urls().items() if r.site == "static" and r.tables.agency != county.name]
    assert len(foreign) == 2  # the city's and the township's, both listed in the county's column
    assert not [url for url in foreign if archived[url][0] == county.name]


def test_crawl_archives_no_interpretation_or_news_item(crawled) -> None:
    portal = crawled["portal"]
    decoys = {portal.url("static", e.link_path) for e in crawled["mixed"] if e.role == "decoy"}
    assert len(decoys) == 2
    assert not decoys & set(filed(crawled["data"]))


def test_crawl_monitor_counts_the_city_report_for_the_city_only(crawled) -> None:
    county, city, portal = crawled["county"], crawled["city"], crawled["portal"]
    archive = Archive.open(crawled["data"])
    try:
        with archive.session() as session:
            listed = session.scalars(select(CrawlRun.listed).join(Agency, Agency.id == CrawlRun.agency_id)
                                     .where(Agency.name == county.name)).one()
            finished = session.scalar(select(func.max(CrawlRun.finished_at)))
        # As of the day the crawl finished (its runs carry the machine's clock), not a fixed day.
        report = evaluate(archive, crawled["registry"], 2023, china_date(finished))
    finally:
        archive.close()
    elsewhere = {link["url"]: link["elsewhere"]["agency"] for link in listed if link.get("elsewhere")}
    city_in_county = next(portal.url("static", e.link_path) for e in crawled["mixed"] if e.tables.agency == city.name
                          and e.role == "report")
    assert elsewhere == {city_in_county: city.name,
                         next(portal.url("static", e.link_path) for e in crawled["mixed"]
                              if e.tables.agency == TOWNSHIP): None}
    statuses = {row.agency: row for row in report.agencies}
    own = next(url for url, r in portal.report_urls().items() if r.site == "static" and r.year == 2023
               and r.tables.agency == county.name)
    assert (statuses[county.name].status, statuses[county.name].url) == ("on_time", own)
    assert statuses[city.name].status == "on_time"
    assert city_in_county in [statuses[city.name].url, *statuses[city.name].evidence.get("other_reports", ())]


def test_a_crawl_of_one_agency_files_another_registered_agencys_report_under_it(tmp_path) -> None:
    """`nianbao crawl --agency 青石县…` crawls only the county, but attribution knows the whole
    registry: the city's report listed in the county's column goes to the city, not to the
    county and not to 'unregistered'."""
    sites = new_sites()
    county, city = sites["static"], sites["hanweb"]
    mix_column(county, city.name, TOWNSHIP)
    with Portal(sites=sites) as portal:
        registry = tmp_path / "registry.toml"
        registry.write_text(registry_toml(portal.port, sites=sites), encoding="utf-8")
        result = run_crawl(registry, tmp_path / "data", "--agency", county.name)
        city_reports = [url for url, r in portal.report_urls().items()
                        if r.site == "static" and r.tables.agency == city.name]
    archived = filed(tmp_path / "data")
    assert city_reports and all(archived[url] == (city.name, city.name) for url in city_reports), (
        result.stdout + result.stderr)
