"""新点 (Epoint) WebBuilder 政府信息公开 columns: a shell page, the site's script, a POST-JSON API.

The column page (``/dynamic/zwgk/govInfoPub.html?categorynum=003006[&deptcode=001001]``, fixture
epoint_govinfopub.html) holds no list. Its script ``/js/webBuilderCommon.js`` begins with the
site's ``var siteInfo = {"siteGuid":…,"projectName":"/EWB-FRONT",…}`` (fixture
epoint_webbuildercommon.js, its first line verbatim from a real copy of that file), and the list
comes by POST of a raw JSON body ``{"deptcode","categorynum","pageIndex","pageSize","siteGuid"}``
(``Content-Type: application/json``) to ``{projectName}/rest/lightfrontaction/getgovinfolist``;
the answer is ``{"custom":{"data":[{title|realtitle, infourl, infodate}…],"total":N},"status":…}``
(fixture epoint_getgovinfolist.json), ``custom`` sometimes a JSON string, ``infourl``
site-relative. Shapes from scrapers of several real Epoint portals (徐州, 沛县, 抚顺, 营口) that
hard-code this request and read these fields; one of them (营口) wraps the body as
``{"params":{…}}``, which is asked for when the bare body brings no list.

The reader reads one answer at a time, as every reader does: the column page names the script
(the column's categorynum and deptcode carried on the script's query, which a static file server
ignores, as it ignores the ``?v=`` the pages themselves put there); the script names page 0 of
the API; an API answer, given the body it answered (`sent`), names every later page up to the
``total`` it states (pageIndex from 0). ``siteGuid`` is read from each site's script, never
assumed: sites have their own, some send the product default.
"""

from __future__ import annotations

import json
import logging
import math
import re
from html import unescape
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from crawler.platforms.links import date_in, parse_html, unique
from crawler.platforms.pages import ListedLink, ListPage, ListPageError, PageRequest
from crawler.platforms.static import list_links

log = logging.getLogger(__name__)

API_PATH = "/rest/lightfrontaction/getgovinfolist"
SCRIPT_NAME = "webbuildercommon.js"
PAGE_SIZE = 20  # items asked for per API page (the real pages ask for 10-20)
_SCRIPT_TAG = re.compile(r"""<script\b[^>]*\bsrc\s*=\s*['"]([^'"]*webBuilderCommon\.js[^'"]*)['"]""", re.IGNORECASE)
_SITE_INFO = re.compile(r"\bsiteInfo\s*=\s*(\{.*?\})\s*;?\s*$", re.MULTILINE)
_TAGS = re.compile(r"<[^>]+>")
_JSON_HEADERS = (("Content-Type", "application/json"), ("Accept", "application/json, text/javascript, */*; q=0.01"),
                 ("X-Requested-With", "XMLHttpRequest"))
_COLUMN_KEYS = ("categorynum", "deptcode")


def is_epoint(url: str, body: str) -> bool:
    """An Epoint column page (its script tag, or the govInfoPub page name), its site script, or
    an answer of its list API."""
    path = urlsplit(url).path.lower()
    return (path.endswith("/" + SCRIPT_NAME) or path.endswith(API_PATH) or "govinfopub" in path
            or bool(_SCRIPT_TAG.search(body) and "categorynum" in urlsplit(url).query.lower()))


def _query(url: str) -> dict[str, str]:
    return {k.lower(): v for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)}


def read_epoint(url: str, body: str, sent: str | None = None) -> ListPage:
    path = urlsplit(url).path.lower()
    if path.endswith(API_PATH):
        return _read_answer(url, body, sent)
    if path.endswith("/" + SCRIPT_NAME):
        return ListPage("epoint", (), _first_api_page(url, body))
    return _read_column(url, body)


def _read_column(url: str, body: str) -> ListPage:
    """The shell: its script, asked for with the column's categorynum and deptcode."""
    root = parse_html(body)
    links = list_links(url, root) if root is not None else ()
    column = _query(url)
    found = _SCRIPT_TAG.search(body)
    if not column.get("categorynum") or not found:
        log.debug("%s: an Epoint page without its categorynum or webBuilderCommon.js", url)
        return ListPage("epoint", links, ())
    script = urlsplit(urljoin(url, unescape(found[1])))
    carried = [(k, v) for k, v in parse_qsl(script.query, keep_blank_values=True) if k.lower() not in _COLUMN_KEYS]
    carried += [(key, column.get(key, "")) for key in _COLUMN_KEYS]
    return ListPage("epoint", links, (PageRequest(urlunsplit(script._replace(query=urlencode(carried), fragment=""))),))


def _site_info(url: str, body: str) -> dict:
    found = _SITE_INFO.search(body)
    if not found:
        raise ListPageError(f"{url}: an Epoint webBuilderCommon.js without its siteInfo")
    try:
        info = json.loads(found[1])
    except json.JSONDecodeError as error:
        raise ListPageError(f"{url}: an Epoint siteInfo that is not JSON ({error})") from error
    if not isinstance(info, dict) or not info.get("siteGuid"):
        raise ListPageError(f"{url}: an Epoint siteInfo without its siteGuid")
    return info


def _api_request(api: str, payload: dict) -> PageRequest:
    return PageRequest(api, method="POST", body=json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
                       headers=_JSON_HEADERS)


def _first_api_page(url: str, body: str) -> tuple[PageRequest, ...]:
    column = _query(url)
    if not column.get("categorynum"):
        log.debug("%s: an Epoint script asked for without a column's categorynum", url)
        return ()
    info = _site_info(url, body)
    project = "/" + str(info.get("projectName") or "").strip("/")
    api = urljoin(url, (project if project != "/" else "") + API_PATH)
    payload = {"deptcode": column.get("deptcode", ""), "categorynum": column["categorynum"], "pageIndex": 0,
               "pageSize": PAGE_SIZE, "siteGuid": info["siteGuid"]}
    return (_api_request(api, payload),)


def _custom(url: str, answer: object) -> dict | None:
    custom = answer.get("custom") if isinstance(answer, dict) else None
    if isinstance(custom, str) and not custom.strip():
        return None  # an error answer: {"custom":"","status":{"code":0,…}}
    if isinstance(custom, str):  # some sites send custom as a JSON string
        try:
            custom = json.loads(custom)
        except json.JSONDecodeError as error:
            raise ListPageError(f"{url}: an Epoint answer whose custom is not JSON ({error})") from error
    return custom if isinstance(custom, dict) else None


def _read_answer(url: str, body: str, sent: str | None) -> ListPage:
    try:
        answer = json.loads(body)
    except json.JSONDecodeError as error:
        raise ListPageError(f"{url}: an Epoint list answer that is not JSON ({error})") from error
    try:
        asked = json.loads(sent) if sent else None
    except json.JSONDecodeError:
        asked = None
    custom = _custom(url, answer)
    items = custom.get("data") if custom else None
    if not isinstance(items, list):
        if isinstance(asked, dict) and "params" not in asked and asked.get("categorynum"):
            # The bare body brought no list: the site wants it wrapped (营口's EWB_YK_Mid).
            return ListPage("epoint", (), (_api_request(url, {"params": asked}),))
        status = answer.get("status") if isinstance(answer, dict) else None
        raise ListPageError(f"{url}: an Epoint list answer without custom.data (status {status!r})")
    origin = urlunsplit(urlsplit(url)._replace(path="/", query="", fragment=""))
    links = []
    for item in items:
        if not isinstance(item, dict):
            continue
        href = str(item.get("infourl") or "").strip()
        title = _TAGS.sub("", unescape(str(item.get("realtitle") or item.get("title") or ""))).strip()
        if not href or not title:
            continue
        links.append(ListedLink(urljoin(origin, href), title, date_in(str(item.get("infodate") or ""))))
    params = (asked.get("params") if isinstance(asked, dict) and isinstance(asked.get("params"), dict) else asked)
    total = custom.get("total")
    if not isinstance(params, dict) or not isinstance(total, int | str) or not str(total).isdigit():
        log.debug("%s: no request body or no total; no later pages", url)
        return ListPage("epoint", unique(links), ())
    size, index = int(params.get("pageSize") or PAGE_SIZE), int(params.get("pageIndex") or 0)
    later = []
    for page in range(index + 1, math.ceil(int(total) / size)):
        payload = {**params, "pageIndex": page}
        later.append(_api_request(url, {"params": payload} if params is not asked else payload))
    return ListPage("epoint", unique(links), tuple(later))
