"""The `nianbao` CLI: output shapes, exit codes and messages at the edge."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import click
from click.testing import CliRunner

from nianbao.commands import main
from nianbao.output import columns, pad


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_parse_json_one_file_prints_one_object(paths) -> None:
    result = run("parse", "--json", str(paths.seed(3)))
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert record["agency"] == "天山区人民政府"
    assert record["format"] == "2019"
    assert record["applications"]["carried_over"]["total"] is None
    assert record["active"]["procurement"]["amount"] == 5446.75


def test_parse_json_several_files_prints_an_array_in_argument_order(paths) -> None:
    result = run("parse", "--json", str(paths.seed(4)), str(paths.seed(3)))
    assert result.exit_code == 0, result.output
    records = json.loads(result.output)
    assert [r["agency"] for r in records] == ["卫辉市信访局", "天山区人民政府"]


def test_parse_summary_shows_tables_and_highlights_failed_checks(tmp_path: Path, paths) -> None:
    text = paths.seed(4).read_text(encoding="utf-8").replace(
        "| 一、本年新收政府信息公开申请数量 | | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
        "| 一、本年新收政府信息公开申请数量 | | 5 | 0 | 0 | 0 | 0 | 0 | 4 |",
    )
    broken = tmp_path / "broken.md"
    broken.write_text(text, encoding="utf-8")
    result = run("parse", str(broken))
    assert result.exit_code == 0
    assert "卫辉市信访局" in result.output
    assert "（一）予以公开" in result.output  # the form's own wording (parsing.schema)
    assert "FAIL applications.row_totals" in result.output
    # the check's detail in the form's words (parsing.fields), not record keys
    assert "FAIL applications.row_totals（总计等于各类申请人之和）: 一、本年新收政府信息公开申请数量: 总计 4 ≠" in result.output


def test_parse_warnings_are_shown(tmp_path: Path, paths) -> None:
    result = run("parse", str(paths.seed(4)))
    assert "warnings" in result.output
    assert "applications.unavailable_not_held" in result.output


def test_parse_not_a_report_names_the_file_and_exits_nonzero(tmp_path: Path, paths) -> None:
    notice = tmp_path / "notice.txt"
    notice.write_text("关于做好2023年度政府信息公开工作年度报告编制和发布工作的通知\n各单位:请按时报送。", encoding="utf-8")
    result = CliRunner().invoke(main, ["parse", "--json", str(paths.seed(3)), str(notice)])
    assert result.exit_code == 1
    assert f"nianbao: {notice}: a notice" in result.stderr
    assert json.loads(result.stdout)[0]["agency"] == "天山区人民政府"


def test_parse_empty_and_unreadable_files_fail_clearly(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = CliRunner().invoke(main, ["parse", str(empty), str(tmp_path / "nope.txt")])
    assert result.exit_code == 1
    assert f"{empty}: empty file" in result.stderr
    assert "nope.txt: cannot read" in result.stderr


def test_parse_refuses_files_over_the_size_limit(tmp_path: Path, paths) -> None:
    result = CliRunner().invoke(main, ["parse", "--max-bytes", "100", str(paths.seed(3))])
    assert result.exit_code == 1
    assert "limit 100" in result.stderr


def test_every_command_has_help_with_an_example() -> None:
    def commands(group: click.Group, prefix: str = ""):
        context = click.Context(group)
        for name in group.list_commands(context):  # main's commands are imported when asked for
            command = group.get_command(context, name)
            yield prefix + name, command
            if isinstance(command, click.Group):
                yield from commands(command, prefix + name + " ")

    for name, command in commands(main):
        assert command.help and "Example" in command.help, f"`nianbao {name}` has no help with an example"


def test_readme_documents_every_command() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for name in main.list_commands(click.Context(main)):
        assert f"nianbao {name}" in readme, f"README.md does not document `nianbao {name}`"


def test_help_lists_every_exit_status() -> None:
    from nianbao.commands import exits

    shown = run("--help").output
    statuses = {value for name, value in vars(exits).items() if name.startswith("EXIT_")}
    assert all(str(status) in shown for status in statuses)
    assert "Exit status" in shown


# -- text from crawled pages ------------------------------------------------------------------

TITLE_WITH_ESCAPES = "独山子区城市管理局\x1b]0;pwned\x07\x9b2J2021年政府信息公开工作年度报告"


def test_parse_summary_strips_control_characters_from_the_page(tmp_path: Path, paths) -> None:
    page = tmp_path / "report.txt"
    page.write_text(TITLE_WITH_ESCAPES + "\n" + paths.seed(3).read_text(encoding="utf-8"), encoding="utf-8")
    shown = run("parse", str(page)).output
    assert "独山子区城市管理局]0;pwned2J2021年政府信息公开工作年度报告" in shown
    assert "\x1b]" not in shown and "\x07" not in shown and "\x9b" not in shown
    # JSON escapes control characters itself: the record keeps the title as the page gave it.
    assert json.loads(run("parse", "--json", str(page)).output)["title"] == TITLE_WITH_ESCAPES


# -- the archive: export, db check ------------------------------------------------------------

def archive_in(data: Path, monkeypatch):
    from storage import Archive

    monkeypatch.setenv("NIANBAO_DATA", str(data))
    monkeypatch.delenv("NIANBAO_DATABASE_URL", raising=False)
    return Archive.open(data)


def test_export_csv_writes_formulas_from_pages_as_text(tmp_path: Path, monkeypatch, paths) -> None:
    import datetime as dt

    from storage import CaptureIn

    archive = archive_in(tmp_path / "data", monkeypatch)
    title = '=HYPERLINK("http://evil.example/","独山子区城市管理局2021年政府信息公开工作年度报告")'
    body = (title + "\n" + paths.seed(3).read_text(encoding="utf-8")).encode("utf-8")
    archive.ingest(CaptureIn("https://www.example.gov.cn/a.html", body, dt.datetime(2022, 1, 20, 2, tzinfo=dt.UTC),
                             content_type="text/plain", agency="=1+2"))
    archive.close()
    table, lines = tmp_path / "reports.csv", tmp_path / "reports.jsonl"
    result = run("export", "--csv", str(table), "--jsonl", str(lines))
    assert result.exit_code == 0, result.output
    assert table.read_bytes().startswith(b"\xef\xbb\xbf")  # the BOM: Excel then reads UTF-8
    [row] = list(csv.DictReader(table.open(encoding="utf-8-sig", newline="")))
    assert row["title"] == "'" + title and row["agency"] == "'=1+2"
    assert row["year"] == "2021" and row["captured_at"] == "2022-01-20T02:00:00Z"
    assert not [value for value in row.values() if value[:1] in ("=", "+", "-", "@", "\t", "\r")]
    [line] = [json.loads(text) for text in lines.read_text(encoding="utf-8").splitlines()]
    assert line["title"] == title and line["captured_at"] == "2022-01-20T02:00:00Z"  # JSON is not a spreadsheet


def test_db_check_lists_leftover_temporary_files_and_repair_deletes_them(tmp_path: Path, monkeypatch, paths) -> None:
    import datetime as dt

    from storage import CaptureIn
    from storage.models import Capture

    archive = archive_in(tmp_path / "data", monkeypatch)
    result = archive.ingest(CaptureIn("https://www.example.gov.cn/a.txt", paths.seed(3).read_bytes(),
                                      dt.datetime(2022, 1, 20, tzinfo=dt.UTC), content_type="text/plain"))
    with archive.session() as session:
        digest = session.get(Capture, result.capture_id).sha256
    leftover = archive.blobs.path(digest).parent / ".tmp-interrupted"
    leftover.write_bytes(b"half a blob")
    archive.close()

    found = CliRunner().invoke(main, ["db", "check"])
    assert f"leftover temporary file: {leftover}" in found.output
    assert "clean" not in found.output.splitlines() and "1 leftover temporary files" in found.output
    assert found.exit_code == 0  # not damage: no row points at a temporary file
    assert leftover.exists()

    repaired = CliRunner().invoke(main, ["db", "check", "--repair"])
    assert f"removed temporary file: {leftover}" in repaired.output and not leftover.exists()
    assert repaired.output.splitlines()[-1] == "clean" and repaired.exit_code == 0
    assert CliRunner().invoke(main, ["db", "check"]).output.strip() == "clean"


def test_pad_counts_a_chinese_character_as_two_terminal_columns() -> None:
    assert pad("agency", 10) == "agency    "
    assert pad("公安局", 10) == "公安局    "  # 6 columns of text, 4 of spaces
    assert pad("云溪市人民政府办公室", 10) == "云溪市人民政府办公室"  # wider than asked: as it is
    assert columns(["公安局", "agency"], 2) == 6 and columns([], 2) == 2
