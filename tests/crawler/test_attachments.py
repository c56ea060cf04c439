"""Which links are attachments (crawler/platforms/attachments.py): the one rule the crawler uses
for a report page's links and for a column's listed links."""

from __future__ import annotations

import pytest

from crawler.platforms import ListedLink, attachment_file, attachment_links

REPORT_PAGE = "http://www.mouxian.gov.cn/art/1.html"


@pytest.mark.parametrize(
    "href",
    [
        "/upload/2024/report.pdf",
        "./P020240125391234567892.DOCX",
        "/upload/report.wps",
        "/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1543213432&wbfileid=15479501",
        "/module/download/downfile.jsp?classid=0&filename=2403260912345678.pdf",
    ],
)
def test_attachment_links_recognises_each_attachment_form(href: str) -> None:
    body = f'<p><a href="{href}">附件</a></p>'
    assert [link.title for link in attachment_links(REPORT_PAGE, body)] == ["附件"]


@pytest.mark.parametrize(
    "href",
    ["/xzzx/download/", "/images/photo.jpg", "/upload/data.xls", "javascript:window.print()", "../t20230130_1.html"],
)
def test_attachment_links_ignores_links_that_are_no_attachment(href: str) -> None:
    body = f'<p><a href="{href}">下载</a></p>'
    assert attachment_links(REPORT_PAGE, body) == ()


def test_attachment_links_follows_a_pdf_viewer_to_its_file() -> None:
    body = '<a href="/pdfjs/web/viewer.html?file=/upload/2024/nb.pdf">在线阅读</a>'
    assert attachment_links(REPORT_PAGE, body) == (
        ListedLink("http://www.mouxian.gov.cn/upload/2024/nb.pdf", "在线阅读", None),
    )


def test_attachment_file_recognises_listed_links_by_their_target() -> None:
    assert attachment_file("http://www.example.gov.cn/module/download/downfile.jsp?classid=0&filename=1.pdf")
    assert attachment_file("https://x.gov.cn/attach/0/2022年报.docx")
    assert not attachment_file("https://x.gov.cn/art/2022/1/25/art_1_1.html")


# Until issue 12 the crawler had two rules: one for a report page's links (now the rule) and one
# for a column's listed links (any URL saying "download" or "downfile", or ending in a document
# extension before any query). These are the links on which they disagreed, and the answer now.
@pytest.mark.parametrize(
    ("url", "text", "is_attachment"),
    [
        # Said "download", so the listed-link rule took them for files: a report page there
        # would have been archived as an attachment and its own attachments never followed.
        ("http://www.mouxian.gov.cn/xzzx/download/", "", False),
        ("http://www.mouxian.gov.cn/download/2024/art_1_1.html", "", False),
        ("http://www.mouxian.gov.cn/xxgk/downloadcenter/t20240125_1.html", "", False),
        ("http://download.mouxian.gov.cn/art/2024/1/25/art_1_1.html", "", False),
        # A page with a document in its query: the listed-link rule saw ".pdf" at the end.
        ("http://www.mouxian.gov.cn/pdf/preview.html?file=/upload/nb.pdf", "", False),
        # Download handlers the listed-link rule missed (no "download" in their URL).
        ("http://www.mouxian.gov.cn/common/down.jsp?id=77", "", True),
        ("http://www.mouxian.gov.cn/down.aspx?fileid=3", "", True),
        ("http://www.mouxian.gov.cn/system/_content/file.jsp?owner=1&wbfileid=15479501", "", True),
        # A link whose text names the file: the listed-link rule looked at the URL only.
        ("http://www.mouxian.gov.cn/content?id=5", "某县2023年政府信息公开工作年度报告.pdf", True),
        # A handler naming its document in the query: the report-page rule missed it.
        ("http://www.mouxian.gov.cn/servlet/ShowFile?name=2023nb.pdf", "", True),
    ],
)
def test_attachment_file_decides_where_the_two_old_rules_disagreed(url: str, text: str, is_attachment: bool) -> None:
    assert (attachment_file(url, text) is not None) is is_attachment


def test_attachment_file_of_a_pdf_viewer_is_the_file_it_shows() -> None:
    viewer = "http://www.mouxian.gov.cn/pdfjs/web/viewer.html?file=/upload/2024/nb.pdf"
    assert attachment_file(viewer) == "http://www.mouxian.gov.cn/upload/2024/nb.pdf"


def test_attachment_file_text_does_not_make_a_page_a_file() -> None:
    assert attachment_file("http://www.mouxian.gov.cn/art/2024/1/25/art_1_1.html", "年报.pdf") is None
