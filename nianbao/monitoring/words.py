"""The monitor's closed sets of words, each defined once: an agency's status for a report year,
and the kinds of finding. Members are the very strings written to JSON, CSV, the Atom feed and
the `monitor_events` table, so `MonitorStatus.ON_TIME == "on_time"`.
"""

from __future__ import annotations

from enum import StrEnum


class MonitorStatus(StrEnum):
    """What the archive shows about an agency's report for a year (nianbao.monitoring.statuses)."""

    ON_TIME = "on_time"  # archived, dated on or before the deadline
    LATE = "late"  # archived, dated after the deadline (or shown absent after it)
    MISSING = "missing"  # the column was read after the deadline and holds no report for the year
    UNREACHABLE = "unreachable"  # nianbao could not look: our failure, never the agency's
    NOT_DUE = "not_due"  # the deadline has not passed and nothing is archived yet
    UNDATED = "undated"  # archived, but on time or late cannot be told


class FindingKind(StrEnum):
    """What is wrong with, or happened to, an archived report (nianbao.monitoring.findings, copies)."""

    INVALID = "invalid"  # its own arithmetic fails
    CHANGED = "changed"  # edited after publication
    REMOVED = "removed"  # gone from its URL
    RESTORED = "restored"  # back after a confirmed removal
    CARRYOVER_MISMATCH = "carryover_mismatch"  # 上年结转 differs from last year's 结转下年度继续办理
    COPIED = "copied"  # narrative nearly identical to its own previous year's or another agency's
