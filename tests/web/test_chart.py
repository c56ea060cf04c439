"""The monitoring page's compliance chart draws every monitor status, undated included."""

from nianbao.monitoring import MonitorStatus
from nianbao.web.app import compliance_chart


def test_compliance_chart_has_a_segment_for_every_status_counted() -> None:
    row = {"region": "江苏省", "kind": "department", "on_time_rate": 0.5,
           **{status.value: 1 for status in MonitorStatus}}
    chart = compliance_chart([row])
    assert chart["parts"] == tuple(status.value for status in MonitorStatus)
    assert [s["part"] for s in chart["bars"][0]["segments"]] == list(chart["parts"])
    assert round(sum(s["width"] for s in chart["bars"][0]["segments"])) == chart["width"]


def test_every_status_has_a_colour_in_the_stylesheet() -> None:
    from pathlib import Path

    import nianbao.web

    css = (Path(nianbao.web.__file__).parent / "static" / "style.css").read_text(encoding="utf-8")
    assert [s.value for s in MonitorStatus if f"svg.chart .seg.{s.value} {{ fill:" not in css] == []
