"""The layers point one way: parsing/ imports nothing from storage/, crawler/ or nianbao/;
storage/ nothing from crawler/ or nianbao/; crawler/ nothing from nianbao/ (nianbao/devportal is
part of nianbao/). Read from every module's import statements (ast), including imports inside
functions, without importing anything."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "parsing": ("storage", "crawler", "nianbao"),
    "storage": ("crawler", "nianbao"),
    "crawler": ("nianbao",),
}


def imported_packages(source: str, filename: str = "<source>") -> list[tuple[int, str]]:
    """(line, top-level package) of every absolute import in a module's source."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name.split(".")[0]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def upward_imports(package: str) -> list[str]:
    forbidden = FORBIDDEN[package]
    return [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, name in imported_packages(path.read_text(encoding="utf-8"), str(path))
        if name in forbidden
    ]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layer_imports_nothing_from_a_higher_layer(package):
    assert (ROOT / package / "__init__.py").is_file()
    assert upward_imports(package) == []


@pytest.mark.parametrize("source", [
    "from nianbao import __version__",
    "import nianbao.web.app as web",
    "def later():\n    from crawler.registry import load_registry\n",
    "import json, storage.models",
])
def test_imported_packages_sees_every_form_of_import(source):
    names = {name for _, name in imported_packages(source)}
    assert names & {"nianbao", "crawler", "storage"}


def test_imported_packages_leaves_relative_imports_inside_the_package():
    assert imported_packages("from . import search_index\nfrom .models import Capture\n") == []
