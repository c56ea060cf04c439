"""`nianbao import --warc --no-parse` archives the captures only; `nianbao reparse` makes the
same reports later as a parsed import makes at once. A page the report gate (parsing/gate.py)
refuses is archived exactly, its refusal kept as the capture's parse error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from nianbao.commands import main
from nianbao.devportal.sample_crawl import sample_crawl
from storage import Archive, CaptureIn
from storage.models import Capture, Report, ReportVersion
from storage.warc import export_warc, import_warc


@pytest.fixture
def warc(tmp_path: Path) -> Path:
    source = Archive.open(tmp_path / "source")
    try:
        source.ingest_many([s.capture for s in sample_crawl(40)], parse=False)
        path = tmp_path / "crawl.warc.gz"
        export_warc(source, path)
    finally:
        source.close()
    return path


def reports_of(archive: Archive) -> set[tuple[str, int | None, str]]:
    with archive.session() as session:
        return {(r.url, r.year, v.record_sha256) for r, v in session.execute(
            select(Report, ReportVersion).join(ReportVersion, ReportVersion.report_id == Report.id))}


def count(archive: Archive, model) -> int:
    with archive.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_import_no_parse_then_reparse_makes_the_reports_a_parsed_import_makes(
    warc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed = Archive.open(tmp_path / "parsed")
    summary = import_warc(parsed, warc, parse_workers=0)
    assert summary.reports > 0
    monkeypatch.setenv("NIANBAO_DATA", str(tmp_path / "later"))
    monkeypatch.delenv("NIANBAO_DATABASE_URL", raising=False)
    runner = CliRunner()
    imported = runner.invoke(main, ["import", "--warc", str(warc), "--no-parse"])
    assert imported.exit_code == 0, imported.output
    assert f"{summary.imported} captures imported" in imported.output and "0 new report versions" in imported.output
    later = Archive.open(tmp_path / "later")
    try:
        assert (count(later, Capture), count(later, Report), count(later, ReportVersion)) == (
            count(parsed, Capture), 0, 0)
        with later.session() as session:
            assert session.scalar(select(func.count()).where(Capture.parse_error.is_not(None))) == 0
        reparsed = runner.invoke(main, ["reparse"])
        assert reparsed.exit_code == 0, reparsed.output
        assert reports_of(later) == reports_of(parsed)
        assert later.check().clean
    finally:
        later.close()
        parsed.close()


def news_capture(n: int) -> CaptureIn:
    body = (f"<html><head><title>政务动态 {n}</title></head><body><p>会议传达学习了有关文件精神,"
            f"部署下一阶段重点工作。</p></body></html>").encode()
    return CaptureIn(url=f"https://www.example.gov.cn/art/{n}.html", body=body,
                     captured_at=dt.datetime(2024, 2, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=n),
                     content_type="text/html; charset=utf-8")


def test_a_page_the_gate_refuses_is_archived_exactly_with_its_refusal(tmp_path: Path) -> None:
    archive = Archive.open(tmp_path / "data")
    try:
        news = [news_capture(n) for n in range(12)]
        results = archive.ingest_many(news)
        with archive.session() as session:
            rows = session.scalars(select(Capture).order_by(Capture.id)).all()
        assert [r.parse_error for r in results] == [r.parse_error for r in rows]
        assert all("seen before parsing" in row.parse_error for row in rows)
        assert [archive.body(row) for row in rows] == [c.body for c in news]
        assert count(archive, Report) == 0
    finally:
        archive.close()
