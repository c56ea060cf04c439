"""Group commit (issue 17): `Archive.ingest_batch` stores a batch as one-by-one ingests in the
same order would, `GroupCommit` writes batches by count and by time and settles a capture only
once its batch is committed, and the WARC import gives the same archive whatever its batch size.
Every test taking `archive` runs on SQLite and on PostgreSQL (tests/plugins/archive.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

import storage.archive
from storage import parse_pool
from storage import Archive, CaptureConflictError, CaptureIn
from storage.archive import IngestItem, IngestResult
from storage.blobs import sha256_hex
from storage.group_commit import GroupCommit, GroupCommitClosedError
from storage.models import Capture, Report, ReportVersion
from storage.search_index import verify
from storage.warc import export_warc, import_warc
from nianbao.devportal.sample_crawl import sample_crawl

pytestmark = pytest.mark.date_blind  # two storage paths compared on one clock

T0 = dt.datetime(2024, 3, 1, 8, 0, tzinfo=dt.timezone.utc)
SAMPLE = 160  # captures: reports, republished reports, revisits, notices, 404s


def snapshot(archive: Archive) -> dict[str, object]:
    """The archive's contents, independent of row ids: captures (with what they revisit, by URL
    and time), reports, versions, and which version the search index holds current."""
    with archive.session() as session:
        captures = session.execute(select(Capture)).scalars().all()
        by_id = {c.id: (c.url, c.captured_at) for c in captures}
        reports = session.execute(select(Report)).scalars().all()
        report_url = {r.id: r.url for r in reports}
        versions = session.execute(select(ReportVersion)).scalars().all()
        problems = verify(session.connection())
    return {
        "captures": sorted(
            (c.url, c.captured_at, c.final_url, c.sha256, c.status, c.source,
             by_id[c.revisit_of] if c.revisit_of else None, c.parse_error)
            for c in captures
        ),
        "reports": sorted(
            (r.url, r.agency_name, r.year, r.title, r.published_on, r.format, by_id[r.first_capture_id], r.first_seen_at)
            for r in reports
        ),
        "versions": sorted(
            (report_url[v.report_id], by_id[v.capture_id], v.sha256, v.record_sha256, v.checks_failed) for v in versions
        ),
        "current": _current(archive),
        "index problems": problems,
    }


def _current(archive: Archive) -> set[tuple[str, str, str]]:
    return {(report.url, version.sha256, version.record_sha256) for report, version, _ in archive.latest_versions()}


def reference(tmp_path: Path, captures: list[CaptureIn], parse: bool = True) -> dict[str, object]:
    """The same captures ingested one at a time into a SQLite archive of their own."""
    one_by_one = Archive.open(tmp_path / "one-by-one")
    try:
        for capture in captures:
            one_by_one.ingest(capture, parse=parse)
        return snapshot(one_by_one)
    finally:
        one_by_one.close()


def shuffled(captures: list[CaptureIn]) -> list[CaptureIn]:
    """Out of time order, as captures come from several WARC files."""
    out = list(captures)
    random.Random(17).shuffle(out)
    return out


@pytest.mark.parametrize("order", ["time order", "shuffled"])
def test_ingest_batch_stores_what_one_by_one_ingests_would(archive: Archive, tmp_path: Path, order: str) -> None:
    captures = [s.capture for s in sample_crawl(SAMPLE)]
    if order == "shuffled":
        captures = shuffled(captures)
    results = []
    for start in range(0, len(captures), 45):  # batch edges fall between a report and its revisits
        results += archive.ingest_many(captures[start:start + 45])
    assert not [r for r in results if isinstance(r, Exception)]
    got = snapshot(archive)
    want = reference(tmp_path, captures)
    assert got["index problems"] == []
    for part in ("captures", "reports", "versions", "current"):
        assert got[part] == want[part], part
    assert sum(r.status == "revisit" for r in results) == sum(row[6] is not None for row in got["captures"]) > 0


def test_ingest_batch_results_say_what_each_capture_became(archive: Archive) -> None:
    sample = sample_crawl(SAMPLE)
    results = archive.ingest_many([s.capture for s in sample])
    for s, result in zip(sample, results, strict=True):
        assert isinstance(result, IngestResult)
        assert result.status == ("revisit" if s.kind == "revisit" else "new"), s.capture.url
        assert (result.report_id is not None) == (s.kind in ("report", "changed")), s.capture.url
        assert (result.parse_error is not None) == (s.kind == "not_report"), s.capture.url


def test_ingest_batch_run_again_stores_nothing_twice(archive: Archive) -> None:
    captures = [s.capture for s in sample_crawl(SAMPLE)]
    first = archive.ingest_many(captures)
    again = archive.ingest_many(captures)
    assert [r.status for r in again] == ["exists"] * len(captures)
    assert [r.capture_id for r in again] == [r.capture_id for r in first]
    with archive.session() as session:
        assert session.scalar(select(func.count()).select_from(Capture)) == len(captures)
    assert not archive.check().damaged


def test_ingest_batch_same_url_and_time_twice_in_one_batch(archive: Archive) -> None:
    url = "https://www.example.gov.cn/news/1.html"
    same = CaptureIn(url=url, body=b"<html>one</html>", captured_at=T0)
    other = dataclasses.replace(same, body=b"<html>another payload</html>")
    first, repeated, conflicting = archive.ingest_many([same, same, other], parse=False)
    assert first.status == "new"
    assert repeated == IngestResult(first.capture_id, "exists")
    assert isinstance(conflicting, CaptureConflictError)
    check = archive.check()
    assert not archive.blobs.exists(sha256_hex(other.body)), "the refused payload left a blob"
    assert check.clean


def test_ingest_batch_conflict_with_an_archived_capture_spares_the_rest(archive: Archive) -> None:
    url = "https://www.example.gov.cn/news/1.html"
    archive.ingest(CaptureIn(url=url, body=b"<html>one</html>", captured_at=T0), parse=False)
    conflicting = CaptureIn(url=url, body=b"<html>two</html>", captured_at=T0)
    fine = CaptureIn(url=url, body=b"<html>two</html>", captured_at=T0 + dt.timedelta(hours=1))
    results = archive.ingest_many([conflicting, fine], parse=False)
    assert isinstance(results[0], CaptureConflictError) and "different payload" in str(results[0])
    assert results[1].status == "new"
    with pytest.raises(CaptureConflictError):
        archive.ingest(conflicting)


def test_ingest_batch_a_parser_crash_is_that_capture_alone(archive: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    sample = [s for s in sample_crawl(40) if s.kind == "report"][:6]
    broken = sample[2].capture
    real = storage.archive.parse_report

    def parse_report(body: bytes, *args, **kwargs):
        if body == broken.body:
            raise RuntimeError("a parser bug")
        return real(body, *args, **kwargs)

    monkeypatch.setattr(storage.archive, "parse_report", parse_report)
    results = archive.ingest_many([s.capture for s in sample])
    assert isinstance(results[2], RuntimeError)
    assert all(isinstance(r, IngestResult) and r.report_id for i, r in enumerate(results) if i != 2)
    with archive.session() as session:
        urls = set(session.scalars(select(Capture.url)))
    assert urls == {s.capture.url for s in sample} - {broken.url}
    assert not archive.blobs.exists(sha256_hex(broken.body)) and archive.check().clean


def test_group_commit_writes_a_batch_per_max_count(archive: Archive) -> None:
    captures = [s.capture for s in sample_crawl(25)]
    with GroupCommit(archive, max_count=10, max_wait=60) as writer:
        futures = [writer.submit(IngestItem(c, parse=False)) for c in captures]
        writer.flush()
        assert all(f.done() for f in futures)
        assert writer.batches == 3
    assert [f.result().status for f in futures].count("exists") == 0
    with archive.session() as session:
        assert session.scalar(select(func.count()).select_from(Capture)) == 25


def test_group_commit_settles_a_capture_only_once_its_batch_is_committed(archive: Archive) -> None:
    capture = sample_crawl(1)[0].capture
    with GroupCommit(archive, max_count=100, max_wait=60) as writer:
        future = writer.submit(IngestItem(capture, parse=False))
        time.sleep(0.3)
        assert not future.done()
        with archive.session() as session:
            assert session.scalar(select(func.count()).select_from(Capture)) == 0
        writer.flush()
        assert future.result().status == "new"
        with archive.session() as session:
            assert session.scalar(select(Capture.id)) == future.result().capture_id


def test_group_commit_writes_a_waiting_batch_after_max_wait(archive: Archive) -> None:
    captures = [s.capture for s in sample_crawl(3)]
    writer = GroupCommit(archive, max_count=1000, max_wait=0.2)
    try:
        futures = [writer.submit(IngestItem(c, parse=False)) for c in captures]
        results = [f.result(timeout=30) for f in futures]  # no flush asked: the clock writes them
        assert [r.status for r in results] == ["new"] * 3 and writer.batches == 1
    finally:
        writer.close()
    with pytest.raises(GroupCommitClosedError):
        writer.submit(IngestItem(captures[0]))


def test_group_commit_hands_each_capture_its_own_error(archive: Archive) -> None:
    url = "https://www.example.gov.cn/news/1.html"
    archive.ingest(CaptureIn(url=url, body=b"<html>one</html>", captured_at=T0), parse=False)
    with GroupCommit(archive, max_count=2, max_wait=60) as writer:
        refused = writer.submit(IngestItem(CaptureIn(url=url, body=b"<html>two</html>", captured_at=T0)))
        fine = writer.submit(IngestItem(CaptureIn(url=url, body=b"<html>two</html>", captured_at=T0 + dt.timedelta(1))))
        assert isinstance(refused.exception(timeout=30), CaptureConflictError)
        assert fine.result(timeout=30).status == "new"


def test_import_warc_in_small_batches_gives_the_same_archive(archive: Archive, tmp_path: Path) -> None:
    source = Archive.open(tmp_path / "source")
    try:
        source.ingest_many([s.capture for s in sample_crawl(SAMPLE)])
        exported = tmp_path / "sample.warc.gz"
        export_warc(source, exported)
    finally:
        source.close()
    whole = Archive.open(tmp_path / "whole")
    try:
        summary_whole = import_warc(whole, exported, batch_size=10_000)
        want = snapshot(whole)
    finally:
        whole.close()
    summary = import_warc(archive, exported, batch_size=7)  # revisits point into earlier batches
    assert summary.describe() == summary_whole.describe()
    assert summary.revisits > 0 and summary.imported == SAMPLE
    got = snapshot(archive)
    for part in ("captures", "reports", "versions", "current"):
        assert got[part] == want[part], part


def test_ingest_batch_parsing_in_worker_processes_stores_the_same(archive: Archive, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # Workers from the first batch (a pool starts them only after ~0.5 s of parsing in-process).
    monkeypatch.setattr(parse_pool, "START_AFTER_CPU", 0.0)
    captures = [s.capture for s in sample_crawl(SAMPLE)]
    with archive.parsing_in_workers(1):
        assert archive.parse_pool is not None
        results = archive.ingest_many(captures)
        assert archive.parse_pool._executor is not None  # the workers parsed
    assert archive.parse_pool is None
    assert not [r for r in results if isinstance(r, Exception)]
    got = snapshot(archive)
    want = reference(tmp_path, captures)
    for part in ("captures", "reports", "versions", "current"):
        assert got[part] == want[part], part
