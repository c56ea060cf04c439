"""Where each platform puts a column's list pages, its detail pages and its attachments, for a
column whose folder is anywhere on the site (the devportal's sites.py fixes one folder per
platform; a national portal has many columns, in folders named as its editors chose).

- trs: base/index.html, base/index_1.html…; details base/202401/t20240125_10001.html
- ucap: base/index.shtml, base/index_2.shtml…; details base/202401/<md5>.shtml
- static: base/index.htm, base/index_2.htm…; details base/2024-01/25/content_10001.htm
- vsb: base.htm, then base/N-1.htm … base/1.htm (numbered downwards); details /info/<column>/<id>.htm
- hanweb: /col/colN/index.html (base = /col/colN); details /art/2024/1/25/art_N_<id>.html
- gkmlpt: /gkmlpt/index#<category> and its JSON API; details /gkmlpt/content/…
- epoint: /dynamic/zwgk/govInfoPub.html?categorynum=C&deptcode=D (base = that page), its list by
  POST of JSON to {projectName}/rest/lightfrontaction/getgovinfolist; details
  /zwgk/C/20240125/<guid>.html
- cicro: /info/iList.jsp?cat_id=N (base = that page), then …&cur_page=2 …; details /info/N/<id>.htm

hanweb, epoint and cicro columns are named by ids, not folders: a sub-column is not under its
parent's path, and `move()` gives the root a new id (`moved_base`) where it moves the others'
folders.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from .plan import ColumnPlan, Platform


EPOINT_COLUMN = "/dynamic/zwgk/govInfoPub.html"
EPOINT_API = "/rest/lightfrontaction/getgovinfolist"  # under the site's projectName
EPOINT_SCRIPT = "/js/webBuilderCommon.js"
CICRO_LIST = "/info/iList.jsp"
ID_PLATFORMS: tuple[Platform, ...] = ("hanweb", "epoint", "cicro")


def epoint_base(categorynum: str, deptcode: str) -> str:
    return f"{EPOINT_COLUMN}?categorynum={categorynum}&deptcode={deptcode}"


def cicro_base(cat: int) -> str:
    return f"{CICRO_LIST}?cat_id={cat}"


def ids_of(platform: Platform, base: str) -> dict[str, int | str]:
    """The id parameters an id platform's base names (hanweb: columnid; epoint: categorynum and
    deptcode; cicro: cat)."""
    if platform == "hanweb":
        return {"columnid": int(base.rsplit("col", 1)[1])}
    query = {k: v[0] for k, v in parse_qs(urlsplit(base).query).items()}
    if platform == "epoint":
        return {"categorynum": query["categorynum"], "deptcode": query["deptcode"]}
    if platform == "cicro":
        return {"cat": int(query["cat_id"])}
    return {}


def moved_base(column: ColumnPlan) -> str:
    """An id platform's root after `move()`: a new column id (hanweb, cicro: +50000; epoint: a new
    categorynum, its last group +500, which no generated column uses)."""
    ids = ids_of(column.platform, column.original_base)
    if column.platform == "hanweb":
        return f"/col/col{int(ids['columnid']) + 50_000}"
    if column.platform == "cicro":
        return cicro_base(int(ids["cat"]) + 50_000)
    category = str(ids["categorynum"])
    return epoint_base(f"{category[:-3]}{int(category[-3:]) + 500:03d}", str(ids["deptcode"]))


def list_pages(platform: Platform, base: str, count: int) -> list[str]:
    """The column's list pages, first to last, as its pager names them (hanweb: the column page
    only, the rest are POSTs; gkmlpt: the column page, the rest is its API; epoint: the shell,
    the list is its API's)."""
    n = max(1, count)
    if platform == "epoint":
        return [base]
    if platform == "cicro":
        return [base, *(f"{base}&cur_page={i}" for i in range(2, n + 1))]
    if platform == "trs":
        return [f"{base}/index.html", *(f"{base}/index_{i}.html" for i in range(1, n))]
    if platform == "ucap":
        return [f"{base}/index.shtml", *(f"{base}/index_{i}.shtml" for i in range(2, n + 1))]
    if platform == "static":
        return [f"{base}/index.htm", *(f"{base}/index_{i}.htm" for i in range(2, n + 1))]
    if platform == "vsb":
        return [f"{base}.htm", *(f"{base}/{n - i}.htm" for i in range(1, n))]
    if platform == "hanweb":
        return [f"{base}/index.html"]
    return ["/gkmlpt/index"]


def first_page(column: ColumnPlan) -> str:
    """The column's address: what a link to it points at."""
    if column.platform == "gkmlpt":
        return f"/gkmlpt/index#{column.params['cat']}"
    return list_pages(column.platform, column.base, 1)[0]


def page_count(column: ColumnPlan) -> int:
    listed = len(column.items)
    if column.platform == "hanweb":
        return max(1, -(-listed // int(column.params["perpage"])))
    return max(1, -(-listed // column.per_page))


def column_pages(column: ColumnPlan) -> list[str]:
    return list_pages(column.platform, column.base, page_count(column))


def robots_prefix(column: ColumnPlan) -> str:
    """The Disallow line's path that walls the column (and, for folder platforms, everything
    under its folder; epoint, cicro: the column page's URL, a prefix of its later pages)."""
    return column.base if column.platform in ("vsb", "epoint", "cicro") else column.base + "/"


def guid(text: str) -> str:
    """A GUID-shaped name (Epoint's infoid, its detail pages' names) digested from `text`."""
    digest = hashlib.md5(text.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:]}"


def detail_path(column: ColumnPlan, entry_id: int, when: datetime) -> str:
    base, platform = column.original_base, column.platform
    if platform == "trs":
        return f"{base}/{when:%Y%m}/t{when:%Y%m%d}_{entry_id}.html"
    if platform == "ucap":
        digest = hashlib.md5(f"{base}/{entry_id}".encode()).hexdigest()
        return f"{base}/{when:%Y%m}/{digest}.shtml"
    if platform == "static":
        return f"{base}/{when:%Y-%m}/{when:%d}/content_{entry_id}.htm"
    if platform == "vsb":
        return f"/info/{column.params['column']}/{entry_id}.htm"
    if platform == "epoint":
        category = column.params["categorynum"]
        return f"/zwgk/{category}/{when:%Y%m%d}/{guid(f'{category}/{entry_id}')}.html"
    if platform == "cicro":
        return f"/info/{column.params['cat']}/{entry_id}.htm"
    if platform == "hanweb":
        return f"/art/{when.year}/{when.month}/{when.day}/art_{column.params['columnid']}_{entry_id}.html"
    return f"/gkmlpt/content/{entry_id // 1_000_000}/{entry_id}/post_{entry_id}.html"


def attachment_path(column: ColumnPlan, entry_id: int, when: datetime, ext: str) -> str:
    platform = column.platform
    if platform == "hanweb":
        return f"/module/download/downfile.jsp?classid=0&filename={when:%y%m%d%H%M}{entry_id}.{ext}"
    if platform == "vsb":
        return (f"/system/_content/download.jsp?urltype=news.DownloadAttachUrl"
                f"&owner={column.params['owner']}&wbfileid={entry_id * 7 + 3}")
    if platform == "epoint":
        return f"/attach/{column.params['categorynum']}/{when:%Y%m%d}/{guid(f'file/{entry_id}')}.{ext}"
    if platform == "cicro":
        return f"/u/cms/www/{when:%Y%m}/{when:%d%H%M}{entry_id}.{ext}"
    if platform == "gkmlpt":
        return f"/attachment/0/{entry_id // 1000}/{entry_id}/{entry_id * 3 + 1}.{ext}"
    return f"{column.original_base}/{when:%Y%m}/P0{when:%Y%m%d}{entry_id}.{ext}"
