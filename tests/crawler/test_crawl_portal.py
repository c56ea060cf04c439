"""The crawl of the simulated portal (nianbao/devportal): every report, no decoy, every record right;
blocked and down sites are outcomes, never "missing"; a recrawl revalidates instead of refetching."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from storage import Archive
from storage.models import Agency, CrawlRun, Report
from tests.parsing.test_roundtrip import _assert_same
from nianbao.devportal.server import Portal
from nianbao.devportal.sites import registry_toml

NIANBAO = str(Path(sys.executable).with_name("nianbao"))


def crawl(registry: Path, data: Path, *extra: str, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "NIANBAO_DATABASE_URL"}
    env["NIANBAO_DATA"] = str(data)
    return subprocess.run(
        [NIANBAO, "crawl", "--config", str(registry), "--no-politeness", *extra],
        env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """The portal crawled once (module scope: the crawl is the expensive part)."""
    root = tmp_path_factory.mktemp("crawl")
    with Portal() as portal:
        registry = root / "registry.toml"
        registry.write_text(registry_toml(portal.port), encoding="utf-8")
        first = crawl(registry, root / "data")
        first_counts = portal.requests.by_status()
        portal.requests.clear()
        second = crawl(registry, root / "data")
        yield {"portal": portal, "data": root / "data", "first": first, "second": second,
               "first_counts": first_counts, "second_requests": list(portal.requests.hits)}


def reports(data: Path) -> dict[str, dict]:
    archive = Archive.open(data)
    try:
        return {report.url: version.record for report, version, _ in archive.latest_versions()}
    finally:
        archive.close()


def test_crawl_archives_every_report_and_no_decoy(crawled) -> None:
    portal = crawled["portal"]
    archived = reports(crawled["data"])
    assert set(archived) == set(portal.report_urls()), crawled["first"].stdout
    assert not set(archived) & set(portal.decoy_urls())


def test_crawl_records_match_the_published_tables(crawled) -> None:
    from parsing import Record
    from parsing.record import Check

    archived = reports(crawled["data"])
    port = crawled["portal"].port
    for expected in crawled["portal"].expected.reports():
        record = archived[expected.url(port)]
        shaped = Record(
            title=record["title"], agency=record["agency"], year=record["year"], format=record["format"],
            active=record.get("active"), applications=record.get("applications"),
            review_litigation=record.get("review_litigation"),
            checks=tuple(Check(**c) for c in record["checks"]),
        )
        _assert_same(shaped, expected.tables, expected.url(port))


def test_crawl_outcomes_blocked_and_down_are_not_missing(crawled) -> None:
    first = crawled["first"]
    assert first.returncode == 3, first.stdout + first.stderr  # the down and blocked agencies
    archive = Archive.open(crawled["data"])
    try:
        with archive.session() as session:
            outcomes = {name: outcome for name, outcome in session.execute(
                select(Agency.name, CrawlRun.outcome).join(CrawlRun, CrawlRun.agency_id == Agency.id)
                .order_by(CrawlRun.id)
            )}
    finally:
        archive.close()
    expected = {a.name: a.outcome for a in crawled["portal"].expected.agencies}
    for name, outcome in expected.items():
        want = {"ok": "reached", "blocked": "blocked", "down": "unreachable"}[outcome]
        assert outcomes[name] == want, (name, outcomes)


def test_recrawl_revalidates_instead_of_fetching_again(crawled) -> None:
    hits = crawled["second_requests"]
    gets = [h for h in hits if h.method == "GET" and not h.target.endswith("robots.txt")]
    refetched = [h.target for h in gets if h.status == 200]
    conditional = [h for h in gets if h.conditional]
    print(f"recrawl: {len(gets)} GETs, {len(conditional)} conditional, {len(refetched)} bodies fetched again")
    assert conditional, "the recrawl sent no conditional requests"
    assert len(refetched) <= 0.1 * len(gets), refetched
    assert set(reports(crawled["data"])) == set(crawled["portal"].report_urls())


def test_demo_crawls_the_portal_and_lists_every_report(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NIANBAO_DATABASE_URL"}
    result = subprocess.run([NIANBAO, "demo", "--data", str(tmp_path / "demo")], env=env,
                            capture_output=True, text=True, timeout=240, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    listed = [line for line in result.stdout.splitlines() if "checks ok" in line or "checks failed" in line]
    with Portal() as portal:
        assert len(listed) == len(portal.report_urls())
    assert "crawl:" in result.stderr  # progress lines
