"""A data folder remembers the registry it was crawled with (crawler.data_registry): `crawl
--config` and `demo` keep a copy in $NIANBAO_DATA/registry/, and `crawl`, `monitor` and `serve`
on that folder read it without --config; --config overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler import data_registry
from nianbao.commands import main


def _toml(*names: str) -> str:
    return "".join(f'[[agency]]\nname = "{name}"\nregion = "江苏省/甲市"\nkind = "department"\n'
                   f'list_urls = ["http://127.0.0.1:9/{i}/"]\n\n' for i, name in enumerate(names))


@pytest.fixture
def data(env_data_folder: Path) -> Path:
    return env_data_folder


def _monitored(*args: str) -> list[str]:
    result = CliRunner().invoke(main, ["monitor", "--year", "2024", "--json", "--no-record", *args])
    assert result.exit_code in (0, 4, 16, 20), result.output
    return [row["agency"] for row in json.loads(result.stdout)["agencies"]]


def test_remember_copies_a_file_and_says_where_it_came_from(tmp_path: Path) -> None:
    source = tmp_path / "mine.toml"
    source.write_text(_toml("甲局"), encoding="utf-8")
    folder = data_registry.remember(tmp_path / "data", source)
    source.unlink()  # the copy does not need the original
    assert data_registry.remembered(tmp_path / "data") == folder
    assert (folder / "mine.toml").read_text(encoding="utf-8") == _toml("甲局")
    assert data_registry.origin(tmp_path / "data") == str(source.resolve())


def test_remember_a_folder_replaces_the_registry_remembered_before(tmp_path: Path) -> None:
    first = tmp_path / "first.toml"
    first.write_text(_toml("甲局"), encoding="utf-8")
    data_registry.remember(tmp_path / "data", first)
    (tmp_path / "agencies").mkdir()
    (tmp_path / "agencies" / "a.toml").write_text(_toml("乙局"), encoding="utf-8")
    (tmp_path / "agencies" / "b.toml").write_text(_toml("丙局"), encoding="utf-8")
    folder = data_registry.remember(tmp_path / "data", tmp_path / "agencies")
    assert sorted(p.name for p in folder.glob("*.toml")) == ["a.toml", "b.toml"]


def test_choose_prefers_config_then_the_copy_then_the_default(tmp_path: Path) -> None:
    given = tmp_path / "given.toml"
    assert data_registry.choose(None, tmp_path / "data") is None
    data_registry.remember_text(tmp_path / "data", "demo.toml", _toml("甲局"), "demo")
    assert data_registry.choose(None, tmp_path / "data") == tmp_path / "data" / "registry"
    assert data_registry.choose(given, tmp_path / "data") == given


def test_monitor_without_config_reads_the_data_folders_registry(data: Path, tmp_path: Path) -> None:
    data_registry.remember_text(data, "demo.toml", _toml("甲局", "乙局"), "nianbao demo")
    assert _monitored() == ["甲局", "乙局"]
    other = tmp_path / "other.toml"
    other.write_text(_toml("丙局"), encoding="utf-8")
    assert _monitored("--config", str(other)) == ["丙局"]  # --config overrides
    result = CliRunner().invoke(main, ["monitor", "--year", "2024", "--json", "--no-record"])
    assert "the one this data folder was crawled with (from nianbao demo)" in result.stderr


def test_crawl_with_config_remembers_it_for_the_next_commands(data: Path, tmp_path: Path, monkeypatch) -> None:
    import crawler.run

    crawled = []
    monkeypatch.setattr(crawler.run, "run_crawl", lambda agencies, **_: crawled.append([a.name for a in agencies]) or {})
    registry = tmp_path / "mine.toml"
    registry.write_text(_toml("丁局"), encoding="utf-8")
    assert CliRunner().invoke(main, ["crawl", "--config", str(registry)]).exit_code == 0
    registry.unlink()
    assert CliRunner().invoke(main, ["crawl"]).exit_code == 0  # plain: the remembered one
    assert crawled == [["丁局"], ["丁局"]]
    assert _monitored() == ["丁局"]


def test_serve_without_config_serves_the_data_folders_registry(data: Path, monkeypatch) -> None:
    import nianbao.web.server

    served = {}
    monkeypatch.setattr(nianbao.web.server, "serve", lambda app, *args: served.setdefault("app", app))
    data_registry.remember_text(data, "demo.toml", _toml("甲局"), "nianbao demo")
    assert CliRunner().invoke(main, ["serve", "--port", "0"]).exit_code == 0
    page = served["app"].test_client().get("/api/monitor/2024").get_json()
    assert [row["agency"] for row in page["agencies"]] == ["甲局"]
