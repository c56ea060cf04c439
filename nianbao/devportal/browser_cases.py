"""Sites of the simulated portal that only a browser reads (issue 15), kept apart from `new_sites()`
so the plain portal, its crawl tests and `nianbao demo` are unchanged: `Portal(sites=browser_sites())`.

| site      | address     | agency (kind)                    | what a plain client gets                          |
|-----------|-------------|----------------------------------|---------------------------------------------------|
| challenge | 127.0.0.21  | 云溪市交通运输局 (department)    | HTTP 412 and a script that computes a cookie and  |
|           |             |                                  | reloads (瑞数-style), on every page until the     |
|           |             |                                  | cookie is sent; then a plain static list          |
| scripted  | 127.0.0.22  | 云溪市教育局 (department)        | a list page whose items a script fetches from a   |
|           |             |                                  | JSON endpoint (two pages, the pager also built    |
|           |             |                                  | by script)                                        |
| shell     | 127.0.0.23  | 云溪市民政局 (department)        | a `location.replace` shell whose target is        |
|           |             |                                  | computed (no literal URL), and the target's list  |
|           |             |                                  | written by script from an inline array            |
| human     | 127.0.0.24  | 云溪市卫生健康委员会 (department)| HTTP 412 and a slider a person must drag: no      |
|           |             |                                  | script passes it, so it stays blocked             |

Report pages and attachments are plain HTML/PDF (behind the challenge on `challenge`, so they are
reached only with the cookie the browser earned). `browser_expected(sites, port)` is what a
complete crawl must find.

`paced_sites()` is one more (127.0.0.25, for the browser's politeness: tests/crawler/
test_browser_politeness.py): the challenge in front of a list its script file (/js/ndbg.js) builds
from the JSON endpoint, the page also asking for what nianbao must not fetch: an image, a third
party's script (`THIRD_PARTY_OCTET`, where nothing listens) and a visit counter under a path its
robots.txt disallows (`COUNTER_PATH`); its PDF attachment passes the challenge only with the
browser's own client hints besides the cookie (`ATTACHMENTS_BOUND`), so the browser fetches it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from http.cookies import SimpleCookie

from .markup import AttachmentCache, Resource, Routes, _chrome, _detail_routes, _e, _head, _li, _newest, _page
from .sites import DEFAULT_ROBOTS, Entry, Site, normalize_target, other_entry, report_entry, site_url

CHALLENGE_COOKIE = "nb_jsl_clearance"
# What the challenge script computes (a plain client sees only the expression, never the value).
CHALLENGE_VALUE = format(7919 * 104729, "x")
HUMAN_TITLE = "安全验证"
COUNTER_PATH = "/stat/"  # the paced case's visit counter, disallowed by its robots.txt
THIRD_PARTY_OCTET = 26  # the paced case's third-party script host (nothing listens there)
# Where the paced case's challenge also checks the client: its attachments (its PDF report), which
# a plain request with the browser's cookie does not get (the browser fetches them itself).
ATTACHMENTS_BOUND = ".pdf"


def _challenge_page(status: int) -> Resource:
    script = (
        "<script>\n"
        f"var v = (7919 * 104729).toString(16);\n"
        f"document.cookie = '{CHALLENGE_COOKIE}=' + v + '; path=/';\n"
        "location.reload();\n"
        "</script>"
    )
    body = f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{script}</body></html>'
    return Resource(body.encode("utf-8"), "text/html; charset=utf-8", status=status)


def _human_page() -> Resource:
    body = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>安全验证</title></head><body>'
        '<div class="verify"><p>请拖动下方滑块完成安全验证后继续访问</p><div id="slider" class="slider"></div></div>'
        "<script>document.getElementById('slider').addEventListener('mouseup', function (e) {"
        " if (e.isTrusted && e.clientX > 260) { document.cookie = 'hv=1; path=/'; location.reload(); } });"
        "</script></body></html>"
    )
    return Resource(body.encode("utf-8"), "text/html; charset=utf-8", status=412)


def _has_cookie(headers: Message, name: str, value: str) -> bool:
    jar = SimpleCookie()
    for line in headers.get_all("Cookie") or ():
        jar.load(line)
    return name in jar and jar[name].value == value


def challenge_gate(status: int = 412, *, bound: str | None = None) -> Callable[[Message, str], Resource | None]:
    """The wall while the challenge's cookie is not sent; for paths ending in `bound` also while
    the request does not come from the browser that earned it (no client hints, `Sec-CH-UA`, which
    Chromium sends and a plain client does not: a wall checking the client as 瑞数's do), so
    there the cookie alone does not pass."""
    wall = _challenge_page(status)

    def gate(headers: Message, path: str) -> Resource | None:
        if not _has_cookie(headers, CHALLENGE_COOKIE, CHALLENGE_VALUE):
            return wall
        if bound is not None and path.endswith(bound) and not headers.get("Sec-CH-UA"):
            return wall
        return None

    return gate


def _list_html(site: Site, entries: list[Entry], pager: str = "") -> str:
    items = "\n".join(_li(e.link_path, e) for e in entries)
    return f'<div class="main"><div class="list-title">政府信息公开年度报告</div>\n<ul class="list">\n{items}\n</ul>\n{pager}</div>'


def _challenge_routes(site: Site, routes: Routes) -> None:
    head = _head(site, f"政府信息公开年度报告_{site.name}", "政府信息公开年度报告")
    routes.pages[site.list_path] = _page(site, _chrome(site, head, _list_html(site, site.listed)), _newest(site))
    routes.gate = challenge_gate()


def _scripted_routes(site: Site, routes: Routes, *, script_file: str | None = None, extras: str = "") -> None:
    """The column page carries no item: its script fetches /api/ndbg?page=N and writes the list
    and a 下一页 link (index.html?page=N+1) while there are more. `script_file`: the script is
    served there and the page loads it; `extras`: more markup for the page."""
    per_page = site.per_page
    listed = site.listed
    pages = max(1, -(-len(listed) // per_page))
    script = (
        "<script>\n"
        "var page = parseInt(new URLSearchParams(location.search).get('page') || '1', 10);\n"
        "fetch('/api/ndbg?page=' + page).then(function (r) { return r.json(); }).then(function (data) {\n"
        "  var html = '<ul class=\"list\">';\n"
        "  data.rows.forEach(function (row) {\n"
        "    html += '<li><a href=\"' + row.url + '\" title=\"' + row.title + '\">' + row.title + '</a>'"
        " + '<span class=\"date\">' + row.date + '</span></li>';\n"
        "  });\n"
        "  html += '</ul>';\n"
        "  if (page < data.pages) { html += '<div class=\"page\"><a href=\"index.html?page=' + (page + 1) + '\">下一页</a></div>'; }\n"
        "  document.getElementById('list').innerHTML = html;\n"
        "});\n"
        "</script>"
    )
    if script_file is not None:
        code = script.removeprefix("<script>\n").removesuffix("</script>")
        routes.pages[script_file] = Resource(code.encode("utf-8"), "application/javascript; charset=utf-8",
                                             modified=_newest(site))
        script = f'<script src="{script_file}"></script>'
    head = _head(site, f"政府信息公开年度报告_{site.name}", "政府信息公开年度报告")
    body = (f'<div class="main"><div class="list-title">政府信息公开年度报告</div><div id="list">加载中……</div>'
            f'{script}{extras}</div>')
    page = _page(site, _chrome(site, head, body), _newest(site))
    routes.pages[site.list_path] = page
    for n in range(2, pages + 1):  # the same page: its script reads ?page=N
        routes.pages[f"{site.list_path}?page={n}"] = page

    def api(query: dict[str, str], form: dict[str, str]) -> Resource:
        try:
            page = max(1, int(query.get("page", "1")))
        except ValueError:
            page = 1
        rows = [{"title": e.title, "url": e.link_path, "date": f"{e.published:%Y-%m-%d}"}
                for e in listed[(page - 1) * per_page:page * per_page]]
        payload = {"rows": rows, "page": page, "pages": pages, "total": len(listed)}
        return Resource(json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8",
                        modified=_newest(site))

    routes.handlers[("GET", "/api/ndbg")] = api


def _shell_routes(site: Site, routes: Routes) -> None:
    """index.html sends the browser to a target its script computes; the target's list is
    written by script from an inline array."""
    shell = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><script>"
             "location.replace(location.pathname.replace('index.html', 'list_' + 1 + '.html'));"
             "</script></head><body></body></html>")
    routes.pages[site.list_path] = Resource(shell.encode("utf-8"), "text/html; charset=utf-8")
    rows = [{"t": e.title, "u": e.link_path, "d": f"{e.published:%Y-%m-%d}"} for e in site.listed]
    script = (
        "<script>\n"
        f"var rows = {json.dumps(rows, ensure_ascii=False)};\n"
        "document.write('<ul class=\"list\">');\n"
        "rows.forEach(function (r) { document.write('<li><a href=\"' + r.u + '\" title=\"' + r.t + '\">' + r.t"
        " + '</a><span class=\"date\">' + r.d + '</span></li>'); });\n"
        "document.write('</ul>');\n"
        "</script>"
    )
    head = _head(site, f"政府信息公开年度报告_{site.name}", "政府信息公开年度报告")
    body = f'<div class="main"><div class="list-title">{_e("政府信息公开年度报告")}</div>{script}</div>'
    target = site.list_path.replace("index.html", "list_1.html")
    routes.pages[target] = _page(site, _chrome(site, head, body), _newest(site))


def _paced_routes(site: Site, routes: Routes) -> None:
    """The challenge in front of a list built by a script file, beside what nianbao must not fetch."""
    extras = (
        '<img src="/images/banner.png" alt="">\n<script>\n'
        f"var s = document.createElement('script'); s.src = 'http://127.0.0.{THIRD_PARTY_OCTET}:' + location.port"
        " + '/cdn/stat.js'; document.head.appendChild(s);\n"
        f"fetch('{COUNTER_PATH}visit?page=' + encodeURIComponent(location.pathname));\n"
        "</script>"
    )
    _scripted_routes(site, routes, script_file="/js/ndbg.js", extras=extras)
    routes.pages[f"{COUNTER_PATH}visit"] = Resource(b"{}", "application/json")
    routes.gate = challenge_gate(bound=ATTACHMENTS_BOUND)


def build_browser_routes(site: Site, routes: Routes, cache: AttachmentCache) -> Routes:
    """Everything a browser case serves (robots.txt is already in `routes`)."""
    if site.browser_case == "human":
        page = _human_page()
        routes.gate = lambda headers, path: page
        return routes
    _detail_routes(site, routes, cache)
    {"challenge": _challenge_routes, "scripted": _scripted_routes, "shell": _shell_routes,
     "paced": _paced_routes}[site.browser_case](site, routes)
    routes.pages = {normalize_target(target): page for target, page in routes.pages.items()}
    return routes


def _site(key: str, octet: int, name: str, list_path: str, next_id: int, **kwargs) -> Site:
    return Site(key, octet, None, name, "江苏省/云溪市", "department", list_path, next_id=next_id,
                browser_case=key, **kwargs)


def browser_sites() -> dict[str, Site]:
    """A fresh description of the browser cases, keyed by site."""
    challenge = _site("challenge", 21, "云溪市交通运输局", "/zwgk/ndbg/index.htm", 6101)
    challenge.entries = [
        report_entry(challenge, 2023, "2024-01-26 09:00"),
        other_entry(challenge, "云溪市交通运输局2023年度部门决算公开", "2023-07-01 09:00"),
        report_entry(challenge, 2022, "2023-01-19 10:00", form="pdf"),
    ]
    scripted = _site("scripted", 22, "云溪市教育局", "/xxgk/ndbg/index.html", 6201, per_page=2)
    scripted.entries = [
        report_entry(scripted, 2023, "2024-01-29 09:00"),
        other_entry(scripted, "云溪市教育局关于2023年秋季招生工作的通知", "2023-08-01 09:00"),
        report_entry(scripted, 2022, "2023-01-30 09:00"),
    ]
    shell = _site("shell", 23, "云溪市民政局", "/zwgk/nb/index.html", 6301)
    shell.entries = [
        report_entry(shell, 2023, "2024-01-24 09:00"),
        report_entry(shell, 2022, "2023-01-17 09:00"),
    ]
    human = _site("human", 24, "云溪市卫生健康委员会", "/xxgk/ndbg/index.html", 6401)
    return {site.key: site for site in (challenge, scripted, shell, human)}


def paced_sites() -> dict[str, Site]:
    """The paced case alone, keyed by site (its robots.txt also disallows the counter)."""
    paced = _site("paced", 25, "云溪市财政局", "/xxgk/ndbg/index.html", 6501, per_page=2,
                  robots=DEFAULT_ROBOTS + f"Disallow: {COUNTER_PATH}\n")
    paced.entries = [
        report_entry(paced, 2023, "2024-01-25 09:00"),
        other_entry(paced, "云溪市财政局2023年预算公开", "2023-02-01 09:00"),
        report_entry(paced, 2022, "2023-01-18 09:00", form="pdf"),
    ]
    return {"paced": paced}


@dataclass(frozen=True)
class BrowserExpected:
    outcome: str  # the CrawlOutcome a complete crawl records
    reports: frozenset[str]  # every report URL it must archive


def browser_expected(sites: dict[str, Site], port: int) -> dict[str, BrowserExpected]:
    """Agency name -> what a crawl with the browser path must come to."""
    expected = {}
    for site in sites.values():
        urls = frozenset(site_url(site.host, port, e.report_path) for e in site.entries if e.role == "report")
        expected[site.name] = BrowserExpected("blocked" if site.browser_case == "human" else "reached (browser)", urls)
    return expected
