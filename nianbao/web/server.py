"""The HTTP server `nianbao serve` runs the web app under: waitress, with its connection limits
made explicit.

Waitress's defaults let one client shut everyone else out: it stops accepting at 100 open
connections (`connection_limit`) and closes an idle one only after 120 s (`channel_timeout`),
so 100 idle sockets held open by one client left the UI answering no one (issue 12). Here the
limit is higher, idle connections are closed after a few seconds (checked every second), and
request bodies are refused beyond what a read-only UI needs. Waitress has no per-client limit
and no deadline for a request trickling in byte by byte: exposed beyond localhost, put a front
server before it (README, "Exposing the web UI").
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import resource
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_CONNECTION_LIMIT = 1000
DEFAULT_CHANNEL_TIMEOUT = 10  # seconds a connection may sit idle
MAX_REQUEST_BODY = 64 * 1024  # the UI and the API are GET only; waitress's default is 1 GiB, spooled to disk
MAX_REQUEST_HEADERS = 64 * 1024  # a long search URL fits many times over
SPARE_FILE_DESCRIPTORS = 64  # the archive's database, blobs being read, logs
LISTEN_BACKLOG = 1024  # connections waiting to be accepted by any of the processes
RESPAWN_LIMIT, RESPAWN_WINDOW = 5, 30.0  # so many server processes dying within so many seconds stop the server


class ServerConfigError(Exception):
    """The server cannot run as configured; the message says what to change."""


@dataclass(frozen=True)
class ConnectionLimits:
    connection_limit: int = DEFAULT_CONNECTION_LIMIT  # open connections before new ones wait in the backlog
    channel_timeout: int = DEFAULT_CHANNEL_TIMEOUT  # an idle connection is closed after this many seconds
    threads: int = 4  # requests served at once

    def __post_init__(self) -> None:
        if self.connection_limit < 1 or self.channel_timeout < 1 or self.threads < 1:
            raise ServerConfigError(f"{self}: every limit must be at least 1")


def ensure_file_descriptors(needed: int) -> None:
    """Raise the process's soft limit on open files to `needed` if the hard limit allows it;
    ServerConfigError otherwise (each connection is one file descriptor)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return
    if hard != resource.RLIM_INFINITY and hard < needed:
        raise ServerConfigError(
            f"{needed} open files needed for the connection limit, but this process may open only {hard} "
            "(ulimit -n): lower --connection-limit or raise the limit")
    resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    log.info("raised the open-file limit from %d to %d", soft, needed)


def make_server(app: Callable, host: str, port: int,
                limits: ConnectionLimits = ConnectionLimits()) -> Any:
    """A waitress server for `app` on host:port (0: any free port), listening but not yet running."""
    from waitress.server import create_server  # imported when serving, not by every CLI command

    ensure_file_descriptors(limits.connection_limit + limits.threads + SPARE_FILE_DESCRIPTORS)
    return create_server(app, host=host, port=port, ident="nianbao", **_waitress_options(limits))


def serve(app: Callable, host: str, port: int, limits: ConnectionLimits = ConnectionLimits(),
          on_listening: Callable[[str], None] | None = None) -> None:
    """Run `app` until interrupted (Ctrl-C); `on_listening` is told the address first."""
    server = make_server(app, host, port, limits)
    if on_listening is not None:
        on_listening(f"http://{host}:{server.effective_port}/")
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


def serve_processes(make_app: Callable[[], Callable], host: str, port: int, processes: int,
                    limits: ConnectionLimits = ConnectionLimits(),
                    on_listening: Callable[[str], None] | None = None) -> None:
    """Run `processes` copies of the app, each a waitress server of its own, accepting on one
    listening socket, until interrupted (Ctrl-C) or terminated.

    One interpreter answers one request at a time however many threads it has (the GIL): a page
    is milliseconds of Python, so a busy server is CPU-bound on one core. Forked processes use
    the others. The socket is bound here, before forking, so every process accepts on the same
    port; each builds its own app (its own database connections: `make_app` runs in the child).
    A process that dies is started again; if RESPAWN_LIMIT of them die within RESPAWN_WINDOW
    seconds the server stops (they would only die again: a broken archive or registry), saying
    the last exit status."""
    if processes < 1:
        raise ServerConfigError(f"processes={processes}: at least 1")
    ensure_file_descriptors(limits.connection_limit + limits.threads + SPARE_FILE_DESCRIPTORS)
    listening = socket.create_server((host, port), family=_family(host), backlog=LISTEN_BACKLOG)
    children: set[int] = set()
    deaths: collections.deque[float] = collections.deque(maxlen=RESPAWN_LIMIT)
    stopping = False

    def start() -> None:
        pid = os.fork()
        if pid == 0:  # the child: serve until terminated
            code = 0
            try:
                signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
                from waitress.server import create_server

                server = create_server(make_app(), sockets=[listening], ident="nianbao", **_waitress_options(limits))
                server.run()
            except BaseException:  # noqa: BLE001 - a child reports and exits, never returns to the caller
                log.exception("a server process failed")
                code = 1
            finally:
                os._exit(code)
        children.add(pid)

    def stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        for _ in range(processes):
            start()
        if on_listening is not None:
            on_listening(f"http://{host}:{listening.getsockname()[1]}/")
        while children:
            try:
                pid, status = os.wait()
            except KeyboardInterrupt:
                stop()
                continue
            except ChildProcessError:
                break
            if pid not in children:
                continue
            children.discard(pid)
            if stopping:
                continue
            deaths.append(time.monotonic())
            if len(deaths) == RESPAWN_LIMIT and deaths[-1] - deaths[0] < RESPAWN_WINDOW:
                stop()
                raise ServerConfigError(f"{RESPAWN_LIMIT} server processes exited within {RESPAWN_WINDOW:.0f} s "
                                        f"(the last with status {status}); see the log above")
            log.warning("server process %d exited (status %d); starting another", pid, status)
            start()
    finally:
        stop()
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        signal.signal(signal.SIGTERM, previous)
        listening.close()


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _waitress_options(limits: ConnectionLimits) -> dict[str, Any]:
    # cleanup_interval: idle connections are looked for every second, not every 30;
    # asyncore_use_poll: select() cannot watch a descriptor numbered 1024 or more
    return dict(threads=limits.threads, connection_limit=limits.connection_limit,
                channel_timeout=limits.channel_timeout, cleanup_interval=1, asyncore_use_poll=True,
                max_request_body_size=MAX_REQUEST_BODY, max_request_header_size=MAX_REQUEST_HEADERS)
