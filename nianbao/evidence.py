"""Where the evidence of a monitor finding or status is in nianbao's own web UI, as a path on the
UI's root: a `changed` finding's version diff, an `invalid` one's archived version (its failed
checks marked), a `removed` one's last archived capture, an archived status's report page.

One function for the web pages (which put the request's root in front) and the Atom feed (which
puts the UI's base URL in front). The paths are the routes of nianbao/web/app.py
(tests/monitor/test_evidence_links.py follows every one of them through the app). Events recorded
before findings carried their ids have no path: their link stays the portal's URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from .monitoring.words import FindingKind

EVIDENCE_LABELS = {  # what the link shows, by finding kind
    FindingKind.CHANGED: "the diff",
    FindingKind.INVALID: "the archived version and its failed checks",
    FindingKind.REMOVED: "the last capture",
    FindingKind.RESTORED: "the report",
    FindingKind.CARRYOVER_MISMATCH: "the report",
    FindingKind.COPIED: "the report",
}


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def report_path(report_id: int, version_id: int | None = None) -> str:
    return f"/reports/{report_id}" + (f"?{urlencode({'version': version_id})}" if version_id else "")


def finding_path(kind: str, data: Mapping[str, Any]) -> str | None:
    """The UI path of a finding's evidence (`data`: the finding's JSON form or a recorded event's
    detail); None when the finding names no archived report."""
    report_id = _int(data.get("report_id"))
    if kind == FindingKind.CHANGED and report_id and _int(data.get("old_version_id")) and _int(data.get("new_version_id")):
        return f"/reports/{report_id}/diff?" + urlencode({"a": data["old_version_id"], "b": data["new_version_id"]})
    if kind == FindingKind.INVALID and report_id:
        return report_path(report_id, _int(data.get("version_id"))) + "#checks"
    if kind == FindingKind.REMOVED and _int(data.get("last_archived_capture_id")):
        return f"/captures/{data['last_archived_capture_id']}"
    return report_path(report_id) if report_id else None


def status_path(status: Mapping[str, Any]) -> str | None:
    """The UI path of the report an agency's status rests on (None: no archived report)."""
    report = (status.get("evidence") or {}).get("report") or {}
    report_id = _int(report.get("id"))
    return report_path(report_id) if report_id else None
