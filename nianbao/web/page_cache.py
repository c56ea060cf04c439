"""Whole answers kept per archive state: a page asked again (the home page, a popular search,
a report everyone links to, a monitoring page) is sent as it was made, until the archive, the
registry or the day changes.

An answer depends on: the archive (its state token, nianbao.web.aggregates), the path and query,
the address the site is reached at (permalinks are absolute), the interface language (pages; the
API speaks none), the day (the monitoring pages judge as of today) and the registry (its files'
signature). All of them are the key, so a kept answer is exactly the one the app would make now.
Only complete, successful, cookie-free GET answers of pages and the API are kept (no archived
copies: they are blobs read from disk anyway), each at most `max_entry` bytes, all of them at most
`max_bytes` (least recently used go first).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, request

from . import i18n

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_ENTRY = 4 * 1024 * 1024
KEPT_TYPES = ("text/html", "application/json", "text/csv")
NOT_KEPT_PREFIXES = ("/captures/", "/static/")
HEADER = "X-Nianbao-Kept"  # "hit" on an answer sent as kept (tests and the curious read it)


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


class PageCache:
    """Answers by key, bounded in bytes; thread-safe."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES, max_entry: int = DEFAULT_MAX_ENTRY) -> None:
        self.max_bytes, self.max_entry = max_bytes, max_entry
        self._answers: OrderedDict[Hashable, Answer] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Answer | None:
        with self._lock:
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
            return answer

    def put(self, key: Hashable, answer: Answer) -> None:
        size = len(answer.body)
        if size > self.max_entry:
            return
        with self._lock:
            old = self._answers.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._answers[key] = answer
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, dropped = self._answers.popitem(last=False)
                self._bytes -= len(dropped.body)

    def forget_other_states(self, token: tuple) -> None:
        """Drop every answer kept for another archive state (keys start with their token)."""
        with self._lock:
            for key in [key for key in self._answers if key[0] != token]:
                self._bytes -= len(self._answers.pop(key).body)


def install(app: Flask, token: Callable[[], tuple], context: Callable[[], Hashable],
            cache: PageCache | None = None) -> PageCache:
    """Keep `app`'s answers in `cache`, keyed by the archive's `token()`, the request and
    `context()` (what else the app's answers depend on: the day, the registry)."""
    cache = cache if cache is not None else PageCache()
    state: dict[str, Any] = {"token": None}

    def kept_key() -> Hashable | None:
        if request.method != "GET" or request.path.startswith(NOT_KEPT_PREFIXES):
            return None
        current = token()
        if current != state["token"]:
            state["token"] = current
            cache.forget_other_states(current)
        language = None if request.path.startswith("/api/") else app.extensions[i18n.EXTENSION]().language.code
        return (current, request.host_url, request.script_root, request.full_path, language, context())

    @app.before_request
    def send_kept() -> Response | None:
        key = kept_key()
        request.environ["nianbao.kept_key"] = key
        if key is None:
            return None
        answer = cache.get(key)
        if answer is None:
            return None
        response = Response(answer.body, status=answer.status, headers=list(answer.headers))
        response.headers[HEADER] = "hit"
        request.environ["nianbao.kept_key"] = None  # sent as kept: nothing to keep
        return response

    @app.after_request
    def keep(response: Response) -> Response:
        key = request.environ.get("nianbao.kept_key")
        if (key is not None and response.status_code == 200 and not response.is_streamed
                and response.mimetype in KEPT_TYPES and "Set-Cookie" not in response.headers):
            cache.put(key, Answer(response.status_code, tuple(response.headers.items()), response.get_data()))
        return response

    return cache
