"""The monitor's record of what it reported (the `monitor_events` table), written and read as
plain frozen values.

An event is an agency's status for a report year (event_type `STATUS_EVENT`, the status beside
it) or a finding (event_type is the finding's word, e.g. "changed"); `key` makes the same
finding the same event on the next run. The Atom feed (nianbao.feed) lists them; the monitor
(nianbao.monitoring) asks what it said before, so it can tell what is new.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select

from .clock import utc
from .models import MonitorEvent

STATUS_EVENT = "status"  # the event_type of a status event; every other event_type names a finding


@dataclass(frozen=True, slots=True)
class EventIn:
    """An event to record."""

    year: int
    agency: str
    event_type: str  # STATUS_EVENT or a finding's word
    key: str  # the same finding on the next run has the same key
    detail: dict[str, Any]  # the status or finding as the JSON output writes it
    status: str | None = None  # for a status event


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    id: int
    year: int
    agency: str
    event_type: str
    key: str
    status: str | None
    detail: dict[str, Any]
    observed_at: dt.datetime  # aware UTC

    @property
    def is_status(self) -> bool:
        return self.event_type == STATUS_EVENT


@dataclass(frozen=True, slots=True)
class RecordedYear:
    """What the events recorded for one report year say so far."""

    statuses: dict[str, str | None]  # agency -> its last recorded status
    finding_keys: frozenset[str]  # the keys of every finding recorded


def recorded_year(archive: Any, year: int) -> RecordedYear:
    # Core rows on a connection, not the ORM session's: a national year holds ~190,000 events,
    # read by every run (what it says is new is what they have not said).
    with archive.engine.connect() as connection:
        statuses: dict[str, str | None] = dict(connection.execute(
            select(MonitorEvent.agency, MonitorEvent.status)
            .where(MonitorEvent.year == year, MonitorEvent.event_type == STATUS_EVENT).order_by(MonitorEvent.id)
        ).all())  # the latest status event of each agency wins
        keys = frozenset(connection.scalars(
            select(MonitorEvent.key).where(MonitorEvent.year == year, MonitorEvent.event_type != STATUS_EVENT)
        ))
    return RecordedYear(statuses, keys)


def record(archive: Any, events: Iterable[EventIn], observed_at: dt.datetime) -> int:
    """Add `events`, all observed at `observed_at` (aware); returns how many."""
    observed_at = utc(observed_at)
    rows = [{"year": event.year, "agency": event.agency, "event_type": event.event_type, "key": event.key,
             "status": event.status, "detail": event.detail, "observed_at": observed_at} for event in events]
    if rows:
        # One executemany (an ORM bulk insert), not an object per event: a national registry's
        # first recorded run adds ~190,000 events.
        with archive.session() as session, session.begin():
            session.execute(insert(MonitorEvent), rows)
    return len(rows)


def newest_events(archive: Any, limit: int) -> list[RecordedEvent]:
    """The `limit` most recently observed events, newest first."""
    with archive.session() as session:
        rows = session.execute(
            select(MonitorEvent.id, MonitorEvent.year, MonitorEvent.agency, MonitorEvent.event_type,
                   MonitorEvent.key, MonitorEvent.status, MonitorEvent.detail, MonitorEvent.observed_at)
            .order_by(MonitorEvent.observed_at.desc(), MonitorEvent.id.desc()).limit(limit)
        ).all()
    return [RecordedEvent(*row) for row in rows]
