"""`nianbao agencies import`: governments from the division list, portals from a CSV, merged into
registry TOML without losing anything (crawler/registry_import.py, nianbao/commands/agencies.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.registry import RegistryError, load_file, load_registry, load_text
from crawler.registry_import import add_portals, read_portals_csv
from nianbao.commands import main

HAND_MADE = """\
# 江苏省, by hand.

[[agency]]
name = "宿迁市人民政府"
region = "江苏省/宿迁市"
kind = "government"
list_urls = ["https://www.suqian.gov.cn/sqxxgk/zfxxgknb/"]
notes = "checked by hand"
"""
SUQIAN_COUNTIES = ["宿迁市宿城区人民政府", "宿迁市宿豫区人民政府", "沭阳县人民政府", "泗阳县人民政府", "泗洪县人民政府"]


def run(*args: str):
    return CliRunner().invoke(main, ["agencies", "import", *args])


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    folder = tmp_path / "agencies"
    folder.mkdir()
    (folder / "jiangsu.toml").write_text(HAND_MADE, encoding="utf-8")
    return folder


def import_suqian(registry: Path):
    return run("--divisions", "--region", "江苏省/宿迁市", "--out", str(registry / "gov.toml"),
               "--config", str(registry))


def test_import_divisions_adds_new_governments_and_keeps_the_registrys(registry: Path) -> None:
    result = import_suqian(registry)
    assert result.exit_code == 0, result.output
    added = load_file(registry / "gov.toml")
    assert [a.name for a in added] == SUQIAN_COUNTIES
    assert [a.code for a in added] == ["321302", "321311", "321322", "321323", "321324"]
    assert added[2].region_path == "江苏省/宿迁市/沭阳县" and added[2].list_urls == () and added[2].portal is None
    assert "kept: 宿迁市人民政府 (321300, 江苏省/宿迁市): kept as '宿迁市人民政府'" in result.output
    assert "5 governments added" in result.output and "(0 province, 0 prefecture, 5 county)" in result.output
    assert (registry / "jiangsu.toml").read_text(encoding="utf-8") == HAND_MADE
    assert len(load_registry(registry)) == 6  # no duplicate across the two files


def test_import_divisions_twice_changes_nothing(registry: Path) -> None:
    import_suqian(registry)
    first = (registry / "gov.toml").read_bytes()
    again = import_suqian(registry)
    assert again.exit_code == 0, again.output
    assert (registry / "gov.toml").read_bytes() == first
    assert "0 governments added" in again.output and "6 kept" in again.output


def test_import_divisions_keeps_hand_edits_in_its_own_file(registry: Path) -> None:
    import_suqian(registry)
    out = registry / "gov.toml"
    edited = out.read_text(encoding="utf-8").replace(
        'name = "沭阳县人民政府"', 'name = "沭阳县人民政府"\nlist_urls = ["http://www.shuyang.gov.cn/ndbg/"]  # by hand')
    edited = edited[:edited.rindex("[[agency]]")].rstrip() + "\n"  # 泗洪县 taken out
    out.write_text(edited, encoding="utf-8")
    result = import_suqian(registry)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith(edited)  # every byte kept; the removed entry comes back at the end
    assert text.count('name = "沭阳县人民政府"') == 1 and "# by hand" in text
    assert [a.name for a in load_file(out)][-1] == "泗洪县人民政府"
    assert "1 governments added" in result.output


def test_import_divisions_matches_an_entry_by_code_under_another_name(tmp_path: Path) -> None:
    out = tmp_path / "gov.toml"
    out.write_text('[[agency]]\nname = "沭阳县政府"\nregion = "江苏省/宿迁市/沭阳县"\nkind = "government"\n'
                   'code = "321322"\n', encoding="utf-8")
    result = run("--divisions", "--region", "江苏省/宿迁市", "--out", str(out))
    assert "kept: 沭阳县人民政府 (321322, 江苏省/宿迁市/沭阳县): kept as '沭阳县政府'" in result.output
    assert "same 区划代码" in result.output
    assert [a.name for a in load_file(out)].count("沭阳县人民政府") == 0


def test_import_divisions_without_out_prints_registry_toml() -> None:
    result = CliRunner().invoke(main, ["agencies", "import", "--divisions", "--region", "江苏省"])
    assert result.exit_code == 0, result.stderr
    agencies = load_text(result.stdout, "stdout")
    assert len(agencies) == 109 and agencies[0].name == "江苏省人民政府"


def test_import_divisions_unknown_region_is_an_error(tmp_path: Path) -> None:
    result = run("--divisions", "--region", "江苏", "--out", str(tmp_path / "gov.toml"))
    assert result.exit_code == 1 and "no division '江苏'" in result.output
    assert not (tmp_path / "gov.toml").exists()


def test_import_refuses_a_broken_registry_file_and_leaves_it(tmp_path: Path) -> None:
    out = tmp_path / "gov.toml"
    out.write_text('[[agency]]\nname = "沭阳县人民政府"\nregion = "江苏省/宿迁市/沭阳县"\nkind = "county"\n', encoding="utf-8")
    before = out.read_bytes()
    result = run("--divisions", "--region", "江苏省/宿迁市", "--out", str(out))
    assert result.exit_code == 1 and str(out) in result.output and "'kind' must be one of" in result.output
    assert out.read_bytes() == before


def test_import_into_a_missing_folder_names_it(tmp_path: Path) -> None:
    out = tmp_path / "nowhere" / "gov.toml"
    result = run("--divisions", "--region", "江苏省/宿迁市", "--out", str(out))
    assert result.exit_code == 1 and f"{out}: cannot write" in result.output


@pytest.mark.parametrize("args", [[], ["--divisions", "--portals", "p.csv", "--out", "x.toml"], ["--portals", "p.csv"]])
def test_import_usage_errors(args: list[str]) -> None:
    assert run(*args).exit_code == 2


PORTALS = """\
区划代码,portal
321322,http://www.shuyang.gov.cn/
321300,https://www.suqian.gov.cn/
999999,http://nowhere.gov.cn/
"""
PORTALS_BY_NAME = """\
宿城区人民政府,http://www.sqsc.gov.cn/
泗阳县,http://www.siyang.gov.cn/
鼓楼区人民政府,http://www.gulou.gov.cn/
泗洪县人民政府,ftp://www.sihong.gov.cn/
"""


def test_import_portals_by_code_and_by_name(registry: Path) -> None:
    import_suqian(registry)
    out = registry / "gov.toml"
    (registry.parent / "codes.csv").write_text(PORTALS, encoding="utf-8")
    (registry.parent / "names.csv").write_text(PORTALS_BY_NAME, encoding="utf-8")
    by_code = run("--portals", str(registry.parent / "codes.csv"), "--out", str(out), "--config", str(registry))
    by_name = run("--portals", str(registry.parent / "names.csv"), "--out", str(out), "--config", str(registry))
    portals = {a.name: a.portal for a in load_file(out)}
    assert portals == {"宿迁市宿城区人民政府": "http://www.sqsc.gov.cn/", "宿迁市宿豫区人民政府": None,
                       "沭阳县人民政府": "http://www.shuyang.gov.cn/", "泗阳县人民政府": "http://www.siyang.gov.cn/",
                       "泗洪县人民政府": None}
    assert {a.name: a.domains for a in load_file(out)}["沭阳县人民政府"] == ("www.shuyang.gov.cn",)
    # Unmatched rows: file:line and why; the matched ones are written all the same.
    codes = str(registry.parent / "codes.csv")
    names = str(registry.parent / "names.csv")
    assert by_code.exit_code == 1 and by_name.exit_code == 1
    assert f"{codes}:3: 321300 is '宿迁市人民政府' in {registry / 'jiangsu.toml'}, not in {out}" in by_code.output
    assert f"{codes}:4: no entry with 区划代码 999999" in by_code.output
    assert f"{names}:3: no entry named '鼓楼区人民政府'" in by_name.output
    assert f"{names}:4: 泗洪县人民政府: 'ftp://www.sihong.gov.cn/' is not an http(s) URL" in by_name.output
    assert "1 portals added" in by_code.output and "2 portals added" in by_name.output
    assert len(load_registry(registry)) == 6


def test_import_portals_again_changes_nothing(registry: Path) -> None:
    import_suqian(registry)
    out = registry / "gov.toml"
    csv_file = registry.parent / "p.csv"
    csv_file.write_text("321322,http://www.shuyang.gov.cn/\n", encoding="utf-8")
    assert run("--portals", str(csv_file), "--out", str(out)).exit_code == 0
    first = out.read_bytes()
    again = run("--portals", str(csv_file), "--out", str(out))
    assert again.exit_code == 0 and out.read_bytes() == first
    assert "0 portals added" in again.output and "1 already there" in again.output


REGISTRY_WITH_PORTAL = """\
[[agency]]
name = "沭阳县人民政府"
region = "江苏省/宿迁市/沭阳县"
kind = "government"
code = "321322"
portal = "http://www.shuyang.gov.cn/"

[[agency]]
name = "宿迁市宿城区人民政府"
region = "江苏省/宿迁市/宿城区"
kind = "government"
notes = \"\"\"a note
[[agency]] quoted in a note is not a table\"\"\"
"""


def test_portals_keep_an_existing_portal_and_report_the_other() -> None:
    rows, bad = read_portals_csv("321322,https://new.shuyang.gov.cn/\n")
    result = add_portals(REGISTRY_WITH_PORTAL, "r.toml", rows)
    assert not bad and result.text == REGISTRY_WITH_PORTAL
    assert [u.reason for u in result.unmatched] == [
        "沭阳县人民政府 already has portal http://www.shuyang.gov.cn/; kept (the CSV gives https://new.shuyang.gov.cn/)"]


def test_portals_match_an_entry_without_code_through_the_division_list() -> None:
    rows, _ = read_portals_csv("321302,http://www.sqsc.gov.cn/\n")
    result = add_portals(REGISTRY_WITH_PORTAL, "r.toml", rows, names_by_code={"321302": "宿迁市宿城区人民政府"})
    assert {a.name: a.portal for a in load_text(result.text, "r.toml")}["宿迁市宿城区人民政府"] == "http://www.sqsc.gov.cn/"
    assert "a note\n[[agency]] quoted" in result.text


def test_portals_csv_with_a_header_naming_its_columns() -> None:
    rows, bad = read_portals_csv("\ufeffname,区划代码,网址\n沭阳县人民政府,,http://www.shuyang.gov.cn/\n,321302,http://x.gov.cn/\n")
    assert not bad
    assert [(r.line, r.key, r.url) for r in rows] == [(2, "沭阳县人民政府", "http://www.shuyang.gov.cn/"),
                                                      (3, "321302", "http://x.gov.cn/")]


def test_portals_csv_header_without_a_url_column_is_reported() -> None:
    rows, bad = read_portals_csv("区划代码,名称\n321322,沭阳县人民政府\n")
    assert rows == [] and bad[0].line == 1 and "names no portal column" in bad[0].reason


def test_portals_ambiguous_short_name_asks_for_the_code() -> None:
    text = "".join(f'[[agency]]\nname = "{city}鼓楼区人民政府"\nregion = "某省/{city}/鼓楼区"\nkind = "government"\n\n'
                   for city in ("南京市", "徐州市"))
    rows, _ = read_portals_csv("鼓楼区人民政府,http://gulou.gov.cn/\n")
    result = add_portals(text, "r.toml", rows)
    assert result.text == text
    assert "fits 2 entries (南京市鼓楼区人民政府, 徐州市鼓楼区人民政府); give the 区划代码" in result.unmatched[0].reason


# -- the registry's own validation of the new keys ------------------------------------------


def test_registry_accepts_portal_and_code_entries() -> None:
    agencies = load_text(REGISTRY_WITH_PORTAL, "r.toml")
    assert (agencies[0].portal, agencies[0].code, agencies[0].list_urls) == ("http://www.shuyang.gov.cn/", "321322", ())
    assert agencies[1].portal is None and agencies[1].domains == ()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('portal = "http://www.shuyang.gov.cn/"', 'portal = "www.shuyang.gov.cn"'), "'portal' must be an http(s) URL"),
        (('code = "321322"', "code = 321322"), "'code' must be a 6-digit 区划代码"),
        (('code = "321322"', 'code = "3213"'), "'code' must be a 6-digit 区划代码"),
    ],
)
def test_registry_refuses_bad_portal_and_code(change: tuple[str, str], message: str) -> None:
    with pytest.raises(RegistryError, match=re.escape(message)):
        load_text(REGISTRY_WITH_PORTAL.replace(*change), "r.toml")


def test_registry_refuses_one_code_twice(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(REGISTRY_WITH_PORTAL, encoding="utf-8")
    (tmp_path / "b.toml").write_text('[[agency]]\nname = "沭阳县政府"\nregion = "江苏省/宿迁市/沭阳县"\n'
                                     'kind = "government"\ncode = "321322"\n', encoding="utf-8")
    with pytest.raises(RegistryError, match="has code 321322, already '沭阳县人民政府'"):
        load_registry(tmp_path)


def test_import_keeps_the_registry_files_mode(registry: Path) -> None:
    import_suqian(registry)
    out = registry / "gov.toml"
    out.chmod(0o640)
    csv_file = registry.parent / "p.csv"
    csv_file.write_text("321322,http://www.shuyang.gov.cn/\n", encoding="utf-8")
    assert run("--portals", str(csv_file), "--out", str(out)).exit_code == 0
    assert out.stat().st_mode & 0o777 == 0o640
