"""The migrations: one head, down to nothing and up again, and the schema they build is the one
the models describe (three engineers add migrations; a drift shows here first)."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from storage.db import MIGRATIONS, make_engine, migrate
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
            diff = [d for d in compare_metadata(context, Base.metadata)
                    if not (d[0] == "remove_table" and d[1].name.startswith("search_"))
                    and not (d[0] in ("remove_index", "remove_column") and "search" in str(d[1]))]
        assert diff == []
    finally:
        engine.dispose()
