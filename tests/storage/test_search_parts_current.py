"""PostgreSQL search from the parts alone (storage.search: _Compiler.matches_sql): the parts'
copy of `is_current` (search_parts.is_current, migration 0014) follows new versions, is set by
the migration on an existing database and checked by `verify`; and a page past the rank window
continues the order of the pages inside it."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import text

from storage import Archive, CaptureIn, search_index
from storage.db import MIGRATIONS
from storage.search import SearchQuery, search
from storage.search_syntax import And, Not, Term, parse_query
from storage.textnorm import normalize

UTC = dt.timezone.utc


def _ingest(archive: Archive, url: str, body: str, day: int) -> None:
    archive.ingest(CaptureIn(url, body.encode(), dt.datetime(2024, 3, day, 12, tzinfo=UTC),
                             content_type="text/plain", agency="机关甲"))


def _fill(archive: Archive, seeds: list[Path]) -> None:
    """Three reports, the first in two versions (its first no longer current)."""
    for index in range(3):
        body = seeds[index % len(seeds)].read_text(encoding="utf-8")
        _ingest(archive, f"https://x.gov.cn/{index}.html",
                body.replace("一、总体情况\n", f"一、总体情况\n蜂鸟计划第{index}号。\n", 1), 1 + index)
    body = seeds[0].read_text(encoding="utf-8")
    _ingest(archive, "https://x.gov.cn/0.html", body.replace("一、总体情况\n", "一、总体情况\n蜂鸟计划改版。\n", 1), 9)


def _flags(archive: Archive) -> tuple[dict[int, bool], dict[int, bool]]:
    """Version id -> is_current, as the entries and as their parts say."""
    with archive.engine.connect() as connection:
        entries = dict(connection.execute(text("SELECT version_id, is_current FROM search_entries")).all())
        parts = dict(connection.execute(text("SELECT version_id, bool_and(is_current) FROM search_parts "
                                             "GROUP BY version_id")).all())
    return entries, parts


def _migration_0014():
    spec = importlib.util.spec_from_file_location(
        "m0014", MIGRATIONS / "versions" / "0014_search_parts_current.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _totals(archive: Archive) -> dict[str, tuple[int, int]]:
    return {q: (search(archive, SearchQuery(q)).total, search(archive, SearchQuery(q, all_versions=True)).total)
            for q in ("蜂鸟计划", "蜂鸟计划改版", "改版", "蜂鸟计划第0号", "第0号")}


def test_parts_carry_the_current_flag_through_new_versions_migration_and_verify(
        tmp_path: Path, fresh_postgres_url: str, paths) -> None:
    archive = Archive.open(tmp_path, fresh_postgres_url)
    try:
        _fill(archive, paths.seed_reports())
        entries, parts = _flags(archive)
        assert parts == entries and sorted(entries.values()) == [False, True, True, True]
        totals = _totals(archive)
        # The first version of report 0 is found with all_versions only.
        assert totals == {"蜂鸟计划": (3, 4), "蜂鸟计划改版": (1, 1), "改版": (1, 1),
                          "蜂鸟计划第0号": (0, 1), "第0号": (0, 1)}
        migration = _migration_0014()
        with archive.engine.begin() as connection, Operations.context(MigrationContext.configure(connection)):
            migration.downgrade()  # an archive from before 0014: no flag on the parts
            assert "is_current" not in {c for (c,) in connection.execute(text(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'search_parts'"))}
            migration.upgrade()  # added true everywhere, then the old version's parts set false
            assert search_index.verify(connection) == []
        assert _flags(archive)[1] == entries
        assert _totals(archive) == totals
        with archive.engine.begin() as connection:  # a copy out of step is reported, and repaired
            connection.execute(text("UPDATE search_parts SET is_current = NOT is_current WHERE version_id = "
                                    "(SELECT min(version_id) FROM search_entries)"))
            assert search_index.verify(connection) == [
                "1 text parts (search_parts) disagree with their entry on which version is current"]
            search_index.refresh_current(connection)
            assert search_index.verify(connection) == []
        # A revisit of the first payload makes its version current again: the parts follow.
        body = paths.seed_reports()[0].read_text(encoding="utf-8")
        _ingest(archive, "https://x.gov.cn/0.html", body.replace("一、总体情况\n", "一、总体情况\n蜂鸟计划第0号。\n", 1), 12)
        entries, parts = _flags(archive)
        assert parts == entries and sorted(entries.values()) == [False, True, True, True]
        assert search(archive, SearchQuery("蜂鸟计划第0号")).total == 1
        assert search(archive, SearchQuery("蜂鸟计划改版")).total == 0
    finally:
        archive.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_pages_inside_and_past_the_rank_window_follow_one_order(
        tmp_path: Path, backend: str, request: pytest.FixtureRequest, paths) -> None:
    url = (f"sqlite:///{tmp_path / 'nianbao.sqlite3'}" if backend == "sqlite"
           else request.getfixturevalue("fresh_postgres_url"))
    archive = Archive.open(tmp_path, url)
    try:
        seeds = paths.seed_reports()
        for index in range(7):
            body = seeds[index % len(seeds)].read_text(encoding="utf-8")
            _ingest(archive, f"https://x.gov.cn/{index}.html",
                    body.replace("一、总体情况\n", "一、总体情况\n" + "蜂鸟" * (1 + index % 4) + "。\n", 1), 1 + index)
        for query in ("蜂鸟", "蜂鸟 OR 鲲鹏", "公开 蜂鸟"):
            whole = search(archive, SearchQuery(query, per_page=200), rank_window=3)
            assert whole.total == 7
            pages = [search(archive, SearchQuery(query, page=page, per_page=2), rank_window=3) for page in range(1, 5)]
            assert {page.total for page in pages} == {7}
            assert ([(hit.version_id, hit.score) for page in pages for hit in page.hits]
                    == [(hit.version_id, hit.score) for hit in whole.hits]), query
            if backend == "postgresql":  # the newest rank_window matches scored, the others after them
                assert all(hit.score > 0 for hit in whole.hits[:3]), query
                assert [hit.score for hit in whole.hits[3:]] == [0.0] * 4, query
    finally:
        archive.close()


def _holds(node, normalized: str) -> bool:
    if isinstance(node, Term):
        return node.text in normalized
    if isinstance(node, Not):
        return not _holds(node.part, normalized)
    parts = [_holds(part, normalized) for part in node.parts]
    return all(parts) if isinstance(node, And) else any(parts)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_filtered_matches_are_the_oracles_within_the_filter(
        tmp_path: Path, backend: str, request: pytest.FixtureRequest, paths) -> None:
    """With a filter, PostgreSQL intersects the terms' matches with the filtered versions (and cuts
    a long term's candidates and a NOT's universe to them): the same as checking each text."""
    url = (f"sqlite:///{tmp_path / 'nianbao.sqlite3'}" if backend == "sqlite"
           else request.getfixturevalue("fresh_postgres_url"))
    archive = Archive.open(tmp_path, url)
    try:
        seeds = paths.seed_reports()
        extras = ["蜂鸟计划之外，行政复议纠正案件三件。", "蜂鸟计划之内。", "鲲鹏计划，行政复议纠正案件。", ""]
        for index in range(8):
            body = seeds[index % len(seeds)].read_text(encoding="utf-8")
            body = body.replace("一、总体情况\n", f"一、总体情况\n{extras[index % 4]}\n", 1)
            archive.ingest(CaptureIn(f"https://x.gov.cn/{index}.html", body.encode(),
                                     dt.datetime(2024, 3, 1 + index, 12, tzinfo=UTC),
                                     content_type="text/plain", agency=f"机关{index % 2}"))
        with archive.engine.connect() as connection:
            agency_of = dict(connection.execute(text(
                "SELECT v.id, r.agency_name FROM report_versions v JOIN reports r ON r.id = v.report_id")).all())
        texts = {version.id: normalize(version.text) for _, version, _ in archive.latest_versions()}
        found = 0
        for query in ("蜂鸟计划之外", "行政复议纠正案件", "蜂鸟 -行政复议纠正案件", "NOT 蜂鸟计划", "蜂鸟计划之内 OR 鲲鹏",
                      "复议 蜂鸟", "行政复议纠正案件 -鲲鹏计划 OR 之内"):
            node = parse_query(query)
            for agency in ("机关0", "机关1"):
                expected = sorted(vid for vid, body in texts.items() if agency_of[vid] == agency and _holds(node, body))
                result = search(archive, SearchQuery(query, agency=agency, per_page=200))
                assert (result.total, sorted(hit.version_id for hit in result.hits)) == (len(expected), expected), \
                    (query, agency)
                found += bool(expected)
        assert found >= 8
    finally:
        archive.close()
