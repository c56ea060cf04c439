"""What the last monitor evaluation of a report year saw and said (migrations 0009, 0012), kept so the
next evaluation judges again only what changed (nianbao.monitoring.incremental owns the rules of
what changed; this module reads and writes plain values):

- `monitor_state`: per year, the day it was judged as of, the archive's marks then
  (storage.monitor_reads.marks) and a generation, bumped by every save;
- `monitor_judged`: per year and agency, its judgment (bytes its owner encodes: MessagePack,
  nianbao.monitoring.kept; migration 0012, JSON before), the keys of its registry entry and of its
  reports it was judged with, its kind and status, and its narrative's MinHash signature;
- `monitor_copy_pairs`: per year, the same-year narrative pairs scored exactly (names in order).

A save replaces the agencies it names and their pairs in one transaction, and only if no other
evaluation saved in between (the generation it started from still holds): otherwise it keeps
nothing, and the next evaluation starts from the newer state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (JSON, Column, Date, Float, Index, Integer, LargeBinary, MetaData, String, Table, Text, delete,
                        insert, or_, select, update)

BATCH = 500  # names per IN list (SQLite and PostgreSQL cap a statement's parameters)
INSERT_BATCH = 10000  # rows per executemany, all in the save's one transaction
metadata = MetaData()
monitor_state = Table(
    "monitor_state", metadata,
    Column("year", Integer, primary_key=True), Column("as_of", Date, nullable=False),
    Column("marks", JSON, nullable=False), Column("generation", Integer, nullable=False))
monitor_judged = Table(
    "monitor_judged", metadata,
    Column("year", Integer, primary_key=True), Column("agency", Text, primary_key=True),
    Column("entry_key", Text, nullable=False), Column("reports_key", Text, nullable=False),
    Column("kind", String(20), nullable=False), Column("status", String(20), nullable=False),
    Column("judgment", LargeBinary, nullable=False), Column("signature", LargeBinary))
monitor_copy_pairs = Table(
    "monitor_copy_pairs", metadata,
    Column("year", Integer, primary_key=True), Column("agency_a", Text, primary_key=True),
    Column("agency_b", Text, primary_key=True), Column("score", Float, nullable=False),
    Index("ix_monitor_copy_pairs_year_b", "year", "agency_b"))  # as migration 0009 makes it


@dataclass(frozen=True, slots=True)
class JudgedRow:
    """What an agency's kept judgment was made from and said, without the judgment itself."""

    agency: str
    entry_key: str
    reports_key: str
    kind: str
    status: str


Judgment = tuple[bytes, bytes | None]  # the judgment as its owner encoded it, its narrative's signature


@dataclass(frozen=True, slots=True)
class YearState:
    year: int
    as_of: dt.date
    marks: dict[str, Any]
    generation: int
    judged: dict[str, JudgedRow]  # by agency
    judgments: dict[str, Judgment]  # by agency
    pairs: dict[tuple[str, str], float]  # (agency_a, agency_b), a < b -> score


def head(archive: Any, year: int) -> tuple[int, dt.date, dict[str, Any]] | None:
    """The generation, day and marks of the kept state of `year` (None: nothing kept)."""
    with archive.engine.connect() as connection:
        row = connection.execute(select(monitor_state.c.generation, monitor_state.c.as_of, monitor_state.c.marks)
                                 .where(monitor_state.c.year == year)).first()
    return None if row is None else (row.generation, row.as_of, row.marks)


def load(archive: Any, year: int) -> YearState | None:
    """The kept state of `year`, or None when no evaluation of it was kept."""
    with archive.engine.connect() as connection:
        head = connection.execute(select(monitor_state).where(monitor_state.c.year == year)).first()
        if head is None:
            return None
        c = monitor_judged.c
        judged: dict[str, JudgedRow] = {}
        judgments: dict[str, Judgment] = {}
        for agency, entry_key, reports_key, kind, status, judgment, signature in connection.execute(
                select(c.agency, c.entry_key, c.reports_key, c.kind, c.status, c.judgment, c.signature)
                .where(c.year == year)).all():  # (fetched at once: row by row was a fifth of a load)
            judged[agency] = JudgedRow(agency, entry_key, reports_key, kind, status)
            judgments[agency] = (judgment, signature)
        pairs = {(row.agency_a, row.agency_b): row.score for row in connection.execute(
            select(monitor_copy_pairs).where(monitor_copy_pairs.c.year == year)).all()}
    return YearState(year, head.as_of, head.marks, head.generation, judged, judgments, pairs)


def save(archive: Any, year: int, generation: int | None, as_of: dt.date, marks: Mapping[str, Any],
         forget: Iterable[str], rows: Sequence[JudgedRow], judgments: Mapping[str, Judgment],
         pairs: Mapping[tuple[str, str], float]) -> bool:
    """Drop the judgments and pairs of the agencies in `forget` and of those in `rows`, then add
    `rows` with their `judgments` (by agency) and `pairs`, with the new head (`as_of`, `marks`); `generation` is the one loaded (None:
    there was none). False, and nothing written, when another evaluation saved since."""
    gone = sorted(set(forget) | {row.agency for row in rows})
    with archive.engine.begin() as connection:
        if generation is None:
            if connection.execute(select(monitor_state.c.year).where(monitor_state.c.year == year)).first():
                return False
            connection.execute(insert(monitor_state).values(year=year, as_of=as_of, marks=dict(marks), generation=1))
        else:
            moved = connection.execute(
                update(monitor_state).where(monitor_state.c.year == year, monitor_state.c.generation == generation)
                .values(as_of=as_of, marks=dict(marks), generation=generation + 1))
            if moved.rowcount != 1:
                return False
        if generation is None:  # nothing kept of the year: whatever a torn past left goes, in two statements
            connection.execute(delete(monitor_judged).where(monitor_judged.c.year == year))
            connection.execute(delete(monitor_copy_pairs).where(monitor_copy_pairs.c.year == year))
            gone = []  # (from cold, 200 batches of two deletes at 100,000 agencies found nothing to delete)
        for start in range(0, len(gone), BATCH):
            batch = gone[start:start + BATCH]
            connection.execute(delete(monitor_judged).where(monitor_judged.c.year == year,
                                                            monitor_judged.c.agency.in_(batch)))
            connection.execute(delete(monitor_copy_pairs).where(
                monitor_copy_pairs.c.year == year,
                or_(monitor_copy_pairs.c.agency_a.in_(batch), monitor_copy_pairs.c.agency_b.in_(batch))))
        values = [{"year": year, "agency": r.agency, "entry_key": r.entry_key, "reports_key": r.reports_key,
                   "kind": r.kind, "status": r.status, "judgment": judgments[r.agency][0],
                   "signature": judgments[r.agency][1]} for r in rows]
        for start in range(0, len(values), INSERT_BATCH):
            connection.execute(insert(monitor_judged), values[start:start + INSERT_BATCH])
        scored = [{"year": year, "agency_a": a, "agency_b": b, "score": score} for (a, b), score in pairs.items()]
        for start in range(0, len(scored), INSERT_BATCH):
            connection.execute(insert(monitor_copy_pairs), scored[start:start + INSERT_BATCH])
    return True
