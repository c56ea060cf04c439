"""Attribution: a report goes to the agency it names, matched to the registry within its region;
an agency the registry lacks, or a name several agencies fit, is said, never the column owner's.
Titles are real ones (tests/fixtures/collected, ../shared/fixtures/real, seeds) or in their shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.attribution import Attribution, Filed, Registry, attribute, canonical, named_in_title
from crawler.registry import Agency, load_text

ROOT = Path(__file__).resolve().parents[2]
COLLECTED = ROOT / "tests" / "fixtures" / "collected"
SEEDS = ROOT.parent / "shared" / "fixtures" / "seeds"
REAL = ROOT.parent / "shared" / "fixtures" / "real"

REGISTRY_TOML = """
[[agency]]
name = "淮安市人民政府"
region = "江苏省/淮安市"
kind = "government"

[[agency]]
name = "淮安市人民政府办公室"
region = "江苏省/淮安市"
kind = "department"

[[agency]]
name = "淮安市洪泽区人民政府"
region = "江苏省/淮安市/洪泽区"
kind = "government"
former_names = ["洪泽县人民政府"]

[[agency]]
name = "淮安市洪泽区财政局"
region = "江苏省/淮安市/洪泽区"
kind = "department"

[[agency]]
name = "沭阳县人民政府"
region = "江苏省/宿迁市/沭阳县"
kind = "government"

[[agency]]
name = "沭阳县发展和改革局"
region = "江苏省/宿迁市/沭阳县"
kind = "department"

[[agency]]
name = "上海市科学技术委员会"
region = "上海市"
kind = "department"

[[agency]]
name = "上海市人民政府办公厅"
region = "上海市"
kind = "department"

[[agency]]
name = "平潭综合实验区管理委员会"
region = "福建省/平潭综合实验区"
kind = "government"

[[agency]]
name = "克拉玛依市独山子区城市管理局"
region = "新疆维吾尔自治区/克拉玛依市/独山子区"
kind = "department"

[[agency]]
name = "乌鲁木齐市天山区人民政府"
region = "新疆维吾尔自治区/乌鲁木齐市/天山区"
kind = "government"

[[agency]]
name = "卫辉市信访局"
region = "河南省/新乡市/卫辉市"
kind = "department"

[[agency]]
name = "卫辉市人民政府"
region = "河南省/新乡市/卫辉市"
kind = "government"

[[agency]]
name = "甲县城关镇人民政府"
region = "河南省/新乡市/甲县/城关镇"
kind = "government"

[[agency]]
name = "乙县城关镇人民政府"
region = "河南省/新乡市/乙县/城关镇"
kind = "government"

[[agency]]
name = "甲县人民政府"
region = "河南省/新乡市/甲县"
kind = "government"

[[agency]]
name = "新乡市人民政府"
region = "河南省/新乡市"
kind = "government"
"""
AGENCIES = {a.name: a for a in load_text(REGISTRY_TOML, "test registry")}
# Division names as registry_divisions gives them (a few; the pipeline passes all 3,209).
DIVISIONS = ("江苏省", "淮安市", "洪泽区", "宿迁市", "沭阳县", "泗阳县", "上海市", "新乡市", "卫辉市")
REGISTRY = Registry(AGENCIES.values(), DIVISIONS)


def decide(title: str | None, column: str | None, record_agency: str | None = None, text: str = "") -> Attribution:
    return attribute(title, record_agency, text, REGISTRY, AGENCIES[column] if column else None)


def collected_titles() -> list[tuple[str, str | None, str | None]]:
    rows = []
    for path in sorted(COLLECTED.glob("*.expected.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        rows.append((path.name, record.get("title"), record.get("agency")))
    return rows


@pytest.mark.parametrize(("column", "title", "record_agency", "filed", "agency"), [
    # A county-level column listing the city's report, the city's office's, a department's.
    ("淮安市洪泽区人民政府", "淮安市人民政府2024年政府信息公开工作年度报告", "淮安市人民政府", Filed.OTHER, "淮安市人民政府"),
    ("淮安市人民政府", "淮安市人民政府办公室2022年政府信息公开工作年度报告", None, Filed.OTHER, "淮安市人民政府办公室"),
    ("淮安市人民政府办公室", "淮安市人民政府2024年政府信息公开工作年度报告", None, Filed.OTHER, "淮安市人民政府"),
    ("淮安市洪泽区人民政府", "淮安市洪泽区财政局2023年政府信息公开工作年度报告", None, Filed.OTHER, "淮安市洪泽区财政局"),
    # The 洪泽 case: one agency, with and without its city's name (real PDFs' titles).
    ("淮安市洪泽区人民政府", "洪泽区人民政府2023年政府信息公开工作年度报告", "洪泽区人民政府", Filed.OWN, "淮安市洪泽区人民政府"),
    ("淮安市洪泽区人民政府", "淮安市洪泽区人民政府2024年政府信息公开工作年度报告", None, Filed.OWN, "淮安市洪泽区人民政府"),
    ("淮安市人民政府", "洪泽区人民政府2023年政府信息公开工作年度报告", None, Filed.OTHER, "淮安市洪泽区人民政府"),
    ("淮安市人民政府", "江苏省淮安市洪泽区人民政府2023年政府信息公开工作年度报告", None, Filed.OTHER, "淮安市洪泽区人民政府"),
    # A rename: the registry's former name.
    ("淮安市人民政府", "洪泽县人民政府2015年政府信息公开工作年度报告", None, Filed.OTHER, "淮安市洪泽区人民政府"),
    # 政府 for 人民政府; a bare division in the title is its government's report.
    ("淮安市洪泽区人民政府", "淮安市政府2024年政府信息公开工作年度报告", None, Filed.OTHER, "淮安市人民政府"),
    ("淮安市洪泽区人民政府", "淮安市2024年政府信息公开工作年度报告", None, Filed.OTHER, "淮安市人民政府"),
    ("淮安市人民政府", "淮安市政府信息公开工作年度报告（2019年）", None, Filed.OWN, "淮安市人民政府"),
    # Department abbreviations, when one agency fits.
    ("沭阳县人民政府", "沭阳县发改局2023年政府信息公开年度报告", None, Filed.OTHER, "沭阳县发展和改革局"),
    ("上海市人民政府办公厅", "2024年上海市科委政府信息公开工作年度报告", None, Filed.OTHER, "上海市科学技术委员会"),
    # An organ named without its place: the one of the column's own region.
    ("淮安市洪泽区人民政府", "财政局2023年政府信息公开工作年度报告", None, Filed.OTHER, "淮安市洪泽区财政局"),
    # A township named alone: the county whose column lists it decides.
    ("甲县人民政府", "城关镇人民政府2023年政府信息公开工作年度报告", None, Filed.OTHER, "甲县城关镇人民政府"),
    # Title first: the opening's organ (here the office) does not override it.
    ("平潭综合实验区管理委员会", "平潭综合实验区2023年度政府信息公开工作年度报告", "平潭综合实验区管委会办公室",
     Filed.OWN, "平潭综合实验区管理委员会"),
])
def test_attribute_files_a_report_under_the_agency_it_names(column, title, record_agency, filed, agency) -> None:
    found = decide(title, column, record_agency)
    assert (found.filed, found.agency) == (filed, agency), found.reason
    assert found.source == "title"


@pytest.mark.parametrize(("column", "title"), [
    ("淮安市人民政府", "淮安市人民政府办公室2024年政府信息公开工作年度报告"),  # the office, not its government
    ("淮安市人民政府办公室", "淮安市人民政府2024年政府信息公开工作年度报告"),
])
def test_attribute_never_takes_an_office_for_its_government(column, title) -> None:
    found = decide(title, column)
    assert found.filed == Filed.OTHER and found.agency != column, found.reason


@pytest.mark.parametrize(("column", "title", "named"), [
    ("淮安市洪泽区人民政府", "淮安市洪泽区岔河镇人民政府2023年政府信息公开工作年度报告", "淮安市洪泽区岔河镇人民政府"),
    ("淮安市洪泽区人民政府", "淮安市洪泽区住房和城乡建设局2023年政府信息公开工作年度报告", "淮安市洪泽区住房和城乡建设局"),
    # Another city's district of the same name: the prefix is of another region.
    ("淮安市人民政府", "宿迁市洪泽区人民政府2024年政府信息公开工作年度报告", "宿迁市洪泽区人民政府"),
    # One character off the owner's name, but a real county's: not a misprint.
    ("沭阳县人民政府", "泗阳县人民政府2025年政府信息公开工作年度报告", "泗阳县人民政府"),
    # A department the registry lacks is not its government.
    ("卫辉市人民政府", "卫辉市教育局2021年政府信息公开工作年度报告", "卫辉市教育局"),
])
def test_attribute_an_unregistered_agency_is_kept_apart_never_the_column_owners(column, title, named) -> None:
    found = decide(title, column)
    assert found.filed == Filed.UNREGISTERED, found.reason
    assert found.agency is None and found.named == named
    assert "not in the registry" in found.reason


def test_attribute_a_name_two_regions_share_is_not_guessed() -> None:
    found = decide("城关镇人民政府2023年政府信息公开工作年度报告", "新乡市人民政府")
    assert found.filed == Filed.AMBIGUOUS and found.agency is None
    assert "甲县城关镇人民政府" in found.reason and "乙县城关镇人民政府" in found.reason


def test_attribute_a_misprinted_place_of_the_owner_is_the_owners() -> None:
    # The real report calls itself 沐阳县人民政府 throughout (shuyang_county_2025.md); no division is 沐阳县.
    found = decide("沐阳县人民政府2025年政府信息公开工作年度报告", "沭阳县人民政府", "沐阳县人民政府")
    assert (found.filed, found.agency) == (Filed.OWN, "沭阳县人民政府"), found.reason
    assert "misprint" in found.reason
    # Listed in another agency's column, the same misprint is not guessed.
    assert decide("沐阳县人民政府2025年政府信息公开工作年度报告", "淮安市人民政府").filed == Filed.UNREGISTERED
    # Without the division names nothing is taken for a misprint.
    plain = attribute("沐阳县人民政府2025年政府信息公开工作年度报告", None, "", Registry(AGENCIES.values()),
                      AGENCIES["沭阳县人民政府"])
    assert plain.filed == Filed.UNREGISTERED


@pytest.mark.parametrize(("name", "title", "record_agency"), collected_titles())
def test_attribute_collected_reports_in_their_own_column(name, title, record_agency) -> None:
    owners = {"kewei": "上海市科学技术委员会", "pingtan": "平潭综合实验区管理委员会",
              "shanghai": "上海市人民政府办公厅", "shuyang_county": "沭阳县人民政府",
              "shuyang_fgj": "沭阳县发展和改革局"}
    owner = next(agency for prefix, agency in owners.items() if name.startswith(prefix))
    found = decide(title, owner, record_agency)
    assert (found.filed, found.agency) == (Filed.OWN, owner), found.reason


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.expected.json")), ids=lambda p: p.name[:3])
def test_attribute_seed_reports_by_their_opening(path: Path) -> None:
    """The seeds have no title: the opening's organ decides, in a column of another agency too."""
    record = json.loads(path.read_text(encoding="utf-8"))
    organ = record.get("agency")
    elsewhere = decide(None, "新乡市人民政府", organ)
    if organ is None:
        assert decide(None, "新乡市人民政府").filed == Filed.OWN  # names nobody: the column's word
        return
    registered = {canonical(a.name).endswith(canonical(organ)) for a in AGENCIES.values()}
    assert elsewhere.source == "opening"
    if True in registered:
        assert elsewhere.filed in (Filed.OTHER, Filed.OWN) and elsewhere.agency.endswith(organ), elsewhere.reason
    else:
        assert elsewhere.filed == Filed.UNREGISTERED


@pytest.mark.parametrize(("pdf", "agency"), [
    ("hongze_district_2023.pdf", "淮安市洪泽区人民政府"),
    ("hongze_district_2024.pdf", "淮安市洪泽区人民政府"),
    ("huaian_city_2024.pdf", "淮安市人民政府"),
])
def test_attribute_real_pdfs_listed_in_the_city_column(pdf: str, agency: str) -> None:
    from parsing import parse_report
    from storage.archive import record_text

    record = parse_report((REAL / pdf).read_bytes(), f"http://www.huaian.gov.cn/{pdf}", "application/pdf")
    found = attribute(record.title, record.agency, record_text(record), REGISTRY, AGENCIES["淮安市人民政府"])
    assert found.agency == agency, found.reason


def test_attribute_a_report_naming_nobody_is_the_column_owners_or_unnamed() -> None:
    assert decide("2023年度政府信息公开工作年度报告", "卫辉市信访局").agency == "卫辉市信访局"
    assert decide("2023年度政府信息公开工作年度报告", None).filed == Filed.UNNAMED


def test_attribute_reads_the_text_when_title_and_opening_name_nobody() -> None:
    found = decide("2023年度政府信息公开工作年度报告", "新乡市人民政府",
                   text="本报告由卫辉市信访局根据《中华人民共和国政府信息公开条例》编制。")
    assert (found.filed, found.agency, found.source) == (Filed.OTHER, "卫辉市信访局", "text")


@pytest.mark.parametrize(("title", "named"), [
    ("淮安市洪泽区人民政府2024年政府信息公开工作年度报告", "淮安市洪泽区人民政府"),
    ("2024年上海市科委政府信息公开工作年度报告", "上海市科委"),
    ("2023年度政府信息公开工作年度报告", None),
    ("沭阳县人民政府办公室关于沭阳县2023年政府信息公开工作年度报告", "沭阳县"),
    ("【年度报告】某区统计局2020年政府信息公开工作年度报告.pdf", "某区统计局"),
    ("淮安市政府信息公开工作年度报告（2019年）", "淮安市"),
    ("淮安市人民政府政府信息公开工作年度报告", "淮安市人民政府"),
])
def test_named_in_title(title: str, named: str | None) -> None:
    assert named_in_title(title) == named


def test_canonical_names_variants_alike_and_organs_apart() -> None:
    assert canonical("淮安市政府") == canonical("淮安市人民政府")
    assert canonical("沭阳县发改局") == canonical("沭阳县发展和改革局") == canonical("沭阳县发展改革局")
    assert canonical("淮安市政府办") == canonical("淮安市人民政府办公室")
    assert canonical("淮安市人民政府办公室") != canonical("淮安市人民政府")


def test_registry_former_names_are_validated() -> None:
    from crawler.registry import RegistryError

    base = 'name = "淮安市洪泽区人民政府"\nregion = "江苏省/淮安市/洪泽区"\nkind = "government"\n'
    assert load_text(f"[[agency]]\n{base}former_names = [\"洪泽县人民政府\"]\n", "x")[0].former_names == (
        "洪泽县人民政府",)
    for bad in ('former_names = []', 'former_names = "洪泽县人民政府"', 'former_names = ["淮安市洪泽区人民政府"]',
                'former_names = [""]'):
        with pytest.raises(RegistryError, match="former_names"):
            load_text(f"[[agency]]\n{base}{bad}\n", "x")


def test_registry_a_former_name_is_no_other_agencys_name(tmp_path: Path) -> None:
    from crawler.registry import RegistryError, load_registry

    (tmp_path / "a.toml").write_text(
        '[[agency]]\nname = "洪泽县人民政府"\nregion = "江苏省/淮安市/洪泽县"\nkind = "government"\n'
        '[[agency]]\nname = "淮安市洪泽区人民政府"\nregion = "江苏省/淮安市/洪泽区"\nkind = "government"\n'
        'former_names = ["洪泽县人民政府"]\n', encoding="utf-8")
    with pytest.raises(RegistryError, match="former name '洪泽县人民政府'"):
        load_registry(tmp_path)


def test_registry_agencies_are_registry_entries() -> None:
    assert all(isinstance(a, Agency) for a in AGENCIES.values())
