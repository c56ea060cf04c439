"""Random valid report tables as a hypothesis strategy, for the round-trip property tests and the
parse benchmark (render a random record into every shape, parse it back).

Needs hypothesis (the `test` extra: `pip install -e '.[test]'`); nothing else in
nianbao.devportal imports this module.
"""

from __future__ import annotations

from hypothesis import strategies as st

from nianbao.devportal.render import ReportTables
from parsing.schema import ACTIVE_ROWS, APPLICANT_COLUMNS, APPLICATION_ROWS, REVIEW_GROUPS, REVIEW_OUTCOMES

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
    """A strategy of `ReportTables`: either form (2021 or 2019) with a year it was used in, every
    cell blank, small or large (amounts with up to two decimals; the 2021 form's signed change
    in items), under one of `AGENCIES`. The form's identities need not hold."""
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
