"""What a parse worker process runs (storage.parse_pool): payloads in, each one's outcome out.

It lives in `parsing`, not beside the pool in `storage`, because a worker imports the module of
the function it is handed (and of its process's class): `storage`'s package imports the archive
(SQLAlchemy, Alembic, the models), ~1 s of CPU in every worker started, and a worker needs
nothing but the parser. `WorkerContext` spawns workers that skip the parent's main module.
"""

from __future__ import annotations

import logging
import sys
import threading
import types
from collections.abc import Sequence
from multiprocessing import context, popen_spawn_posix

from .errors import ParseError
from .limits import Limits
from .record import Record
from .report import parse_report

log = logging.getLogger(__name__)

ParseJob = tuple[bytes, str, str | None]  # payload, URL, content type
ParseOutcome = Record | ParseError | Exception


_LAUNCHING = threading.Lock()


class _WorkerProcess(context.SpawnProcess):
    """A spawned process that does not run the parent's main module first (and is itself
    defined here, not in `storage`, for the same reason as the function it runs).

    A spawned child imports the parent's `__main__` before anything else (for objects defined
    there); the crawl's is the `nianbao` console script, which imports every command, ~1.3 s of
    CPU in each parse worker, which needs only `parsing` (`parsing.pool_worker`). While the child
    is launched, the parent's `__main__` is a bare module, so its preparation data names none.
    """

    @staticmethod
    def _Popen(process_obj):  # noqa: N802 - multiprocessing's name
        with _LAUNCHING:
            main = sys.modules["__main__"]
            sys.modules["__main__"] = types.ModuleType("__main__")
            try:
                return popen_spawn_posix.Popen(process_obj)
            finally:
                sys.modules["__main__"] = main


class WorkerContext(context.SpawnContext):
    Process = _WorkerProcess


def parse_payload(job: ParseJob, limits: Limits) -> ParseOutcome:
    """A payload's record, or why not; an unexpected failure returned, not raised (and as a
    RuntimeError naming it: whatever the parser raised may not cross a process boundary)."""
    body, url, content_type = job
    try:
        return parse_report(body, url, content_type, limits=limits)
    except ParseError as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 - handed back to the capture it belongs to
        log.exception("%s: the parser failed", url)
        return RuntimeError(f"the parser failed on {url}: {type(exc).__name__}: {exc}")


def parse_chunk(jobs: Sequence[ParseJob], limits: Limits) -> list[ParseOutcome]:
    return [parse_payload(job, limits) for job in jobs]
