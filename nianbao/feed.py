"""The monitor's Atom feed: status changes and findings, newest first, for people who subscribe.

Entries are the recorded `monitor_events` (storage.monitor_events), so an entry keeps its
id and date across runs and a feed reader shows each event once. An entry links to its evidence
in nianbao's web UI (nianbao.evidence: the diff, the archived version, the last capture, the
report) on `base_url`, the portal's URL in its summary; an event with nothing archived to show
links to the portal. Written with feedgen; the file
is replaced atomically, so a reader polling it never sees half a feed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from feedgen.feed import FeedGenerator

from storage import Archive
from storage.clock import Clock, system_clock
from storage.files import write_atomically
from storage.monitor_events import RecordedEvent, newest_events

from . import permalinks
from .evidence import finding_path, status_path

FEED_ID = "urn:nianbao:monitor"
DEFAULT_ENTRIES = 200


def evidence_url(event: RecordedEvent, base_url: str) -> str | None:
    """The event's evidence in the web UI: its finding's (nianbao.evidence), or for a status the
    report it rests on."""
    path = status_path(event.detail) if event.is_status else finding_path(event.event_type, event.detail)
    return base_url.rstrip("/") + path if path else None


def _title(event: RecordedEvent) -> str:
    if event.is_status:
        late = event.detail.get("days_late")
        status = event.status.replace("_", " ") + (f" ({late} days)" if late else "")
        return f"{event.agency} {event.year}: {status}"
    return f"{event.agency} {event.year}: {event.event_type.replace('_', ' ')}"


def _summary(event: RecordedEvent) -> str:
    if event.is_status:
        detail = event.detail
        evidence = detail.get("evidence") or {}
        parts = [f"status {event.status}, deadline {detail.get('deadline')}"]
        if detail.get("published_on"):
            parts.append(f"published {detail['published_on']}")
        if evidence.get("reason"):
            parts.append(evidence["reason"])
        if detail.get("url"):
            parts.append(detail["url"])
        return "; ".join(parts)
    return "; ".join(p for p in (event.detail.get("detail"), event.detail.get("url")) if p)


def write_atom(archive: Archive, path: Path, *, entries: int = DEFAULT_ENTRIES, title: str = "nianbao monitor",
               clock: Clock = system_clock, base_url: str | None = None) -> int:
    """Write the newest `entries` events to `path` as Atom; returns how many were written. An
    empty feed is dated by `clock`. Entries link to the web UI at `base_url` (default:
    $NIANBAO_BASE_URL, else where `nianbao serve` listens: the permalinks' rule, `permalinks.base_url`)."""
    base_url = permalinks.base_url(base_url)
    events = newest_events(archive, entries)
    feed = FeedGenerator()
    feed.id(FEED_ID)
    feed.title(title)
    feed.subtitle("政府信息公开工作年度报告: who published late or not at all, and reports that are "
                  "inconsistent, edited after publication or removed")
    feed.link(href=path.resolve().as_uri(), rel="self")
    feed.language("zh-CN")
    newest = None
    for event in reversed(events):  # feedgen prepends: add oldest first, newest ends on top
        observed = event.observed_at
        newest = max(newest or observed, observed)
        entry = feed.add_entry()
        # event_type was the column `kind`: the id's text is unchanged, so entries keep their ids.
        digest = hashlib.sha256(f"{event.year}|{event.agency}|{event.event_type}|{event.key}|{observed.isoformat()}"
                                .encode()).hexdigest()
        entry.id(f"urn:nianbao:event:{digest[:32]}")
        entry.title(_title(event))
        entry.updated(observed)
        entry.published(observed)
        entry.content(_summary(event), type="text")
        entry.category(term=f"status:{event.status}" if event.is_status else event.event_type)
        # One link: feedgen writes no rel on an entry's links (feedgen/entry.py reads the rel back
        # from the new element), so a second link would be a second alternate. The portal's URL
        # stays in the summary.
        link = evidence_url(event, base_url) or event.detail.get("url")
        if link:
            entry.link(href=link, rel="alternate")
    feed.updated(newest or clock())
    write_atomically(path, feed.atom_str(pretty=True), prefix=f".{path.name}.tmp-")
    return len(events)
