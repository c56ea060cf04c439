"""One agency's status for one report year, from its archived reports and finished crawl runs
(storage.monitor_reads values as they stood at the end of the `as_of` day). Pure: no database,
no clock.

- `on_time` / `late`: a report for the year is archived; its date is the one the report or its
  page states, else the date the column listed it, else the day nianbao first captured it
  (`evidence.date_source` says which). Deadlines: `AgencyKind.deadline`, in China's calendar.
- `missing`: the last finished crawl that started after the deadline reached the column, and
  the column held no report for the year. A crawl that did not finish is not evidence.
- `unreachable`: that crawl could not read the column (down, blocked, robots.txt disallows it,
  moved, only a script, or a crawler failure; `CrawlOutcome.meaning` words which),
  no crawl has run since the deadline, or the column lists the report but nianbao could not
  archive it. Our failure, never reported as missing.
- `not_due`: the deadline has not passed and no report is archived yet.
- `undated`: a report is archived, but neither it, its page nor its column states a date, and
  nianbao first captured it after the deadline with no crawl in between to show it was not
  there yet: on time or late cannot be told, so neither is claimed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from crawler.registry import Agency as RegistryAgency
from storage.clock import china_date, iso_z
from storage.monitor_reads import ReportView, RunView
from storage.vocab import AgencyKind, CrawlOutcome

from .words import MonitorStatus


# The first report year the monitor judges. The national formats nianbao reads (parsing.schema:
# the 2019 format, 国办公开办函〔2019〕60号, then the 2021 one) first cover the reports on 2019, and
# the agency registry names no earlier year; an earlier year is not judged at all (no agency is
# "missing" a report in a form that did not exist yet).
FIRST_JUDGED_YEAR = 2019


def judged_year(year: int) -> bool:
    return year >= FIRST_JUDGED_YEAR


@dataclass(frozen=True)
class AgencyStatus:
    agency: str
    region: str
    kind: AgencyKind
    status: MonitorStatus
    deadline: dt.date
    published_on: dt.date | None = None
    days_late: int | None = None
    url: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "agency": self.agency, "region": self.region, "kind": self.kind.value, "status": self.status.value,
            "deadline": self.deadline.isoformat(),
            "published_on": self.published_on.isoformat() if self.published_on else None,
            "days_late": self.days_late, "url": self.url, "evidence": self.evidence,
        }


def listed_on(url: str, runs: Sequence[RunView]) -> dt.date | None:
    """The date the column showed beside the report's link (or beside the page linking the
    attachment that holds the report)."""
    for run in runs:
        for link in run.listed:
            if link.get("listed_on") and (link.get("url") == url or url in link.get("attachments", ())):
                return dt.date.fromisoformat(link["listed_on"])
    return None


def dated(view: ReportView, runs: Sequence[RunView]) -> tuple[dt.date, str]:
    """The report's date and where it came from: "document", "list" or "first_seen"."""
    if view.published_on:
        return view.published_on, "document"
    listed = listed_on(view.url, runs)
    if listed:
        return listed, "list"
    return china_date(view.first_seen), "first_seen"


def report_evidence(view: ReportView) -> dict[str, Any]:
    capture = next(c for c in reversed(view.captures) if c.sha256 == view.current.sha256)
    first = next(c for c in view.captures if c.sha256 == view.versions[0].sha256)
    return {
        "report": {"id": view.id, "url": view.url, "title": view.title},
        "first_capture": {"id": first.id, "captured_at": iso_z(first.captured_at), "sha256": first.sha256},
        "current_capture": {"id": capture.id, "captured_at": iso_z(capture.captured_at), "sha256": capture.sha256},
    }


def run_evidence(run: RunView) -> dict[str, Any]:
    return {
        "crawl": {"id": run.id, "started_at": iso_z(run.started_at), "finished_at": iso_z(run.finished_at),
                  "outcome": run.outcome.value, "pages_listed": run.pages_listed, "errors": list(run.errors)},
        "list_pages": [{"url": p.url, "status": p.status, "sha256": p.sha256, "captured_at": iso_z(p.captured_at),
                        "capture_id": p.capture_id} for p in run.list_pages],
        "years_listed": sorted({link["year"] for link in run.listed if link.get("year")}),
    }


def agency_status(entry: RegistryAgency, year: int, as_of: dt.date, views: Sequence[ReportView],
                  runs: Sequence[RunView]) -> AgencyStatus:
    """`views`: the agency's reports on `year`; `runs`: its finished crawl runs, oldest first."""
    kind = AgencyKind(entry.kind)
    due = kind.deadline(year)
    base = {"agency": entry.name, "region": entry.region_path, "kind": kind, "deadline": due}
    if views:
        return _archived(base, year, views, runs)
    listed = [(run, link) for run in runs for link in run.listed if link.get("year") == year]
    if listed:
        run, link = listed[-1]
        return AgencyStatus(**base, status=MonitorStatus.UNREACHABLE, url=link["url"], evidence={
            "reason": "the column lists a report for the year, but nianbao could not archive it as a report",
            "listed": link, **run_evidence(run)})
    if as_of <= due:
        return AgencyStatus(**base, status=MonitorStatus.NOT_DUE, evidence={
            "reason": f"the deadline {due.isoformat()} has not passed on {as_of.isoformat()}"})
    after = [run for run in runs if china_date(run.started_at) > due]
    if not after:
        return AgencyStatus(**base, status=MonitorStatus.UNREACHABLE, evidence={
            "reason": "no finished crawl of the column since the deadline",
            **({"last_crawl": run_evidence(runs[-1])} if runs else {})})
    last = after[-1]
    if last.outcome.reached:
        return AgencyStatus(**base, status=MonitorStatus.MISSING, evidence={
            "reason": "the column was reached after the deadline and lists no report for the year",
            **run_evidence(last)})
    reached = [run for run in after if run.outcome.reached]
    evidence = {"reason": f"the last crawl after the deadline could not read the column ({last.outcome}: "
                          f"{last.outcome.meaning})",
                **run_evidence(last)}
    if reached:
        evidence["last_reached"] = run_evidence(reached[-1])
    return AgencyStatus(**base, status=MonitorStatus.UNREACHABLE, evidence=evidence)


def _archived(base: dict[str, Any], year: int, views: Sequence[ReportView], runs: Sequence[RunView]) -> AgencyStatus:
    due = base["deadline"]
    dates = {view.id: dated(view, runs) for view in views}
    # The earliest dated of its reports for the year (a page and its PDF are two reports).
    view = min(views, key=lambda v: (dates[v.id][0], v.id))
    published, source = dates[view.id]
    evidence = {**report_evidence(view), "date_source": source}
    if len(views) > 1:
        evidence["other_reports"] = [v.url for v in views if v is not view]
    late = (published - due).days
    if source == "first_seen" and late > 0:
        # No stated date and first seen after the deadline: late only if a crawl after the
        # deadline reached the column and it was not there yet.
        first_seen = view.first_seen
        absent = [run for run in runs if run.outcome.reached and due < china_date(run.started_at)
                  and run.started_at < first_seen and not any(link.get("year") == year for link in run.listed)]
        if not absent:
            evidence["note"] = ("neither the report, its page nor its column states a date, and nianbao first "
                                "captured it after the deadline with no earlier crawl of the column since the "
                                "deadline: whether it was late cannot be told")
            return AgencyStatus(**base, status=MonitorStatus.UNDATED, published_on=None, url=view.url,
                                evidence=evidence)
        last_absent = absent[-1]
        evidence["note"] = (f"no stated date: published after the crawl of {iso_z(last_absent.started_at)}, "
                            f"which did not list it, and before nianbao first captured it; days_late is the "
                            "least it can be")
        evidence["absent_in"] = run_evidence(last_absent)
        return AgencyStatus(**base, status=MonitorStatus.LATE, published_on=None,
                            days_late=(china_date(last_absent.started_at) - due).days, url=view.url,
                            evidence=evidence)
    return AgencyStatus(**base, status=MonitorStatus.LATE if late > 0 else MonitorStatus.ON_TIME,
                        published_on=published, days_late=late if late > 0 else None, url=view.url,
                        evidence=evidence)
