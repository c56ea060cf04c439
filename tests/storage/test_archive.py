"""The archive on SQLite and on PostgreSQL: ingest, revisits, versions, reparse, check, exports,
import-files. Every test taking `archive` runs once per backend (tests/plugins/archive.py)."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

import storage.archive
from nianbao.commands import main
from parsing import parse_report
from parsing.record import flatten
from storage import Archive, CaptureIn
from storage.blobs import sha256_hex
from storage.exports import BASE_COLUMNS, export_csv, export_jsonl
from storage.models import Capture, Report, ReportVersion

# Parametrized at collection time, before any fixture exists: the shared files are found from
# this file (tests/storage/ -> the repository, with ../shared beside it).
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SEEDS = SHARED / "fixtures" / "seeds"
REAL_PDF = SHARED / "fixtures" / "real" / "huaian_city_2024.pdf"
SEED_FILES = sorted(SEEDS.glob("*.txt"))
SEED_003 = SEEDS / "003_9844fa13dd042d5a.txt"
SEED_004 = SEEDS / "004_64f6c83b9150245c.txt"
NOTICE = "关于做好2023年度政府信息公开工作年度报告编制和发布工作的通知\n各单位:请按时报送。".encode()
URL = "https://www.example.gov.cn/art/2022/1/25/art_1_1.html"
T0 = dt.datetime(2024, 3, 1, 8, 0, tzinfo=dt.timezone.utc)
DAY = dt.timedelta(days=1)


def capture(body: bytes, at: dt.datetime = T0, url: str = URL, **kwargs) -> CaptureIn:
    return CaptureIn(url=url, body=body, captured_at=at, **kwargs)


def expected(path: Path) -> dict:
    return json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))


def seed_004_changed() -> bytes:
    """Seed 004 as the agency republished it: one more application, granted."""
    text = SEED_004.read_text(encoding="utf-8")
    for label in ("一、本年新收政府信息公开申请数量 |", "三、本年度办理结果 | (一)予以公开"):
        old = f"| {label} | 0 | 0 | 0 | 0 | 0 | 0 | 0 |"
        assert old in text, old
        text = text.replace(old, f"| {label} | 1 | 0 | 0 | 0 | 0 | 0 | 1 |")
    return text.encode("utf-8")


def count(archive: Archive, model) -> int:
    with archive.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def rows(archive: Archive, model) -> list:
    with archive.session() as session:
        return list(session.scalars(select(model).order_by(model.id)))


# -- ingest -----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [*SEED_FILES, REAL_PDF], ids=lambda p: p.name)
def test_ingest_real_report_archives_capture_blob_report_and_version(archive: Archive, path: Path) -> None:
    body = path.read_bytes()
    content_type = "application/pdf" if path.suffix == ".pdf" else "text/plain"
    result = archive.ingest(capture(body, content_type=content_type, headers=(("Content-Type", content_type),)))

    assert (result.status, result.new_version, result.parse_error) == ("new", True, None)
    [row] = rows(archive, Capture)
    assert (row.id, row.url, row.sha256, row.size) == (result.capture_id, URL, sha256_hex(body), len(body))
    assert row.headers == [["Content-Type", content_type]]
    assert row.revisit_of is None and row.parse_error is None
    assert archive.body(row) == body
    [report] = rows(archive, Report)
    [version] = rows(archive, ReportVersion)
    assert report.id == result.report_id and report.url == URL and report.first_capture_id == row.id
    assert (version.report_id, version.capture_id, version.sha256) == (report.id, row.id, row.sha256)
    assert version.record == parse_report(body, URL, content_type).to_dict()
    if path.suffix == ".txt":
        wanted = expected(path)
        assert (report.agency_name, report.year, report.format) == (wanted.get("agency"), wanted["year"], wanted["format"])
    else:
        assert (report.agency_name, report.year) == ("淮安市人民政府", 2024)


def test_ingest_stores_capture_time_in_utc(archive: Archive) -> None:
    beijing = dt.timezone(dt.timedelta(hours=8))
    archive.ingest(capture(SEED_003.read_bytes(), at=dt.datetime(2024, 3, 1, 16, 0, tzinfo=beijing)))
    [row] = rows(archive, Capture)
    stored = row.captured_at if row.captured_at.tzinfo else row.captured_at.replace(tzinfo=dt.timezone.utc)
    assert stored == T0
    assert archive.ingest(capture(SEED_003.read_bytes(), at=T0)).status == "exists"


def test_ingest_refuses_a_naive_capture_time(archive: Archive) -> None:
    with pytest.raises(ValueError, match="no time zone"):
        archive.ingest(capture(SEED_003.read_bytes(), at=dt.datetime(2024, 3, 1)))
    assert count(archive, Capture) == 0


def test_ingest_again_is_idempotent(archive: Archive) -> None:
    first = archive.ingest(capture(SEED_003.read_bytes()))
    again = archive.ingest(capture(SEED_003.read_bytes()))
    assert again.status == "exists" and again.capture_id == first.capture_id
    assert (count(archive, Capture), count(archive, Report), count(archive, ReportVersion)) == (1, 1, 1)


def test_ingest_revisit_keeps_no_new_blob_or_version(archive: Archive) -> None:
    body = SEED_003.read_bytes()
    first = archive.ingest(capture(body))
    blobs_before = sorted(archive.blobs.digests())
    later = archive.ingest(capture(body, at=T0 + 30 * DAY))

    assert later.status == "revisit" and later.capture_id != first.capture_id
    assert sorted(archive.blobs.digests()) == blobs_before == [sha256_hex(body)]
    first_row, revisit_row = rows(archive, Capture)
    assert revisit_row.revisit_of == first_row.id and revisit_row.sha256 == first_row.sha256
    assert (count(archive, Report), count(archive, ReportVersion)) == (1, 1)


def test_ingest_changed_bytes_at_the_same_url_add_a_version_and_keep_the_first(archive: Archive) -> None:
    original, changed = SEED_004.read_bytes(), seed_004_changed()
    first = archive.ingest(capture(original))
    second = archive.ingest(capture(changed, at=T0 + 10 * DAY))

    assert second.status == "new" and second.new_version and second.report_id == first.report_id
    assert count(archive, Report) == 1
    old, new = rows(archive, ReportVersion)
    assert (old.sha256, new.sha256) == (sha256_hex(original), sha256_hex(changed))
    assert old.record["applications"]["granted"]["total"] == 0
    assert new.record["applications"]["granted"]["total"] == 1
    assert archive.blobs.get(old.sha256) == original
    [(_, latest, latest_capture)] = list(archive.latest_versions())
    assert latest.id == new.id and latest_capture.id == second.capture_id


def test_latest_version_is_the_payload_seen_last_when_a_report_reverts(archive: Archive) -> None:
    """A → B → A: the page shows A again (a revisit of the first capture), so exports show A."""
    original, changed = SEED_004.read_bytes(), seed_004_changed()
    archive.ingest(capture(original))
    archive.ingest(capture(changed, at=T0 + DAY))
    assert archive.ingest(capture(original, at=T0 + 2 * DAY)).status == "revisit"
    [(_, latest, _)] = list(archive.latest_versions())
    assert latest.sha256 == sha256_hex(original)


def test_ingest_non_report_keeps_capture_with_parse_error(archive: Archive) -> None:
    result = archive.ingest(capture(NOTICE))
    assert result.status == "new" and result.report_id is None and not result.new_version
    assert "a notice" in result.parse_error
    [row] = rows(archive, Capture)
    assert row.parse_error == result.parse_error
    assert archive.body(row) == NOTICE
    assert (count(archive, Report), count(archive, ReportVersion)) == (0, 0)


def test_ingest_404_keeps_capture_unparsed(archive: Archive) -> None:
    page = "<html><body><h1>404 页面不存在</h1></body></html>".encode()
    result = archive.ingest(capture(page, status=404, reason="Not Found"))
    assert (result.status, result.report_id, result.parse_error) == ("new", None, None)
    [row] = rows(archive, Capture)
    assert (row.status, row.reason, row.parse_error) == (404, "Not Found", None)
    assert archive.body(row) == page
    assert count(archive, Report) == 0


def test_ingest_without_parsing_stores_the_capture_only(archive: Archive) -> None:
    result = archive.ingest(capture(SEED_003.read_bytes()), parse=False)
    assert result.status == "new" and result.report_id is None
    assert (count(archive, Capture), count(archive, Report)) == (1, 0)


def test_ingest_keeps_the_agency_registry_name(archive: Archive) -> None:
    result = archive.ingest(capture(SEED_003.read_bytes(), agency="乌鲁木齐市天山区人民政府"))
    with archive.session() as session:
        report = session.get(Report, result.report_id)
        assert report.agency_name == "乌鲁木齐市天山区人民政府" and report.agency.name == "乌鲁木齐市天山区人民政府"


# -- reparse ----------------------------------------------------------------------------------

def ingest_mixed(archive: Archive) -> None:
    """Two reports (one in two versions), a revisit, a notice and a 404."""
    archive.ingest(capture(SEED_003.read_bytes(), url="https://a.gov.cn/r3.html"))
    archive.ingest(capture(SEED_004.read_bytes()))
    archive.ingest(capture(seed_004_changed(), at=T0 + DAY))
    archive.ingest(capture(seed_004_changed(), at=T0 + 2 * DAY))
    archive.ingest(capture(NOTICE, url="https://a.gov.cn/notice.html"))
    archive.ingest(capture(b"not found", url="https://a.gov.cn/gone.html", status=404))


def test_reparse_with_an_unchanged_parser_adds_nothing(archive: Archive) -> None:
    ingest_mixed(archive)
    summary = archive.reparse()
    assert (summary.captures, summary.new_versions, summary.new_reports, summary.errors) == (4, 0, 0, 1)
    assert (count(archive, Report), count(archive, ReportVersion)) == (2, 3)


def test_reparse_adds_a_version_where_the_parser_output_changed(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest_mixed(archive)
    real_parse = storage.archive.parse_report

    def improved_parser(*args, **kwargs):
        record = real_parse(*args, **kwargs)
        return dataclasses.replace(record, warnings=(*record.warnings, "parser.improved"))

    monkeypatch.setattr(storage.archive, "parse_report", improved_parser)
    summary = archive.reparse()
    assert (summary.new_versions, summary.new_reports) == (3, 0)
    versions = rows(archive, ReportVersion)
    assert len(versions) == 6
    assert ["parser.improved" in v.warnings for v in versions] == [False] * 3 + [True] * 3
    assert archive.reparse().new_versions == 0  # the improved records are now known
    latest = {report.url: version for report, version, _ in archive.latest_versions()}
    assert all("parser.improved" in v.warnings for v in latest.values())
    assert latest[URL].sha256 == sha256_hex(seed_004_changed())


def test_reparse_of_an_old_payload_does_not_make_it_the_latest(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A parser change that only alters the first payload's record must not put the superseded
    numbers back in the exports."""
    original, changed = SEED_004.read_bytes(), seed_004_changed()
    archive.ingest(capture(original))
    archive.ingest(capture(changed, at=T0 + DAY))
    real_parse = storage.archive.parse_report

    def parser_changed_for_the_original(body: bytes, *args, **kwargs):
        record = real_parse(body, *args, **kwargs)
        return dataclasses.replace(record, warnings=(*record.warnings, "only.original")) if body == original else record

    monkeypatch.setattr(storage.archive, "parse_report", parser_changed_for_the_original)
    assert archive.reparse().new_versions == 1
    [(_, latest, _)] = list(archive.latest_versions())
    assert latest.sha256 == sha256_hex(changed)


def test_reparse_turns_a_capture_the_old_parser_refused_into_a_report(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_parse = storage.archive.parse_report

    def older_parser(body: bytes, *args, **kwargs):
        if body == SEED_003.read_bytes():
            raise storage.archive.ParseError("the old parser could not read this")
        return real_parse(body, *args, **kwargs)

    monkeypatch.setattr(storage.archive, "parse_report", older_parser)
    assert archive.ingest(capture(SEED_003.read_bytes())).parse_error == "the old parser could not read this"
    monkeypatch.setattr(storage.archive, "parse_report", real_parse)
    summary = archive.reparse()
    assert (summary.new_reports, summary.new_versions) == (1, 1)
    [row] = rows(archive, Capture)
    assert row.parse_error is None


# -- check ------------------------------------------------------------------------------------

def test_check_is_clean_after_ingest(archive: Archive) -> None:
    ingest_mixed(archive)
    result = archive.check()
    assert result.clean and (result.missing, result.corrupt, result.orphans, result.temporaries) == ([], [], [], [])


def test_check_reports_missing_and_corrupt_blobs(archive: Archive) -> None:
    ingest_mixed(archive)
    gone, damaged = sha256_hex(SEED_003.read_bytes()), sha256_hex(NOTICE)
    archive.blobs.path(gone).unlink()
    archive.blobs.path(damaged).write_bytes(NOTICE + b"\n")
    result = archive.check()
    assert not result.clean
    assert (result.missing, result.corrupt, result.orphans) == ([gone], [damaged], [])


def test_check_reports_orphan_blobs_and_temporaries(archive: Archive) -> None:
    ingest_mixed(archive)
    orphan = archive.blobs.put(b"written, then the process died before its row")
    leftover = archive.blobs.path(orphan).parent / ".tmp-interrupted"
    leftover.write_bytes(b"half a blob")
    result = archive.check()
    assert (result.missing, result.corrupt, result.orphans) == ([], [], [orphan])
    assert result.temporaries == [leftover]


def test_check_counts_temporaries_apart_from_damage(archive: Archive) -> None:
    """A write killed before its rename leaves a temporary file: not clean, yet nothing damaged
    (what the SIGKILL tests in tests/crawler and tests/distributed rely on)."""
    ingest_mixed(archive)
    some_blob = next(archive.blobs.digests())
    leftover = archive.blobs.path(some_blob).parent / ".tmp-interrupted"
    leftover.write_bytes(b"half a blob")
    result = archive.check()
    assert result.temporaries == [leftover]
    assert not result.damaged and not result.clean


def run_cli(monkeypatch: pytest.MonkeyPatch, data: Path, url: str, *args: str):
    monkeypatch.setenv("NIANBAO_DATA", str(data))
    monkeypatch.setenv("NIANBAO_DATABASE_URL", url)
    return CliRunner().invoke(main, list(args))


def test_db_check_command_exits_0_when_clean_and_1_with_problems(
    archive: Archive, data_dir: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest_mixed(archive)
    result = run_cli(monkeypatch, data_dir, database_url, "db", "check")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "clean"

    gone = sha256_hex(SEED_003.read_bytes())
    archive.blobs.path(gone).unlink()
    result = run_cli(monkeypatch, data_dir, database_url, "db", "check")
    assert result.exit_code == 1
    assert f"missing blob: {gone}" in result.output and "problems found" in result.output


# -- exports ----------------------------------------------------------------------------------

def ingest_seeds(archive: Archive) -> dict[str, Path]:
    urls = {}
    for n, path in enumerate(SEED_FILES):
        url = f"https://www.example.gov.cn/reports/{path.stem}.html"
        archive.ingest(capture(path.read_bytes(), at=T0 + n * DAY, url=url))
        urls[url] = path
    archive.ingest(capture(NOTICE, url="https://www.example.gov.cn/notice.html"))
    return urls


def test_export_jsonl_one_line_per_report_with_the_record(archive: Archive) -> None:
    urls = ingest_seeds(archive)
    out = io.StringIO()
    assert export_jsonl(archive, out) == len(SEED_FILES)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == len(SEED_FILES)
    for line in lines:
        assert list(line) == [*BASE_COLUMNS, "record"]
        wanted = expected(urls[line["url"]])
        assert (line["agency"], line["year"]) == (wanted.get("agency"), wanted["year"])
        assert dt.datetime.fromisoformat(line["captured_at"]).tzinfo is not None
        flat = flatten(line["record"])
        assert {key: flat[key] for key in wanted} == wanted


def test_export_csv_one_row_per_report_with_dotted_columns(archive: Archive) -> None:
    urls = ingest_seeds(archive)
    out = io.StringIO()
    assert export_csv(archive, out) == len(SEED_FILES)
    assert out.getvalue().startswith("\ufeff")
    table = list(csv.DictReader(io.StringIO(out.getvalue().removeprefix("\ufeff"))))
    assert len(table) == len(SEED_FILES)
    columns = list(table[0])
    assert columns[: len(BASE_COLUMNS)] == list(BASE_COLUMNS)
    assert "record.applications.granted.total" in columns and "record.active.licensing.decisions" in columns
    for row in table:
        wanted = expected(urls[row["url"]])
        assert row["record.applications.granted.total"] == str(wanted["applications.granted.total"])
        assert row["year"] == str(wanted["year"])
        assert row["agency"] == (wanted.get("agency") or "")


def test_export_command_writes_both_files(
    archive: Archive, data_dir: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ingest_seeds(archive)
    jsonl, table = tmp_path / "reports.jsonl", tmp_path / "reports.csv"
    result = run_cli(monkeypatch, data_dir, database_url, "export", "--jsonl", str(jsonl), "--csv", str(table))
    assert result.exit_code == 0, result.output
    assert len(jsonl.read_text(encoding="utf-8").splitlines()) == len(SEED_FILES)
    assert len(list(csv.DictReader(table.open(encoding="utf-8-sig")))) == len(SEED_FILES)


# -- import-files -----------------------------------------------------------------------------

def test_import_files_archives_files_with_their_url_and_date(
    archive: Archive, data_dir: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    for path in (SEED_003, REAL_PDF):
        (downloads / path.name).write_bytes(path.read_bytes())
    base = "https://www.example.gov.cn/files/"
    args = ("import-files", str(downloads), "--url", base, "--date", "2024-03-01", "--agency", "淮安市人民政府")
    result = run_cli(monkeypatch, data_dir, database_url, *args)
    assert result.exit_code == 0, result.output
    assert result.output.count("(new), report") == 2

    captures = rows(archive, Capture)
    assert sorted(c.url for c in captures) == sorted(base + p.name for p in (SEED_003, REAL_PDF))
    assert {c.source for c in captures} == {"file"} and {c.status for c in captures} == {None}
    by_url = {c.url: c for c in captures}
    assert by_url[base + REAL_PDF.name].content_type == "application/pdf"
    assert archive.body(by_url[base + REAL_PDF.name]) == REAL_PDF.read_bytes()
    assert count(archive, Report) == 2

    again = run_cli(monkeypatch, data_dir, database_url, *args)
    assert again.exit_code == 0 and again.output.count("(exists)") == 2
    assert count(archive, Capture) == 2


def test_import_files_a_non_report_is_archived_and_exits_1(
    archive: Archive, data_dir: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    notice = tmp_path / "notice.txt"
    notice.write_bytes(NOTICE)
    result = run_cli(monkeypatch, data_dir, database_url, "import-files", str(notice), "--url", URL)
    assert result.exit_code == 1
    assert f"nianbao: {notice}: archived, but not as a report: a notice" in result.stderr
    [row] = rows(archive, Capture)
    assert row.url == URL and row.parse_error
