"""The archive's change counter (migration 0010): one row whose counter every UPDATE or DELETE
of the rows pages are made of moves, by triggers in the database itself.

What is kept per archive state (nianbao.web.aggregates) is keyed by the newest row ids, which
every insert moves; but an edit in place moves no id: `nianbao db reindex` rewriting versions'
text, a crawl renaming an agency's region or kind, reports refiled under another agency, a crawl
run closed. Before the counter, those left facets, statistics and monitor pages as they were
until the next insert or a restart (issue 16's note). Triggers, not calls in each writer: a
writer added later cannot forget them. Inserts into the big tables do not fire them (their
newest ids already say so), so ingest pays nothing per new row; the small tables no id is read
of (departments discovered, monitor events) count every write.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, MetaData, Table
from sqlalchemy.engine import Connection

metadata = MetaData()
archive_changes = Table(
    "archive_changes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # always 1
    Column("counter", BigInteger, nullable=False))

# (table, the changes that move the counter)
WATCHED = (
    ("agencies", ("UPDATE", "DELETE")),
    ("reports", ("UPDATE", "DELETE")),
    ("report_versions", ("UPDATE", "DELETE")),
    ("crawl_runs", ("UPDATE", "DELETE")),
    ("captures", ("UPDATE", "DELETE")),
    # Small tables no id in the token watches: every write counts.
    ("discovered_agencies", ("INSERT", "UPDATE", "DELETE")),
    ("discovered_columns", ("INSERT", "UPDATE", "DELETE")),
    ("monitor_events", ("INSERT", "UPDATE", "DELETE")),
)
BUMP = "UPDATE archive_changes SET counter = counter + 1 WHERE id = 1"
COUNTER_SQL = "(SELECT counter FROM archive_changes WHERE id = 1)"


def _trigger(table: str, event: str) -> str:
    return f"archive_changes_{table}_{event.lower()}"


def create(connection: Connection) -> None:
    """The table, its one row and the triggers (SQLite: per row; PostgreSQL: per statement)."""
    archive_changes.create(connection)
    connection.execute(archive_changes.insert().values(id=1, counter=0))
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "CREATE FUNCTION archive_changes_bump() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {BUMP}; RETURN NULL; END $$")
    for table, events in WATCHED:
        for event in events:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(
                    f"CREATE TRIGGER {_trigger(table, event)} AFTER {event} ON {table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION archive_changes_bump()")
            else:
                connection.exec_driver_sql(
                    f"CREATE TRIGGER {_trigger(table, event)} AFTER {event} ON {table} BEGIN {BUMP}; END")


def drop(connection: Connection) -> None:
    for table, events in WATCHED:
        for event in events:
            suffix = f" ON {table}" if connection.dialect.name == "postgresql" else ""
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {_trigger(table, event)}{suffix}")
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS archive_changes_bump()")
    archive_changes.drop(connection)
