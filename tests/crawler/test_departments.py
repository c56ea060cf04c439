"""Which discovered columns and report names are a government's own departments and townships
(crawler.departments): names as the portal gives them, under the government's place; groups,
the government's own column, years, report titles and other divisions refused."""

from __future__ import annotations

import pytest

from crawler.attribution import Registry
from crawler.departments import TOWNSHIP, DEPARTMENT, unit_from_report, unit_name, units_from_columns
from crawler.registry import Agency
from storage.discovered import ColumnIn
from storage.vocab import AgencyKind

JIANYE = Agency("南京市建邺区人民政府", ("江苏省", "南京市", "建邺区"), AgencyKind.GOVERNMENT, portal="http://jy.example/")
NANJING = Agency("南京市人民政府", ("江苏省", "南京市"), AgencyKind.GOVERNMENT)


@pytest.mark.parametrize(("label", "name"), [
    ("南京市建邺区丹西街道办事处", "南京市建邺区丹西街道办事处"),
    ("南京市建邺区清港镇人民政府", "南京市建邺区清港镇人民政府"),
    ("南京市建邺区医疗保障局", "南京市建邺区医疗保障局"),
    ("财政局", "南京市建邺区财政局"),  # a bare organ: the government's own
    ("建邺区财政局", "南京市建邺区财政局"),  # the parent city left out
    ("金安镇人民政府", "南京市建邺区金安镇人民政府"),
])
def test_unit_name_names_a_unit_under_the_government(label, name) -> None:
    assert unit_name(label, JIANYE) == name


@pytest.mark.parametrize("label", [
    "部门", "乡镇街道", "本级", "镇街年报", "部门信息公开年报", "政府年报", "2023年",
    "建邺区政府",  # the government's own column
    "南京市建邺区人民政府2023年度政府信息公开工作年度报告",  # a report taken for a column
    "南京市鼓楼区财政局",  # another district's organ
    "某某县人民政府",  # another government
])
def test_unit_name_refuses_what_is_no_unit_of_the_government(label) -> None:
    assert unit_name(label, JIANYE) is None


def test_unit_name_refuses_a_registered_agency() -> None:
    registry = Registry([JIANYE, Agency("南京市建邺区财政局", JIANYE.region, AgencyKind.DEPARTMENT)])
    assert unit_name("财政局", JIANYE, registry) is None
    assert unit_name("南京市建邺区审计局", JIANYE, registry) == "南京市建邺区审计局"


def test_a_city_government_does_not_take_its_districts_for_units() -> None:
    assert unit_name("南京市鼓楼区人民政府", NANJING) is None
    assert unit_name("南京市财政局", NANJING) == "南京市财政局"


def _column(url: str, *texts: str, role: str = "unit") -> ColumnIn:
    return ColumnIn(url, role, [{"page": "p", "url": url, "text": t, "kind": "unit"} for t in texts]
                    + [{"page": url, "kind": "column page"}])


def test_units_from_columns_keeps_the_unit_columns_with_their_chain_and_kind() -> None:
    columns = [_column("http://jy.example/nb/", "政府信息公开年报", role="column"),
               _column("http://jy.example/nb/bm/", "政府信息公开年报", "部门"),
               _column("http://jy.example/nb/bm/czj/", "政府信息公开年报", "部门", "南京市建邺区财政局"),
               _column("http://jy.example/nb/xz/xz01/", "政府信息公开年报", "乡镇街道", "丹西街道办事处")]
    units = {u.name: u for u in units_from_columns(JIANYE, JIANYE.portal, columns)}
    assert set(units) == {"南京市建邺区财政局", "南京市建邺区丹西街道办事处"}
    finance, town = units["南京市建邺区财政局"], units["南京市建邺区丹西街道办事处"]
    assert (finance.unit, town.unit) == (DEPARTMENT, TOWNSHIP)
    assert finance.kind == town.kind == AgencyKind.DEPARTMENT  # both due 31 January
    assert finance.columns == ("http://jy.example/nb/bm/czj/",)
    assert [s["text"] for s in finance.evidence[0]["chain"]] == ["政府信息公开年报", "部门", "南京市建邺区财政局"]
    assert finance.region == "江苏省/南京市/建邺区" and finance.government == JIANYE.name


def test_unit_from_report_needs_the_government_place_in_the_name() -> None:
    report = {"url": "http://jy.example/a.html", "title": "t", "column": "http://jy.example/nb/"}
    unit = unit_from_report("南京市建邺区审计局", JIANYE, JIANYE.portal, report)
    assert unit is not None and unit.name == "南京市建邺区审计局" and unit.columns == ()
    assert unit.evidence[0]["kind"] == "report"
    assert unit_from_report("审计局", JIANYE, JIANYE.portal, report) is None  # whose? not said
    assert unit_from_report("南京市鼓楼区审计局", JIANYE, JIANYE.portal, report) is None
