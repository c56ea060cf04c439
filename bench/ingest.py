"""Ingest throughput: captures/s through `Archive.ingest` (one capture per transaction) and
through the group commit (`Archive.ingest_batch` called batch by batch; and `GroupCommit`, the
crawl's and the WARC import's path, one capture at a time with batches pipelined: the next
prepared while one commits) into SQLite and into PostgreSQL, with and without parsing (in this
process; the crawl parses in worker processes), beside raw `executemany` inserts of the same capture rows into the same
`captures` table (the baseline, measured in the same run); then `import_warc` (what `nianbao
import --warc` runs) in records/s on two WARC files written by `export_warc`, parsing (as the
command does) and not (`parse=False`: what storing alone costs). Every figure is printed with
the CPU milliseconds this process spent per capture (or record), all threads: on a shared
machine the wall clock moves with everyone else's load.

    .venv/bin/python bench/ingest.py [--count 1000] [--batch 500] [--backends sqlite,postgresql]
                                     [--warc-captures 5500] [--one-by-one 300] [--unparsed-only]

The captures are nianbao/devportal/sample_crawl.py's: text reports in every shape (~3 KB),
republished reports, revisits, notices, news pages and 404s. The WARC files: the same sample
(`--warc-captures` captures, half of them reports to parse), and as many small captures (news
and list pages of ~1 KB, 404s, revisits of earlier pages: what most of a crawl's WARC is);
each capture is a response (or revisit) record and a request record, plus one warcinfo.
PostgreSQL is a throwaway server (nianbao/devportal/postgres_server.py) with fsync and
synchronous_commit on, as in production; SQLite is in WAL mode with synchronous=NORMAL, as
storage/db.py opens it. Everything lives in a temporary folder on the same disk.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import json
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import Engine

from parsing import ParseError, parse_report
from storage import Archive, BlobStore, CaptureIn
from storage.archive import IngestItem
from storage.blobs import sha256_hex
from storage.db import make_engine, migrate
from storage.group_commit import GroupCommit
from storage.blobs import BlobBatch

# Blob packs (issue 17) are absent from the code before them, which this bench also measures.
if hasattr(BlobBatch, "seal"):
    from storage.packs import PackIndex
else:
    PackIndex = None
from storage.warc import export_warc, import_warc
from nianbao.devportal.postgres_server import throwaway_server
from nianbao.devportal.sample_crawl import sample_crawl

CAPTURE_COLUMNS = ("url", "final_url", "status", "reason", "http_version", "headers", "captured_at",
                   "content_type", "sha256", "size", "run_id", "revisit_of", "source", "parse_error")


@dataclasses.dataclass(frozen=True)
class Rate:
    """Things done per second by the wall clock, and CPU milliseconds each (every thread of this
    process: the machine is shared, so the CPU time says what the wall time cannot)."""

    per_second: float
    cpu_ms: float

    def __str__(self) -> str:
        return f"{self.per_second:8.0f}/s  {self.cpu_ms:6.2f} CPU ms each"


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of `fn()`."""
    start, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - start, time.process_time() - cpu


def rate(count: int, fn: Callable[[], object]) -> Rate:
    wall, cpu = timed(fn)
    return Rate(count / wall, 1000 * cpu / count)


def capture_rows(captures: list[CaptureIn], sqlite: bool) -> list[tuple]:
    """The rows `ingest` would write, ready for the driver (digests computed beforehand)."""
    rows = []
    for c in captures:
        at = c.captured_at.isoformat(sep=" ") if sqlite else c.captured_at
        rows.append((c.url, c.final_url, c.status, c.reason, c.http_version, json.dumps([list(h) for h in c.headers]),
                     at, c.content_type, sha256_hex(c.body), len(c.body), None, None, c.source, None))
    return rows


def raw_executemany(engine: Engine, rows: list[tuple], sqlite: bool) -> Rate:
    """One DBAPI executemany of every row and one commit."""
    marks = ", ".join(["?" if sqlite else "%s"] * len(CAPTURE_COLUMNS))
    sql = f"INSERT INTO captures ({', '.join(CAPTURE_COLUMNS)}) VALUES ({marks})"
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()

        def insert() -> None:
            cursor.executemany(sql, rows)
            connection.commit()

        return rate(len(rows), insert)
    finally:
        connection.close()


@contextlib.contextmanager
def database_urls(backend: str, scratch: Path) -> Iterator[Callable[[str], str]]:
    """A factory of fresh, empty databases on `backend`."""
    if backend == "sqlite":
        yield lambda name: f"sqlite:///{scratch / (name + '.sqlite3')}"
        return
    with throwaway_server(durable=True) as server:
        yield server.create_database


def in_batches(archive: Archive, captures: list[CaptureIn], batch: int, parse: bool) -> None:
    for start in range(0, len(captures), batch):
        archive.ingest_many(captures[start:start + batch], parse=parse)


def through_group_commit(archive: Archive, captures: list[CaptureIn], batch: int, parse: bool) -> None:
    """As the crawl stores: one capture at a time into a GroupCommit (batches pipelined)."""
    with GroupCommit(archive, max_count=batch, max_wait=60) as writer:
        for c in captures:
            writer.submit(IngestItem(c, parse))


def small_crawl(count: int, seed: int = 17) -> list[CaptureIn]:
    """Small captures that are no reports: news and list pages (~1 KB), 404s, and revisits of
    earlier pages, in time order."""
    rng = random.Random(seed)
    start = dt.datetime(2024, 2, 1, tzinfo=dt.UTC)
    pages: list[CaptureIn] = []
    out: list[CaptureIn] = []
    for n in range(count):
        at = start + dt.timedelta(seconds=n)
        kind = rng.choices(("page", "list", "missing", "revisit"), (40, 20, 20, 20))[0] if pages else "page"
        if kind == "revisit":
            out.append(dataclasses.replace(rng.choice(pages), captured_at=at))
            continue
        host = f"https://www.example{n % 13}.gov.cn"
        if kind == "missing":
            url, body, status = f"{host}/gone/{n}.html", b"404 Not Found", 404
        elif kind == "list":
            links = "".join(f'<li><a href="/art/{n}_{i}.html">工作动态 {n}-{i}</a><span>2024-01-{i % 28 + 1:02d}</span></li>'
                            for i in range(rng.randint(5, 12)))
            url, body, status = f"{host}/col/col{n}/index.html", f"<html><body><ul>{links}</ul></body></html>".encode(), 200
        else:
            text = "<p>会议传达学习了有关文件精神,部署下一阶段重点工作。</p>" * rng.randint(2, 8)
            url = f"{host}/art/2024/2/1/art_{n}.html"
            body, status = f"<html><head><title>政务动态 {n}</title></head><body>{text}</body></html>".encode(), 200
        capture = CaptureIn(url=url, body=body, captured_at=at, status=status, reason="OK" if status == 200 else "Not Found",
                            headers=(("Content-Type", "text/html; charset=utf-8"),), content_type="text/html; charset=utf-8")
        out.append(capture)
        if status == 200:
            pages.append(capture)
    return out


def bench_backend(backend: str, captures: list[CaptureIn], scratch: Path, batch: int, one_by_one: int,
                  parsing: tuple[bool, ...] = (False, True)) -> dict[str, Rate]:
    sqlite = backend == "sqlite"
    rates: dict[str, Rate] = {}
    with database_urls(backend, scratch) as new_database:
        engine = make_engine(new_database("baseline"))
        migrate(engine)
        rates["baseline"] = raw_executemany(engine, capture_rows(captures, sqlite), sqlite)
        engine.dispose()
        for parse in parsing:
            # One transaction per capture: the first `one_by_one` captures (it is slow).
            archive = Archive.open(scratch / f"{backend}-single-{parse}", new_database(f"single_{parse}".lower()))
            few = captures[:one_by_one]
            rates[f"ingest one by one{', parse' if parse else ''}"] = rate(
                len(few), lambda: [archive.ingest(c, parse=parse) for c in few])  # noqa: B023
            archive.close()
            archive = Archive.open(scratch / f"{backend}-batch-{parse}", new_database(f"batch_{parse}".lower()))
            rates[f"ingest_batch{', parse' if parse else ''}"] = rate(
                len(captures), lambda: in_batches(archive, captures, batch, parse))  # noqa: B023
            archive.close()
            archive = Archive.open(scratch / f"{backend}-group-{parse}", new_database(f"group_{parse}".lower()))
            rates[f"GroupCommit{', parse' if parse else ''}"] = rate(
                len(captures), lambda: through_group_commit(archive, captures, batch, parse))  # noqa: B023
            archive.close()
    return rates


def bench_warc(label: str, captures: list[CaptureIn], scratch: Path, batch: int,
               parsing: tuple[bool, ...] = (True, False)) -> None:
    """`import_warc` of an export of `captures` into a fresh SQLite archive: records/s."""
    source = Archive.open(scratch / f"warc-source-{label}")
    in_batches(source, captures, batch, parse=True in parsing)  # reports and agencies exported when parsed
    path = scratch / f"{label}.warc.gz"
    export_warc(source, path)
    source.close()
    kb = sum(len(c.body) for c in captures) / len(captures) / 1024
    for parse in parsing:
        target = Archive.open(scratch / f"warc-target-{label}-{parse}")
        summary = None

        def run() -> None:
            nonlocal summary
            summary = import_warc(target, path, batch_size=batch, parse=parse)  # noqa: B023

        seconds, cpu = timed(run)
        target.close()
        print(f"  {label + (', parsed' if parse else ', not parsed'):26} {summary.records / seconds:6.0f} records/s"
              f"  {1000 * cpu / summary.records:5.2f} CPU ms each  ({summary.records} records, {summary.imported}"
              f" captures ({kb:.1f} KB average), {summary.imported / seconds:.0f} captures/s;"
              f" {summary.reports} report versions)")


def put_batched(store: BlobStore, captures: list[CaptureIn], batch: int) -> None:
    """The payloads in blob batches of `batch`; a packed batch's index rows committed as the
    archive commits them (in one transaction, once the pack is durable)."""
    for start in range(0, len(captures), batch):
        blobs = store.batch()
        for c in captures[start:start + batch]:
            blobs.stage(c.body)
        entries = blobs.seal() if hasattr(blobs, "seal") else []
        blobs.durable()
        if entries:
            with store.index.engine.begin() as connection:
                store.index.record(connection, entries)


def parse_all(captures: list[CaptureIn]) -> None:
    for c in captures:
        if c.status == 200:
            with contextlib.suppress(ParseError):
                parse_report(c.body, c.url, c.content_type)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="captures per measurement")
    parser.add_argument("--batch", type=int, default=500, help="captures per group commit")
    parser.add_argument("--one-by-one", type=int, default=300, help="captures ingested one transaction each")
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--warc-captures", type=int, default=5500, help="captures in each WARC file (0: no WARC)")
    parser.add_argument("--unparsed-only", action="store_true",
                        help="skip the measurements that parse (minutes on a busy machine)")
    args = parser.parse_args()

    captures = [s.capture for s in sample_crawl(args.count)]
    kb = sum(len(c.body) for c in captures) / len(captures) / 1024
    print(f"{len(captures)} captures, {kb:.1f} KB average, {len({c.body for c in captures})} distinct payloads")
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
        scratch = Path(tmp)
        store = BlobStore(scratch / "blobs-only")
        blob_rate = rate(len(captures), lambda: [store.put(c.body) for c in captures])
        loose = BlobStore(scratch / "blobs-batched")
        loose_rate = rate(len(captures), lambda: put_batched(loose, captures, args.batch))
        print(f"blob store put alone     {blob_rate}   (write, fsync, rename, fsync the folder)")
        print(f"blob batches, loose      {loose_rate}   ({args.batch} a batch: a file each, fsyncs together)")
        if PackIndex is not None:
            engine = make_engine(f"sqlite:///{scratch / 'packs.sqlite3'}")
            migrate(engine)
            packed = BlobStore(scratch / "blobs-packed", PackIndex(engine))
            print(f"blob batches, packed     {rate(len(captures), lambda: put_batched(packed, captures, args.batch))}"
                  f"   ({args.batch} a batch: one pack file, its index rows in one transaction)")
            engine.dispose()
        if not args.unparsed_only:
            print(f"parse_report alone       {rate(len(captures), lambda: parse_all(captures))}"
                  "   (the 200s; notices and news refused)")
        for backend in args.backends.split(","):
            rates = bench_backend(backend, captures, scratch, args.batch, args.one_by_one,
                                  (False,) if args.unparsed_only else (False, True))
            base = rates["baseline"]
            print(f"{backend}")
            print(f"  executemany baseline   {base}   (one DBAPI executemany, one commit)")
            for label, measured in rates.items():
                if label != "baseline":
                    print(f"  {label:22} {measured}   ({1000 / measured.per_second:.2f} ms each;"
                          f" {base.per_second / measured.per_second:.0f}x the baseline's time)")
        if args.warc_captures:
            print(f"import_warc (SQLite, {args.batch} captures a transaction; parsed as `nianbao import --warc` does,"
                  " and not parsed: the storing alone)")
            parsing = (False,) if args.unparsed_only else (True, False)
            bench_warc("small pages", small_crawl(args.warc_captures), scratch, args.batch, parsing)
            bench_warc("sample crawl", [s.capture for s in sample_crawl(args.warc_captures)], scratch, args.batch,
                       parsing)


if __name__ == "__main__":
    main()
