"""The monitor's rules are pure: the modules that judge import no sqlalchemy and nothing that
reads or writes the archive (only its plain values, the clock's helpers and the vocabularies).
Read from the modules' import statements (ast), without importing them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import nianbao.monitoring

PACKAGE = Path(nianbao.monitoring.__file__).parent
RULES = ("words", "statuses", "findings", "copies", "report", "events")
ARCHIVE_ACCESS = {"storage", "storage.archive", "storage.db", "storage.models"}
READERS = {"read_agencies", "archive_state", "record", "recorded_year", "newest_events"}


def imports(module: str) -> list[tuple[str, str | None]]:
    """(module, name) of every import in `module`'s source; name None for `import x`."""
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.extend((node.module, alias.name) for alias in node.names)
    return found


@pytest.mark.parametrize("module", RULES)
def test_rule_module_imports_no_sqlalchemy_and_no_archive_access(module) -> None:
    found = imports(module)
    assert not [m for m, _ in found if m.split(".")[0] == "sqlalchemy"]
    assert not [m for m, _ in found if m in ARCHIVE_ACCESS]
    assert not [name for _, name in found if name in READERS]


def test_every_module_of_the_package_is_named_here() -> None:
    modules = {path.stem for path in PACKAGE.glob("*.py")} - {"__init__"}
    # evaluation ties the reads to the rules; discovered does the same for discovered agencies;
    # incremental keeps what an evaluation saw and said (storage.monitor_state), kept encodes a
    # judgment for it; judging reads and judges a batch (shared by evaluation, incremental and
    # judge_pool, which judges batches in worker processes)
    assert modules == set(RULES) | {"evaluation", "discovered", "incremental", "judge_pool", "judging", "kept"}
