"""Where the archive lives and how to open it: the data folder, the database URL, migrations.

`$NIANBAO_DATA` (default `./data`) holds the blob store and, by default, the SQLite database
(WAL mode). `$NIANBAO_DATABASE_URL` points at PostgreSQL instead
(`postgresql+psycopg://user@host/db`). Secrets come only from the environment.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from filelock import FileLock
from sqlalchemy import Engine, create_engine, event, text
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


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (Alembic; batch mode on SQLite).

    Processes opening a new archive at once (a crawl and `nianbao serve`, distributed workers, a
    test polling a crawl's database) would otherwise both find no schema and both create it
    ("table agencies already exists"): they take turns, by a lock file beside the SQLite
    database or an advisory lock on PostgreSQL, and the second finds the schema current."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    turn = FileLock(f"{database}.migrate.lock") if database and database != ":memory:" else contextlib.nullcontext()
    with turn, engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def sessions(engine: Engine, session_class: type[Session] = Session) -> sessionmaker[Session]:
    return sessionmaker(engine, class_=session_class, expire_on_commit=False)
