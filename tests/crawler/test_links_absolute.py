"""crawler.platforms.links.absolute: remembered per host for root-relative targets, the same URL
as joining each to its own page."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit, urlunsplit

import pytest

from crawler.platforms.links import absolute, beside

PAGES = ["http://127.0.0.11/xxgk/ndbg/index_2.html?page=2#top", "https://gov.example.cn:8443/a/b/",
         "http://127.0.0.15/gkmlpt/index#2653", "http://127.0.0.16", "http://127.0.0.12/col/col123/../index.html",
         # pages of one folder (remembered per folder for relative paths), odd bases
         "http://127.0.0.11/xxgk/ndbg/t20240122_1.html", "http://127.0.0.11/xxgk/ndbg/index.html;jsessionid=AB?x=1",
         "http://127.0.0.11/xxgk//ndbg/./a.html", "http://127.0.0.11/a;p/b.jsp?c=d", "https://127.0.0.11/xxgk/ndbg/"]
HREFS = ["/xxgk/ndbg/202401/t20240122_1.html", "/a/../b/./c.pdf?x=1#p", "/gkmlpt/index#2671", "/", "/x?",
         "//other.example.cn/x", " /padded.html ", "#top", "javascript:void(0)", "mailto:a@b.cn", "rel/page.html",
         "?page=3", "http://127.0.0.13/abs.htm#f",
         "./t20240125_2.html", "../../index.html", "../../../../up.html", "a//b/./c.html", ";jsessionid=1", "x.jsp;p=1?q=2",
         "http:rel.html", "https:rel.html", "http://127.0.0.13/a/../b.htm", "HTTP://127.0.0.13/Case.htm", ".", "..",
         "?", "201905/t20190501_3.html#page2", "data.pdf", "ftp://127.0.0.13/x.pdf", "\\back.html"]


def joined(page: str, href: str) -> str | None:
    """What `absolute` is defined as: the http(s) URL the href leads to, without its fragment
    (a gkmlpt column's kept)."""
    href = href.strip()
    if not href or href.startswith("#") or href.lower().startswith(("javascript:", "mailto:", "tel:", "data:")):
        return None
    target = urljoin(page, href)
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    if parts.fragment and parts.path.endswith("/gkmlpt/index"):
        return target
    return urlunsplit(parts._replace(fragment=""))


@pytest.mark.parametrize("page", PAGES)
def test_absolute_joins_every_href_to_its_own_page(page):
    # Twice: the second answers come from what the first remembered (per host for "/..." hrefs).
    for _ in range(2):
        assert [absolute(page, href) for href in HREFS] == [joined(page, href) for href in HREFS]


def test_absolute_root_relative_href_keeps_each_hosts_own_address():
    assert absolute("http://127.0.0.11/a/b.html", "/x.html") == "http://127.0.0.11/x.html"
    assert absolute("https://127.0.0.12:8443/c/", "/x.html") == "https://127.0.0.12:8443/x.html"


@pytest.mark.parametrize("page", [*PAGES, "data:text/html,x", "http://127.0.0.11/a/b/c/../../d/./index.shtml?x=1"])
def test_beside_is_urljoin_of_each_name(page):
    # Plain file names share the first join's folder; anything else is joined on its own.
    names = ["index_1.html", "index_2.html", "3.htm", "...", "a-b_c.shtml", ".", "..", "../up_1.html", "x/y.html",
             "?page=2", "#f", "", "q.html?x=1", "index_3.html"]
    assert beside(page, names) == [urljoin(page, name) for name in names]
    assert beside(page, iter(names[:3])) == [urljoin(page, name) for name in names[:3]]


def test_absolute_is_urljoin_for_generated_paths():
    # Paths built from the characters urljoin treats specially (dots, slashes, ";", "?", "#",
    # ":", "%", spaces, tabs, non-ASCII) and plain ones, on plain and odd bases: the plain-path
    # shortcut must give urljoin's answer, and leave every other href to urljoin.
    import random

    rng = random.Random(17)
    parts = ["a", "col12", "index.html", ".", "..", "", "t2024_1.htm", "a;b", "x?y=1", "f#g", "c:d", "%E5%B9%B4",
             "年报", "a b", "a\tb", "..x", "x..", ".hidden", "-_~!$&'()*+,=@"]
    bases = PAGES + ["http://127.0.0.11:8080/a/b/", "HTTP://127.0.0.11/a/", "http://127.0.0.11/a/./b/",
                     "http://127.0.0.11/a//b/c.html", "http://127.0.0.11/年报/", "http://[::1]:8080/x/y.html",
                     "http://user:pw@127.0.0.11/x/"]
    for href in ("//", "http:", "https:", "http:?x=1", "http:#f", "\x01?x", "//#f", "///x"):
        for page in bases:
            assert absolute(page, href) == joined(page, href), (page, href)
    for _ in range(3000):
        path = "/".join(rng.choice(parts) for _ in range(rng.randint(1, 4)))
        href = rng.choice(["", "", "/", "./", "../", "//", "http:", "https:", "\x01", "?q=1"]) + path + rng.choice(["", "/"])
        page = rng.choice(bases)
        assert absolute(page, href) == joined(page, href), (page, href)
