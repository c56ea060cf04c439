"""The `nianbao` CLI: output shapes, exit codes and messages at the edge."""

from __future__ import annotations

import json
from pathlib import Path

import click
from click.testing import CliRunner

from nianbao.commands import main
from tests.conftest import SEEDS

SEED_003 = SEEDS / "003_9844fa13dd042d5a.txt"
SEED_004 = SEEDS / "004_64f6c83b9150245c.txt"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_parse_json_one_file_prints_one_object() -> None:
    result = run("parse", "--json", str(SEED_003))
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert record["agency"] == "天山区人民政府"
    assert record["format"] == "2019"
    assert record["applications"]["carried_over"]["total"] is None
    assert record["active"]["procurement"]["amount"] == 5446.75


def test_parse_json_several_files_prints_an_array_in_argument_order() -> None:
    result = run("parse", "--json", str(SEED_004), str(SEED_003))
    assert result.exit_code == 0, result.output
    records = json.loads(result.output)
    assert [r["agency"] for r in records] == ["卫辉市信访局", "天山区人民政府"]


def test_parse_summary_shows_tables_and_highlights_failed_checks(tmp_path: Path) -> None:
    text = SEED_004.read_text(encoding="utf-8").replace(
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
    assert "new_received: total 4 ≠ sum of applicant columns 5" in result.output


def test_parse_warnings_are_shown(tmp_path: Path) -> None:
    result = run("parse", str(SEED_004))
    assert "warnings" in result.output
    assert "applications.unavailable_not_held" in result.output


def test_parse_not_a_report_names_the_file_and_exits_nonzero(tmp_path: Path) -> None:
    notice = tmp_path / "notice.txt"
    notice.write_text("关于做好2023年度政府信息公开工作年度报告编制和发布工作的通知\n各单位:请按时报送。", encoding="utf-8")
    result = CliRunner().invoke(main, ["parse", "--json", str(SEED_003), str(notice)])
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


def test_parse_refuses_files_over_the_size_limit(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["parse", "--max-bytes", "100", str(SEED_003)])
    assert result.exit_code == 1
    assert "limit 100" in result.stderr


def test_every_command_has_help_with_an_example() -> None:
    def commands(group: click.Group, prefix: str = ""):
        for name, command in group.commands.items():
            yield prefix + name, command
            if isinstance(command, click.Group):
                yield from commands(command, prefix + name + " ")

    for name, command in commands(main):
        assert command.help and "Example" in command.help, f"`nianbao {name}` has no help with an example"


def test_readme_documents_every_command() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for name in main.commands:
        assert f"nianbao {name}" in readme, f"README.md does not document `nianbao {name}`"
