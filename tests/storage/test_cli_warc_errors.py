"""`nianbao import --warc` on a damaged file: one line naming the file, exit 1, nothing added."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from nianbao.commands import main


def test_import_of_a_garbage_warc_is_one_clear_line(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("NIANBAO_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("NIANBAO_DATABASE_URL", raising=False)
    bad = tmp_path / "bad.warc"
    bad.write_bytes(b"WARC/1.1\r\nWARC-Type: response\r\nContent-Length: 99999\r\n\r\nshort")
    result = CliRunner().invoke(main, ["import", "--warc", str(bad)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"nianbao: {bad}")
    assert "Traceback" not in result.output
    result = CliRunner().invoke(main, ["export", "--jsonl", str(tmp_path / "out.jsonl")])
    assert "0 reports written" in result.output
