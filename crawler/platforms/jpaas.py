"""大汉 jpaas list pages: a column page that is a shell, and the JSON answers of its unit API.

The column page (``…/col/col1229012345/index.html``) holds no list, only a script tag
``<script src="/cms_files/default/script/AuthorizedRead/unitbuild.js" url="/api-gateway/
jpaas-publish-server/front/page/build/unit" queryData="{'webId':…,'pageId':…,'tagId':…}">``
(fixture jpaas_column.html). The list comes by GET from that URL with the queryData as the query;
the answer is JSON ``{"success":true,"data":{"html":"<ul>…</ul>…"}}`` whose HTML fragment is the
list and states its pager as ``{rows:"20", count:"585", pageNo:"1"}``; page N is asked for with
``paramJson={"pageNo":N,"pageSize":rows}`` (fixture jpaas_unit_page1.json). The Hanweb reader
(`.hanweb`) hands these pages here; the platform is ``hanweb``.
"""

from __future__ import annotations

import ast
import json
import logging
import math
import re
from html import unescape
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from crawler.platforms.links import int_or_none, parse_html
from crawler.platforms.pages import ListPage, ListPageError, PageRequest
from crawler.platforms.static import list_links

log = logging.getLogger(__name__)

JPAAS_API = "/api-gateway/jpaas-publish-server/"
_UNITBUILD = re.compile(r"<script\b[^>]*\bunitbuild\.js[^>]*>", re.IGNORECASE)
_ATTRIBUTE = r"""\b{name}\s*=\s*(?:"([^"]*)"|'([^']*)')"""
# The pager the answer's fragment states to its layui pager: {rows:"20", count:"585", pageNo:"1"}.
_PAGER_VALUE = r"""['"]?\b{key}\b['"]?\s*:\s*['"]?(\d+)"""
_LIST_TAG = re.compile(r"list|列表|分页|内容|栏目", re.IGNORECASE)
_JSON_HEADERS = (("Accept", "application/json, text/javascript, */*; q=0.01"), ("X-Requested-With", "XMLHttpRequest"))


def is_jpaas(url: str, body: str) -> bool:
    """A jpaas unit answer (its URL) or a column shell (its unitbuild.js tag naming the API)."""
    return JPAAS_API in urlsplit(url).path or bool(_UNITBUILD.search(body) and "jpaas-publish-server" in body)


def _attribute(tag: str, name: str) -> str | None:
    found = re.search(_ATTRIBUTE.format(name=re.escape(name)), tag, re.IGNORECASE)
    return unescape(next(g for g in found.groups() if g is not None)) if found else None


def _query_data(raw: str) -> dict[str, str] | None:
    """queryData is a dict in single quotes ("{'webId':'…'}"), sometimes proper JSON."""
    for parse in (json.loads, ast.literal_eval):
        try:
            value = parse(raw)
        except (ValueError, SyntaxError):
            continue
        if isinstance(value, dict):
            return {str(k): str(v) for k, v in value.items()}
    return None


def unit_request(url: str, body: str) -> PageRequest | None:
    """The GET for page 1 of the column's list unit: the unitbuild.js tag's ``url`` with its
    ``queryData`` as the query. Of several units on a page, the column's list (its pageType is
    column and its tagId names a list), else the first."""
    units = []
    for match in _UNITBUILD.finditer(body):
        tag = match[0]
        api, raw = _attribute(tag, "url"), _attribute(tag, "queryData")
        params = _query_data(raw) if raw else None
        if api and params and JPAAS_API in api:
            units.append((api, params))
    if not units:
        return None
    api, params = max(units, key=lambda u: (u[1].get("pageType") == "column") + bool(_LIST_TAG.search(u[1].get("tagId", ""))))
    referer = urlunsplit(urlsplit(url)._replace(fragment=""))
    return PageRequest(f"{urljoin(url, api)}?{urlencode(params)}", headers=(*_JSON_HEADERS, ("Referer", referer)))


def _page_url(url: str, page: int, rows: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("paramJson", "editType")]
    query.append(("paramJson", json.dumps({"pageNo": page, "pageSize": rows}, separators=(",", ":"))))
    return urlunsplit(parts._replace(query=urlencode(query)))


def read_jpaas(url: str, body: str) -> ListPage:
    if JPAAS_API not in urlsplit(url).path:
        root = parse_html(body)
        request = unit_request(url, body)
        links = list_links(url, root) if root is not None else ()
        return ListPage("hanweb", links, (request,) if request else ())
    try:
        answer = json.loads(body)
    except json.JSONDecodeError as error:
        raise ListPageError(f"{url}: a jpaas unit answer that is not JSON ({error})") from error
    fragment = (answer.get("data") or {}).get("html") if isinstance(answer, dict) else None
    if not isinstance(fragment, str):
        raise ListPageError(f"{url}: a jpaas unit answer without data.html (success={answer.get('success')!r})"
                            if isinstance(answer, dict) else f"{url}: a jpaas unit answer that is not an object")
    root = parse_html(fragment)
    links = list_links(url, root) if root is not None else ()
    stated = {key: int_or_none(m[1]) if (m := re.search(_PAGER_VALUE.format(key=key), fragment)) else None
              for key in ("rows", "count", "pageNo")}
    asked = dict(parse_qsl(urlsplit(url).query)).get("paramJson")
    current = stated["pageNo"]
    if current is None and asked:
        current = int_or_none(str((_query_data(asked) or {}).get("pageNo", "")))
    current = current or 1
    rows, count = stated["rows"], stated["count"]
    if not rows or count is None:
        log.debug("%s: jpaas answer states no rows/count; no later pages", url)
        return ListPage("hanweb", links, ())
    pages = math.ceil(count / rows)
    later = tuple(PageRequest(_page_url(url, page, rows), headers=_JSON_HEADERS) for page in range(current + 1, pages + 1))
    return ListPage("hanweb", links, later)
