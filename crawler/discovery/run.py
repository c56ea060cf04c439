"""Discovery inside a crawl process: walk the portals, store what was found, hand the columns to
the reports crawl; after it, walk again from the portal of every agency whose column moved.

`discover` runs discovery alone (`nianbao discover`). `crawl_with_discovery` is the portal-only
path of `nianbao crawl` (crawler.run): in one Scrapy process, one after the other,

1. discovery for the portal-only agencies (a `portal`, no `list_urls`) with no active stored
   column (storage.discovered): stored columns are reused, never walked again while they answer;
2. the reports crawl of every agency, the portal-only ones on their stored columns;
3. for each portal-only agency a column of which answered 404/410 or redirected away: the
   column is marked moved, discovery walks the portal again (the moved addresses not taken
   again), the move is recorded (moved_from/moved_to), and the new columns are crawled; that
   second crawl's outcome is the agency's outcome, its errors saying what moved where.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings
from twisted.internet import defer

from crawler import discovered_units as units
from crawler.discovery.spider import DiscoverySpider
from crawler.discovery.walk import Bounds, Walk
from crawler.registry import Agency
from crawler.spiders.reports import AgencyOutcome, ReportsSpider
from storage import Archive
from storage.clock import Clock, system_clock
from storage.discovered import ColumnIn, active_columns, mark_moved, record_discovery

log = logging.getLogger(__name__)


def needs_discovery(agency: Agency) -> bool:
    """A portal and no column typed by hand: its columns come from discovery."""
    return bool(agency.portal) and not agency.list_urls


def bounds_from(settings: Settings) -> Bounds:
    """Discovery's bounds per agency: settings NIANBAO_DISCOVERY_MAX_PAGES / _MAX_DEPTH / _SECONDS."""
    default = Bounds()
    return Bounds(max_pages=settings.getint("NIANBAO_DISCOVERY_MAX_PAGES", default.max_pages),
                  max_depth=settings.getint("NIANBAO_DISCOVERY_MAX_DEPTH", default.max_depth),
                  max_seconds=settings.getfloat("NIANBAO_DISCOVERY_SECONDS", default.max_seconds))


def without_jobdir(process: CrawlerProcess, spider: type) -> Crawler:
    """A crawler of `process` for a pass that keeps no resumable state (discovery, the recrawl of
    moved columns): sharing the reports crawl's JOBDIR would mark its requests seen. (Made by the
    process, which installs the reactor with its first crawler; its settings are its own copy,
    frozen only when it starts.)"""
    crawler = process.create_crawler(spider)
    crawler.settings.set("JOBDIR", None, priority="cmdline")
    return crawler


def store_walks(archive: Archive, agencies: dict[str, Agency], walks: dict[str, Walk], now) -> None:
    finds = {}
    for name, walk in walks.items():
        found = [ColumnIn(column.url, column.role, column.evidence_json(), column.reports_listed, column.platform)
                 for column in walk.found.values()]
        record_discovery(archive, name, agencies[name].portal or walk.portal, found, now)
        finds[name] = found
    # Departments and townships with columns of their own: discovered agencies (crawler.discovered_units).
    units.record_from_walks(archive, agencies, finds, {name: walk.portal for name, walk in walks.items()}, now)


def walk_summary(walk: Walk) -> str:
    return (f"discovery found no 年报 column from {walk.portal} ({walk.pages} pages; {walk.stop_reason})"
            + (f": {'; '.join(walk.notes[:3])}" if walk.notes else ""))


@defer.inlineCallbacks
def discover_in(process: CrawlerProcess, settings: Settings, agencies: list[Agency], archive: Archive,
                clock: Clock, avoid: dict[str, set[str]] | None = None):
    """Walk `agencies`' portals in `process` and store what was found; the walks (a Deferred)."""
    crawler = without_jobdir(process, DiscoverySpider)
    yield process.crawl(crawler, agencies=agencies, bounds=bounds_from(settings), avoid=avoid or {})
    walks = crawler.spider.walks
    store_walks(archive, {a.name: a for a in agencies}, walks, clock())
    return walks


def discover(agencies: list[Agency], data: Path, settings: Settings, clock: Clock = system_clock) -> dict[str, Walk]:
    """Discovery alone, for `agencies` with a portal: each agency's walk, its finds stored."""
    process = CrawlerProcess(settings, install_root_handler=True)
    archive = Archive.open(data, settings.get("NIANBAO_DATABASE_URL"))
    result: dict[str, Walk] = {}
    try:
        finished = discover_in(process, settings, [a for a in agencies if a.portal], archive, clock)
        finished.addCallback(result.update)
        _run(process, finished)
    finally:
        archive.close()
    return result


def _run(process: CrawlerProcess, finished: defer.Deferred) -> None:
    """Run the reactor until `finished` fires; its failure is raised here."""
    from twisted.internet import reactor

    failures = []
    finished.addErrback(failures.append)
    finished.addBoth(lambda _: reactor.callLater(0, reactor.stop))
    process.start(stop_after_crawl=False)
    if failures:
        failures[0].raiseException()


def crawl_with_discovery(process: CrawlerProcess, settings: Settings, agencies: list[Agency], data: Path,
                         known_reports: dict[str, list[str]], clock: Clock,
                         reports_crawler: Callable[[], Crawler]) -> dict[str, AgencyOutcome]:
    """The crawl of `agencies` with discovery first for the portal-only ones (see the module's
    docstring); each agency's outcome. `reports_crawler` makes the reports crawl's crawler."""
    archive = Archive.open(data, settings.get("NIANBAO_DATABASE_URL"))
    outcomes: dict[str, AgencyOutcome] = {}
    portal_only = {a.name: a for a in agencies if needs_discovery(a)}

    def with_columns(agency: Agency, stored: dict[str, list[str]]) -> Agency:
        if agency.name not in portal_only:
            return agency
        return dataclasses.replace(agency, list_urls=tuple(stored.get(agency.name, ())))

    @defer.inlineCallbacks
    def flow():
        stored = active_columns(archive, portal_only)
        walks = {}
        undiscovered = [a for a in portal_only.values() if not stored.get(a.name)]
        if undiscovered:
            walks = yield discover_in(process, settings, undiscovered, archive, clock)
            stored = active_columns(archive, portal_only)
        notes = {name: [walk_summary(walk)] for name, walk in walks.items() if not stored.get(name)}
        # Discovered units crawled as agencies of their own, their columns left out of their
        # government's; attribution knows every discovered unit (crawler.discovered_units).
        stored = units.without_unit_columns(archive, stored)
        unit_agencies = units.crawl_entries(archive, portal_only.values())
        crawled = [with_columns(a, stored) for a in agencies] + unit_agencies
        crawler = reports_crawler()
        yield process.crawl(crawler, agencies=crawled, known_reports=known_reports, notes=notes,
                            registry=crawled + [a for a in units.attribution_agencies(archive, portal_only)
                                                if a.name not in {u.name for u in unit_agencies}])
        outcomes.update(crawler.spider.outcomes)
        units.adopt_unfiled(archive, portal_only, clock())
        moved = {name: outcome.moved_columns for name, outcome in outcomes.items()
                 if name in portal_only and outcome.moved_columns}
        unit_moves = {u.name: outcomes[u.name].moved_columns for u in unit_agencies
                      if u.name in outcomes and outcomes[u.name].moved_columns}
        for name, columns in unit_moves.items():  # found again by its government's walk, if that walks
            for url, why in columns.items():
                mark_moved(archive, name, url, why, clock())
        if not moved:
            return
        for name, columns in moved.items():
            for url, why in columns.items():
                mark_moved(archive, name, url, why, clock())
                log.warning("%s: column %s moved (%s); discovering again from %s", name, url, why,
                            portal_only[name].portal)
        walks = yield discover_in(process, settings, [portal_only[name] for name in moved], archive, clock,
                                  avoid={name: set(columns) for name, columns in moved.items()})
        stored = units.without_unit_columns(archive, active_columns(archive, list(moved)))
        again = [with_columns(portal_only[name], stored) for name in moved if stored.get(name)]
        again += [u for u in units.crawl_entries(archive, [portal_only[name] for name in moved]) if u.name in unit_moves]
        for name in moved:
            found = [c.url for c in walks[name].found.values()]
            outcomes[name].list_errors.append(
                f"discovery from {portal_only[name].portal} after the move: "
                + (f"found {', '.join(found)}" if found else walk_summary(walks[name])))
        if again:
            recrawl = without_jobdir(process, ReportsSpider)
            moved_notes = {name: [f"{url}: moved ({why}); the column was found again by discovery"
                                  for url, why in moved[name].items()] for name in moved}
            yield process.crawl(recrawl, agencies=again, known_reports=known_reports, notes=moved_notes,
                                registry=crawled)
            outcomes.update(recrawl.spider.outcomes)

    try:
        _run(process, flow())
    finally:
        archive.close()
    return outcomes
