"""TRS WCM list pages: ``index.html``, ``index_1.html``…; the later pages exist only in a script:
the call ``createPageHTML(countPage, currentPage, "index", "html")`` (fixtures trs_index.html,
trs_index_1.html), or the older inline template that states ``var countPage = 2//共多少页`` and
writes its links with ``document.write("<a href=\"index"+"_" + nextPage + "."+"html\">…")``
(fixture trs_countpage_template.html, a real 年报 column). `trs_pager` also serves the UCAP
reader: some .shtml sites are TRS-published.
"""

from __future__ import annotations

import re

from crawler.platforms.links import beside, parse_html
from crawler.platforms.pages import ListPage, PageRequest
from crawler.platforms.static import list_links, plain_list

_CREATE_PAGE = re.compile(r"createPageHTML\s*\(([^()]*)\)")
# The inline template: ``var currentPage = 0;//所在页从0开始`` … ``var countPage = 2//共多少页``.
_COUNT_PAGE = re.compile(r"\bvar\s+countPage\s*=\s*(\d+)")
_CURRENT_PAGE = re.compile(r"\bvar\s+currentPage\s*=\s*(\d+)")
# ``name = number`` anywhere (``var countPage = 5;``): the numbers a createPageHTML call may name.
_ASSIGNED = re.compile(r"\b(\w+)\s*(?<![=!<>])=(?!=)\s*(\d+)\b")
# The page links it writes: ``"index"+"_" + nextPage + "."+"html``, ``"index_" + i + ".shtml``.
_WRITTEN_PAGE = re.compile(
    r"""([\w-]+?)_?\\?["']\s*\+\s*(?:["']_["']\s*\+\s*)?\(?\s*(?:nextPage|prevPage|i|countPage)\b[^;"']*"""
    r"""["']\.(?:["']\s*\+\s*["'])?(s?html?)\b"""
)


def trs_pager(body: str) -> tuple[int, int, str, str] | None:
    """(countPage, currentPage, name, ext) from the page's ``createPageHTML(...)`` call.

    Seen forms: ``createPageHTML(5, 0, "index", "html")``, the ``('page_div', 5, 0, 'index',
    'html', 137)`` variant with a target element first and the record count last, and
    ``createPageHTML(countPage, currentPage, ...)`` with the numbers in ``var`` lines above.
    The function's own definition (parameter names, no numbers) is skipped.
    """
    variables: dict[str, int] | None = None  # the page's ``name = number`` lines, read at the first name
    for match in _CREATE_PAGE.finditer(body):
        args = [arg.strip().strip("'\"") for arg in match[1].split(",")]
        numbers: list[int] = []
        rest: list[str] = []
        for arg in args:
            if arg.isdigit():
                value: int | None = int(arg)
            else:
                if variables is None:
                    variables = {name: int(number) for name, number in _ASSIGNED.findall(body)}
                value = variables.get(arg)
            if len(numbers) < 2 and value is not None:
                numbers.append(value)
            elif len(numbers) == 2:
                rest.append(arg)
        if len(numbers) == 2:
            name = rest[0] if rest and re.fullmatch(r"[\w-]+", rest[0]) else "index"
            ext = rest[1] if len(rest) > 1 and re.fullmatch(r"\w+", rest[1]) else "html"
            return numbers[0], numbers[1], name, ext
    return _template_pager(body)


def _template_pager(body: str) -> tuple[int, int, str, str] | None:
    """(countPage, currentPage, name, ext) from the inline template (``var countPage = 2//共多少页``
    and ``document.write`` of ``"index"+"_" + nextPage + "."+"html"`` links); None without the
    count, or without a page link written from it (a detail page's own pager names itself,
    ``t20190419_6377489``, and is no column's)."""
    count = _COUNT_PAGE.search(body)
    if count is None:  # most pages: the page-link search below is the slow one (~0.4 ms a page)
        return None
    written = _WRITTEN_PAGE.search(body)
    if written is None:
        return None
    current = _CURRENT_PAGE.search(body)
    name = written[1]
    if re.fullmatch(r"t\d{8}_\d+", name):
        return None
    return int(count[1]), int(current[1]) if current else 0, name, written[2]


def numbered_pages(url: str, pager: tuple[int, int, str, str]) -> tuple[PageRequest, ...]:
    """The pages after this one: page 0 is name.ext itself; page i is name_i.ext beside it."""
    count, current, name, ext = pager
    return tuple(PageRequest(page) for page in beside(url, (f"{name}_{i}.{ext}" for i in range(current + 1, count))))


def read_trs(url: str, body: str) -> ListPage:
    root = parse_html(body)
    if root is None:
        return ListPage("trs", (), ())
    pager = trs_pager(body)
    if pager is None:
        return plain_list("trs", url, root)
    return ListPage("trs", list_links(url, root), numbered_pages(url, pager))
