"""What is new since the recorded events, and the events that record it: pure, over a hand-built
report and a hand-built record of earlier events."""

from __future__ import annotations

import datetime as dt

from nianbao.monitoring import AgencyStatus, Finding, FindingKind, MonitorReport, MonitorStatus
from nianbao.monitoring.events import events_of, news
from storage.monitor_events import STATUS_EVENT, RecordedYear
from storage.vocab import AgencyKind


def status(agency: str, status: MonitorStatus) -> AgencyStatus:
    return AgencyStatus(agency, "江苏省/测试市", AgencyKind.DEPARTMENT, status, dt.date(2025, 1, 31))


def finding(key: str, newsworthy: bool = True) -> Finding:
    return Finding("甲局", 2024, FindingKind.REMOVED, "gone", key, {"url": "http://x/"}, newsworthy=newsworthy)


REPORT = MonitorReport(2024, dt.date(2025, 6, 1),
                       (status("甲局", MonitorStatus.LATE), status("乙局", MonitorStatus.MISSING),
                        status("丙局", MonitorStatus.ON_TIME)),
                       (finding("removed:1:1"), finding("removed:2:5", newsworthy=False), finding("removed:3:9")))


def test_news_is_a_changed_status_and_a_newsworthy_finding_not_recorded_before() -> None:
    recorded = RecordedYear({"甲局": "late", "乙局": "unreachable"}, frozenset({"removed:3:9"}))
    fresh = news(REPORT, recorded)
    assert [row.agency for row in fresh.statuses] == ["乙局", "丙局"]  # 丙局 was never recorded
    assert [f.key for f in fresh.findings] == ["removed:1:1"]  # unconfirmed: not news yet
    assert fresh
    assert not news(REPORT, RecordedYear({"甲局": "late", "乙局": "missing", "丙局": "on_time"},
                                         frozenset({"removed:1:1", "removed:3:9"})))


def test_events_record_statuses_then_findings_each_under_its_event_type() -> None:
    events = events_of(news(REPORT, RecordedYear({}, frozenset())), 2024)
    assert [(e.agency, e.event_type, e.key, e.status) for e in events] == [
        ("甲局", STATUS_EVENT, "status:late", "late"), ("乙局", STATUS_EVENT, "status:missing", "missing"),
        ("丙局", STATUS_EVENT, "status:on_time", "on_time"), ("甲局", "removed", "removed:1:1", None),
        ("甲局", "removed", "removed:3:9", None)]
    assert events[0].detail == REPORT.agencies[0].to_dict()
    assert events[3].detail == {"agency": "甲局", "year": 2024, "kind": "removed", "detail": "gone", "url": "http://x/"}
