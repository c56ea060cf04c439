"""The index follows the archive: new versions, revisits, reparse, PDF and DOCX reports, the
migration's back-fill; current versions agree with Archive.latest_versions()."""

from __future__ import annotations

import importlib.util

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from storage import Archive, search_index
from storage.db import MIGRATIONS
from storage.search import SearchQuery, search
from nianbao.devportal.documents import render_docx, render_pdf, sample_tables


def urls(archive: Archive, query: str, **filters) -> list[str]:
    return sorted(h.url for h in search(archive, SearchQuery(query, per_page=200, **filters)).hits)


def current_ids(archive: Archive) -> set[int]:
    return {h.version_id for h in search(archive, SearchQuery("", per_page=200)).hits}


def test_search_finds_text_from_a_pdf_and_a_docx_report(archive: Archive, ingest) -> None:
    pdf = ingest(archive, "https://x.gov.cn/r.pdf", render_pdf(sample_tables(agency="淮安市蜂鸟局")),
                 content_type="application/pdf")
    docx = ingest(archive, "https://x.gov.cn/r.docx", render_docx(sample_tables(agency="宿迁市鲲鹏局")),
                  content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert pdf.new_version and docx.new_version
    assert urls(archive, "淮安市蜂鸟局") == ["https://x.gov.cn/r.pdf"]  # 6 characters, from the PDF
    assert urls(archive, "鲲鹏局") == ["https://x.gov.cn/r.docx"]
    assert urls(archive, "鲲鹏") == ["https://x.gov.cn/r.docx"]
    assert urls(archive, "蜂") == ["https://x.gov.cn/r.pdf"]
    # the renderers print full-width punctuation (（一）主动公开); a half-width query finds it
    assert urls(archive, "(一)主动公开") == ["https://x.gov.cn/r.docx", "https://x.gov.cn/r.pdf"]
    [hit] = search(archive, SearchQuery("鲲鹏局")).hits
    assert {s for s, m in hit.snippet if m} == {"鲲鹏局"}


def test_index_follows_new_versions_and_revisits(archive: Archive, ingest, seed_body, version_texts) -> None:
    url = "https://x.gov.cn/edited.html"
    ingest(archive, url, seed_body(0, "初稿写明蜂鸟计划。"), day=1)
    assert urls(archive, "蜂鸟计划") == [url]
    ingest(archive, url, seed_body(0, "修改后写明鲲鹏计划。"), day=2)  # the report was edited
    assert urls(archive, "蜂鸟计划") == []
    assert urls(archive, "鲲鹏计划") == [url]
    old = search(archive, SearchQuery("蜂鸟计划", all_versions=True)).hits
    assert [h.is_current for h in old] == [False]
    assert len(search(archive, SearchQuery("计划", all_versions=True)).hits) == 2
    ingest(archive, url, seed_body(0, "初稿写明蜂鸟计划。"), day=3)  # back to the first text: a revisit
    assert urls(archive, "蜂鸟计划") == [url] and urls(archive, "鲲鹏计划") == []
    assert current_ids(archive) == set(version_texts(archive))  # the same choice as latest_versions()


def test_index_follows_reparse_of_captures_not_parsed_before(archive: Archive, ingest, seed_body) -> None:
    ingest(archive, "https://x.gov.cn/late.html", seed_body(1, "后来才解析的鲲鹏报告。"), parse=False)
    assert urls(archive, "鲲鹏报告") == []
    summary = archive.reparse()
    assert summary.new_versions == 1
    assert urls(archive, "鲲鹏报告") == ["https://x.gov.cn/late.html"]
    archive.reparse()  # nothing new: nothing indexed twice
    with archive.engine.connect() as connection:
        entries = connection.scalar(text("SELECT count(*) FROM search_entries"))
        versions = connection.scalar(text("SELECT count(*) FROM report_versions"))
    assert entries == versions == 1


def test_migration_back_fills_versions_archived_before_search(
    archive: Archive, ingest, seed_body, version_texts
) -> None:
    for i in range(3):
        ingest(archive, f"https://x.gov.cn/{i}.html", seed_body(i, f"编号{i}的鲲鹏段落。"))
    ingest(archive, "https://x.gov.cn/0.html", seed_body(0, "改过的段落。"), day=5)
    before = {q: urls(archive, q) for q in ("鲲鹏段落", "鲲鹏", "改过", "编号0")}
    # Run 0002's own upgrade() on a database whose index tables are gone, as on an archive
    # made before search existed. (Not a full downgrade to 0001: that would run 0003's too.)
    spec = importlib.util.spec_from_file_location("m0002", MIGRATIONS / "versions" / "0002_search.py")
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with archive.engine.begin() as connection:
        search_index.drop_tables(connection)
        assert "search_entries" not in inspect(connection).get_table_names()
        with Operations.context(MigrationContext.configure(connection)):
            migration.upgrade()
    assert {q: urls(archive, q) for q in before} == before
    assert before["编号0"] == [] and len(before["鲲鹏段落"]) == 2 and before["改过"] == ["https://x.gov.cn/0.html"]
    assert current_ids(archive) == set(version_texts(archive))


def test_db_check_finds_an_index_out_of_step_and_repair_rebuilds_it(
        tmp_path, monkeypatch, ingest, seed_body) -> None:
    from click.testing import CliRunner

    from nianbao.commands import main

    data = tmp_path / "data"
    monkeypatch.setenv("NIANBAO_DATA", str(data))
    monkeypatch.delenv("NIANBAO_DATABASE_URL", raising=False)
    archive = Archive.open(data)
    for i in range(2):
        ingest(archive, f"https://x.gov.cn/{i}.html", seed_body(i, f"鲲鹏{i}号。"))
    assert CliRunner().invoke(main, ["db", "check"]).exit_code == 0
    with archive.engine.begin() as connection:
        connection.execute(text("DELETE FROM search_entries WHERE version_id = (SELECT min(id) FROM report_versions)"))
    result = CliRunner().invoke(main, ["db", "check"])
    assert result.exit_code == 1 and "1 report versions are not in the search index" in result.output
    result = CliRunner().invoke(main, ["db", "check", "--repair"])
    assert "search index rebuilt" in result.output and result.output.strip().endswith("clean")
    assert result.exit_code == 0
    assert len(search(archive, SearchQuery("鲲鹏")).hits) == 2  # each once
    archive.close()
