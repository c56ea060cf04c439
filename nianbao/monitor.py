"""Who published their annual report on time, and which reports are wrong, changed or gone.

`evaluate` reads the archive (captures, reports, versions, crawl runs) against the registry for
one report year, as of one day, and answers with one status per agency and the findings beside
them. Everything it says carries its evidence (URLs, capture times, digests) so a journalist can
cite it, and nothing the crawler failed to see is ever blamed on the agency:

- `on_time` / `late`: a report for the year is archived; its date is the one the report or its
  page states, else the date the column listed it, else the day nianbao first captured it
  (`evidence.date_source` says which). Deadlines: 31 January of the next year for departments,
  31 March for governments (条例 第四十九条), in China's calendar.
- `missing`: the last finished crawl that started after the deadline reached the column, and
  the column held no report for the year. A crawl that did not finish is not evidence.
- `unreachable`: that crawl could not read the column (down, blocked, or a crawler failure),
  no crawl has run since the deadline, or the column lists the report but nianbao could not
  archive it. Our failure, never reported as missing.
- `not_due`: the deadline has not passed and no report is archived yet.
- `undated`: a report is archived, but neither it, its page nor its column states a date, and
  nianbao first captured it after the deadline with no crawl in between to show it was not
  there yet: on time or late cannot be told, so neither is claimed.

Recording (`record_events`) keeps what was reported in `monitor_events`, so the next run can say
what is new: that drives the Atom feed (nianbao.feed) and the exit status of `nianbao monitor`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from crawler.registry import Agency as RegistryAgency
from storage import Archive
from storage.models import Agency, Capture, CrawlRun, MonitorEvent, Report, ReportVersion

log = logging.getLogger(__name__)

CHINA = ZoneInfo("Asia/Shanghai")  # deadlines and publication dates are China's calendar days
STATUSES = ("on_time", "late", "missing", "unreachable", "not_due", "undated")
FINDING_KINDS = ("invalid", "changed", "removed", "restored", "carryover_mismatch", "copied")
APPLICANT_COLUMNS = ("natural_person", "enterprise", "research", "social_org", "legal_service", "other_org", "total")
GONE_STATUSES = (404, 410)
CONFIRM_AFTER = dt.timedelta(days=1)  # a removal is news once two crawls a day apart agree
HOME_PATHS = {"", "/", "/index.html", "/index.htm", "/index.shtml", "/index.jsp", "/index.php",
              "/default.html", "/default.htm", "/default.aspx", "/main.html"}


def region_matches(region: str, prefix: str) -> bool:
    """`prefix` names whole components of the 省/市/县 path: 江苏省/淮安市 is not 江苏省/淮安."""
    prefix = prefix.strip("/")
    return region == prefix or region.startswith(prefix + "/")


def deadline(kind: str, year: int) -> dt.date:
    """The last day to publish the report on `year` (条例 第四十九条, 第五十条)."""
    return dt.date(year + 1, 1, 31) if kind == "department" else dt.date(year + 1, 3, 31)


def china_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(CHINA).date()


def _end_of(day: dt.date) -> dt.datetime:
    """The last instant of a China calendar day, in UTC."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), CHINA).astimezone(dt.timezone.utc)


def _iso(moment: dt.datetime | None) -> str | None:
    """Archive moments are aware UTC (storage.models.UTCDateTime)."""
    return moment.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z") if moment else None


# -- results -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class AgencyStatus:
    agency: str
    region: str
    kind: str
    status: str
    deadline: dt.date
    published_on: dt.date | None = None
    days_late: int | None = None
    url: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "agency": self.agency, "region": self.region, "kind": self.kind, "status": self.status,
            "deadline": self.deadline.isoformat(),
            "published_on": self.published_on.isoformat() if self.published_on else None,
            "days_late": self.days_late, "url": self.url, "evidence": self.evidence,
        }


@dataclass(frozen=True)
class Finding:
    agency: str
    year: int
    kind: str  # one of FINDING_KINDS
    detail: str  # one sentence a reader can quote
    key: str  # the same finding on the next run has the same key
    data: dict[str, Any] = field(default_factory=dict)
    newsworthy: bool = True  # an unconfirmed removal is not news yet

    def to_dict(self) -> dict[str, Any]:
        return {"agency": self.agency, "year": self.year, "kind": self.kind, "detail": self.detail, **self.data}


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
        groups: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATUSES, 0))
        for row in self.agencies:
            groups[(row.region, row.kind)][row.status] += 1
            groups[("(all)", row.kind)][row.status] += 1
        return [ComplianceRow(region, kind, **counts) for (region, kind), counts in sorted(
            groups.items(), key=lambda item: (item[0][0] == "(all)", item[0]))]

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "as_of": self.as_of.isoformat(),
            "agencies": [row.to_dict() for row in self.agencies],
            "findings": [finding.to_dict() for finding in self.findings],
            "summary": [row.to_dict() for row in self.summary],
        }


# -- evaluation --------------------------------------------------------------------------------

@dataclass
class _ReportView:
    """One archived report as it stood at the end of the `as_of` day."""

    report: Report
    versions: list[ReportVersion]  # with a capture by as_of, oldest first
    captures: list[Capture]  # every fetch of the URLs that led to it, by as_of, oldest first
    current: ReportVersion
    listed_on: dt.date | None = None

    @property
    def first_seen(self) -> dt.datetime:
        return min(c.captured_at for c in self.captures if c.sha256 in {v.sha256 for v in self.versions})

    @property
    def record(self) -> dict[str, Any]:
        return self.current.record

    def dated(self) -> tuple[dt.date, str]:
        if self.report.published_on:
            return self.report.published_on, "document"
        if self.listed_on:
            return self.listed_on, "list"
        return china_date(self.first_seen), "first_seen"


def evaluate(archive: Archive, agencies: Sequence[RegistryAgency], year: int, as_of: dt.date | None = None,
             *, copy_threshold: float = 0.85) -> MonitorReport:
    """Statuses and findings for report year `year`, from what the archive held at the end of
    `as_of` (default: today in China)."""
    as_of = as_of or dt.datetime.now(CHINA).date()
    cutoff = _end_of(as_of)
    with archive.session() as session:
        # In batches: SQLite and PostgreSQL cap the parameters of one statement (32,766 / 65,535).
        rows: dict[str, Agency] = {}
        views: dict[int, list[_ReportView]] = {}
        runs: dict[int, list[CrawlRun]] = {}
        for batch in _batches([a.name for a in agencies]):
            found = session.scalars(select(Agency).where(Agency.name.in_(batch))).all()
            rows.update({a.name: a for a in found})
            ids = [a.id for a in found]
            views.update(_report_views(session, ids, (year - 1, year), cutoff))
            runs.update(_runs(session, ids, cutoff))
        statuses = []
        for entry in agencies:
            row = rows.get(entry.name)
            agency_views = views.get(row.id, []) if row else []
            agency_runs = runs.get(row.id, []) if row else []
            for view in agency_views:
                view.listed_on = _listed_on(view.report.url, agency_runs)
            statuses.append(_status(session, entry, year, as_of,
                                    [v for v in agency_views if v.report.year == year], agency_runs))
        findings: list[Finding] = []
        for entry in agencies:
            row = rows.get(entry.name)
            agency_views = views.get(row.id, []) if row else []
            this_year = [v for v in agency_views if v.report.year == year]
            last_year = [v for v in agency_views if v.report.year == year - 1]
            for view in this_year:
                findings += _invalid(entry.name, year, view)
                findings += _changes(entry.name, year, view)
                findings += _removal(entry, year, view)
            findings += _carryover(entry.name, year, this_year, last_year)
        findings += _copies(agencies, rows, views, year, copy_threshold)
    return MonitorReport(year, as_of, tuple(statuses), tuple(findings))


BATCH = 500  # agencies per query batch


def _batches(items: list, size: int = BATCH) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _report_views(session: Session, agency_ids: list[int], years: Iterable[int],
                  cutoff: dt.datetime) -> dict[int, list[_ReportView]]:
    reports = session.scalars(
        select(Report).where(Report.agency_id.in_(agency_ids), Report.year.in_(list(years))).order_by(Report.id)
    ).all()
    if not reports:
        return {}
    urls = [r.url for r in reports]
    # Every URL that ever led to a report (asked and redirected), then every fetch of those URLs.
    asked = defaultdict(set)
    for url, final in session.execute(
        select(Capture.url, func.coalesce(Capture.final_url, Capture.url))
        .where(func.coalesce(Capture.final_url, Capture.url).in_(urls)).distinct()
    ):
        asked[final].add(url)
    all_asked = {u for us in asked.values() for u in us} | set(urls)
    captures = session.scalars(
        select(Capture).where(or_(Capture.url.in_(all_asked), Capture.final_url.in_(urls)),
                              Capture.captured_at <= cutoff).order_by(Capture.captured_at, Capture.id)
    ).all()
    versions = session.scalars(
        select(ReportVersion).where(ReportVersion.report_id.in_([r.id for r in reports])).order_by(ReportVersion.id)
    ).all()
    by_report: dict[int, list[ReportVersion]] = defaultdict(list)
    for version in versions:
        by_report[version.report_id].append(version)
    by_url: dict[str, list[Capture]] = defaultdict(list)
    for capture in captures:
        by_url[capture.url].append(capture)
        if capture.final_url and capture.final_url != capture.url:
            by_url[capture.final_url].append(capture)
    views: dict[int, list[_ReportView]] = defaultdict(list)
    for report in reports:
        mine = asked[report.url] | {report.url}
        fetches = sorted({c.id: c for url in mine for c in by_url[url]
                          if c.url in mine or c.final_url == report.url}.values(),
                         key=lambda c: (c.captured_at, c.id))
        last_seen: dict[str, dt.datetime] = {}
        first_seen: dict[str, dt.datetime] = {}
        for capture in fetches:
            if (capture.final_url or capture.url) == report.url:
                last_seen[capture.sha256] = capture.captured_at
                first_seen.setdefault(capture.sha256, capture.captured_at)
        seen = [v for v in by_report[report.id] if v.sha256 in last_seen]
        if not seen:
            continue  # first captured after as_of
        seen.sort(key=lambda v: (first_seen[v.sha256], v.id))
        current = max(seen, key=lambda v: (last_seen[v.sha256], v.id))
        views[report.agency_id].append(_ReportView(report, seen, fetches, current))
    return views


def _runs(session: Session, agency_ids: list[int], cutoff: dt.datetime) -> dict[int, list[CrawlRun]]:
    runs: dict[int, list[CrawlRun]] = defaultdict(list)
    for run in session.scalars(
        select(CrawlRun).where(CrawlRun.agency_id.in_(agency_ids), CrawlRun.outcome.is_not(None),
                               CrawlRun.finished_at <= cutoff).order_by(CrawlRun.started_at, CrawlRun.id)
    ):
        runs[run.agency_id].append(run)
    return runs


def _listed_on(url: str, runs: list[CrawlRun]) -> dt.date | None:
    """The date the column showed beside the report's link (or beside the page linking the
    attachment that holds the report)."""
    for run in runs:
        for link in run.listed or []:
            if link.get("listed_on") and (link.get("url") == url or url in link.get("attachments", ())):
                return dt.date.fromisoformat(link["listed_on"])
    return None


def _report_evidence(view: _ReportView) -> dict[str, Any]:
    capture = next(c for c in reversed(view.captures) if c.sha256 == view.current.sha256)
    first = next(c for c in view.captures if c.sha256 == view.versions[0].sha256)
    return {
        "report": {"url": view.report.url, "title": view.report.title},
        "first_capture": {"id": first.id, "captured_at": _iso(first.captured_at), "sha256": first.sha256},
        "current_capture": {"id": capture.id, "captured_at": _iso(capture.captured_at), "sha256": capture.sha256},
    }


def _list_pages(session: Session, run: CrawlRun) -> list[dict[str, Any]]:
    return [
        {"url": c.url, "status": c.status, "sha256": c.sha256, "captured_at": _iso(c.captured_at), "capture_id": c.id}
        for c in session.scalars(
            select(Capture).where(Capture.run_id == run.id, Capture.role == "list").order_by(Capture.captured_at)
        )
    ]


def _run_evidence(session: Session, run: CrawlRun) -> dict[str, Any]:
    return {
        "crawl": {"id": run.id, "started_at": _iso(run.started_at), "finished_at": _iso(run.finished_at),
                  "outcome": run.outcome, "pages_listed": run.pages_listed, "errors": list(run.errors or [])},
        "list_pages": _list_pages(session, run),
        "years_listed": sorted({link["year"] for link in run.listed or [] if link.get("year")}),
    }


def _status(session: Session, entry: RegistryAgency, year: int, as_of: dt.date,
            views: list[_ReportView], runs: list[CrawlRun]) -> AgencyStatus:
    due = deadline(entry.kind, year)
    base = {"agency": entry.name, "region": entry.region_path, "kind": entry.kind, "deadline": due}
    if views:
        # The earliest dated of its reports for the year (a page and its PDF are two reports).
        view = min(views, key=lambda v: (v.dated()[0], v.report.id))
        published, source = view.dated()
        evidence = {**_report_evidence(view), "date_source": source}
        if len(views) > 1:
            evidence["other_reports"] = [v.report.url for v in views if v is not view]
        late = (published - due).days
        if source == "first_seen" and late > 0:
            # No stated date and first seen after the deadline: late only if a crawl after the
            # deadline reached the column and it was not there yet.
            absent = [run for run in runs if run.outcome == "reached" and due < china_date(run.started_at)
                      and run.started_at < view.first_seen
                      and not any(link.get("year") == year for link in run.listed or [])]
            if not absent:
                evidence["note"] = ("neither the report, its page nor its column states a date, and nianbao first "
                                    "captured it after the deadline with no earlier crawl of the column since the "
                                    "deadline: whether it was late cannot be told")
                return AgencyStatus(**base, status="undated", published_on=None, url=view.report.url,
                                    evidence=evidence)
            last_absent = absent[-1]
            evidence["note"] = (f"no stated date: published after the crawl of {_iso(last_absent.started_at)}, "
                                f"which did not list it, and before nianbao first captured it; days_late is the "
                                "least it can be")
            evidence["absent_in"] = _run_evidence(session, last_absent)
            return AgencyStatus(**base, status="late", published_on=None,
                                days_late=(china_date(last_absent.started_at) - due).days, url=view.report.url,
                                evidence=evidence)
        return AgencyStatus(**base, status="late" if late > 0 else "on_time", published_on=published,
                            days_late=late if late > 0 else None, url=view.report.url, evidence=evidence)
    listed = [(run, link) for run in runs for link in run.listed or [] if link.get("year") == year]
    if listed:
        run, link = listed[-1]
        return AgencyStatus(**base, status="unreachable", url=link["url"], evidence={
            "reason": "the column lists a report for the year, but nianbao could not archive it as a report",
            "listed": link, **_run_evidence(session, run)})
    if as_of <= due:
        return AgencyStatus(**base, status="not_due", evidence={
            "reason": f"the deadline {due.isoformat()} has not passed on {as_of.isoformat()}"})
    after = [run for run in runs if china_date(run.started_at) > due]
    if not after:
        return AgencyStatus(**base, status="unreachable", evidence={
            "reason": "no finished crawl of the column since the deadline",
            **({"last_crawl": _run_evidence(session, runs[-1])} if runs else {})})
    last = after[-1]
    if last.outcome == "reached":
        return AgencyStatus(**base, status="missing", evidence={
            "reason": "the column was reached after the deadline and lists no report for the year",
            **_run_evidence(session, last)})
    reached = [run for run in after if run.outcome == "reached"]
    evidence = {"reason": f"the last crawl after the deadline could not read the column ({last.outcome})",
                **_run_evidence(session, last)}
    if reached:
        evidence["last_reached"] = _run_evidence(session, reached[-1])
    return AgencyStatus(**base, status="unreachable", evidence=evidence)


# -- findings ----------------------------------------------------------------------------------

def _invalid(agency: str, year: int, view: _ReportView) -> list[Finding]:
    failed = [c for c in view.record.get("checks", []) if not c.get("ok")]
    if not failed:
        return []
    return [Finding(
        agency, year, "invalid",
        "; ".join(f"{c['rule']}: {c.get('detail') or 'fails'}" for c in failed),
        key=f"invalid:{view.report.id}:{view.current.sha256}",
        data={"url": view.report.url, "sha256": view.current.sha256, "version_id": view.current.id,
              "checks": [{"rule": c["rule"], "detail": c.get("detail")} for c in failed]},
    )]


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """A record's nested tables as {dotted.path: value}."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}{key}."))
        return out
    return {prefix[:-1]: value}


def _comparable(record: dict[str, Any]) -> dict[str, Any]:
    """What the agency published: metadata, tables and narrative; not our checks and warnings."""
    return flatten({k: v for k, v in record.items() if k not in ("checks", "warnings")})


def _changes(agency: str, year: int, view: _ReportView) -> list[Finding]:
    """A payload whose record differs from the payload before it (page chrome alone, such as a
    click counter, changes the payload but not the record, and is not a change)."""
    payloads: dict[str, ReportVersion] = {}
    for version in view.versions:  # oldest payload first; a payload's newest record wins
        payloads[version.sha256] = version
    ordered = list(payloads.values())
    findings = []
    for old, new in zip(ordered, ordered[1:]):
        before, after = _comparable(old.record), _comparable(new.record)
        changed = [path for path in sorted(set(before) | set(after)) if before.get(path) != after.get(path)]
        if not changed:
            continue
        sections = [p.split(".", 1)[1] for p in changed if p.startswith("sections.")]
        cells = [{"field": p, "old": before.get(p), "new": after.get(p)} for p in changed if not p.startswith("sections.")]
        old_capture = next(c for c in view.captures if c.sha256 == old.sha256)
        new_capture = next(c for c in view.captures if c.sha256 == new.sha256)
        what = []
        if cells:
            what.append(f"{len(cells)} field(s) ({', '.join(c['field'] for c in cells[:3])}{'…' if len(cells) > 3 else ''})")
        if sections:
            what.append(f"section text ({', '.join(sections)})")
        findings.append(Finding(
            agency, year, "changed",
            f"edited after publication: {' and '.join(what)} changed between the captures of "
            f"{_iso(old_capture.captured_at)} and {_iso(new_capture.captured_at)}",
            key=f"changed:{view.report.id}:{old.sha256}:{new.sha256}",
            data={"url": view.report.url, "old_digest": old.sha256, "new_digest": new.sha256,
                  "old_captured_at": _iso(old_capture.captured_at), "new_captured_at": _iso(new_capture.captured_at),
                  "old_capture_id": old_capture.id, "new_capture_id": new_capture.id,
                  "fields": cells[:100], "sections": sections},
        ))
    return findings


def _is_home(final_url: str, report_url: str, list_urls: Iterable[str]) -> bool:
    """Redirected away from the report to the portal's home page (or back to its column)."""
    if final_url == report_url:
        return False
    path = urlsplit(final_url).path.lower()
    return path in HOME_PATHS or final_url in set(list_urls)


def _removal(entry: RegistryAgency, year: int, view: _ReportView) -> list[Finding]:
    """Gone: the latest fetches 404/410 or redirect to the home page. Confirmed once fetches at
    least a day apart agree; a report that came back after a confirmed removal is `restored`."""
    states = []
    for capture in view.captures:
        if capture.status in GONE_STATUSES or (
            capture.final_url and capture.status is not None and capture.status < 400
            and _is_home(capture.final_url, view.report.url, entry.list_urls)
        ):
            states.append(("gone", capture))
        elif capture.status is not None and 200 <= capture.status < 300 and (capture.final_url or capture.url) == view.report.url:
            states.append(("present", capture))
        # Anything else (5xx, timeouts were never captured) says nothing either way.
    if not states:
        return []
    streaks: list[tuple[list[Capture], Capture | None]] = []  # (gone captures, the capture that ended it)
    gone: list[Capture] = []
    for state, capture in states:
        if state == "gone":
            gone.append(capture)
        elif gone:
            streaks.append((gone, capture))
            gone = []
    if gone:
        streaks.append((gone, None))
    findings = []
    for streak, ended in streaks:
        first, last = streak[0], streak[-1]
        confirmed = last.captured_at - first.captured_at >= CONFIRM_AFTER
        how = (f"HTTP {last.status}" if last.status in GONE_STATUSES
               else f"a redirect to {last.final_url}")
        observations = [{"capture_id": c.id, "captured_at": _iso(c.captured_at), "status": c.status,
                         "final_url": c.final_url} for c in streak]
        if ended is None:
            findings.append(Finding(
                entry.name, year, "removed",
                f"the report now answers {how} (since {_iso(first.captured_at)}; "
                + ("confirmed by fetches a day or more apart)" if confirmed else "not yet confirmed by a later crawl)"),
                key=f"removed:{view.report.id}:{first.id}",
                data={"url": view.report.url, "confirmed": confirmed, "since": _iso(first.captured_at),
                      "last_checked": _iso(last.captured_at), "observations": observations,
                      "last_archived_digest": view.current.sha256},
                newsworthy=confirmed,
            ))
        elif confirmed:
            findings.append(Finding(
                entry.name, year, "restored",
                f"the report was gone ({how}) from {_iso(first.captured_at)} and is back since {_iso(ended.captured_at)}",
                key=f"restored:{view.report.id}:{first.id}",
                data={"url": view.report.url, "removed_since": _iso(first.captured_at),
                      "restored_at": _iso(ended.captured_at), "restored_digest": ended.sha256,
                      "observations": observations},
            ))
    return findings


def _applications(view: _ReportView) -> dict[str, Any] | None:
    table = view.record.get("applications")
    return table if isinstance(table, dict) and table else None


def _carryover(agency: str, year: int, this_year: list[_ReportView], last_year: list[_ReportView]) -> list[Finding]:
    """This year's 上年结转 against last year's 结转下年度继续办理, column by column (blank = 0,
    as in the format's own checks)."""
    now = next((v for v in this_year if _applications(v) and "carried_over" in _applications(v)), None)
    before = next((v for v in last_year if _applications(v) and "carried_forward" in _applications(v)), None)
    if now is None or before is None:
        return []
    carried_over, carried_forward = _applications(now)["carried_over"], _applications(before)["carried_forward"]
    columns = []
    for column in APPLICANT_COLUMNS:
        a, b = carried_over.get(column), carried_forward.get(column)
        if a is None and b is None:
            continue
        if (a or 0) != (b or 0):
            columns.append({"column": column, "carried_over": a, "previous_carried_forward": b})
    if not columns:
        return []
    shown = ", ".join(f"{c['column']} {c['carried_over']} vs {c['previous_carried_forward']}" for c in columns[:3])
    return [Finding(
        agency, year, "carryover_mismatch",
        f"上年结转 in the {year} report differs from 结转下年度继续办理 in the {year - 1} report: {shown}",
        key=f"carryover:{now.report.id}:{now.current.sha256}:{before.report.id}:{before.current.sha256}",
        data={"url": now.report.url, "previous_url": before.report.url, "columns": columns},
    )]


# -- copied narrative --------------------------------------------------------------------------

SHINGLE = 5  # characters
DIGIT = re.compile(r"\d")
NOT_WORD = re.compile(r"[\W_]+")
MIN_NARRATIVE = 200  # characters: shorter narratives are too short to call copied


def narrative(record: dict[str, Any]) -> str:
    """The narrative sections, normalised for comparison: width-folded, no whitespace or
    punctuation, every digit a 0 (a report copied with this year's numbers typed in is copied)."""
    text = unicodedata.normalize("NFKC", "".join((record.get("sections") or {}).values()))
    return NOT_WORD.sub("", DIGIT.sub("0", text))


def _shingles(text: str) -> set[str]:
    return {text[i:i + SHINGLE] for i in range(len(text) - SHINGLE + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _copies(agencies: Sequence[RegistryAgency], rows: dict[str, Agency], views: dict[int, list[_ReportView]],
            year: int, threshold: float) -> list[Finding]:
    """Narratives nearly identical to the agency's own previous year, or to another agency's
    report on the same year. Candidates from MinHash LSH (datasketch), scores exact Jaccard over
    character 5-grams."""
    from datasketch import MinHash, MinHashLSH  # scipy-heavy: loaded only when the monitor runs

    docs: dict[tuple[str, int], tuple[_ReportView, set[str]]] = {}
    for entry in agencies:
        row = rows.get(entry.name)
        for view in views.get(row.id, []) if row else []:
            text = narrative(view.record)
            key = (entry.name, view.report.year)
            if len(text) >= MIN_NARRATIVE and key not in docs:
                docs[key] = (view, _shingles(text))
    findings = []
    for entry in agencies:
        now, before = docs.get((entry.name, year)), docs.get((entry.name, year - 1))
        if now and before:
            score = jaccard(now[1], before[1])
            if score >= threshold:
                findings.append(_copied(entry.name, year, now[0], before[0], entry.name, score, "previous_year"))
    same_year = [(name, view, shingles) for (name, y), (view, shingles) in docs.items() if y == year]
    if len(same_year) > 1:
        lsh = MinHashLSH(threshold=max(0.1, threshold - 0.15), num_perm=128)
        hashes = {}
        for name, _, shingles in same_year:
            minhash = MinHash(num_perm=128)
            minhash.update_batch([s.encode("utf-8") for s in shingles])
            hashes[name] = minhash
            lsh.insert(name, minhash)
        by_name = {name: (view, shingles) for name, view, shingles in same_year}
        pairs = {tuple(sorted((name, other))) for name in hashes for other in lsh.query(hashes[name]) if other != name}
        for a, b in sorted(pairs):
            score = jaccard(by_name[a][1], by_name[b][1])
            if score < threshold:
                continue
            # Filed under the report nianbao saw later: the likelier copy (not proof of who copied).
            first, second = sorted((a, b), key=lambda n: (by_name[n][0].first_seen, n))
            findings.append(_copied(second, year, by_name[second][0], by_name[first][0], first, score, "same_year"))
    return findings


def _copied(agency: str, year: int, view: _ReportView, other: _ReportView, other_agency: str, score: float,
            relation: str) -> Finding:
    whose = "its own report" if relation == "previous_year" else f"{other_agency}'s report"
    return Finding(
        agency, year, "copied",
        f"narrative sections {score:.0%} identical to {whose} on {other.report.year}",
        key=f"copied:{view.report.id}:{other.report.id}:{view.current.sha256}",
        data={"url": view.report.url, "score": round(score, 4), "relation": relation,
              "with": {"agency": other_agency, "year": other.report.year, "url": other.report.url}},
    )


def archive_state(archive: Archive) -> tuple[int | None, ...]:
    """Changes whenever anything the monitor reads changes (archive rows are only ever added,
    and CrawlRun rows are closed by the crawl that opened them): a cache key for `evaluate`."""
    with archive.session() as session:
        return (
            session.scalar(select(func.max(Capture.id))),
            session.scalar(select(func.max(ReportVersion.id))),
            session.scalar(select(func.max(CrawlRun.id))),
            session.scalar(select(func.count(CrawlRun.id)).where(CrawlRun.outcome.is_not(None))),
            session.scalar(select(func.max(Agency.id))),
        )


# -- what is new -------------------------------------------------------------------------------

@dataclass(frozen=True)
class NewEvents:
    statuses: tuple[AgencyStatus, ...]  # agencies whose status differs from the last recorded one
    findings: tuple[Finding, ...]  # newsworthy findings not recorded before

    def __bool__(self) -> bool:
        return bool(self.statuses or self.findings)


def new_events(archive: Archive, report: MonitorReport) -> NewEvents:
    """What `report` says that the recorded events have not said yet."""
    with archive.session() as session:
        last_status: dict[str, str | None] = {}
        for agency, status in session.execute(
            select(MonitorEvent.agency, MonitorEvent.status)
            .where(MonitorEvent.year == report.year, MonitorEvent.kind == "status").order_by(MonitorEvent.id)
        ):
            last_status[agency] = status
        known = set(session.scalars(
            select(MonitorEvent.key).where(MonitorEvent.year == report.year, MonitorEvent.kind != "status")
        ))
    statuses = tuple(row for row in report.agencies if last_status.get(row.agency) != row.status)
    findings = tuple(f for f in report.findings if f.newsworthy and f.key not in known)
    return NewEvents(statuses, findings)


def record_events(archive: Archive, events: NewEvents, year: int, observed_at: dt.datetime | None = None) -> int:
    observed_at = observed_at or dt.datetime.now(dt.timezone.utc)
    with archive.session() as session, session.begin():
        for row in events.statuses:
            session.add(MonitorEvent(year=year, agency=row.agency, kind="status", key=f"status:{row.status}",
                                     status=row.status, detail=row.to_dict(), observed_at=observed_at))
        for finding in events.findings:
            session.add(MonitorEvent(year=year, agency=finding.agency, kind=finding.kind, key=finding.key,
                                     detail=finding.to_dict(), observed_at=observed_at))
    return len(events.statuses) + len(events.findings)
