"""Who imports whom among the tests and benchmarks: a test module imports no other module under
tests/ (what tests share is a fixture, in a conftest.py or in a plugin under tests/plugins/ that
tests/conftest.py lists in `pytest_plugins`); conftests and plugins import only plugins; bench/
imports nothing from tests/ and no private name (one starting with `_`) of parsing, storage,
crawler or nianbao. Read from the import statements (ast), including imports inside functions,
without importing anything."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
PLUGINS = TESTS / "plugins"
PROJECT_PACKAGES = ("parsing", "storage", "crawler", "nianbao")


def module_name(path: Path) -> str:
    """tests/search/test_index.py -> tests.search.test_index (a package's __init__ is the package)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, absolute dotted name) of everything a module's source imports; for `from X import y`
    both X and X.y (y may be a module), relative imports resolved against `module`."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            found.append((node.lineno, origin))
            found += [(node.lineno, f"{origin}.{alias.name}") for alias in node.names if alias.name != "*"]
    return found


def is_under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def is_private(part: str) -> bool:
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def private_uses(source: str) -> list[tuple[int, str]]:
    """(line, what) for every private name of a project package that `source` imports or reads
    as an attribute of an imported project module: `from storage.x import _y`, `import
    nianbao._z`, `import storage.db as db; db._engine`."""
    found = []
    bound: set[str] = set()  # local names bound to project modules or their members
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PROJECT_PACKAGES:
                    if any(is_private(p) for p in alias.name.split(".")):
                        found.append((node.lineno, alias.name))
                    bound.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] not in PROJECT_PACKAGES:
                continue
            if any(is_private(p) for p in node.module.split(".")):
                found.append((node.lineno, node.module))
            for alias in node.names:
                if is_private(alias.name):
                    found.append((node.lineno, f"{node.module}.{alias.name}"))
                bound.add(alias.asname or alias.name)
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Attribute) and is_private(node.attr)
                and isinstance(node.value, ast.Name) and node.value.id in bound):
            found.append((node.lineno, f"{node.value.id}.{node.attr}"))
    return sorted(found)


def registered_plugins() -> list[str]:
    tree = ast.parse((TESTS / "conftest.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "pytest_plugins" for t in node.targets):
            return list(ast.literal_eval(node.value))
    return []


def is_plugin(path: Path) -> bool:
    """A conftest.py, or a module of tests/plugins/ (tests/conftest.py registers them)."""
    return path.name == "conftest.py" or PLUGINS in path.parents


def non_plugin_modules() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if not is_plugin(p))


def imports_under_tests(path: Path) -> list[str]:
    name = module_name(path)
    return [
        f"{path.relative_to(ROOT)}:{line} imports {imported}"
        for line, imported in imported_modules(path.read_text(encoding="utf-8"), name, path.name == "__init__.py")
        if is_under(imported, "tests")
    ]


# -- the checks ---------------------------------------------------------------------------------

def test_no_test_module_imports_another_module_under_tests() -> None:
    found = [line for path in non_plugin_modules() for line in imports_under_tests(path)]
    assert not found, "share it as a fixture (a conftest.py or a plugin under tests/plugins/):\n" + "\n".join(found)


def test_conftests_and_plugins_import_only_plugins() -> None:
    found = [
        line
        for path in sorted(p for p in TESTS.rglob("*.py") if is_plugin(p))
        for line in imports_under_tests(path)
        if not is_under(line.rsplit(" imports ", 1)[1], "tests.plugins")
    ]
    assert not found, "\n".join(found)


def test_every_plugin_module_is_registered_in_the_root_conftest() -> None:
    modules = {module_name(p) for p in PLUGINS.glob("*.py") if p.name != "__init__.py"}
    assert modules == set(registered_plugins())


def test_bench_imports_nothing_from_tests() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {imported}"
        for path in sorted((ROOT / "bench").glob("*.py"))
        for line, imported in imported_modules(path.read_text(encoding="utf-8"), module_name(path))
        if is_under(imported, "tests")
    ]
    assert not found, "\n".join(found)


def test_bench_uses_no_private_name_of_a_project_package() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line} uses {what}"
        for path in sorted((ROOT / "bench").glob("*.py"))
        for line, what in private_uses(path.read_text(encoding="utf-8"))
    ]
    assert not found, "make it public (with a docstring) where it lives, or move it into bench/:\n" + "\n".join(found)


# -- the readers themselves ---------------------------------------------------------------------

@pytest.mark.parametrize(("source", "module", "expected"), [
    ("from tests.conftest import SEEDS", "tests.test_cli", ["tests.conftest", "tests.conftest.SEEDS"]),
    ("import tests.web.build", "tests.web.test_pages", ["tests.web.build"]),
    ("from .conftest import ingest", "tests.search.test_index", ["tests.search.conftest", "tests.search.conftest.ingest"]),
    ("from . import helpers", "tests.storage.test_warc", ["tests.storage", "tests.storage.helpers"]),
    ("from ..parsing.test_roundtrip import x", "tests.crawler.test_a", ["tests.parsing.test_roundtrip",
                                                                        "tests.parsing.test_roundtrip.x"]),
    ("def f():\n    from tests.storage import helpers_warc\n", "tests.t", ["tests.storage", "tests.storage.helpers_warc"]),
    ("from storage import Archive", "tests.t", ["storage", "storage.Archive"]),
])
def test_imported_modules_resolves_every_form_of_import(source: str, module: str, expected: list[str]) -> None:
    assert [name for _, name in imported_modules(source, module)] == expected


@pytest.mark.parametrize(("source", "expected"), [
    ("from nianbao.devportal.sites import Site, _pad, _report", ["nianbao.devportal.sites._pad",
                                                                  "nianbao.devportal.sites._report"]),
    ("import storage._internal as internal", ["storage._internal"]),
    ("from nianbao.devportal import documents\nx = documents._FILLER_SENTENCES", ["documents._FILLER_SENTENCES"]),
    ("import storage.db\nstorage.db.migrate()", []),
    ("from storage import Archive\nArchive.__name__", []),
    ("from bench._portal_sites import long_columns", []),  # bench's own helpers are bench's business
    ("from twisted.internet import _sslverify", []),  # not a project package
])
def test_private_uses_finds_private_names_of_project_packages(source: str, expected: list[str]) -> None:
    assert [what for _, what in private_uses(source)] == expected
