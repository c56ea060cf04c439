"""Shared test helpers: where fixtures live."""

from __future__ import annotations

from pathlib import Path

import pytest

# The archive on SQLite and on a throwaway PostgreSQL (one server for the whole run), for every
# test folder that takes `archive`, `database_url` or `backend`.
pytest_plugins = ["tests.archive_fixtures"]

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "fixtures" / "seeds"
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        raise RuntimeError(f"{SEEDS} is missing: the shared/ folder must sit beside the repository")
    return SEEDS
