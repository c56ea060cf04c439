"""HTML report pages: main text through trafilatura, tables from the `<table>` grid itself.

The page is parsed once with lxml. Tables, the page's full text (for the publication date,
which lives in the chrome) and title candidates are read first; trafilatura then gets the same
tree (it prunes it in place) and returns the main text without the chrome.
"""

from __future__ import annotations

import logging
import re

import lxml.html
import trafilatura
from lxml import etree

from .cells import normalize_text
from .errors import InputTooLargeError, ParseError
from .labels import section_heading
from .limits import LIBXML_MAX_DEPTH, Limits
from .rows import Cell, Row

log = logging.getLogger(__name__)

_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer form h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table tbody td tfoot th thead title tr ul".split()
)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_META_DATE_NAMES = frozenset(
    {"pubdate", "publishdate", "publish_date", "publishtime", "article:published_time", "firstpublishedtime",
     "dc.date", "dc.date.issued", "dcterms.issued", "date", "createdate", "maketime"}
)
_BYLINE_XPATH = (
    "//body//text()[contains(., '发布') or contains(., '日期') or contains(., '来源')"
    " or contains(., '时间')]/.."
)
_META_TITLE_NAMES = frozenset({"articletitle", "og:title", "dc.title", "title"})
# Every element an lxml.html `HtmlElement`, chosen in C: lxml.html's own parser asks a Python
# lookup for each element proxy (~8% of reading a page, 242k calls on the kept 1,000-page crawl's
# 104 pages) only to give <form>/<input>/<select>/<textarea>/<label> their form-filling classes,
# which neither this module nor trafilatura uses. The tree is the same.
_ELEMENT_CLASSES = etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity,
)


class HtmlPage:
    """What the rest of the parser needs from one page."""

    def __init__(self, html: str, url: str, limits: Limits) -> None:
        tree = _parse(html, limits)
        self.meta_dates = [
            m.get("content", "") for m in tree.iter("meta")
            if (m.get("name") or m.get("property") or "").lower() in _META_DATE_NAMES
        ]
        self.title_candidates = [
            m.get("content", "") for m in tree.iter("meta")
            if (m.get("name") or m.get("property") or "").lower() in _META_TITLE_NAMES
        ]
        for xpath in ("//h1", "//h2", "//*[contains(@class,'title')]", "//title"):
            self.title_candidates.extend(
                normalize_text(el.text_content()) for el in tree.xpath(xpath)[:5]
            )
        self.title_candidates = [_strip_site_name(t) for t in self.title_candidates if t]
        # The byline (发布时间/来源/日期) is chrome trafilatura drops: keep its text first.
        self.byline_lines = [
            normalize_text(el.text_content())
            for el in tree.xpath(_BYLINE_XPATH)[:20]
            if len(el.text_content()) <= 300
        ]
        self.table_rows = table_rows(tree, limits)
        unwrap_layout_tables(tree)
        main = _main_text(tree, url, favor_precision=True)
        if _section_count(main) < 2:
            # Precision mode is 1.4x faster (bench/parse) but can cut an unusual article short;
            # then the page is read again, favouring recall.
            recall = _main_text(_parse(html, limits), url, favor_recall=True)
            if _section_count(recall) > _section_count(main):
                main = recall
        self.main_lines = (main or "").split("\n")
        if not main:
            log.info("trafilatura found no main text in %s; using the whole page", url or "page")
            self.main_lines = block_text(tree).split("\n")
        self.page_lines = self.byline_lines + self.main_lines


def _parse(html: str, limits: Limits) -> etree._Element:
    # huge_tree: without it libxml2 stops at 256 levels of nesting and silently drops the rest of
    # the page (a report table inside 300 <div>s came out as "no mention of 信息公开").
    parser = etree.HTMLParser(huge_tree=True)
    parser.set_element_class_lookup(_ELEMENT_CLASSES)
    try:
        tree = lxml.html.fromstring(_XML_DECLARATION.sub("", html, count=1) or "<html/>", parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise ParseError(f"unreadable HTML: {exc}") from exc
    _check_depth(tree, parser, limits)
    for junk in tree.xpath("//script|//style|//noscript|//template"):
        junk.drop_tree()
    return tree


def _check_depth(tree: etree._Element, parser: etree.HTMLParser, limits: Limits) -> None:
    """Refuse a page nested beyond the limit, or beyond libxml2's own ceiling (where it keeps
    only part of the page): never a page silently cut short."""
    for error in parser.error_log:
        if error.type_name == "ERR_RESOURCE_LIMIT":
            limit = min(limits.max_html_depth, LIBXML_MAX_DEPTH)
            raise InputTooLargeError(
                f"HTML nested over {LIBXML_MAX_DEPTH} levels deep, limit {limit}"
                if "depth" in error.message else f"HTML beyond the HTML parser's limits: {error.message}"
            )
    if limits.max_html_depth >= LIBXML_MAX_DEPTH:
        return  # libxml2's ceiling is the lower one, checked above (the walk costs ~1.5 ms a page)
    depth = deepest = 0
    for event, _element in etree.iterwalk(tree, events=("start", "end")):
        depth += 1 if event == "start" else -1
        deepest = max(deepest, depth)
    if deepest > limits.max_html_depth:
        raise InputTooLargeError(f"HTML nested {deepest} levels deep, limit {limits.max_html_depth}")


def _main_text(tree: etree._Element, url: str, **options: bool) -> str | None:
    """trafilatura's main text (it prunes `tree` in place)."""
    return trafilatura.extract(
        tree, url=url or None, include_tables=True, include_comments=False, fast=True,
        deduplicate=False, output_format="txt", **options,
    )


def _section_count(text: str | None) -> int:
    return len({key for line in (text or "").split("\n") if (key := section_heading(line.strip()))})


def _strip_site_name(title: str) -> str:
    # "XX局2021年政府信息公开工作年度报告_XX市人民政府" → the report's own title
    return re.split(r"\s*[_|｜]\s*|\s+[-—]\s+", title, maxsplit=1)[0]


def block_text(tree: etree._Element) -> str:
    """The element's text with a line break at every block element, whitespace collapsed."""
    parts: list[str] = []
    # iterwalk, not recursion: pages nest up to max_html_depth (2048) levels, past Python's stack.
    for event, el in etree.iterwalk(tree, events=("start", "end", "comment", "pi")):
        block = event != "comment" and event != "pi" and el.tag.lower() in _BLOCK_TAGS
        if event == "start":
            if block:
                parts.append("\n")
            if el.text:
                parts.append(el.text)
            continue
        if block:
            parts.append("\n")
        if el.tail:  # an element's at its end; a comment's or processing instruction's at once
            parts.append(el.tail)
    lines = (normalize_text(line) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _cell_text(cell: etree._Element) -> str:
    return normalize_text(" ".join(cell.itertext()))


def _span(cell: etree._Element, name: str, limit: int) -> int:
    raw = cell.get(name)
    if raw is None:
        return 1  # most cells: no span written
    try:
        value = int(re.sub(r"\D", "", raw) or 1)
    except ValueError:
        return 1
    return max(1, min(value, limit))


def table_rows(tree: etree._Element, limits: Limits) -> list[Row]:
    """Rows of every innermost `<table>` in document order, rowspan/colspan expanded.

    Layout tables that wrap a whole page are skipped by taking only tables without tables
    inside. Spanned copies are flagged `continuation` so a value is never counted twice.
    """
    tables = tree.xpath("//table[not(.//table)]")
    if len(tables) > limits.max_tables:
        raise InputTooLargeError(f"{len(tables)} tables on the page (limit {limits.max_tables})")
    rows: list[Row] = []
    for table in tables:
        rows.extend(_table_grid(table, limits))
    return rows


def unwrap_layout_tables(tree: etree._Element) -> None:
    """Old CMSes lay whole pages out in tables; trafilatura would print the article's cell as
    one pipe row (fixture html_layout_table_2020_old_cms). A table holding tables or
    paragraphs is layout: its table/tr/td become divs. Data tables are read before this."""
    for table in tree.xpath("//table[.//table or .//td/p[2] or .//td/div//p]"):
        own = [
            el for el in table.iter("tbody", "thead", "tfoot", "tr", "td", "th")
            if el.xpath("ancestor::table[1]")[0] is table
        ]
        for el in [table, *own]:
            el.tag = "div"
            for attr in ("rowspan", "colspan"):
                el.attrib.pop(attr, None)


def _table_grid(table: etree._Element, limits: Limits) -> list[Row]:
    occupied: dict[tuple[int, int], Cell] = {}
    grid: list[list[Cell]] = []
    cells_total = 0
    for r, tr in enumerate(table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")):
        row: list[Cell] = []
        c = 0
        for td in tr:
            if not isinstance(td.tag, str) or td.tag.lower() not in ("td", "th"):
                continue
            while (r, c) in occupied:
                row.append(occupied.pop((r, c)))
                c += 1
            text = _cell_text(td)
            colspan = _span(td, "colspan", limits.max_span)
            rowspan = _span(td, "rowspan", limits.max_span)
            cells_total += colspan * rowspan
            if cells_total > limits.max_table_cells:
                raise InputTooLargeError(f"a table expands to over {limits.max_table_cells} cells")
            original = Cell.of(text)
            row.append(original)
            if colspan > 1 or rowspan > 1:
                copy = Cell(text, original.value, continuation=True)
                for dc in range(colspan):
                    for dr in range(rowspan):
                        if dr or dc:
                            if dr == 0:
                                row.append(copy)
                            else:
                                occupied[(r + dr, c + dc)] = copy
            c += colspan
        for key in sorted(k for k in occupied if k[0] == r):
            row.append(occupied.pop(key))
        if row:
            grid.append(row)
    return [Row(tuple(cells)) for cells in grid]
