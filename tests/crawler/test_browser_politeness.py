"""The browser's own requests keep the host's politeness (issue 15; crawler/browser_requests.py), in
Debian's real Chromium on loopback against the dev portal's paced case (nianbao.devportal.
browser_cases.paced_sites): a JS challenge in front of a list a script file builds from a JSON
endpoint. Every request the portal received from that host, plain or sent by the browser itself
(the challenge's reload, the script, the XHR), came at least the host's crawl_delay after the one
before, in one process and across two distributed workers; the image, the third party's script
and the counter robots.txt disallows were never fetched, and the column was read completely, its
PDF (which the wall keeps from plain requests even with the browser's cookie) by the browser.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.browser import STARTED_LOG
from crawler.pacing import SharedHostPacing
from nianbao.devportal.browser_cases import ATTACHMENTS_BOUND, COUNTER_PATH, browser_expected, paced_sites
from nianbao.devportal.crawl_process import NIANBAO_EXECUTABLE, archived_records, run_crawl
from nianbao.devportal.postgres_server import PostgresServer, throwaway_server
from nianbao.devportal.redis_server import throwaway_redis
from nianbao.devportal.server import Hit, Portal
from storage import Archive
from storage.models import Capture, CrawlRun

pytestmark = pytest.mark.date_blind  # gaps between requests

CHROMIUM = Path("/usr/bin/chromium")
DELAY = 0.4  # the registry's crawl_delay for the paced host, seconds
# A request's turn is taken a little before it reaches the server (Chromium's IPC, a new
# connection, the server's thread): two arrivals can be that much closer than their turns.
TOLERANCE = 0.03


def _gaps(hits: list[Hit], host: str) -> list[tuple[float, str, str]]:
    """(seconds since the previous request to `host`, previous target, this target), in arrival order."""
    arrived = sorted((h for h in hits if h.host == host), key=lambda h: h.at)
    return [(b.at - a.at, a.target, b.target) for a, b in zip(arrived, arrived[1:], strict=False)]


def _check_paced(hits: list[Hit], host: str) -> None:
    gaps = _gaps(hits, host)
    targets = [h.target for h in hits if h.host == host]
    assert any(t.startswith("/js/") for t in targets), targets  # the script the list needs was fetched
    assert any(t.startswith("/api/ndbg") for t in targets), targets  # and the XHR it makes
    assert len(gaps) >= 8, targets
    too_close = [gap for gap in gaps if gap[0] < DELAY - TOLERANCE]
    assert not too_close, too_close
    # Nothing the archive does not need: no image, nothing robots.txt disallows.
    assert not [t for t in targets if t.startswith(("/images/", COUNTER_PATH))], targets


def _check_archived(data: Path, portal: Portal, database_url: str | None = None) -> None:
    expected = browser_expected(portal.sites, portal.port)["云溪市财政局"]
    archive = Archive.open(data, database_url)
    try:
        archived = {report.url for report, _, _ in archive.latest_versions()}
    finally:
        archive.close()
    assert archived == set(expected.reports)


@pytest.fixture(scope="module")
def paced_crawl(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/setup.sh installs Debian's chromium", pytrace=False)
    root = tmp_path_factory.mktemp("paced-crawl")
    with Portal(sites=paced_sites()) as portal:
        registry = root / "registry.toml"
        registry.write_text(portal.registry_toml(crawl_delay=DELAY), encoding="utf-8")
        done = run_crawl(registry, root / "data", timeout=180)
        yield {"portal": portal, "data": root / "data", "done": done, "hits": portal.requests.hits}


def test_the_browsers_requests_keep_the_hosts_delay(paced_crawl) -> None:
    assert paced_crawl["done"].returncode == 0, paced_crawl["done"].stdout + paced_crawl["done"].stderr
    _check_paced(paced_crawl["hits"], paced_crawl["portal"].host("paced"))


def test_the_paced_column_is_read_completely_through_the_browser(paced_crawl) -> None:
    assert len(archived_records(paced_crawl["data"])) == 2
    _check_archived(paced_crawl["data"], paced_crawl["portal"])


def test_an_attachment_the_wall_keeps_from_plain_requests_is_fetched_by_the_browser(paced_crawl) -> None:
    """The PDF answers the challenge to a plain request even with the browser's cookie (its wall
    checks the client too): asked again through the browser, its own bytes are archived (not the
    page of Chromium's PDF viewer), parsed into the report, and no rendered DOM is kept for it."""
    portal = paced_crawl["portal"]
    pdf = next(url for url in portal.report_urls() if url.endswith(ATTACHMENTS_BOUND))
    archive = Archive.open(paced_crawl["data"])
    try:
        with archive.session() as session:
            captures = session.scalars(select(Capture).where(Capture.url == pdf).order_by(Capture.captured_at)).all()
            found = [(c.status, c.source, c.role) for c in captures]
            browser_body = archive.body(captures[-1])
    finally:
        archive.close()
    assert found == [(412, "crawl", "attachment"), (200, "browser", "attachment")]
    assert browser_body.startswith(b"%PDF-")
    assert pdf in archived_records(paced_crawl["data"])


def test_the_browser_does_not_fetch_third_party_hosts_or_what_robots_txt_disallows(paced_crawl) -> None:
    log = (paced_crawl["data"] / "crawl.log").read_text(encoding="utf-8")
    assert "/cdn/stat.js: not fetched by the browser (not the agency's host)" in log
    assert f"{COUNTER_PATH}visit" in log and "not fetched by the browser (robots.txt disallows it)" in log
    assert "'nianbao/browser/aborted/image': " in log  # the banner, not fetched either


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    with throwaway_server() as server:
        yield server


def _held_by(client, pid: int) -> int:
    """How many requests the worker of `pid` holds (its processing hash in Redis)."""
    return sum(client.hlen(key) for key in client.scan_iter(match=f"nianbao:*:processing:*:{pid}"))


def _wait(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_two_workers_keep_the_hosts_delay_between_all_their_requests(tmp_path: Path, postgres: PostgresServer) -> None:
    """Both workers crawl the host at once: the first is stopped (SIGSTOP) while it holds the column,
    its heartbeat lapses and the second takes the column back from Redis, then the first goes on
    (SIGCONT) with what it held, its turns long passed. Every request the host saw, from either
    worker's Scrapy or Chromium, kept the delay."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/setup.sh installs Debian's chromium", pytrace=False)
    database_url = postgres.create_database("paced_workers")
    with throwaway_redis() as redis_server, Portal(sites=paced_sites()) as portal:
        client = redis_server.client()
        registry = tmp_path / "registry.toml"
        registry.write_text(portal.registry_toml(crawl_delay=DELAY), encoding="utf-8")
        env = dict(os.environ, NIANBAO_DATA=str(tmp_path / "data"), NIANBAO_DATABASE_URL=database_url)
        command = [NIANBAO_EXECUTABLE, "crawl", "--config", str(registry), "--workers", redis_server.url,
                   "--worker-ttl", "2", "--no-politeness"]  # the registry's crawl_delay still holds

        def start() -> subprocess.Popen:
            return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        workers = [start()]
        try:
            first = workers[0]
            # Stopped once its plain request met the challenge, while it starts Chromium for the
            # column: between two requests (a process frozen inside a send would send it late
            # whatever its pacing), holding the column's request for the browser.
            _wait(lambda: portal.requests.count("paced", "/xxgk/ndbg/index.html", status=412) > 0,
                  "the first worker's plain request to meet the challenge")
            time.sleep(0.1)
            _wait(lambda: _held_by(client, first.pid) > 0, "the first worker to hold the column's browser request")
            os.kill(first.pid, signal.SIGSTOP)
            workers.append(start())
            second = workers[1]
            _wait(lambda: _held_by(client, second.pid) > 0, "the second worker to take the column back")
            os.kill(first.pid, signal.SIGCONT)
            results = [worker.communicate(timeout=240) for worker in workers]
        finally:
            for worker in workers:
                if worker.poll() is None:
                    os.kill(worker.pid, signal.SIGCONT)
                    worker.kill()
        for worker, (out, err) in zip(workers, results, strict=True):
            assert worker.returncode == 0, out + err
        log = (tmp_path / "data" / "crawl.log").read_text(encoding="utf-8")
        assert log.count(STARTED_LOG) == 2  # each worker rendered the column in its own Chromium
        assert portal.requests.count("paced", "/robots.txt") == 2  # and asked the host for itself
        _check_paced(portal.requests.hits, portal.host("paced"))
        _check_archived(tmp_path / "data", portal, database_url)
    archive = Archive.open(tmp_path / "data", database_url)
    try:
        with archive.session() as session:
            outcomes = session.scalars(select(CrawlRun.outcome)).all()
    finally:
        archive.close()
    assert outcomes == ["reached (browser)"]  # counted as in one process, whichever worker rendered


def test_a_host_a_browser_request_holds_waits_for_its_end_then_the_delay() -> None:
    """crawler.pacing across two workers: while one worker's browser request holds the host, the
    other's request waits (however late its turn), and then the host's delay from the end."""
    delay = 0.2
    with throwaway_redis() as server:
        holder, other = (SharedHostPacing(server.client(), delay, {}) for _ in range(2))

        async def run() -> tuple[bool, float]:
            token = await holder.go("127.0.0.30", hold=5)
            waiting = asyncio.ensure_future(other.go("127.0.0.30"))
            await asyncio.sleep(3 * delay)
            held = not waiting.done()
            holder.release("127.0.0.30", token)
            released = time.monotonic()
            await waiting
            return held, time.monotonic() - released

        held, waited = asyncio.run(run())
    assert held
    assert delay - 0.02 <= waited < delay + 0.2, waited
