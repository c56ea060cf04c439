"""The migrations: one head, down to nothing and up again, and the schema they build is the one
the models describe (three engineers add migrations; a drift shows here first)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, create_engine, text

from storage.db import MIGRATIONS, make_engine, migrate
from storage import changes, monitor_state
from storage.models import Base


def _config(connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def test_migrations_have_one_head() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_migrations_go_down_to_nothing_and_up_again(data_dir, database_url) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine)
        with engine.begin() as connection:
            command.downgrade(_config(connection), "base")
        with engine.begin() as connection:
            command.upgrade(_config(connection), "head")
        with engine.connect() as connection:
            assert {"captures", "reports", "report_versions", "monitor_events"} <= set(
                connection.dialect.get_table_names(connection))
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(data_dir, database_url) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": False})
            # Tables the models do not own (the search index is raw SQL per dialect) are left out.
            # The monitor's kept state is Core tables of its own (storage.monitor_state), compared too.
            models = MetaData()
            for table in [*Base.metadata.tables.values(), *monitor_state.metadata.tables.values(),
                          *changes.metadata.tables.values()]:
                table.to_metadata(models)
            diff = [d for d in compare_metadata(context, models)
                    if not (d[0] == "remove_table" and d[1].name.startswith("search_"))
                    and not (d[0] in ("remove_index", "remove_column") and "search" in str(d[1]))]
        assert diff == []
    finally:
        engine.dispose()


def _open_archive(data: str, url: str) -> None:
    from storage import Archive

    Archive.open(Path(data), url).close()


def _open_at_once(data: Path, url: str, processes: int = 4) -> list[int]:
    context = multiprocessing.get_context("fork")  # fork: the openers start within milliseconds
    workers = [context.Process(target=_open_archive, args=(str(data), url)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    return [worker.exitcode for worker in workers]


def test_processes_opening_a_new_sqlite_archive_at_once_take_turns_migrating(tmp_path: Path) -> None:
    # Without the lock this fails on every run (checked), on "table agencies already exists".
    for round_ in range(6):
        data = tmp_path / f"data{round_}"
        assert _open_at_once(data, f"sqlite:///{data / 'nianbao.sqlite3'}") == [0, 0, 0, 0]


def test_processes_opening_a_new_postgresql_archive_at_once_take_turns_migrating(postgres_server, tmp_path) -> None:
    admin = create_engine(postgres_server.url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text('CREATE DATABASE "nianbao_concurrent_migrate"'))
        assert _open_at_once(tmp_path / "data", postgres_server.url("nianbao_concurrent_migrate")) == [0, 0, 0, 0]
    finally:
        with admin.connect() as connection:
            connection.execute(text('DROP DATABASE IF EXISTS "nianbao_concurrent_migrate" WITH (FORCE)'))
        admin.dispose()
