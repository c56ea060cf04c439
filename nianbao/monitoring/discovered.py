"""Discovered agencies in the monitor: departments and townships found from a registered
government's portal (storage.discovered_agencies), not yet accepted into the registry. Their
statuses are computed by the same rules as the registered agencies' (statuses.agency_status), in
a `MonitorReport` of their own, so they are shown in rows of their own and never enter the
registered agencies' compliance counts or the recorded events until accepted.

Whose crawls are a unit's evidence: its own column's runs when discovery found one; else (a
unit known from reports in its government's columns) the government's runs, each reduced to the
links that led to the unit's reports, so a government's column reached after the deadline with
no report of the unit for the year says `missing`, and one that could not be read `unreachable`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from crawler.registry import Agency as RegistryAgency
from storage import Archive
from storage.clock import china_day_end
from storage.discovered_agencies import DISCOVERED, StoredAgency, discovered_agencies, run_links
from storage.monitor_reads import AgencyArchive, RunView, read_agencies
from storage.vocab import AgencyKind

from .report import MonitorReport


def discovered_entries(archive: Archive, registry: Sequence[RegistryAgency], *, region: str | None = None,
                       kind: str | None = None) -> list[tuple[RegistryAgency, StoredAgency]]:
    """The discovered (not accepted) units of the registry's governments that are not registered
    under their name, as registry agencies (for the rules) beside what the archive holds of them."""
    from .evaluation import region_matches

    registered = {a.name for a in registry}
    governments = [a.name for a in registry if a.kind == AgencyKind.GOVERNMENT]
    out = []
    for unit in discovered_agencies(archive, status=DISCOVERED, governments=governments):
        if unit.name in registered or not unit.region:
            continue
        if region is not None and not region_matches(unit.region, region):
            continue
        if kind is not None and (unit.kind or AgencyKind.DEPARTMENT) != kind:
            continue
        entry = RegistryAgency(name=unit.name, region=tuple(unit.region.split("/")),
                               kind=AgencyKind(unit.kind or AgencyKind.DEPARTMENT), list_urls=unit.columns,
                               notes=f"discovered ({unit.unit}) from {unit.government}'s portal", source="discovered")
        out.append((entry, unit))
    return out


def _links_to(unit: StoredAgency, listed: Sequence[dict]) -> tuple[dict, ...]:
    """The links of a government's column that led to `unit`'s reports (marked elsewhere by the
    crawl: filed under it, or naming it when it was not yet known)."""
    names = {unit.name} | {e.get("named") for e in unit.evidence if e.get("kind") == "report" and e.get("named")}
    urls = {e.get("url") for e in unit.evidence if e.get("kind") == "report"}
    return tuple({key: value for key, value in link.items() if key != "elsewhere"} for link in listed
                 if link.get("elsewhere") and (link["elsewhere"].get("agency") in names
                                               or link["elsewhere"].get("named") in names
                                               or link.get("url") in urls
                                               or urls & set(link.get("attachments", ()))))


def _government_runs(archive: Archive, unit: StoredAgency, runs: Sequence[RunView]) -> tuple[RunView, ...]:
    listed = run_links(archive, [run.id for run in runs])
    return tuple(dataclasses.replace(run, listed=_links_to(unit, listed.get(run.id) or ())) for run in runs)


def evaluate_discovered(archive: Archive, registry: Sequence[RegistryAgency], year: int, as_of: dt.date, *,
                        region: str | None = None, kind: str | None = None) -> MonitorReport:
    """The statuses (and findings) of the discovered units of `registry`'s governments for
    `year` as of `as_of`, as a report of their own."""
    from .evaluation import judge

    entries = discovered_entries(archive, registry, region=region, kind=kind)
    if not entries:
        return MonitorReport(year, as_of, (), ())
    cutoff = china_day_end(as_of)
    names = [entry.name for entry, _ in entries]
    held = dict(read_agencies(archive, names, (year - 1, year), cutoff))
    borrowed = [(entry, unit) for entry, unit in entries if not (held.get(entry.name) and held[entry.name].runs)]
    if borrowed:
        governments = read_agencies(archive, sorted({unit.government for _, unit in borrowed}), (), cutoff)
        for entry, unit in borrowed:
            own = held.get(entry.name)
            government = governments.get(unit.government)
            runs = _government_runs(archive, unit, government.runs if government else ())
            held[entry.name] = AgencyArchive(entry.name, own.reports if own else (), runs)
    return judge([entry for entry, _ in entries], held, year, as_of)
