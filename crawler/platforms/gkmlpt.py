"""Guangdong's 政府信息公开目录管理平台 (gkmlpt) list pages.

The column page ``/gkmlpt/index#<cat>`` is an empty shell whose script holds the site id
(fixture gkmlpt_column.html); the list is JSON from ``/gkmlpt/api/all/<cat>?page=N&sid=<sid>``
(fixture gkmlpt_api_page1.json), which states the total, so page 1 names every later page.
"""

from __future__ import annotations

import json
import logging
import math
import re
from datetime import datetime
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

from crawler.platforms.links import DATE, absolute, clean, int_or_none, iso_date, unique
from crawler.platforms.pages import ListedLink, ListPage, ListPageError, PageRequest
from storage.clock import CHINA

log = logging.getLogger(__name__)

# The site id in the column page's ``window._CONFIG = {SID: '…'}`` script.
GKMLPT_SID = re.compile(r"""\bSID\s*[:=]\s*['"]?(\d+)""")
_JSON_ACCEPT = "application/json, text/javascript, */*; q=0.01"
_PAGE_SIZE_KEYS = ("per_page", "page_size", "pageSize", "pagesize", "limit")
_DATE_KEYS = ("first_publish_time", "display_publish_time", "date", "publish_time", "created_at", "create_time")


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
    sid = GKMLPT_SID.search(body) or re.search(r"""[?&]sid=(\d+)|['"]sid['"]\s*:\s*['"]?(\d+)""", body)
    if base is None or category is None or sid is None:
        return None
    site = next(group for group in sid.groups() if group)
    api = urlunsplit((parts.scheme, parts.netloc, f"{base[1]}/api/all/{category}", f"page=1&sid={site}", ""))
    referer = urlunsplit(parts._replace(fragment=""))
    return PageRequest(api, headers=(("Accept", _JSON_ACCEPT), ("Referer", referer)))


def _article_date(article: dict) -> str | None:
    for key in _DATE_KEYS:
        value = article.get(key)
        if isinstance(value, bool) or value in (None, "", 0):
            continue
        if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
            seconds = float(value)
            if seconds > 1e11:  # milliseconds
                seconds /= 1000
            # Epoch seconds: the date a reader sees on the portal is China's.
            return datetime.fromtimestamp(seconds, CHINA).date().isoformat()
        if isinstance(value, str):
            match = DATE.search(value)
            if match and iso_date(match):
                return iso_date(match)
    return None


def read_gkmlpt(url: str, body: str) -> ListPage:
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
        target = absolute(url, article.get("url") or article.get("post_url"))
        title = clean(re.sub(r"<[^>]+>", " ", str(article.get("title") or "")))
        if target and title:
            links.append(ListedLink(target, title, _article_date(article)))

    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    page = int_or_none(dict(query).get("page")) or 1
    total = data.get("total")
    size = next((data[k] for k in _PAGE_SIZE_KEYS if isinstance(data.get(k), int) and data[k] > 0), None)
    if size is None and page == 1:
        size = len(data["articles"])  # page 1 is full whenever there are more
    if not isinstance(total, int) or not size:
        return ListPage("gkmlpt", unique(links), ())
    pages = math.ceil(total / size)

    base = re.match(r"^(.*?/gkmlpt)/", parts.path)
    referer = urlunsplit(parts._replace(path=f"{base[1] if base else ''}/index", query="", fragment=""))
    headers = (("Accept", _JSON_ACCEPT), ("Referer", referer))

    def at(n: int) -> PageRequest:
        pairs = [(k, str(n) if k == "page" else v) for k, v in query]
        if "page" not in dict(query):
            pairs.append(("page", str(n)))
        return PageRequest(urlunsplit(parts._replace(query=urlencode(pairs), fragment="")), headers=headers)

    return ListPage("gkmlpt", unique(links), tuple(at(n) for n in range(page + 1, pages + 1)))
