"""Acceptance: an ingest killed with SIGKILL part-way, then run again, leaves every capture
exactly once, no report or version twice, and a clean `db check`, on SQLite and PostgreSQL.

The ingest runs in a child process (nianbao/devportal/sample_crawl.py as a script) over 1,000
generated captures: reports in every text shape, changed reports, revisits, notices, 404s.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from nianbao.commands import main
from storage import Archive
from storage.blobs import sha256_hex
from storage.clock import utc
from storage.models import Capture, Report, ReportVersion
from nianbao.devportal.sample_crawl import sample_crawl

pytestmark = pytest.mark.date_blind  # durability under SIGKILL

COUNT = 1000
KILL_AFTER = 400  # committed captures before the SIGKILL


def ingest_command(data: Path, url: str) -> list[str]:
    return [sys.executable, "-m", "nianbao.devportal.sample_crawl", str(data), url, "--count", str(COUNT)]


def ingest_until_killed(data: Path, url: str, cwd: Path) -> int:
    """Run the ingest, SIGKILL it once KILL_AFTER captures are committed; the last index seen."""
    child = subprocess.Popen(ingest_command(data, url), cwd=cwd, stdout=subprocess.PIPE, text=True)
    last = -1
    try:
        for line in child.stdout:
            last = int(line)
            if last + 1 >= KILL_AFTER:
                child.send_signal(signal.SIGKILL)
                break
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL, f"the ingest ended by itself ({child.returncode}) after {last + 1}"
    return last


def test_ingest_killed_midway_then_rerun_has_every_capture_once(
    data_dir: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, paths
) -> None:
    last = ingest_until_killed(data_dir, database_url, paths.root)
    archive = Archive.open(data_dir, database_url)
    with archive.session() as session:
        committed = session.scalar(select(func.count()).select_from(Capture))
    assert KILL_AFTER <= last + 1 <= committed < COUNT, "the kill must land part-way"

    subprocess.run(ingest_command(data_dir, database_url), cwd=paths.root, check=True, stdout=subprocess.DEVNULL)

    sample = sample_crawl(COUNT)
    with archive.session() as session:
        captures = session.execute(
            select(Capture.url, Capture.captured_at, Capture.sha256, Capture.revisit_of, Capture.parse_error)
        ).all()
        report_urls = session.scalars(select(Report.url)).all()
        versions = session.execute(select(ReportVersion.report_id, ReportVersion.sha256)).all()

    def key(url: str, moment: dt.datetime) -> tuple[str, dt.datetime]:
        return url, utc(moment)  # the models hand back aware UTC, the sample gives aware UTC

    stored = Counter(key(row.url, row.captured_at) for row in captures)
    wanted = {key(s.capture.url, s.capture.captured_at): s for s in sample}
    assert len(captures) == COUNT and set(stored) == set(wanted) and max(stored.values()) == 1
    for row in captures:
        expected = wanted[key(row.url, row.captured_at)]
        kind, body = expected.kind, expected.capture.body
        assert row.sha256 == sha256_hex(body), row.url
        assert (row.revisit_of is not None) == (kind == "revisit"), row.url
        assert (row.parse_error is not None) == (kind == "not_report"), (row.url, row.parse_error)

    reports = [s for s in sample if s.is_report]
    assert sorted(report_urls) == sorted({s.capture.url for s in reports})
    assert len(versions) == len(set(versions)) == len({(s.capture.url, s.capture.body) for s in reports})

    result = archive.check()
    assert (result.missing, result.corrupt, result.orphans) == ([], [], [])
    archive.close()

    monkeypatch.setenv("NIANBAO_DATA", str(data_dir))
    monkeypatch.setenv("NIANBAO_DATABASE_URL", database_url)
    cli = CliRunner().invoke(main, ["db", "check"])
    assert cli.exit_code == 0, cli.output
