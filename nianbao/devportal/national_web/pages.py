"""Every page a national-web portal serves, rendered from its plan: robots.txt, the home page,
the optional 政务公开 page between, the government-information platform page, each column in its
platform's markup (at whatever folder the plan puts it), sub-column index pages, detail pages
and attachments, redirect stubs, script-only shells, and after a move the old root's answer.

List markup follows nianbao/devportal/markup.py's platforms (TRS createPageHTML or the inline
countPage template; Hanweb's datastore and POSTed dataproxy.jsp; VSB's downward-numbered pages;
UCAP's .shtml; plain static 下一页 pages; gkmlpt's script app and JSON API; Epoint's govInfoPub
shell, its site script and POST-JSON list API; Cicro's iList.jsp pages), and its report
pages, article pages and attachments are markup.py's own (`_report_html`, `_paragraphs`,
`_attachment_link`, `_attachment`).
"""

from __future__ import annotations

import copy
import json
from urllib.parse import quote
from collections.abc import Callable

from nianbao.devportal import markup
from nianbao.devportal.markup import AttachmentCache, Lazy, Resource, Routes, _e, _once, _rel, _stamp
from nianbao.devportal.sites import DEFAULT_ROBOTS, Entry, Site, normalize_target

from .paths import EPOINT_API, EPOINT_SCRIPT, column_pages, first_page, guid, robots_prefix
from .plan import ColumnPlan, Item, PortalPlan
from .serve import PortalRoutes, Posted
from .wording import PLATFORM_NOISE

_LOADING_SHELL = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title>
<script src="/js/vue.min.js"></script><script src="/js/list-app.js"></script></head>
<body><div id="app">正在加载…</div>
<script>new ListApp({{el: '#app', channel: '{channel}'}});</script>
</body></html>
"""

_REDIRECT_STUB = """<html>
<head><meta charset="utf-8"><title>{title}</title></head>
<body>
<script type="text/javascript">
  location.replace("{target}");
</script>
</body>
</html>
"""

_COUNT_PAGE = """<script type="text/javascript">
var currentPage = {index};//所在页从0开始
var prevPage = currentPage-1//上一页
var nextPage = currentPage+1//下一页
var countPage = {count}//共多少页
document.write("共计"+"&nbsp;"+"{count}"+"&nbsp;页");
document.write("&nbsp;<a href=\\"index."+"html\\">首页</a>&nbsp;|");
if(countPage>1&&currentPage!=0&&currentPage!=1)
document.write("<a href=\\"index"+"_" + prevPage + "."+"html\\">上一页</a>&nbsp;");
else if(countPage>1&&currentPage!=0&&currentPage==1)
document.write("<a href=\\"index.html\\">上一页</a>&nbsp;");
else
document.write("&nbsp;上一页&nbsp;");
if(currentPage+1<countPage)
document.write("<a href=\\"index"+"_" + nextPage + "."+"html\\">下一页</a>&nbsp;");
else
document.write("&nbsp;下一页&nbsp;");
</script>"""


class _PortalSite(Site):
    """The devportal Site markup.py's renderers take, on a national-web address."""

    address: str = ""

    @property
    def host(self) -> str:  # type: ignore[override]
        return self.address


def portal_site(plan: PortalPlan) -> Site:
    site = _PortalSite(plan.host, 0, plan.platform, plan.government.name, plan.government.region_path,
                       "government", charset=plan.charset,
                       params={"owner": 1_000_000_000 + plan.index})
    site.address = plan.host
    return site


class PageSet:
    """One portal's pages, built from its plan on `port`."""

    def __init__(self, plan: PortalPlan, port: int, cache: AttachmentCache) -> None:
        self.plan, self.port, self.cache = plan, port, cache
        self.site = portal_site(plan)
        self.routes = PortalRoutes()
        self.epoint_lists: dict[tuple[str, str], list[dict[str, str]]] = {}  # (categorynum, deptcode) -> rows

    # chrome

    def page(self, title: str, body: str, head: str = "", modified=None) -> Resource:
        plan = self.plan
        nav = "".join(f'<a href="{path}">{_e(text)}</a>' for text, path in plan.nav_noise)
        top = plan.middle or (plan.platform_path, plan.platform_wording)
        text = (
            f'<!DOCTYPE html>\n<html lang="zh-CN"><head>\n<meta charset="{plan.charset}">\n<title>{_e(title)}</title>\n'
            f'<meta name="SiteName" content="{_e(plan.government.name)}">\n{head}'
            '<link rel="stylesheet" href="/css/style.css"></head>\n<body>\n'
            f'<div class="header"><div class="logo"><a href="/">{_e(plan.government.name)}</a></div></div>\n'
            f'<div class="nav"><a href="/">首页</a><a href="{top[0]}">{_e(top[1])}</a>{nav}</div>\n'
            f"{body}\n"
            f'<div class="footer"><p>主办单位：{_e(plan.government.name)}办公室　网站标识码：{plan.government.code}0001</p>'
            '<p><span id="_span_jiucuo"></span><script src="https://pucha.kaipuyun.cn/exposure/jiucuo.js"></script></p>'
            "</div>\n</body></html>\n"
        )
        return Resource(text.encode(plan.charset), markup._html_type(self.site), modified=modified)

    def add(self, path: str, resource: Resource | Lazy) -> None:
        self.routes.pages[path] = resource

    # the portal's own pages

    def build(self) -> Routes:
        plan = self.plan
        self.add("/robots.txt", Resource(self.robots().encode("ascii"), "text/plain"))
        self.home()
        self.platform_page()
        if plan.platform == "epoint":
            self.epoint_site()
        for column in plan.columns.values():
            self.column(column)
        if plan.moved and plan.old_root_answer == "redirect_home":
            root = plan.root
            old = first_page(_based(root, root.original_base))
            self.add(old, Resource(b"", "text/html", status=302, headers=(("Location", "/"),)))
        self.routes.pages = {normalize_target(t): p for t, p in self.routes.pages.items()}
        return self.routes

    def robots(self) -> str:
        walls = [robots_prefix(c) for c in self.plan.columns.values() if c.access == "robots"]
        return DEFAULT_ROBOTS + "".join(f"Disallow: {path}\n" for path in walls)

    def home(self) -> None:
        plan = self.plan
        news = "".join(f'<li><a href="/xwzx/">{_e(plan.government.name)}召开常务会议</a></li>' for _ in range(1))
        body = (f'<div class="main"><div class="banner">{_e(plan.government.name)}门户网站</div>'
                f'<ul class="news">{news}</ul></div>')
        self.add("/", self.page(plan.government.name, body))
        for text, path in plan.nav_noise:
            self.add(path, self.page(text, f'<div class="main"><h2>{_e(text)}</h2><p>暂无信息</p></div>'))
        if plan.middle:
            path, text = plan.middle
            body = (f'<div class="main"><h2>{_e(text)}</h2><ul><li><a href="{plan.platform_path}">'
                    f'{_e(plan.platform_wording)}</a></li><li><a href="/zcjd/">政策解读</a></li></ul></div>')
            self.add(path, self.page(text, body))

    def platform_page(self) -> None:
        plan = self.plan
        links = [(f"{plan.platform_path}{folder}/", text) for text, folder in PLATFORM_NOISE[:4]]
        for key in plan.roots:
            column = plan.columns[key]
            links.insert(3, (column.stub or first_page(column), column.link_text))
            if column.stub:
                self.add(column.stub, Resource(_REDIRECT_STUB.format(title=_e(column.title),
                                                                     target=first_page(column)).encode("utf-8"),
                                               "text/html; charset=utf-8"))
        # Hrefs with their query's & as written (Epoint's, Cicro's column links), as many portals do.
        items = "".join(f'<li><a href="{_e(href).replace("&amp;", "&")}">{_e(text)}</a></li>' for href, text in links)
        body = (f'<div class="position">当前位置：<a href="/">首页</a> &gt; {_e(plan.platform_wording)}</div>\n'
                f'<div class="main"><div class="gkml"><ul class="catalog">{items}</ul></div></div>')
        self.add(plan.platform_path, self.page(plan.platform_wording, body))
        for text, folder in PLATFORM_NOISE[:4]:
            path = f"{plan.platform_path}{folder}/"
            self.add(path, self.page(text, f'<div class="main"><h2>{_e(text)}</h2><p>暂无信息</p></div>'))

    # columns

    def column(self, column: ColumnPlan) -> None:
        for item in column.items:
            if item.offsite is None:
                self.details(item)
        if column.access == "script_only":
            self.add(first_page(column).split("#")[0],
                     Resource(_LOADING_SHELL.format(title=_e(column.title), channel=column.key).encode("utf-8"),
                              "text/html; charset=utf-8"))
            return
        if column.children:
            self.index(column)
            return
        render: Callable[[ColumnPlan], None] = {
            "trs": self.trs, "hanweb": self.hanweb, "vsb": self.vsb, "ucap": self.numbered,
            "static": self.numbered, "gkmlpt": self.gkmlpt, "epoint": self.epoint, "cicro": self.cicro,
        }[column.platform]
        render(column)

    def position(self, column: ColumnPlan) -> str:
        trail = ['<a href="/">首页</a>', f'<a href="{self.plan.platform_path}">{_e(self.plan.platform_wording)}</a>']
        parent = column.parent
        chain = []
        while parent is not None:
            up = self.plan.columns[parent]
            chain.append(f'<a href="{first_page(up)}">{_e(up.title)}</a>')
            parent = up.parent
        return '<div class="position">当前位置：' + " &gt; ".join(trail + chain[::-1] + [_e(column.title)]) + "</div>"

    def index(self, column: ColumnPlan) -> None:
        """A column split into sub-columns: links titled "2023年", 部门, a unit's name."""
        children = [self.plan.columns[k] for k in column.children]
        items = "".join(f'<li><a href="{_e(first_page(c))}" title="{_e(c.link_text)}">{_e(c.link_text)}</a></li>'
                        for c in children)
        body = (f"{self.position(column)}\n<div class=\"main\"><div class=\"list-title\">{_e(column.title)}</div>\n"
                f'<ul class="subcolumns">{items}</ul></div>')
        path = first_page(column)
        head = ""
        if column.platform == "hanweb":
            body += '\n<script language="javascript" src="/module/web/jpage/jpage.js"></script>'
        if column.platform == "epoint":  # the category's shell all the same: its (empty) list comes from the API
            head = _EPOINT_HEAD
            self.epoint_lists[_epoint_key(column)] = []
        self.add(path, self.page(f"{column.title}_{self.plan.government.name}", body, head))

    def _href(self, from_page: str, item: Item, relative: bool) -> str:
        if item.offsite is not None:
            return f"http://{item.offsite[0]}:{self.port}{item.offsite[1]}"
        link = item.entry.link_path
        if not relative:
            return link
        href = _rel(from_page, link)
        return href if href.startswith("../") else "./" + href

    def _list(self, column: ColumnPlan, path: str, rows: list[Item], pager: str, head: str = "",
              relative: bool = True, line_ids: bool = False) -> Resource:
        lis = []
        for i, item in enumerate(rows):
            e = item.entry
            extra = f' id="line_u8_{i}"' if line_ids else ""
            lis.append(f'<li{extra}><a href="{_e(self._href(path, item, relative))}" target="_blank" '
                       f'title="{_e(e.title)}">{_e(e.title)}</a><span class="date">{e.published:%Y-%m-%d}</span></li>')
        body = (f"{self.position(column)}\n<div class=\"main\"><div class=\"list-title\">{_e(column.title)}</div>\n"
                f'<ul class="list">\n' + "\n".join(lis) + f"\n</ul>\n{pager}\n</div>")
        return self.page(f"{column.title}_{self.plan.government.name}", body, head, modified=self._newest(column))

    def _newest(self, column: ColumnPlan):
        return _stamp(max(i.entry.published for i in column.items)) if column.items else None

    def _rows(self, column: ColumnPlan, index: int) -> list[Item]:
        return column.items[index * column.per_page:(index + 1) * column.per_page]

    def trs(self, column: ColumnPlan) -> None:
        pages = column_pages(column)
        for index, path in enumerate(pages):
            if column.params.get("pager") == "countPage":
                pager, head = _COUNT_PAGE.format(index=index, count=len(pages)), ""
            else:
                pager = (f'<div class="page"><script type="text/javascript">createPageHTML({len(pages)}, {index}, '
                         '"index", "html");</script></div>')
                head = markup._CREATE_PAGE_HTML
            self.add(path, self._list(column, path, self._rows(column, index), pager, head))

    def numbered(self, column: ColumnPlan) -> None:
        pages = column_pages(column)
        style = "absolute" if column.platform == "ucap" else "relative"
        for index, path in enumerate(pages):
            pager = markup._numbered_pager(pages, index, path, style)
            self.add(path, self._list(column, path, self._rows(column, index), pager, relative=style == "relative"))

    def vsb(self, column: ColumnPlan) -> None:
        pages = column_pages(column)
        n = len(pages)
        for index, path in enumerate(pages):
            parts = []
            for i in range(n):
                parts.append(f'<span class="p_no_d">{i + 1}</span>' if i == index else
                             f'<span class="p_no"><a href="{_rel(path, pages[i])}">{i + 1}</a></span>')
            if index + 1 < n:
                parts.append(f'<span class="p_next p_fun"><a href="{_rel(path, pages[index + 1])}">下页</a></span>')
                parts.append(f'<span class="p_last p_fun"><a href="{_rel(path, pages[-1])}">尾页</a></span>')
            pager = ('<div class="pb_sys_common pb_sys_normal pb_sys_style1">'
                     f'<span class="p_t">共{len(column.items)}条</span> <span class="p_pages">{"".join(parts)}</span> '
                     f'<span class="p_t">{index + 1}/{n}</span></div>')
            head = '<script type="text/javascript" src="/system/resource/js/counter.js"></script>\n'
            resource = self._list(column, path, self._rows(column, index), pager, head, line_ids=True)
            self.add(path, resource)

    def cicro(self, column: ColumnPlan) -> None:
        """iList.jsp?cat_id=N pages in 昌吉's Amaze UI template: ul.commonList_dot items (the
        full title in title=, the text cut short), an am-pagination pager whose 尾页 link names
        the last page (fixture cicro_ilist_ul.html)."""
        pages = column_pages(column)
        n = len(pages)
        for index, path in enumerate(pages):
            lis = []
            for item in self._rows(column, index):
                e = item.entry
                shown = e.title if len(e.title) <= 18 else e.title[:16] + "…"
                lis.append(f'<li><a href="{_e(self._href(path, item, False))}" title="{_e(e.title)}" '
                           f'target="_blank">{_e(shown)}</a><span class="a_date">{e.published:%Y-%m-%d}</span></li>')

            def link(text: str, to: int | None, active: bool = False) -> str:
                if to is None:
                    return f'<li class="am-disabled"><a href="#">{text}</a></li>'
                state = ' class="am-active"' if active else ""
                return f'<li{state}><a href="{_e(pages[to])}">{text}</a></li>'

            parts = [link("首页", 0 if index else None), link("上一页", index - 1 if index else None)]
            parts += [link(str(i + 1), i, i == index) for i in range(max(0, index - 1), min(n, index + 3))]
            parts += [link("下一页", index + 1 if index + 1 < n else None), link("尾页", n - 1 if index + 1 < n else None)]
            body = (f"{self.position(column)}\n<div class=\"am-u-md-9\"><div class=\"am-padding-sm\">\n"
                    f'<ul class="commonList_dot am-padding-sm">\n' + "\n".join(lis) + "\n</ul>\n"
                    f'<ul class="am-pagination am-pagination-centered">{"".join(parts)}'
                    f"<li><span>共{n}页</span></li></ul>\n</div></div>")
            self.add(path, self.page(f"{column.title}-{self.plan.government.name}", body, modified=self._newest(column)))

    def epoint(self, column: ColumnPlan) -> None:
        """The govInfoPub shell: no list in the page; the site script names siteGuid and
        projectName, the list is the API's (fixture epoint_govinfopub.html)."""
        body = (f"{self.position(column)}\n<div class=\"ewb-container\"><div class=\"ewb-right\">\n"
                f'<div class="ewb-right-hd">{_e(column.title)}</div>\n<ul class="ewb-info-list" id="infolist"></ul>\n'
                '<div class="ewb-page" id="pager"></div>\n</div></div>\n<script>\n  $(function () {\n'
                '    var categorynum = getQueryString("categorynum"), deptcode = getQueryString("deptcode");\n'
                "    getGovInfoPubList(deptcode, categorynum, 0);\n  });\n</script>")
        self.add(first_page(column), self.page(f"{column.title}_{self.plan.government.name}", body, _EPOINT_HEAD,
                                               modified=self._newest(column)))
        self.epoint_lists[_epoint_key(column)] = [self._epoint_row(column, item) for item in column.items]

    def _epoint_row(self, column: ColumnPlan, item: Item) -> dict[str, str]:
        e = item.entry
        return {"infoid": guid(f"{self.plan.host}/{e.id}"), "title": e.title,
                "realtitle": e.title, "infourl": self._href("", item, False), "infodate": f"{e.published:%Y-%m-%d}",
                "categoryname": column.title}

    def epoint_site(self) -> None:
        """The site script (any query: the pages add ?v=…) and the list API: a POST of a JSON body
        {deptcode, categorynum, pageIndex (from 0), pageSize, siteGuid}, Content-Type
        application/json; anything else gets Epoint's error answer (custom "", status code 0).
        A `wrapped` site reads only {"params": {…}} and sends custom as a JSON string."""
        site, lists = self.plan.site, self.epoint_lists
        guid, wrapped = site["siteGuid"], bool(site["wrapped"])
        info = {"siteGuid": guid, "projectName": site["projectName"], "webVersion": "5.0", "vname": "/",
                "tempVersion": "20200630144301"}
        script = (f"var siteInfo = {json.dumps(info)}\n" + _EPOINT_SCRIPT_BODY).encode("utf-8")
        self.routes.handlers[("GET", EPOINT_SCRIPT)] = \
            lambda query, form: Resource(script, "application/javascript;charset=UTF-8")

        def answer(custom: object, code: int = 1, text: str = "操作成功") -> Resource:
            payload = {"custom": custom, "status": {"code": code, "text": text, "url": ""}}
            return Resource(json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json;charset=UTF-8")

        def api(query: dict[str, str], posted: Posted) -> Resource:
            if "application/json" not in posted.content_type.lower():
                return answer("", 0, "请求的Content-Type必须为application/json")
            try:
                body = json.loads(posted.body.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                return answer("", 0, "请求参数格式错误")
            if wrapped:
                body = body.get("params") if isinstance(body, dict) else None
            if not isinstance(body, dict):
                return answer("", 0, "params参数缺失")
            if body.get("siteGuid") != guid:
                return answer("", 0, "siteGuid无效")
            try:
                index, size = max(int(body.get("pageIndex") or 0), 0), min(max(int(body.get("pageSize") or 10), 1), 100)
            except (TypeError, ValueError):
                return answer("", 0, "请求参数格式错误")
            rows = lists.get((str(body.get("categorynum", "")), str(body.get("deptcode", ""))), [])
            custom: object = {"data": rows[index * size:(index + 1) * size], "total": len(rows)}
            return answer(json.dumps(custom, ensure_ascii=False) if wrapped else custom)

        self.routes.body_handlers[site["projectName"] + EPOINT_API] = api

    def _hanweb_record(self, item: Item) -> str:
        e = item.entry
        return (f'<record><![CDATA[\n<li><a href="{_e(self._href("", item, False))}" title="{_e(e.title)}" '
                f'target="_blank">{_e(e.title)}</a><span class="bt-data-time">{e.published:%Y-%m-%d}</span></li>]]>'
                "</record>")

    def hanweb(self, column: ColumnPlan) -> None:
        p = column.params
        unitid, columnid, perpage = p["unitid"], p["columnid"], int(p["perpage"])
        group = perpage * int(p["groupsize"])
        listed = list(column.items)
        records = "\n".join(self._hanweb_record(i) for i in listed[:group])
        param = (f"{{col:1,appid:1,webid:{p['webid']},path:'/',columnid:{columnid},sourceContentType:1,"
                 f"unitid:'{unitid}',webname:'{self.plan.government.name}',permissiontype:0}}")
        # The jpage link to the next group; the script POSTs to the proxy with the param_<unitid> form.
        nextgroup = (f"/module/web/jpage/dataproxy.jsp?page=1&webid={p['webid']}&path=/&columnid={columnid}"
                     f"&unitid={unitid}&webname={quote(self.plan.government.name)}&permissiontype=0")
        body = (
            f"{self.position(column)}\n"
            f'<div class="main"><div class="list-title">{_e(column.title)}</div>\n'
            f'<div class="default_pgContainer" id="{unitid}">\n'
            f"<script type=\"text/xml\">\n<datastore>\n<nextgroup><![CDATA[<a href=\"{nextgroup}\"></a>]]></nextgroup>\n<recordset>\n{records}\n</recordset>\n</datastore>\n</script>\n"
            '</div>\n<script language="javascript" src="/module/web/jpage/jpage.js"></script>\n'
            f'<script type="text/javascript">\nvar param_{unitid} = {param};\n'
            f"$(document).ready(function(){{ $('#{unitid}').jpage({{ baseUrl: '/module/web/jpage/dataproxy.jsp', "
            f"dataStore: dataStore, proxyUrl: '/module/web/jpage/dataproxy.jsp', perPage: {perpage}, "
            f"totalRecord: {len(listed)}, groupSize: {p['groupsize']}, barPosition: 'bottom', "
            f"ajaxParam: param_{unitid}, showMode: 'full', themeName: 'default' }}); }});\n</script>\n</div>"
        )
        self.add(first_page(column), self.page(f"{column.title} {self.plan.government.name}", body,
                                               modified=self._newest(column)))
        columns = self.routes.handlers.get(("POST", "/module/web/jpage/dataproxy.jsp"))
        table = getattr(columns, "columns", None)
        if table is None:
            table = {}

            def dataproxy(query: dict[str, str], form: dict[str, str]) -> Resource:
                found = table.get(form.get("columnid", ""))
                rows: list[str] = []
                total, per = 0, 1
                if found is not None and form.get("unitid") == str(found[0]):
                    _, items, per = found
                    total = len(items)
                    try:
                        start, end = int(query.get("startrecord", "")), int(query.get("endrecord", ""))
                    except ValueError:
                        start, end = 1, 0
                    rows = items[max(start, 1) - 1:max(end, 0)]
                xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n'
                       f"<totalrecord>{total}</totalrecord>\n<totalpage>{-(-total // per)}</totalpage>\n"
                       "<recordset>\n" + "\n".join(rows) + "\n</recordset>\n</datastore>\n")
                return Resource(xml.encode("utf-8"), "text/xml;charset=UTF-8")

            dataproxy.columns = table  # type: ignore[attr-defined]
            self.routes.handlers[("POST", "/module/web/jpage/dataproxy.jsp")] = dataproxy
        table[str(columnid)] = (unitid, [self._hanweb_record(i) for i in listed], perpage)

    def gkmlpt(self, column: ColumnPlan) -> None:
        sid, cat = str(column.params["sid"]), int(column.params["cat"])
        listed, port, host = list(column.items), self.port, self.plan.host
        head = ("<script>\n  window._CONFIG = {\n"
                f"    SID: '{sid}',\n    SITE_NAME: '{self.plan.government.name}',\n    IS_MOBILE: false,\n"
                "    API_BASE: '/gkmlpt/api'\n  };\n</script>\n")
        body = ('<div id="app"></div>\n<noscript><ul class="classify">'
                f'<li><a href="/gkmlpt/index#{cat}">{_e(column.title)}</a></li></ul></noscript>\n'
                '<script src="/gkmlpt/static/js/manifest.js"></script><script src="/gkmlpt/static/js/app.js"></script>')
        self.add("/gkmlpt/index", self.page(f"政府信息公开_{self.plan.government.name}", body, head))
        per_page = column.per_page

        def article(item: Item) -> dict[str, object]:
            e = item.entry
            stamp = int(_stamp(e.published).timestamp())
            url = self._href("", item, False)
            return {"id": e.id, "title": e.title, "url": url if url.startswith("http") else f"http://{host}:{port}{url}",
                    "publisher": self.plan.government.name, "date": stamp, "display_publish_time": stamp,
                    "first_publish_time": stamp, "created_at": f"{e.published:%Y-%m-%d %H:%M:%S}",
                    "classify_main_name": column.title}

        def api(query: dict[str, str], form: dict[str, str]) -> Resource:
            if query.get("sid") != sid:
                return Resource(b'{"code": 400, "message": "invalid sid"}', "application/json;charset=UTF-8", status=400)
            try:
                page = max(int(query.get("page", "1")), 1)
            except ValueError:
                page = 1
            rows = listed[(page - 1) * per_page:page * per_page]
            payload = {"articles": [article(i) for i in rows], "total": len(listed),
                       "classify": {"id": cat, "name": column.title}}
            return Resource(json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json;charset=UTF-8")

        self.routes.handlers[("GET", f"/gkmlpt/api/all/{cat}")] = api

    # details

    def details(self, item: Item) -> None:
        entry, site = item.entry, self.site
        if entry.path is not None:
            self.add(entry.path, self._detail_page(entry))
        if entry.attachment is not None:
            self.add(entry.attachment, markup._attachment(site, entry, self.cache))

    def _detail_page(self, entry: Entry) -> Lazy:
        site, now = self.site, copy.copy(entry)

        def render() -> Resource:
            if now.form != "html" and now.role == "report":
                content = f"<p>{_e(now.title)}详见附件。</p>" + markup._attachment_link(site, now)
            elif now.tables is not None:
                return markup._page(site, markup._report_html(site, now), _stamp(now.published))
            else:
                content = "\n".join(f"<p>{_e(p)}</p>" for p in markup._paragraphs(site, now))
            body = (f'<div class="main"><div class="article">\n<h1 class="title">{_e(now.title)}</h1>\n'
                    f'<div class="info">发布时间：{now.published:%Y-%m-%d %H:%M}　来源：{_e(site.name)}</div>\n'
                    f'<div class="content" id="zoom">\n{content}\n</div>\n</div></div>')
            head = f'<meta name="ArticleTitle" content="{_e(now.title)}">\n'
            return self.page(f"{now.title}_{site.name}", body, head, modified=_stamp(now.published))

        return _once(render)


_EPOINT_HEAD = ('<script src="/js/lib/jquery.min.js"></script>\n'
                f'<script src="{EPOINT_SCRIPT}?v=20240115"></script>\n<script src="/js/ajaxReq.js"></script>\n')
# After siteInfo, the site script's list call (shortened from a real webBuilderCommon.js).
_EPOINT_SCRIPT_BODY = """var WebUtil = {
    getGovInfoList: function (deptcode, categorynum, pageIndex, pageSize, callback) {
        var str = {"deptcode": deptcode, "categorynum": categorynum, "pageIndex": pageIndex, "pageSize": pageSize,
                   "siteGuid": siteInfo.siteGuid};
        $.ajax({url: siteInfo.projectName + "/rest/lightfrontaction/getgovinfolist", type: "post",
                contentType: "application/json", data: JSON.stringify(str),
                success: function (msg) { callback(msg.custom); }});
    }
};
"""


def _epoint_key(column: ColumnPlan) -> tuple[str, str]:
    return str(column.params["categorynum"]), str(column.params["deptcode"])


def _based(column: ColumnPlan, base: str) -> ColumnPlan:
    from .truth import _with_base

    return _with_base(column, base)


def build_portal(plan: PortalPlan, port: int, cache: AttachmentCache) -> Routes:
    """Everything the portal serves on `port` in its plan's current state."""
    return PageSet(plan, port, cache).build()
