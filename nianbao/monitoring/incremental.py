"""An evaluation in time proportional to what changed: what the last evaluation of the year saw
and said is kept (storage.monitor_state), and only the agencies whose judgment may differ are
judged again. The answer is the one a full evaluation gives (tests/monitor/test_incremental.py).

An agency is judged again when
- rows were added to the archive that touch it since the last evaluation: a capture of one of its
  reports' URLs or of its column, a report version, a report, a crawl run, its agencies row
  (storage.monitor_reads.changed_agencies), or one of its crawl runs was closed since;
- the reports filed under it on the two years differ (refiled, adopted, moved to another year);
- its registry entry differs (name, region, kind: its deadline, or its columns);
- time moved: the day judged as of differs, and either a captured or finished row lies between
  the two days' ends (as above), or it was not_due (that status names the day), or its kind's
  deadline lies between the two days and it was missing or unreachable (a deadline passing turns
  not_due into missing or unreachable with no new capture, and back when the day goes back);
- or nothing was kept for it (never judged, or dropped as changed while not asked for).

Copied narratives: each kept agency keeps its narrative's MinHash signature and the exact scores
of its same-year candidate pairs; a judged-again agency's narrative is compared with every kept
signature (LSH bands computed from them in numpy), so no other narrative is read again unless it
is a candidate. Only the default copy threshold is kept; another one evaluates from scratch.

If rows appeared below the marks the last evaluation kept (a transaction that committed late on
PostgreSQL) or were deleted, nothing kept is trusted and every agency is judged again.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from crawler.registry import Agency as RegistryAgency
from storage import Archive, monitor_state
from storage.clock import china_day_end
from storage.monitor_reads import changed_agencies, marks, marks_hold, reports_keys, version_sections
from storage.monitor_state import JudgedRow, Judgment
from storage.vocab import AgencyKind

from . import judge_pool, kept as kept_form
from .copies import CopyDoc, candidates, scored, shingle_hashes, _narrative_codes
from .judging import Judged, assemble, judge_batch
from .report import MonitorReport
from .words import MonitorStatus

BATCH = 500  # agencies read and judged at a time: a national registry's records do not fit in memory at once
_one_at_a_time = threading.Lock()  # the web's threads: one evaluation updates the kept state at a time


def entry_key(entry: RegistryAgency) -> str:
    """What of a registry entry its judgment depends on."""
    return "\x1f".join((entry.name, entry.region_path, str(entry.kind), *entry.list_urls))


def judge_batches(archive: Archive, entries: Sequence[RegistryAgency], year: int, as_of: dt.date,
                  copy_threshold: float, workers: int | None = None
                  ) -> tuple[dict[str, Judged], dict[str, Judgment]]:
    """`entries` judged from the archive, a batch at a time; with many batches, also in `workers`
    processes (default: nianbao.monitoring.judge_pool.default_workers()). Beside the judgments,
    those the workers sent, as kept (encoded once, there)."""
    batches = [entries[start:start + BATCH] for start in range(0, len(entries), BATCH)]
    workers = judge_pool.default_workers() if workers is None else workers
    if workers and len(batches) >= judge_pool.POOL_MIN_BATCHES and judge_pool.poolable(archive):
        return judge_pool.judge_in_pool(archive, batches, workers,
                                        lambda batch: judge_batch(archive, batch, year, as_of, copy_threshold),
                                        year, as_of, copy_threshold)
    judged: dict[str, Judged] = {}
    for batch in batches:
        judged |= judge_batch(archive, batch, year, as_of, copy_threshold)
    return judged, {}


def narrative_loader(archive: Archive, pairs: Iterable[tuple[CopyDoc, CopyDoc]]) -> Callable[[CopyDoc], np.ndarray]:
    """A document's shingle hashes, from its version's narrative sections: those of the documents
    in `pairs` read at once (one query per 500, not one per document), any other when asked."""
    cache: dict[int, np.ndarray] = {}
    wanted = {doc.version_id for pair in pairs for doc in pair}
    for version_id, record in version_sections(archive, wanted).items():
        cache[version_id] = shingle_hashes(_narrative_codes(record))

    def hashes(doc: CopyDoc) -> np.ndarray:
        if doc.version_id not in cache:
            record = version_sections(archive, [doc.version_id])[doc.version_id]
            cache[doc.version_id] = shingle_hashes(_narrative_codes(record))
        return cache[doc.version_id]

    return hashes


def evaluate_full(archive: Archive, agencies: Sequence[RegistryAgency], year: int, as_of: dt.date,
                  copy_threshold: float) -> MonitorReport:
    """Every agency judged from scratch, a batch at a time; nothing kept."""
    judged, _ = judge_batches(archive, agencies, year, as_of, copy_threshold)
    docs = [judged[e.name].doc for e in agencies if judged[e.name].doc is not None]
    found = candidates(docs, copy_threshold)
    pairs = scored(found, narrative_loader(archive, found))
    return assemble(agencies, judged, pairs, year, as_of, copy_threshold)


@dataclass
class _Kept:
    """A year's kept state as this process last loaded or saved it."""

    generation: int
    as_of: dt.date
    marks: dict
    rows: dict[str, JudgedRow]  # what each judgment was made from (`judged` holds the judgments)
    judged: dict[str, Judged]
    pairs: dict[tuple[str, str], float]


# The kept state of the last evaluation in this process, by database and year: a process that
# evaluates again (nianbao serve) reads only the generation if no other process saved since.
_memory: dict[tuple[str, int], _Kept] = {}


def forget_memory() -> None:
    """Drop what this process holds of the kept states (the next evaluation reads them again)."""
    _memory.clear()


def _kept(archive: Archive, year: int) -> _Kept | None:
    where = (archive.engine.url.render_as_string(hide_password=False), year)
    now = monitor_state.head(archive, year)
    if now is None:
        _memory.pop(where, None)
        return None
    held = _memory.get(where)
    if held is not None and (held.generation, held.as_of, held.marks) == now:
        return held
    state = monitor_state.load(archive, year)
    if state is None:
        return None
    decode = kept_form.decode
    judged = {name: decode(name, judgment, signature) for name, (judgment, signature) in state.judgments.items()}
    held = _Kept(state.generation, state.as_of, state.marks, state.judged, judged, state.pairs)
    _memory[where] = held
    return held


def evaluate_incremental(archive: Archive, agencies: Sequence[RegistryAgency], year: int, as_of: dt.date,
                         copy_threshold: float) -> MonitorReport:
    with _one_at_a_time:
        where = (archive.engine.url.render_as_string(hide_password=False), year)
        state = _kept(archive, year)
        now = marks(archive)  # before anything is read: what is added meanwhile is judged next time
        keys = reports_keys(archive, (year - 1, year))
        kept: dict[str, JudgedRow] = {}
        forget: set[str] = set()
        if state is not None:
            stale = _stale(archive, state, now, as_of, year) if marks_hold(archive, state.marks) else set(state.rows)
            for name, row in state.rows.items():
                if name in stale or keys.get(name, "") != row.reports_key:
                    forget.add(name)
                else:
                    kept[name] = row
        todo = [e for e in agencies if e.name not in kept or kept[e.name].entry_key != entry_key(e)]
        fresh, encoded = judge_batches(archive, todo, year, as_of, copy_threshold)
        judged = {name: state.judged[name] for name in kept if name not in fresh} | fresh
        old_docs = {name: j.doc for name, j in judged.items() if name not in fresh and j.doc is not None}
        new_docs = [j.doc for j in fresh.values() if j.doc is not None]
        found = candidates(new_docs, copy_threshold, among=list(old_docs.values()) if old_docs else None)
        new_pairs = scored(found, narrative_loader(archive, found))
        docs = old_docs | {d.agency: d for d in new_docs}
        redone = forget | set(fresh)
        old_pairs = {(a, b): score for (a, b), score in (state.pairs.items() if state else ())
                     if a not in redone and b not in redone and a in docs and b in docs}
        new_scores = {(a.agency, b.agency): score for a, b, score in new_pairs}
        rows = [row_of(e, keys.get(e.name, ""), fresh[e.name]) for e in todo]
        judgments = {e.name: encoded.get(e.name) or kept_form.encode(fresh[e.name]) for e in todo}
        saved = monitor_state.save(archive, year, state.generation if state else None, as_of, now, forget, rows,
                                   judgments, new_scores)
        if saved:
            _memory[where] = _Kept((state.generation if state else 0) + 1, as_of, dict(now),
                                   {name: row for name, row in kept.items() if name not in fresh}
                                   | {row.agency: row for row in rows},
                                   judged, old_pairs | new_scores)
        else:
            _memory.pop(where, None)
        pairs = [(docs[a], docs[b], score) for (a, b), score in old_pairs.items()] + new_pairs
        return assemble(agencies, judged, pairs, year, as_of, copy_threshold)


_DAY_BOUND = {MonitorStatus.NOT_DUE, MonitorStatus.MISSING, MonitorStatus.UNREACHABLE}


def _stale(archive: Archive, state: _Kept, now: Mapping, as_of: dt.date, year: int) -> set[str]:
    stale = changed_agencies(archive, state.marks, dict(now), china_day_end(state.as_of), china_day_end(as_of))
    if state.as_of != as_of:
        crossed = {kind.value for kind in AgencyKind
                   if (state.as_of <= kind.deadline(year)) != (as_of <= kind.deadline(year))}
        # The day matters only to an agency with nothing archived or listed for the year
        # (statuses.agency_status): not_due names it; missing and unreachable become not_due
        # when it goes back before the deadline (and the other way). Archived ones keep theirs.
        stale |= {name for name, row in state.rows.items()
                  if row.status == MonitorStatus.NOT_DUE or (row.kind in crossed and row.status in _DAY_BOUND)}
    return stale


def row_of(entry: RegistryAgency, reports_key: str, judged: Judged) -> JudgedRow:
    """What `judged` was made from and said, as kept for `entry`."""
    return JudgedRow(entry.name, entry_key(entry), reports_key, str(entry.kind), judged.status.status.value)
