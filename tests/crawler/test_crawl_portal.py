"""The crawl of the simulated portal (nianbao/devportal): every report, no decoy, every record right;
blocked and down sites are outcomes, never "missing"; a recrawl revalidates instead of refetching."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from rich.cells import cell_len
from sqlalchemy import select

from nianbao.devportal.crawl_process import NIANBAO_EXECUTABLE, archived_records, run_crawl
from nianbao.devportal.record_match import assert_record_matches
from nianbao.devportal.server import Portal
from nianbao.devportal.sites import registry_toml
from storage import Archive
from storage.models import Agency, CrawlRun


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """The portal crawled once (module scope: the crawl is the expensive part)."""
    root = tmp_path_factory.mktemp("crawl")
    with Portal() as portal:
        registry = root / "registry.toml"
        registry.write_text(registry_toml(portal.port), encoding="utf-8")
        first = run_crawl(registry, root / "data")
        first_counts = portal.requests.by_status()
        portal.requests.clear()
        second = run_crawl(registry, root / "data")
        yield {"portal": portal, "data": root / "data", "first": first, "second": second,
               "first_counts": first_counts, "second_requests": list(portal.requests.hits)}


def test_crawl_archives_every_report_and_no_decoy(crawled) -> None:
    portal = crawled["portal"]
    archived = archived_records(crawled["data"])
    assert set(archived) == set(portal.report_urls()), crawled["first"].stdout
    assert not set(archived) & set(portal.decoy_urls())


def test_crawl_records_match_the_published_tables(crawled) -> None:
    from parsing import Record
    from parsing.record import Check

    archived = archived_records(crawled["data"])
    port = crawled["portal"].port
    for expected in crawled["portal"].expected.reports():
        record = archived[expected.url(port)]
        shaped = Record(
            title=record["title"], agency=record["agency"], year=record["year"], format=record["format"],
            active=record.get("active"), applications=record.get("applications"),
            review_litigation=record.get("review_litigation"),
            checks=tuple(Check(**c) for c in record["checks"]),
        )
        assert_record_matches(shaped, expected.tables, expected.url(port))


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
    assert set(archived_records(crawled["data"])) == set(crawled["portal"].report_urls())


def test_demo_crawls_the_portal_and_lists_every_report(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NIANBAO_DATABASE_URL"}
    result = subprocess.run([NIANBAO_EXECUTABLE, "demo", "--data", str(tmp_path / "demo")], env=env,
                            capture_output=True, text=True, timeout=240, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    listed = [line for line in result.stdout.splitlines() if "checks ok" in line or "checks failed" in line]
    with Portal() as portal:
        assert len(listed) == len(portal.report_urls())
    # Progress (steps, the crawl's pages) is drawn on a terminal only: none in captured output.
    assert "crawl:" not in result.stderr and "step " not in result.stderr, result.stderr
    # then what the monitor says: every registered agency judged, the walled and dead sites
    # unreachable (the crawler's failure), never missing
    judged = result.stdout.split("what the monitor says of", 1)[1]
    with Portal() as portal:
        for site in portal.sites.values():
            if site.region is not None:
                assert site.name in judged, judged
    assert "云溪市公安局" in judged and "missing" not in judged.split("云溪市公安局", 1)[1].split("\n", 1)[0]
    assert "unreachable" in judged
    # each of the two years: one status line per registered agency ("  NAME  STATUS[, N days late]",
    # the status in one terminal column), the blocked and the down site unreachable
    sections = result.stdout.split("what the monitor says of ")[1:]
    assert len(sections) == 2, result.stdout
    registered = {site.name: site for site in portal.sites.values() if site.region is not None}
    for section in sections:
        rows = [line for line in section.splitlines()[1:] if line.startswith("  ") and line[2] != " "
                and not line.split()[0].endswith(":")]
        statuses = {line.split()[0]: line.split()[1].rstrip(",") for line in rows}
        assert sorted(statuses) == sorted(registered), section
        unreachable = {name for name, site in registered.items() if site.blocked or not site.serving}
        assert unreachable == {"云溪市公安局", "云溪市水利局"}
        assert {name: statuses[name] for name in unreachable} == dict.fromkeys(unreachable, "unreachable"), section
        assert len({cell_len(line[:line.index(" " + statuses[line.split()[0]])]) for line in rows}) == 1, section
    # The demo's folder remembers its registry: plain `nianbao monitor` on it judges the demo's
    # agencies (not the checkout's, all unreachable there), and says which registry it read.
    year = result.stdout.rsplit("nianbao monitor --year ", 1)[1].split()[0]
    plain = subprocess.run([NIANBAO_EXECUTABLE, "monitor", "--year", year, "--json", "--no-record"],
                           env={**env, "NIANBAO_DATA": str(tmp_path / "demo")}, capture_output=True, text=True,
                           timeout=60, check=False)
    statuses = {row["agency"]: row["status"] for row in json.loads(plain.stdout)["agencies"]}
    assert sorted(statuses) == sorted(registered), plain.stderr
    assert {name for name, status in statuses.items() if status == "unreachable"} == {"云溪市公安局", "云溪市水利局"}
    assert "this data folder was crawled with" in plain.stderr
