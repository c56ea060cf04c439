"""Ingest throughput: captures/s through `Archive.ingest` into SQLite and into PostgreSQL, with
and without parsing, beside raw `executemany` inserts of the same capture rows into the same
`captures` table (the baseline, measured in the same run), so the figures show what blob
writes (fsynced), parsing and one transaction per capture cost.

    .venv/bin/python bench/ingest.py [--count 1000] [--backends sqlite,postgresql]

The captures are nianbao/devportal/sample_crawl.py's: text reports in every shape (~3 KB),
republished reports, revisits, notices, news pages and 404s. PostgreSQL is a throwaway server
(nianbao/devportal/postgres_server.py) with fsync and synchronous_commit on, as in production; SQLite is in WAL
mode with synchronous=NORMAL, as storage/db.py opens it. Everything lives in a temporary folder
on the same disk.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import Engine

from parsing import ParseError, parse_report
from storage import Archive, BlobStore, CaptureIn
from storage.blobs import sha256_hex
from storage.db import make_engine, migrate
from nianbao.devportal.postgres_server import throwaway_server
from nianbao.devportal.sample_crawl import sample_crawl

CAPTURE_COLUMNS = ("url", "final_url", "status", "reason", "http_version", "headers", "captured_at",
                   "content_type", "sha256", "size", "run_id", "revisit_of", "source", "parse_error")


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def capture_rows(captures: list[CaptureIn], sqlite: bool) -> list[tuple]:
    """The rows `ingest` would write, ready for the driver (digests computed beforehand)."""
    rows = []
    for c in captures:
        at = c.captured_at.isoformat(sep=" ") if sqlite else c.captured_at
        rows.append((c.url, c.final_url, c.status, c.reason, c.http_version, json.dumps([list(h) for h in c.headers]),
                     at, c.content_type, sha256_hex(c.body), len(c.body), None, None, c.source, None))
    return rows


def raw_executemany(engine: Engine, rows: list[tuple], sqlite: bool) -> float:
    """Seconds for one DBAPI executemany of every row and one commit."""
    marks = ", ".join(["?" if sqlite else "%s"] * len(CAPTURE_COLUMNS))
    sql = f"INSERT INTO captures ({', '.join(CAPTURE_COLUMNS)}) VALUES ({marks})"
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        start = time.perf_counter()
        cursor.executemany(sql, rows)
        connection.commit()
        return time.perf_counter() - start
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


def bench_backend(backend: str, captures: list[CaptureIn], scratch: Path) -> dict[str, float]:
    sqlite = backend == "sqlite"
    rates: dict[str, float] = {}
    with database_urls(backend, scratch) as new_database:
        engine = make_engine(new_database("baseline"))
        migrate(engine)
        rates["baseline"] = len(captures) / raw_executemany(engine, capture_rows(captures, sqlite), sqlite)
        engine.dispose()
        for label, parse in (("ingest, no parse", False), ("ingest + parse", True)):
            archive = Archive.open(scratch / f"{backend}-{parse}", new_database(f"ingest_{parse}".lower()))
            seconds = timed(lambda: [archive.ingest(c, parse=parse) for c in captures])  # noqa: B023
            archive.close()
            rates[label] = len(captures) / seconds
    return rates


def parse_all(captures: list[CaptureIn]) -> None:
    for c in captures:
        if c.status == 200:
            with contextlib.suppress(ParseError):
                parse_report(c.body, c.url, c.content_type)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="captures per measurement")
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    args = parser.parse_args()

    captures = [s.capture for s in sample_crawl(args.count)]
    kb = sum(len(c.body) for c in captures) / len(captures) / 1024
    print(f"{len(captures)} captures, {kb:.1f} KB average, {len({c.body for c in captures})} distinct payloads")
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
        scratch = Path(tmp)
        store = BlobStore(scratch / "blobs-only")
        blob_rate = len(captures) / timed(lambda: [store.put(c.body) for c in captures])
        parse_rate = len(captures) / timed(lambda: parse_all(captures))
        print(f"blob store put alone   {blob_rate:8.0f} captures/s   (write, fsync, rename, fsync the folder)")
        print(f"parse_report alone     {parse_rate:8.0f} captures/s   (the 200s; notices and news refused)")
        for backend in args.backends.split(","):
            rates = bench_backend(backend, captures, scratch)
            base = rates["baseline"]
            print(f"{backend}")
            print(f"  executemany baseline {base:8.0f} captures/s   (one DBAPI executemany, one commit)")
            for label in ("ingest, no parse", "ingest + parse"):
                print(f"  {label:20} {rates[label]:8.0f} captures/s   ({1000 / rates[label]:.1f} ms each;"
                      f" {base / rates[label]:.0f}x the baseline's time)")


if __name__ == "__main__":
    main()
