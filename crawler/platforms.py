"""What one list page of a portal platform holds: its items, and the other pages of its column.

Pure functions over a page's URL and its decoded body: no Scrapy, no network, no clock. The
spider fetches; this module reads. Platforms, as `registry.PLATFORMS` names them:

- ``trs``: TRS WCM. ``index.html``, ``index_1.html``…; the later pages exist only in the call
  ``createPageHTML(countPage, currentPage, "index", "html")`` (fixture trs_index.html).
- ``hanweb``: 大汉 jcms. ``col/colN/index.html`` keeps its first records as CDATA in
  ``<script type="text/xml"><datastore>``; the rest come by POST to
  ``module/web/jpage/dataproxy.jsp?startrecord=…&endrecord=…&perpage=…`` with the form the
  page's jpage script states (fixtures hanweb_col_index.html, hanweb_dataproxy.xml).
- ``vsb``: 博达 VSB. ``xxgk/ndbg.htm`` then ``ndbg/2.htm``, ``ndbg/1.htm``: numbered downwards,
  so the 下页 link of the first page names every later page (fixtures vsb_ndbg*.htm).
- ``ucap``: 开普云. ``index.shtml``, ``index_2.shtml``… with the page count in a script or a
  pager (fixture ucap_index.shtml).
- ``gkmlpt``: Guangdong's 政府信息公开目录管理平台. The column page ``/gkmlpt/index#<cat>`` is an
  empty shell whose script holds the site id; the list is JSON from
  ``/gkmlpt/api/all/<cat>?page=N&sid=<sid>`` (fixtures gkmlpt_column.html, gkmlpt_api_page1.json).
- ``static``: anything else: dated anchors and a 下一页 link (fixture static_list.html).

Items are the anchors of the list container: the element whose items hold the most dated
links, so menus, footers and 相关链接 stay out; where no container holds two dated items, every
anchor with a date next to it.

``next_pages`` are the pages *after* this one in its column: all of them where the platform
states the count (TRS, Hanweb, VSB, gkmlpt, UCAP scripts), else the next one (a 下一页 link).
A later page may repeat requests the first page already made; Scrapy's dupefilter drops them.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from urllib.parse import (
    parse_qs,
    parse_qsl,
    unquote,
    urlencode,
    urljoin,
    urlsplit,
    urlunsplit,
)

import lxml.html
from lxml import etree

from crawler.registry import PLATFORMS

log = logging.getLogger(__name__)

# gkmlpt timestamps are epoch seconds; the date a reader sees on the portal is China's.
CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")


class ListPageError(ValueError):
    """A page cannot be read as the platform named; the message names the URL and platform."""


@dataclass(frozen=True)
class ListedLink:
    url: str  # absolute
    title: str  # the link's title as listed (title attribute preferred over truncated text)
    date: str | None  # the listed date, YYYY-MM-DD, if the list shows one


@dataclass(frozen=True)
class PageRequest:
    url: str  # absolute
    method: str = "GET"  # "POST" for Hanweb's dataproxy
    body: str | None = None  # urlencoded form body for POST
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ListPage:
    platform: str  # "trs" | "hanweb" | "vsb" | "ucap" | "gkmlpt" | "static"
    links: tuple[ListedLink, ...]  # every item of the list (not navigation, not footer links)
    next_pages: tuple[PageRequest, ...]  # the later pages of this column to fetch


# ---------------------------------------------------------------------------------------------
# Detection


_GKMLPT_SID = re.compile(r"""\bSID\s*[:=]\s*['"]?(\d+)""")
_TRS_DETAIL = re.compile(r"""href\s*=\s*['"][^'"]*/t\d{8}_\d+\.s?html?['"]""", re.IGNORECASE)
_VSB_MARKERS = re.compile(
    r"Visual\s*SiteBuilder|/system/resource/|_sitegray|/system/_content/download\.jsp|"
    r"""id\s*=\s*['"]line_u\d""",
    re.IGNORECASE,
)
_VSB_DETAIL = re.compile(r"""href\s*=\s*['"][^'"]*\binfo/\d+/\d+\.htm['"]""", re.IGNORECASE)


def detect_platform(url: str, body: str) -> str:
    """The platform serving this list page, from markers in the body and the shape of the URL.

    Strong markers first (a script or data layout only that platform emits), then URL shapes.
    """
    path = urlsplit(url).path.lower()
    text = body.lstrip()
    if re.search(r"/gkmlpt(?:/|$)", path):
        return "gkmlpt"
    if text.startswith("{") and '"articles"' in text:
        return "gkmlpt"
    if "/gkmlpt/" in body and _GKMLPT_SID.search(body):
        return "gkmlpt"
    if re.search(r"<datastore>|\.jpage\s*\(|/module/web/jpage/|/module/jpage/", body, re.IGNORECASE) or (
        "dataproxy.jsp" in path
    ):
        return "hanweb"
    if "createPageHTML" in body:
        return "trs"
    if _VSB_MARKERS.search(body):
        return "vsb"
    if _TRS_DETAIL.search(body):
        return "trs"
    if re.search(r"kaipuyun|\bucap\b|/ucap/", body, re.IGNORECASE) or path.endswith(".shtml"):
        return "ucap"
    if path.endswith(".htm") and _VSB_DETAIL.search(body):
        return "vsb"
    if re.search(r"/col/col\d+/", path):
        return "hanweb"
    return "static"


def parse_list_page(url: str, body: str, platform: str | None = None) -> ListPage:
    """Read one list page: its items and the later pages of its column.

    `body` is decoded text: HTML, Hanweb's datastore XML, or gkmlpt's JSON. `platform`
    overrides detection (a registry entry's `platform` key).
    """
    platform = platform or detect_platform(url, body)
    reader = _READERS.get(platform)
    if reader is None:
        raise ListPageError(f"{url}: unknown platform {platform!r} (known: {', '.join(PLATFORMS)})")
    page = reader(url, body)
    log.debug("%s: %s list page, %d links, %d later pages", url, platform, len(page.links), len(page.next_pages))
    return page


# ---------------------------------------------------------------------------------------------
# Text helpers

_SPACES = re.compile(r"[\s\u00a0\u3000]+")
_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")
_CLOCK = re.compile(r"\s*\d{1,2}:\d{2}(?::\d{2})?\W*$")
_LABEL = re.compile(r"^[^\d：:]{1,10}[：:]\s*")
# Anchors that move around the site or the list rather than name an item.
_NOT_ITEMS = frozenset(
    {
        "首页", "尾页", "末页", "上一页", "下一页", "上页", "下页", "前页", "后页", "更多", "更多>>",
        "more", "more>>", "查看更多", "返回", "返回顶部", "关闭", "关闭窗口", "打印", "打印本页",
        ">", "<", ">>", "<<", "»", "«", "›", "‹", "跳转", "go", "确定",
    }
)
_NEXT_WORDS = frozenset({"下一页", "下页", "后页", "下一页>", "下一页>>", ">", "›", "next", "next>"})


def _clean(text: str | None) -> str:
    return _SPACES.sub(" ", text or "").strip()


def _iso_date(match: re.Match[str]) -> str | None:
    try:
        return date(int(match[1]), int(match[2]), int(match[3])).isoformat()
    except ValueError:
        return None


def _date_in(text: str) -> str | None:
    """A date that a text node *is* ("2024-01-25", "[2024-01-25]", "发布日期：2024年1月25日",
    "2024-01-25 10:30"), never a date-like run inside a title ("关于2023年1-2月…")."""
    stripped = _clean(text)
    match = _DATE.search(stripped)
    if match is None:
        return None
    core = _LABEL.sub("", _CLOCK.sub("", stripped))  # 发布日期：… / …10:30:00 do not count against it
    if len(match[0]) < 0.5 * len(core):
        return None
    return _iso_date(match)


def _own_date(element: etree._Element) -> str | None:
    for text in element.itertext():
        found = _date_in(text)
        if found:
            return found
    return None


def _parse_html(body: str) -> etree._Element | None:
    # lxml refuses str input that carries an encoding declaration (dataproxy answers do).
    body = re.sub(r"^\s*<\?xml[^>]*\?>", "", body)
    if not body.strip():
        return None
    try:
        return lxml.html.fromstring(body)
    except etree.ParserError:
        return None


def _base_url(root: etree._Element, url: str) -> str:
    base = root.xpath("//base/@href")
    return urljoin(url, base[0].strip()) if base else url


def _absolute(base: str, href: str | None) -> str | None:
    href = (href or "").strip()
    if not href or href.startswith("#") or re.match(r"(?i)(javascript|mailto|tel|data):", href):
        return None
    joined = urljoin(base, href)
    parts = urlsplit(joined)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return urlunsplit(parts._replace(fragment=""))


def _anchor_title(anchor: etree._Element) -> str:
    """The title attribute where it says more than the (often truncated) text, else the text
    without any date the anchor also holds (Hanweb: ``<a><span>title</span><i>2020-08-14</i></a>``)."""
    attr = _clean(anchor.get("title"))
    parts = [t for t in anchor.itertext() if not _date_in(t)]
    text = _clean(" ".join(parts))
    return attr if len(attr) >= len(text.rstrip(".…")) and attr else text


def _is_item_anchor(anchor: etree._Element, base: str) -> bool:
    if _absolute(base, anchor.get("href")) is None:
        return False
    title = _anchor_title(anchor)
    return bool(title) and title.lower() not in _NOT_ITEMS and not title.isdigit()


def _item_anchors(element: etree._Element, base: str) -> list[etree._Element]:
    return [a for a in element.iter("a") if _is_item_anchor(a, base)]


def _main_anchor(element: etree._Element, base: str) -> etree._Element | None:
    """The anchor an item is about: of its item anchors, the one with the longest title
    (items may carry a category tag link before the title)."""
    anchors = _item_anchors(element, base)
    return max(anchors, key=lambda a: len(_anchor_title(a))) if anchors else None


def _link(anchor: etree._Element, base: str, listed_date: str | None) -> ListedLink:
    url = _absolute(base, anchor.get("href"))
    assert url is not None  # only item anchors get here
    return ListedLink(url=url, title=_anchor_title(anchor), date=listed_date)


# ---------------------------------------------------------------------------------------------
# Generic list reading: the container of dated items


def _holds_more_items(element: etree._Element, base: str, limit: int) -> bool:
    """Whether `element` holds item links to more than `limit` places (stops counting early)."""
    hrefs: set[str] = set()
    for anchor in element.iter("a"):
        href = (anchor.get("href") or "").strip()
        if href not in hrefs and _is_item_anchor(anchor, base):
            hrefs.add(href)
            if len(hrefs) > limit:
                return True
    return False


def _dated_item(anchor: etree._Element, base: str) -> tuple[etree._Element, str] | None:
    """The list item around `anchor` and its listed date: the nearest ancestor (at most three
    up) that shows a date and is not already the whole list (more than two item links)."""
    node: etree._Element | None = anchor
    for _ in range(4):
        if node is None or not isinstance(node.tag, str) or _holds_more_items(node, base, 2):
            return None
        found = _own_date(node)
        if found:
            item = node if node is not anchor else anchor.getparent()
            if item is None:
                return None
            if item.tag == "td" and item.getparent() is not None:
                item = item.getparent()  # a table row is the item, not its cell
            return item, found
        node = node.getparent()
    return None


def _list_links(url: str, root: etree._Element) -> tuple[ListedLink, ...]:
    """Every item of the list on a page: the anchors of the container whose items hold the
    most dated links (menus, footers, 相关链接 left out), else every anchor with a date."""
    base = _base_url(root, url)
    dated: list[tuple[etree._Element, etree._Element, str]] = []
    seen_items: set[etree._Element] = set()
    for anchor in root.iter("a"):
        if not _is_item_anchor(anchor, base):
            continue
        found = _dated_item(anchor, base)
        if found is None or found[0] in seen_items:
            continue
        seen_items.add(found[0])
        dated.append((anchor, found[0], found[1]))
    if not dated:
        return ()

    groups: Counter[etree._Element] = Counter()
    for _, item, _ in dated:
        parent = item.getparent()
        if parent is not None:
            groups[parent] += 1
    if not groups or max(groups.values()) < 2:
        mains = ((_main_anchor(item, base), a, d) for a, item, d in dated)
        return _unique(_link(main if main is not None else a, base, d) for main, a, d in mains)

    # Counter keeps first-seen order, so a tie goes to the list that comes first.
    best = max(groups, key=lambda p: groups[p])
    containers = [best]
    grand = best.getparent()
    if grand is not None:
        # Long lists are often cut into several <ul> of five under one box: take them all.
        containers = [sib for sib in grand if sib.tag == best.tag and (sib is best or groups.get(sib))]
    item_tag = Counter(item.tag for _, item, _ in dated if item.getparent() in containers).most_common(1)[0][0]
    dates = {item: d for _, item, d in dated}
    links = []
    for container in containers:
        for item in container:
            if item.tag != item_tag:
                continue
            anchor = _main_anchor(item, base)
            if anchor is not None:
                links.append(_link(anchor, base, dates.get(item) or _own_date(item)))
    return _unique(links)


def _unique(links: Iterable[ListedLink]) -> tuple[ListedLink, ...]:
    out: dict[str, ListedLink] = {}
    for link in links:
        out.setdefault(link.url, link)
    return tuple(out.values())


def _next_link(url: str, root: etree._Element) -> PageRequest | None:
    """The page a 下一页 / 下页 / > link leads to, if it leads anywhere but here."""
    base = _base_url(root, url)
    here = urlunsplit(urlsplit(url)._replace(fragment=""))
    for anchor in root.iter("a"):
        text = _clean("".join(anchor.itertext())).lower().replace(" ", "")
        classes = (anchor.get("class") or "").lower().split()
        if text in _NEXT_WORDS or (not text and "next" in classes) or text.startswith("下一页"):
            target = _absolute(base, anchor.get("href"))
            if target and target != here:
                return PageRequest(target)
    return None


def _read_static(url: str, body: str) -> ListPage:
    root = _parse_html(body)
    if root is None:
        return ListPage("static", (), ())
    following = _next_link(url, root)
    return ListPage("static", _list_links(url, root), (following,) if following else ())


# ---------------------------------------------------------------------------------------------
# TRS WCM

_CREATE_PAGE = re.compile(r"createPageHTML\s*\(([^()]*)\)")


def _trs_pager(body: str) -> tuple[int, int, str, str] | None:
    """(countPage, currentPage, name, ext) from the page's ``createPageHTML(...)`` call.

    Seen forms: ``createPageHTML(5, 0, "index", "html")``, the ``('page_div', 5, 0, 'index',
    'html', 137)`` variant with a target element first and the record count last, and
    ``createPageHTML(countPage, currentPage, ...)`` with the numbers in ``var`` lines above.
    The function's own definition (parameter names, no numbers) is skipped.
    """
    variables = {name: int(value) for name, value in re.findall(r"\b(\w+)\s*(?<![=!<>])=(?!=)\s*(\d+)\b", body)}
    for match in _CREATE_PAGE.finditer(body):
        args = [arg.strip().strip("'\"") for arg in match[1].split(",")]
        numbers: list[int] = []
        rest: list[str] = []
        for arg in args:
            value = int(arg) if arg.isdigit() else variables.get(arg)
            if len(numbers) < 2 and value is not None:
                numbers.append(value)
            elif len(numbers) == 2:
                rest.append(arg)
        if len(numbers) == 2:
            name = rest[0] if rest and re.fullmatch(r"[\w-]+", rest[0]) else "index"
            ext = rest[1] if len(rest) > 1 and re.fullmatch(r"\w+", rest[1]) else "html"
            return numbers[0], numbers[1], name, ext
    return None


def _read_trs(url: str, body: str) -> ListPage:
    root = _parse_html(body)
    if root is None:
        return ListPage("trs", (), ())
    pager = _trs_pager(body)
    if pager is None:
        following = _next_link(url, root)
        return ListPage("trs", _list_links(url, root), (following,) if following else ())
    count, current, name, ext = pager
    # Page 0 is name.ext itself; page i is name_i.ext beside it.
    later = tuple(PageRequest(urljoin(url, f"{name}_{i}.{ext}")) for i in range(current + 1, count))
    return ListPage("trs", _list_links(url, root), later)


# ---------------------------------------------------------------------------------------------
# Hanweb / 大汉 jcms

_DATASTORE = re.compile(r"<datastore>(.*?)</datastore>", re.DOTALL | re.IGNORECASE)
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.DOTALL | re.IGNORECASE)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>\s*</nextgroup>", re.DOTALL | re.IGNORECASE)
# The form dataproxy.jsp expects, in the order the jpage script sends it.
_HANWEB_FORM = ("col", "appid", "webid", "path", "columnid", "sourceContentType", "unitid", "webname", "permissiontype")
_HANWEB_DEFAULTS = {"col": "1", "appid": "1", "path": "/", "sourceContentType": "1", "permissiontype": "0"}
_HANWEB_GROUP_SIZE = 3  # jpage's default: a request fetches three pages of records


def _js_value(script: str, key: str) -> str | None:
    """`key: 12`, `key:'某市'`, `"key": "x"` or `key = 12` in a script."""
    match = re.search(
        rf"""['"]?\b{re.escape(key)}\b['"]?\s*[:=]\s*(?:'([^']*)'|"([^"]*)"|([^,;}}\s)]+))""", script
    )
    if match is None:
        return None
    return next(group for group in match.groups() if group is not None)


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.strip().isdigit() else None


def _hanweb_records(url: str, block: str) -> tuple[ListedLink, ...]:
    base = url
    links = []
    for fragment in _RECORD.findall(block):
        try:
            item = lxml.html.fragment_fromstring(fragment, create_parent="div")
        except etree.ParserError:
            continue
        anchor = _main_anchor(item, base)
        if anchor is not None:
            links.append(_link(anchor, base, _own_date(item)))
    return _unique(links)


def _hanweb_unit(body: str, match: re.Match[str]) -> str | None:
    """The id of the element that holds this datastore (the jpage unit id)."""
    before = body[max(0, match.start() - 600) : match.start()]
    ids = re.findall(r"""<div[^>]*\bid\s*=\s*['"]?([\w-]+)""", before, re.IGNORECASE)
    return ids[-1] if ids else None


def _hanweb_script(body: str, unit: str | None) -> str:
    """The options of the jpage call for this unit (or the only one), else the whole page."""
    calls = list(re.finditer(r"""\$\(\s*['"]#([\w-]+)['"]\s*\)\s*\.jpage\s*\(""", body))
    for call in calls:
        if unit is None or call[1] == unit or len(calls) == 1:
            return body[call.end() : call.end() + 4000]
    return body


def _hanweb_form(url: str, script: str, block: str, unit: str | None) -> dict[str, str]:
    nextgroup = _NEXTGROUP.search(block)
    from_link: dict[str, str] = {}
    if nextgroup:
        href = re.search(r"""href\s*=\s*['"]([^'"]+)""", nextgroup[1])
        if href:
            from_link = {k: v[0] for k, v in parse_qs(urlsplit(href[1].replace("&amp;", "&")).query).items()}
    column = re.search(r"/col/col(\d+)/", urlsplit(url).path)
    form = {}
    for key in _HANWEB_FORM:
        value = _js_value(script, key) or from_link.get(key)
        if value is None and key == "columnid" and column:
            value = column[1]
        if value is None and key == "unitid":
            value = unit
        if value is None:
            value = _HANWEB_DEFAULTS.get(key, "")
        form[key] = value
    return form


def _read_hanweb(url: str, body: str) -> ListPage:
    blocks = list(_DATASTORE.finditer(body))
    if not blocks:
        root = _parse_html(body)  # a jcms page without jpage (an article list rendered as HTML)
        if root is None:
            return ListPage("hanweb", (), ())
        following = _next_link(url, root)
        return ListPage("hanweb", _list_links(url, root), (following,) if following else ())
    # A page may hold several jpage units (a sidebar of 热点信息 too): the list is the unit of
    # this column (its <nextgroup> names columnid=N of col/colN), else the one with most records.
    column = re.search(r"/col/col(\d+)/", urlsplit(url).path)
    own = [m for m in blocks if column and re.search(rf"columnid=0*{column[1]}\b", m[1])]
    block = max(own or blocks, key=lambda m: len(_RECORD.findall(m[1])))
    links = _hanweb_records(url, block[1])
    records = len(_RECORD.findall(block[1]))

    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    is_answer = "dataproxy.jsp" in urlsplit(url).path
    unit = None if is_answer else _hanweb_unit(body, block)
    script = "" if is_answer else _hanweb_script(body, unit)
    stated = re.search(r"<totalrecord>\s*(\d+)", block[1], re.IGNORECASE)
    total = int(stated[1]) if stated else None
    if total is None and not is_answer:
        total = _int(_js_value(script, "totalRecord")) or _int(_js_value(body, "totalRecord"))
    per_page = _int(_js_value(script, "perPage")) or _int(query.get("perpage"))
    group = _int(_js_value(script, "groupSize")) or _HANWEB_GROUP_SIZE

    if is_answer:
        start, end = _int(query.get("startrecord")), _int(query.get("endrecord"))
        if start is None or end is None or end < start:
            return ListPage("hanweb", links, ())
        span, done = end - start + 1, end
        proxy = urlsplit(url).path
        referer = None
    else:
        if records == 0:
            return ListPage("hanweb", links, ())
        # The column page carries the first group of records; the next starts after them.
        span = per_page * group if per_page else records
        done = records
        proxy = _js_value(script, "proxyUrl") or "/module/web/jpage/dataproxy.jsp"
        referer = urlunsplit(urlsplit(url)._replace(fragment=""))

    if total is not None:
        starts = list(range(done + 1, total + 1, span))
    elif records >= span:  # no count stated: a full group means there may be another
        starts = [done + 1]
    else:
        starts = []
    if not starts:
        return ListPage("hanweb", links, ())

    form = _hanweb_form(url, script, block[1], unit)
    if is_answer and not form.get("columnid"):
        log.warning("%s: dataproxy answer without a nextgroup link: cannot ask for later records", url)
        return ListPage("hanweb", links, ())
    if referer is None:
        referer = urljoin(url, f"/col/col{form['columnid']}/index.html")
    headers = (
        ("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8"),
        ("X-Requested-With", "XMLHttpRequest"),
        ("Referer", referer),
    )
    form_body = urlencode(form)
    perpage = per_page or span
    requests = tuple(
        PageRequest(
            url=urljoin(url, f"{proxy}?startrecord={start}&endrecord={start + span - 1}&perpage={perpage}"),
            method="POST",
            body=form_body,
            headers=headers,
        )
        for start in starts
    )
    return ListPage("hanweb", links, requests)


# ---------------------------------------------------------------------------------------------
# 博达 VSB

_VSB_COUNT = re.compile(r"共\s*(\d+)\s*条.{0,40}?(\d+)\s*/\s*(\d+)", re.DOTALL)


def _read_vsb(url: str, body: str) -> ListPage:
    root = _parse_html(body)
    if root is None:
        return ListPage("vsb", (), ())
    links = _list_links(url, root)
    # VSB numbers list pages downwards: ndbg.htm is page 1, ndbg/N.htm page 2 … ndbg/1.htm the
    # last; so the number the 下页 link names is the count of pages still to come.
    following = _next_link(url, root)
    path = urlsplit(url).path
    here = re.search(r"/(\d+)\.htm$", path)
    if following is not None:
        there = re.search(r"^(.*/)(\d+)\.htm$", urlsplit(following.url).path)
        if there and (here is None or int(there[2]) == int(here[1]) - 1):
            folder = urlunsplit(urlsplit(following.url)._replace(path=there[1], query="", fragment=""))
            pages = tuple(PageRequest(urljoin(folder, f"{n}.htm")) for n in range(int(there[2]), 0, -1))
            return ListPage("vsb", links, pages)
        return ListPage("vsb", links, (following,))
    # No usable 下页 link: the "共37条 1/3" count, from the first page only.
    count = _VSB_COUNT.search(_clean(" ".join(root.itertext())))
    if here is None and count and int(count[2]) == 1 and int(count[3]) > 1:
        stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        folder = urljoin(url, f"{stem}/")
        return ListPage("vsb", links, tuple(PageRequest(urljoin(folder, f"{n}.htm")) for n in range(int(count[3]) - 1, 0, -1)))
    return ListPage("vsb", links, ())


# ---------------------------------------------------------------------------------------------
# 开普云 / UCAP

_UCAP_COUNT = re.compile(r"""\b(?:pageCount|totalPage|totalPages|countPage|pagecount|page_count)\s*[:=]\s*['"]?(\d+)""")


def _read_ucap(url: str, body: str) -> ListPage:
    root = _parse_html(body)
    if root is None:
        return ListPage("ucap", (), ())
    links = _list_links(url, root)
    pager = _trs_pager(body)  # some .shtml sites are TRS-published and keep createPageHTML
    if pager is not None:
        count, current, name, ext = pager
        return ListPage("ucap", links, tuple(PageRequest(urljoin(url, f"{name}_{i}.{ext}")) for i in range(current + 1, count)))
    base = _base_url(root, url)
    name_ext = re.search(r"^(.*/)([\w-]+?)(?:_(\d+))?\.(s?html?)$", urlsplit(url).path)
    numbered: set[int] = set()  # the N of pager links to name_N.ext beside this page
    for anchor in root.iter("a"):
        target = _absolute(base, anchor.get("href"))
        found = re.search(r"^(.*/)([\w-]+?)_(\d+)\.(s?html?)$", urlsplit(target).path) if target else None
        if found and name_ext and (found[1], found[2]) == (name_ext[1], name_ext[2]):
            numbered.add(int(found[3]))
    stated = _UCAP_COUNT.search(body)
    if name_ext and (stated or numbered):
        # 开普云 numbers from 2 (index_2.shtml is page 2); a pager that links index_1 numbers
        # from 1 as TRS does. Page n of the column is file n (or n-1).
        first = 1 if 1 in numbered else 2
        count = int(stated[1]) if stated else max(numbered) + (2 - first)
        current = int(name_ext[3]) + (2 - first) if name_ext[3] else 1
        name, ext = name_ext[2], name_ext[4]
        later = tuple(
            PageRequest(urljoin(url, f"{name}_{page - (2 - first)}.{ext}")) for page in range(current + 1, count + 1)
        )
        return ListPage("ucap", links, later)
    following = _next_link(url, root)
    return ListPage("ucap", links, (following,) if following else ())


# ---------------------------------------------------------------------------------------------
# Guangdong gkmlpt

_JSON_ACCEPT = "application/json, text/javascript, */*; q=0.01"
_GKMLPT_PAGE_SIZE_KEYS = ("per_page", "page_size", "pageSize", "pagesize", "limit")
_GKMLPT_DATE_KEYS = ("first_publish_time", "display_publish_time", "date", "publish_time", "created_at", "create_time")


def gkmlpt_api_url(column_url: str, body: str) -> PageRequest | None:
    """The JSON request for page 1 of a gkmlpt column: ``<base>/gkmlpt/api/all/<cat>?page=1&sid=<sid>``.

    `column_url` is the column as registered, with its ``#<cat>`` fragment (Scrapy drops the
    fragment from ``response.url``, so pass the URL asked for). The site id is in the page's
    ``window._CONFIG = {SID: '…'}`` script (fixture gkmlpt_column.html). None when the URL has
    no category or the page no site id.
    """
    parts = urlsplit(column_url)
    base = re.match(r"^(.*?/gkmlpt)(?:/|$)", parts.path)
    category = parts.fragment.strip("/") if re.fullmatch(r"/?\d+", parts.fragment) else None
    if category is None:
        category_in_query = parse_qs(parts.query).get("cat") or parse_qs(parts.query).get("category")
        category = category_in_query[0] if category_in_query and category_in_query[0].isdigit() else None
    sid = _GKMLPT_SID.search(body) or re.search(r"""[?&]sid=(\d+)|['"]sid['"]\s*:\s*['"]?(\d+)""", body)
    if base is None or category is None or sid is None:
        return None
    site = next(group for group in sid.groups() if group)
    api = urlunsplit((parts.scheme, parts.netloc, f"{base[1]}/api/all/{category}", f"page=1&sid={site}", ""))
    referer = urlunsplit(parts._replace(fragment=""))
    return PageRequest(api, headers=(("Accept", _JSON_ACCEPT), ("Referer", referer)))


def _gkmlpt_date(article: dict) -> str | None:
    for key in _GKMLPT_DATE_KEYS:
        value = article.get(key)
        if isinstance(value, bool) or value in (None, "", 0):
            continue
        if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
            seconds = float(value)
            if seconds > 1e11:  # milliseconds
                seconds /= 1000
            return datetime.fromtimestamp(seconds, CHINA).date().isoformat()
        if isinstance(value, str):
            match = _DATE.search(value)
            if match and _iso_date(match):
                return _iso_date(match)
    return None


def _read_gkmlpt(url: str, body: str) -> ListPage:
    if not body.lstrip().startswith("{"):
        # The column page: an empty shell a script fills from the API.
        request = gkmlpt_api_url(url, body)
        if request is None:
            log.warning("%s: gkmlpt column page without a #category in its URL or a SID in its script", url)
        return ListPage("gkmlpt", (), (request,) if request else ())
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ListPageError(f"{url}: gkmlpt answer is not JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("articles"), list):
        raise ListPageError(f"{url}: gkmlpt answer has no 'articles' list")
    links = []
    for article in data["articles"]:
        if not isinstance(article, dict):
            continue
        target = _absolute(url, article.get("url") or article.get("post_url"))
        title = _clean(re.sub(r"<[^>]+>", " ", str(article.get("title") or "")))
        if target and title:
            links.append(ListedLink(target, title, _gkmlpt_date(article)))

    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    page = _int(dict(query).get("page")) or 1
    total = data.get("total")
    size = next((data[k] for k in _GKMLPT_PAGE_SIZE_KEYS if isinstance(data.get(k), int) and data[k] > 0), None)
    if size is None and page == 1:
        size = len(data["articles"])  # page 1 is full whenever there are more
    if not isinstance(total, int) or not size:
        return ListPage("gkmlpt", _unique(links), ())
    pages = math.ceil(total / size)

    base = re.match(r"^(.*?/gkmlpt)/", parts.path)
    referer = urlunsplit(parts._replace(path=f"{base[1] if base else ''}/index", query="", fragment=""))
    headers = (("Accept", _JSON_ACCEPT), ("Referer", referer))

    def at(n: int) -> PageRequest:
        pairs = [(k, str(n) if k == "page" else v) for k, v in query]
        if "page" not in dict(query):
            pairs.append(("page", str(n)))
        return PageRequest(urlunsplit(parts._replace(query=urlencode(pairs), fragment="")), headers=headers)

    return ListPage("gkmlpt", _unique(links), tuple(at(n) for n in range(page + 1, pages + 1)))


# ---------------------------------------------------------------------------------------------
# Attachments on a report's detail page

_ATTACHMENT_EXT = re.compile(r"\.(?:pdf|docx?|wps)$", re.IGNORECASE)
_DOWNLOADERS = re.compile(r"(?:^|/)(?:download|downfile|down)\.(?:jsp|do|aspx?|php)$|/downfile", re.IGNORECASE)


def _attachment_url(target: str, text: str) -> str | None:
    """The file a detail-page link downloads, or None when it is no attachment link."""
    parts = urlsplit(target)
    query = parse_qs(parts.query)
    last = parts.path.rsplit("/", 1)[-1].lower()
    if last.startswith("viewer"):  # pdf.js viewers: ...viewer.html?file=/upload/x.pdf
        inner = (query.get("file") or [""])[0]
        if _ATTACHMENT_EXT.search(urlsplit(inner).path):
            return urljoin(target, inner)
    if _ATTACHMENT_EXT.search(unquote(parts.path)):
        return target
    if "wbfileid" in {k.lower() for k in query}:  # VSB: download.jsp?urltype=news.DownloadAttachUrl&owner=…&wbfileid=…
        return target
    if _DOWNLOADERS.search(parts.path):  # Hanweb downfile.jsp: the name comes in Content-Disposition
        return target
    if _ATTACHMENT_EXT.search(text) and not last.endswith((".html", ".htm", ".shtml")):
        return target
    return None


def attachment_links(url: str, body: str) -> tuple[ListedLink, ...]:
    """Links to PDF/DOC/DOCX/WPS attachments on a report's detail page, with their link text.

    Recognised: a file extension in the path, VSB's ``download.jsp?…wbfileid=``, Hanweb's
    ``downfile.jsp`` and other download handlers (the file name then comes in
    Content-Disposition), pdf.js viewer links (the file they show), and any link whose text
    names a document file (fixture detail_with_attachments.html).
    """
    root = _parse_html(body)
    if root is None:
        return ()
    base = _base_url(root, url)
    found: dict[str, ListedLink] = {}
    for anchor in root.iter("a"):
        target = _absolute(base, anchor.get("href"))
        if target is None:
            continue
        text = _clean("".join(anchor.itertext())) or _clean(anchor.get("title"))
        file_url = _attachment_url(target, text)
        if file_url is None:
            continue
        title = text or unquote(urlsplit(file_url).path.rsplit("/", 1)[-1])
        if file_url not in found or (not found[file_url].title and title):
            found[file_url] = ListedLink(file_url, title, None)
    return tuple(found.values())


_READERS = {
    "trs": _read_trs,
    "hanweb": _read_hanweb,
    "vsb": _read_vsb,
    "ucap": _read_ucap,
    "gkmlpt": _read_gkmlpt,
    "static": _read_static,
}
assert set(_READERS) == set(PLATFORMS), "every registry platform needs a reader"
