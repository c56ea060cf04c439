"""Parsing in worker processes, off the process that fetches or reads: the crawl's and the WARC
import's batches hand the payloads they parse to a `ParsePool` (`Archive.open(parse_workers=N)`),
and get back, in order, each payload's `Record`, the `ParseError` refusing it, or the exception
the parser failed with (that capture alone is then not stored, as when parsing in-process).

`parsing` is pure (bytes in, record out), so a worker needs nothing but the payload, its URL and
content type, and the limits. Workers are spawned, not forked (the crawl's process runs threads
and a reactor), once, when the first batch with enough to parse arrives after this process has
parsed for about as long as a worker takes to start (`START_AFTER_CPU`); they import only
`parsing` (`parsing.pool_worker`).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING

from parsing import Limits

if TYPE_CHECKING:  # the parser (parsing.gate, parsing.pool_worker) loads when a batch is first parsed
    from parsing.pool_worker import ParseJob, ParseOutcome

log = logging.getLogger(__name__)

# Fewer payloads than this in a batch are parsed in-process: a pool round trip is not worth it
# (and a small crawl, like the tests', never starts a worker).
POOL_MIN = 8
# Nor is a worker started before this process has spent this much CPU parsing: a worker's start
# (a fresh interpreter importing the parser, ~0.5 s of CPU measured) is paid once, so until as
# much has been spent parsing here, parsing here costs less in all (renting before buying: never
# more than twice the cheaper choice's cost). A crawl of a few dozen reports never starts one.
START_AFTER_CPU = 0.5


def default_workers() -> int:
    """One core left to the process that fetches or reads, at most 4 workers."""
    return min(4, max(1, (os.cpu_count() or 1) - 1))


class ParsePool:
    """`workers` processes parsing payloads; `close()` when done."""

    def __init__(self, workers: int, limits: Limits) -> None:
        if workers < 1:
            raise ValueError(f"a parse pool needs at least one worker, not {workers}")
        self.workers = workers
        self.limits = limits
        self._executor: ProcessPoolExecutor | None = None
        self.inline_cpu = 0.0  # CPU seconds spent parsing in this process before a worker started

    def parse_many(self, jobs: Sequence[ParseJob]) -> list[ParseOutcome]:
        """Each job's outcome, in order. Pages that cannot be reports (`parsing.gate`) are refused
        here, not sent to a worker."""
        from parsing.gate import gate

        outcomes: list[ParseOutcome | None] = [gate(body, content_type, limits=self.limits)
                                               for body, _, content_type in jobs]
        todo = [n for n, outcome in enumerate(outcomes) if outcome is None]
        for n, outcome in zip(todo, self._parse_in_workers([jobs[n] for n in todo]), strict=True):
            outcomes[n] = outcome
        return outcomes  # type: ignore[return-value] - every None replaced

    def _parse_in_workers(self, jobs: Sequence[ParseJob]) -> list[ParseOutcome]:
        from parsing.pool_worker import WorkerContext, parse_chunk, parse_payload

        if len(jobs) < POOL_MIN or (self._executor is None and self.inline_cpu < START_AFTER_CPU):
            started = time.thread_time()
            outcomes = [parse_payload(job, self.limits) for job in jobs]
            if self._executor is None:
                self.inline_cpu += time.thread_time() - started
            return outcomes
        if self._executor is None:
            self._executor = ProcessPoolExecutor(self.workers, mp_context=WorkerContext())
        # A few chunks per worker: each worker busy, the round trips few.
        size = max(1, -(-len(jobs) // (self.workers * 4)))
        chunks = [jobs[start:start + size] for start in range(0, len(jobs), size)]
        futures = [self._executor.submit(parse_chunk, chunk, self.limits) for chunk in chunks]
        return [outcome for future in futures for outcome in future.result()]

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
