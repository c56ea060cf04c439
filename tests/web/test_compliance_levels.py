"""The monitor page's compliance summary one region level below its filter
(nianbao.web.compliance): the evaluation's per-county rows summed, the rate recomputed."""

from __future__ import annotations

from nianbao.web.compliance import region_level, summary_levels


def _row(region: str, kind: str = "department", **counts: int) -> dict:
    full = {"on_time": 0, "late": 0, "missing": 0, "unreachable": 0, "not_due": 0, "undated": 0, **counts}
    return {"region": region, "kind": kind, **full}


SUMMARY = [
    _row("江苏省/南京市/玄武区", on_time=2, late=1),
    _row("江苏省/南京市/秦淮区", missing=1, unreachable=2),
    _row("江苏省/苏州市", on_time=1),
    _row("江苏省/苏州市", "government", late=1),
    _row("浙江省/杭州市/西湖区", on_time=1, undated=1),
    _row("(all)", on_time=4, late=1, missing=1, unreachable=2, undated=1),
    _row("(all)", "government", late=1),
]


def test_region_level_cuts_one_level_below_the_filter() -> None:
    assert region_level("江苏省/南京市/玄武区", "") == "江苏省"
    assert region_level("江苏省/南京市/玄武区", "江苏省") == "江苏省/南京市"
    assert region_level("江苏省/南京市/玄武区", "江苏省/南京市") == "江苏省/南京市/玄武区"
    assert region_level("江苏省", "江苏省") == "江苏省"  # an agency of the filter's own level
    assert region_level("(all)", "") == "(all)"
    assert region_level("江苏省南京", "江苏省") == "江苏省南京"  # a prefix of the name, not of the path


def test_summary_by_province_sums_counts_and_recomputes_the_rate() -> None:
    rows = summary_levels(SUMMARY, None)
    assert [(r["region"], r["kind"]) for r in rows] == [
        ("江苏省", "department"), ("江苏省", "government"), ("浙江省", "department"),
        ("(all)", "department"), ("(all)", "government")]
    jiangsu = rows[0]
    assert (jiangsu["on_time"], jiangsu["late"], jiangsu["missing"], jiangsu["unreachable"]) == (3, 1, 1, 2)
    assert jiangsu["due"] == 5 and jiangsu["on_time_rate"] == 0.6  # unreachable agencies are not due
    assert rows[2]["undated"] == 1 and rows[2]["on_time_rate"] == 1.0
    assert [r["region_filter"] for r in rows] == ["江苏省", "江苏省", "浙江省", None, None]


def test_summary_under_a_province_lists_its_prefectures() -> None:
    jiangsu = [row for row in SUMMARY if row["region"].startswith("江苏省")] + SUMMARY[-2:]
    rows = summary_levels(jiangsu, "江苏省/")
    assert [(r["region"], r["kind"], r["due"]) for r in rows] == [
        ("江苏省/南京市", "department", 4), ("江苏省/苏州市", "department", 1), ("江苏省/苏州市", "government", 1),
        ("(all)", "department", 6), ("(all)", "government", 1)]
