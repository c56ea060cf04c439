"""`nianbao crawl` run as a child process against the simulated portal, and what it archived:
how the crawl, monitor and distributed tests drive a whole crawl the way a user does.

The child is the `nianbao` console script beside the running interpreter (`NIANBAO_EXECUTABLE`),
with politeness off, its data folder given by NIANBAO_DATA and NIANBAO_DATABASE_URL removed from
its environment, so it always writes the SQLite archive under that folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from storage import Archive

NIANBAO_EXECUTABLE = str(Path(sys.executable).with_name("nianbao"))


def crawl_environment(data: Path) -> dict[str, str]:
    """This process's environment for a child `nianbao` writing to the SQLite archive under `data`."""
    env = {k: v for k, v in os.environ.items() if k != "NIANBAO_DATABASE_URL"}
    env["NIANBAO_DATA"] = str(data)
    return env


def run_crawl(registry: Path, data: Path, *extra: str, timeout: float = 240) -> subprocess.CompletedProcess:
    """Run `nianbao crawl --config REGISTRY --no-politeness EXTRA...` into the archive under
    `data` and wait for it (at most `timeout` seconds); its exit code and output, text, captured."""
    return subprocess.run(
        [NIANBAO_EXECUTABLE, "crawl", "--config", str(registry), "--no-politeness", *extra],
        env=crawl_environment(data), capture_output=True, text=True, timeout=timeout, check=False,
    )


def archived_records(data: Path) -> dict[str, dict[str, Any]]:
    """Report URL -> the record (as a dict) of its latest version, in the archive under `data`."""
    archive = Archive.open(data)
    try:
        return {report.url: version.record for report, version, _ in archive.latest_versions()}
    finally:
        archive.close()
