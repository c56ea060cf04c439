"""The monitor's Atom feed: status changes and findings, newest first, for people who subscribe.

Entries are the recorded `monitor_events` (nianbao.monitor.record_events), so an entry keeps its
id and date across runs and a feed reader shows each event once. Written with feedgen; the file
is replaced atomically, so a reader polling it never sees half a feed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from feedgen.feed import FeedGenerator
from sqlalchemy import select

from storage import Archive
from storage.files import write_atomically
from storage.models import MonitorEvent

FEED_ID = "urn:nianbao:monitor"
DEFAULT_ENTRIES = 200


def _title(event: MonitorEvent) -> str:
    if event.kind == "status":
        late = event.detail.get("days_late")
        status = event.status.replace("_", " ") + (f" ({late} days)" if late else "")
        return f"{event.agency} {event.year}: {status}"
    return f"{event.agency} {event.year}: {event.kind.replace('_', ' ')}"


def _summary(event: MonitorEvent) -> str:
    if event.kind == "status":
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


def write_atom(archive: Archive, path: Path, *, entries: int = DEFAULT_ENTRIES, title: str = "nianbao monitor") -> int:
    """Write the newest `entries` events to `path` as Atom; returns how many were written."""
    with archive.session() as session:
        events = session.scalars(select(MonitorEvent).order_by(MonitorEvent.observed_at.desc(),
                                                                MonitorEvent.id.desc()).limit(entries)).all()
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
        digest = hashlib.sha256(f"{event.year}|{event.agency}|{event.kind}|{event.key}|{observed.isoformat()}".encode()).hexdigest()
        entry.id(f"urn:nianbao:event:{digest[:32]}")
        entry.title(_title(event))
        entry.updated(observed)
        entry.published(observed)
        entry.content(_summary(event), type="text")
        entry.category(term=event.kind if event.kind != "status" else f"status:{event.status}")
        url = event.detail.get("url")
        if url:
            entry.link(href=url, rel="alternate")
    feed.updated(newest or dt.datetime.now(dt.timezone.utc))
    write_atomically(path, feed.atom_str(pretty=True), prefix=f".{path.name}.tmp-")
    return len(events)
