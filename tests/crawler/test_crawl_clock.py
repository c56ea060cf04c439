"""A crawl given a fixed clock (crawler.run.run_crawl's `clock`, the NIANBAO_CLOCK setting) stamps
every capture and its crawl run with that clock, never with the wall clock."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from nianbao.devportal.server import Portal
from nianbao.devportal.sites import registry_toml
from storage import Archive
from storage.models import Capture, CrawlRun
from storage.vocab import CrawlOutcome

STATIC = "青石县人民政府"
MOMENT = dt.datetime(2031, 2, 3, 4, 5, 6, tzinfo=dt.UTC)

# run_crawl starts Twisted's reactor, which runs once per process: the crawl gets its own.
CRAWL_WITH_A_FIXED_CLOCK = """
import datetime as dt
import sys
from pathlib import Path

from crawler.registry import load_file
from crawler.run import run_crawl
from storage.clock import fixed_clock

registry, data, name, moment = sys.argv[1:]
agencies = [agency for agency in load_file(Path(registry)) if agency.name == name]
run_crawl(agencies, Path(data), {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0},
          clock=fixed_clock(dt.datetime.fromisoformat(moment)))
"""


def test_crawl_with_a_fixed_clock_stamps_captures_and_runs_with_it(tmp_path: Path) -> None:
    with Portal() as portal:
        registry = tmp_path / "registry.toml"
        registry.write_text(registry_toml(portal.port), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k != "NIANBAO_DATABASE_URL"}
        result = subprocess.run(
            [sys.executable, "-c", CRAWL_WITH_A_FIXED_CLOCK, str(registry), str(tmp_path / "data"), STATIC,
             MOMENT.isoformat()],
            env=env, capture_output=True, text=True, timeout=240, check=False,
        )
    assert result.returncode == 0, result.stderr
    archive = Archive.open(tmp_path / "data")
    try:
        with archive.session() as session:
            stamps = session.scalars(select(Capture.captured_at)).all()
            runs = session.execute(select(CrawlRun.started_at, CrawlRun.finished_at, CrawlRun.outcome)).all()
    finally:
        archive.close()
    assert len(stamps) > 3 and set(stamps) == {MOMENT}  # the column, its reports and their files
    assert [tuple(run) for run in runs] == [(MOMENT, MOMENT, CrawlOutcome.REACHED)]
