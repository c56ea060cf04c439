"""Serving the simulated portal: `Portal` runs every site on its loopback address, one port.

    with Portal() as portal:
        portal.url("trs", "/xxgk/ndbg/index.html")   # http://127.0.0.11:<port>/xxgk/ndbg/index.html
        portal.requests.count("trs", "/xxgk/ndbg/index.html", method="GET", status=200)
        portal.expected                                  # the outcome a complete crawl must archive
        portal.publish("hanweb", 2024)                   # changes between crawls
        portal.edit(url); portal.remove(url)

Each site is a stdlib `ThreadingHTTPServer` in a daemon thread, bound only to 127.0.0.N
(N = 11, 12, …); detail pages and attachments are rendered on first request. Every 200
answer carries a stable `Last-Modified` and `ETag`; `If-None-Match` and
`If-Modified-Since` get 304. `portal.requests` records every request (site, host, method,
target, status, whether it was conditional). A Last-Modified changes only when the bytes do:
the first version is dated from the page (its publication, or the column's newest item), later
versions from the portal's clock, which each change moves on by a day.

`python -m nianbao.devportal.server [--port N] [--crawl-delay S] [--filler N]` serves until
interrupted and prints the registry of its agencies (TOML) on stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import logging
import signal
import socket
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import parse_qsl, urlsplit

from nianbao.devportal.render import ReportTables

from .expected import Expected, ExpectedReport, expected_from
from .browser_cases import build_browser_routes
from .markup import AttachmentCache, Resource, Routes, build_routes, robots_routes
from .sites import (
    Form,
    Site,
    edit_report,
    new_sites,
    normalize_target,
    publish_report,
    registry_toml,
    remove_report,
    site_url,
)

log = logging.getLogger(__name__)

CLOCK_START = datetime(2024, 4, 1, 0, 0, tzinfo=UTC)  # "now" for the portal's first versions
CLOCK_STEP = timedelta(days=1)


# ---------------------------------------------------------------------------------------------
# Counting requests


@dataclass(frozen=True)
class Hit:
    site: str
    host: str
    method: str
    target: str  # path and query, as requested
    status: int
    conditional: bool  # sent If-None-Match or If-Modified-Since
    at: float = 0.0  # time.monotonic() when the request arrived (politeness tests measure the gaps)


class RequestLog:
    """Every request the portal answered, countable by site/host, path, method and status."""

    def __init__(self) -> None:
        self._hits: list[Hit] = []
        self._lock = threading.Lock()

    def add(self, hit: Hit) -> None:
        with self._lock:
            self._hits.append(hit)

    def clear(self) -> None:
        with self._lock:
            self._hits.clear()

    @property
    def hits(self) -> list[Hit]:
        with self._lock:
            return list(self._hits)

    def __len__(self) -> int:
        with self._lock:
            return len(self._hits)

    def count(self, site: str | None = None, path: str | None = None, *, method: str | None = None,
              status: int | None = None, conditional: bool | None = None) -> int:
        """Requests matching every filter given. `site` is a site key or its host; `path` with a
        query matches that exact target (parameters in any order), without one any query."""
        wanted = normalize_target(path) if path and "?" in path else path
        n = 0
        for hit in self.hits:
            if site is not None and site not in (hit.site, hit.host):
                continue
            if wanted is not None:
                got = normalize_target(hit.target) if "?" in wanted else urlsplit(hit.target).path
                if got != wanted:
                    continue
            if method is not None and hit.method != method:
                continue
            if status is not None and hit.status != status:
                continue
            if conditional is not None and hit.conditional != conditional:
                continue
            n += 1
        return n

    def by_target(self) -> Counter[tuple[str, str, str]]:
        """Requests per (host, target, method)."""
        return Counter((h.host, h.target, h.method) for h in self.hits)

    def per_host(self) -> Counter[str]:
        """Requests per host (the national test web's portals are hosts, not named sites)."""
        return Counter(h.host for h in self.hits)

    def by_status(self) -> Counter[int]:
        return Counter(h.status for h in self.hits)


# ---------------------------------------------------------------------------------------------
# HTTP


@dataclass(frozen=True)
class Reply:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes  # sent unless HEAD or 304
    delay: float = 0.0


def _error_page(status: int, reason: str) -> bytes:
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{status} {reason}</title></head>'
        f"<body><center><h1>{status} {reason}</h1></center><hr><center>nginx</center></body></html>"
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Scrapy expects of a real server
    server_version = "nginx"
    sys_version = ""
    timeout = 30  # an idle kept-alive connection is closed after this

    server: _SiteServer

    def version_string(self) -> str:
        return self.server_version  # "nginx", not "nginx Python/3.x"

    # http.server dispatches on these names
    def do_GET(self) -> None:
        self._answer("GET")

    def do_HEAD(self) -> None:
        self._answer("HEAD")

    def do_POST(self) -> None:
        self._answer("POST")

    def _answer(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        payload = self.rfile.read(length) if length > 0 else b""
        form: dict[str, str] = {}
        if payload and "urlencoded" in (self.headers.get("Content-Type") or ""):
            form = dict(parse_qsl(payload.decode("utf-8", "replace"), keep_blank_values=True))
        reply = self.server.portal._respond(self.server.site_key, method, self.path, self.headers, form)
        if reply.delay:
            time.sleep(reply.delay)
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        if method != "HEAD" and reply.status != 304:
            self.wfile.write(reply.body)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.server.site_key, format % args)


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str, port: int, portal: Portal, site_key: str) -> None:
        if not host.startswith("127.0.0."):
            raise ValueError(f"the portal binds only to 127.0.0.x, not {host}")
        self.portal = portal
        self.site_key = site_key
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__((host, port), _Handler)

    def process_request(self, request: socket.socket, client_address: tuple[str, int]) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End kept-alive connections, so a stopped portal answers nothing more."""
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


# ---------------------------------------------------------------------------------------------
# The portal


class PortalError(Exception):
    """The portal cannot start, or a change names something it does not serve."""


class Portal:
    """The simulated portal: every site of `nianbao.devportal.sites` on 127.0.0.N:`port`."""

    def __init__(self, port: int = 0, *, sites: dict[str, Site] | None = None) -> None:
        self._wanted_port = port
        self._sites = sites if sites is not None else new_sites()
        self._lock = threading.RLock()
        self._routes: dict[str, Routes] = {}
        self._stamps: dict[tuple[str, str], tuple[bytes, datetime]] = {}
        self._clock = CLOCK_START
        self._cache: AttachmentCache = {}
        self._flaky_served: Counter[tuple[str, str]] = Counter()
        self._servers: list[_SiteServer] = []
        self._threads: list[threading.Thread] = []
        self.port = 0
        self.requests = RequestLog()

    # lifecycle

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> Self:
        if self._servers:
            raise PortalError("the portal is already running")
        self._flaky_served.clear()
        self.requests.clear()
        self._bind()
        with self._lock:
            for key in self._sites:
                self._rebuild(key)
        for server in self._servers:
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                      name=f"portal-{server.site_key}", daemon=True)
            thread.start()
            self._threads.append(thread)
        log.info("portal serving on port %d", self.port)
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.close_connections()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def _bind(self) -> None:
        serving = [s for s in self._sites.values() if s.serving]
        for _attempt in range(50):
            port = self._wanted_port
            servers: list[_SiteServer] = []
            try:
                for site in serving:
                    servers.append(_SiteServer(site.host, port, self, site.key))
                    port = servers[0].server_address[1]
            except OSError:
                for server in servers:
                    server.server_close()
                if self._wanted_port:
                    raise
                continue
            if any(_listening(s.host, port) for s in self._sites.values() if not s.serving):
                for server in servers:
                    server.server_close()
                if self._wanted_port:
                    raise PortalError(f"port {port}: something listens where the down site must not answer")
                continue
            self._servers, self.port = servers, port
            return
        raise PortalError("no port free on every portal address")

    # addresses

    def site(self, key: str) -> Site:
        try:
            return self._sites[key]
        except KeyError:
            raise PortalError(f"no site {key!r} (sites: {', '.join(self._sites)})") from None

    @property
    def sites(self) -> dict[str, Site]:
        """The live description the portal serves (change it only through publish/edit/remove)."""
        return self._sites

    def host(self, key: str) -> str:
        return self.site(key).host

    def url(self, key: str, path: str | None = None) -> str:
        """The URL of `path` on site `key` (default: its column's first page)."""
        site = self.site(key)
        return site_url(site.host, self.port, path if path is not None else site.list_path)

    # the outcome and the registry, as of now

    @property
    def expected(self) -> Expected:
        with self._lock:
            return expected_from(self._sites)

    def report_urls(self) -> dict[str, ExpectedReport]:
        return self.expected.report_urls(self.port)

    def decoy_urls(self) -> set[str]:
        return self.expected.decoy_urls(self.port)

    def registry_toml(self, *, crawl_delay: float | None = None) -> str:
        with self._lock:
            return registry_toml(self.port, crawl_delay=crawl_delay, sites=self._sites)

    # changes between crawls

    def publish(self, key: str, year: int | None = None, *, form: Form = "html",
                tables: ReportTables | None = None) -> str:
        """Add a report at the top of site `key`'s column (as an HTML page, or a page linking a
        PDF/DOCX); returns the URL holding the report."""
        with self._lock:
            site = self.site(key)
            try:
                entry = publish_report(site, year, form=form, tables=tables)
            except ValueError as exc:
                raise PortalError(str(exc)) from exc
            self._changed(key)
            return site_url(site.host, self.port, entry.report_path)

    def edit(self, url: str) -> ReportTables:
        """A new version of the report at `url` (other numbers, same URL); returns its tables."""
        with self._lock:
            key, target = self._locate(url)
            try:
                entry = edit_report(self._sites[key], target)
            except (KeyError, ValueError) as exc:
                raise PortalError(str(exc)) from exc
            self._changed(key)
            assert entry.tables is not None
            return entry.tables

    def remove(self, url: str, *, unlist: bool = False) -> None:
        """The report at `url` answers 404 from now on; its list link stays unless `unlist`."""
        with self._lock:
            key, target = self._locate(url)
            try:
                remove_report(self._sites[key], target, unlist=unlist)
            except KeyError as exc:
                raise PortalError(str(exc)) from exc
            self._changed(key)

    def _locate(self, url: str) -> tuple[str, str]:
        parts = urlsplit(url)
        for site in self._sites.values():
            if site.host == parts.hostname:
                target = parts.path + (f"?{parts.query}" if parts.query else "")
                for entry in site.entries:
                    for candidate in (entry.path, entry.attachment):
                        if candidate and normalize_target(candidate) == normalize_target(target):
                            return site.key, candidate
                raise PortalError(f"{url}: no report there")
        raise PortalError(f"{url}: not on the portal")

    def _changed(self, key: str) -> None:
        self._clock += CLOCK_STEP
        self._rebuild(key)

    def _rebuild(self, key: str) -> None:
        site = self._sites[key]
        if site.serving and site.browser_case is not None and not site.blocked:
            self._routes[key] = build_browser_routes(site, robots_routes(site), self._cache)
        elif site.serving:
            self._routes[key] = build_routes(site, self._sites, self.port, self._cache)

    # answering

    def _stamp(self, key: str, target: str, resource: Resource) -> tuple[str, str]:
        """(Last-Modified, ETag) of the bytes now at `target`: unchanged bytes keep theirs."""
        digest = hashlib.sha1(resource.body).digest()
        with self._lock:
            previous = self._stamps.get((key, target))
            if previous is not None and previous[0] == digest:
                modified = previous[1]
            elif previous is None and resource.modified is not None:
                modified = resource.modified.astimezone(UTC).replace(microsecond=0)
            else:
                modified = self._clock
                if previous is not None and modified <= previous[1]:
                    modified = previous[1] + timedelta(seconds=1)
            self._stamps[(key, target)] = (digest, modified)
        etag = f'"{int(modified.timestamp()):x}-{len(resource.body):x}"'  # nginx's mtime-length form
        return format_datetime(modified, usegmt=True), etag

    def _respond(self, key: str, method: str, raw_target: str, headers: Message, form: dict[str, str]) -> Reply:
        site = self._sites[key]
        arrived = time.monotonic()
        conditional = bool(headers.get("If-None-Match") or headers.get("If-Modified-Since"))
        reply = self._route(site, method, raw_target, headers, form)
        self.requests.add(Hit(key, site.host, method, raw_target, reply.status, conditional, arrived))
        return reply

    def _route(self, site: Site, method: str, raw_target: str, headers: Message, form: dict[str, str]) -> Reply:
        with self._lock:
            routes = self._routes[site.key]
        parts = urlsplit(raw_target)
        path, target = parts.path, normalize_target(raw_target)
        if routes.challenge is not None and path != "/robots.txt":
            return self._full(site, target, routes.challenge, method, headers)
        wall = routes.gate(headers, path) if routes.gate is not None and path != "/robots.txt" else None
        if wall is not None:
            return self._full(site, target, wall, method, headers)
        if target in routes.flaky:
            with self._lock:
                self._flaky_served[(site.key, target)] += 1
                failing = self._flaky_served[(site.key, target)] <= routes.flaky[target]
            if failing:
                return _simple(503, "Service Temporarily Unavailable")
        lookup = "GET" if method == "HEAD" else method
        handler = routes.handlers.get((lookup, path))
        if handler is not None:
            return self._full(site, target, handler(dict(parse_qsl(parts.query, keep_blank_values=True)), form),
                              method, headers)
        resource = routes.pages.get(target)
        if resource is not None and lookup == "GET":
            if callable(resource):
                resource = resource()
            return self._full(site, target, resource, method, headers)
        if resource is not None or any(p == path for _, p in routes.handlers):
            allowed = "GET, HEAD" if resource is not None else "POST"
            reply = _simple(405, "Not Allowed")
            return Reply(405, (*reply.headers, ("Allow", allowed)), reply.body)
        return _simple(404, "Not Found")

    def _full(self, site: Site, target: str, resource: Resource, method: str, headers: Message) -> Reply:
        out: list[tuple[str, str]] = [("Content-Type", resource.content_type), *resource.headers]
        if resource.status != 200:
            out.append(("Content-Length", str(len(resource.body))))
            return Reply(resource.status, tuple(out), resource.body, resource.delay)
        last_modified, etag = self._stamp(site.key, f"{method if method == 'POST' else 'GET'} {target}", resource)
        out += [("Last-Modified", last_modified), ("ETag", etag)]
        if method in ("GET", "HEAD") and _not_modified(headers, etag, last_modified):
            return Reply(304, (("Last-Modified", last_modified), ("ETag", etag)), b"", resource.delay)
        out.append(("Content-Length", str(len(resource.body))))
        return Reply(200, tuple(out), resource.body, resource.delay)


def _simple(status: int, reason: str) -> Reply:
    body = _error_page(status, reason)
    return Reply(status, (("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))), body)


def _not_modified(headers: Message, etag: str, last_modified: str) -> bool:
    """RFC 9110 13.2.2: If-None-Match decides when present, else If-Modified-Since."""
    none_match = headers.get("If-None-Match")
    if none_match:
        tags = [t.strip().removeprefix("W/") for t in none_match.split(",")]
        return "*" in tags or etag in tags
    since = headers.get("If-Modified-Since")
    if since:
        try:
            return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def _listening(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


# ---------------------------------------------------------------------------------------------
# Command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nianbao.devportal.server",
        description="Serve the simulated portal on 127.0.0.11-19 until interrupted; print its registry (TOML).",
    )
    parser.add_argument("--port", type=int, default=0, help="port for every site (default: a free one)")
    parser.add_argument("--crawl-delay", type=float, default=None, help="crawl_delay written for every agency")
    parser.add_argument("--filler", type=int, default=0,
                        help="pad every column with this many other documents (longer crawls, same reports)")
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with Portal(args.port, sites=new_sites(filler=args.filler)) as portal:
        print(portal.registry_toml(crawl_delay=args.crawl_delay), flush=True)
        for key, site in portal.sites.items():
            state = "down" if not site.serving else "blocked" if site.blocked else "serving"
            print(f"# {key:8} {portal.url(key)}  ({site.name}, {state})", file=sys.stderr)
        print("# serving; Ctrl-C to stop", file=sys.stderr, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
