"""Readable sources: a capture replayed decoded by the charset its bytes show (as the parser reads
them), sandboxed with its links neutralised; a PDF inline; the raw bytes still downloadable exactly
as captured. Through Flask's test client, over a small archive holding a GBK page sent as UTF-8,
and over the web UI's archive (its PDF, DOCX and hostile page)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from lxml import html as lxml_html

from nianbao.web.app import create_app
from nianbao.web.replay import neutralised_html
from storage import Archive

@pytest.fixture(scope="module")
def gbk(tmp_path_factory: pytest.TempPathFactory, gbk_page) -> Iterator[tuple]:
    """(test client, ingest result, the page) over an archive holding only the GBK page."""
    data = tmp_path_factory.mktemp("gbk-data")
    archive = Archive.open(data, f"sqlite:///{data / 'nianbao.sqlite3'}")
    try:
        result = archive.ingest(gbk_page.capture())
        assert result.report_id is not None, result.parse_error
        yield create_app(archive).test_client(), result, gbk_page
    finally:
        archive.close()


def doc(response):
    return lxml_html.fromstring(response.get_data(as_text=True))


def test_raw_copy_stays_exactly_as_captured_under_its_captured_header(gbk):
    client, result, page = gbk
    body = page.body
    response = client.get(f"/captures/{result.capture_id}/raw")
    assert response.data == body and response.headers["Content-Type"] == "text/html; charset=UTF-8"
    with pytest.raises(UnicodeDecodeError):  # what a browser trusting the header shows: mojibake
        body.decode("utf-8")


def test_readable_copy_of_a_gbk_page_sent_as_utf8_is_legible(gbk):
    client, result, gbk_page = gbk
    response = client.get(f"/captures/{result.capture_id}/view")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["X-Nianbao-Decoded-As"] == "gb18030"
    page = doc(response)
    assert page.xpath("//h1")[0].text_content() == gbk_page.title
    assert page.xpath("//meta/@charset") == ["utf-8"]  # the page's own gbk declaration is gone


def test_readable_copy_is_sandboxed_and_framed_only_by_nianbao(gbk):
    client, result, _ = gbk
    headers = client.get(f"/captures/{result.capture_id}/view").headers
    csp = headers["Content-Security-Policy"]
    assert csp.startswith("sandbox;") and "script-src" not in csp and "default-src 'none'" in csp
    assert "frame-ancestors 'self'" in csp and headers["X-Frame-Options"] == "SAMEORIGIN"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_readable_copy_neutralises_links_and_whatever_would_navigate(gbk):
    client, result, gbk_page = gbk
    page = doc(client.get(f"/captures/{result.capture_id}/view"))
    assert page.xpath("//@href | //@src | //@action") == []
    assert page.xpath("//script | //base | //link | //meta[@http-equiv]") == []
    link = page.get_element_by_id("portal")
    assert link.text == "返回首页" and gbk_page.portal_link in link.get("title")


def test_capture_page_frames_the_readable_copy_and_offers_the_raw_bytes(gbk):
    client, result, _ = gbk
    response = client.get(f"/captures/{result.capture_id}")
    page = doc(response)
    frame = page.xpath("//iframe")[0]
    assert frame.get("src") == f"/captures/{result.capture_id}/view" and frame.get("sandbox") == ""
    assert "frame-src 'self'" in response.headers["Content-Security-Policy"]
    assert page.get_element_by_id("decoded-as").text.startswith("gb18030")
    assert page.get_element_by_id("download-raw").get("href") == f"/captures/{result.capture_id}/raw"
    assert page.get_element_by_id("report-link").get("href") == f"/reports/{result.report_id}"
    api = client.get(f"/api/captures/{result.capture_id}").get_json()
    assert api["decoded_as"] == "gb18030" and api["view"].endswith(f"/captures/{result.capture_id}/view")


def test_report_page_shows_the_readable_source_beside_the_form(gbk):
    client, result, _ = gbk
    page = doc(client.get(f"/reports/{result.report_id}"))
    frame = page.xpath("//section[@id='source']//iframe")[0]
    assert frame.get("src") == f"/captures/{result.capture_id}/view" and frame.get("sandbox") == ""
    assert page.get_element_by_id("readable-copy").get("href") == f"/captures/{result.capture_id}"
    assert page.get_element_by_id("archived-copy").get("href") == f"/captures/{result.capture_id}/raw"
    assert page.get_element_by_id("table-applications") is not None


def test_pdf_is_shown_inline_and_still_downloads(client, built):
    view = client.get(f"/captures/{built.pdf_capture}/view")
    assert view.data.startswith(b"%PDF-") and view.headers["Content-Type"] == "application/pdf"
    assert view.headers["Content-Disposition"] == f'inline; filename="capture-{built.pdf_capture}.pdf"'
    assert view.headers["Content-Security-Policy"].startswith("sandbox;")
    raw = client.get(f"/captures/{built.pdf_capture}/raw")
    assert raw.data == view.data and raw.headers["Content-Disposition"].startswith("attachment")
    page = doc(client.get(f"/reports/{built.pdf}"))
    frame = page.xpath("//section[@id='source']//iframe")[0]
    assert frame.get("src") == f"/captures/{built.pdf_capture}/view"


def test_a_word_file_has_no_readable_copy_only_the_download(client, built):
    report = client.get(f"/api/reports/{built.docx}").get_json()
    capture_id = report["capture"]["id"]
    assert client.get(f"/captures/{capture_id}/view").status_code == 404
    page = doc(client.get(f"/captures/{capture_id}"))
    assert page.get_element_by_id("no-readable") is not None and not page.xpath("//iframe")
    assert not doc(client.get(f"/reports/{built.docx}")).xpath("//section[@id='source']")


def test_hostile_page_replayed_keeps_its_text_and_loses_its_script(client, built):
    page = doc(client.get(f"/captures/{built.hostile_capture}/view"))
    assert not page.xpath("//script | //@*[starts-with(name(), 'on')] | //@src")
    assert "window.pwned='text'" in page.text_content()  # the report's own text, shown as text


@pytest.mark.parametrize("text", ["", "   ", '<?xml version="1.0" encoding="gbk"?><html><body><p>正文</p></body></html>'])
def test_neutralised_html_takes_any_decoded_page(text):
    out = neutralised_html(text)
    assert out.startswith("<!doctype html>") and '<meta charset="utf-8">' in out
    assert ("正文" in out) == ("正文" in text)
