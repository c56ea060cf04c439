"""Findings about one agency's archived reports: failed arithmetic (`invalid`), edits after
publication (`changed`), removal and return (`removed`, `restored`), and 上年结转 that differs
from last year's 结转下年度继续办理 (`carryover_mismatch`). Copied narratives are
nianbao.monitoring.copies. Pure functions over storage.monitor_reads values; every finding
carries its evidence (URLs, digests, capture times and ids).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from parsing.schema import APPLICANT_COLUMNS
from storage.clock import iso_z
from storage.monitor_reads import CaptureView, ReportView

from .words import FindingKind

GONE_STATUSES = (404, 410)
CONFIRM_AFTER = dt.timedelta(days=1)  # a removal is news once two crawls a day apart agree
HOME_PATHS = {"", "/", "/index.html", "/index.htm", "/index.shtml", "/index.jsp", "/index.php",
              "/default.html", "/default.htm", "/default.aspx", "/main.html"}


@dataclass(frozen=True)
class Finding:
    agency: str
    year: int
    finding: FindingKind
    detail: str  # one sentence a reader can quote
    key: str  # the same finding on the next run has the same key
    data: dict[str, Any] = field(default_factory=dict)
    newsworthy: bool = True  # an unconfirmed removal is not news yet

    def to_dict(self) -> dict[str, Any]:
        """The JSON form; the finding's word stays under "kind", the key readers already use."""
        return {"agency": self.agency, "year": self.year, "kind": self.finding.value, "detail": self.detail,
                **self.data}


def invalid(agency: str, year: int, view: ReportView) -> list[Finding]:
    failed = [c for c in view.record.get("checks", []) if not c.get("ok")]
    if not failed:
        return []
    return [Finding(
        agency, year, FindingKind.INVALID,
        "; ".join(f"{c['rule']}: {c.get('detail') or 'fails'}" for c in failed),
        key=f"invalid:{view.id}:{view.current.sha256}",
        data={"url": view.url, "report_id": view.id, "sha256": view.current.sha256, "version_id": view.current.id,
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


def _changed_paths(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict, dict, list[str]]:
    """The flattened parts of two records under the top-level keys whose values differ, and the
    dotted paths that differ between them (sorted). A top-level value equal on both sides has
    equal paths under it, so only the differing ones are flattened (flattening two whole records
    was ~1 ms per edited report, most of an evaluation's `changes`)."""
    keys = [k for k in {**before, **after} if k not in ("checks", "warnings") and
            (k not in before or k not in after or before[k] != after[k])]
    old = _comparable({k: before[k] for k in keys if k in before})
    new = _comparable({k: after[k] for k in keys if k in after})
    return old, new, [path for path in sorted(set(old) | set(new)) if old.get(path) != new.get(path)]


def changes(agency: str, year: int, view: ReportView) -> list[Finding]:
    """A payload whose record differs from the payload before it (page chrome alone, such as a
    click counter, changes the payload but not the record, and is not a change)."""
    payloads = {}
    for version in view.versions:  # oldest payload first; a payload's newest record wins
        payloads[version.sha256] = version
    ordered = list(payloads.values())
    findings = []
    for old, new in zip(ordered, ordered[1:]):
        before, after, changed = _changed_paths(old.record, new.record)
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
            agency, year, FindingKind.CHANGED,
            f"edited after publication: {' and '.join(what)} changed between the captures of "
            f"{iso_z(old_capture.captured_at)} and {iso_z(new_capture.captured_at)}",
            key=f"changed:{view.id}:{old.sha256}:{new.sha256}",
            data={"url": view.url, "report_id": view.id, "old_version_id": old.id, "new_version_id": new.id,
                  "old_digest": old.sha256, "new_digest": new.sha256,
                  "old_captured_at": iso_z(old_capture.captured_at), "new_captured_at": iso_z(new_capture.captured_at),
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


def _gone_streaks(view: ReportView, list_urls: Sequence[str]) -> list[tuple[list[CaptureView], CaptureView | None]]:
    """Runs of fetches that found the report gone, each with the fetch that found it back (None:
    still gone). 5xx answers say nothing either way (and time-outs were never captured)."""
    streaks: list[tuple[list[CaptureView], CaptureView | None]] = []
    gone: list[CaptureView] = []
    for capture in view.captures:
        if capture.status in GONE_STATUSES or (
            capture.final_url and capture.status is not None and capture.status < 400
            and _is_home(capture.final_url, view.url, list_urls)
        ):
            gone.append(capture)
        elif capture.status is not None and 200 <= capture.status < 300 and capture.landed_on == view.url:
            if gone:
                streaks.append((gone, capture))
                gone = []
    if gone:
        streaks.append((gone, None))
    return streaks


def removal(agency: str, list_urls: Sequence[str], year: int, view: ReportView) -> list[Finding]:
    """Gone: the latest fetches 404/410 or redirect to the home page (or the column, one of
    `list_urls`). Confirmed once fetches at least a day apart agree; a report that came back
    after a confirmed removal is `restored`."""
    findings = []
    for streak, ended in _gone_streaks(view, list_urls):
        first, last = streak[0], streak[-1]
        confirmed = last.captured_at - first.captured_at >= CONFIRM_AFTER
        how = f"HTTP {last.status}" if last.status in GONE_STATUSES else f"a redirect to {last.final_url}"
        observations = [{"capture_id": c.id, "captured_at": iso_z(c.captured_at), "status": c.status,
                         "final_url": c.final_url} for c in streak]
        if ended is None:
            archived = next((c for c in reversed(view.captures) if c.sha256 == view.current.sha256), None)
            findings.append(Finding(
                agency, year, FindingKind.REMOVED,
                f"the report now answers {how} (since {iso_z(first.captured_at)}; "
                + ("confirmed by fetches a day or more apart)" if confirmed else "not yet confirmed by a later crawl)"),
                key=f"removed:{view.id}:{first.id}",
                data={"url": view.url, "report_id": view.id, "confirmed": confirmed, "since": iso_z(first.captured_at),
                      "last_checked": iso_z(last.captured_at), "observations": observations,
                      "last_archived_digest": view.current.sha256,
                      "last_archived_capture_id": archived.id if archived else None},
                newsworthy=confirmed,
            ))
        elif confirmed:
            findings.append(Finding(
                agency, year, FindingKind.RESTORED,
                f"the report was gone ({how}) from {iso_z(first.captured_at)} and is back since {iso_z(ended.captured_at)}",
                key=f"restored:{view.id}:{first.id}",
                data={"url": view.url, "report_id": view.id, "removed_since": iso_z(first.captured_at),
                      "restored_at": iso_z(ended.captured_at), "restored_digest": ended.sha256,
                      "observations": observations},
            ))
    return findings


def _applications(view: ReportView) -> dict[str, Any] | None:
    table = view.record.get("applications")
    return table if isinstance(table, dict) and table else None


def carryover(agency: str, year: int, this_year: Sequence[ReportView], last_year: Sequence[ReportView]) -> list[Finding]:
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
        agency, year, FindingKind.CARRYOVER_MISMATCH,
        f"上年结转 in the {year} report differs from 结转下年度继续办理 in the {year - 1} report: {shown}",
        key=f"carryover:{now.id}:{now.current.sha256}:{before.id}:{before.current.sha256}",
        data={"url": now.url, "report_id": now.id, "previous_url": before.url, "previous_report_id": before.id,
              "columns": columns},
    )]
