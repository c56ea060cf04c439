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

import logging
import resource
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_CONNECTION_LIMIT = 1000
DEFAULT_CHANNEL_TIMEOUT = 10  # seconds a connection may sit idle
MAX_REQUEST_BODY = 64 * 1024  # the UI and the API are GET only; waitress's default is 1 GiB, spooled to disk
MAX_REQUEST_HEADERS = 64 * 1024  # a long search URL fits many times over
SPARE_FILE_DESCRIPTORS = 64  # the archive's database, blobs being read, logs


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
    return create_server(
        app, host=host, port=port, ident="nianbao",
        threads=limits.threads,
        connection_limit=limits.connection_limit,
        channel_timeout=limits.channel_timeout,
        cleanup_interval=1,  # idle connections are looked for every second, not every 30
        asyncore_use_poll=True,  # select() cannot watch a descriptor numbered 1024 or more
        max_request_body_size=MAX_REQUEST_BODY,
        max_request_header_size=MAX_REQUEST_HEADERS,
    )


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
