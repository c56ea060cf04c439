"""The pages of the simulated portal, as each platform's CMS writes them.

`build_routes(site, sites, port)` renders one site into `Routes`: the GET pages by request
target, the handlers that answer from the query or a POSTed form (Hanweb's dataproxy.jsp,
gkmlpt's JSON API), and for the blocked site the challenge it answers everything with.

Platform quirks, each as the real CMS has it:
- TRS WCM: GBK bytes sent with `Content-Type: text/html; charset=UTF-8` (the `<meta charset>`
  says gbk); `index_1.html`, `index_2.html` are named only by `createPageHTML(3, 0, "index",
  "html")`; details `./202401/t20240125_5012345.html`.
- Hanweb/大汉: the first group of records in `<script type="text/xml"><datastore>` CDATA, the
  rest by POST to `dataproxy.jsp?startrecord=…&endrecord=…&perpage=…` with the `param_<unitid>`
  form; attachments through `downfile.jsp?classid=0&filename=…`, named by RFC 5987
  `filename*=UTF-8''…`.
- 博达 VSB: `ndbg.htm`, then `ndbg/2.htm`, `ndbg/1.htm` (numbered downwards), relative links
  (`../info/1021/3401.htm`, `../../info/…` one folder down); attachments through
  `download.jsp?urltype=news.DownloadAttachUrl&owner=…&wbfileid=…` as application/octet-stream
  with the name percent-encoded in a plain `filename=`.
- 开普云/UCAP: `.shtml` everywhere; a report may be a PDF linked from the list itself.
- gkmlpt: the column page is a script app carrying `SID`; the list is JSON.
- Plain static: 下一页/尾页 links, relative detail links.
"""

from __future__ import annotations

import copy
import html
import json
import posixpath
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from urllib.parse import quote

from nianbao.devportal.render import render_html_page
from storage.clock import CHINA
from nianbao.devportal.documents import render_docx, render_pdf

from .sites import (
    SLOW_SECONDS,
    Entry,
    Site,
    gkmlpt_api_target,
    hanweb_group,
    normalize_target,
    page_count,
    site_url,
)

MIME = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass(frozen=True)
class Resource:
    body: bytes
    content_type: str
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    modified: datetime | None = None  # Last-Modified of the first version (aware)
    delay: float = 0.0  # seconds to wait before answering


Handler = Callable[[dict[str, str], dict[str, str]], Resource]  # (query, form) -> answer
Lazy = Callable[[], Resource]  # a page rendered when first asked for


@dataclass
class Routes:
    pages: dict[str, Resource | Lazy] = field(default_factory=dict)  # GET/HEAD by normalised target
    handlers: dict[tuple[str, str], Handler] = field(default_factory=dict)  # (method, path)
    challenge: Resource | None = None  # answers every path but robots.txt
    # Answers every path but robots.txt with a wall while it returns one for the request's headers
    # (a JS challenge passed by its cookie: nianbao.devportal.browser_cases).
    gate: Callable[[Message, str], Resource | None] | None = None  # (headers, path) -> the wall, or None
    flaky: dict[str, int] = field(default_factory=dict)  # target -> 503s before it answers


AttachmentCache = dict[tuple[str, int, int, str], bytes]


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _date(entry: Entry) -> str:
    return f"{entry.published:%Y-%m-%d}"


def _stamp(when: datetime) -> datetime:
    return when.replace(tzinfo=CHINA)


def _html_type(site: Site) -> str:
    # TRS quirk: the server says UTF-8 whatever the template wrote (the bytes are GBK).
    return "text/html; charset=UTF-8" if site.charset == "gbk" else f"text/html; charset={site.charset}"


def _page(site: Site, text: str, modified: datetime | None, *, delay: float = 0.0) -> Resource:
    return Resource(text.encode(site.charset), _html_type(site), modified=modified, delay=delay)


def _rel(from_page: str, to_path: str) -> str:
    """A link from the page at `from_page` to `to_path`, relative as static CMSes write them."""
    return posixpath.relpath(to_path, posixpath.dirname(from_page) or "/")


def _head(site: Site, title: str, column: str, extra: str = "") -> str:
    return (
        f'<meta charset="{site.charset}">\n<title>{_e(title)}</title>\n'
        f'<meta name="SiteName" content="{_e(site.name)}">\n<meta name="SiteDomain" content="{site.host}">\n'
        f'<meta name="SiteIDCode" content="3201000{site.octet:03d}">\n<meta name="ColumnName" content="{_e(column)}">\n'
        f'<meta name="ColumnType" content="政府信息公开年报">\n{extra}'
    )


def _chrome(site: Site, head: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="zh-CN"><head>\n{head}'
        '<link rel="stylesheet" href="/css/style.css"></head>\n<body>\n'
        f'<div class="header"><div class="logo"><a href="/">{_e(site.name)}</a></div>'
        '<div class="search"><input type="text" placeholder="请输入关键字"><button>搜索</button></div></div>\n'
        '<div class="nav"><a href="/">首页</a><a href="/xxgk/">政府信息公开</a><a href="/zwfw/">政务服务</a>'
        '<a href="/hdjl/">互动交流</a></div>\n'
        f"{body}\n"
        f'<div class="footer"><p>主办单位：{_e(site.name)}　网站标识码：3201000{site.octet:03d}</p>'
        '<p>ICP备12345678号</p></div>\n</body></html>\n'
    )


# ---------------------------------------------------------------------------------------------
# Detail pages


def _report_html(site: Site, entry: Entry) -> str:
    """The report as its page: nianbao.devportal.render's page, with this site's charset and without the
    renderer's placeholder attachment link (the page is the report here)."""
    assert entry.tables is not None
    text = render_html_page(entry.tables, published=f"{entry.published:%Y-%m-%d %H:%M}")
    text = re.sub(r'<div class="fj">.*?</div>\n', "", text, count=1, flags=re.DOTALL)
    return text.replace('<meta charset="utf-8">', f'<meta charset="{site.charset}">', 1)


def _article(site: Site, entry: Entry, content: str, attachments: str = "") -> str:
    head = _head(site, f"{entry.title}_{site.name}", "政府信息公开年报",
                 f'<meta name="ArticleTitle" content="{_e(entry.title)}">\n'
                 f'<meta name="PubDate" content="{entry.published:%Y-%m-%d %H:%M}">\n'
                 f'<meta name="ContentSource" content="{_e(site.name)}">\n')
    info = f'<div class="info">发布时间：{entry.published:%Y-%m-%d %H:%M}　来源：{_e(site.name)}</div>'
    if site.platform == "vsb":  # VSB's article form; attachments follow the content
        body = (
            '<form name="_newscontent_fromname"><div class="main">\n'
            f'<div align="center"><h1>{_e(entry.title)}</h1></div>\n{info}\n'
            f'<div id="vsb_content"><div class="v_news_content">\n{content}\n</div></div>\n'
            f'<div id="div_vote_id"></div>\n{attachments}\n</div></form>'
        )
    else:
        body = (
            '<div class="main"><div class="article">\n'
            f'<h1 class="title">{_e(entry.title)}</h1>\n{info}\n'
            f'<div class="content" id="zoom">\n{content}\n{attachments}\n</div>\n</div></div>'
        )
    return _chrome(site, head, body)


def _paragraphs(site: Site, entry: Entry) -> list[str]:
    year = entry.published.year
    if "编制" in entry.title or "报送" in entry.title:
        return [
            "各科室、各直属单位：",
            (f"根据《中华人民共和国政府信息公开条例》规定，为做好{year}年度政府信息公开工作年度报告编制和发布工作，"
             "现将有关事项通知如下："),
            ("一、各单位要严格按照国务院办公厅政府信息与政务公开办公室印发的年度报告格式编制本单位年度报告，"
             "统计期限为上一年1月1日至12月31日。"),
            "二、部门年度报告应于每年1月31日前、政府年度报告应于每年3月31日前在门户网站“政府信息公开年报”栏目发布。",
            "三、请各单位于规定时间前将年度报告报送审核，逾期未报送的将予以通报。",
            f"{site.name}办公室",
        ]
    if "要点" in entry.title:
        return [
            f"为深入贯彻落实党中央、国务院关于全面推进政务公开的决策部署，结合工作实际，现提出{year}年政务公开工作要点如下。",
            "一、围绕中心工作加强政策发布解读，及时准确发布重要政策文件。",
            "二、持续推进基层政务公开标准化规范化建设，动态更新公开事项目录。",
            "三、做好政府信息公开工作年度报告编制发布工作，确保格式规范、数据准确。",
        ]
    return [
        f"{entry.title}现予公开。",
        f"{site.name}坚持以公开为常态、不公开为例外，依法依规做好相关信息的主动公开工作。",
        "如有疑问，请在工作日与办公室联系。",
    ]


def _attachment_link(site: Site, entry: Entry) -> str:
    """The page's link to the attachment holding the report, in the platform's markup."""
    assert entry.attachment is not None and entry.path is not None
    name = f"{entry.title}.{entry.form}"
    if site.platform == "vsb":
        wbfileid = entry.attachment.rsplit("=", 1)[1]
        return (
            '<ul style="list-style-type:none;"><li>附件【'
            f'<a href="{_e(entry.attachment)}" target="_blank">{_e(name)}</a>】已下载'
            f'<span id="nattach{wbfileid}"><script language="javascript">getClickTimes({wbfileid},'
            f'{site.params["owner"]},"wbnewsfile","attach")</script></span>次</li></ul>'
        )
    if site.platform in ("trs", "ucap"):
        href = "./" + _rel(entry.path, entry.attachment)
        return (f'<div class="fj"><p>附件：<a href="{_e(href)}" OLDSRC="/protect{_e(entry.attachment)}">'
                f"{_e(name)}</a></p></div>")
    return f'<p>附件：<a href="{_e(entry.attachment)}">{_e(name)}</a></p>'


def _detail(site: Site, entry: Entry) -> str:
    if entry.form != "html" and entry.role == "report":
        return _article(site, entry, f"<p>{_e(entry.title)}详见附件。</p>", _attachment_link(site, entry))
    if entry.tables is not None:
        return _report_html(site, entry)
    return _article(site, entry, "\n".join(f"<p>{_e(p)}</p>" for p in _paragraphs(site, entry)))


def _attachment(site: Site, entry: Entry, cache: AttachmentCache) -> Lazy:
    """The file holding the report, rendered on first request (a DOCX takes a second) and kept
    in `cache` per entry version (a rebuild after another site's change reuses it); values are
    taken now, so a later edit makes a new one."""
    assert entry.tables is not None
    tables, form, name = entry.tables, entry.form, f"{entry.title}.{entry.form}"
    key = (site.key, entry.id, entry.version, entry.form)
    modified = _stamp(entry.published)
    content_type, headers = MIME[form], ()
    if site.platform == "hanweb":
        headers = (("Content-Disposition", f"attachment; filename*=UTF-8''{quote(name, safe='')}"),)
    elif site.platform == "vsb":
        # VSB quirk: any attachment is application/octet-stream, the name percent-encoded in a
        # plain filename parameter.
        content_type = "application/octet-stream"
        headers = (("Content-Disposition", f'attachment; filename="{quote(name, safe="")}"'),)

    def render() -> Resource:
        if key not in cache:
            cache[key] = render_pdf(tables) if form == "pdf" else render_docx(tables)
        return Resource(cache[key], content_type, headers=headers, modified=modified)

    return _once(render)


def _once(render: Lazy) -> Lazy:
    """`render` run on the first request only, however many arrive at once."""
    lock = threading.Lock()
    done: list[Resource] = []

    def first() -> Resource:
        with lock:
            if not done:
                done.append(render())
            return done[0]

    return first


def _detail_page(site: Site, entry: Entry) -> Lazy:
    """The detail page, rendered when first asked for, from the entry as it is now (a copy: an
    edit replaces the entry's tables, and the routes are rebuilt)."""
    now = copy.copy(entry)
    return _once(lambda: _page(site, _detail(site, now), _stamp(now.published),
                               delay=SLOW_SECONDS if now.slow else 0.0))


def _detail_routes(site: Site, routes: Routes, cache: AttachmentCache) -> None:
    for entry in site.entries:
        if entry.offsite:
            continue
        gone = entry.removed
        if entry.path is not None and not (gone and entry.report_path == entry.path):
            routes.pages[entry.path] = _detail_page(site, entry)
        if entry.attachment is not None and not gone:
            routes.pages[entry.attachment] = _attachment(site, entry, cache)


# ---------------------------------------------------------------------------------------------
# List pages, one renderer per platform


def _items(site: Site, index: int) -> list[Entry]:
    listed = site.listed
    return listed[index * site.per_page:(index + 1) * site.per_page]


def _newest(site: Site) -> datetime | None:
    listed = site.listed
    return _stamp(max(e.published for e in listed)) if listed else None


def _list_body(site: Site, column: str, items: str, pager: str) -> str:
    return (
        f'<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/xxgk/">政府信息公开</a> &gt; {_e(column)}</div>\n'
        f'<div class="main"><div class="list-title">{_e(column)}</div>\n'
        f'<ul class="list">\n{items}\n</ul>\n{pager}\n</div>'
    )


def _li(href: str, entry: Entry) -> str:
    return (f'<li><a href="{_e(href)}" target="_blank" title="{_e(entry.title)}">{_e(entry.title)}</a>'
            f'<span class="date">{_date(entry)}</span></li>')


def _href(site: Site, sites: dict[str, Site], port: int, from_page: str, entry: Entry, style: str) -> str:
    if entry.offsite:
        return site_url(sites[entry.offsite].host, port, entry.link_path)
    if style == "relative":
        href = _rel(from_page, entry.link_path)
        return href if href.startswith("../") else "./" + href
    return entry.link_path


_CREATE_PAGE_HTML = """<script type="text/javascript">
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
	if(_nPageCount == null || _nPageCount<=1){
		return;
	}
	var nCurrIndex = _nCurrIndex || 0;
	if(nCurrIndex == 0)
		document.write("<span class=\\"disabled\\">首页</span><span class=\\"disabled\\">上一页</span>");
	else{
		document.write("<a href=\\""+_sPageName+"."+_sPageExt+"\\">首页</a>");
		if(nCurrIndex == 1)
			document.write("<a href=\\""+_sPageName+"."+_sPageExt+"\\">上一页</a>");
		else
			document.write("<a href=\\""+_sPageName+"_" + (nCurrIndex-1) + "."+_sPageExt+"\\">上一页</a>");
	}
	if(nCurrIndex+1 < _nPageCount)
		document.write("<a href=\\""+_sPageName+"_" + (nCurrIndex+1) + "."+_sPageExt+"\\">下一页</a><a href=\\""+_sPageName+"_" + (_nPageCount-1) + "."+_sPageExt+"\\">尾页</a>");
	else
		document.write("<span class=\\"disabled\\">下一页</span><span class=\\"disabled\\">尾页</span>");
	document.write("<span>共" + _nPageCount + "页</span>");
}
</script>
"""


def _trs_lists(site: Site, sites: dict[str, Site], port: int, routes: Routes) -> None:
    column = "政府信息公开年度报告"
    n = page_count(site)
    for index in range(n):
        path = "/xxgk/ndbg/index.html" if index == 0 else f"/xxgk/ndbg/index_{index}.html"
        items = "\n".join(_li(_href(site, sites, port, path, e, "relative"), e) for e in _items(site, index))
        pager = (f'<div class="page">\n<script type="text/javascript">createPageHTML({n}, {index}, "index", "html");'
                 "</script>\n</div>")
        head = _head(site, f"{column}_{site.name}", column, _CREATE_PAGE_HTML)
        routes.pages[path] = _page(site, _chrome(site, head, _list_body(site, column, items, pager)), _newest(site))


def _hanweb_record(entry: Entry) -> str:
    return (f'<record><![CDATA[\n<li><a href="{_e(entry.link_path)}" title="{_e(entry.title)}" target="_blank">'
            f'{_e(entry.title)}</a><span class="bt-data-time">{_date(entry)}</span></li>]]></record>')


def _hanweb_lists(site: Site, routes: Routes) -> None:
    column = "政府信息公开年报"
    unitid, columnid = site.params["unitid"], site.params["columnid"]
    perpage, group = int(site.params["perpage"]), hanweb_group(site)
    listed, newest = site.listed, _newest(site)  # the handler answers from this build, not the live site
    records = "\n".join(_hanweb_record(e) for e in listed[:group])
    param = (f"{{col:1,appid:1,webid:{site.params['webid']},path:'/',columnid:{columnid},sourceContentType:1,"
             f"unitid:'{unitid}',webname:'{site.name}',permissiontype:0}}")
    # The jpage link to the next group; the script POSTs to the proxy, which answers only POSTs here.
    nextgroup = (f"/module/web/jpage/dataproxy.jsp?page=1&webid={site.params['webid']}&path=/&columnid={columnid}"
                 f"&unitid={unitid}&webname={quote(site.name)}&permissiontype=0")
    body = (
        f'<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/col/col100/index.html">政府信息公开</a>'
        f" &gt; {column}</div>\n"
        f'<div class="main"><div class="list-title">{column}</div>\n<div class="default_pgContainer" id="{unitid}">\n'
        f'<script type="text/xml">\n<datastore>\n<nextgroup><![CDATA[<a href="{nextgroup}"></a>]]></nextgroup>\n'
        f"<recordset>\n{records}\n</recordset>\n</datastore>\n</script>\n</div>\n"
        '<script language="javascript" src="/module/web/jpage/jpage.js"></script>\n'
        f'<script type="text/javascript">\nvar param_{unitid} = {param};\n'
        f"$(document).ready(function(){{ $('#{unitid}').jpage({{ baseUrl: '/module/web/jpage/dataproxy.jsp', "
        f"dataStore: dataStore, proxyUrl: '/module/web/jpage/dataproxy.jsp', perPage: {perpage}, "
        f"totalRecord: {len(listed)}, groupSize: {site.params['groupsize']}, barPosition: 'bottom', "
        f"ajaxParam: param_{unitid}, showMode: 'full', themeName: 'default' }}); }});\n</script>\n</div>"
    )
    head = _head(site, f"{column} {site.name}", column, '<script src="/module/jslib/jquery/jquery.js"></script>\n')
    routes.pages[site.list_path] = _page(site, _chrome(site, head, body), _newest(site))

    def dataproxy(query: dict[str, str], form: dict[str, str]) -> Resource:
        # Answers what the jpage script asks: records startrecord..endrecord (1-based,
        # inclusive) of the column the POSTed form names by columnid, unitid and webid.
        rows: list[Entry] = []
        total = 0
        wanted = {"columnid": str(columnid), "unitid": str(unitid), "webid": str(site.params["webid"])}
        if all(form.get(k) == v for k, v in wanted.items()):
            total = len(listed)
            try:
                start, end = int(query.get("startrecord", "")), int(query.get("endrecord", ""))
            except ValueError:
                start, end = 1, 0
            rows = listed[max(start, 1) - 1:max(end, 0)]
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n'
            f"<totalrecord>{total}</totalrecord>\n<totalpage>{-(-total // perpage)}</totalpage>\n"
            "<recordset>\n" + "\n".join(_hanweb_record(e) for e in rows) + "\n</recordset>\n</datastore>\n"
        )
        return Resource(xml.encode("utf-8"), "text/xml;charset=UTF-8", modified=newest)

    routes.handlers[("POST", "/module/web/jpage/dataproxy.jsp")] = dataproxy


def _vsb_pager(site: Site, index: int, n: int, from_page: str) -> str:
    def page_path(i: int) -> str:
        return "/xxgk/ndbg.htm" if i == 0 else f"/xxgk/ndbg/{n - i}.htm"

    def link(i: int, label: str, cls: str) -> str:
        return f'<span class="{cls} p_fun"><a href="{_rel(from_page, page_path(i))}">{label}</a></span>'

    parts = []
    if index == 0:
        parts += ['<span class="p_first_d p_fun_d">首页</span>', '<span class="p_prev_d p_fun_d">上页</span>']
    else:
        parts += [link(0, "首页", "p_first"), link(index - 1, "上页", "p_prev")]
    for i in range(n):
        parts.append(f'<span class="p_no_d">{i + 1}</span>' if i == index else
                     f'<span class="p_no"><a href="{_rel(from_page, page_path(i))}">{i + 1}</a></span>')
    if index + 1 < n:
        parts += [link(index + 1, "下页", "p_next"), link(n - 1, "尾页", "p_last")]
    else:
        parts += ['<span class="p_next_d p_fun_d">下页</span>', '<span class="p_last_d p_fun_d">尾页</span>']
    return (
        '<link rel="stylesheet" Content-type="text/css" href="/system/resource/css/pagedown/sys.css">'
        '<div class="pb_sys_common pb_sys_normal pb_sys_style1" style="margin-top:10px;text-align:center;">'
        f'<span class="p_t">共{len(site.listed)}条</span> <span class="p_pages">{"".join(parts)}</span> '
        f'<span class="p_t">{index + 1}/{n}</span></div>'
    )


def _vsb_lists(site: Site, routes: Routes) -> None:
    column = "政府信息公开年度报告"
    n = page_count(site)
    for index in range(n):
        path = "/xxgk/ndbg.htm" if index == 0 else f"/xxgk/ndbg/{n - index}.htm"
        items = "\n".join(
            f'<li id="line_u8_{i}"><a href="{_e(_rel(path, e.link_path))}" target="_blank" title="{_e(e.title)}">'
            f"{_e(e.title)}</a><span>{_date(e)}</span></li>"
            for i, e in enumerate(_items(site, index))
        )
        body = (
            '<!--#begineditable viewid="126541" name="列表"-->\n'
            + _list_body(site, column, items, _vsb_pager(site, index, n, path))
            + "\n<!--#endeditable-->"
        )
        head = _head(site, f"{column}-{site.name}", column,
                      '<script type="text/javascript" src="/system/resource/js/counter.js"></script>\n')
        routes.pages[path] = _page(site, _chrome(site, head, body), _newest(site))


def _numbered_pager(pages: list[str], index: int, from_page: str, style: str) -> str:
    def href(i: int) -> str:
        return pages[i] if style == "absolute" else _rel(from_page, pages[i])

    parts = [f'<a href="{href(0)}">首页</a>']
    parts.append(f'<a href="{href(index - 1)}">上一页</a>' if index > 0 else "<span>上一页</span>")
    parts.append(f'<a href="{href(index + 1)}">下一页</a>' if index + 1 < len(pages) else "<span>下一页</span>")
    parts.append(f'<a href="{href(len(pages) - 1)}">尾页</a>')
    parts.append(f"<span>共{len(pages)}页 当前第{index + 1}页</span>")
    return '<div class="page">' + " ".join(parts) + "</div>"


def _paged_lists(site: Site, routes: Routes, pages: list[str], column: str, style: str) -> None:
    for index, path in enumerate(pages):
        items = "\n".join(_li(_href(site, {}, 0, path, e, style), e) for e in _items(site, index))
        head = _head(site, f"{column}_{site.name}", column)
        body = _list_body(site, column, items, _numbered_pager(pages, index, path, style))
        routes.pages[path] = _page(site, _chrome(site, head, body), _newest(site))


def _ucap_lists(site: Site, routes: Routes) -> None:
    n = page_count(site)
    pages = ["/xxgk/gknb/index.shtml", *(f"/xxgk/gknb/index_{i}.shtml" for i in range(2, n + 1))]
    _paged_lists(site, routes, pages, "政府信息公开年报", "absolute")


def _static_lists(site: Site, routes: Routes) -> None:
    n = page_count(site)
    pages = ["/zwgk/ndbg/index.htm", *(f"/zwgk/ndbg/index_{i}.htm" for i in range(2, n + 1))]
    _paged_lists(site, routes, pages, "政府信息公开年度报告", "relative")


def _gkmlpt_lists(site: Site, port: int, routes: Routes) -> None:
    sid, cat = str(site.params["sid"]), int(site.params["cat"])
    listed, newest = site.listed, _newest(site)  # the handler answers from this build, not the live site
    column = "政府信息公开年报"
    head = _head(site, f"政府信息公开_{site.name}", column,
                 "<script>\n  window._CONFIG = {\n"
                 f"    SID: '{sid}',\n    SITE_NAME: '{site.name}',\n    IS_MOBILE: false,\n"
                 "    API_BASE: '/gkmlpt/api'\n  };\n</script>\n")
    body = (
        '<div id="app"></div>\n<noscript><ul class="classify">'
        f'<li><a href="/gkmlpt/index#{cat}">{column}</a></li><li><a href="/gkmlpt/index#2650">规范性文件</a></li>'
        "</ul></noscript>\n"
        '<script src="/gkmlpt/static/js/manifest.js"></script><script src="/gkmlpt/static/js/app.js"></script>'
    )
    routes.pages["/gkmlpt/index"] = _page(site, _chrome(site, head, body), _newest(site))

    def article(entry: Entry) -> dict[str, object]:
        stamp = int(_stamp(entry.published).timestamp())
        return {
            "id": entry.id, "title": entry.title, "url": site_url(site.host, port, entry.link_path),
            "identifier": f"{sid}/{entry.published:%Y}-{entry.id % 100000:05d}", "document_number": "",
            "publisher": site.name, "date": stamp, "display_publish_time": stamp, "first_publish_time": stamp,
            "created_at": f"{entry.published:%Y-%m-%d %H:%M:%S}", "classify_main_name": column,
        }

    def api(query: dict[str, str], form: dict[str, str]) -> Resource:
        if query.get("sid") != sid:
            payload: dict[str, object] = {"code": 400, "message": "invalid sid"}
            return Resource(json.dumps(payload).encode(), "application/json;charset=UTF-8", status=400)
        try:
            page = max(int(query.get("page", "1")), 1)
        except ValueError:
            page = 1
        rows = listed[(page - 1) * site.per_page:page * site.per_page]
        payload = {"articles": [article(e) for e in rows], "total": len(listed),
                   "classify": {"id": cat, "name": column}}
        return Resource(json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json;charset=UTF-8",
                        modified=newest)

    routes.handlers[("GET", gkmlpt_api_target(site, 1).split("?")[0])] = api


# ---------------------------------------------------------------------------------------------
# The blocked site, the mirror, robots.txt


_CHALLENGE = """<!DOCTYPE html>
<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta id="9DhefwqGPrzGxEp9hPaoag" content="r3d8KmZ1fUq0GhQ2pLw5sVx9YbN7cE4tA6oJ" r="m">
<script type="text/javascript" r="m">$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=60421;$_ts.cd="qrWsrrAlEGqUqGVrqqGDcslrW";</script>
<script type="text/javascript" charset="utf-8" src="/4QbVtADbnLVIc/c.FxJzG50F.0d8a6e9.js" r="m"></script>
</head><body></body></html>
"""


def _blocked(site: Site) -> Resource:
    # A 瑞数-style JS challenge: HTTP 412 and a script that would set a cookie and reload.
    cookie = "FSSBBIl1UgzbN7N80S=Qx1vF2kD8mHn3TgZ; Path=/; expires=Fri, 31 Dec 2027 00:00:00 GMT; HttpOnly"
    return Resource(_CHALLENGE.encode("utf-8"), "text/html", status=412, headers=(("Set-Cookie", cookie),))


def _home(site: Site) -> Resource:
    head = _head(site, site.name, "首页")
    body = f'<div class="main"><ul><li><a href="{_e(site.list_path)}">政府信息公开年报</a></li></ul></div>'
    return _page(site, _chrome(site, head, body), _newest(site))


def robots_routes(site: Site) -> Routes:
    """A site's routes before its pages: its robots.txt."""
    routes = Routes()
    routes.pages["/robots.txt"] = Resource(site.robots.encode("ascii"), "text/plain")
    return routes


def build_routes(site: Site, sites: dict[str, Site], port: int, cache: AttachmentCache) -> Routes:
    """Everything `site` serves on `port` in its current state, keyed by normalised target (the
    browser cases are nianbao.devportal.browser_cases's; the server dispatches them)."""
    routes = robots_routes(site)
    if site.blocked:
        routes.challenge = _blocked(site)
        return routes
    routes.pages["/"] = _home(site)
    _detail_routes(site, routes, cache)
    if site.region is None:  # the mirror: its copies, no column
        pass
    elif site.platform == "trs":
        _trs_lists(site, sites, port, routes)
    elif site.platform == "hanweb":
        _hanweb_lists(site, routes)
    elif site.platform == "vsb":
        _vsb_lists(site, routes)
    elif site.platform == "ucap":
        _ucap_lists(site, routes)
    elif site.platform == "gkmlpt":
        _gkmlpt_lists(site, port, routes)
    else:
        _static_lists(site, routes)
    routes.pages = {normalize_target(target): page for target, page in routes.pages.items()}
    routes.flaky = {normalize_target(target): n for target, n in site.flaky.items()}
    return routes
