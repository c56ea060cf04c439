"""What the web pages and the JSON API read from the archive: a report with its versions, an
agency with its reports and crawl runs, a captured payload. Plain dicts, so a page and its API
mirror (`/api/...`) show the same data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, load_only

from storage import Archive
from storage.archive import current_version
from storage.clock import iso_z
from storage.models import Agency, Capture, CrawlRun, Report, ReportVersion

from .form import failed_cells


class NotFound(LookupError):
    """The thing asked for is not in the archive; the message says which."""


def iso(moment: dt.datetime | dt.date | None) -> str | None:
    """A moment in the one text form (`clock.iso_z`: UTC, ...Z), a calendar day as YYYY-MM-DD."""
    if moment is None:
        return None
    if isinstance(moment, dt.datetime):
        return iso_z(moment)  # the models hand back moments aware, in UTC (models.UTCDateTime)
    return moment.isoformat()


# The columns a version's line in a list shows (`_version_dict`) and `current_version` reads.
VERSION_LISTED = (ReportVersion.id, ReportVersion.report_id, ReportVersion.capture_id, ReportVersion.sha256,
                  ReportVersion.record_sha256, ReportVersion.checks_failed, ReportVersion.parser_version,
                  ReportVersion.created_at)


def current_version_id(session: Session, report: Report, versions: list[ReportVersion]) -> int | None:
    version = current_version(session, report, versions)
    return version.id if version else None


def capture_dict(capture: Capture) -> dict[str, Any]:
    return {
        "id": capture.id,
        "url": capture.url,
        "final_url": capture.final_url,
        "status": capture.status,
        "captured_at": iso(capture.captured_at),
        "content_type": capture.content_type,
        "sha256": capture.sha256,
        "size": capture.size,
        "source": capture.source,
        "revisit_of": capture.revisit_of,
    }


def _version_dict(version: ReportVersion, capture: Capture, current_id: int | None) -> dict[str, Any]:
    return {
        "id": version.id,
        "capture_id": version.capture_id,
        "captured_at": iso(capture.captured_at),
        "sha256": version.sha256,
        "record_sha256": version.record_sha256,
        "checks_failed": version.checks_failed,
        "parser_version": version.parser_version,
        "created_at": iso(version.created_at),
        "is_current": version.id == current_id,
    }


def report_detail(archive: Archive, report_id: int, version_id: int | None = None) -> dict[str, Any]:
    """A report, one of its versions (the current one unless `version_id`) with its record, the
    cells its failed checks cover, and every version with capture time and digest."""
    with archive.session() as session:
        report = session.get(Report, report_id)
        if report is None:
            raise NotFound(f"no report {report_id} in the archive")
        versions = list(session.scalars(
            select(ReportVersion).where(ReportVersion.report_id == report.id).order_by(ReportVersion.id)))
        if not versions:
            raise NotFound(f"report {report_id} has no parsed version")
        current_id = current_version_id(session, report, versions)
        captures = {c.id: c for c in session.scalars(
            select(Capture).where(Capture.id.in_({v.capture_id for v in versions})))}
        if version_id is None:
            version_id = current_id
        shown = next((v for v in versions if v.id == version_id), None)
        if shown is None:
            raise NotFound(f"report {report_id} has no version {version_id}")
        capture = captures[shown.capture_id]
        # Capture.landed_at: through the indexes (a coalesce scanned every capture: most of the
        # report page's time on bench/web.py's 12,000 captures).
        last_seen = session.scalar(select(func.max(Capture.captured_at)).where(Capture.landed_at(report.url)))
        return {
            "id": report.id,
            "url": report.url,
            "agency": report.agency.name if report.agency else report.agency_name,
            "agency_name_in_report": shown.record.get("agency"),
            "year": report.year,
            "title": report.title,
            "published_on": iso(report.published_on),
            "format": report.format,
            "first_seen_at": iso(report.first_seen_at),
            "last_seen_at": iso(last_seen),
            "version": _version_dict(shown, capture, current_id),
            "capture": capture_dict(capture),
            "record": shown.record,
            "failed_cells": {path: list(rules) for path, rules in failed_cells(shown.record).items()},
            "versions": [_version_dict(v, captures[v.capture_id], current_id) for v in versions],
        }


def version_record(archive: Archive, report_id: int, version_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """One version's record and its summary (capture time, digests)."""
    with archive.session() as session:
        version = session.get(ReportVersion, version_id)
        if version is None or version.report_id != report_id:
            raise NotFound(f"report {report_id} has no version {version_id}")
        report = session.get(Report, report_id)
        versions = list(session.scalars(select(ReportVersion).where(ReportVersion.report_id == report_id)))
        current_id = current_version_id(session, report, versions)
        return version.record, _version_dict(version, session.get(Capture, version.capture_id), current_id)


def agency_detail(archive: Archive, name: str) -> dict[str, Any]:
    """An agency: registry data as archived, its reports by year (every version), its crawl runs."""
    with archive.session() as session:
        agency = session.scalar(select(Agency).where(Agency.name == name))
        reports = list(session.scalars(
            select(Report).where((Report.agency_id == agency.id) if agency is not None else (Report.agency_name == name))
            .order_by(Report.year.desc(), Report.id)))
        if agency is None and not reports:
            raise NotFound(f"no agency named {name!r} in the archive")
        by_year: dict[str, list[dict[str, Any]]] = {}
        # Every version of every report and their captures in two statements, without the
        # records and texts the page does not show (decoding each version's whole record was
        # most of the agency page's time, bench/web.py).
        all_versions: dict[int, list[ReportVersion]] = {}
        for version in session.scalars(
                select(ReportVersion).options(load_only(*VERSION_LISTED))
                .where(ReportVersion.report_id.in_([report.id for report in reports])).order_by(ReportVersion.id)):
            all_versions.setdefault(version.report_id, []).append(version)
        captures = {c.id: c for c in session.scalars(select(Capture).where(
            Capture.id.in_({v.capture_id for versions in all_versions.values() for v in versions})))}
        for report in reports:
            versions = all_versions.get(report.id, [])
            current_id = current_version_id(session, report, versions)
            by_year.setdefault(str(report.year) if report.year else "unknown", []).append({
                "id": report.id, "title": report.title, "url": report.url, "year": report.year,
                "format": report.format, "published_on": iso(report.published_on),
                "first_seen_at": iso(report.first_seen_at),
                "versions": [_version_dict(v, captures[v.capture_id], current_id) for v in versions],
            })
        runs = [] if agency is None else [
            {"id": run.id, "started_at": iso(run.started_at), "finished_at": iso(run.finished_at),
             "outcome": run.outcome, "pages_listed": run.pages_listed, "reports_found": run.reports_found,
             "errors": list(run.errors or [])}
            for run in session.scalars(
                select(CrawlRun).where(CrawlRun.agency_id == agency.id).order_by(CrawlRun.started_at.desc()))
        ]
        return {
            "name": name,
            "region": agency.region if agency else None,
            "kind": agency.kind if agency else None,
            "list_urls": list(agency.list_urls or []) if agency else [],
            "reports_by_year": by_year,
            "crawl_runs": runs,
        }


def capture_payload(archive: Archive, capture_id: int) -> tuple[dict[str, Any], bytes]:
    """A capture's metadata and its bytes exactly as captured."""
    with archive.session() as session:
        capture = session.get(Capture, capture_id)
        if capture is None:
            raise NotFound(f"no capture {capture_id} in the archive")
        return capture_dict(capture), archive.body(capture)


def report_of_capture(archive: Archive, capture_id: int) -> int | None:
    """The report one of whose versions was parsed from this capture (None: not a report's)."""
    with archive.session() as session:
        return session.scalar(select(ReportVersion.report_id).where(ReportVersion.capture_id == capture_id)
                              .order_by(ReportVersion.id).limit(1))
