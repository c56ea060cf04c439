"""A small simulated set of government portals for discovery (crawler.discovery): each site a
dict of pages served on its own loopback address 127.0.3.N (apart from the dev portal's
127.0.0.N), one port for all. Tests change the pages between crawls to move a column.

Sites (`DiscoveryPortal.SITES`):
- ``jia`` 甲县人民政府: home → 政务公开 platform → 政府信息公开年报 root, split into year
  sub-columns (gknb2023/, gknb2022/) and a unit sub-column (乡镇街道, xzjd/), each listing
  reports at TRS article addresses; a 部门信息公开 link; news and a 指南 article beside.
- ``yi`` 乙市人民政府: the root page is only ``location.href`` to /index.shtml; its home page
  links 信息公开 (/xxgk/), beside a 企业年报 link (company filings, a look-alike); the platform's
  年度报告 column lists its reports directly; robots.txt disallows /private/.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

HOSTS = {"jia": "127.0.3.1", "yi": "127.0.3.2"}
NAMES = {"jia": "甲县人民政府", "yi": "乙市人民政府"}


def _page(title: str, body: str) -> bytes:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f'<div class="top"><a href="/">首页</a> <a href="http://www.gov.cn/">中国政府网</a></div>{body}'
            '<div class="foot"><script src="https://pucha.kaipuyun.cn/exposure/jiucuo.js"></script></div>'
            '</body></html>').encode()


def _list(items: list[tuple[str, str, str]]) -> str:
    return '<ul class="list">' + "".join(f'<li><a href="{u}" title="{t}">{t}</a><span>{d}</span></li>'
                                         for u, t, d in items) + "</ul>"


def _report(title: str) -> bytes:
    return _page(title, f"<h1>{title}</h1><p>一、总体情况</p>")


def jia_pages() -> dict[str, bytes | tuple[int, str]]:
    y23 = "/zwgk/zfxxgknb/gknb2023/202401/t20240120_11.html"
    y22 = "/zwgk/zfxxgknb/gknb2022/202301/t20230118_7.html"
    town = "/zwgk/zfxxgknb/xzjd/202401/t20240125_15.html"
    return {
        "/": _page("甲县人民政府", '<ul class="nav"><li><a href="/xwzx/">新闻中心</a></li><li><a href="/zwgk/">政务公开</a>'
                   '</li><li><a href="/bsfw/">办事服务</a></li></ul>' + _list([
                       ("/xwzx/202403/t20240301_5.html", "县政府召开常务会议", "2024-03-01")])),
        "/zwgk/": _page("政务公开", '<ul class="menu"><li><a href="/zwgk/zn/t20230101_1.html">政府信息公开指南</a></li>'
                        '<li><a href="/zwgk/fdzdgknr/">法定主动公开内容</a></li>'
                        '<li><a href="/zwgk/zfxxgknb/">政府信息公开年报</a></li>'
                        '<li><a href="/zwgk/bmxxgk/">部门信息公开</a></li></ul>'),
        "/zwgk/fdzdgknr/": _page("法定主动公开内容", _list([("/zwgk/fdzdgknr/202402/t20240201_3.html", "关于印发某方案的通知",
                                                          "2024-02-01")])),
        "/zwgk/zfxxgknb/": _page("政府信息公开年报", '<ul class="sub"><li><a href="/zwgk/zfxxgknb/gknb2023/">2023年</a></li>'
                                 '<li><a href="/zwgk/zfxxgknb/gknb2022/">2022年</a></li>'
                                 '<li><a href="/zwgk/zfxxgknb/xzjd/">乡镇街道</a></li></ul>'),
        "/zwgk/zfxxgknb/gknb2023/": _page("2023年", _list([(y23, "甲县2023年政府信息公开工作年度报告", "2024-01-20")])),
        "/zwgk/zfxxgknb/gknb2022/": _page("2022年", _list([(y22, "甲县2022年政府信息公开工作年度报告", "2023-01-18")])),
        "/zwgk/zfxxgknb/xzjd/": _page("乡镇街道", _list([(town, "某镇2023年政府信息公开工作年度报告", "2024-01-25")])),
        y23: _report("甲县2023年政府信息公开工作年度报告"),
        y22: _report("甲县2022年政府信息公开工作年度报告"),
        town: _report("某镇2023年政府信息公开工作年度报告"),
        "/xwzx/": _page("新闻中心", _list([("/xwzx/202403/t20240301_5.html", "县政府召开常务会议", "2024-03-01")])),
        "/bsfw/": _page("办事服务", "<p>办事</p>"),
        "/robots.txt": b"User-agent: *\nDisallow:\n",
    }


def yi_pages() -> dict[str, bytes | tuple[int, str]]:
    r23 = "/xxgk/ndbg/202402/t20240205_21.html"
    return {
        "/": b'<html><head><script>window.location.href="/index.shtml";</script></head><body></body></html>',
        "/index.shtml": _page("乙市人民政府", '<ul class="nav"><li><a href="/xxgk/">信息公开</a></li>'
                              '<li><a href="/qynb/">企业年报</a></li><li><a href="/private/">内部</a></li></ul>'),
        "/xxgk/": _page("信息公开", '<div class="tree"><a href="/xxgk/zn/">政府信息公开指南</a>'
                        '<a href="/xxgk/ndbg/">年度报告</a><a href="/xxgk/ysqgk/">依申请公开</a></div>'),
        "/xxgk/ndbg/": _page("年度报告", _list([(r23, "乙市2023年政府信息公开工作年度报告", "2024-02-05")])),
        r23: _report("乙市2023年政府信息公开工作年度报告"),
        "/qynb/": _page("企业年报", "<p>企业年报公示</p>"),
        "/robots.txt": b"User-agent: *\nDisallow: /private/\n",
    }


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        portal: DiscoveryPortal = self.server.portal  # type: ignore[attr-defined]
        key = self.server.key  # type: ignore[attr-defined]
        path = self.path.split("?", 1)[0]
        page = portal.pages[key].get(path)
        portal.requests[(key, path)] += 1
        if isinstance(page, tuple):  # (status, Location)
            status, location = page
            self.send_response(status)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if page is None:
            body = b"<html><body>404 Not Found</body></html>"
            self.send_response(404)
        else:
            body = page
            self.send_response(200)
        kind = "text/plain" if path == "/robots.txt" else "text/html; charset=utf-8"
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class DiscoveryPortal:
    SITES = tuple(HOSTS)

    def __init__(self) -> None:
        self.pages = {"jia": jia_pages(), "yi": yi_pages()}
        self.requests: Counter[tuple[str, str]] = Counter()
        self.servers: list[ThreadingHTTPServer] = []
        self.port = 0

    def start(self) -> DiscoveryPortal:
        for key, host in HOSTS.items():
            server = ThreadingHTTPServer((host, self.port), _Handler)
            server.portal, server.key = self, key  # type: ignore[attr-defined]
            server.daemon_threads = True
            self.port = server.server_address[1]
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self.servers.append(server)
        return self

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()

    def url(self, key: str, path: str = "/") -> str:
        return f"http://{HOSTS[key]}:{self.port}{path}"

    def pages_fetched(self, key: str) -> int:
        """Requests the site answered, robots.txt not counted."""
        return sum(n for (site, path), n in self.requests.items() if site == key and path != "/robots.txt")

    def registry_toml(self) -> str:
        region = {"jia": "某省/某市/甲县", "yi": "某省/乙市"}
        return "".join(f'[[agency]]\nname = "{NAMES[key]}"\nregion = "{region[key]}"\nkind = "government"\n'
                       f'portal = "{self.url(key)}"\n\n' for key in HOSTS)


@pytest.fixture
def discovery_portal() -> Iterator[DiscoveryPortal]:
    portal = DiscoveryPortal().start()
    try:
        yield portal
    finally:
        portal.stop()
