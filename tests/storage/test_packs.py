"""Blob packs (issue 17, storage/packs.py): a blob batch's new payloads are written as one pack
file, found through `blob_packs`; every payload reads back checked against its digest, whether
loose or packed; a payload stored already (loose or packed) is not stored again; a process
killed after writing a pack, or while writing it, loses nothing and leaves nothing pointing at
bytes that are not there; a torn or damaged pack fails reads of the damaged payloads only.
Tests taking `archive` run on SQLite and PostgreSQL (tests/plugins/archive.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import pickle
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage import Archive, BlobError, CaptureIn
from storage.blobs import PACK_FROM, sha256_hex
from storage.models import Capture
from storage.packs import blob_packs, pack_files, read_entries
from storage.warc import WarcError, export_warc, import_warc

pytestmark = pytest.mark.date_blind  # fixed capture times; durability under SIGKILL

T0 = dt.datetime(2024, 5, 6, 9, 0, tzinfo=dt.timezone.utc)
COUNT = 40

# The child process of the crash tests: ingests the pickled captures in one batch into the
# archive at DATA (database URL), killing itself with SIGKILL where MODE says: `after-pack`
# once the batch's pack file is written and fsynced, before its transaction commits;
# `mid-pack` while the pack file is written (half of its bytes on disk); `none`: no kill.
CHILD = """
import os, pickle, signal, sys
from pathlib import Path
import storage.blobs
from storage import Archive

data, url, mode, pickled = sys.argv[1:]
if mode == "after-pack":
    written = storage.blobs.write_pack

    def write_then_die(*args, **kwargs):
        written(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)

    storage.blobs.write_pack = write_then_die
elif mode == "mid-pack":
    real_write = os.write

    def torn_write(fd, data):
        if not os.readlink(f"/proc/self/fd/{fd}").endswith(".pack"):
            return real_write(fd, data)
        real_write(fd, bytes(data[:len(data) // 2]))
        os.fsync(fd)
        os.kill(os.getpid(), signal.SIGKILL)

    os.write = torn_write
archive = Archive.open(Path(data), url)
archive.ingest_many(pickle.loads(Path(pickled).read_bytes()), parse=False)
archive.close()
"""


def captures() -> list[CaptureIn]:
    return [CaptureIn(url=f"https://www.example.gov.cn/art/{n}.html", captured_at=T0 + dt.timedelta(seconds=n),
                      body=f"<html><body><p>第{n}号 政务动态</p>{'x' * (n * 37)}</body></html>".encode(),
                      content_type="text/html; charset=utf-8") for n in range(COUNT)]


def packs(archive: Archive) -> list[str]:
    return [path for _, path in pack_files(archive.blobs.root)]


def loose(archive: Archive) -> list[Path]:
    return [p for p in archive.blobs.root.glob("??/??/*") if p.is_file()]


def packed_rows(archive: Archive) -> int:
    with archive.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(blob_packs))


def capture_count(archive: Archive) -> int:
    with archive.session() as session:
        return session.scalar(select(func.count()).select_from(Capture))


def test_packs_a_batch_into_one_file_and_reads_every_payload_back(archive: Archive) -> None:
    batch = captures()
    results = archive.ingest_many(batch, parse=False)
    assert len(packs(archive)) == 1 and loose(archive) == []
    assert packed_rows(archive) == COUNT
    with archive.session() as session:
        for capture, result in zip(batch, results, strict=True):
            assert archive.body(session.get(Capture, result.capture_id)) == capture.body
    assert sorted(archive.blobs.digests()) == sorted(sha256_hex(c.body) for c in batch)
    assert archive.check().clean


def test_pack_headers_name_every_payload_where_the_index_does(archive: Archive) -> None:
    archive.ingest_many(captures(), parse=False)
    with archive.engine.connect() as connection:
        indexed = {(r.digest, r.pack, r.start, r.size) for r in connection.execute(select(blob_packs))}
    assert {(e.digest, e.pack, e.start, e.size) for e in read_entries(packs(archive)[0])} == indexed


def test_a_small_batch_and_a_single_capture_stay_loose_files(archive: Archive) -> None:
    batch = captures()
    archive.ingest(batch[0], parse=False)
    archive.ingest_many(batch[1:PACK_FROM], parse=False)  # PACK_FROM - 1 payloads
    assert packs(archive) == [] and len(loose(archive)) == PACK_FROM
    assert archive.check().clean


def test_a_payload_stored_packed_or_loose_is_not_stored_again(archive: Archive) -> None:
    batch = captures()
    archive.ingest(batch[0], parse=False)  # loose
    archive.ingest_many(batch[1:20], parse=False)  # packed
    later = [dataclasses.replace(c, captured_at=c.captured_at.replace(year=2025)) for c in batch[:20]]
    new = [dataclasses.replace(c, body=c.body + b"<!-- new -->") for c in batch[20:30]]
    archive.ingest_many(later + new, parse=False)
    assert capture_count(archive) == 20 + 20 + 10
    assert packed_rows(archive) == 19 + 10, "the 20 payloads stored before were packed again"
    assert len(loose(archive)) == 1 and len(packs(archive)) == 2
    assert archive.check().clean


def test_a_second_writer_packing_a_payload_already_packed_keeps_the_first_row(data_dir: Path, database_url: str) -> None:
    first, second = Archive.open(data_dir, database_url), Archive.open(data_dir, database_url)
    try:
        batch = captures()
        first.ingest_many(batch[:20], parse=False)
        # What a writer that planned before the other's commit does: its own pack, the same digests.
        blobs = second.blobs.batch()
        for c in batch[:20]:
            blobs.stage(c.body)
        entries = blobs.seal()
        blobs.durable()
        with second.engine.begin() as connection:
            second.blobs.index.record(connection, entries)  # no IntegrityError: the first row stays
        with first.engine.connect() as connection:
            kept = set(connection.scalars(select(blob_packs.c.pack).distinct()))
        names = {name for name, _ in pack_files(first.blobs.root)}
        assert len(names) == 2 and len(kept) == 1 and kept < names
        assert all(second.blobs.get(sha256_hex(c.body)) == c.body for c in batch[:20])
    finally:
        first.close()
        second.close()


def test_a_batch_planned_again_after_a_concurrent_writer_leaves_no_pack_behind(archive: Archive, monkeypatch) -> None:
    # The batch's transaction meets a row another writer committed first (IntegrityError: a unique
    # (url, captured_at)), after its pack was written: the rows roll back, the batch is planned and
    # written again, and the first pack, which nothing points into, is deleted (before, it stayed
    # and `check` counted it as a leftover: tests/distributed/test_workers.py failed so once).
    from sqlalchemy.exc import IntegrityError

    from storage.packs import PackIndex

    real_record, calls = PackIndex.record, []

    def record_once_conflicting(self, connection, entries):
        calls.append(len(entries))
        if len(calls) == 1:
            raise IntegrityError("INSERT INTO captures ...", {}, Exception("UNIQUE constraint failed (simulated)"))
        return real_record(self, connection, entries)

    monkeypatch.setattr(PackIndex, "record", record_once_conflicting)
    batch = captures()
    results = archive.ingest_many(batch, parse=False)
    assert calls == [COUNT, COUNT]  # written, rolled back, written again
    assert len(packs(archive)) == 1 and packed_rows(archive) == COUNT and capture_count(archive) == COUNT
    check = archive.check()
    assert check.clean, (check.missing, check.orphans, check.temporaries)
    with archive.session() as session:
        for capture, result in zip(batch, results, strict=True):
            assert archive.body(session.get(Capture, result.capture_id)) == capture.body


def test_a_torn_pack_fails_reads_of_the_torn_payload_only(archive: Archive) -> None:
    batch = captures()
    archive.ingest_many(batch, parse=False)
    (path,) = packs(archive)
    os.truncate(path, os.path.getsize(path) - 5)  # the last payload loses its last 5 bytes
    with pytest.raises(BlobError, match="corrupt"):
        archive.blobs.get(sha256_hex(batch[-1].body))
    assert [archive.blobs.get(sha256_hex(c.body)) for c in batch[:-1]] == [c.body for c in batch[:-1]]
    assert archive.check().corrupt == [sha256_hex(batch[-1].body)]


def test_a_damaged_pack_byte_is_caught_by_the_digest(archive: Archive) -> None:
    batch = captures()
    archive.ingest_many(batch, parse=False)
    entry = next(e for e in read_entries(packs(archive)[0]) if e.digest == sha256_hex(batch[3].body))
    with open(packs(archive)[0], "r+b") as pack:
        pack.seek(entry.start + 2)
        pack.write(b"\xff")
    with pytest.raises(BlobError, match="corrupt"):
        archive.blobs.get(entry.digest)
    assert archive.check().corrupt == [entry.digest]


def _child(data: Path, url: str, mode: str, cwd: Path) -> int:
    pickled = data.parent / "captures.pickle"
    pickled.write_bytes(pickle.dumps(captures()))
    done = subprocess.run([sys.executable, "-c", CHILD, str(data), url, mode, str(pickled)],
                          cwd=cwd, timeout=120, check=False)
    return done.returncode


@pytest.mark.parametrize("mode", ["after-pack", "mid-pack"])
def test_killed_with_a_pack_written_or_torn_then_rerun_stores_every_capture_once(
    data_dir: Path, database_url: str, paths, mode: str
) -> None:
    assert _child(data_dir, database_url, mode, paths.root) == -signal.SIGKILL
    archive = Archive.open(data_dir, database_url)
    try:
        assert capture_count(archive) == 0 and packed_rows(archive) == 0
        (orphan,) = packs(archive)  # written (or torn) and pointed at by nothing
        whole = sum(len(c.body) for c in captures()) + 8 + 44 * COUNT
        assert (os.path.getsize(orphan) == whole) == (mode == "after-pack")
        check = archive.check()
        assert (check.missing, check.corrupt, check.orphans) == ([], [], [])
        assert check.temporaries == [Path(orphan)]

        assert _child(data_dir, database_url, "none", paths.root) == 0
        assert capture_count(archive) == COUNT and packed_rows(archive) == COUNT
        assert [archive.blobs.get(sha256_hex(c.body)) for c in captures()] == [c.body for c in captures()]
        assert archive.blobs.remove_temporaries() == [Path(orphan)]
        assert archive.check().clean and len(packs(archive)) == 1
    finally:
        archive.close()


def test_a_packed_archive_exports_to_warc_and_imports_back(archive: Archive, tmp_path: Path) -> None:
    batch = captures()
    archive.ingest_many(batch, parse=False)
    export_warc(archive, tmp_path / "packed.warc.gz")
    copy = Archive.open(tmp_path / "copy")
    try:
        import_warc(copy, tmp_path / "packed.warc.gz", parse=False, batch_size=COUNT)
        with copy.session() as session:
            bodies = {c.url: copy.body(c) for c in session.scalars(select(Capture))}
        assert bodies == {c.url: c.body for c in batch}
        assert len(packs(copy)) == 1 and copy.check().clean
    finally:
        copy.close()


def test_exporting_with_a_pack_gone_fails_naming_a_capture(archive: Archive, tmp_path: Path) -> None:
    archive.ingest_many(captures(), parse=False)
    os.unlink(packs(archive)[0])
    with pytest.raises(WarcError, match="example.gov.cn/art/0.html.*missing"):
        export_warc(archive, tmp_path / "packed.warc.gz")
    check = archive.check()
    assert (check.missing, check.corrupt) == (sorted(sha256_hex(c.body) for c in captures()), [])
