"""`nianbao crawl` (one process, or one of several `--workers` sharing a crawl through Redis)
and `nianbao demo` (the whole pipeline against the simulated portal on loopback)."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Mapping
from pathlib import Path

import click

from storage.vocab import CrawlOutcome

from ..output import columns, pad, terminal_text
from ..progress import Steps, crawl_overrides, crawl_sink, terminal_progress
from .agencies import data_registry, load_agencies
from .exits import EXIT_CRAWL_FAILED, EXIT_CRAWL_LOCKED, EXIT_FAILED, EXIT_OK, EXIT_WORKER_STOPPED, fail
from .options import command_clock, config_option


def print_outcomes(outcomes: Mapping) -> int:
    """The crawl's table, one line per agency; the number of agencies not reached."""
    failed = 0
    width = columns(outcomes, 22) + 2
    click.echo(f"{pad('agency', width)}{'outcome':<13}{'pages':>6}{'reports':>9}  errors")
    for name, outcome in outcomes.items():
        failed += not outcome.outcome.reached
        errors = terminal_text("; ".join(outcome.list_errors + outcome.errors)[:200])
        click.echo(f"{pad(name, width)}{outcome.outcome:<13}{outcome.pages_listed:>6}{outcome.reports_found:>9}  {errors}")
    return failed


@click.command("crawl")
@config_option()
@click.option("--agency", "names", multiple=True, help="Only this agency (repeatable).")
@click.option("--no-politeness", is_flag=True, help="No delays or AutoThrottle (for local test portals only).")
@click.option("--ignore-robots", is_flag=True, help="Do not fetch or obey robots.txt (local test portals only).")
@click.option("--jobdir", type=click.Path(file_okay=False, path_type=Path),
              help="Keep the crawl's state here, so an interrupted crawl resumes where it stopped.")
@click.option("--workers", "redis_url", metavar="REDIS_URL",
              help="Be one of several workers sharing the crawl through Redis (scrapy-redis), e.g. "
                   "redis://10.0.0.5:6379/0; needs NIANBAO_DATABASE_URL (PostgreSQL) and a shared NIANBAO_DATA.")
@click.option("--worker-ttl", type=click.FloatRange(min=1), default=30.0, show_default=True,
              help="With --workers: seconds without a heartbeat before a worker's requests are requeued.")
def crawl_command(config: Path | None, names: tuple[str, ...], no_politeness: bool, ignore_robots: bool,
                  jobdir: Path | None, redis_url: str | None, worker_ttl: float) -> None:
    """Crawl the agencies' report columns into the archive and parse what is found.

    \b
    Examples:
      nianbao crawl
      nianbao crawl --config config/agencies/jiangsu.toml --agency 淮安市人民政府
      nianbao crawl --jobdir data/job    # resumable: run the same command again after a crash
      nianbao crawl --workers redis://10.0.0.5:6379/0   # one of N workers (README: distributed crawl)
    With --config, the data folder keeps a copy of that registry ($NIANBAO_DATA/registry/):
    crawl, monitor and serve on it then read it without --config.
    Exits 3 when any agency's column could not be crawled (down, blocked, unreadable), 75 when
    another crawl of the same archive is running (the lock $NIANBAO_DATA/crawl.lock; not taken
    with --workers, which share the archive by design), 4 when a --workers worker stopped
    before the shared crawl ended.
    """
    from crawler.run import run_crawl

    agencies = registry = load_agencies(data_registry(config))
    if names:
        unknown = sorted(set(names) - {a.name for a in agencies})
        if unknown:
            raise click.UsageError(f"not in the registry: {', '.join(unknown)}")
        agencies = [a for a in agencies if a.name in names]
    overrides = {}
    if no_politeness:
        overrides.update({"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 8})
    if ignore_robots:
        overrides["ROBOTSTXT_OBEY"] = False
    if config is not None:
        # The data folder remembers the registry it is crawled with: `monitor` and `serve` on
        # it read this one without --config (crawler.data_registry).
        from crawler import data_registry as remembered
        from storage.db import data_dir as data_folder

        remembered.remember(data_folder(), config)
    if redis_url:
        crawl_as_worker(agencies, redis_url, overrides, jobdir=jobdir, worker_ttl=worker_ttl)  # exits
    from filelock import FileLock, Timeout

    from storage.db import data_dir

    lock_path = data_dir() / "crawl.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # One crawl per archive at a time: a scheduled run that starts while the last one is
        # still going stops here instead of crawling the same portals twice.
        lock = FileLock(lock_path, timeout=0)
        lock.acquire()
    except Timeout:
        fail(f"another crawl holds {lock_path}; not starting a second one", EXIT_CRAWL_LOCKED)
    try:
        with terminal_progress() as progress:  # agencies and pages, on a terminal only
            overrides.update(crawl_overrides(crawl_sink(progress)))
            outcomes = run_crawl(agencies, overrides=overrides, jobdir=jobdir, registry=registry, clock=command_clock())
    finally:
        lock.release()
    if print_outcomes(outcomes):
        sys.exit(EXIT_CRAWL_FAILED)


def crawl_as_worker(agencies: list, redis_url: str, overrides: dict, *, jobdir: Path | None,
                    worker_ttl: float) -> None:
    """`crawl --workers`: run this process as one worker until the shared crawl ends, print the
    crawl's outcomes, exit (crawler.distributed's errors become one line on stderr)."""
    from crawler.distributed import DistributedCrawlError, run_worker

    if jobdir is not None:
        raise click.UsageError("--jobdir and --workers do not go together: a shared crawl keeps its state in Redis")
    try:
        result = run_worker(agencies, redis_url, overrides=overrides, worker_ttl=worker_ttl)
    except DistributedCrawlError as exc:
        fail(str(exc), EXIT_FAILED)
    if not result.finished:
        fail(f"worker {result.worker} stopped before crawl {result.crawl_id} ended; the requests "
             "it held are back in the queue for the other workers", EXIT_WORKER_STOPPED)
    click.echo(f"crawl {result.crawl_id} finished (this worker: {result.worker}; "
               f"{result.requeued} requests of stopped workers requeued)")
    sys.exit(EXIT_CRAWL_FAILED if print_outcomes(result.outcomes) else EXIT_OK)


def print_monitor_summary(archive, agencies, years, as_of: dt.date) -> None:
    """What the monitor says of each registered agency for `years`, judged as of `as_of`."""
    from ..monitoring import evaluate

    for year in years:
        report = evaluate(archive, agencies, year, as_of)
        click.echo(f"what the monitor says of {year} (as of {as_of}):")
        width = columns(row.agency for row in report.agencies)
        for row in report.agencies:
            late = f", {row.days_late} days late" if row.days_late else ""
            click.echo(terminal_text(f"  {pad(row.agency, width)} {row.status}{late}"))
        for finding in report.findings:
            click.echo(terminal_text(f"  {finding.finding}: {finding.agency}: {finding.detail}"))


@click.command("demo")
@click.option("--data", type=click.Path(file_okay=False, path_type=Path), help="Where to put the demo archive (default: a new temporary folder).")
def demo_command(data: Path | None) -> None:
    """The whole pipeline offline: start the simulated portal on loopback, crawl it, show the reports.

    \b
    Example:
      nianbao demo
    """
    import tempfile

    clock = command_clock()
    data = data or Path(tempfile.mkdtemp(prefix="nianbao-demo-"))
    with terminal_progress() as progress:  # the steps, and the crawl's pages, on a terminal only
        steps = Steps(progress, 4)
        _demo(data, clock, steps, progress)
        steps.done()


def _demo(data: Path, clock, steps, progress) -> None:
    from crawler import data_registry as remembered
    from crawler.registry import load_registry
    from crawler.run import run_crawl
    from storage import Archive
    from storage.clock import china_today

    from ..devportal import Portal

    steps.next("starting the simulated portal")
    with Portal() as portal:
        # The data folder remembers the demo's registry: `nianbao monitor` and `serve` on it
        # judge the simulated portal's agencies (crawler.data_registry).
        registry = remembered.remember_text(data, "demo.toml", portal.registry_toml(),
                                               f"nianbao demo: the simulated portal on 127.0.0.x:{portal.port}")
        click.echo(f"simulated portal: {len(portal.sites)} sites on 127.0.0.x:{portal.port}; archive in {data}")
        agencies = load_registry(registry)
        steps.next("crawling it")
        outcomes = run_crawl(agencies, data, overrides={
            "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
            **crawl_overrides(crawl_sink(progress))}, clock=clock)
    width = columns(outcomes)
    for name, outcome in outcomes.items():
        click.echo(f"  {pad(name, width)} {outcome.outcome:<12} {outcome.pages_listed} list pages, "
                   f"{outcome.reports_found} report pages")
    steps.next("reading the archive")
    archive = Archive.open(data)
    try:
        click.echo("reports archived:")
        years: set[int] = set()
        for report, version, capture in archive.latest_versions():
            failed = version.checks_failed
            if report.year:
                years.add(report.year)
            click.echo(terminal_text(
                f"  {report.agency_name or '?'} {report.year} {report.format or '?'}  "
                f"{'checks ok' if not failed else f'{failed} checks failed'}  {report.url}"))
        # Deadlines are China's calendar days: the monitor judges as of today there.
        steps.next("judging who published")
        print_monitor_summary(archive, agencies, sorted(years)[-2:], china_today(clock))
    finally:
        archive.close()
    year = f" --year {max(years)}" if years else ""  # without one, monitor judges last year
    click.echo(f"try: NIANBAO_DATA={data} nianbao monitor{year}")
    click.echo(f"     NIANBAO_DATA={data} nianbao serve    # both read the registry kept in {registry}")
