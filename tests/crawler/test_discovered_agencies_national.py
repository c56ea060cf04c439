"""Discovered departments and townships end to end on a small national test web: a registry from
`agencies import --divisions` plus the web's portal CSV, one crawl; units with their own
columns and units named by reports in their government's columns become discovered agencies
(none that the truth does not list), their reports filed under them, and `nianbao monitor`
shows them in rows of their own with the truth's statuses; `agencies accept` writes them into
the government's registry file."""

from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import select

from nianbao.devportal.crawl_process import NIANBAO_EXECUTABLE, crawl_environment, run_crawl
from nianbao.devportal.national_web import NationalWeb
from storage import Archive
from storage.discovered_agencies import discovered_agencies
from storage.models import Agency, Report

YEAR = 2023


def _nianbao(data: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([NIANBAO_EXECUTABLE, *args], env=crawl_environment(data), capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("units")
    data, registry = tmp / "data", tmp / "jiangsu.toml"
    with NationalWeb(seed=29, region="江苏省", limit=6) as web:
        assert _nianbao(data, "agencies", "import", "--divisions", "--region", "江苏省", "--out",
                        str(registry)).returncode == 0
        (tmp / "portals.csv").write_text(web.portal_csv(), encoding="utf-8")
        assert _nianbao(data, "agencies", "import", "--portals", str(tmp / "portals.csv"), "--out",
                        str(registry)).returncode == 0
        names = [p.government for p in web.truth.portals]
        result = run_crawl(registry, data, *[arg for name in names for arg in ("--agency", name)])
        assert "Traceback" not in result.stderr, result.stderr[-3000:]
        yield web.truth, data, registry


def _archive(data: Path) -> Archive:
    return Archive.open(data)


def test_units_with_columns_or_reports_become_discovered_agencies_and_nothing_else(crawled) -> None:
    truth, data, _ = crawled
    archive = _archive(data)
    try:
        found = {u.name: u for u in discovered_agencies(archive)}
    finally:
        archive.close()
    units = {a.name: a for a in truth.agencies if not a.registered}
    reachable = {r.agency for r in truth.reachable_reports() if r.agency in units}
    assert set(found) <= set(units), sorted(set(found) - set(units))  # no unit the portals do not show
    assert reachable - set(found) == set()  # every unit with a report a polite crawl can read
    for name, unit in found.items():
        assert unit.region == units[name].region and unit.government == units[name].government
        assert unit.unit == units[name].unit and unit.kind == "department"
    own = {c.agency: c.url for c in truth.columns if c.role == "agency" and c.reachable and c.agency in found}
    assert own, "the web has no unit column of its own: choose another seed"
    for name, url in own.items():
        assert found[name].source == "column" and found[name].columns == (url,)
    assert any(u.source == "report" for u in found.values()), "no unit known from reports only"


def test_units_reports_are_filed_under_them(crawled) -> None:
    truth, data, _ = crawled
    archive = _archive(data)
    try:
        with archive.session() as session:
            filed = dict(session.execute(select(Report.url, Agency.name)
                                         .outerjoin(Agency, Agency.id == Report.agency_id)).all())
    finally:
        archive.close()
    units = {a.name for a in truth.agencies if not a.registered}
    expected = {r.url: r.agency for r in truth.reachable_reports() if r.agency in units}
    assert expected
    archived = {url: filed[url] for url in expected if url in filed}
    assert len(archived) >= 0.95 * len(expected)
    assert {url: agency for url, agency in archived.items() if agency != expected[url]} == {}
    # and no unit's report under its government, no government's under a unit
    assert all(filed[url] == r.agency for url, r in truth.report_urls().items() if url in filed)


def test_monitor_shows_discovered_units_in_rows_of_their_own_with_the_truths_statuses(crawled) -> None:
    truth, data, registry = crawled
    result = _nianbao(data, "monitor", "--config", str(registry), "--year", str(YEAR), "--json", "--no-record",
                      "--region", "江苏省")
    assert result.returncode in (0, 4, 8, 12, 16, 20, 24, 28), result.stderr
    payload = json.loads(result.stdout)
    registered = {row["agency"] for row in payload["agencies"]}
    rows = {row["agency"]: row["status"] for row in payload["discovered"]["agencies"]}
    units = {a.name for a in truth.agencies if not a.registered}
    assert rows and set(rows) <= units and not registered & units
    counted = sum(row[s] for row in payload["summary"] if row["region"] == "(all)"
                  for s in ("on_time", "late", "missing", "unreachable", "not_due", "undated"))
    assert counted == len(payload["agencies"])  # the summary counts registered agencies only
    want = {}
    for name in rows:
        reports = [r for r in truth.reports_of(name) if r.year == YEAR]
        want[name] = "on_time" if any(r.reachable for r in reports) else "unreachable" if reports else "missing"
    assert rows == want
    assert {"on_time", "missing"} <= set(rows.values())  # the web has both, or the test shows nothing


def test_accept_writes_units_into_their_governments_registry_file(crawled, tmp_path) -> None:
    truth, data, registry = crawled
    copy = tmp_path / registry.name
    copy.write_text(registry.read_text(encoding="utf-8"), encoding="utf-8")
    archive = _archive(data)
    try:
        units = discovered_agencies(archive)
    finally:
        archive.close()
    chosen = next(u for u in units if u.columns)
    bad = _nianbao(data, "agencies", "accept", "某某局", "--config", str(copy))
    assert bad.returncode == 1 and "某某局" in bad.stderr
    result = _nianbao(data, "agencies", "accept", chosen.name, "--config", str(copy))
    assert result.returncode == 0, result.stderr
    entries = {e["name"]: e for e in tomllib.loads(copy.read_text(encoding="utf-8"))["agency"]}
    entry = entries[chosen.name]
    assert (entry["region"], entry["kind"], entry["list_urls"]) == (chosen.region, "department", list(chosen.columns))
    listed = _nianbao(data, "agencies", "discovered", "--json")
    assert chosen.name not in {u["name"] for u in json.loads(listed.stdout)}
    again = _nianbao(data, "agencies", "accept", chosen.name, "--config", str(copy))
    assert again.returncode == 1  # accepted already: no discovered agency of that name
