"""The migrations: one head, down to nothing and up again, and the schema they build is the one
the models describe (three engineers add migrations; a drift shows here first)."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
from pathlib import Path

import pytest

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import MetaData, create_engine, text

from storage import db
from storage.db import MIGRATIONS, current_revisions, head_revision, make_engine, migrate
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


# -- a current database is left without Alembic (storage.db.head_revision) ---------------------

def test_head_revision_read_from_the_scripts_is_alembics_head() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert [head_revision()] == ScriptDirectory.from_config(config).get_heads()


def _script(revision: str, down: str) -> str:
    return f'"""A migration."""\n\nrevision = {revision}\ndown_revision = {down}\nbranch_labels = None\n'


@pytest.mark.parametrize(("scripts", "expected"), [
    ({"1_a.py": _script("'a'", "None"), "2_b.py": _script("'b'", "'a'"), "__init__.py": ""}, "b"),
    ({"1_a.py": _script("'a'", "None"), "2_b.py": _script('"b"', '"a"'), "notes.txt": "revision = 'c'"}, "b"),
    ({"1_a.py": _script("'a'", "None"), "2_b.py": _script("'b'", "'a'"), "3_c.py": _script("'c'", "'a'")}, None),
    ({"1_a.py": _script("'a'", "None"), "2_b.py": _script("'b'", "('a', 'x')")}, None),  # a merge
    ({"1_a.py": _script("'a'", "None"), "2_b.py": _script("'b'", "'gone'")}, None),
    ({"1_a.py": _script("'a'", "None"), "2_b.py": "from x import revision\n"}, None),
    ({"1_a.py": _script("'a'", "None"), "2_b.py": _script("'a'", "None")}, None),
])
def test_head_revision_vouches_only_for_one_plain_chain(tmp_path: Path, monkeypatch, scripts, expected) -> None:
    (tmp_path / "versions").mkdir()
    for name, source in scripts.items():
        (tmp_path / "versions" / name).write_text(source, encoding="utf-8")
    monkeypatch.setattr(db, "MIGRATIONS", tmp_path)
    db.head_revision.cache_clear()
    try:
        assert db.head_revision() == expected
    finally:
        db.head_revision.cache_clear()


def test_a_database_one_migration_behind_is_brought_to_the_head(data_dir, database_url) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine)
        with engine.begin() as connection:
            command.downgrade(_config(connection), "-1")
        assert current_revisions(engine) not in ([], [head_revision()])
        migrate(engine)
        assert current_revisions(engine) == [head_revision()]
    finally:
        engine.dispose()


def test_a_database_at_a_revision_the_scripts_do_not_know_is_refused(data_dir, database_url) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine)
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        with pytest.raises(CommandError, match="9999"):
            migrate(engine)
    finally:
        engine.dispose()


def test_opening_a_current_database_imports_no_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nianbao.sqlite3'}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    check = ("import sys; from storage.db import make_engine, migrate, current_revisions, head_revision; "
             f"engine = make_engine({url!r}); migrate(engine); "
             "assert current_revisions(engine) == [head_revision()]; "
             "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))")
    shown = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=120, check=True)
    assert shown.stdout.strip() == "[]"
