"""Acceptance: an ingest killed with SIGKILL part-way, then run again, leaves every capture
exactly once, no report or version twice, and a clean `db check`, on SQLite and PostgreSQL.

The ingest runs in a child process (nianbao/devportal/sample_crawl.py as a script) over 1,000
generated captures: reports in every text shape, changed reports, revisits, notices, 404s.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from nianbao.commands import main
from storage import Archive
from storage.models import Capture

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
    data_dir: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, paths, holds_the_sample_once
) -> None:
    last = ingest_until_killed(data_dir, database_url, paths.root)
    archive = Archive.open(data_dir, database_url)
    with archive.session() as session:
        committed = session.scalar(select(func.count()).select_from(Capture))
    assert KILL_AFTER <= last + 1 <= committed < COUNT, "the kill must land part-way"

    subprocess.run(ingest_command(data_dir, database_url), cwd=paths.root, check=True, stdout=subprocess.DEVNULL)

    holds_the_sample_once(archive, COUNT)
    archive.close()

    monkeypatch.setenv("NIANBAO_DATA", str(data_dir))
    monkeypatch.setenv("NIANBAO_DATABASE_URL", database_url)
    cli = CliRunner().invoke(main, ["db", "check"])
    assert cli.exit_code == 0, cli.output
