"""`evaluate`: the archive read as it stood at the end of one day (storage.monitor_reads), judged
by the pure rules of this package; and the record of what was reported (storage.monitor_events).

    report = evaluate(archive, load_registry(), 2024, dt.date(2025, 6, 1))
    fresh = new_events(archive, report)
    record_events(archive, fresh, 2024, clock)

An evaluation keeps what it saw and said (nianbao.monitoring.incremental), so the next one judges
again only the agencies whose archive rows, registry entry or deadline changed; `incremental=False`
judges everything from scratch and keeps nothing, with the same answer.

`judge` is the same evaluation over values already read, for callers (and tests) that hold them.
"""

from __future__ import annotations

import datetime as dt
import gc
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager

import numpy as np

from crawler.registry import Agency as RegistryAgency
from storage import Archive
from storage.clock import Clock, system_clock
from storage.monitor_events import record, recorded_year
from storage.monitor_reads import AgencyArchive

from .copies import CopyDoc, candidates, scored
from .events import NewEvents, events_of, news
from .incremental import evaluate_full, evaluate_incremental
from .judging import Judged, assemble, judge_agency
from .report import MonitorReport

DEFAULT_COPY_THRESHOLD = 0.85  # Jaccard over 5-character shingles


def region_matches(region: str, prefix: str) -> bool:
    """`prefix` names whole components of the 省/市/县 path: 江苏省/淮安市 is not 江苏省/淮安."""
    prefix = prefix.strip("/")
    return region == prefix or region.startswith(prefix + "/")


def evaluate(archive: Archive, agencies: Sequence[RegistryAgency], year: int, as_of: dt.date, *,
             copy_threshold: float = DEFAULT_COPY_THRESHOLD, incremental: bool = True) -> MonitorReport:
    """Statuses and findings for report year `year`, from what the archive held at the end of
    `as_of` (a day in China's calendar). Incremental (the default, at the default copy
    threshold): from what the last evaluation of the year kept, judging again only what changed."""
    with collector_paused():
        if incremental and copy_threshold == DEFAULT_COPY_THRESHOLD:
            return evaluate_incremental(archive, agencies, year, as_of, copy_threshold)
        return evaluate_full(archive, agencies, year, as_of, copy_threshold)


_pauses = 0  # evaluations running with the cyclic collector paused (the web evaluates from threads)
_collector_was_enabled = True
_pause_lock = threading.Lock()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while an evaluation runs. A national evaluation
    builds and holds millions of acyclic objects (100,000 agencies' statuses, evidence, findings),
    and every full collection walks all of them: at 100,000 agencies the collector was more than
    half of reading the kept state back (26 s against 11 s without it) and a third of a 1%
    change's evaluation. Reference counting still frees everything; the collector is enabled
    again when the last evaluation ends, if it was enabled before the first.

    What was allocated meanwhile is moved to the oldest generation first (`gc.freeze()` then
    `gc.unfreeze()`: two list splices): left in the youngest, the first allocation after the
    collector came back walked all of it (~0.7-1 s of CPU of a new process's 1% evaluation at 100,000
    agencies, counted in the evaluation), and the next collections of the middle generation again.
    Nothing in nianbao freezes objects for good, so unfreezing releases none of anyone's."""
    global _pauses, _collector_was_enabled
    with _pause_lock:
        if _pauses == 0:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _collector_was_enabled:
                gc.freeze()  # every tracked object to the permanent generation,
                gc.unfreeze()  # and back, to the oldest one: not walked until a full collection
                gc.enable()


def judge(agencies: Sequence[RegistryAgency], held: Mapping[str, AgencyArchive], year: int, as_of: dt.date, *,
          copy_threshold: float = DEFAULT_COPY_THRESHOLD) -> MonitorReport:
    """`evaluate` over `held` (by agency name; an agency the archive does not know is absent)."""
    judged: dict[str, Judged] = {}
    hashes: dict[str, np.ndarray] = {}
    for entry in agencies:
        judged[entry.name], narrative = judge_agency(entry, held.get(entry.name), year, as_of, copy_threshold)
        if narrative is not None:
            hashes[entry.name] = narrative
    docs = [judged[e.name].doc for e in agencies if judged[e.name].doc is not None]
    pairs = scored(candidates(docs, copy_threshold), _by_agency(hashes))
    return assemble(agencies, judged, pairs, year, as_of, copy_threshold)


def _by_agency(hashes: Mapping[str, np.ndarray]) -> Callable[[CopyDoc], np.ndarray]:
    return lambda doc: hashes[doc.agency]


def new_events(archive: Archive, report: MonitorReport) -> NewEvents:
    """What `report` says that the events recorded for its year have not said yet."""
    return news(report, recorded_year(archive, report.year))


def record_events(archive: Archive, events: NewEvents, year: int, clock: Clock = system_clock) -> int:
    """Record `events` as observed now (by `clock`); returns how many were recorded."""
    return record(archive, events_of(events, year), clock())
