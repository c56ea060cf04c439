"""开普云 / UCAP list pages: ``index.shtml``, ``index_2.shtml``… with the page count in a script or
a pager (fixture ucap_index.shtml); a TRS ``createPageHTML`` call where the site is TRS-published.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from crawler.platforms.links import absolute, base_url, beside, parse_html
from crawler.platforms.pages import ListPage, PageRequest
from crawler.platforms.static import list_links, next_link
from crawler.platforms.trs import numbered_pages, trs_pager

_UCAP_COUNT = re.compile(r"""\b(?:pageCount|totalPage|totalPages|countPage|pagecount|page_count)\s*[:=]\s*['"]?(\d+)""")


def read_ucap(url: str, body: str) -> ListPage:
    root = parse_html(body)
    if root is None:
        return ListPage("ucap", (), ())
    links = list_links(url, root)
    pager = trs_pager(body)  # some .shtml sites are TRS-published and keep createPageHTML
    if pager is not None:
        return ListPage("ucap", links, numbered_pages(url, pager))
    base = base_url(root, url)
    name_ext = re.search(r"^(.*/)([\w-]+?)(?:_(\d+))?\.(s?html?)$", urlsplit(url).path)
    numbered: set[int] = set()  # the N of pager links to name_N.ext beside this page
    for anchor in root.iter("a"):
        target = absolute(base, anchor.get("href"))
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
        files = (f"{name}_{page - (2 - first)}.{ext}" for page in range(current + 1, count + 1))
        later = tuple(PageRequest(page) for page in beside(url, files))
        return ListPage("ucap", links, later)
    following = next_link(url, root)
    return ListPage("ucap", links, (following,) if following else ())
