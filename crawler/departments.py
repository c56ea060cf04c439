"""Which departments and townships a government's portal shows as publishers of their own: the
unit columns discovery found (a 年报 sub-column titled with a unit's name: 沭阳县发展和改革局,
金安镇人民政府, 丹西街道办事处) and the names reports in the government's columns give
themselves. They become *discovered* agencies (storage.discovered_agencies), kept apart from the
registry until accepted.

Kind: both are `AgencyKind.DEPARTMENT` (due 31 January). 条例 第四十九条 gives county-level-and-
above departments 31 January and county-level-and-above governments 31 March for the
consolidated report; a 乡镇/街道 is named in neither, but its report is one of the pieces the
county's consolidated report is built from, and county 政务公开 offices set it the departments'
31 January (the national test web dates them in January too). `unit` (department | township)
keeps the difference for display.

Pure: names and evidence in, `UnitAgency` values out; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from crawler.attribution import Registry, canonical
from crawler.registry import Agency
from storage.vocab import AgencyKind

DEPARTMENT = "department"
TOWNSHIP = "township"

# A unit's name ends with the word for an organ (or a township's place word).
_ORGAN_END = re.compile(r"(?:局|委员会|委|办公室|办|中心|厅|管委会|管理委员会|人民政府|政府|街道办事处|办事处|镇|乡|街道|"
                        r"苏木|院|署|队|所|站|馆|会)$")
_TOWNSHIP = re.compile(r"(?:镇|乡|街道|苏木)(?:人民政府|政府|办事处|街道办事处)?$|街道办事处$")
# Words of groups and of the government's own column, not one unit: 部门, 乡镇街道, 本级, 政府年报.
_GROUP = re.compile(r"^(?:市|县|区|州|旗)?(?:直)?(?:部门|乡镇|街道|镇街|乡镇街道|乡镇（街道）|本级|政府|单位|直属单位|"
                    r"市直部门|县直部门|区直部门)(?:年报|信息公开年报|信息公开)?$")
# A report's or a column's own words, not a unit's name.
_NOT_A_NAME = re.compile(r"年报|报告|年度|公开|目录|专栏|[0-9０-９]")
# A name that starts with a division (鼓楼区…, 沭阳县…): tried against the government's own.
_DIVISION_PREFIX = re.compile(r"^[\u4e00-\u9fff]{1,8}?(?:自治州|自治县|地区|省|市|区|县|旗|盟|州)")
# A county-level division's government (another government, not a unit of this one).
_DIVISION_GOVERNMENT = re.compile(r"(?:省|市|区|县|旗|州|盟|自治州|地区)(?:人民政府|政府)$")


@dataclass(frozen=True)
class UnitAgency:
    """A department or township of `government`, as its portal shows it."""

    name: str  # as the link or report names it, with the government's place before it when it had none
    region: str  # the government's region path
    government: str
    unit: str  # department | township
    kind: AgencyKind
    portal: str
    columns: tuple[str, ...]  # its own 年报 columns (source column); empty when found by reports only
    evidence: tuple[dict[str, Any], ...]


def place_of(government: Agency) -> str:
    """What a government's units put before their name: 沭阳县人民政府 -> 沭阳县."""
    name = government.name
    for suffix in ("人民政府", "行政公署", "政府"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def unit_of(name: str) -> str:
    return TOWNSHIP if _TOWNSHIP.search(name) else DEPARTMENT


def _within(name: str, government: Agency) -> str | None:
    """`name` with the government's place before it: as written when it starts with the place, the
    place put before it when it names none (财政局) or only part of it (鼓楼区财政局 in
    江苏省/南京市/鼓楼区); None when it names another division (南京市玄武区财政局 under 鼓楼区)."""
    place = place_of(government)
    if name.startswith(place):
        return name
    rest = name
    for parent in government.region[:-1]:  # 江苏省, 南京市: written or not
        rest = rest.removeprefix(parent)
    if rest.startswith(government.region[-1]):
        return place + rest[len(government.region[-1]):]
    other = _DIVISION_PREFIX.match(rest)
    if other and not _TOWNSHIP.search(other.group(0)):
        return None  # another division's organ
    return place + rest


def unit_name(label: str, government: Agency, registry: Registry | None = None) -> str | None:
    """The unit a column's or report's label names, under `government`; None when the label is
    a group (部门, 乡镇街道), the government's own column (本级, 玄武区政府), a year, a report's
    title, another government, or an agency the registry already has."""
    text = re.sub(r"\s+", "", label or "")
    if not text or len(text) > 40 or _GROUP.match(text) or _NOT_A_NAME.search(text):
        return None
    if not _ORGAN_END.search(text):
        return None
    own = Registry([government])
    if own.fitting(text) or own.governing(text) or canonical(text) == canonical(place_of(government) + "人民政府"):
        return None
    name = _within(text, government)
    if name is None:
        return None
    rest = name[len(place_of(government)):]
    if not rest or _DIVISION_GOVERNMENT.search(rest) and not _TOWNSHIP.search(rest):
        return None  # 某县人民政府: a government of its own, not a unit
    if registry is not None and (registry.fitting(name) or registry.fitting(text)):
        return None  # registered already
    return name


def units_from_columns(government: Agency, portal: str, columns: Iterable[Any],
                       registry: Registry | None = None) -> list[UnitAgency]:
    """The units whose own 年报 columns discovery found on `government`'s portal; `columns`:
    storage.discovered.ColumnIn-like values (url, role, evidence). A unit column's label is the
    text of the last link that led to it."""
    found: dict[str, UnitAgency] = {}
    for column in columns:
        steps = [step for step in column.evidence if step.get("text")]
        if not steps:
            continue
        label = steps[-1]["text"]
        name = unit_name(label, government, registry)
        if name is None:
            continue
        evidence = {"kind": "column", "url": column.url, "label": label, "role": column.role,
                    "chain": [{"page": s.get("page"), "text": s.get("text"), "url": s.get("url")} for s in steps]}
        previous = found.get(name)
        urls = (*previous.columns, column.url) if previous else (column.url,)
        found[name] = UnitAgency(name, government.region_path, government.name, unit_of(name), AgencyKind.DEPARTMENT,
                                 portal, urls, (*(previous.evidence if previous else ()), evidence))
    return list(found.values())


def unit_from_report(named: str, government: Agency, portal: str, report: dict[str, Any],
                     registry: Registry | None = None) -> UnitAgency | None:
    """A unit a report names (an agency the registry lacks, crawler.attribution's UNREGISTERED)
    when it lies under `government`, whose column listed the report; `report`: its url, title,
    column, as evidence."""
    name = unit_name(named, government, registry)
    if name is None or not named.startswith(tuple(_places(government))):
        return None  # a report naming an organ without this government's place is not evidence enough
    return UnitAgency(name, government.region_path, government.name, unit_of(name), AgencyKind.DEPARTMENT, portal,
                      (), ({"kind": "report", **report},))


def _places(government: Agency) -> Sequence[str]:
    place = place_of(government)
    return [place, *(place.removeprefix(p) for p in government.region[:-1] if place.startswith(p)),
            government.region[-1]]
