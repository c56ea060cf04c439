"""`nianbao discover` and `nianbao agencies validate|list` read the registry the data folder was
crawled with (crawler.data_registry) when no --config is given; --config overrides. And
`nianbao serve --language` sets the web UI's default language."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler import data_registry
from nianbao.commands import main


def _toml(*names: str) -> str:
    return "".join(f'[[agency]]\nname = "{name}"\nregion = "江苏省/甲市"\nkind = "government"\n'
                   f'portal = "http://127.0.0.1:9/{i}/"\n\n' for i, name in enumerate(names))


@pytest.fixture
def data(env_data_folder: Path) -> Path:
    return env_data_folder


@pytest.fixture
def other(tmp_path: Path) -> Path:
    path = tmp_path / "other.toml"
    path.write_text(_toml("丙市人民政府"), encoding="utf-8")
    return path


def _listed(*args: str) -> list[str]:
    result = CliRunner().invoke(main, ["agencies", "list", "--json", *args])
    assert result.exit_code == 0, result.output
    return [row["name"] for row in json.loads(result.stdout)]


@pytest.fixture
def walked(monkeypatch) -> list[list[str]]:
    """The agencies each `nianbao discover` walked (the walk itself replaced: no portal is asked)."""
    import crawler.discovery.run

    calls: list[list[str]] = []
    monkeypatch.setattr(crawler.discovery.run, "discover",
                        lambda agencies, data, settings: calls.append([a.name for a in agencies]) or {})
    return calls


def test_agencies_list_without_config_lists_the_data_folders_registry(data: Path, other: Path) -> None:
    data_registry.remember_text(data, "demo.toml", _toml("甲市人民政府", "乙市人民政府"), "nianbao demo")
    assert _listed() == ["甲市人民政府", "乙市人民政府"]
    assert _listed("--config", str(other)) == ["丙市人民政府"]  # --config overrides


def test_agencies_list_says_on_stderr_which_registry_it_read(data: Path) -> None:
    data_registry.remember_text(data, "demo.toml", _toml("甲市人民政府"), "nianbao demo")
    result = CliRunner().invoke(main, ["agencies", "list", "--json"])
    assert "the one this data folder was crawled with (from nianbao demo)" in result.stderr


def test_agencies_validate_checks_the_data_folders_registry(data: Path) -> None:
    data_registry.remember_text(data, "demo.toml", _toml("甲市人民政府", "乙市人民政府"), "nianbao demo")
    result = CliRunner().invoke(main, ["agencies", "validate"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "2 agencies, all valid"


def test_agencies_validate_fails_on_a_bad_remembered_registry(data: Path) -> None:
    data_registry.remember_text(data, "demo.toml", _toml("甲市人民政府") + 'colour = "red"\n', "nianbao demo")
    result = CliRunner().invoke(main, ["agencies", "validate"])
    assert result.exit_code == 1
    assert "demo.toml" in result.stderr


def test_discover_without_config_walks_the_data_folders_registry(data: Path, other: Path, walked: list) -> None:
    data_registry.remember_text(data, "demo.toml", _toml("甲市人民政府", "乙市人民政府"), "nianbao demo")
    assert CliRunner().invoke(main, ["discover", "--json"]).exit_code == 0
    assert CliRunner().invoke(main, ["discover", "--json", "--config", str(other)]).exit_code == 0
    assert walked == [["甲市人民政府", "乙市人民政府"], ["丙市人民政府"]]


def test_discover_reads_the_registry_of_the_data_folder_it_is_given(data: Path, tmp_path: Path, walked: list) -> None:
    elsewhere = tmp_path / "elsewhere"
    data_registry.remember_text(data, "demo.toml", _toml("甲市人民政府"), "nianbao demo")
    data_registry.remember_text(elsewhere, "mine.toml", _toml("丁市人民政府"), "a crawl")
    result = CliRunner().invoke(main, ["discover", "--json", "--data", str(elsewhere)])
    assert result.exit_code == 0, result.output
    assert walked == [["丁市人民政府"]]


@pytest.mark.parametrize(("option", "expected"), [((), "zh-CN"), (("--language", "en"), "en"), (("--language", "zh"), "zh-CN")])
def test_serve_language_is_the_pages_language_when_the_browser_names_none(data: Path, monkeypatch, option, expected) -> None:
    import nianbao.web.server

    served = {}
    monkeypatch.setattr(nianbao.web.server, "serve", lambda app, *args: served.setdefault("app", app))
    assert CliRunner().invoke(main, ["serve", "--port", "0", *option]).exit_code == 0
    page = served["app"].test_client().get("/monitor").get_data(as_text=True)
    assert f'<html lang="{expected}">' in page


def test_serve_language_refuses_a_language_the_interface_does_not_speak(data: Path, monkeypatch) -> None:
    import nianbao.web.server

    monkeypatch.setattr(nianbao.web.server, "serve", lambda app, *args: pytest.fail("served"))
    result = CliRunner().invoke(main, ["serve", "--port", "0", "--language", "fr"])
    assert result.exit_code == 2
    assert "'fr': one of zh, en" in result.stderr
