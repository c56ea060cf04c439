"""Time: the one clock every component reads, and China's calendar.

Nothing in nianbao reads the wall clock directly. A component that needs "now" takes a `Clock`
(a function returning an aware UTC datetime) and defaults to `system_clock`; tests pass
`fixed_clock(...)`, and the whole suite also runs with the process clock moved years ahead
(README, "Tests on another day"). Deadlines and publication dates are China's calendar days,
so `CHINA` is the one definition of that time zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")

Clock = Callable[[], dt.datetime]
"""Returns the current moment, aware, in UTC."""


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def fixed_clock(moment: dt.datetime) -> Clock:
    """A clock that always answers `moment` (aware; converted to UTC)."""
    if moment.tzinfo is None:
        raise ValueError(f"{moment} has no time zone")
    frozen = moment.astimezone(dt.UTC)
    return lambda: frozen


def china_date(moment: dt.datetime) -> dt.date:
    """The calendar day in China at an aware moment."""
    if moment.tzinfo is None:
        raise ValueError(f"{moment} has no time zone")
    return moment.astimezone(CHINA).date()


def china_today(clock: Clock = system_clock) -> dt.date:
    return china_date(clock())


def china_day_end(day: dt.date) -> dt.datetime:
    """The midnight that ends `day` in China's calendar, in UTC (what was archived "by the end of
    the day" was archived at or before it)."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), CHINA).astimezone(dt.UTC)


def utc(moment: dt.datetime) -> dt.datetime:
    """An aware moment in UTC; a naive one is refused (the archive never guesses a time zone)."""
    if moment.tzinfo is None:
        raise ValueError(f"{moment} has no time zone; nianbao stores moments in UTC")
    return moment.astimezone(dt.UTC)


def iso_z(moment: dt.datetime | None) -> str | None:
    """The one text form of a moment: ISO 8601 in UTC ending in Z, to the second
    (2025-01-20T02:00:00Z). Used by every JSON and CSV output, CLI and web alike."""
    if moment is None:
        return None
    return utc(moment).replace(microsecond=0).isoformat().replace("+00:00", "Z")
