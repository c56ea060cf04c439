"""Every exit status of `nianbao`, defined once, and the one way a command stops with a message.

Scripts and cron jobs act on these numbers (README, "Running unattended"); `nianbao --help`
lists them (EPILOG). click itself exits 2 on a usage error.
"""

from __future__ import annotations

import sys
from typing import NoReturn

import click

EXIT_OK = 0
EXIT_FAILED = 1  # a file not a report, a damaged archive or WARC, a bad registry, a worker's error
EXIT_USAGE = 2  # click's own: bad options or arguments, a query that cannot be read
EXIT_CRAWL_FAILED = 3  # crawl: some agency's column could not be crawled (down, blocked, unreadable)
EXIT_WORKER_STOPPED = 4  # crawl --workers: this worker stopped (signal) before the shared crawl ended
EXIT_CRAWL_LOCKED = 75  # crawl: EX_TEMPFAIL, another crawl of this archive is running; try later

# monitor: 0 nothing new since the last recorded run; otherwise the sum of these flags, so a cron
# job can act on each.
EXIT_NEW_LATE_OR_MISSING = 4
EXIT_NEW_FINDINGS = 8
EXIT_NEW_UNREACHABLE = 16

EPILOG = f"""\b
Exit status:
  {EXIT_OK}   done, nothing wrong
  {EXIT_FAILED}   failed: a file not a report, a damaged archive or WARC, a bad registry
  {EXIT_USAGE}   usage error: bad options or arguments, a query that cannot be read
  {EXIT_CRAWL_FAILED}   crawl: some agency's column could not be crawled
  {EXIT_WORKER_STOPPED}   crawl --workers: this worker stopped before the shared crawl ended
  {EXIT_CRAWL_LOCKED}  crawl: another crawl of this archive is running (try later)
  monitor: the sum of {EXIT_NEW_LATE_OR_MISSING} (newly late or missing), {EXIT_NEW_FINDINGS} (new findings), \
{EXIT_NEW_UNREACHABLE} (newly unreachable)
"""


def fail(message: str, status: int = EXIT_FAILED) -> NoReturn:
    """Print `nianbao: message` on stderr and exit with `status`."""
    click.echo(f"nianbao: {message}", err=True)
    sys.exit(status)
