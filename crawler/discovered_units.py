"""Discovered agencies inside a crawl: recorded from discovery's walks and from the reports a
crawl filed under no agency, and crawled as agencies of their own.

- `record_from_walks`: after a government's portal was walked, the unit columns among its finds
  (crawler.departments) become discovered agencies with those columns
  (storage.discovered_agencies).
- `crawl_entries`: the discovered (not yet accepted) units of the governments crawled, as
  registry `Agency` values (kind department, the government's region, their own columns as
  `list_urls`, the government's politeness): the crawl reads a unit's column as the unit's, so a
  report there that names nobody is the unit's, and the unit gets crawl runs of its own (the
  monitor's evidence for missing or unreachable). Their columns are left out of the government's.
- `adopt_unfiled`: after the crawl, reports filed under no agency that name a unit of the
  government whose column listed them become that unit's (a discovered agency from reports).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Mapping

from crawler.attribution import Registry
from crawler.departments import UnitAgency, unit_from_report, units_from_columns
from crawler.registry import Agency
from storage import Archive
from storage.discovered import ColumnIn
from storage.discovered_agencies import (
    DISCOVERED,
    UnitIn,
    discovered_agencies,
    record_units,
    unfiled_reports,
    unit_column_urls,
)
from storage.vocab import AgencyKind

log = logging.getLogger(__name__)

SOURCE = "discovered"  # the `source` of a registry Agency made from a discovered agency


def _unit_in(unit: UnitAgency) -> UnitIn:
    return UnitIn(unit.name, unit.region, unit.government, unit.unit, unit.kind.value, unit.portal, unit.columns,
                  unit.evidence)


def record_from_walks(archive: Archive, governments: Mapping[str, Agency], found: Mapping[str, list[ColumnIn]],
                      portals: Mapping[str, str], now, registry: Registry | None = None) -> list[str]:
    """Record the units among each government's discovered columns (`found`: by government's
    name); the names recorded."""
    units = []
    for name, columns in found.items():
        government = governments.get(name)
        if government is None or government.kind != AgencyKind.GOVERNMENT:
            continue
        units += units_from_columns(government, portals.get(name) or government.portal or "", columns, registry)
    if not units:
        return []
    log.info("discovered %d units with columns of their own: %s", len(units), ", ".join(u.name for u in units))
    return record_units(archive, [_unit_in(u) for u in units], now)


def as_registry_agency(unit, government: Agency | None) -> Agency:
    """A discovered agency as the crawler and attribution take agencies."""
    return Agency(name=unit.name, region=tuple(unit.region.split("/")), kind=AgencyKind(unit.kind),
                  list_urls=tuple(unit.columns),
                  allowed_domains=government.domains if government is not None else (),
                  crawl_delay=government.crawl_delay if government is not None else None,
                  notes=f"discovered from {unit.government}'s portal {unit.portal} ({unit.unit})", source=SOURCE)


def crawl_entries(archive: Archive, governments: Iterable[Agency]) -> list[Agency]:
    """The discovered units of `governments` with columns of their own, to crawl beside them."""
    by_name = {g.name: g for g in governments}
    return [as_registry_agency(unit, by_name.get(unit.government))
            for unit in discovered_agencies(archive, status=DISCOVERED, governments=list(by_name)) if unit.columns]


def attribution_agencies(archive: Archive, governments: Iterable[str]) -> list[Agency]:
    """Every discovered (not yet accepted) unit of `governments`, for attribution: a report naming
    one is filed under it."""
    return [as_registry_agency(unit, None)
            for unit in discovered_agencies(archive, status=DISCOVERED, governments=list(governments))]


def without_unit_columns(archive: Archive, stored: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Each government's stored columns without those that are its units' own."""
    claimed = unit_column_urls(archive, list(stored))
    return {name: [url for url in urls if url not in claimed] for name, urls in stored.items()}


def adopt_unfiled(archive: Archive, governments: Mapping[str, Agency], now,
                  registry: Registry | None = None) -> list[str]:
    """Reports filed under no agency, found in the columns of `governments`, that name a unit of
    that government: recorded as discovered agencies (from reports), the reports filed under
    them. The names recorded."""
    units: dict[str, UnitAgency] = {}
    for report in unfiled_reports(archive, list(governments)):
        government = governments[report.government]
        unit = unit_from_report(report.named, government, government.portal or "",
                                {"url": report.url, "title": report.title, "year": report.year,
                                 "named": report.named, "column": report.column}, registry)
        if unit is None:
            continue
        previous = units.get(unit.name)
        units[unit.name] = unit if previous is None else dataclasses.replace(
            previous, evidence=previous.evidence + unit.evidence)
    if not units:
        return []
    log.info("discovered %d units from reports naming them: %s", len(units), ", ".join(units))
    return record_units(archive, [_unit_in(u) for u in units.values()], now)
