"""One evaluation's answer: every agency's status and the findings for one report year as of
one day, and the compliance summary (on-time rates by region and kind) counted from them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from .findings import Finding
from .statuses import AgencyStatus
from .words import MonitorStatus

ALL_REGIONS = "(all)"  # the summary row over every region, per kind


@dataclass(frozen=True)
class ComplianceRow:
    region: str
    kind: str
    on_time: int
    late: int
    missing: int
    unreachable: int
    not_due: int
    undated: int = 0

    @property
    def due(self) -> int:
        """The on-time rate's denominator: agencies whose outcome is known (unreachable and
        not-yet-due agencies are left out, never counted as failures)."""
        return self.on_time + self.late + self.missing

    @property
    def on_time_rate(self) -> float | None:
        return round(self.on_time / self.due, 4) if self.due else None

    def to_dict(self) -> dict[str, Any]:
        return {"region": self.region, "kind": self.kind, "due": self.due, "on_time": self.on_time,
                "late": self.late, "missing": self.missing, "unreachable": self.unreachable,
                "not_due": self.not_due, "undated": self.undated, "on_time_rate": self.on_time_rate}


@dataclass(frozen=True)
class MonitorReport:
    year: int
    as_of: dt.date
    agencies: tuple[AgencyStatus, ...]
    findings: tuple[Finding, ...]

    @property
    def summary(self) -> list[ComplianceRow]:
        groups: dict[tuple[str, str], dict[str, int]] = defaultdict(
            lambda: {status.value: 0 for status in MonitorStatus})
        for row in self.agencies:
            groups[(row.region, row.kind.value)][row.status.value] += 1
            groups[(ALL_REGIONS, row.kind.value)][row.status.value] += 1
        return [ComplianceRow(region, kind, **counts) for (region, kind), counts in sorted(
            groups.items(), key=lambda item: (item[0][0] == ALL_REGIONS, item[0]))]

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "as_of": self.as_of.isoformat(),
            "agencies": [row.to_dict() for row in self.agencies],
            "findings": [finding.to_dict() for finding in self.findings],
            "summary": [row.to_dict() for row in self.summary],
        }
