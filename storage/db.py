"""Where the archive lives and how to open it: the data folder, the database URL, migrations.

`$NIANBAO_DATA` (default `./data`) holds the blob store and, by default, the SQLite database
(WAL mode). `$NIANBAO_DATABASE_URL` points at PostgreSQL instead
(`postgresql+psycopg://user@host/db`). Secrets come only from the environment.
"""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
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


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (Alembic; batch mode on SQLite)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def sessions(engine: Engine, session_class: type[Session] = Session) -> sessionmaker[Session]:
    return sessionmaker(engine, class_=session_class, expire_on_commit=False)
