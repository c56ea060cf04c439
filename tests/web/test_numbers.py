"""The numbers page (/numbers, /numbers.csv, /api/stats): rank, compare and series of a field or a
rate, rates null over a blank or zero denominator, one chart mark per row, and the CSV and JSON
holding exactly the rows the page shows. On a small archive whose cells are set by hand."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import html as lxml_html
from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from nianbao.devportal.documents import sample_tables
from nianbao.devportal.render import render_html_page
from storage import Archive, CaptureIn
from storage.models import Agency, Report, ReportVersion
from storage.number_frame import read_column as _read_column
from storage.rates import RATES, ratio, strict_sum

DENIED = RATES["refused"].numerator
PROCESSED = "applications.total_processed.total"
CORRECTED, REVIEWED = "review_litigation.review.corrected", "review_litigation.review.total"
NEW = "applications.new_received.total"
AGENCIES = {"甲局": ("江苏省/淮安市", "department"), "乙局": ("江苏省/宿迁市", "department"),
            "丙政府": ("福建省/福州市", "government")}
# (agency, year): the eight 不予公开 cells, （七）总计, 复议 纠正 and 总计, 新收 总计
CELLS = {
    ("甲局", 2021): ([1, 1, 0, 0, 0, 0, 0, 0], 10, 1, 4, 10),
    ("甲局", 2022): ([3, 0, 0, 0, 0, 0, 0, 0], 0, 0, 0, 0),  # zero denominators
    ("甲局", 2023): ([1, None, 0, 0, 0, 0, 0, 0], 20, None, 5, None),  # blank cells
    ("乙局", 2021): ([5, 0, 0, 0, 0, 0, 0, 0], 20, 2, 2, 20),
    ("丙政府", 2021): ([0] * 8, 8, 0, 3, 5),
}


def _set(record: dict, path: str, value) -> None:
    *parents, leaf = path.split(".")
    node = record
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    from nianbao.web.app import create_app

    data: Path = tmp_path_factory.mktemp("numbers")
    archive = Archive.open(data, f"sqlite:///{data / 'nianbao.sqlite3'}")
    at = dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC)
    for i, ((agency, year), (denied, processed, corrected, reviewed, new)) in enumerate(CELLS.items()):
        body = render_html_page(sample_tables("2021", agency=agency, year=year, seed=i), filler_links=0)
        url = f"https://x.gov.cn/{i}.html"
        result = archive.ingest(CaptureIn(url, body.encode("utf-8"), at, content_type="text/html; charset=utf-8",
                                          agency=agency))
        assert result.report_id is not None, result.parse_error
        with archive.session() as session, session.begin():
            report = session.get(Report, result.report_id)
            assert report.year == year
            for version in session.scalars(select(ReportVersion).where(ReportVersion.report_id == report.id)):
                record = copy.deepcopy(version.record)
                for path, value in [*zip(DENIED, denied), (PROCESSED, processed), (CORRECTED, corrected),
                                    (REVIEWED, reviewed), (NEW, new)]:
                    _set(record, path, value)
                version.record = record
                flag_modified(version, "record")
            found = session.scalar(select(Agency).where(Agency.name == agency))
            found.region, found.kind = AGENCIES[agency]
    try:
        client = create_app(archive).test_client()
        client.nianbao_archive = archive  # for tests that open a second app on it
        yield client
    finally:
        archive.close()


def rows(client, query: str) -> list[dict]:
    response = client.get("/api/stats?" + query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["rows"]


def test_rates_are_null_over_a_null_or_zero_denominator() -> None:
    assert ratio(1, 4) == 0.25 and ratio(0, 4) == 0
    assert ratio(1, 0) is None and ratio(1, None) is None and ratio(None, 4) is None and ratio(0, 0) is None
    assert strict_sum([1, 2, 0]) == 3 and strict_sum([1, None, 2]) is None and strict_sum([]) == 0


def test_a_field_asked_again_is_summed_from_kept_arrays_with_the_sql_answers(client, monkeypatch) -> None:
    """The first view of a field in an archive state is summed in SQL, the next ones from the cells
    read into arrays (storage.number_frame): two fresh apps asking the same views in opposite orders
    answer each view one way and the other, and agree."""
    import nianbao.web.numbers as numbers
    from nianbao.web.app import create_app

    reads = []

    def counted(archive, path, entries):
        reads.append(path)
        return _read_column(archive, path, entries)

    monkeypatch.setattr(numbers, "read_column", counted)
    views = [f"field={NEW}&by=year", f"field={NEW}&by=agency", f"field={NEW}&by=region&year=2021",
             "field=rate:corrected&by=agency", "field=rate:corrected&by=year", "field=rate:corrected&kind=department"]
    forward = create_app(client.nianbao_archive).test_client()
    answers = {view: rows(forward, view) for view in views}
    assert reads.count(NEW) == 1 and reads.count(RATES["corrected"].numerator[0]) == 1  # from the second view
    backward = create_app(client.nianbao_archive).test_client()
    assert {view: rows(backward, view) for view in reversed(views)} == answers
    assert any(answers.values())


def test_numbers_rank_agencies_by_refusal_rate(client) -> None:
    ranked = rows(client, "field=rate:refused&year=2021")
    assert [(r["agency"], r["numerator"], r["denominator"], r["rate_percent"]) for r in ranked] == [
        ("乙局", 5, 20, 25.0), ("甲局", 2, 10, 20.0), ("丙政府", 0, 8, 0.0)]  # 0 refused is 0%, not unknown
    assert ranked[0]["region"] == "江苏省/宿迁市" and ranked[0]["permalink"].endswith("/agencies/%E4%B9%99%E5%B1%80")


def test_numbers_rate_over_reports_with_a_blank_cell_is_unknown_and_ranked_last(client) -> None:
    ranked = rows(client, "field=rate:refused")
    assert [r["agency"] for r in ranked] == ["乙局", "丙政府", "甲局"]
    jia = ranked[-1]
    assert (jia["reports"], jia["numerator"], jia["rate_percent"], jia["missing_cells"]) == (3, None, None, 1)


def test_numbers_series_of_one_agency_in_year_order(client) -> None:
    series = rows(client, "field=rate:corrected&by=year&agency=甲局")
    assert [(r["year"], r["numerator"], r["denominator"], r["rate_percent"], r["missing_cells"]) for r in series] == [
        (2021, 1, 4, 25.0, 0), (2022, 0, 0, None, 0), (2023, None, 5, None, 1)]


def test_numbers_compare_named_agencies_blank_apart_from_zero(client) -> None:
    compared = rows(client, "field=新收 总计&agency=甲局&agency=丙政府")
    assert [(r["agency"], r["sum"], r["count"], r["nulls"]) for r in compared] == [("甲局", 10, 2, 1), ("丙政府", 5, 1, 0)]


def test_numbers_field_by_label_words_and_candidates_when_ambiguous(client) -> None:
    body = client.get("/api/stats?field=国家秘密 总计&by=year").get_json()
    assert body["field"] == DENIED[0] and body["label"] == "（三）不予公开 1.属于国家秘密 · 总计"
    response = client.get("/api/stats?field=国家秘密")
    assert response.status_code == 400
    assert {c["field"] for c in response.get_json()["candidates"]} >= {DENIED[0], "applications.denied_state_secret.natural_person"}
    page = client.get("/numbers?field=国家秘密")
    assert page.status_code == 400
    links = lxml_html.fromstring(page.get_data(as_text=True)).cssselect("#candidates a")
    assert any(a.get("href").endswith("field=" + DENIED[0]) for a in links)
    # Words of a rate offer the rate first.
    offered = client.get("/api/stats?field=不予公开").get_json()["candidates"]
    assert offered[0] == {"field": "rate:refused", "label": RATES["refused"].label}
    assert DENIED[0] in {c["field"] for c in offered}


def _page(client, query: str):
    response = client.get("/numbers?" + query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return lxml_html.fromstring(response.get_data(as_text=True))


def _table(doc) -> list[list[str]]:
    return [[cell.text_content().strip() for cell in tr.cssselect("td[data-column]")]
            for tr in doc.cssselect("#numbers-table tbody tr")]


QUERIES = ["field=rate:refused", "field=rate:corrected&by=year&agency=甲局", "field=新收 总计&agency=甲局&agency=丙政府",
           "field=rate:refused&by=region&year=2021"]


@pytest.mark.parametrize("query", QUERIES)
def test_numbers_chart_has_one_mark_per_row_with_its_value(client, query) -> None:
    doc = _page(client, query)
    table = _table(doc)
    [svg] = doc.cssselect("svg#numbers-chart")
    assert svg.cssselect("title")[0].text_content().strip()
    assert len(svg.cssselect("text.axis-label")) == 2
    marks = svg.cssselect("g.mark")
    assert len(marks) == len(table) >= 2
    value_column = [th.text_content() for th in doc.cssselect("#numbers-table thead th")].index(
        "比率 rate %" if "rate:" in query else "合计 sum")
    assert [m.get("data-value") for m in marks] == [row[value_column] for row in table]
    assert [m.cssselect("text.value")[0].text_content() for m in marks] == [row[value_column] for row in table]


@pytest.mark.parametrize("query", QUERIES)
def test_numbers_csv_equals_the_rows_shown_and_json_equals_csv(client, query) -> None:
    doc = _page(client, query)
    csv_href = doc.cssselect("#download-csv")[0].get("href")
    response = client.get(csv_href)
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff") and response.headers["Content-Disposition"].startswith("attachment")
    header, *body = list(csv.reader(io.StringIO(text[1:])))
    shown_heads = [th.text_content() for th in doc.cssselect("#numbers-table thead th")]
    permalink = "链接 permalink" in header
    assert header[: len(header) - permalink] == shown_heads[: len(header) - permalink]
    assert [row[: len(row) - permalink] for row in body] == [
        ["" if cell == "—" else cell for cell in row] for row in _table(doc)]
    if permalink:
        assert [row[-1] for row in body] == [a.get("href") for a in doc.cssselect("#numbers-table a.agency")]
    payload = client.get(doc.cssselect("#download-json")[0].get("href")).get_json()
    assert [c["head"] for c in payload["columns"]] == header
    assert [["" if row[c["key"]] is None else str(row[c["key"]]) for c in payload["columns"]]
            for row in payload["rows"]] == body


def test_numbers_permalink_is_the_state(client) -> None:
    doc = _page(client, "field=行政复议 结果纠正&by=year&agency=甲局&year=2021..2023")
    link = doc.cssselect("#permalink")[0].get("href")
    assert "field=review_litigation.review.corrected" in link
    again = _page(client, link.split("?", 1)[1])
    assert _table(again) == _table(doc) and len(_table(doc)) == 3
    assert again.cssselect("#field-select option[selected]")[0].get("value") == CORRECTED


def test_numbers_bad_parameters_are_400s(client) -> None:
    for query in ("field=rate:nonsense", "field=rate:refused&by=week", "field=rate:refused&top=0",
                  "field=rate:refused&year=20x1", "field="):
        assert client.get("/api/stats?" + query).status_code == 400, query
