"""Property test: a random valid record, rendered into every shape, parses back exactly."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from nianbao.devportal.random_tables import report_tables
from nianbao.devportal.record_match import assert_record_matches
from nianbao.devportal.render import SHAPES, ReportTables, render_html_page
from parsing import parse_html, parse_text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report_tables())
def test_text_shapes_roundtrip(t: ReportTables) -> None:
    for shape, render in SHAPES.items():
        record = parse_text(render(t))
        assert_record_matches(record, t, shape)
        assert not any("unreadable" in w for w in record.warnings), (shape, record.warnings)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report_tables())
def test_html_page_with_rowspans_roundtrips(t: ReportTables) -> None:
    record = parse_html(render_html_page(t), "https://example.gov.cn/art/2022/1/25/art_1_1.html")
    assert_record_matches(record, t, "html")
    assert record.title == t.title
    assert str(record.published_on) == "2022-01-25"
