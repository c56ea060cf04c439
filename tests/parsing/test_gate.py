"""parsing/gate.py: the check before parsing refuses only what `parse_report` refuses, in
microseconds; every report we hold passes it (bench/gate.py counts the generated sites too)."""

from __future__ import annotations

import random
import re
import sys
import time
import unicodedata
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nianbao.devportal.documents import sample_tables
from nianbao.devportal.render import render_html_page
from nianbao.devportal.sample_crawl import sample_crawl
from parsing import NotAReportError, ParseError, Record, parse_report
from parsing import gate as gate_module
from parsing.gate import gate, refusal, required_words

FIXTURE_SUFFIXES = {".txt", ".md", ".html", ".htm", ".shtml", ".xml", ".pdf", ".docx", ".doc"}


def parsed(body: bytes, url: str = "", content_type: str | None = None) -> Record | ParseError:
    try:
        return parse_report(body, url, content_type)
    except ParseError as exc:
        return exc


def every_fixture(paths) -> list[Path]:
    found = [*paths.seed_reports(), *sorted(paths.real.iterdir())]
    found += [p for p in sorted(paths.fixtures.rglob("*")) if p.suffix in FIXTURE_SUFFIXES]
    return [p for p in found if p.is_file()]


def test_gate_words_come_from_the_parsers_patterns() -> None:
    assert gate_module.ACTIVE
    assert {"第二十条", "本年新收", "行政复议", "收到和处理"} <= gate_module.TABLE_WORDS
    assert gate_module.REPORT_WORDS == {"信息公开"}
    assert gate_module.SECTION_WORDS["review_litigation"] == {"行政复议", "行政诉讼"}


@pytest.mark.parametrize(("pattern", "words"), [
    (r"^行政复议|行政复议.{0,2}行政诉讼", {"行政复议"}),
    (r"存在的?主要问题", {"主要问题"}),
    (r"内部事[务项]|三类内部", {"内部事", "三类内部"}),
    (r"行政复议|行政诉讼", {"行政复议", "行政诉讼"}),
    (r"(?:\W?\d\W?)?其他$", {"其他"}),
    (r"\d+|[一二]", None),  # guarantees no word: nothing may be refused on its account
])
def test_gate_required_words_are_in_every_match(pattern: str, words: set[str] | None) -> None:
    assert required_words(pattern) == (frozenset(words) if words is not None else None)


def test_gate_passes_every_report_fixture_the_parser_reads(paths) -> None:
    """Seeds, real documents and every fixture under tests/fixtures: whatever the gate refuses,
    the parser refuses too (the non-reports among the fixtures: crawler pages, variants)."""
    refused = 0
    for path in every_fixture(paths):
        body = path.read_bytes()
        decision = gate(body)
        if decision is not None:
            refused += 1
            assert isinstance(parsed(body, path.as_uri()), ParseError), f"{path}: a report refused: {decision}"
    assert refused > 0


def test_gate_passes_sample_crawl_reports_and_refuses_news_as_the_parser_does() -> None:
    """Reports pass; a news page refused gets the parser's own words (and says it was seen
    before parsing)."""
    refused = 0
    for sample in sample_crawl(300):
        capture = sample.capture
        if capture.status != 200:
            continue
        decision = gate(capture.body, capture.content_type)
        if sample.kind == "report":
            assert decision is None, capture.url
        elif decision is not None:
            refused += 1
            assert str(decision).split(" (")[0] == str(parsed(capture.body)).split(" (")[0]
    assert refused > 0


def test_gate_leaves_a_notice_to_the_parser() -> None:
    notice = "关于做好2023年度政府信息公开工作年度报告编制和发布工作的通知\n各单位:请按时报送。".encode()
    assert gate(notice) is None
    assert "a notice" in str(parsed(notice))


def news_page(text: str) -> bytes:
    return (f"<html><head><meta charset='utf-8'><title>政务动态</title></head><body><div class='nav'>"
            f"<a href='/'>首页</a></div><p>{text}</p></body></html>").encode()


def test_gate_refusal_is_the_parsers_not_a_report() -> None:
    body = news_page("会议传达学习了有关文件精神,部署下一阶段重点工作。")
    decision = gate(body, "text/html; charset=utf-8")
    assert isinstance(decision, NotAReportError) and "seen before parsing" in str(decision)
    assert isinstance(parsed(body), NotAReportError)


CJK_PAIR = re.compile(r"(?<=[\u4e00-\u9fff])(?=[\u4e00-\u9fff])")


@lru_cache(maxsize=1)
def report_page() -> str:
    return render_html_page(sample_tables("2021", agency="卫辉市信访局", year=2021))


@pytest.mark.parametrize("separator", ["<span class='x'></span>", "<!-- a > b -->", "<script>var a = '<b>';</script>",
                                       "<STYLE>p {}</STYLE>"])
def test_gate_reads_words_split_by_markup_as_the_parser_does(separator: str) -> None:
    """Markup between every two Chinese characters of a report: the parser still reads the
    words whole, and so does the gate."""
    page = CJK_PAIR.sub(lambda _: separator, report_page()).encode()
    assert isinstance(parsed(page), Record)
    assert gate(page) is None


def test_gate_reads_character_references() -> None:
    page = re.sub(r"[\u4e00-\u9fff]", lambda m: f"&#{ord(m.group())};", report_page()).encode()
    assert isinstance(parsed(page), Record)
    assert gate(page) is None


@pytest.mark.parametrize("separator", [" ", "\u3000", "\n", "＂", "“", "<br/>", "<button>x</button>"])
def test_gate_passes_whatever_the_parser_reads_across_separators(separator: str) -> None:
    page = CJK_PAIR.sub(lambda _: separator, report_page()).encode()
    assert gate(page) is None or isinstance(parsed(page), ParseError)
    assert refusal(f"信息{separator}公开 一、总体情况 二、主动公开 三、依申请公开") is None


def test_gate_does_not_join_what_the_parser_keeps_apart() -> None:
    assert refusal("<p>信息</p>x<p>公开</p>") is not None
    assert refusal("信息<p>x</p>公开 主动公开") is not None


def test_gate_passes_documents_unread(paths) -> None:
    for path in sorted(paths.real.iterdir()):
        if path.suffix in (".pdf", ".docx"):
            assert gate(path.read_bytes()) is None


def test_gate_is_linear_on_hostile_markup() -> None:
    """Separators are taken possessively: thousands of empty elements after a word's first
    character cost a scan, not a backtracking explosion."""
    page = ("<td></td>" * 5000 + "信" + "<i></i>" * 5000 + "行政" + "<!---->" * 5000).encode()
    start = time.perf_counter()
    gate(page)
    assert time.perf_counter() - start < 1.0


def test_gate_nfkc_characters_are_all_looked_for() -> None:
    """Every code point whose NFKC holds a character of the words is one the gate looks for
    (it normalises a page only when one is present)."""
    word_characters = gate_module._WORD_CHARACTERS
    missing = [hex(cp) for cp in range(sys.maxunicode + 1)
               if (c := chr(cp)) not in gate_module.NFKC_INTO_WORDS and not (0xD800 <= cp <= 0xDFFF)
               and (n := unicodedata.normalize("NFKC", c)) != c and word_characters & set(n)]
    assert missing == []
    assert refusal("⾏政复议") is None  # a Kangxi radical ⾏ (U+2F8F) for 行


FRAGMENTS = [
    "信息公开", "政府信息公开", "年度报告", "一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项", "第二十条第(一)项",
    "本年新收政府信息公开申请数量", "信息内容", "本年制发件数", "会议精神", "工作动态", "通知", "2023年", "12", "0", "|", "\n",
    "<br>", "<p>", "</p>", "<span>", "</span>", "<table><tr><td>", "</td><td>", "</td></tr></table>", "&nbsp;", " ",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=40), st.booleans())
def test_gate_never_refuses_what_the_parser_reads(pieces: list[str], as_html: bool) -> None:
    """Random pages of report fragments, markup and noise: whenever the parser makes a record,
    the gate passed the page."""
    text = "".join(pieces)
    body = (f"<html><head><title>{pieces[0]}</title></head><body>{text}</body></html>" if as_html
            else text.replace("<", "").replace(">", "")).encode()
    decision = gate(body)
    if decision is not None:
        assert isinstance(parsed(body), ParseError), f"refused a page the parser reads: {decision}"


def test_gate_passes_random_rendered_reports() -> None:
    rng = random.Random(17)
    for sample in sample_crawl(60, seed=rng.randrange(10_000)):
        if sample.kind == "report":
            assert gate(sample.capture.body, sample.capture.content_type) is None
