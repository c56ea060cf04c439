"""The simulated portal itself behaves: addresses, platform markup, misbehaviour, conditional
requests, counters, changes, and an EXPECTED that matches what is served."""

from __future__ import annotations

import http.client
import json
import re
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from html import unescape
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import pytest

from crawler.registry import load_registry
from parsing import parse_report
from nianbao.devportal.record_match import assert_record_matches
from nianbao.devportal import EXPECTED, Portal, registry_toml
from nianbao.devportal.sites import new_sites

ROOT = Path(__file__).resolve().parents[2]
HANWEB_FORM = {"col": "1", "appid": "1", "webid": "1", "path": "/", "columnid": "123", "sourceContentType": "1",
               "unitid": "456789", "webname": "云溪市人民政府", "permissiontype": "0"}


@dataclass
class Answer:
    status: int
    headers: Message
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")


def fetch(url: str, method: str = "GET", form: dict[str, str] | None = None,
          headers: dict[str, str] | None = None) -> Answer:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        body = urlencode(form).encode() if form is not None else None
        sent = dict(headers or {})
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded; charset=UTF-8"
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, target, body=body, headers=sent)
        response = conn.getresponse()
        return Answer(response.status, response.msg, response.read())
    finally:
        conn.close()


def fetch_list_page(portal: Portal, site: str, target: str) -> Answer:
    """A list page as a crawler gets it: POST for Hanweb's proxy, retrying a 503."""
    for _ in range(4):
        if "dataproxy.jsp" in target:
            answer = fetch(portal.url(site, target), "POST", HANWEB_FORM)
        else:
            answer = fetch(portal.url(site, target))
        if answer.status != 503:
            return answer
    return answer


def links(answer: Answer, base: str) -> Iterator[str]:
    """Every link a list page gives: hrefs (also inside Hanweb's CDATA) and gkmlpt's JSON urls."""
    if "json" in answer.content_type:
        for article in json.loads(answer.body)["articles"]:
            yield article["url"]
        return
    text = answer.body.decode("gb18030" if b'charset="gbk"' in answer.body[:200] else "utf-8")
    for href in re.findall(r'href="([^"]+)"', text):
        yield urljoin(base, unescape(href))


@pytest.fixture(scope="module")
def portal() -> Iterator[Portal]:
    with Portal() as running:
        yield running


def test_portal_sites_each_answer_on_their_own_address(portal: Portal) -> None:
    for key in ("trs", "hanweb", "vsb", "ucap", "gkmlpt", "static", "mirror"):
        assert fetch(portal.url(key, "/robots.txt")).status == 200, key
    for agency in EXPECTED.agencies:
        assert portal.url(agency.site).startswith(f"http://{agency.host}:{portal.port}/")
    assert fetch(portal.url("trs", "/xxgk/ndbg/index.html")).status == 200
    assert fetch(portal.url("hanweb", "/xxgk/ndbg/index.html")).status == 404  # TRS's column, not Hanweb's


def test_portal_binds_only_loopback_addresses(portal: Portal) -> None:
    addresses = [server.server_address for server in portal._servers]
    assert len({host for host, _ in addresses}) == len(addresses) == 8  # every site but the down one
    assert all(host.startswith("127.0.0.") and port == portal.port for host, port in addresses)


def test_trs_later_pages_exist_only_in_the_create_page_script(portal: Portal) -> None:
    first = fetch(portal.url("trs", "/xxgk/ndbg/index.html"))
    assert b'createPageHTML(3, 0, "index", "html")' in first.body
    assert b"index_1" not in first.body and b"index_2" not in first.body
    for page in ("index_1.html", "index_2.html"):
        assert fetch(portal.url("trs", f"/xxgk/ndbg/{page}")).status == 200
    assert fetch(portal.url("trs", "/xxgk/ndbg/index_3.html")).status == 404


def test_trs_pages_are_gbk_bytes_under_a_utf8_header(portal: Portal) -> None:
    report = EXPECTED.agency("trs").reports[0]
    for url in (portal.url("trs"), report.url(portal.port)):
        answer = fetch(url)
        assert answer.content_type == "text/html; charset=UTF-8"
        assert b'<meta charset="gbk">' in answer.body
        with pytest.raises(UnicodeDecodeError):
            answer.body.decode("utf-8")
        assert "政府信息公开" in answer.body.decode("gbk")


def test_hanweb_column_embeds_its_first_group_in_a_datastore(portal: Portal) -> None:
    text = fetch(portal.url("hanweb")).body.decode("utf-8")
    store = re.search(r'<script type="text/xml">\s*<datastore>(.*?)</datastore>\s*</script>', text, re.DOTALL)
    assert store is not None
    assert len(re.findall(r"<record><!\[CDATA\[", store.group(1))) == 6
    assert "totalRecord: 11" in text and "var param_456789 = {col:1" in text


def test_hanweb_dataproxy_answers_the_records_asked_for_by_post(portal: Portal) -> None:
    target = "/module/web/jpage/dataproxy.jsp?startrecord=7&endrecord=12&perpage=3"
    answer = fetch(portal.url("hanweb", target), "POST", HANWEB_FORM)
    assert answer.status == 200 and answer.content_type.startswith("text/xml")
    text = answer.body.decode("utf-8")
    assert "<totalrecord>11</totalrecord>" in text
    assert len(re.findall(r"<record>", text)) == 5  # records 7..11
    assert "2021年政府信息公开工作年度报告" in text
    assert fetch(portal.url("hanweb", target)).status == 405  # only POST
    for key in ("columnid", "unitid", "webid"):  # the form must name the column's unit
        other = fetch(portal.url("hanweb", target), "POST", {**HANWEB_FORM, key: "999"})
        assert "<record>" not in other.body.decode("utf-8"), key


def test_hanweb_attachment_is_named_in_an_rfc5987_content_disposition(portal: Portal) -> None:
    report = next(r for r in EXPECTED.agency("hanweb").reports if r.form == "pdf")
    assert report.page and "downfile.jsp?classid=0&filename=" in report.path
    page = fetch(portal.url("hanweb", report.page)).body.decode("utf-8")
    assert report.path.replace("&", "&amp;") in page
    answer = fetch(report.url(portal.port))
    assert answer.body.startswith(b"%PDF")
    assert answer.headers["Content-Disposition"].startswith("attachment; filename*=UTF-8''%E4%BA%91")


def test_vsb_pages_are_numbered_downwards_with_a_docx_sent_as_octet_stream(portal: Portal) -> None:
    first = fetch(portal.url("vsb", "/xxgk/ndbg.htm")).body.decode("utf-8")
    assert '<a href="ndbg/2.htm">下页</a>' in first and '<a href="ndbg/1.htm">尾页</a>' in first
    assert 'href="../info/1021/' in first
    last = fetch(portal.url("vsb", "/xxgk/ndbg/1.htm")).body.decode("utf-8")
    assert 'href="../../info/1021/' in last and 'href="../ndbg.htm"' in last
    report = next(r for r in EXPECTED.agency("vsb").reports if r.form == "docx")
    assert "wbfileid=" in report.path
    answer = fetch(report.url(portal.port))
    assert answer.content_type == "application/octet-stream" and answer.body.startswith(b"PK")


def test_ucap_lists_shtml_pages_and_a_pdf_linked_from_the_list(portal: Portal) -> None:
    page = fetch(portal.url("ucap", "/xxgk/gknb/index_2.shtml"))
    direct = next(r for r in EXPECTED.agency("ucap").reports if r.page is None)
    assert direct.path.endswith(".pdf") and direct.path in page.body.decode("utf-8")
    assert all(r.path.endswith((".shtml", ".pdf")) for r in EXPECTED.agency("ucap").reports)


def test_gkmlpt_column_carries_its_sid_and_the_api_lists_json(portal: Portal) -> None:
    assert b"SID: '755123'" in fetch(portal.url("gkmlpt", "/gkmlpt/index")).body
    first = json.loads(fetch(portal.url("gkmlpt", "/gkmlpt/api/all/2653?page=1&sid=755123")).body)
    second = json.loads(fetch(portal.url("gkmlpt", "/gkmlpt/api/all/2653?sid=755123&page=2")).body)
    assert first["total"] == 7 and len(first["articles"]) == 5 and len(second["articles"]) == 2
    assert json.loads(fetch(portal.url("gkmlpt", "/gkmlpt/api/all/2653?page=3&sid=755123")).body)["articles"] == []
    assert fetch(portal.url("gkmlpt", "/gkmlpt/api/all/2653?page=1&sid=1")).status == 400


def test_list_page_answers_503_twice_then_200_counted_per_portal_start() -> None:
    for _ in range(2):  # a new portal starts the count again
        with Portal() as fresh:
            url = fresh.url("vsb", "/xxgk/ndbg/2.htm")
            assert [fetch(url).status for _ in range(4)] == [503, 503, 200, 200]
            assert fresh.requests.count("vsb", "/xxgk/ndbg/2.htm", status=503) == 2


def test_slow_page_answers_after_two_seconds(portal: Portal) -> None:
    page = next(e for e in new_sites()["ucap"].entries if e.slow)
    started = time.monotonic()
    assert fetch(portal.url("ucap", page.path)).status == 200
    assert time.monotonic() - started >= 2.0


def test_every_site_has_robots_txt_and_one_disallows_private(portal: Portal) -> None:
    for key in ("trs", "hanweb", "vsb", "ucap", "gkmlpt", "static", "blocked", "mirror"):
        answer = fetch(portal.url(key, "/robots.txt"))
        assert answer.status == 200 and answer.body.startswith(b"User-agent: *"), key
    assert b"Disallow: /private/" in fetch(portal.url("static", "/robots.txt")).body
    draft = next(d for d in EXPECTED.decoys if d.path.startswith("/private/"))
    assert fetch(draft.url(portal.port)).status == 200  # served: only robots.txt keeps a crawler out
    assert draft.path in fetch(portal.url("static")).body.decode("utf-8").replace("../../", "/")


def test_blocked_site_answers_412_with_a_js_challenge(portal: Portal) -> None:
    answer = fetch(portal.url("blocked"))
    assert answer.status == 412 and b"$_ts" in answer.body and "Set-Cookie" in answer.headers
    assert EXPECTED.agency("blocked").outcome == "blocked"


def test_down_site_refuses_connections(portal: Portal) -> None:
    agency = EXPECTED.agency("down")
    assert agency.outcome == "down"
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((agency.host, portal.port), timeout=2).close()


@pytest.mark.parametrize("which", ["list", "page", "attachment", "json"])
def test_conditional_requests_get_304_while_unchanged(portal: Portal, which: str) -> None:
    url = {
        "list": portal.url("static"),
        "page": EXPECTED.agency("static").reports[0].url(portal.port),
        "attachment": next(r for r in EXPECTED.agency("hanweb").reports if r.form == "pdf").url(portal.port),
        "json": portal.url("gkmlpt", "/gkmlpt/api/all/2653?page=1&sid=755123"),
    }[which]
    first, again = fetch(url), fetch(url)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag and modified and (again.headers["ETag"], again.headers["Last-Modified"]) == (etag, modified)
    assert fetch(url, headers={"If-None-Match": etag}).status == 304
    assert fetch(url, headers={"If-Modified-Since": modified}).status == 304
    assert fetch(url, headers={"If-Modified-Since": "Mon, 01 Jan 2018 00:00:00 GMT"}).status == 200
    assert fetch(url, headers={"If-None-Match": '"other"', "If-Modified-Since": modified}).status == 200


def test_requests_are_counted_per_host_path_method_and_status(portal: Portal) -> None:
    portal.requests.clear()
    url = portal.url("ucap", "/xxgk/gknb/index.shtml")
    etag = fetch(url).headers["ETag"]
    fetch(url, headers={"If-None-Match": etag})
    fetch(url, "HEAD")
    fetch(portal.url("ucap", "/nowhere.html"))
    log = portal.requests
    assert log.count("ucap", "/xxgk/gknb/index.shtml") == 3
    assert log.count("127.0.0.14", "/xxgk/gknb/index.shtml", method="GET") == 2
    assert log.count("ucap", status=304) == 1 and log.count(status=404) == 1
    assert log.count("ucap", conditional=True) == 1
    assert log.by_target()[("127.0.0.14", "/xxgk/gknb/index.shtml", "GET")] == 2
    assert log.by_status() == {200: 2, 304: 1, 404: 1}


def test_expected_reports_are_served_and_parse_to_their_tables(portal: Portal) -> None:
    reports = list(EXPECTED.reports())
    assert len(reports) == 27 and {r.form for r in reports} == {"html", "pdf", "docx"}
    for report in reports:
        url = report.url(portal.port)
        answer = fetch(url)
        assert answer.status == 200, url
        record = parse_report(answer.body, url, answer.content_type)
        assert_record_matches(record, report.tables, url)
        assert record.year == report.year and report.tables.agency == EXPECTED.agency(report.site).name


def test_every_report_and_decoy_is_reachable_from_the_list_pages(portal: Portal) -> None:
    linked: set[str] = set()
    for agency in EXPECTED.agencies:
        if agency.outcome != "ok":
            continue
        for target in agency.list_pages:
            answer = fetch_list_page(portal, agency.site, target)
            assert answer.status == 200, (agency.site, target)
            linked.update(links(answer, portal.url(agency.site, target)))
    for report in EXPECTED.reports():
        page = portal.url(report.site, report.page or report.path)
        assert page in linked, page
        if report.page not in (None, report.path):
            assert report.url(portal.port) in set(links(fetch(page), page))
    assert EXPECTED.decoy_urls(portal.port) <= linked
    assert not EXPECTED.decoy_urls(portal.port) & set(EXPECTED.report_urls(portal.port))
    for url in EXPECTED.decoy_urls(portal.port):
        assert fetch(url).status == 200, url  # decoys are real pages a careless crawler would archive


def test_registry_toml_loads_with_the_crawler_registry(tmp_path: Path) -> None:
    path = tmp_path / "portal.toml"
    path.write_text(registry_toml(8123, crawl_delay=0), encoding="utf-8")
    agencies = {a.name: a for a in load_registry(path)}
    assert set(agencies) == {a.name for a in EXPECTED.agencies}
    for expected in EXPECTED.agencies:
        agency = agencies[expected.name]
        assert agency.list_urls == expected.list_urls(8123)
        assert (agency.region_path, agency.kind, agency.crawl_delay) == (expected.region, expected.kind, 0.0)
    assert agencies["云溪市财政局"].domains == ("127.0.0.11",)
    assert agencies["云溪市人民政府"].platform == "hanweb"


def test_publish_edit_and_remove_change_what_is_served() -> None:
    with Portal() as fresh:
        url = fresh.publish("trs", 2024)
        assert url in fresh.report_urls() and url not in EXPECTED.report_urls(fresh.port)
        first_page = fresh.url("trs", "/xxgk/ndbg/index.html")
        assert urlsplit(url).path.rsplit("/", 1)[1] in fetch(first_page).body.decode("gbk")
        assert b'createPageHTML(3, 0, "index", "html")' in fetch(first_page).body  # 13 items: still 3 pages

        report = fresh.report_urls()[url]
        assert_record_matches(parse_report(fetch(url).body, url, "text/html"), report.tables, "published")

        before = fetch(url)
        tables = fresh.edit(url)
        assert tables != report.tables and fresh.report_urls()[url].tables == tables
        after = fetch(url, headers={"If-None-Match": before.headers["ETag"]})
        assert after.status == 200 and after.headers["ETag"] != before.headers["ETag"]
        assert after.headers["Last-Modified"] != before.headers["Last-Modified"]
        assert_record_matches(parse_report(after.body, url, "text/html"), tables, "edited")

        attachment = fresh.publish("vsb", form="docx")
        assert "wbfileid=" in attachment and fetch(attachment).body.startswith(b"PK")

        fresh.remove(url)
        assert fetch(url).status == 404 and url not in fresh.report_urls()
        assert urlsplit(url).path.rsplit("/", 1)[1] in fetch(first_page).body.decode("gbk")  # the dead link stays


def test_portal_stops_cleanly() -> None:
    with Portal() as fresh:
        url = fresh.url("static")
        assert fetch(url).status == 200
    with pytest.raises(ConnectionRefusedError):
        fetch(url)


def test_server_module_serves_until_stopped_and_prints_the_registry() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "nianbao.devportal.server", "--crawl-delay", "0.5"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        banner = []
        for line in proc.stderr:
            banner.append(line)
            if line.startswith("# serving"):
                break
        static = next(line.split()[2] for line in banner if line.startswith("# static"))
        assert fetch(static).status == 200
        proc.terminate()  # SIGTERM: the server stops cleanly
        out, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    agencies = tomllib.loads(out)["agency"]
    assert [a["name"] for a in agencies] == [a.name for a in EXPECTED.agencies]
    assert any(static in a["list_urls"] for a in agencies) and all(a["crawl_delay"] == 0.5 for a in agencies)
