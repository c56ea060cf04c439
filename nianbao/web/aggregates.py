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

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

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

    def __init__(self, archive: Any, size: int = DEFAULT_SIZE) -> None:
        self.archive = archive
        self.size = size
        self._values: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[tuple, threading.Lock] = {}
        self._state: tuple[Any, ...] | None = None

    def token(self) -> tuple[Any, ...]:
        return state_token(self.archive)

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
            try:
                value = compute()  # an exception is not kept: the next request tries again
            finally:
                with self._lock:
                    self._computing.pop(full, None)
            with self._lock:
                self._values[full] = value
                while len(self._values) > self.size:
                    self._values.popitem(last=False)
            return value
