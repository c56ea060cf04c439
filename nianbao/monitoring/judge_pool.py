"""Judging many agencies on more than one core: a national registry's evaluation from cold reads
and judges every agency (reading their reports' parts and hashing their narratives is most of its
time), a batch at a time. With `workers` > 0, worker processes read and judge batches of their
own from the same database while this process judges others; their judgments come back encoded
as kept (nianbao.monitoring.kept: decoded here faster than unpickled, and saved as they came) and
are put in the batches' order, so the result is the one judging in-process gives
(tests/monitor/test_judge_pool.py).

Workers are spawned, not forked (`nianbao serve` evaluates from a thread of a threaded server), for
one evaluation at a time, and only when there are at least `POOL_MIN_BATCHES` batches: starting a
worker (imports, the narrative table) costs a second or two, and a one-percent change never starts
one. As with any spawned pool, a script that evaluates a registry that large must guard its entry
point (`if __name__ == "__main__":`): a spawned worker imports the main module again.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from storage.monitor_state import Judgment

from . import kept
from .judging import Judged, judge_batch

if TYPE_CHECKING:
    from crawler.registry import Agency as RegistryAgency

POOL_MIN_BATCHES = 8  # fewer batches are judged in-process


def default_workers() -> int:
    """Worker processes beside this one, which judges too: one per other core, at most 3."""
    return min(3, max(0, (os.cpu_count() or 1) - 1))


@dataclass
class _Engine:
    """What storage.monitor_reads needs of an archive: its engine."""

    engine: Any


_engines: dict[str, _Engine] = {}  # a worker's engines, by database URL


def _judge_in_worker(url: str, batch: Sequence[RegistryAgency], year: int, as_of: dt.date,
                     copy_threshold: float) -> dict[str, Judgment]:
    """A batch judged, each judgment as kept (nianbao.monitoring.kept): this process decodes
    MessagePack faster than it unpickles the objects, and keeps the bytes without encoding again."""
    from storage.db import make_engine

    if url not in _engines:
        _engines[url] = _Engine(make_engine(url))
    return {name: kept.encode(judged) for name, judged in judge_batch(_engines[url], batch, year, as_of,
                                                                     copy_threshold).items()}


def poolable(archive: Any) -> bool:
    """Whether another process can open the archive's database (not an in-memory SQLite one)."""
    url = archive.engine.url
    return not (url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"))


def judge_in_pool(archive: Any, batches: Sequence[Sequence[RegistryAgency]], workers: int,
                  judge_here: Callable[[Sequence[RegistryAgency]], dict[str, Judged]],
                  year: int, as_of: dt.date, copy_threshold: float
                  ) -> tuple[dict[str, Judged], dict[str, Judgment]]:
    """Every batch judged, by `workers` processes and by `judge_here` in this process, merged in
    the batches' order; and the workers' judgments as they came, encoded (by agency)."""
    url = archive.engine.url.render_as_string(hide_password=False)
    done: dict[int, dict[str, Judged]] = {}
    encoded: dict[str, Judgment] = {}
    todo = deque(range(len(batches)))
    running: dict[Future, int] = {}
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        while todo or running:
            while todo and len(running) < 2 * workers:  # workers take batches from the end
                index = todo.pop()
                running[pool.submit(_judge_in_worker, url, batches[index], year, as_of, copy_threshold)] = index
            if todo:  # this process from the front
                index = todo.popleft()
                done[index] = judge_here(batches[index])
                finished = [future for future in running if future.done()]
            else:
                finished = list(wait(running, return_when=FIRST_COMPLETED).done)
            for future in finished:
                came = future.result()
                encoded |= came
                done[running.pop(future)] = {name: kept.decode(name, *data) for name, data in came.items()}
    return {name: judged for index in range(len(batches)) for name, judged in done[index].items()}, encoded
