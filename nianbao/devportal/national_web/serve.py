"""Serving the national web: one asyncio event loop in one thread listens on every portal's
loopback address (127.3.x.y, one port for all) and answers from the pages of the portal whose
address the connection came in on.

A thread per site (the devportal's `Portal`) does not scale to hundreds of portals, and a
Twisted reactor cannot be restarted inside one test process; an asyncio loop can, and holds
thousands of kept-alive connections without a connection cap (waitress's default limits starve
a crawl of many hosts: README). Pages built before serving answer from the loop; a page rendered
on first request (a PDF, a DOCX) renders in a worker thread, so one slow render never stalls the
other portals. 200 answers carry Last-Modified (the page's date) and an ETag (digest of the
bytes); If-None-Match gets 304. A POST is answered from the form it sends (urlencoded, Hanweb's
proxy), or, on a path of `PortalRoutes.body_handlers`, from its raw body and Content-Type
(Epoint's JSON API).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import format_datetime
from urllib.parse import parse_qsl, urlsplit

from nianbao.devportal.markup import Resource, Routes
from nianbao.devportal.server import Hit, RequestLog  # one request log for every simulated portal
from nianbao.devportal.sites import normalize_target

log = logging.getLogger(__name__)

MAX_HEADER_BYTES = 64 * 1024
IDLE_SECONDS = 30.0


class ServeError(Exception):
    """The web cannot be served (no port free on every address)."""


@dataclass(frozen=True)
class Posted:
    """A POST's body as sent, with the Content-Type it was sent under ("" when none)."""

    content_type: str
    body: bytes


BodyHandler = Callable[[dict[str, str], Posted], Resource]  # (query, posted) -> answer


@dataclass
class PortalRoutes(Routes):
    """A portal's routes, with POST paths answered from the raw body (a JSON API checks the
    Content-Type and the body itself)."""

    body_handlers: dict[str, BodyHandler] = field(default_factory=dict)  # path -> handler


_REASONS = {200: "OK", 302: "Found", 304: "Not Modified", 400: "Bad Request", 404: "Not Found",
            405: "Not Allowed", 500: "Internal Server Error"}


def _error(status: int) -> Resource:
    reason = _REASONS.get(status, "Error")
    body = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{status} {reason}</title></head>'
            f"<body><center><h1>{status} {reason}</h1></center><hr><center>nginx</center></body></html>").encode()
    return Resource(body, "text/html; charset=utf-8", status=status)


class WebServer:
    """Serves `routes` (host -> Routes, swappable while serving) on every host, one port."""

    def __init__(self, hosts: list[str], port: int = 0) -> None:
        self.hosts = list(hosts)
        self.wanted_port = port
        self.port = 0
        self.routes: dict[str, Routes] = {}
        self.requests = RequestLog()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: list[asyncio.base_events.Server] = []
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="national-web-render")
        self._etags: dict[bytes, str] = {}

    # lifecycle

    def bind(self) -> int:
        """Reserve one port free on every host (sockets kept open until `start`)."""
        for _attempt in range(50):
            port = self.wanted_port
            sockets: list[socket.socket] = []
            try:
                for host in self.hosts:
                    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    sockets.append(sock)
                    sock.bind((host, port))
                    port = sock.getsockname()[1]
            except OSError:
                for sock in sockets:
                    sock.close()
                if self.wanted_port:
                    raise ServeError(f"port {self.wanted_port} is not free on every portal address") from None
                continue
            self._sockets = sockets
            self.port = port
            return port
        raise ServeError("no port free on every portal address")

    def start(self) -> None:
        if not self.port:
            self.bind()
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                for sock in self._sockets:
                    sock.listen(1024)
                    server = loop.run_until_complete(
                        asyncio.start_server(self._connection, sock=sock, backlog=1024, limit=MAX_HEADER_BYTES))
                    self._servers.append(server)
            except BaseException as exc:  # reported to start(), which raises it
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            for server in self._servers:
                server.close()
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(_finish(pending))
            loop.close()

        self._thread = threading.Thread(target=run, name="national-web", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise ServeError(f"cannot serve: {failure[0]}") from failure[0]

    def stop(self) -> None:
        loop = self._loop
        if loop is not None:
            def close() -> None:
                for server in self._servers:
                    server.close()
                loop.stop()

            loop.call_soon_threadsafe(close)
        if self._thread is not None:
            self._thread.join(timeout=10)
        for sock in getattr(self, "_sockets", []):
            sock.close()
        self._servers.clear()
        self._loop = None
        self._thread = None
        self._pool.shutdown(wait=False, cancel_futures=True)

    # answering

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers = self.__dict__.setdefault("_writers", set())
        writers.add(writer)
        host = writer.get_extra_info("sockname")[0]
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while True:
                try:
                    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IDLE_SECONDS)
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError,
                        ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                try:
                    method, target, version = lines[0].split(" ", 2)
                except ValueError:
                    writer.write(self._answer("GET", _error(400), {}, close=True)[1])
                    await writer.drain()
                    return
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length") or 0)
                payload = await reader.readexactly(length) if length > 0 else b""
                form = {}
                if payload and "urlencoded" in headers.get("content-type", ""):
                    form = dict(parse_qsl(payload.decode("utf-8", "replace"), keep_blank_values=True))
                posted = Posted(headers.get("content-type", ""), payload)
                resource = await self._resource(host, method.upper(), target, form, posted)
                close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
                status, answer = self._answer(method.upper(), resource, headers, close=close)
                conditional = "if-none-match" in headers or "if-modified-since" in headers
                # Logged before the answer leaves: a client holding its answer finds its request
                # in the log (logged after, a test reading the log raced the server's next step).
                self.requests.add(Hit(host, host, method.upper(), target, status, conditional))
                writer.write(answer)
                await writer.drain()
                if close:
                    return
        except ConnectionError:
            return
        except asyncio.CancelledError:
            # Only `stop()` cancels a connection; ending quietly keeps asyncio's stream callback
            # from logging the cancellation as an error.
            return
        finally:
            writers.discard(writer)
            writer.close()

    async def _resource(self, host: str, method: str, raw_target: str, form: dict[str, str],
                        posted: Posted) -> Resource:
        routes = self.routes.get(host)
        if routes is None:
            return _error(404)
        parts = urlsplit(raw_target)
        lookup = "GET" if method == "HEAD" else method
        reader = getattr(routes, "body_handlers", {}).get(parts.path)
        if reader is not None:
            if method != "POST":
                return _error(405)
            return reader(dict(parse_qsl(parts.query, keep_blank_values=True)), posted)
        handler = routes.handlers.get((lookup, parts.path))
        if handler is not None:
            return handler(dict(parse_qsl(parts.query, keep_blank_values=True)), form)
        page = routes.pages.get(normalize_target(raw_target))
        if page is None:
            if any(p == parts.path for _, p in routes.handlers):
                return _error(405)
            return _error(404)
        if lookup != "GET":
            return _error(405)
        if callable(page):
            loop = asyncio.get_running_loop()
            render: Callable[[], Resource] = page
            try:
                return await loop.run_in_executor(self._pool, render)
            except Exception:
                log.exception("%s%s: the page failed to render", host, raw_target)
                return _error(500)
        return page

    def _answer(self, method: str, resource: Resource, headers: dict[str, str], *, close: bool) -> tuple[int, bytes]:
        """The status and the bytes that answer a request for `resource` (304 when the client's
        ETag still holds)."""
        status = resource.status
        out = [("Server", "nginx"), ("Content-Type", resource.content_type), *resource.headers]
        body = resource.body
        if status == 200:
            digest = hashlib.sha1(body).digest()
            etag = self._etags.get(digest)
            if etag is None:
                etag = self._etags[digest] = f'"{digest[:8].hex()}-{len(body):x}"'
            out.append(("ETag", etag))
            if resource.modified is not None:
                out.append(("Last-Modified", format_datetime(resource.modified.astimezone(UTC), usegmt=True)))
            wanted = headers.get("if-none-match")
            if wanted and (wanted == "*" or etag in [t.strip().removeprefix("W/") for t in wanted.split(",")]):
                status, body = 304, b""
                out = [("Server", "nginx"), ("ETag", etag)]
        if status != 304:
            out.append(("Content-Length", str(len(body))))
        if close:
            out.append(("Connection", "close"))
        lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}"] + [f"{k}: {v}" for k, v in out]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        # One write: a head and a body sent apart meet the client's delayed ACK (40 ms a request).
        return status, (head + body if method != "HEAD" and status != 304 else head)


async def _finish(tasks: set[asyncio.Task]) -> None:
    await asyncio.gather(*tasks, return_exceptions=True)
