"""The agency registry: strict validation with messages that name file, entry and key."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.registry import DEFAULT_CONFIG, RegistryError, load_registry
from nianbao.commands import main
from storage.vocab import AgencyKind

VALID = """
[[agency]]
name = "卫辉市信访局"
region = "河南省/新乡市/卫辉市"
kind = "department"
list_urls = ["http://www.weihui.gov.cn/xxgk/ndbg/"]

[[agency]]
name = "淮安市人民政府"
region = "江苏省/淮安市"
kind = "government"
list_urls = ["http://www.huaian.gov.cn/col/col2/index.html"]
platform = "hanweb"
crawl_delay = 2.5
"""


def write(tmp_path: Path, text: str, name: str = "a.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_registry_loads_valid_entries(tmp_path: Path) -> None:
    agencies = load_registry(write(tmp_path, VALID))
    assert [a.name for a in agencies] == ["卫辉市信访局", "淮安市人民政府"]
    assert agencies[0].region == ("河南省", "新乡市", "卫辉市")
    assert agencies[0].domains == ("www.weihui.gov.cn",)
    assert agencies[1].platform == "hanweb" and agencies[1].crawl_delay == 2.5


def test_registry_kind_is_the_archives_agency_kind(tmp_path: Path) -> None:
    department, government = load_registry(write(tmp_path, VALID))
    assert department.kind is AgencyKind.DEPARTMENT and government.kind is AgencyKind.GOVERNMENT
    assert government.kind.deadline(2024).isoformat() == "2025-03-31"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('kind = "department"', 'kind = "department"\nlist_url = "x"'), "unknown key(s) list_url"),
        (('kind = "department"\n', ""), "missing required key 'kind'"),
        (('kind = "department"', 'kind = "bureau"'), "'kind' must be one of"),
        (('list_urls = ["http://www.weihui.gov.cn/xxgk/ndbg/"]', "list_urls = []"), "non-empty list"),
        (('list_urls = ["http://www.weihui.gov.cn/xxgk/ndbg/"]', 'list_urls = ["ftp://x"]'), "not an http(s) URL"),
        (('region = "河南省/新乡市/卫辉市"', 'region = "河南省//卫辉市"'), "'region' must be"),
        (('platform = "hanweb"', 'platform = "wordpress"'), "'platform' must be one of"),
        (("crawl_delay = 2.5", "crawl_delay = -1"), "'crawl_delay' must be"),
    ],
)
def test_registry_errors_name_file_entry_and_key(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    path = write(tmp_path, VALID.replace(*change, 1))
    with pytest.raises(RegistryError) as excinfo:
        load_registry(path)
    assert str(path) in str(excinfo.value)
    assert "agency #" in str(excinfo.value)
    assert message in str(excinfo.value)


def test_registry_refuses_duplicates_across_files(tmp_path: Path) -> None:
    write(tmp_path, VALID, "a.toml")
    write(tmp_path, VALID.split("[[agency]]")[1].join(["[[agency]]", ""]), "b.toml")
    with pytest.raises(RegistryError, match="already defined in"):
        load_registry(tmp_path)


def test_registry_refuses_broken_toml(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="not valid TOML"):
        load_registry(write(tmp_path, "[[agency]\nname = 1"))


def test_shipped_registry_is_valid() -> None:
    assert load_registry(DEFAULT_CONFIG) is not None


def test_cli_agencies_validate_and_list(tmp_path: Path) -> None:
    path = write(tmp_path, VALID)
    result = CliRunner().invoke(main, ["agencies", "validate", "--config", str(path)])
    assert result.exit_code == 0 and "2 agencies, all valid" in result.output
    result = CliRunner().invoke(main, ["agencies", "list", "--config", str(path)])
    assert "淮安市人民政府\t江苏省/淮安市\tgovernment (due 31 Mar)" in result.output
    bad = write(tmp_path, VALID.replace('kind = "department"', 'kind = "dept"'), "bad.toml")
    result = CliRunner().invoke(main, ["agencies", "validate", "--config", str(bad)])
    assert result.exit_code == 1 and "'kind' must be one of" in result.stderr
