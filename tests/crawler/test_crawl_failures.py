"""Crawls that go wrong: zero reports where there were some is the crawler's failure, and a
crawl killed with SIGKILL resumes from its JOBDIR with nothing lost or duplicated."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage import Archive
from storage.models import Agency, Capture, CrawlRun, ReportVersion
from nianbao.devportal.crawl_process import NIANBAO_EXECUTABLE, archived_records, run_crawl
from nianbao.devportal.server import Portal
from nianbao.devportal.sites import registry_toml

STATIC = "青石县人民政府"


def test_zero_reports_where_there_were_reports_is_a_crawler_failure(tmp_path: Path) -> None:
    with Portal() as portal:
        registry = tmp_path / "registry.toml"
        registry.write_text(registry_toml(portal.port), encoding="utf-8")
        assert run_crawl(registry, tmp_path / "data", "--agency", STATIC).returncode == 0
        for url, report in portal.report_urls().items():
            if report.site == "static":
                portal.remove(url, unlist=True)
        second = run_crawl(registry, tmp_path / "data", "--agency", STATIC)
    assert second.returncode == 3, second.stdout
    assert "failed" in second.stdout
    archive = Archive.open(tmp_path / "data")
    try:
        with archive.session() as session:
            last = session.scalars(
                select(CrawlRun).join(Agency, CrawlRun.agency_id == Agency.id)
                .where(Agency.name == STATIC).order_by(CrawlRun.id.desc())
            ).first()
            assert last.outcome == "failed"
            assert any("crawler failure" in e for e in last.errors)
    finally:
        archive.close()


@pytest.mark.date_blind  # resuming from the job folder (pyproject.toml: run on today's clock only)
def test_crawl_killed_with_sigkill_resumes_from_its_jobdir(tmp_path: Path) -> None:
    with Portal() as portal:
        registry = tmp_path / "registry.toml"
        # Politeness on (a delay per host) so the crawl lasts long enough to be killed midway.
        registry.write_text(registry_toml(portal.port, crawl_delay=0.3), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k != "NIANBAO_DATABASE_URL"}
        env["NIANBAO_DATA"] = str(tmp_path / "data")
        command = [NIANBAO_EXECUTABLE, "crawl", "--config", str(registry), "--jobdir", str(tmp_path / "job")]
        child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        database = tmp_path / "data" / "nianbao.sqlite3"
        deadline = time.monotonic() + 90
        captured = 0
        while time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.3)
            if database.exists():
                archive = Archive.open(tmp_path / "data")
                with archive.session() as session:
                    captured = session.scalar(select(func.count(Capture.id)))
                archive.close()
                if captured >= 15:
                    break
        assert child.poll() is None, "the crawl ended before it could be killed"
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        resumed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
        assert resumed.returncode == 3, resumed.stdout + resumed.stderr  # the blocked and down agencies
        expected = set(portal.report_urls())
    archived = archived_records(tmp_path / "data")
    assert set(archived) == expected, f"killed after {captured} captures"
    archive = Archive.open(tmp_path / "data")
    try:
        with archive.session() as session:
            versions = session.execute(
                select(ReportVersion.report_id, func.count()).group_by(ReportVersion.report_id)
            ).all()
            assert all(count == 1 for _, count in versions), versions
        # Not .clean: SIGKILL inside a blob write leaves its temporary file, which is no damage.
        assert not archive.check().damaged
    finally:
        archive.close()
