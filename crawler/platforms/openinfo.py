"""The 揭阳-style 政务公开 platform (Struts ``.action`` pages): a department's column
``openInfo.action?depCode=…&menuCat=…`` and the list it frames, ``OpenInfoRight.action?pageNum=N&
pageSize=M&depCode=…``.

The column page holds the department's menu and, in a frame, the list (fixture
openinfo_column.html): its reader asks for the frame's ``OpenInfoRight.action`` source when the
page names one (``pageNum=1`` and ``pageSize=10`` added where the source states none), else builds
``OpenInfoRight.action?pageNum=1&pageSize=10&depCode=…`` beside it, keeping the page's
``menuCat``. Whether the real page frames the list, and passes ``menuCat`` on, was not seen.
The list answer is ``<table class="csstable">``, one ``<tr>`` per item: the second cell's
``<a href>`` is the item, a date in any cell of the row is its date (fixture
openinfo_right_page1.html). A page of it without that table is read as any HTML list.

Later pages: the real pager was not found (a public scraper of the real site loops ``pageNum`` over
a range it knew beforehand), so this reader asks for ``pageNum+1`` only while a page comes back full
(as many item rows as its ``pageSize``, 10 when the URL states none) and stops at the first short
page. A column of exactly N×pageSize items costs one request for an empty page.
"""

from __future__ import annotations

import html
import logging
import re
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

from lxml import etree

from crawler.platforms.links import absolute, base_url, date_in, is_item_anchor, listed_link, parse_html, unique
from crawler.platforms.pages import ListedLink, ListPage, PageRequest
from crawler.platforms.static import list_links

log = logging.getLogger(__name__)

OPENINFO_PATH = re.compile(r"/openinfo(?:right)?\.action$", re.IGNORECASE)
# The column page's frame: <iframe src="OpenInfoRight.action?…"> (or a <frame>).
OPENINFO_FRAME = re.compile(
    r"""<i?frame\b[^>]*\bsrc\s*=\s*['"]([^'"]*OpenInfoRight\.action[^'"]*)['"]""", re.IGNORECASE
)
_COMMENTS = re.compile(r"<!--.*?-->", re.DOTALL)
DEFAULT_PAGE_SIZE = 10  # what the real site's scraper asked for, and the built first request's size


def frame_source(body: str) -> str | None:
    """The OpenInfoRight.action source of the page's frame, as written (comments left out)."""
    found = OPENINFO_FRAME.search(_COMMENTS.sub(" ", body))
    return html.unescape(found[1]) if found else None


def is_openinfo(url: str, body: str) -> bool:
    """An openInfo.action / OpenInfoRight.action URL, or a page framing OpenInfoRight.action."""
    return bool(OPENINFO_PATH.search(urlsplit(url).path) or frame_source(body))


def _query_value(url: str, key: str) -> str | None:
    values = parse_qs(urlsplit(url).query).get(key)
    return values[0] if values else None


def _with_param(url: str, key: str, value: int) -> str:
    """`url` with its `key` set to `value` (appended when absent), the rest as the site wrote it."""
    parts = urlsplit(url)
    pattern = re.compile(rf"(^|&){re.escape(key)}=[^&]*")
    if pattern.search(parts.query):
        query = pattern.sub(lambda m: f"{m[1]}{key}={value}", parts.query, count=1)
    else:
        query = f"{parts.query}&{key}={value}" if parts.query else f"{key}={value}"
    return urlunsplit(parts._replace(query=query, fragment=""))


def list_request(url: str, body: str) -> PageRequest | None:
    """The list a column page frames: its frame's source, else ``OpenInfoRight.action?pageNum=1&
    pageSize=10&depCode=…[&menuCat=…]`` beside the page; None without a frame or a depCode."""
    frame = frame_source(body)
    if frame:
        target = absolute(url, frame)
        if target:
            # Every page of the list asked for at one size, so pageNum+1 neither skips nor repeats
            # rows: a source that states no pageNum / pageSize gets the first page at 10.
            if _query_value(target, "pageSize") is None:
                target = _with_param(target, "pageSize", DEFAULT_PAGE_SIZE)
            if _query_value(target, "pageNum") is None:
                target = _with_param(target, "pageNum", 1)
            return PageRequest(target)
    dep_code = _query_value(url, "depCode")
    if not dep_code:
        log.warning("%s: openInfo page without a list frame or a depCode", url)
        return None
    query = {"pageNum": "1", "pageSize": str(DEFAULT_PAGE_SIZE), "depCode": dep_code}
    menu_cat = _query_value(url, "menuCat")
    if menu_cat:
        query["menuCat"] = menu_cat
    return PageRequest(urljoin(url, "OpenInfoRight.action?" + urlencode(query)))


def _row_date(row: etree._Element) -> str | None:
    for cell in row:
        if isinstance(cell.tag, str) and cell.tag in ("td", "th"):
            found = date_in("".join(cell.itertext()))
            if found:
                return found
    return None


def csstable_rows(url: str, root: etree._Element) -> list[ListedLink]:
    """The item rows of ``<table class="csstable">``, in order: each row's second-cell anchor and
    its date (header rows, without an anchor there, are not items)."""
    base = base_url(root, url)
    links = []
    for row in root.xpath('//table[contains(concat(" ", normalize-space(@class), " "), " csstable ")]//tr'):
        cells = [c for c in row if isinstance(c.tag, str) and c.tag in ("td", "th")]
        if len(cells) < 2:
            continue
        anchors = [a for a in cells[1].iter("a") if is_item_anchor(a, base)]
        if anchors:
            links.append(listed_link(anchors[0], base, _row_date(row)))
    return links


def read_openinfo(url: str, body: str) -> ListPage:
    root = parse_html(body)
    if root is None:
        return ListPage("openinfo", (), ())
    path = urlsplit(url).path.lower()
    if not path.endswith("/openinforight.action") and (frame_source(body) or path.endswith("/openinfo.action")):
        request = list_request(url, body)
        return ListPage("openinfo", list_links(url, root), (request,) if request else ())
    rows = csstable_rows(url, root)
    links = unique(rows)
    if not rows:
        return ListPage("openinfo", list_links(url, root), ())
    size = _query_value(url, "pageSize")
    page_size = int(size) if size and size.isdigit() and int(size) > 0 else DEFAULT_PAGE_SIZE
    number = _query_value(url, "pageNum")
    current = int(number) if number and number.isdigit() else 1
    if len(rows) < page_size:
        return ListPage("openinfo", links, ())
    return ListPage("openinfo", links, (PageRequest(_with_param(url, "pageNum", current + 1)),))
