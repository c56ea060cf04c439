"""The web UI's pages and JSON API through Flask's test client, over tests/web/build.py's archive."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re

import pytest
from lxml import html as lxml_html

from nianbao.monitoring import MonitorStatus
from nianbao.web.app import UI_CSP, create_app
from parsing.schema import APPLICATION_ROWS
from storage.clock import fixed_clock
from storage.vocab import AgencyKind


def doc(response):
    return lxml_html.fromstring(response.get_data(as_text=True))


# -- every page ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/?q=信息公开", "/reports/1", "/reports/1/diff", "/monitor"])
def test_page_sets_a_strict_csp_and_a_viewport(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == UI_CSP
    assert "script-src" not in UI_CSP and "default-src 'none'" in UI_CSP  # no script may run at all
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    page = doc(response)
    assert page.xpath("//meta[@name='viewport']/@content") == ["width=device-width, initial-scale=1"]
    assert not page.xpath("//script") and not page.xpath("//@*[starts-with(name(), 'on')]")


# -- search -----------------------------------------------------------------------------------

def test_search_page_shows_hits_with_marked_snippets_and_facets(client, built):
    page = doc(client.get("/?q=林业"))
    assert page.get_element_by_id("total").text == "1"
    assert page.xpath("//li[@class='hit']//mark/text()") and set(page.xpath("//li[@class='hit']//mark/text()")) == {"林业"}
    assert page.xpath(f"//li[@class='hit']/a[@class='title']/@href") == [f"/reports/{built.hostile}"]
    years = page.get_element_by_id("facet-year")
    assert "2021" in years.text_content()


def test_search_filters_are_get_parameters_and_facet_links_keep_the_query(client):
    page = doc(client.get("/?q=政府&format=2019"))
    total = int(page.get_element_by_id("total").text)
    assert total == 2  # the 2019-format DOCX and HTML reports
    links = page.xpath("//section[@id='facet-checks']//a/@href")
    assert links and all("q=%E6%94%BF%E5%BA%9C" in link and "format=2019" in link for link in links)


def test_search_failed_check_filter(client, built):
    page = doc(client.get("/?check=failed"))
    hrefs = set(page.xpath("//li[@class='hit']/a[@class='title']/@href"))
    assert hrefs == {f"/reports/{built.failed}", f"/reports/{built.edited}"}


def test_search_query_error_is_shown_with_the_query_kept_and_400(client):
    response = client.get('/?q="国家秘密')
    assert response.status_code == 400
    page = doc(response)
    assert page.get_element_by_id("query-error").text.strip()
    assert page.xpath("//input[@name='q']/@value") == ['"国家秘密']


def test_bad_parameter_is_a_400_naming_it(client):
    response = client.get("/?year=twenty")
    assert response.status_code == 400
    assert "year='twenty'" in response.get_data(as_text=True).replace("&#39;", "'")
    assert client.get("/api/search?per_page=1000").get_json()["error"].startswith("per_page=")
    assert client.get("/api/search?kind=bureau").get_json()["error"] == (
        "kind='bureau': expected 'department' or 'government'")
    assert client.get("/api/search?format=2020").get_json()["error"] == "format='2020': expected 2019 or 2021"
    assert client.get("/api/search?kind=government&format=2019").status_code == 200


def test_search_paginates_with_permalinks(client):
    first = doc(client.get("/?q=政府&per_page=3"))
    next_link = first.xpath("//nav[@class='pages']/a[@rel='next']/@href")
    assert next_link and "page=2" in next_link[0] and "per_page=3" in next_link[0]
    second = doc(client.get(next_link[0]))
    assert second.xpath("//ol[@class='hits']/@start") == ["4"]
    titles_1 = first.xpath("//li[@class='hit']/a[@class='title']/@href")
    titles_2 = second.xpath("//li[@class='hit']/a[@class='title']/@href")
    assert len(titles_1) == 3 and not set(titles_1) & set(titles_2)


def test_search_csv_holds_every_page_up_to_the_cap(built_archive):
    archive, _ = built_archive
    client = create_app(archive, export_cap=4).test_client()
    response = client.get("/search.csv?q=政府&per_page=2")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.get_data().startswith(b"\xef\xbb\xbf")  # the BOM: Excel then reads UTF-8
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert len(rows) == 4 and response.headers["X-Nianbao-Total"] == "7" and response.headers["X-Nianbao-Exported"] == "4"
    assert all(row["permalink"].startswith("http://localhost/reports/") for row in rows)
    full = create_app(archive).test_client().get("/search.json?q=政府").get_json()
    assert full["total"] == 7 and full["exported"] == 7 and not full["truncated"]


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised():
    from storage.csv_out import spreadsheet_safe as _csv_value

    assert _csv_value("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert _csv_value("政府") == "政府" and _csv_value(None) == ""


def test_api_search_mirrors_the_page(client, web_agencies):
    body = client.get("/api/search?q=林业&facets=1").get_json()
    assert body["total"] == 1 and body["hits"][0]["agency"] == web_agencies.hostile
    assert ["林业", True] in body["hits"][0]["snippet"]
    assert body["facets"]["year"] == {"2021": 1}
    assert client.get('/api/search?q="x').status_code == 400


# -- report page --------------------------------------------------------------------------------

def test_report_page_marks_the_cells_of_failed_checks(client, built):
    page = doc(client.get(f"/reports/{built.failed}"))
    failed = {td.get("data-path") for td in page.xpath("//td[contains(@class, 'failed')]")}
    # text_failed_checks.txt: row totals of new_received, granted, total_processed; review total.
    assert "applications.granted.total" in failed and "review_litigation.review.total" in failed
    assert "applications.carried_over.total" not in failed
    assert all(p.startswith(("applications.new_received.", "applications.granted.", "applications.total_processed.",
                             "review_litigation.review.")) for p in failed)
    cell = page.xpath("//td[@data-path='review_litigation.review.total']")[0]
    assert cell.text == "3" and "review_litigation.totals" in cell.get("title")
    assert page.xpath("//section[@class='checks']//li[@class='failed']/@data-rule") == [
        "applications.row_totals", "review_litigation.totals"]


def test_report_page_lays_out_the_2021_form_with_its_labels(client, built):
    page = doc(client.get(f"/reports/{built.edited}"))
    table = page.get_element_by_id("table-applications")
    text = table.text_content()
    for label in ("申请人情况", "法人或其他组织", "三、本年度办理结果", "1.属于国家秘密", "（七）总计", "四、结转下年度继续办理",
                  "3.其他"):
        assert label in text
    # the header's three rows, then one row per row of the 2021 form (25); 三 spans the 22 result rows
    assert len(table.xpath(".//tr")) == 3 + len(APPLICATION_ROWS["2021"]) == 28
    assert table.xpath(".//th[text()='三、本年度办理结果']/@rowspan") == ["22"]
    assert table.xpath(".//th[text()='（三）不予公开']/@rowspan") == ["8"]
    active = page.get_element_by_id("table-active").text_content()
    assert "本年制发件数" in active and "行政规范性文件" in active


def test_report_page_lays_out_the_2019_form_and_keeps_blanks_blank(client, built):
    page = doc(client.get(f"/reports/{built.html_2019}"))
    active = page.get_element_by_id("table-active").text_content()
    assert "上一年项目数量" in active and "其他对外管理服务事项" in active and "本年制发件数" not in active
    apps = page.get_element_by_id("table-applications")
    assert "（六）其他处理" in apps.text_content() and "3.其他" not in apps.text_content()
    record = client.get(f"/api/reports/{built.html_2019}").get_json()["record"]
    blanks = [f"active.{row}.{col}" for row, cols in record["active"].items() for col, v in cols.items() if v is None]
    assert blanks, "the mostly-blank fixture has blank cells"
    for path in blanks:
        cell = page.xpath(f"//td[@data-path='{path}']")
        assert cell and (cell[0].text or "") == ""  # blank, not 0
    zeros = [f"active.{row}.{col}" for row, cols in record["active"].items() for col, v in cols.items() if v == 0]
    for path in zeros:
        assert page.xpath(f"//td[@data-path='{path}']")[0].text == "0"


def test_report_page_shows_provenance_sections_versions_and_citation(client, built, web_agencies):
    page = doc(client.get(f"/reports/{built.edited}"))
    text = page.text_content()
    assert "https://www.weihui.gov.cn/zwgk/ndbg/t20220125_1.html" in text
    assert page.get_element_by_id("captured-at").text.startswith("2022-02-21T08:00:00Z")
    assert page.get_element_by_id("archived-copy").get("href") == "/captures/2/raw"
    versions = page.xpath("//section[@id='versions']//tbody/tr")
    assert len(versions) == 2 and "(current)" in versions[1].text_content()
    citation = page.get_element_by_id("citation").text_content()
    assert web_agencies.edited in citation and "2021年度" in citation and "2022-02-21" in citation
    assert f"http://localhost/reports/{built.edited}?version={built.edited_versions[1]}" in citation
    assert "全年未发生泄密事件" in page.get_element_by_id("section-overview").text_content()


def test_earlier_version_is_shown_on_request(client, built):
    page = doc(client.get(f"/reports/{built.edited}?version={built.edited_versions[0]}"))
    assert page.get_element_by_id("not-current") is not None
    assert "泄密" not in page.get_element_by_id("section-overview").text_content()
    assert client.get(f"/reports/{built.edited}?version=99999").status_code == 404


def test_report_text_with_markup_is_escaped(client, built):
    body = client.get(f"/reports/{built.hostile}").get_data(as_text=True)
    assert "&lt;script&gt;window.pwned=" in body and "<script>window" not in body
    assert "onerror=" not in re.sub(r"&lt;img[^<]*?&gt;", "", body)
    page = doc(client.get(f"/reports/{built.hostile}"))
    assert not page.xpath("//script | //img")


@pytest.mark.parametrize("fixture", ["pdf", "docx"])
def test_report_from_a_document(client, built, fixture):
    report_id = getattr(built, fixture)
    page = doc(client.get(f"/reports/{report_id}"))
    assert page.xpath("//td[@data-path='applications.total_processed.total']")[0].text.isdigit()
    assert client.get(f"/api/reports/{report_id}").get_json()["format"] == ("2021" if fixture == "pdf" else "2019")


def test_api_report_mirrors_the_page(client, built, web_agencies):
    body = client.get(f"/api/reports/{built.failed}").get_json()
    assert body["agency"] == web_agencies.failed and body["year"] == 2021
    assert body["failed_cells"]["review_litigation.review.total"] == ["review_litigation.totals"]
    assert body["archived_copy"].endswith(f"/captures/{body['capture']['id']}/raw")
    assert [v["is_current"] for v in client.get(f"/api/reports/{built.edited}").get_json()["versions"]] == [False, True]


# -- diff ------------------------------------------------------------------------------------------

def test_diff_shows_changed_cells_and_text(client, built):
    a, b = built.edited_versions
    page = doc(client.get(f"/reports/{built.edited}/diff?a={a}&b={b}"))
    cells = page.xpath("//section[@id='changed-cells']//tr[@data-path]")
    assert [row.get("data-path") for row in cells] == ["applications.granted.natural_person"]
    old, new = (int(td.text) for td in cells[0].xpath("./td[@class='old' or @class='new']"))
    assert new == old + 5
    assert "（一）予以公开 · 自然人" in cells[0].text_content()
    assert page.xpath("//section[@id='changed-text']//ins/text()") == ["，全年未发生泄密事件"]


def test_diff_of_a_report_with_one_version_says_so(client, built):
    response = client.get(f"/reports/{built.failed}/diff")
    assert response.status_code == 400 and "one version" in response.get_data(as_text=True)


def test_diff_api(client, built):
    a, b = built.edited_versions
    body = client.get(f"/api/reports/{built.edited}/diff?a={b}&b={a}").get_json()
    assert body["cells"][0]["path"] == "applications.granted.natural_person"
    assert body["cells"][0]["old"] == body["cells"][0]["new"] + 5  # reversed
    assert not body["identical"]
    assert client.get(f"/api/reports/{built.edited}/diff?a={a}&b={a}").get_json()["identical"]


# -- archived copy ---------------------------------------------------------------------------------

def test_archived_copy_is_the_captured_bytes_sandboxed(client, built, built_archive):
    archive, _ = built_archive
    from storage.models import Capture

    with archive.session() as session:
        capture = session.get(Capture, built.hostile_capture)
        body = archive.body(capture)
    response = client.get(f"/captures/{built.hostile_capture}/raw")
    assert response.data == body
    assert response.headers["Content-Security-Policy"].startswith("sandbox")
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Content-Disposition" not in response.headers


def test_archived_document_is_an_attachment(client, built):
    response = client.get(f"/captures/{built.pdf_capture}/raw")
    assert response.data.startswith(b"%PDF-")
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="capture-{built.pdf_capture}.pdf"'
    assert response.headers["Content-Security-Policy"].startswith("sandbox")


def test_unknown_things_are_404_with_a_message(client):
    assert "no capture 424242" in client.get("/captures/424242/raw").get_data(as_text=True)
    assert client.get("/api/reports/424242").get_json() == {"error": "no report 424242 in the archive", "status": 404}
    assert client.get("/api/agencies/不存在的局").status_code == 404


# -- agency and monitoring ---------------------------------------------------------------------------

def test_agency_page_lists_reports_versions_and_crawl_runs(client, built, web_agencies):
    page = doc(client.get(f"/agencies/{web_agencies.edited}"))
    reports = page.get_element_by_id("reports")
    assert reports.xpath(".//h3/text()") == ["2021"]
    assert len(reports.xpath(".//ul[@class='versions']/li")) == 2
    runs = page.xpath("//section[@id='crawl-runs']//tbody/tr")
    assert len(runs) == 1 and "reached" in runs[0].text_content() and "503" in runs[0].text_content()
    assert "河南省/新乡市/卫辉市" in page.text_content()


@pytest.fixture
def monitored(built_archive, tmp_path, write_web_registry):
    archive, _ = built_archive
    noon_in_china = fixed_clock(dt.datetime(2022, 4, 15, 4, tzinfo=dt.UTC))
    app = create_app(archive, registry=write_web_registry(tmp_path), clock=noon_in_china, default_language="en")
    return app.test_client()


def test_agency_page_shows_its_statuses(monitored, web_agencies):
    body = monitored.get(f"/api/agencies/{web_agencies.edited}").get_json()
    status_2021 = [s for s in body["statuses"] if s["year"] == 2021]
    assert status_2021 and status_2021[0]["status"] in ("on_time", "late")
    page = doc(monitored.get(f"/agencies/{web_agencies.edited}"))
    assert page.xpath("//section[@id='statuses']//tbody/tr")


def test_monitor_page_shows_statuses_findings_and_a_chart(monitored, web_agencies):
    response = monitored.get("/monitor/2021")
    assert response.status_code == 200
    page = doc(response)
    statuses = {row.xpath("./th[@scope='row']")[0].text_content(): row.xpath("./td[contains(@class, 'now')]")[0].text_content()
                for row in page.xpath("//section[@id='statuses']//tbody/tr")}  # the grid's cell of the page's year
    assert statuses["宁陵县人民政府"] == "missing" or statuses["宁陵县人民政府"] == "unreachable"
    assert set(statuses) == {web_agencies.edited, web_agencies.hostile, web_agencies.failed, "宁陵县人民政府"}
    findings = page.xpath("//section[@id='findings']//tbody/tr/@class")
    assert "finding-invalid" in findings  # the failed checks
    assert page.xpath("//section[@id='compliance']//*[local-name()='svg']//*[local-name()='rect']")
    api = monitored.get("/api/monitor/2021").get_json()
    assert api["year"] == 2021 and api["as_of"] == "2022-04-15" and len(api["agencies"]) == 4


def test_monitor_compliance_table_counts_every_status(monitored):
    page = doc(monitored.get("/monitor/2021"))
    header = [th.text_content() for th in page.xpath("//section[@id='compliance']//thead//th")]
    assert header == ["region", "kind", "due", *(s.value.replace("_", " ") for s in MonitorStatus), "on-time rate"]
    rows = page.xpath("//section[@id='compliance']//tbody/tr")
    api = monitored.get("/api/monitor/2021").get_json()
    # The page sums the API's rows (one per county and kind) by province (nianbao.web.compliance).
    provinces: dict[tuple[str, str], list[int]] = {}
    for summary in api["summary"]:
        counts = provinces.setdefault((summary["region"].split("/")[0], summary["kind"]), [0] * len(MonitorStatus))
        for i, status in enumerate(MonitorStatus):
            counts[i] += summary[status.value]
    expected = sorted(provinces.items(), key=lambda item: (item[0][0] == "(all)", item[0]))
    assert [[td.text_content() for td in row.xpath("./td")][3:-1] for row in rows] == [
        [str(count) for count in counts] for _, counts in expected]
    assert [row.xpath("./td[1]")[0].text_content() for row in rows] == [
        "(all regions)" if region == "(all)" else region for (region, _), _ in expected]


def test_monitor_as_of_before_the_deadline_is_not_due(monitored):
    api = monitored.get("/api/monitor/2021?as_of=2022-01-10").get_json()
    assert {row["status"] for row in api["agencies"] if row["agency"] == "宁陵县人民政府"} == {"not_due"}
    assert monitored.get("/api/monitor/2021?as_of=someday").status_code == 400


def test_monitor_api_keeps_the_agencies_of_one_status_as_the_page_does(monitored):
    whole = monitored.get("/api/monitor/2021").get_json()
    statuses = {row["status"] for row in whole["agencies"]}
    assert len(statuses) > 1  # the filter has something to leave out
    for status in statuses:
        kept = monitored.get(f"/api/monitor/2021?status={status}").get_json()
        assert kept["status"] == status and kept["agencies"] == [r for r in whole["agencies"] if r["status"] == status]
        assert kept["summary"] == whole["summary"]  # the summary counts every agency still
    response = monitored.get("/api/monitor/2021?status=late-ish")
    assert response.status_code == 400 and "status" in response.get_json()["error"]


def test_monitor_with_a_broken_registry_says_why(built_archive, tmp_path):
    archive, _ = built_archive
    broken = tmp_path / "broken.toml"
    broken.write_text('[[agency]]\nname = "x"\nregion = "河南省"\nkind = "department"\nlist_urls = []\ncolour = 1\n',
                      encoding="utf-8")
    response = create_app(archive, registry=broken).test_client().get("/api/monitor/2021")
    assert response.status_code == 500 and "broken.toml" in response.get_json()["error"]


# -- both backends -----------------------------------------------------------------------------------

def test_report_agency_and_diff_pages_on_both_backends(archive, backend, web_agencies, build_web_archive):
    built = build_web_archive(archive)
    client = create_app(archive).test_client()
    page = doc(client.get(f"/reports/{built.failed}"))
    assert page.xpath("//td[@data-path='review_litigation.review.total'][contains(@class, 'failed')]")
    diff = client.get(f"/api/reports/{built.edited}/diff").get_json()
    assert [c["path"] for c in diff["cells"]] == ["applications.granted.natural_person"]
    assert client.get(f"/api/agencies/{web_agencies.edited}").get_json()["crawl_runs"][0]["outcome"] == "reached"
    assert client.get("/api/search?q=林业").get_json()["total"] == 1


def test_archived_copy_with_a_chinese_url_and_no_content_type(tmp_path):
    from storage import Archive
    from storage.archive import CaptureIn

    archive = Archive.open(tmp_path, f"sqlite:///{tmp_path / 'nianbao.sqlite3'}")
    try:
        url = "https://www.example.gov.cn/附件/年报.svg"
        body = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
        result = archive.ingest(CaptureIn(url=url, body=body, captured_at=dt.datetime(2022, 2, 1, tzinfo=dt.timezone.utc),
                                          content_type=None))
        response = create_app(archive).test_client().get(f"/captures/{result.capture_id}/raw")
        assert response.status_code == 200 and response.data == body
        assert response.headers["X-Nianbao-Source-Url"] == (
            "https://www.example.gov.cn/%E9%99%84%E4%BB%B6/%E5%B9%B4%E6%8A%A5.svg")
        # Neither HTML by its captured type nor by its bytes: downloaded, never rendered.
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.headers["Content-Security-Policy"].startswith("sandbox")
    finally:
        archive.close()


def test_a_source_url_that_is_not_http_is_shown_but_not_linked(tmp_path, paths):
    from storage import Archive
    from storage.archive import CaptureIn

    report_text = (paths.fixtures / "parsing" / "text_failed_checks.txt").read_bytes()

    archive = Archive.open(tmp_path, f"sqlite:///{tmp_path / 'nianbao.sqlite3'}")
    try:
        url = "javascript:fetch('/pwned')//report.txt"  # e.g. from an imported WARC: any string can be a URL there
        result = archive.ingest(CaptureIn(url=url, body=report_text,
                                          captured_at=dt.datetime(2022, 2, 1, tzinfo=dt.timezone.utc),
                                          content_type="text/plain"))
        page = doc(create_app(archive).test_client().get(f"/reports/{result.report_id}"))
        assert url in page.text_content()
        assert not [href for href in page.xpath("//a/@href") if href.lower().startswith("javascript")]
    finally:
        archive.close()


@pytest.mark.parametrize("path", ["/", "/monitor/2021"])
def test_the_kind_choices_are_the_agency_kinds(monitored, path):
    page = doc(monitored.get(path))
    assert page.xpath("//select[@name='kind']/option/@value") == ["", *(kind.value for kind in AgencyKind)]


def test_the_registry_is_read_again_only_when_it_changes(built_archive, tmp_path, write_web_registry, monkeypatch):
    import crawler.registry

    archive, _ = built_archive
    path = write_web_registry(tmp_path)
    reads = []
    real = crawler.registry.load_registry
    monkeypatch.setattr(crawler.registry, "load_registry", lambda config=None: reads.append(config) or real(config))
    client = create_app(archive, registry=path, clock=fixed_clock(dt.datetime(2022, 4, 15, 4, tzinfo=dt.UTC))).test_client()
    assert client.get("/api/monitor/2021").status_code == 200
    assert client.get("/api/monitor/2021").status_code == 200
    assert len(reads) == 1
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("宁陵县人民政府", "宁陵县人民政府办公室"), encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    body = client.get("/api/monitor/2021").get_json()
    assert len(reads) == 2
    assert "宁陵县人民政府办公室" in json.dumps(body, ensure_ascii=False)
