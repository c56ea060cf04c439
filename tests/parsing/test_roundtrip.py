"""Property test: a random valid record, rendered into every shape, parses back exactly."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsing import parse_html, parse_text
from parsing.schema import ACTIVE_ROWS, APPLICANT_COLUMNS, APPLICATION_ROWS, REVIEW_GROUPS, REVIEW_OUTCOMES
from nianbao.devportal.render import SHAPES, ReportTables, render_html_page

AGENCIES = ["卫辉市信访局", "临翔区政务服务管理局", "淮安市人民政府", "安居区人民政府", "独山子区城市管理局",
            "浦东新区生态环境局", "乌鲁木齐市天山区教育局", "荔湾区市场监督管理局"]

counts = st.one_of(st.none(), st.integers(0, 40), st.integers(0, 99_999))
amounts = st.one_of(
    st.none(),
    st.integers(0, 50_000),
    st.decimals(min_value=0, max_value=99_999, places=2, allow_nan=False).map(lambda d: float(d.normalize())),
)


@st.composite
def report_tables(draw) -> ReportTables:
    fmt = draw(st.sampled_from(["2021", "2019"]))
    year = draw(st.integers(2021, 2025) if fmt == "2021" else st.integers(2019, 2020))
    active = {}
    for spec in ACTIVE_ROWS[fmt]:
        row = {}
        for column in spec.columns:
            if column in spec.amount_columns:
                row[column] = draw(amounts)
            elif column == "items_change":
                row[column] = draw(st.one_of(st.none(), st.integers(-50, 50)))
            else:
                row[column] = draw(counts)
        active[spec.key] = row
    applications = {r: {c: draw(counts) for c in APPLICANT_COLUMNS} for r in APPLICATION_ROWS[fmt]}
    review = {g: {o: draw(counts) for o in REVIEW_OUTCOMES} for g in REVIEW_GROUPS}
    return ReportTables(draw(st.sampled_from(AGENCIES)), year, fmt, active, applications, review)


def _assert_same(record, t: ReportTables, shape: str) -> None:
    assert record.format == t.format, shape
    assert record.year == t.year, shape
    assert record.agency == t.agency, shape
    assert record.active == t.active, shape
    assert record.applications == t.applications, shape
    assert record.review_litigation == t.review_litigation, shape


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report_tables())
def test_text_shapes_roundtrip(t: ReportTables) -> None:
    for shape, render in SHAPES.items():
        record = parse_text(render(t))
        _assert_same(record, t, shape)
        assert not any("unreadable" in w for w in record.warnings), (shape, record.warnings)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report_tables())
def test_html_page_with_rowspans_roundtrips(t: ReportTables) -> None:
    record = parse_html(render_html_page(t), "https://example.gov.cn/art/2022/1/25/art_1_1.html")
    _assert_same(record, t, "html")
    assert record.title == t.title
    assert str(record.published_on) == "2022-01-25"
