"""One agency judged, and the report put together from many agencies' judgments: the types and
steps that a whole evaluation (evaluation), a kept one (incremental) and the judging workers
(judge_pool) share, so none of those imports another to get them.

- `Judged`: one agency's part of an evaluation, what depends on its own archive and entry alone;
- `judge_agency`: it, from the agency's archive values (pure);
- `judge_batch`: a batch of agencies read from the archive (storage.monitor_reads) and judged;
- `assemble`: the `MonitorReport` of many agencies from their judgments and the scored pairs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from crawler.registry import Agency as RegistryAgency
from storage.clock import china_day_end
from storage.monitor_reads import AgencyArchive, read_agencies

from .copies import CopyDoc, previous_year, same_year
from .findings import Finding, carryover, changes, invalid, removal
from .report import MonitorReport
from .statuses import AgencyStatus, agency_status


@dataclass(frozen=True)
class Judged:
    """One agency's part of an evaluation: what depends on its own archive and entry alone."""

    status: AgencyStatus
    findings: tuple[Finding, ...]  # invalid, changed, removed, restored, carryover_mismatch
    copied: tuple[Finding, ...]  # copied from its own previous year
    doc: CopyDoc | None  # its narrative on the year, for the same-year comparison


def judge_agency(entry: RegistryAgency, agency: AgencyArchive | None, year: int, as_of: dt.date,
                 copy_threshold: float) -> tuple[Judged, np.ndarray | None]:
    """`entry`'s status and own findings for `year` as of `as_of`, and its narrative's shingle
    hashes on the year (None: none long enough to compare)."""
    reports = agency.reports if agency else ()
    this_year = [v for v in reports if v.year == year]
    last_year = [v for v in reports if v.year == year - 1]
    status = agency_status(entry, year, as_of, this_year, agency.runs if agency else ())
    findings: list[Finding] = []
    for view in this_year:
        findings += invalid(entry.name, year, view)
        findings += changes(entry.name, year, view)
        findings += removal(entry.name, entry.list_urls, year, view)
    findings += carryover(entry.name, year, this_year, last_year)
    copied, doc, hashes = previous_year(entry.name, year, reports, copy_threshold)
    return Judged(status, tuple(findings), tuple(copied), doc), hashes


def judge_batch(archive: Any, batch: Sequence[RegistryAgency], year: int, as_of: dt.date,
                copy_threshold: float) -> dict[str, Judged]:
    """One batch of agencies read from `archive` (anything with an `engine`) and judged."""
    held = read_agencies(archive, [e.name for e in batch], (year - 1, year), china_day_end(as_of), parts=True)
    return {entry.name: judge_agency(entry, held.get(entry.name), year, as_of, copy_threshold)[0] for entry in batch}


def assemble(agencies: Sequence[RegistryAgency], judged: Mapping[str, Judged],
             pairs: Sequence[tuple[CopyDoc, CopyDoc, float]], year: int, as_of: dt.date,
             copy_threshold: float) -> MonitorReport:
    """The report of `agencies` (registry order) from their judgments and the scored same-year
    pairs among them: every agency's own findings, then copies of previous years, then same-year."""
    names = {entry.name for entry in agencies}
    findings = [f for entry in agencies for f in judged[entry.name].findings]
    findings += [f for entry in agencies for f in judged[entry.name].copied]
    findings += same_year([p for p in pairs if p[0].agency in names and p[1].agency in names], copy_threshold)
    return MonitorReport(year, as_of, tuple(judged[entry.name].status for entry in agencies), tuple(findings))
