"""The root of the test suite: where the test data lives (the `paths` fixture) and the fixture
plugins every folder shares.

Test modules import no other module under tests/: what several of them share is a fixture, here
or in a plugin below (tests/test_imports.py holds the suite to that).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest_plugins = [
    # The archive on SQLite and on a throwaway PostgreSQL (one server for the whole run), for every
    # test folder that takes `archive`, `database_url` or `backend`.
    "tests.plugins.archive",
    # What a crawl of real portals leaves (captures of real reports) and another crawler's WARC.
    "tests.plugins.warc_captures",
    # What an archive holds after the sample ingest ran to the end (the crash tests).
    "tests.plugins.sample_checks",
    # The web UI's archive: reports of every kind, built through `Archive.ingest`.
    "tests.plugins.web_archive",
]


# Folders whose tests exercise only code that reads no clock (parsing/ and the golden evaluation over
# it; tests/test_clock_ahead.py checks parsing/ for clock reads): clock_free, so scripts/test.sh runs
# them on today's clock only.
CLOCK_FREE_FOLDERS = ("parsing", "evaluation")


def pytest_configure(config: pytest.Config) -> None:
    # Caches nianbao keeps in the user's cache folder (crawler.registry's of large registries) go to
    # a folder of this run's, for its subprocesses too: the suite leaves ~/.cache alone.
    if not os.environ.get("NIANBAO_CACHE_DIR"):
        os.environ["NIANBAO_CACHE_DIR"] = tempfile.mkdtemp(prefix="nianbao-test-cache-")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests = Path(__file__).resolve().parent
    for item in items:
        relative = Path(str(item.path)).resolve().relative_to(tests)
        if relative.parts and relative.parts[0] in CLOCK_FREE_FOLDERS:
            item.add_marker(pytest.mark.clock_free)


@dataclass(frozen=True)
class FixturePaths:
    """Where the test data lives."""

    root: Path  # the repository
    shared: Path  # ../shared beside it: the seed reports and real documents
    fixtures: Path  # tests/fixtures: our own inputs and expected records

    @property
    def seeds(self) -> Path:
        """The seed reports (text) with their reviewed `*.expected.json`."""
        return self.shared / "fixtures" / "seeds"

    @property
    def real(self) -> Path:
        """Real published documents: PDF reports and the official 2021 DOCX template."""
        return self.shared / "fixtures" / "real"

    def seed(self, number: int) -> Path:
        """Seed report `number`: seeds/NNN_<digest>.txt."""
        found = sorted(self.seeds.glob(f"{number:03d}_*.txt"))
        if len(found) != 1:
            raise LookupError(f"{self.seeds}: expected one seed report numbered {number:03d}, found {found}")
        return found[0]

    def seed_reports(self) -> list[Path]:
        """Every seed report, in number order."""
        return sorted(self.seeds.glob("*.txt"))


@pytest.fixture(scope="session")
def paths() -> FixturePaths:
    root = Path(__file__).resolve().parent.parent
    found = FixturePaths(root=root, shared=root.parent / "shared", fixtures=root / "tests" / "fixtures")
    if not found.seeds.is_dir():
        raise RuntimeError(f"{found.seeds} is missing: the shared/ folder must sit beside the repository")
    return found
