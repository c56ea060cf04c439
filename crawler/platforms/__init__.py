"""What one list page of a portal platform holds: its items, and the other pages of its column;
and which links of a report page are its attachments.

Pure functions over a page's URL and its decoded body: no Scrapy, no network, no clock. The
spider fetches; this package reads. Platforms, as `registry.PLATFORMS` names them, one module
each:

- ``trs`` (`.trs`): TRS WCM. ``index.html``, ``index_1.html``…; the later pages exist only in the
  call ``createPageHTML(countPage, currentPage, "index", "html")`` (fixture trs_index.html).
- ``hanweb`` (`.hanweb`): 大汉 jcms. ``col/colN/index.html`` keeps its first records in a
  ``<datastore>``; the rest come by POST to ``module/web/jpage/dataproxy.jsp`` (fixtures
  hanweb_col_index.html, hanweb_dataproxy.xml).
- ``vsb`` (`.vsb`): 博达 VSB. ``xxgk/ndbg.htm`` then ``ndbg/2.htm``, ``ndbg/1.htm``: numbered
  downwards (fixtures vsb_ndbg*.htm).
- ``ucap`` (`.ucap`): 开普云. ``index.shtml``, ``index_2.shtml``… (fixture ucap_index.shtml).
- ``gkmlpt`` (`.gkmlpt`): Guangdong's 政府信息公开目录管理平台, a JSON API behind an empty column
  page (fixtures gkmlpt_column.html, gkmlpt_api_page1.json).
- ``static`` (`.static`): anything else: dated anchors and a 下一页 link (fixture
  static_list.html). Its list reading (the container of dated items) serves every HTML platform.

`.detect` names the platform and dispatches to its reader; `.links` holds the text, date and
anchor helpers the readers share; `.pages` the records they return; `.attachments` the one rule
for which links are attachments.

``next_pages`` are the pages *after* this one in its column: all of them where the platform
states the count (TRS, Hanweb, VSB, gkmlpt, UCAP scripts), else the next one (a 下一页 link).
A later page may repeat requests the first page already made; Scrapy's dupefilter drops them.
"""

from crawler.platforms.attachments import attachment_file, attachment_links
from crawler.platforms.detect import detect_platform, parse_list_page
from crawler.platforms.gkmlpt import gkmlpt_api_url
from crawler.platforms.links import script_only, script_redirect
from crawler.platforms.pages import ListedLink, ListPage, ListPageError, PageRequest

__all__ = [
    "ListPage",
    "ListPageError",
    "ListedLink",
    "PageRequest",
    "attachment_file",
    "attachment_links",
    "detect_platform",
    "gkmlpt_api_url",
    "parse_list_page",
    "script_only",
    "script_redirect",
]
