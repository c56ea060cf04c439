"""Cicro/德雅 WCM list pages: ``/info/iList.jsp?[node_id=GK…&site_id=…&]cat_id=…&cur_page=N``
(also under ``/view/iList.jsp``), the column list of the Cicro "CicroDate WCM" product (its
`CategoryUtil` writes ``/info/iList.jsp?cat_id=…``; its pager bean `TurnPageBean` counts
``cur_page`` from 1).

The list markup is each site's own Velocity template; the items are read as every HTML list is
(`static.list_links`): ``ul.commonList_dot > li > a[title] + span.a_date`` (fixture
cicro_ilist_ul.html, 昌吉's shape) or ``div.info-list table tr`` with the date in its own cell
(fixture cicro_ilist_table.html, 上海应急局's shape).

Later pages: every ``cur_page=N`` after this one up to the count the pager states: the highest N
of the pager's links to this list (``cur_page=N`` or ``page=N``, the 尾页 link among them) or a
``共N页`` text; without a count, the page the 下一页 link leads to. Each request is this page's URL
with only its ``cur_page`` set (appended when absent), so the other query parameters (a
``title=报告`` search, ``node_id``, ``tm_id``) stay as the site wrote them.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit, urlunsplit

from lxml import etree

from crawler.platforms.links import absolute, base_url, parse_html, visible_text
from crawler.platforms.pages import ListPage, PageRequest
from crawler.platforms.static import list_links, next_link

ILIST_PATH = re.compile(r"/ilist\.jsp$", re.IGNORECASE)
# A pager link to an iList.jsp page: what tells a Cicro list whose own URL is not iList.jsp.
ILIST_PAGER_HREF = re.compile(r"""href\s*=\s*['"][^'"]*iList\.jsp\?[^'"]*\bcur_page=\d""", re.IGNORECASE)
_PAGE_COUNT_TEXT = re.compile(r"共\s*(\d+)\s*页")
_CUR_PAGE = re.compile(r"(^|&)cur_page=[^&]*")
_COMMENTS = re.compile(r"<!--.*?-->", re.DOTALL)


def is_cicro(url: str, body: str) -> bool:
    """An iList.jsp URL, or a page whose pager links to iList.jsp pages by ``cur_page``."""
    return bool(ILIST_PATH.search(urlsplit(url).path) or ILIST_PAGER_HREF.search(_COMMENTS.sub(" ", body)))


def with_cur_page(url: str, number: int) -> str:
    """`url` with its ``cur_page`` set to `number`, every other query parameter as it was."""
    parts = urlsplit(url)
    query = parts.query
    if _CUR_PAGE.search(query):
        query = _CUR_PAGE.sub(lambda m: f"{m[1]}cur_page={number}", query, count=1)
    else:
        query = f"{query}&cur_page={number}" if query else f"cur_page={number}"
    return urlunsplit(parts._replace(query=query, fragment=""))


def _page_number(target: str) -> int | None:
    """The page a link to a list names: its ``cur_page``, else its ``page``."""
    query = parse_qs(urlsplit(target).query)
    for key in ("cur_page", "page"):
        value = (query.get(key) or [""])[0].strip()
        if value.isdigit():
            return int(value)
    return None


def _same_list(target: str, url: str) -> bool:
    """Whether a link leads to a page of this list: the same path, and the same column where
    both name one (a sidebar's link to another column's page 2 is not this list's pager)."""
    there, here = urlsplit(target), urlsplit(url)
    if (there.netloc, there.path) != (here.netloc, here.path):
        return False
    cat_there, cat_here = parse_qs(there.query).get("cat_id"), parse_qs(here.query).get("cat_id")
    return cat_there is None or cat_here is None or cat_there == cat_here


def stated_page_count(url: str, root: etree._Element, body: str) -> int | None:
    """The number of pages the pager states: the highest page its links to this list name, or
    its ``共N页`` text, whichever is more; None when it states neither."""
    base = base_url(root, url)
    numbers = []
    for anchor in root.iter("a"):
        target = absolute(base, anchor.get("href"))
        if target and _same_list(target, url):
            number = _page_number(target)
            if number is not None:
                numbers.append(number)
    stated = [int(n) for n in _PAGE_COUNT_TEXT.findall(visible_text(body))]
    return max(numbers + stated) if numbers or stated else None


def cicro_pages(url: str, root: etree._Element, body: str) -> tuple[PageRequest, ...]:
    """The pages after this one: ``cur_page`` current+1 … count, else the 下一页 link's page."""
    current = _page_number(url) if "cur_page=" in urlsplit(url).query else None
    current = current or 1
    count = stated_page_count(url, root, body)
    here = with_cur_page(url, current)
    if count is not None:
        return tuple(PageRequest(with_cur_page(url, n)) for n in range(current + 1, count + 1))
    following = next_link(url, root)
    if following is None:
        return ()
    number = _page_number(following.url)
    if number is not None and _same_list(following.url, url):
        following = PageRequest(with_cur_page(url, number))
    return (following,) if following.url not in (url, here) else ()


def read_cicro(url: str, body: str) -> ListPage:
    root = parse_html(body)
    if root is None:
        return ListPage("cicro", (), ())
    return ListPage("cicro", list_links(url, root), cicro_pages(url, root, body))
