"""Helpers every platform reader shares: clean text, the date a text node is, parsing a page's
HTML, absolute link targets, and which anchors name list items (and with what title); and what
a page that is only a script comes to (`script_only`, `script_redirect`).

Pure functions over strings and lxml elements; no platform knowledge here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from datetime import date
from html import unescape as html_unescape
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.html
from lxml import etree

from crawler.platforms.pages import ListedLink

_SPACES = re.compile(r"[\s\u00a0\u3000]+")
DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")
_TIME_OF_DAY = re.compile(r"\s*\d{1,2}:\d{2}(?::\d{2})?\W*$")
_LABEL = re.compile(r"^[^\d：:]{1,10}[：:]\s*")
# Anchors that move around the site or the list rather than name an item.
_NOT_ITEMS = frozenset(
    {
        "首页", "尾页", "末页", "上一页", "下一页", "上页", "下页", "前页", "后页", "更多", "更多>>",
        "more", "more>>", "查看更多", "返回", "返回顶部", "关闭", "关闭窗口", "打印", "打印本页",
        ">", "<", ">>", "<<", "»", "«", "›", "‹", "跳转", "go", "确定",
    }
)


def clean(text: str | None) -> str:
    return _SPACES.sub(" ", text or "").strip()


def int_or_none(value: str | None) -> int | None:
    return int(value) if value is not None and value.strip().isdigit() else None


def iso_date(match: re.Match[str]) -> str | None:
    """The YYYY-MM-DD of a `DATE` match, None when it names no real day (2023-02-30)."""
    try:
        return date(int(match[1]), int(match[2]), int(match[3])).isoformat()
    except ValueError:
        return None


def date_in(text: str) -> str | None:
    """A date that a text node *is* ("2024-01-25", "[2024-01-25]", "发布日期：2024年1月25日",
    "2024-01-25 10:30"), never a date-like run inside a title ("关于2023年1-2月…")."""
    stripped = clean(text)
    match = DATE.search(stripped)
    if match is None:
        return None
    core = _LABEL.sub("", _TIME_OF_DAY.sub("", stripped))  # 发布日期：… / …10:30:00 do not count against it
    if len(match[0]) < 0.5 * len(core):
        return None
    return iso_date(match)


def own_date(element: etree._Element) -> str | None:
    for text in element.itertext():
        found = date_in(text)
        if found:
            return found
    return None


def parse_html(body: str) -> etree._Element | None:
    # lxml refuses str input that carries an encoding declaration (dataproxy answers do).
    body = re.sub(r"^\s*<\?xml[^>]*\?>", "", body)
    if not body.strip():
        return None
    try:
        return lxml.html.fromstring(body)
    except etree.ParserError:
        return None


_NOT_WEB = re.compile(r"(?i)(javascript|mailto|tel|data):")


def base_url(root: etree._Element, url: str) -> str:
    # The first <base href>; iterated, not root.xpath("//base/@href"), which cost ~1 ms a page.
    base = next((href for element in root.iter("base") if (href := element.get("href")) is not None), None)
    return urljoin(url, base.strip()) if base is not None else url


def absolute(base: str, href: str | None) -> str | None:
    """The http(s) URL an href leads to, without its fragment (but a gkmlpt column's); None for
    scripts, mail, anchors."""
    href = (href or "").strip()
    if href.startswith("/") and not href.startswith("//"):
        # A root-relative target joins the same to every page of a host (a site's menus, on
        # every page): remembered once per host, not per page.
        return _absolute(_origin(base), href)
    if href and href[0] > " " and href[0] not in "?#;/" and ":" not in href.split("/", 1)[0]:
        # A relative path ("t20240125_1.html", "../index.html") joins the same to every page of a
        # folder (a column's pages, a site's report pages): remembered per folder. Not an href
        # that may name a scheme ("http:", "http:?x") or starts "//" or "?": urljoin may keep
        # more of the page for those ("//" alone is the page itself).
        return _absolute(_folder(base), href)
    return _absolute(base, href)


@functools.lru_cache(maxsize=1024)
def _origin(base: str) -> str:
    """scheme://host of `base`, which is all that urljoin takes from it for a root-relative href."""
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


@functools.lru_cache(maxsize=1024)
def _folder(base: str) -> str:
    """`base` up to its path's last "/": all that urljoin takes from it for an href with a
    relative path of its own (it drops the base's last segment, its parameters, query and
    fragment; tests/crawler/test_links_absolute.py checks it against urljoin)."""
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, parts.path[: parts.path.rfind("/") + 1], "", ""))


# A path segment with nothing urljoin would resolve, split off or strip: no "." or ".."
# segment, no empty one, no ";" "?" "#" ":" "\\", no space, control or non-ASCII character.
_SEGMENT = r"[\w\-~%!$&'()*+,=@]+(?:\.[\w\-~%!$&'()*+,=@]+)*"
_PLAIN_ROOTED = re.compile(rf"(?:/{_SEGMENT})*/?", re.ASCII)  # "/", "/col/col12/index.html"
_PLAIN_RELATIVE = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*/?", re.ASCII)  # "t20240125_1.html", "2024/a/"
_PLAIN_FOLDER = re.compile(rf"(?:/{_SEGMENT})*/", re.ASCII)


@functools.lru_cache(maxsize=1024)
def _plain_base(base: str) -> bool:
    """Whether `base` is an http(s) origin (``http://host``, for root-relative paths) or folder
    (``http://host/a/b/``, for relative ones) that urljoin leaves as it is: a plain path to
    append to, no query, no fragment, written as urlsplit writes it back."""
    parts = urlsplit(base)
    return (parts.scheme in ("http", "https") and bool(parts.netloc) and parts.netloc.isascii()
            and "/" not in parts.netloc and not parts.query and not parts.fragment
            and (parts.path == "" or bool(_PLAIN_FOLDER.fullmatch(parts.path)))
            and urlunsplit(parts) == base)


# A list page's readers ask for each anchor's target several times (is it an item, which anchor
# of an item, its link), and a site's menus repeat on every page: urljoin was the largest single
# cost of a crawl's list pages (bench/crawl profile). Pure, so remembered; bounded.
@functools.lru_cache(maxsize=8192)
def _absolute(base: str, href: str) -> str | None:
    if not href or href.startswith("#") or _NOT_WEB.match(href):
        return None
    if _plain_base(base) and (_PLAIN_ROOTED if base.count("/") == 2 else _PLAIN_RELATIVE).fullmatch(href):
        # Most targets are plain paths (a site's menus: "/col/col12/index.html") on a plain
        # origin or folder; urljoin then only appends them (nothing to resolve, collapse, strip
        # or split off): the string is the URL, without urljoin's ~25 us (tests check it).
        return base + href
    joined = urljoin(base, href)
    parts = urlsplit(joined)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    if parts.fragment and parts.path.endswith("/gkmlpt/index"):
        return joined  # a gkmlpt column: the #category names it (fixture gkmlpt_column.html)
    return urlunsplit(parts._replace(fragment=""))


_PLAIN_NAME = re.compile(r"[\w.-]+")


def beside(url: str, names: Iterable[str]) -> list[str]:
    """``urljoin(url, name)`` for each name, the folder joined once for plain file names
    (``index_7.html``, ``3.htm``): a column's later pages, which platforms that state their count
    list on every page (up to 50 joins a page). urljoin makes such a name the base's resolved
    folder plus the name, whatever the name, so the first join's folder serves the rest
    (tests/crawler/test_links_absolute.py checks it against urljoin)."""
    folder: str | None = None
    joined = []
    for name in names:
        if _PLAIN_NAME.fullmatch(name) and name not in (".", ".."):
            if folder is None:
                first = urljoin(url, name)
                if not first.endswith(name):  # never seen; urljoin decides then
                    joined.append(first)
                    continue
                folder = first[: len(first) - len(name)]
            joined.append(folder + name)
        else:
            joined.append(urljoin(url, name))
    return joined


def anchor_title(anchor: etree._Element) -> str:
    """The title attribute where it says more than the (often truncated) text, else the text
    without any date the anchor also holds (Hanweb: ``<a><span>title</span><i>2020-08-14</i></a>``)."""
    attr = clean(anchor.get("title"))
    parts = [t for t in anchor.itertext() if not date_in(t)]
    text = clean(" ".join(parts))
    return attr if len(attr) >= len(text.rstrip(".…")) and attr else text


def item_title(anchor: etree._Element, base: str) -> str | None:
    """The title of an anchor that names a list item; None for anchors that move around the
    site or the list, lead nowhere, or say nothing."""
    if absolute(base, anchor.get("href")) is None:
        return None
    title = anchor_title(anchor)
    return title if title and title.lower() not in _NOT_ITEMS and not title.isdigit() else None


def is_item_anchor(anchor: etree._Element, base: str) -> bool:
    return item_title(anchor, base) is not None


def item_titles(root: etree._Element, base: str) -> dict[etree._Element, str]:
    """Every item anchor of a page and its title, worked out once for readers that ask of the
    same anchors again and again (the static list's containers; bench/crawl profile). The
    anchors are the page's own element objects: lxml hands back the same object for a node
    while one is held, so `anchor in titles` works for anchors found again by iterating."""
    return {anchor: title for anchor in root.iter("a") if (title := item_title(anchor, base)) is not None}


def main_anchor(element: etree._Element, base: str,
                titles: dict[etree._Element, str] | None = None) -> etree._Element | None:
    """The anchor an item is about: of its item anchors, the one with the longest title
    (items may carry a category tag link before the title). `titles`: the page's
    `item_titles`, when the caller has them."""
    if titles is None:
        titles = item_titles(element, base)
    anchors = [a for a in element.iter("a") if a in titles]
    return max(anchors, key=lambda a: len(titles[a])) if anchors else None


def listed_link(anchor: etree._Element, base: str, listed_date: str | None, title: str | None = None) -> ListedLink:
    url = absolute(base, anchor.get("href"))
    assert url is not None  # only item anchors get here
    return ListedLink(url=url, title=anchor_title(anchor) if title is None else title, date=listed_date)


def unique(links: Iterable[ListedLink]) -> tuple[ListedLink, ...]:
    """The links in order, each URL once (its first listing)."""
    out: dict[str, ListedLink] = {}
    for link in links:
        out.setdefault(link.url, link)
    return tuple(out.values())


# A page whose only work is a script that sends the browser elsewhere: ``location.replace("…")``,
# ``window.location.href = "…"``, ``location.href='…'``, ``window.location = "…"``, or a
# ``<meta http-equiv="refresh" content="0;url=…">`` (fixture script_redirect_column.html).
_SCRIPT_REDIRECT = re.compile(
    r"""\b(?:window\.|document\.|top\.|self\.)?location(?:\.href)?\s*(?:=|\.replace\s*\(|\.assign\s*\()\s*"""
    r"""(['"])([^'"]+)\1""",
    re.IGNORECASE,
)
_META_REFRESH = re.compile(
    r"""<meta[^>]+http-equiv\s*=\s*['"]?refresh['"]?[^>]*content\s*=\s*['"]?\s*\d+\s*;\s*url\s*=\s*([^'">\s]+)""",
    re.IGNORECASE,
)
_SCRIPTS = re.compile(r"<script\b[^>]*>.*?</script\s*>|<style\b[^>]*>.*?</style\s*>|<!--.*?-->", re.DOTALL | re.IGNORECASE)
# What a script shell shows besides its scripts: its title, a <noscript> plea, a loading word.
_SHELL_PARTS = re.compile(r"<title\b[^>]*>.*?</title\s*>|<noscript\b[^>]*>.*?</noscript\s*>", re.DOTALL | re.IGNORECASE)
_LOADING = re.compile(r"^(?:正在加载|加载中|页面加载中|正在跳转|跳转中|页面跳转中|请稍候|请稍等|loading)[.。…\s]*$", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")
_ANCHOR = re.compile(r"<a\b[^>]*\bhref\s*=", re.IGNORECASE)


def visible_text(body: str) -> str:
    """The page's text without its scripts, styles, comments and tags."""
    return clean(html_unescape(_TAGS.sub(" ", _SCRIPTS.sub(" ", body))))


def script_only(body: str) -> bool:
    """Whether the page is a script and nothing a reader can use: no link outside its scripts
    and no text but its title, a <noscript> plea or a loading word (a column whose list only a
    browser running its scripts would see). A page that says 暂无信息 is not: it says something."""
    rest = _SCRIPTS.sub(" ", body)
    text = visible_text(_SHELL_PARTS.sub(" ", body))
    return "<script" in body.lower() and not _ANCHOR.search(rest) and (not text or bool(_LOADING.match(text)))


def script_redirect(url: str, body: str) -> str | None:
    """Where a page that is only a redirect script (or a meta refresh) sends the browser: the
    absolute http(s) URL, None when the page is more than that or names no literal target
    (``location.replace(base + id)`` is not followed). Only script-only pages count, so a list
    page whose search box script sets ``location.href`` is never taken for a redirect."""
    if not script_only(body) and not _META_REFRESH.search(body):
        return None
    found = _SCRIPT_REDIRECT.search(body)
    target = found[2] if found else None
    if target is None:
        refresh = _META_REFRESH.search(body)
        target = refresh[1] if refresh else None
    if target is None or "+" in target:
        return None
    absolute_target = absolute(url, html_unescape(target))
    if absolute_target is None or absolute_target == urlunsplit(urlsplit(url)._replace(fragment="")):
        return None
    return absolute_target
