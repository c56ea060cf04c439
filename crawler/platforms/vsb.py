"""博达 VSB (Visual SiteBuilder) list pages: ``xxgk/ndbg.htm`` then ``ndbg/2.htm``, ``ndbg/1.htm``.

Numbered downwards, so the 下页 link of the first page names every later page (fixtures
vsb_ndbg.htm, vsb_ndbg_2.htm); without a usable 下页 link, the "共37条 1/3" count on the first page.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit, urlunsplit

from crawler.platforms.links import beside, clean, parse_html
from crawler.platforms.pages import ListPage, PageRequest
from crawler.platforms.static import list_links, next_link

_VSB_COUNT = re.compile(r"共\s*(\d+)\s*条.{0,40}?(\d+)\s*/\s*(\d+)", re.DOTALL)


def read_vsb(url: str, body: str) -> ListPage:
    root = parse_html(body)
    if root is None:
        return ListPage("vsb", (), ())
    links = list_links(url, root)
    # VSB numbers list pages downwards: ndbg.htm is page 1, ndbg/N.htm page 2 … ndbg/1.htm the
    # last; so the number the 下页 link names is the count of pages still to come.
    following = next_link(url, root)
    path = urlsplit(url).path
    here = re.search(r"/(\d+)\.htm$", path)
    if following is not None:
        there = re.search(r"^(.*/)(\d+)\.htm$", urlsplit(following.url).path)
        if there and (here is None or int(there[2]) == int(here[1]) - 1):
            folder = urlunsplit(urlsplit(following.url)._replace(path=there[1], query="", fragment=""))
            pages = tuple(PageRequest(page) for page in beside(folder, (f"{n}.htm" for n in range(int(there[2]), 0, -1))))
            return ListPage("vsb", links, pages)
        return ListPage("vsb", links, (following,))
    # No usable 下页 link: the "共37条 1/3" count, from the first page only.
    count = _VSB_COUNT.search(clean(" ".join(root.itertext())))
    if here is None and count and int(count[2]) == 1 and int(count[3]) > 1:
        stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        folder = urljoin(url, f"{stem}/")
        pages = tuple(PageRequest(page) for page in beside(folder, (f"{n}.htm" for n in range(int(count[3]) - 1, 0, -1))))
        return ListPage("vsb", links, pages)
    return ListPage("vsb", links, ())
