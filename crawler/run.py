"""Running a crawl of registry agencies into the archive (what `nianbao crawl` calls)."""

from __future__ import annotations

from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler import settings as default_settings
from crawler.registry import Agency
from crawler.spiders.reports import AgencyOutcome, ReportsSpider
from storage.db import data_dir


def crawl_settings(data: Path, overrides: dict | None = None) -> Settings:
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    settings.set("NIANBAO_DATA", str(data))
    settings.set("HTTPCACHE_DIR", str(Path(data).resolve() / "httpcache"))
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def run_crawl(agencies: list[Agency], data: Path | None = None, overrides: dict | None = None,
              jobdir: Path | None = None) -> dict[str, AgencyOutcome]:
    """Crawl `agencies` into the archive under `data`; returns each agency's outcome."""
    data = Path(data) if data is not None else data_dir()
    data.mkdir(parents=True, exist_ok=True)
    settings = crawl_settings(data, overrides)
    if jobdir is not None:
        settings.set("JOBDIR", str(jobdir), priority="cmdline")
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(ReportsSpider)
    process.crawl(crawler, agencies=agencies)
    process.start()
    return crawler.spider.outcomes
