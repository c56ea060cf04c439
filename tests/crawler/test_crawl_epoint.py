"""A crawl of a 新点 (Epoint) WebBuilder portal on loopback: the column page is a shell, the site
script names siteGuid and projectName, and the list comes by POST of a raw JSON body to
``{projectName}/rest/lightfrontaction/getgovinfolist`` (crawler/platforms/epoint.py). Every listed
report is archived; the API is asked for each page once, with the site's own siteGuid, the
column's categorynum and deptcode, and a JSON content type; a second site answers only the body
wrapped as ``{"params":{…}}`` (营口's variant) and is read too."""

from __future__ import annotations

import json
import threading
from html import escape
from pathlib import Path
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from nianbao.devportal.crawl_process import archived_records, run_crawl
from nianbao.devportal.sites import agencies_toml

HOSTS = {"bare": "127.0.4.1", "wrapped": "127.0.4.2"}
SITE_GUIDS = {"bare": "3373428a-5c73-4318-83c9-32cf98fea0d3", "wrapped": "7eb5f7f1-9041-43ad-8e13-8fcb82ea831a"}
PROJECTS = {"bare": "/EWB-FRONT", "wrapped": "/EWB_YK_Mid"}
NAMES = {"bare": "丙市人民政府", "wrapped": "丁市人民政府"}
REPORTS = 27  # over two API pages of 20
COLUMN = "/dynamic/zwgk/govInfoPub.html?categorynum=003006&deptcode=001001"
SEED = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "seeds" / "000_1cbfe8eba3cb4c24.txt"


def _report_path(n: int) -> str:
    return f"/zwgk/003006/2024012{n % 10}/a{n:04d}.html"


def _title(site: str, n: int) -> str:
    return f"{NAMES[site]}{2000 + n}年政府信息公开工作年度报告"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _site(self) -> str:
        return next(k for k, host in HOSTS.items() if self.server.server_address[0] == host)

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        site, path = self._site(), self.path
        self.server.log.append((site, "GET", path, None, None))
        if path == "/robots.txt":
            return self._send(404, b"", "text/plain")
        if path == COLUMN:
            page = ('<html><head><meta charset="utf-8"><title>政府信息公开年报</title>'
                    '<script src="/js/webBuilderCommon.js?v=1"></script></head><body>'
                    '<ul class="ewb-info-list" id="infolist"></ul></body></html>')
            return self._send(200, page.encode(), "text/html; charset=utf-8")
        if path.startswith("/js/webBuilderCommon.js"):
            info = {"siteGuid": SITE_GUIDS[site], "projectName": PROJECTS[site], "webVersion": "5.0"}
            return self._send(200, f"var siteInfo = {json.dumps(info)}\nvar WebUtil = {{}};\n".encode(),
                              "application/javascript")
        for n in range(REPORTS):
            if path == _report_path(n):
                title = _title(site, n)
                text = escape(SEED.read_text(encoding="utf-8"))  # a real report's text under this title
                page = (f'<html><head><meta charset="utf-8"><title>{title}</title></head><body><h1>{title}</h1>'
                        f'<pre>{text}</pre></body></html>')
                return self._send(200, page.encode(), "text/html; charset=utf-8")
        self._send(404, b"not found", "text/plain")

    def do_POST(self) -> None:
        site = self._site()
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.log.append((site, "POST", self.path, self.headers.get("Content-Type"), raw))
        if self.path != PROJECTS[site] + "/rest/lightfrontaction/getgovinfolist":
            return self._send(404, b"not found", "text/plain")
        try:
            body = json.loads(raw)
        except json.JSONDecodeError:
            return self._send(200, b'{"custom":"","status":{"code":0,"text":"bad request"}}', "application/json")
        if site == "wrapped":
            if "params" not in body:  # this site reads only the wrapped body
                return self._send(200, b'{"custom":"","status":{"code":0,"text":"params missing"}}', "application/json")
            body = body["params"]
        ok = body.get("siteGuid") == SITE_GUIDS[site] and body.get("categorynum") == "003006"
        index, size = int(body.get("pageIndex", 0)), int(body.get("pageSize", 10))
        items = [{"title": _title(site, n), "infourl": _report_path(n), "infodate": f"2024-01-2{n % 10}"}
                 for n in range(index * size, min((index + 1) * size, REPORTS))] if ok else []
        custom: object = {"data": items, "total": REPORTS if ok else 0}
        if site == "wrapped":
            custom = json.dumps(custom, ensure_ascii=False)  # custom as a JSON string
        answer = {"custom": custom, "status": {"code": 1, "text": "操作成功"}}
        self._send(200, json.dumps(answer, ensure_ascii=False).encode(), "application/json;charset=utf-8")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Iterator[dict]:
    log: list = []
    servers = []
    for host in HOSTS.values():
        server = ThreadingHTTPServer((host, 0), _Handler)
        server.log = log
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    root = tmp_path_factory.mktemp("epoint")
    urls = {site: f"http://{host}:{server.server_address[1]}" for (site, host), server in zip(HOSTS.items(), servers)}
    registry = root / "registry.toml"
    registry.write_text(agencies_toml([{"name": NAMES[site], "region": "江苏省/某市", "kind": "government",
                                        "list_urls": [urls[site] + COLUMN]} for site in HOSTS]), encoding="utf-8")
    try:
        result = run_crawl(registry, root / "data")
        yield {"result": result, "urls": urls, "log": log, "archived": archived_records(root / "data")}
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


@pytest.mark.parametrize("site", list(HOSTS))
def test_every_report_of_an_epoint_column_is_archived(crawled, site: str) -> None:
    wanted = {crawled["urls"][site] + _report_path(n) for n in range(REPORTS)}
    assert wanted <= set(crawled["archived"]), crawled["result"].stdout + crawled["result"].stderr


def test_the_list_api_is_asked_each_page_once_with_the_sites_own_guid(crawled) -> None:
    posts = [(json.loads(raw), ctype) for site, method, _, ctype, raw in crawled["log"] if site == "bare" and method == "POST"]
    assert sorted(body["pageIndex"] for body, _ in posts) == [0, 1]
    for body, ctype in posts:
        assert ctype == "application/json"
        assert body["siteGuid"] == SITE_GUIDS["bare"]
        assert (body["categorynum"], body["deptcode"]) == ("003006", "001001")


def test_a_site_that_wants_the_body_wrapped_is_asked_again_wrapped(crawled) -> None:
    posts = [json.loads(raw) for site, method, _, _, raw in crawled["log"] if site == "wrapped" and method == "POST"]
    assert "params" not in posts[0]
    wrapped = sorted(body["params"]["pageIndex"] for body in posts if "params" in body)
    assert wrapped == [0, 1]
