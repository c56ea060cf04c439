"""A batch's writes (issue 17): `Archive.ingest_batch` works out a batch's reports and versions in
memory and writes each table once; every row of every table, ids included, must be the one that
ingesting the same captures one at a time writes. The batch is varied: new reports, revisits, a
changed payload at the same URL, pages that are not reports (parse errors), 404s, the same URL
and time twice, captures out of time order, and filings of each kind (`file_under`: under a
registry agency, under a name only, refused as not a report; or the capture's own agency).
Runs on SQLite and on PostgreSQL (tests/plugins/archive.py), each against its own backend."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import random
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from nianbao.devportal.sample_crawl import sample_crawl
from storage import Archive
from storage.archive import Filing, IngestItem, IngestResult
from storage.models import Capture

pytestmark = pytest.mark.date_blind  # two write paths compared on one clock

SAMPLE = 70
BATCH = 20  # batch edges fall between a report and its revisits
# Not compared: the moment a version row was written, which pack file holds a payload (one-by-one
# ingests write loose blobs), the change counter (a token that moves on updates, not data).
SKIPPED_COLUMNS = {"created_at"}
SKIPPED_TABLES = {"alembic_version", "blob_packs", "archive_changes"}
FTS_TABLES = ("search_trigram", "search_short")  # contentless: their rowids are what they hold


def _filing(kind: int) -> object:
    if kind == 0:
        return lambda record: Filing(agency="江苏省人民政府办公厅")
    if kind == 1:
        return lambda record: Filing(agency=None, agency_name=f"{record.agency or '某'}（自称）")
    if kind == 2:
        return lambda record: Filing(not_a_report="a reading of a report, not the report")
    return None


def varied_items() -> list[IngestItem]:
    sample = sample_crawl(SAMPLE)
    captures = [s.capture for s in sample]
    items = []
    for n, capture in enumerate(captures):
        kind = n % 5
        agency = f"某区{n % 3}局" if kind == 3 else None
        items.append(IngestItem(replace(capture, agency=agency), file_under=_filing(kind)))
    items.insert(35, items[10])  # the same URL and time twice, in another batch
    items.insert(15, items[16])  # and within one
    items.insert(40, IngestItem(replace(items[5].capture, body=b"another payload")))  # refused: a conflict
    # Out of time order, as from several WARC files: revisits of a payload a URL showed before
    # another, captures older than the reports' first.
    random.Random(17).shuffle(items)
    # A page changed, then showing its first payload again, within one batch: the change's
    # report is written as if that revisit, stored after it, were not seen yet.
    first, second = [s.capture for s in sample if s.kind == "report"][:2]
    url = "https://www.example.gov.cn/art/2024/2/1/back.html"
    at = first.captured_at - dt.timedelta(days=1)
    shown = [replace(first, url=url, captured_at=at), replace(second, url=url, captured_at=at + dt.timedelta(hours=2)),
             replace(first, url=url, captured_at=at + dt.timedelta(hours=3))]
    return [IngestItem(shown[0]), *items, IngestItem(shown[1]), IngestItem(shown[2])]


def rows(archive: Archive) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows (ids included), in a form both backends compare by."""
    out: dict[str, list[tuple[object, ...]]] = {}
    with archive.engine.connect() as connection:
        inspector = inspect(connection)
        names = set(inspector.get_table_names())
        shadows = {name for name in names for fts in FTS_TABLES if name.startswith(fts + "_")}
        for name in sorted(names - SKIPPED_TABLES - shadows - set(FTS_TABLES)):
            columns = [c["name"] for c in inspector.get_columns(name) if c["name"] not in SKIPPED_COLUMNS]
            result = connection.execute(text(f"SELECT {', '.join(columns)} FROM {name}"))
            out[name] = sorted((tuple(_plain(value) for value in row) for row in result), key=repr)
        for fts in FTS_TABLES:
            if fts in names:
                out[fts] = sorted(connection.execute(text(f"SELECT rowid FROM {fts}")).all())
    return out


def _plain(value: object) -> object:
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


@pytest.fixture
def second_database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """Another empty archive's database on the same backend."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'one-by-one' / 'nianbao.sqlite3'}"
    return request.getfixturevalue("new_postgres_database")()


def test_batch_writes_every_row_one_by_one_ingests_write(archive: Archive, tmp_path: Path,
                                                         second_database_url: str) -> None:
    items = varied_items()
    batched: list[IngestResult | Exception] = []
    for start in range(0, len(items), BATCH):
        batched += archive.ingest_batch(items[start:start + BATCH])
    one_by_one = Archive.open(tmp_path / "one-by-one", second_database_url)
    try:
        singly = [one_by_one.ingest_batch([item])[0] for item in items]
        want = rows(one_by_one)
    finally:
        one_by_one.close()
    got = rows(archive)
    assert [repr(r) for r in batched] == [repr(r) for r in singly]
    assert got.keys() == want.keys()
    for table in want:
        assert got[table] == want[table], table
    # The batch was as varied as it says: each kind of outcome and of row is there.
    results = [r for r in batched if isinstance(r, IngestResult)]
    assert {r.status for r in results} == {"new", "revisit", "exists"}
    assert any(r.parse_error for r in results) and any(r.new_version for r in results)
    assert any(not isinstance(r, IngestResult) for r in batched)  # a changed payload at an archived url and time
    assert len(want["report_versions"]) > len(want["reports"]) > 0  # changed payloads: versions of one report
    assert {row[1] for row in want["agencies"]} >= {"江苏省人民政府办公厅", "某区0局"}
    assert want["search_numbers"]
    with archive.session() as session:
        stored_errors = dict(session.execute(select(Capture.id, Capture.parse_error)).all())
    assert {r.capture_id: r.parse_error for r in results if r.status == "new"} == {
        r.capture_id: stored_errors[r.capture_id] for r in results if r.status == "new"}
