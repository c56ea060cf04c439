"""The whole report is searchable: headings and the tables' labels and numbers too, at every
query length, on SQLite and PostgreSQL; archives made before are brought in step by migration
0007 and `nianbao db reindex`."""

from __future__ import annotations

import importlib.util

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import text

from nianbao.commands import main
from nianbao.devportal.documents import sample_tables
from nianbao.devportal.render import render_html_page
from storage import Archive, search_index
from storage.db import MIGRATIONS
from storage.search import SearchQuery, search

TABLE_PAGE = "https://x.gov.cn/tables.html"
NARRATIVE_ONLY = "https://x.gov.cn/narrative.txt"
# A report with narrative only: no table, no word of table 四.
NARRATIVE = ("某某局2023年政府信息公开工作年度报告\n一、总体情况\n本局扎实推进政务公开工作。\n"
             "二、主动公开政府信息情况\n本年主动公开信息一百条。\n三、收到和处理政府信息公开申请情况\n"
             "本年未收到申请。\n五、存在的主要问题及改进情况\n培训不够。\n六、其他需要报告的事项\n无。\n").encode()


def _fill(archive: Archive, ingest) -> None:
    # The portal page's narrative never says 复议: the word is in its table 四 only.
    page = render_html_page(sample_tables("2021", agency="某某局", year=2023)).encode()
    assert ingest(archive, TABLE_PAGE, page, content_type="text/html").report_id
    assert ingest(archive, NARRATIVE_ONLY, NARRATIVE).report_id


def _urls(archive: Archive, query: str) -> list[str]:
    return sorted(hit.url for hit in search(archive, SearchQuery(query, per_page=50)).hits)


def _narrative_texts(archive: Archive) -> None:
    """Make the archive's texts what they were before the tables were indexed (title and
    narrative), index included."""
    from parsing.schema import SECTION_KEYS

    with archive.engine.begin() as connection:
        for version_id, record in connection.execute(text("SELECT id, record FROM report_versions")).all():
            record = search_index._record(record)
            old = "\n".join(t for t in [record.get("title") or "", *(record["sections"].get(k) for k in SECTION_KEYS)] if t)
            connection.execute(text("UPDATE report_versions SET text = :t WHERE id = :id"), {"t": old, "id": version_id})
        search_index.recreate(connection)


def test_search_finds_a_report_by_its_tables_words_at_every_length(archive: Archive, ingest) -> None:
    _fill(archive, ingest)
    for query in ("议", "复议", "行政复议", "未经复议直接起诉", "结果纠正", "不予公开"):
        assert _urls(archive, query) == [TABLE_PAGE], query
    both = _urls(archive, "政务公开")  # the narrative still is searched
    assert both == sorted([TABLE_PAGE, NARRATIVE_ONLY])
    hit = search(archive, SearchQuery("复议")).hits[0]
    assert any(matched and segment == "复议" for segment, matched in hit.snippet)


def test_migration_0007_makes_an_older_archive_find_table_words(archive: Archive, ingest) -> None:
    _fill(archive, ingest)
    _narrative_texts(archive)
    assert _urls(archive, "复议") == [] and _urls(archive, "行政复议") == []
    spec = importlib.util.spec_from_file_location("m0007", MIGRATIONS / "versions" / "0007_search_whole_document.py")
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with archive.engine.begin() as connection, Operations.context(MigrationContext.configure(connection)):
        migration.upgrade()
    assert _urls(archive, "复议") == _urls(archive, "行政复议") == [TABLE_PAGE]
    with archive.engine.connect() as connection:
        assert search_index.verify(connection) == []


def test_db_reindex_rewrites_texts_and_rebuilds_the_index(tmp_path, monkeypatch, ingest) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("NIANBAO_DATA", str(data))
    monkeypatch.delenv("NIANBAO_DATABASE_URL", raising=False)
    archive = Archive.open(data)
    _fill(archive, ingest)
    _narrative_texts(archive)
    assert _urls(archive, "复议") == []
    result = CliRunner().invoke(main, ["db", "reindex"])
    assert result.exit_code == 0, result.output
    assert "2 report versions indexed (2 texts rewritten)" in result.output
    assert _urls(archive, "复议") == [TABLE_PAGE]
    again = CliRunner().invoke(main, ["db", "reindex"])
    assert "(0 texts rewritten)" in again.output
    archive.close()
