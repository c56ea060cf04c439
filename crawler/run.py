"""Running a crawl of registry agencies into the archive (what `nianbao crawl` calls)."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler import settings as default_settings
from crawler.registry import Agency
from crawler.spiders.reports import AgencyOutcome, ReportsSpider
from storage.clock import Clock, system_clock
from storage.db import data_dir

log = logging.getLogger(__name__)


def crawl_settings(data: Path, overrides: dict | None = None, agencies: list[Agency] = ()) -> Settings:
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    settings.set("NIANBAO_DATA", str(data))
    settings.set("HTTPCACHE_DIR", str(Path(data).resolve() / "httpcache"))
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    # Per-agency politeness from the registry: a download slot per host with its own delay.
    slots = {host: {"delay": a.crawl_delay, "concurrency": 1}
             for a in agencies if a.crawl_delay is not None for host in a.domains}
    if slots:
        settings.set("DOWNLOAD_SLOTS", slots, priority="cmdline")
    return settings


RUNNING_MARKER = "nianbao.running"


def _recover_jobdir(jobdir: Path) -> None:
    """Make a JOBDIR left by a killed crawl safe to resume.

    Scrapy persists its queue and seen-set for a graceful stop; after SIGKILL the queue file can
    be cut mid-record (the resumed crawl died on "unpack requires a buffer of 4 bytes") and
    requests in flight are marked seen but never done (tests/crawler/test_crawl_failures.py
    lost reports both ways). A crawl that did not stop cleanly leaves its marker behind; its
    queue state is then dropped and the crawl starts over, which the HTTP cache makes cheap:
    every page already fetched costs a 304.
    """
    jobdir.mkdir(parents=True, exist_ok=True)
    if (jobdir / RUNNING_MARKER).exists():
        log.warning("the crawl in %s did not stop cleanly; its queue is dropped and pages revalidated", jobdir)
        shutil.rmtree(jobdir / "requests.queue", ignore_errors=True)
        (jobdir / "requests.seen").unlink(missing_ok=True)
    (jobdir / RUNNING_MARKER).touch()


def known_report_urls(data: Path, database_url: str | None, agencies: list[Agency]) -> dict[str, list[str]]:
    """Each agency's report URLs archived by earlier crawls (rechecked: still there?)."""
    from sqlalchemy import select

    from storage import Archive
    from storage.models import Agency as AgencyRow
    from storage.models import Report

    archive = Archive.open(data, database_url)
    try:
        with archive.session() as session:
            rows = session.execute(
                select(AgencyRow.name, Report.url).join(Report, Report.agency_id == AgencyRow.id)
                .where(AgencyRow.name.in_([a.name for a in agencies])).order_by(Report.id)
            ).all()
    finally:
        archive.close()
    known: dict[str, list[str]] = {}
    for name, url in rows:
        known.setdefault(name, []).append(url)
    return known


def run_crawl(agencies: list[Agency], data: Path | None = None, overrides: dict | None = None,
              jobdir: Path | None = None, clock: Clock = system_clock,
              registry: list[Agency] | None = None) -> dict[str, AgencyOutcome]:
    """Crawl `agencies` into the archive under `data`; returns each agency's outcome. `clock`
    stamps the captures and the crawl runs. `registry`: every registered agency, when only some
    are crawled (`--agency`), so that a report naming another registered agency is filed under
    it, not as unregistered (crawler.attribution)."""
    data = Path(data) if data is not None else data_dir()
    data.mkdir(parents=True, exist_ok=True)
    settings = crawl_settings(data, overrides, agencies)
    settings.set("NIANBAO_CLOCK", clock, priority="cmdline")
    if jobdir is not None:
        settings.set("JOBDIR", str(jobdir), priority="cmdline")
        _recover_jobdir(Path(jobdir))
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    # The crawl's own log goes to the data folder (the CLI prints the summary).
    settings.set("LOG_FILE", str(data / "crawl.log"), priority="cmdline")
    settings.set("LOG_FILE_APPEND", True, priority="cmdline")
    process = CrawlerProcess(settings, install_root_handler=True)
    known = known_report_urls(data, settings.get("NIANBAO_DATABASE_URL"), agencies)
    # The portal-only path: agencies with a portal and no list_urls get their columns from
    # discovery (stored, reused, found again when they move).
    from crawler.discovery.run import crawl_with_discovery, needs_discovery

    if any(needs_discovery(a) for a in agencies):
        outcomes = crawl_with_discovery(process, settings, agencies, data, known, clock,
                                        lambda: process.create_crawler(ReportsSpider))
        if jobdir is not None:
            (Path(jobdir) / RUNNING_MARKER).unlink(missing_ok=True)
        return outcomes
    crawler = process.create_crawler(ReportsSpider)
    process.crawl(crawler, agencies=agencies, known_reports=known, registry=registry or agencies)
    process.start()
    if jobdir is not None:
        (Path(jobdir) / RUNNING_MARKER).unlink(missing_ok=True)  # stopped cleanly: resumable as is
    return crawler.spider.outcomes
