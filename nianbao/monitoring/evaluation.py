"""`evaluate`: the archive read as it stood at the end of one day (storage.monitor_reads), judged
by the pure rules of this package; and the record of what was reported (storage.monitor_events).

    report = evaluate(archive, load_registry(), 2024, dt.date(2025, 6, 1))
    fresh = new_events(archive, report)
    record_events(archive, fresh, 2024, clock)

`judge` is the same evaluation over values already read, for callers (and tests) that hold them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from crawler.registry import Agency as RegistryAgency
from storage import Archive
from storage.clock import Clock, china_day_end, system_clock
from storage.monitor_events import record, recorded_year
from storage.monitor_reads import AgencyArchive, read_agencies

from .copies import copies
from .events import NewEvents, events_of, news
from .findings import Finding, carryover, changes, invalid, removal
from .report import MonitorReport
from .statuses import agency_status

DEFAULT_COPY_THRESHOLD = 0.85  # Jaccard over 5-character shingles


def region_matches(region: str, prefix: str) -> bool:
    """`prefix` names whole components of the 省/市/县 path: 江苏省/淮安市 is not 江苏省/淮安."""
    prefix = prefix.strip("/")
    return region == prefix or region.startswith(prefix + "/")


def evaluate(archive: Archive, agencies: Sequence[RegistryAgency], year: int, as_of: dt.date, *,
             copy_threshold: float = DEFAULT_COPY_THRESHOLD) -> MonitorReport:
    """Statuses and findings for report year `year`, from what the archive held at the end of
    `as_of` (a day in China's calendar)."""
    held = read_agencies(archive, [a.name for a in agencies], (year - 1, year), china_day_end(as_of))
    return judge(agencies, held, year, as_of, copy_threshold=copy_threshold)


def judge(agencies: Sequence[RegistryAgency], held: Mapping[str, AgencyArchive], year: int, as_of: dt.date, *,
          copy_threshold: float = DEFAULT_COPY_THRESHOLD) -> MonitorReport:
    """`evaluate` over `held` (by agency name; an agency the archive does not know is absent)."""
    statuses = []
    findings: list[Finding] = []
    for entry in agencies:
        agency = held.get(entry.name)
        reports = agency.reports if agency else ()
        this_year = [v for v in reports if v.year == year]
        last_year = [v for v in reports if v.year == year - 1]
        statuses.append(agency_status(entry, year, as_of, this_year, agency.runs if agency else ()))
        for view in this_year:
            findings += invalid(entry.name, year, view)
            findings += changes(entry.name, year, view)
            findings += removal(entry.name, entry.list_urls, year, view)
        findings += carryover(entry.name, year, this_year, last_year)
    names = [entry.name for entry in agencies]
    findings += copies(names, {name: agency.reports for name, agency in held.items()}, year, copy_threshold)
    return MonitorReport(year, as_of, tuple(statuses), tuple(findings))


def new_events(archive: Archive, report: MonitorReport) -> NewEvents:
    """What `report` says that the events recorded for its year have not said yet."""
    return news(report, recorded_year(archive, report.year))


def record_events(archive: Archive, events: NewEvents, year: int, clock: Clock = system_clock) -> int:
    """Record `events` as observed now (by `clock`); returns how many were recorded."""
    return record(archive, events_of(events, year), clock())
