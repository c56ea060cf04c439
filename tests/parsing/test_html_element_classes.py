"""parsing/html.py parses with a C-level element class lookup (every element an lxml.html
`HtmlElement`) instead of lxml.html's Python lookup: a page reads exactly as it did with
`lxml.html.HTMLParser` (main text, byline, titles, dates, table rows), forms included."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import lxml.html
import pytest

import parsing.html as html_module
from parsing.decode import decode_bytes
from parsing.html import HtmlPage
from parsing.limits import DEFAULT_LIMITS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PAGES = sorted(
    [*FIXTURES.glob("parsing/*.htm*"), *FIXTURES.glob("collected/*.htm*"),
     FIXTURES / "crawler" / "platforms" / "hanweb_detail.html"]
)

FORM_PAGE = """<html><head><title>某县政务服务局2021年政府信息公开工作年度报告</title></head><body>
<form action="/search"><label for="q">站内搜索</label><input id="q" name="q" value="年报">
<select name="y"><option>2021</option></select><textarea name="t">留言</textarea></form>
<h1>某县政务服务局2021年政府信息公开工作年度报告</h1><p>发布时间：2022-01-20</p>
<p>一、总体情况</p><p>本机关认真贯彻落实《中华人民共和国政府信息公开条例》。</p>
<table><tr><th>信息内容</th><th colspan="2">本年制发件数</th></tr>
<tr><td rowspan="2">规章</td><td>0</td><td>1</td></tr><tr><td>2</td><td>3</td></tr></table>
<p>二、主动公开政府信息情况</p><p>见上表。</p></body></html>"""


def _read(text: str, url: str) -> dict:
    page = HtmlPage(text, url, DEFAULT_LIMITS)
    return {
        "main": page.main_lines, "page": page.page_lines, "titles": page.title_candidates,
        "dates": page.meta_dates, "rows": [asdict(r) for r in page.table_rows],
    }


def _with_lxml_html_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html_module.etree, "HTMLParser", lxml.html.HTMLParser)
    monkeypatch.setattr(html_module, "_ELEMENT_CLASSES", lxml.html.HtmlElementClassLookup())


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_page_reads_as_with_lxml_html_parser(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text, _encoding = decode_bytes(path.read_bytes(), None)
    ours = _read(text, f"http://example.gov.cn/{path.name}")
    _with_lxml_html_parser(monkeypatch)
    assert _read(text, f"http://example.gov.cn/{path.name}") == ours


def test_page_with_a_form_reads_as_with_lxml_html_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    tree = html_module._parse(FORM_PAGE, DEFAULT_LIMITS)
    assert type(tree.find(".//input")) is lxml.html.HtmlElement  # not lxml.html's InputElement
    ours = _read(FORM_PAGE, "http://example.gov.cn/form.html")
    assert ours["rows"] and ours["main"]
    _with_lxml_html_parser(monkeypatch)
    assert type(html_module._parse(FORM_PAGE, DEFAULT_LIMITS).find(".//input")) is lxml.html.InputElement
    assert _read(FORM_PAGE, "http://example.gov.cn/form.html") == ours
