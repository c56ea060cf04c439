"""What one list page of a portal platform holds: its items, and the other pages of its column;
and which links of a report page are its attachments.

Pure functions over a page's URL and its decoded body: no Scrapy, no network, no clock. The
spider fetches; this package reads. Platforms, as `registry.PLATFORMS` names them, one module
each:

- ``trs`` (`.trs`): TRS WCM. ``index.html``, ``index_1.html``…; the later pages exist only in a
  script: ``createPageHTML(countPage, currentPage, "index", "html")`` (fixture trs_index.html) or
  the inline template ``var countPage = 2//共多少页`` with ``document.write`` links (fixture
  trs_countpage_template.html, a real 年报 column).
- ``hanweb`` (`.hanweb`): 大汉 jcms. ``col/colN/index.html`` (or ``col/4122_231438/``) keeps its
  first records in a ``<datastore>``; the rest come by POST to ``dataproxy.jsp`` under
  ``/module/web/jpage/``, ``/module/jpage/`` or ``/module/jslib/jquery/jpage/`` (fixtures
  hanweb_col_index.html, hanweb_dataproxy.xml), or by GET ``dataproxy.jsp?page=N`` up to the
  ``<totalpage>`` an answer states (hanweb_dataproxy_page.xml); a JSONP answer
  ``raw({"result":"<datastore>…"})`` is the same datastore (hanweb_dataproxy_jsonp.js). The jpaas
  generation (`.jpaas`): a shell whose ``unitbuild.js`` tag names the unit API
  ``/api-gateway/jpaas-publish-server/…``, whose JSON answer holds the list (fixtures
  jpaas_column.html, jpaas_unit_page1.json).
- ``vsb`` (`.vsb`): 博达 VSB. ``xxgk/ndbg.htm`` then ``ndbg/2.htm``, ``ndbg/1.htm``: numbered
  downwards (fixtures vsb_ndbg*.htm).
- ``ucap`` (`.ucap`): 开普云. ``index.shtml``, ``index_2.shtml``… (fixture ucap_index.shtml).
- ``gkmlpt`` (`.gkmlpt`): Guangdong's 政府信息公开目录管理平台, a JSON API behind an empty column
  page (fixtures gkmlpt_column.html, gkmlpt_api_page1.json).
- ``cicro`` (`.cicro`): Cicro/德雅 WCM. ``/info/iList.jsp?[node_id=GK…&]cat_id=…`` (or
  ``/view/iList.jsp``), later pages ``&cur_page=N`` up to the count its pager links or ``共N页``
  state, else its 下一页 link (fixtures cicro_ilist_ul.html, cicro_ilist_table.html).
- ``openinfo`` (`.openinfo`): the 揭阳-style Struts platform. ``openInfo.action?depCode=…&menuCat=…``
  frames ``OpenInfoRight.action?pageNum=N&pageSize=M&depCode=…``, a ``table.csstable`` list;
  ``pageNum+1`` is asked for while a page comes back full (its real pager was not found;
  fixtures openinfo_column.html, openinfo_right_page1.html).
- ``epoint`` (`.epoint`): 新点 WebBuilder 政府信息公开 columns. A shell
  ``govInfoPub.html?categorynum=…&deptcode=…`` whose ``/js/webBuilderCommon.js`` names siteGuid and
  projectName; the list by POST of a raw JSON body to ``{projectName}/rest/lightfrontaction/
  getgovinfolist`` (wrapped as ``{"params":…}`` where the bare body brings none), every page up
  to the ``total`` an answer states (fixtures epoint_govinfopub.html, epoint_webbuildercommon.js,
  epoint_getgovinfolist.json; the reader of an answer is given the body it answered, `sent`).
- ``static`` (`.static`): anything else: dated anchors and a 下一页 link (fixture
  static_list.html). Its list reading (the container of dated items) serves every HTML platform.

`.detect` names the platform from the list's own structure (data layout, pager script, item
links, then the URL) after taking out the footer widgets every government site carries (the
national jiucuo.js site-error widget, conac, counters), so no footer decides the platform; and
dispatches to its reader. `.links` holds the text, date and anchor helpers the readers share, and
what a page that is only a script comes to (`script_only`; `script_redirect`: where a
``location.replace("…")`` page sends the browser); `.pages` the records they return;
`.attachments` the one rule for which links are attachments.

``next_pages`` are the pages *after* this one in its column: all of them where the platform
states the count (TRS, Hanweb, VSB, gkmlpt, jpaas, UCAP scripts), else the next one (a 下一页
link). A later page may repeat requests the first page already made; Scrapy's dupefilter drops
them.

Not read here (left to later work): Epoint's generic ``frontAppCustomAction/getPageInfoListNew``
(a form field ``params=<JSON>``, mostly 公共资源交易 sites) and other POST list APIs (宿迁's
``Pages.asmx``…): no 年报 column was found on them.
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
