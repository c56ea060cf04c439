"""The numbers table: every number cell of every report version, read out of its record once, at
ingest, so that `storage.stats` sums a field over thousands of reports without parsing their JSON.

    search_number_paths(id, path)                       one row per dotted field path
    search_numbers(path_id, version_id, kind, value)    one row per cell a version's record has
    search_numbered(version_id)                         the versions whose cells are in

A version's record does not change (a reparse adds a version), so its rows are written once, when
the version is flushed (`IndexedSession`'s after_flush, beside the full-text index; a record
edited through the ORM is numbered again there) or when the
index is rebuilt (`storage.search_index.rebuild`, migration 0008, `nianbao db reindex`). Only the
number cells of the record's formats (`parsing.fields.field_paths()`) are kept.

`kind` says what the record holds at the path, as SQLite's `json_type` would: NUMBER (an integer
or a real: `value` holds it, integers as integers), NULL (a blank cell) or OTHER (text, a
boolean, a list: neither a number nor a blank). A cell the record does not have (no such table
or row, another format's field) has no row: `stats` counts it absent. The value column has no
type affinity on SQLite (an integer stays an integer and a real a real, so sums stay integers
exactly where the JSON's did) and is NUMERIC on PostgreSQL (as `stats` cast it before).

The table's names start with `search_`: it belongs with the search index (raw SQL per dialect,
not a model), is dropped and recreated with it.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, inspect, text
from sqlalchemy.orm import Session

from parsing.fields import field_paths

log = logging.getLogger(__name__)

NUMBER, NULL, OTHER = 1, 0, 2  # search_numbers.kind
# SQLite keeps integers to 64 bits; a larger one (a garbled 10^32) is kept as the real JSON1 reads.
INT64 = 2**63 - 1

SQLITE_DDL = (
    "CREATE TABLE search_number_paths (id INTEGER NOT NULL PRIMARY KEY, path TEXT NOT NULL UNIQUE)",
    # No declared type on value: no affinity, so 3 stays an integer and 3.0 a real (sum() then
    # answers an integer or a real exactly as it did over json_extract).
    ("CREATE TABLE search_numbers (path_id INTEGER NOT NULL, version_id INTEGER NOT NULL,"
     " kind INTEGER NOT NULL, value, PRIMARY KEY (path_id, version_id)) WITHOUT ROWID"),
    "CREATE TABLE search_numbered (version_id INTEGER NOT NULL PRIMARY KEY)",
)
POSTGRESQL_DDL = (
    "CREATE TABLE search_number_paths (id INTEGER NOT NULL PRIMARY KEY, path TEXT NOT NULL UNIQUE)",
    ("CREATE TABLE search_numbers (path_id INTEGER NOT NULL, version_id INTEGER NOT NULL,"
     " kind SMALLINT NOT NULL, value NUMERIC, PRIMARY KEY (path_id, version_id))"),
    "CREATE TABLE search_numbered (version_id INTEGER NOT NULL PRIMARY KEY)",
)
_NAMED = re.compile(r":(\w+)")
DROP_DDL = ("DROP TABLE IF EXISTS search_numbered", "DROP TABLE IF EXISTS search_numbers", "DROP TABLE IF EXISTS search_number_paths")


def create_tables(connection: Connection) -> None:
    dialect = connection.dialect.name
    for statement in SQLITE_DDL if dialect == "sqlite" else POSTGRESQL_DDL:
        connection.exec_driver_sql(statement)


def exists(connection: Connection) -> bool:
    return inspect(connection).has_table("search_numbered")


def drop_tables(connection: Connection) -> None:
    for statement in DROP_DDL:
        connection.exec_driver_sql(statement)


def cells(record: Any) -> Iterator[tuple[str, int, int | float | None]]:
    """(path, kind, value) for every number path of the formats that `record` has."""
    for path, parts in _split(field_paths()):
        node = record
        for part in parts:
            if not isinstance(node, dict) or part not in node:
                break
            node = node[part]
        else:
            if node is None:
                yield path, NULL, None
            elif isinstance(node, bool) or not isinstance(node, int | float):
                yield path, OTHER, None
            elif isinstance(node, int) and not -INT64 <= node <= INT64:
                yield path, NUMBER, float(node)
            else:
                yield path, NUMBER, node


@functools.lru_cache(maxsize=4)
def _split(paths: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each path with its parts (split once, not once per version)."""
    return tuple((path, tuple(path.split("."))) for path in paths)


def path_ids(connection: Connection) -> dict[str, int]:
    """Every number path's id, adding the paths not numbered yet."""
    known = {path: path_id for path_id, path in connection.execute(text("SELECT id, path FROM search_number_paths"))}
    fresh = [path for path in field_paths() if path not in known]
    if fresh:
        start = max(known.values(), default=0) + 1
        rows = [{"id": start + i, "path": path} for i, path in enumerate(fresh)]
        connection.execute(text("INSERT INTO search_number_paths (id, path) VALUES (:id, :path)"), rows)
        known.update({row["path"]: row["id"] for row in rows})
    return known


def path_id(connection: Connection, path: str) -> int | None:
    """The id of one path (None: no version has been numbered since the path appeared)."""
    return connection.scalar(text("SELECT id FROM search_number_paths WHERE path = :path"), {"path": path})


def add_versions(connection: Connection, versions: Iterable[tuple[int, Any]]) -> int:
    """Write the cells of (version_id, record) pairs not numbered yet; how many versions were added."""
    versions = [(version_id, record) for version_id, record in versions]
    if not versions:
        return 0
    ids = [version_id for version_id, _ in versions]
    done = set(connection.scalars(
        text("SELECT version_id FROM search_numbered WHERE version_id IN "
             "(SELECT value FROM json_each(:ids))") if connection.dialect.name == "sqlite" else
        text("SELECT version_id FROM search_numbered WHERE version_id = ANY(:ids)"),
        {"ids": json.dumps(ids) if connection.dialect.name == "sqlite" else ids}))
    fresh = dict((version_id, record) for version_id, record in versions if version_id not in done)
    if not fresh:
        return 0
    numbered = path_ids(connection)
    rows = [{"path_id": numbered[path], "version_id": version_id, "kind": kind, "value": value}
            for version_id, record in fresh.items() for path, kind, value in cells(_record(record))]
    if rows:
        executemany(connection, "INSERT INTO search_numbers (path_id, version_id, kind, value) "
                                "VALUES (:path_id, :version_id, :kind, :value)", rows)
    executemany(connection, "INSERT INTO search_numbered (version_id) VALUES (:id)", [{"id": i} for i in fresh])
    return len(fresh)


def executemany(connection: Connection, statement: str, rows: list[dict[str, Any]]) -> None:
    """`statement` (SQL with :name parameters) once per row, handed to the driver as it is: for
    thousands of small rows (a version's ~200 cells) SQLAlchemy's per-row parameter processing
    cost several times the insert itself."""
    if connection.dialect.name != "sqlite":  # psycopg: %(name)s
        statement = _NAMED.sub(r"%(\1)s", statement)
    connection.exec_driver_sql(statement, rows)


def forget_versions(connection: Connection, version_ids: Iterable[int]) -> None:
    """Drop these versions' cells (a record edited in place, a version deleted)."""
    ids = sorted(set(version_ids))
    if not ids:
        return
    for table in ("search_numbers", "search_numbered"):
        if connection.dialect.name == "sqlite":
            connection.execute(text(f"DELETE FROM {table} WHERE version_id IN (SELECT value FROM json_each(:ids))"),
                               {"ids": json.dumps(ids)})
        else:
            connection.execute(text(f"DELETE FROM {table} WHERE version_id = ANY(:ids)"), {"ids": ids})


def follow_flush(session: Session) -> None:
    """Keep the table in step with the versions a session flushes: new ones numbered, a record
    changed in place (a hand-built archive, a repair) numbered again, a deleted one dropped."""
    from .models import ReportVersion

    connection = session.connection()
    changed = [obj for obj in session.dirty if isinstance(obj, ReportVersion)
               and inspect(obj).attrs.record.history.has_changes()]
    gone = [obj.id for obj in session.deleted if isinstance(obj, ReportVersion)]
    forget_versions(connection, [obj.id for obj in changed] + gone)
    add_versions(connection, [(obj.id, obj.record) for obj in session.new if isinstance(obj, ReportVersion)]
                 + [(obj.id, obj.record) for obj in changed])


def fill(connection: Connection, batch: int = 500) -> int:
    """Number every version not numbered yet (plain SQL: migration 0008 runs this); how many."""
    added = 0
    last = 0
    while True:
        rows = connection.execute(text(
            "SELECT v.id, v.record FROM report_versions v WHERE v.id > :last AND NOT EXISTS "
            "(SELECT 1 FROM search_numbered n WHERE n.version_id = v.id) ORDER BY v.id LIMIT :batch"
        ), {"last": last, "batch": batch}).all()
        if not rows:
            break
        added += add_versions(connection, [(row[0], row[1]) for row in rows])
        last = rows[-1][0]
    return added


def _record(value: Any) -> Any:
    """A stored record as a dict (a JSON column read through a bare select may arrive as text)."""
    return json.loads(value) if isinstance(value, str) else (value or {})
