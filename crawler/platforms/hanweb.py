"""Hanweb / 大汉 jcms list pages.

``col/colN/index.html`` keeps its first records as CDATA in ``<script type="text/xml"><datastore>``;
the rest come by POST to ``module/web/jpage/dataproxy.jsp?startrecord=…&endrecord=…&perpage=…``
with the form the page's jpage script states (fixtures hanweb_col_index.html, hanweb_dataproxy.xml).
A jcms page without jpage is an article list rendered as HTML, read as a plain list.

Variants (fixtures hanweb_*.xml/.html/.js, sources in the fixtures' README):
- the proxy lives under ``/module/web/jpage/``, ``/module/jpage/`` or
  ``/module/jslib/jquery/jpage/``: the page's ``proxyUrl``, else its ``<nextgroup>`` link, names it;
- ``dataproxy.jsp?page=N&…`` by GET answers a datastore stating ``<totalpage>``: pages N+1…total
  are the same GET with ``page`` counted up (fixture hanweb_dataproxy_page.xml);
- a JSONP answer ``raw({"result":"<datastore>…</datastore>"})`` holds the same datastore as a
  JSON string (fixture hanweb_dataproxy_jsonp.js);
- column paths ``col/colN/`` and ``col/4122_231438/``;
- the jpaas shell and its JSON unit API (``/api-gateway/jpaas-publish-server/…``): `.jpaas`.
"""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import parse_qs, parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import lxml.html
from lxml import etree

from crawler.platforms.jpaas import is_jpaas, read_jpaas
from crawler.platforms.links import int_or_none, listed_link, main_anchor, own_date, parse_html, unique
from crawler.platforms.pages import ListedLink, ListPage, PageRequest
from crawler.platforms.static import plain_list

log = logging.getLogger(__name__)

_DATASTORE = re.compile(r"<datastore>(.*?)</datastore>", re.DOTALL | re.IGNORECASE)
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.DOTALL | re.IGNORECASE)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>\s*</nextgroup>", re.DOTALL | re.IGNORECASE)
# The form dataproxy.jsp expects, in the order the jpage script sends it.
_FORM = ("col", "appid", "webid", "path", "columnid", "sourceContentType", "unitid", "webname", "permissiontype")
_FORM_DEFAULTS = {"col": "1", "appid": "1", "path": "/", "sourceContentType": "1", "permissiontype": "0"}
_GROUP_SIZE = 3  # jpage's default: a request fetches three pages of records
_DEFAULT_PROXY = "/module/web/jpage/dataproxy.jsp"
# A column's path: col/col1229012345/ (jcms) or col/4122_231438/ (a site-prefixed column id).
HANWEB_COLUMN = re.compile(r"/col/(?:col(\d+)|\d+_(\d+))/", re.IGNORECASE)
_PROXY_PATHS = re.compile(r"/module/(?:web/|jslib/jquery/)?jpage/", re.IGNORECASE)
# A JSONP answer: raw({"result":"<datastore>…"}) (the callback's name varies).
_JSONP = re.compile(r"^\s*[\w$.]+\s*\(\s*(\{.*\})\s*\)\s*;?\s*$", re.DOTALL)


def is_hanweb(url: str, body: str) -> bool:
    """Hanweb's own markup: a datastore, a jpage call, a jpage proxy path, or a jpaas unit."""
    return bool(
        re.search(r"<datastore>|\.jpage\s*\(", body, re.IGNORECASE)
        or _PROXY_PATHS.search(body)
        or "dataproxy.jsp" in urlsplit(url).path
        or is_jpaas(url, body)
    )


def _column_id(url: str) -> str | None:
    found = HANWEB_COLUMN.search(urlsplit(url).path)
    return (found[1] or found[2]) if found else None


def _unwrap_jsonp(url: str, body: str) -> str:
    """The datastore a JSONP answer carries as its "result" string; other bodies unchanged."""
    wrapped = _JSONP.match(body)
    if wrapped is None or "datastore" not in body:
        return body
    try:
        value = json.loads(wrapped[1])
    except json.JSONDecodeError:
        log.warning("%s: a JSONP answer whose object is not JSON; read as it is", url)
        return body
    result = value.get("result") if isinstance(value, dict) else None
    return result if isinstance(result, str) else body


def _js_value(script: str, key: str) -> str | None:
    """`key: 12`, `key:'某市'`, `"key": "x"` or `key = 12` in a script."""
    match = re.search(
        rf"""['"]?\b{re.escape(key)}\b['"]?\s*[:=]\s*(?:'([^']*)'|"([^"]*)"|([^,;}}\s)]+))""", script
    )
    if match is None:
        return None
    return next(group for group in match.groups() if group is not None)


def _records(url: str, block: str) -> tuple[ListedLink, ...]:
    base = url
    links = []
    for fragment in _RECORD.findall(block):
        try:
            item = lxml.html.fragment_fromstring(fragment, create_parent="div")
        except etree.ParserError:
            continue
        anchor = main_anchor(item, base)
        if anchor is not None:
            links.append(listed_link(anchor, base, own_date(item)))
    return unique(links)


def _jpage_unit(body: str, match: re.Match[str]) -> str | None:
    """The id of the element that holds this datastore (the jpage unit id)."""
    before = body[max(0, match.start() - 600) : match.start()]
    ids = re.findall(r"""<div[^>]*\bid\s*=\s*['"]?([\w-]+)""", before, re.IGNORECASE)
    return ids[-1] if ids else None


def _jpage_options(body: str, unit: str | None) -> str:
    """The options of the jpage call for this unit (or the only one), else the whole page."""
    calls = list(re.finditer(r"""\$\(\s*['"]#([\w-]+)['"]\s*\)\s*\.jpage\s*\(""", body))
    for call in calls:
        if unit is None or call[1] == unit or len(calls) == 1:
            return body[call.end() : call.end() + 4000]
    return body


def _dataproxy_form(url: str, script: str, block: str, unit: str | None) -> dict[str, str]:
    nextgroup = _NEXTGROUP.search(block)
    from_link: dict[str, str] = {}
    if nextgroup:
        href = re.search(r"""href\s*=\s*['"]([^'"]+)""", nextgroup[1])
        if href:
            from_link = {k: v[0].strip("'") for k, v in parse_qs(urlsplit(href[1].replace("&amp;", "&")).query).items()}
    column = _column_id(url)
    form = {}
    for key in _FORM:
        value = _js_value(script, key) or from_link.get(key)
        if value is None and key == "columnid" and column:
            value = column
        if value is None and key == "unitid":
            value = unit
        if value is None:
            value = _FORM_DEFAULTS.get(key, "")
        form[key] = value
    return form


def _nextgroup_proxy(block: str) -> str | None:
    """The proxy path the datastore's <nextgroup> link names (/module/jpage/dataproxy.jsp…)."""
    nextgroup = _NEXTGROUP.search(block)
    href = re.search(r"""href\s*=\s*['"]([^'"]+)""", nextgroup[1]) if nextgroup else None
    if href and "dataproxy.jsp" in href[1]:
        return urlsplit(href[1].replace("&amp;", "&")).path
    return None


def _counted_pages(url: str, block: str) -> tuple[PageRequest, ...] | None:
    """A GET answer ``dataproxy.jsp?page=N&…`` that states ``<totalpage>``: the same GET for pages
    N+1…total (fixture hanweb_dataproxy_page.xml); None for answers of another shape."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    page = int_or_none(dict(query).get("page"))
    total = re.search(r"<totalpage>\s*(\d+)", block, re.IGNORECASE)
    if page is None or total is None:
        return None
    def at(n: int) -> str:
        return urlunsplit(parts._replace(query=urlencode([(k, str(n) if k == "page" else v) for k, v in query])))
    return tuple(PageRequest(at(n)) for n in range(page + 1, int(total[1]) + 1))


def read_hanweb(url: str, body: str) -> ListPage:
    if is_jpaas(url, body):
        return read_jpaas(url, body)
    body = _unwrap_jsonp(url, body)
    blocks = list(_DATASTORE.finditer(body))
    if not blocks:
        root = parse_html(body)  # a jcms page without jpage (an article list rendered as HTML)
        if root is None:
            return ListPage("hanweb", (), ())
        return plain_list("hanweb", url, root)
    # A page may hold several jpage units (a sidebar of 热点信息 too): the list is the unit of
    # this column (its <nextgroup> names columnid=N of col/colN), else the one with most records.
    column = _column_id(url)
    own = [m for m in blocks if column and re.search(rf"columnid=0*{column}\b", m[1])]
    block = max(own or blocks, key=lambda m: len(_RECORD.findall(m[1])))
    links = _records(url, block[1])
    records = len(_RECORD.findall(block[1]))

    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    is_answer = "dataproxy.jsp" in urlsplit(url).path
    unit = None if is_answer else _jpage_unit(body, block)
    script = "" if is_answer else _jpage_options(body, unit)
    stated = re.search(r"<totalrecord>\s*(\d+)", block[1], re.IGNORECASE)
    total = int(stated[1]) if stated else None
    if total is None and not is_answer:
        total = int_or_none(_js_value(script, "totalRecord")) or int_or_none(_js_value(body, "totalRecord"))
    per_page = int_or_none(_js_value(script, "perPage")) or int_or_none(query.get("perpage"))
    group = int_or_none(_js_value(script, "groupSize")) or _GROUP_SIZE

    if is_answer and "startrecord" not in query:
        counted = _counted_pages(url, block[1])
        return ListPage("hanweb", links, counted or ())
    if is_answer:
        start, end = int_or_none(query.get("startrecord")), int_or_none(query.get("endrecord"))
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
        proxy = _js_value(script, "proxyUrl") or _nextgroup_proxy(block[1]) or _DEFAULT_PROXY
        referer = urlunsplit(urlsplit(url)._replace(fragment=""))

    if total is not None:
        starts = list(range(done + 1, total + 1, span))
    elif records >= span:  # no count stated: a full group means there may be another
        starts = [done + 1]
    else:
        starts = []
    if not starts:
        return ListPage("hanweb", links, ())

    form = _dataproxy_form(url, script, block[1], unit)
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
