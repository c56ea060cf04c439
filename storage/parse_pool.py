"""Parsing in worker processes, off the process that fetches or reads: the crawl's and the WARC
import's batches hand the payloads they parse to a `ParsePool` (`Archive.open(parse_workers=N)`),
and get back, in order, each payload's `Record`, the `ParseError` refusing it, or the exception
the parser failed with (that capture alone is then not stored, as when parsing in-process).

`parsing` is pure (bytes in, record out), so a worker needs nothing but the payload, its URL and
content type, and the limits. Workers are spawned, not forked (the crawl's process runs threads
and a reactor), once, when the first batch with enough to parse arrives.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

from parsing import Limits, ParseError, Record, parse_report
from parsing.gate import gate

log = logging.getLogger(__name__)

# Fewer payloads than this in a batch are parsed in-process: a pool round trip is not worth it
# (and a small crawl, like the tests', never starts a worker).
POOL_MIN = 8

ParseJob = tuple[bytes, str, str | None]  # payload, URL, content type
ParseOutcome = Record | ParseError | Exception


def default_workers() -> int:
    """One core left to the process that fetches or reads, at most 4 workers."""
    return min(4, max(1, (os.cpu_count() or 1) - 1))


def parse_payload(job: ParseJob, limits: Limits) -> ParseOutcome:
    """A payload's record, or why not; an unexpected failure returned, not raised. The gate has
    been passed already (`ParsePool.parse_many` asks it before a job goes anywhere)."""
    body, url, content_type = job
    try:
        return parse_report(body, url, content_type, limits=limits)
    except ParseError as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 - handed back to the capture it belongs to
        log.exception("%s: the parser failed", url)
        return RuntimeError(f"the parser failed on {url}: {type(exc).__name__}: {exc}")


def _parse_chunk(jobs: Sequence[ParseJob], limits: Limits) -> list[ParseOutcome]:
    return [parse_payload(job, limits) for job in jobs]


class ParsePool:
    """`workers` processes parsing payloads; `close()` when done."""

    def __init__(self, workers: int, limits: Limits) -> None:
        if workers < 1:
            raise ValueError(f"a parse pool needs at least one worker, not {workers}")
        self.workers = workers
        self.limits = limits
        self._executor: ProcessPoolExecutor | None = None

    def parse_many(self, jobs: Sequence[ParseJob]) -> list[ParseOutcome]:
        """Each job's outcome, in order. Pages that cannot be reports (`parsing.gate`) are refused
        here, not sent to a worker."""
        outcomes: list[ParseOutcome | None] = [gate(body, content_type, limits=self.limits)
                                               for body, _, content_type in jobs]
        todo = [n for n, outcome in enumerate(outcomes) if outcome is None]
        for n, outcome in zip(todo, self._parse_in_workers([jobs[n] for n in todo]), strict=True):
            outcomes[n] = outcome
        return outcomes  # type: ignore[return-value] - every None replaced

    def _parse_in_workers(self, jobs: Sequence[ParseJob]) -> list[ParseOutcome]:
        if len(jobs) < POOL_MIN:
            return [parse_payload(job, self.limits) for job in jobs]
        if self._executor is None:
            self._executor = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        # A few chunks per worker: each worker busy, the round trips few.
        size = max(1, -(-len(jobs) // (self.workers * 4)))
        chunks = [jobs[start:start + size] for start in range(0, len(jobs), size)]
        futures = [self._executor.submit(_parse_chunk, chunk, self.limits) for chunk in chunks]
        return [outcome for future in futures for outcome in future.result()]

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
