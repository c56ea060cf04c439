"""Group commit: captures handed in one at a time, stored in batches by a writer thread.

A batch is written (`Archive.ingest_batch`: blobs made durable together, then one database
transaction) when `max_count` captures wait, or when the first of them has waited `max_wait`
seconds, or when someone asks (`flush`, `close`). Two threads pipeline the batches: one
prepares a batch (plans it, parses, stages its payloads) while the other commits the batch
before it (its transaction, whose statements run while the batch's pack file, or its few loose
blobs, is written and fsynced: storage/blobs.py), so the parsing, the disk's fsyncs and the
database's work overlap; batches commit in order. Each capture's `Future` is settled only once
its batch is committed, so whoever waits on it (the crawl's pipeline, before Scrapy counts the
item done; a distributed worker, before it acknowledges the request) never takes an uncommitted
capture as stored. A process killed with captures waiting has committed none of them: a rerun
(or the crawl's resume, which revalidates its pages) stores them, and nothing twice.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import Future

from .archive import Archive, IngestItem, IngestResult, PreparedBatch

log = logging.getLogger(__name__)

# Defaults measured with bench/ingest.py on the 2-core dev machine: batches of 500 reach the
# throughput of 1,000 (the blob fsyncs are what a batch spreads), and half a second bounds what
# a quiet crawl waits for its captures to be committed.
DEFAULT_MAX_COUNT = 500
DEFAULT_MAX_WAIT = 0.5


class GroupCommitClosedError(Exception):
    """A capture was handed to a group commit that is closed."""


class GroupCommit:
    """Captures stored in batches of at most `max_count`, none waiting more than about
    `max_wait` seconds before its batch is written (see the module docstring)."""

    def __init__(self, archive: Archive, *, max_count: int = DEFAULT_MAX_COUNT,
                 max_wait: float = DEFAULT_MAX_WAIT) -> None:
        if max_count < 1 or max_wait < 0:
            raise ValueError(f"max_count must be >= 1 and max_wait >= 0 (not {max_count}, {max_wait})")
        self.archive = archive
        self.max_count = max_count
        self.max_wait = max_wait
        self._waiting: list[tuple[IngestItem, Future[IngestResult]]] = []
        self._first_at = 0.0  # monotonic time the oldest waiting capture arrived
        self._writing = 0  # captures taken by the writer, not yet settled
        self._flush_asked = False
        self._closed = False
        self._cond = threading.Condition()
        self.batches = 0  # batches written (for the tests and the bench)
        # Prepared batches waiting for their commit: one at most, so a prepared batch's staged
        # payloads are never far ahead of the commits.
        self._prepared: queue.Queue[tuple[PreparedBatch, list[Future[IngestResult]]] | None] = queue.Queue(1)
        self._writer = threading.Thread(target=self._run, name="group-commit-prepare", daemon=True)
        self._committer = threading.Thread(target=self._commit, name="group-commit", daemon=True)
        self._writer.start()
        self._committer.start()

    def submit(self, item: IngestItem) -> Future[IngestResult]:
        """Queue one capture; its future gives its `IngestResult` (or its exception) once its
        batch is committed."""
        future: Future[IngestResult] = Future()
        with self._cond:
            if self._closed:
                raise GroupCommitClosedError("this group commit is closed")
            if not self._waiting:
                self._first_at = time.monotonic()
            self._waiting.append((item, future))
            if len(self._waiting) >= self.max_count:
                self._cond.notify_all()
            elif len(self._waiting) == 1:
                self._cond.notify_all()  # the writer starts the clock of a new batch
        return future

    def flush(self) -> None:
        """Return once every capture submitted before the call is committed (or failed)."""
        with self._cond:
            self._flush_asked = True
            self._cond.notify_all()
            while self._waiting or self._writing:
                self._cond.wait()
            self._flush_asked = False

    def close(self) -> None:
        """Store what waits and stop the writer; later submits raise `GroupCommitClosedError`."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._writer.join()
        self._committer.join()

    def __enter__(self) -> GroupCommit:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _take(self) -> list[tuple[IngestItem, Future[IngestResult]]] | None:
        """The next batch, waiting for it as the rules say; None once closed and drained."""
        with self._cond:
            while True:
                if self._waiting:
                    due = self._first_at + self.max_wait
                    now = time.monotonic()
                    if (len(self._waiting) >= self.max_count or now >= due or self._closed
                            or self._flush_asked):
                        batch, self._waiting = self._waiting[:self.max_count], self._waiting[self.max_count:]
                        self._first_at = now
                        self._writing += len(batch)
                        return batch
                    self._cond.wait(due - now)
                elif self._closed:
                    return None
                else:
                    self._cond.wait()

    def _run(self) -> None:
        """Prepare each batch and hand it to the committer."""
        try:
            while (batch := self._take()) is not None:
                futures = [future for _, future in batch]
                try:
                    prepared = self.archive.prepare_batch([item for item, _ in batch])
                except BaseException as exc:  # noqa: BLE001 - every capture of the batch fails with it
                    log.exception("a batch of %d captures was not stored", len(batch))
                    self._settle(futures, exc)
                    continue
                self._prepared.put((prepared, futures))
        finally:
            self._prepared.put(None)

    def _commit(self) -> None:
        """Commit the prepared batches in order; settle their captures."""
        while (job := self._prepared.get()) is not None:
            prepared, futures = job
            try:
                results = self.archive.commit_batch(prepared)
            except BaseException as exc:  # noqa: BLE001 - every capture of the batch fails with it
                log.exception("a batch of %d captures was not stored", len(futures))
                self._settle(futures, exc)
            else:
                self._settle(futures, results)

    def _settle(self, futures: list[Future[IngestResult]], outcome: list[IngestResult | Exception] | BaseException) -> None:
        for n, future in enumerate(futures):
            result = outcome if isinstance(outcome, BaseException) else outcome[n]
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)
        with self._cond:
            self.batches += 1
            self._writing -= len(futures)
            self._cond.notify_all()
