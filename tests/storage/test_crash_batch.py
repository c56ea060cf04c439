"""Acceptance (issue 17): an ingest through the group commit killed with SIGKILL in the middle of
a batch (its payloads staged or made durable, its transaction not committed) keeps whole batches
only and no row without its blob; killed again and again, then run to the end, it leaves every
capture exactly once, no report or version twice, and no damage, on SQLite and PostgreSQL.

The ingest runs in a child process (nianbao/devportal/sample_crawl.py --batch) over generated
captures: reports in every shape, changed reports, revisits, notices, 404s, parsed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage import Archive
from storage.models import Capture

pytestmark = pytest.mark.date_blind  # durability under SIGKILL

COUNT = 600
BATCH = 40
DELAYS = (0.5, 0.2, 0.8, 0.35, 0.65, 0.1)  # into a batch, in batches' durations
KILLS = len(DELAYS)  # at most; the test stops killing once a kill has landed inside a batch's writes


def ingest_command(data: Path, url: str) -> list[str]:
    return [sys.executable, "-m", "nianbao.devportal.sample_crawl", str(data), url,
            "--count", str(COUNT), "--batch", str(BATCH)]


def kill_inside_a_new_batch(data: Path, url: str, cwd: Path, archived: int, fraction: float) -> bool:
    """Run the ingest; once two batches of captures not archived before are committed (a
    batch's duration: the time between them), wait `fraction` of that duration into the third
    and SIGKILL it. Whether it was killed (not finished by itself)."""
    child = subprocess.Popen(ingest_command(data, url), cwd=cwd, stdout=subprocess.PIPE, text=True)
    seen = 0
    first_new = None
    try:
        for _line in child.stdout:
            seen += 1
            if seen == archived + BATCH:
                first_new = time.monotonic()  # the first new batch is committed
            elif seen == archived + 2 * BATCH and first_new is not None:
                time.sleep(fraction * (time.monotonic() - first_new))
                child.send_signal(signal.SIGKILL)
                break
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=60)
        child.stdout.close()
    return child.returncode == -signal.SIGKILL


def committed(archive: Archive) -> int:
    with archive.session() as session:
        return session.scalar(select(func.count()).select_from(Capture))


def test_group_commit_killed_inside_batches_then_rerun_has_every_capture_once(
    data_dir: Path, database_url: str, paths, holds_the_sample_once
) -> None:
    archive = Archive.open(data_dir, database_url)
    inside = 0  # kills that left a batch's payloads staged or durable but its rows uncommitted
    try:
        for fraction in DELAYS[:KILLS]:
            before = committed(archive)
            temporaries = set(archive.blobs.temporaries())
            if before >= COUNT - 3 * BATCH or not kill_inside_a_new_batch(
                data_dir, database_url, paths.root, before, fraction
            ):
                break
            after = committed(archive)
            assert after > before and (after % BATCH == 0), f"{after} captures: not whole batches of {BATCH}"
            check = archive.check()
            assert (check.missing, check.corrupt) == ([], []), "a row points at a payload not stored"
            if check.orphans or set(archive.blobs.temporaries()) - temporaries:
                inside += 1
                break
        assert inside, "no kill landed inside a batch's writes"
        assert committed(archive) < COUNT, "the kills must land part-way"

        subprocess.run(ingest_command(data_dir, database_url), cwd=paths.root, check=True, stdout=subprocess.DEVNULL)

        holds_the_sample_once(archive, COUNT)
    finally:
        archive.close()
