"""What an evaluation says that the recorded monitor events have not said yet, and the events
that record it. Pure: the recorded events come in as storage.monitor_events.RecordedYear.

A status is news when it differs from the agency's last recorded status for the year; a finding
when it is newsworthy (an unconfirmed removal is not yet) and its key was never recorded. That
news drives the Atom feed (nianbao.feed) and the exit status of `nianbao monitor`.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.monitor_events import STATUS_EVENT, EventIn, RecordedYear

from .findings import Finding
from .report import MonitorReport
from .statuses import AgencyStatus


@dataclass(frozen=True)
class NewEvents:
    statuses: tuple[AgencyStatus, ...]  # agencies whose status differs from the last recorded one
    findings: tuple[Finding, ...]  # newsworthy findings not recorded before

    def __bool__(self) -> bool:
        return bool(self.statuses or self.findings)


def news(report: MonitorReport, recorded: RecordedYear) -> NewEvents:
    """What `report` says that the `recorded` events of its year have not said yet."""
    statuses = tuple(row for row in report.agencies if recorded.statuses.get(row.agency) != row.status)
    findings = tuple(f for f in report.findings if f.newsworthy and f.key not in recorded.finding_keys)
    return NewEvents(statuses, findings)


def events_of(new: NewEvents, year: int) -> list[EventIn]:
    """The events that record `new`: status changes first, then findings."""
    return [
        *(EventIn(year, row.agency, STATUS_EVENT, f"status:{row.status.value}", row.to_dict(),
                  status=row.status.value) for row in new.statuses),
        *(EventIn(year, finding.agency, finding.finding.value, finding.key, finding.to_dict())
          for finding in new.findings),
    ]
