"""`nianbao crawl --workers REDIS_URL`: this process as one worker of a shared crawl (the CLI edge
of crawler.distributed: its errors become one line on stderr, its result an exit status)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from crawler.registry import Agency

log = logging.getLogger(__name__)

EXIT_ERROR = 1
EXIT_CRAWL_FAILED = 3  # as `nianbao crawl`: some agency's column could not be crawled
EXIT_WORKER_STOPPED = 4  # this worker stopped (signal) before the shared crawl ended


def crawl_with_workers(agencies: list[Agency], redis_url: str, overrides: dict, *, jobdir: Path | None,
                       worker_ttl: float) -> None:
    """Run one worker until the shared crawl ends, print the crawl's outcomes, exit."""
    from crawler.distributed import DistributedCrawlError, run_worker

    if jobdir is not None:
        raise click.UsageError("--jobdir and --workers do not go together: a shared crawl keeps its state in Redis")
    try:
        result = run_worker(agencies, redis_url, overrides=overrides, worker_ttl=worker_ttl)
    except DistributedCrawlError as exc:
        click.echo(f"nianbao: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    if not result.finished:
        click.echo(f"nianbao: worker {result.worker} stopped before crawl {result.crawl_id} ended; the requests "
                   "it held are back in the queue for the other workers", err=True)
        sys.exit(EXIT_WORKER_STOPPED)
    click.echo(f"crawl {result.crawl_id} finished (this worker: {result.worker}; "
               f"{result.requeued} requests of stopped workers requeued)")
    click.echo(f"{'agency':<24}{'outcome':<13}{'pages':>6}{'reports':>9}  errors")
    failed = 0
    for name, outcome in result.outcomes.items():
        failed += outcome.outcome != "reached"
        click.echo(f"{name:<24}{outcome.outcome:<13}{outcome.pages_listed:>6}{outcome.reports_found:>9}  "
                   f"{'; '.join(outcome.list_errors + outcome.errors)[:200]}")
    sys.exit(EXIT_CRAWL_FAILED if failed else 0)
