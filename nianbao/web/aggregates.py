"""What the web pages compute over the whole archive, kept for as long as the archive stays as it
is: monitoring evaluations, facet counts, statistics. Under load (bench/web.py: 16 clients on
10,000 reports) a page may spend a few milliseconds of the server's one interpreter; an
evaluation of the national registry takes seconds and a rate over every agency tens of ms.

    kept = PerState(archive)
    kept.get(("monitor", 2023, as_of), lambda: evaluate(...))

The key of everything kept is the archive's state (`state_token`): the newest capture, version,
crawl run and agency, and the archive's change counter. A crawl or an import adds captures and
runs and a parse adds versions, which moves the newest ids; everything changed in place (a run
closed, `nianbao db reindex` rewriting versions' text, an agency's region or kind renamed,
reports refiled) moves the counter, by triggers in the database (storage.changes, migration
0010). So any write a page could show moves the token; the next request computes afresh.
The token is one statement of index lookups, read per request.

Bounded (least recently used go first; a new state drops what was kept for the old ones) and
single-flight: requests asking for the same value at once wait for one computation instead of
each doing it (a cold monitor page under 16 clients was 16 evaluations of several seconds each).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

from filelock import FileLock
from flask import g, has_request_context
from sqlalchemy import text

from storage import changes

T = TypeVar("T")

STATE_SQL = text(
    "SELECT (SELECT max(id) FROM captures), (SELECT max(id) FROM report_versions),"
    f" (SELECT max(id) FROM crawl_runs), (SELECT max(id) FROM agencies), {changes.COUNTER_SQL}")
DEFAULT_SIZE = 512


def state_token(archive: Any) -> tuple[Any, ...]:
    """Changes whenever a crawl, an import or a parse writes to the archive."""
    with archive.engine.connect() as connection:
        return tuple(connection.execute(STATE_SQL).one())


class PerState:
    """Values computed once per archive state, by key."""

    def __init__(self, archive: Any, size: int = DEFAULT_SIZE, shared: SharedStore | None = None) -> None:
        self.archive = archive
        self.size = size
        self.shared = shared  # several server processes: one computes, the others read it
        self._values: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[tuple, threading.Lock] = {}
        self._state: tuple[Any, ...] | None = None

    def token(self) -> tuple[Any, ...]:
        """The archive's state, read once per web request: the kept answers (page_cache), the
        app's and the numbers pages' kept values of one request agree on it, and its statement
        runs once a request, not once per PerState asked."""
        if not has_request_context():
            return state_token(self.archive)
        read = g.setdefault("nianbao_state_tokens", {})
        if id(self.archive) not in read:
            read[id(self.archive)] = state_token(self.archive)
        return read[id(self.archive)]

    def get(self, key: Hashable, compute: Callable[[], T], token: tuple[Any, ...] | None = None) -> T:
        """The value of `key` in this state of the archive, computed by `compute` if not kept."""
        token = token if token is not None else self.token()
        full = (token, key)
        with self._lock:
            if token != self._state:  # the archive moved on: what was kept for before is of no use
                self._state = token
                for old in [kept for kept in self._values if kept[0] != token]:
                    del self._values[old]
            if full in self._values:
                self._values.move_to_end(full)
                return self._values[full]
            turn = self._computing.setdefault(full, threading.Lock())
        with turn:
            with self._lock:
                if full in self._values:
                    return self._values[full]
            try:  # an exception is not kept: the next request tries again
                value = compute() if self.shared is None else self.shared.get(token, key, compute)
            finally:
                with self._lock:
                    self._computing.pop(full, None)
            with self._lock:
                self._values[full] = value
                while len(self._values) > self.size:
                    self._values.popitem(last=False)
            return value


class SharedStore:
    """What one of several `nianbao serve --processes` computed for an archive state, for the
    others to read instead of computing it again: a pickle per value under a folder per state.

    A monitoring evaluation of a national registry takes seconds; without this each process paid
    it once per state, and a page's latency depended on which process answered. One process
    computes a value while the others wait on its lock file (single-flight across processes, as
    PerState is within one); a value is written to a temporary file and renamed, so a reader sees
    all of it or nothing. Folders of states older than `keep_seconds` are removed when a new state
    is first written. The folder is the server's own (under the data folder): nothing else writes
    pickles there.
    """

    def __init__(self, folder: Path, keep_seconds: float = 60.0) -> None:
        self.folder = Path(folder)
        self.keep_seconds = keep_seconds

    @staticmethod
    def _digest(value: Any) -> str:
        return hashlib.sha256(repr(value).encode("utf-8")).hexdigest()[:32]

    def get(self, token: tuple[Any, ...], key: Hashable, compute: Callable[[], T]) -> T:
        state = self.folder / self._digest(token)
        path = state / f"{self._digest(key)}.pickle"
        found = self._load(path)
        if found is not None:
            return found[0]
        if not state.exists():
            state.mkdir(parents=True, exist_ok=True)
            self._forget_older_than(state)
        with FileLock(f"{path}.lock"):
            found = self._load(path)  # computed by another process while this one waited
            if found is not None:
                return found[0]
            value = compute()
            partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            with open(partial, "wb") as out:
                pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(partial, path)
            return value

    @staticmethod
    def _load(path: Path) -> tuple[Any] | None:
        try:
            with open(path, "rb") as kept:
                return (pickle.load(kept),)
        except FileNotFoundError:
            return None

    def _forget_older_than(self, current: Path) -> None:
        """Remove other states' folders not written for `keep_seconds` (a process may still be
        answering from the state just before: its folder stays a while)."""
        now = time.time()
        for other in self.folder.iterdir():
            try:
                if other != current and other.is_dir() and now - other.stat().st_mtime > self.keep_seconds:
                    shutil.rmtree(other, ignore_errors=True)
            except OSError:
                continue
