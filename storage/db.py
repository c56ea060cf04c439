"""Where the archive lives and how to open it: the data folder, the database URL, migrations.

`$NIANBAO_DATA` (default `./data`) holds the blob store and, by default, the SQLite database
(WAL mode). `$NIANBAO_DATABASE_URL` points at PostgreSQL instead
(`postgresql+psycopg://user@host/db`). Secrets come only from the environment.

SQLAlchemy is imported by the functions that need it and Alembic only when the schema is behind
the newest migration: `data_dir` is all many commands want, and a process opening an archive
that is already current (nearly every one) would pay ~0.15 s of CPU for importing Alembic and
loading its migration scripts, to be told there is nothing to do.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def data_dir() -> Path:
    return Path(os.environ.get("NIANBAO_DATA", "data"))


def database_url(data: Path | None = None) -> str:
    url = os.environ.get("NIANBAO_DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    return f"sqlite:///{(data or data_dir()) / 'nianbao.sqlite3'}"


def make_engine(url: str) -> Engine:
    from sqlalchemy import create_engine, event

    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; WAL keeps commits atomic
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


MIGRATION_LOCK = 7_346_201  # PostgreSQL advisory lock key: one migrating process at a time

# The lines of a migration script Alembic reads its place in the chain from (script.py.mako
# writes them so): `revision = '0014'`, `down_revision = '0013'` (None for the first).
_REVISION = re.compile(r"""^revision\s*(?::\s*str\s*)?=\s*['"]([^'"]+)['"]\s*$""", re.MULTILINE)
_DOWN_REVISION = re.compile(r"""^down_revision\s*(?::[^=\n]*)?=\s*(?:None|['"]([^'"]+)['"])\s*$""", re.MULTILINE)


@functools.cache
def head_revision() -> str | None:
    """The newest migration's revision, read from the scripts under migrations/versions without
    importing Alembic: the one revision no other script names as its down_revision. None when
    the scripts are not one plain chain this reading can vouch for (a script without those
    lines, a merge's tuple of down revisions, two heads, a down revision no script has):
    `migrate` then leaves the whole question to Alembic."""
    revisions: dict[str, str | None] = {}
    for script in (MIGRATIONS / "versions").iterdir():
        # The files Alembic's ScriptDirectory loads: *.py but its __init__ and editors' .# locks.
        if script.suffix != ".py" or script.name.startswith(("__init__", ".#")):
            continue
        source = script.read_text(encoding="utf-8")
        revision, down = _REVISION.findall(source), _DOWN_REVISION.findall(source)
        if len(revision) != 1 or len(down) != 1 or revision[0] in revisions:
            return None
        revisions[revision[0]] = down[0] or None
    downs = {down for down in revisions.values() if down is not None}
    heads = set(revisions) - downs
    if len(heads) != 1 or not downs <= set(revisions):
        return None
    return heads.pop()


def current_revisions(engine: Engine) -> list[str]:
    """The revisions the database's alembic_version table records (none for a new database)."""
    from sqlalchemy import inspect, text

    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return []
        return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (Alembic; batch mode on SQLite).

    A database already at the newest revision is left as it is without importing Alembic (an
    upgrade to head would do nothing there): the revision it records is compared with the head
    the scripts name (head_revision). Anything else - a new database, one behind, one recorded
    at a revision these scripts do not know - goes to Alembic's upgrade, which migrates or
    refuses as it always did.

    Processes opening a new archive at once (a crawl and `nianbao serve`, distributed workers, a
    test polling a crawl's database) would otherwise both find no schema and both create it
    ("table agencies already exists"): they take turns, by a lock file beside the SQLite
    database or an advisory lock on PostgreSQL, and the second finds the schema current. The
    read before the lock is safe: Alembic records a revision after that migration's changes, so
    a database that reads as head has all of them, and one that does not waits its turn."""
    head = head_revision()
    if head is not None and current_revisions(engine) == [head]:
        return
    from alembic import command
    from alembic.config import Config
    from filelock import FileLock
    from sqlalchemy import text

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    turn = FileLock(f"{database}.migrate.lock") if database and database != ":memory:" else contextlib.nullcontext()
    with turn, engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def sessions(engine: Engine, session_class: type[Session] | None = None) -> sessionmaker[Session]:
    from sqlalchemy.orm import Session, sessionmaker

    return sessionmaker(engine, class_=session_class or Session, expire_on_commit=False)
