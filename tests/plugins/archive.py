"""Archive test fixtures (a plugin of tests/conftest.py): a real PostgreSQL server for the
session, and an `archive` that every test using it gets twice, once on SQLite and once on
PostgreSQL.

PostgreSQL is not optional here: when its binaries are missing the tests fail (scripts/setup.sh
installs them), so a machine without it cannot pass the suite by skipping half of it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from storage import Archive
from nianbao.devportal.postgres_server import PostgresServer, PostgresUnavailable

TEMPLATE = "nianbao_template"  # migrated once; each test's database is a copy of it
_numbers = itertools.count()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        server = PostgresServer().start()
    except PostgresUnavailable as exc:
        problem = str(exc)
    else:
        problem = None
    if problem:  # outside the except: pytest would print the message twice, chained
        pytest.fail(f"the storage tests need a PostgreSQL server: {problem}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_template(postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database with the schema migrated, to copy: CREATE DATABASE ... TEMPLATE takes ~25 ms,
    running the migrations ~500 ms."""
    url = postgres_server.create_database(TEMPLATE)
    Archive.open(tmp_path_factory.mktemp("template-data"), url).close()  # no connection may stay open
    return TEMPLATE


@pytest.fixture
def new_postgres_database(request: pytest.FixtureRequest) -> Iterator[Callable[[], str]]:
    """Makes new databases with the newest schema on the throwaway server, each dropped after the
    test: `new_postgres_database()` is one more database's URL."""
    server: PostgresServer = request.getfixturevalue("postgres_server")
    template = request.getfixturevalue("postgres_template")
    admin = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
    names: list[str] = []

    def make() -> str:
        name = f"nianbao_t{next(_numbers)}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        names.append(name)
        return server.url(name)

    try:
        yield make
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture
def fresh_postgres_url(new_postgres_database: Callable[[], str]) -> str:
    """A new database with the newest schema, dropped after the test."""
    return new_postgres_database()


def database_url_for(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'nianbao.sqlite3'}"
    return request.getfixturevalue("fresh_postgres_url")


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """This test's database: SQLite under tmp_path/data, or a fresh PostgreSQL database."""
    return database_url_for(backend, tmp_path, request)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """The archive's data folder (blob store; the SQLite database too, on that backend)."""
    path = tmp_path / "data"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture
def archive(data_dir: Path, database_url: str) -> Iterator[Archive]:
    opened = Archive.open(data_dir, database_url)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def env_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty SQLite archive's data folder (tmp_path/data), named by $NIANBAO_DATA and with
    $NIANBAO_DATABASE_URL unset: what the CLI commands open by default."""
    folder = tmp_path / "data"
    Archive.open(folder).close()
    monkeypatch.setenv("NIANBAO_DATA", str(folder))
    monkeypatch.delenv("NIANBAO_DATABASE_URL", raising=False)
    return folder
