"""Web UI fixtures: one archive built once per session on SQLite (`build_web_archive`, a plugin
of tests/conftest.py), its app and test client; the storage fixtures for the tests that run on
both SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import Archive
from tests.plugins.web_archive import Built


@pytest.fixture(scope="session")
def built_archive(tmp_path_factory: pytest.TempPathFactory,
                  build_web_archive) -> Iterator[tuple[Archive, Built]]:
    data: Path = tmp_path_factory.mktemp("web-data")
    opened = Archive.open(data, f"sqlite:///{data / 'nianbao.sqlite3'}")
    try:
        yield opened, build_web_archive(opened)
    finally:
        opened.close()


@pytest.fixture(scope="session")
def built(built_archive: tuple[Archive, Built]) -> Built:
    return built_archive[1]


@pytest.fixture(scope="session")
def app(built_archive: tuple[Archive, Built]):
    from nianbao.web.app import create_app

    return create_app(built_archive[0], default_language="en")  # the tests read the English interface


@pytest.fixture
def client(app):
    return app.test_client()
