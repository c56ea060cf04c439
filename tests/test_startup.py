"""What a `nianbao` process imports before it does its work (issue 17: cron starts a new process
for every monitor run and every crawl, and importing everything cost ~1 s of CPU each time).
Each case runs the command in a new Python process and reads its sys.modules afterwards."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# The parser's libraries, the migration tool, the crawler's framework and the database toolkit.
HEAVY = ("trafilatura", "pdfplumber", "alembic", "scrapy", "twisted", "sqlalchemy", "numpy", "parsing", "storage.archive")

RUN = """
import json, sys
from nianbao.commands import main
try:
    main(sys.argv[1:], prog_name="nianbao")
except SystemExit as stop:
    assert stop.code in (0, None), stop.code
print("\\nMODULES " + json.dumps(sorted(sys.modules)))
"""


def imported_by(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> set[str]:
    shown = subprocess.run([sys.executable, "-c", RUN, *args], capture_output=True, text=True, timeout=120,
                           env=env, cwd=cwd)
    assert shown.returncode == 0, shown.stderr
    return set(json.loads(shown.stdout.rpartition("\nMODULES ")[2]))


@pytest.mark.parametrize("args", [["--version"], ["crawl", "--help"], ["serve", "--help"], ["schedule", "--help"],
                                  ["agencies", "--help"]])
def test_the_group_and_a_commands_help_import_none_of_the_heavy_libraries(args: list[str]) -> None:
    modules = imported_by(*args)
    assert "nianbao.commands" in modules
    assert sorted(modules & set(HEAVY)) == []


def test_opening_a_current_archive_imports_neither_alembic_nor_scrapy(tmp_path: Path) -> None:
    import os

    env = {**os.environ, "NIANBAO_DATA": str(tmp_path / "data")}
    env.pop("NIANBAO_DATABASE_URL", None)
    first = imported_by("db", "check", env=env, cwd=tmp_path)  # a new archive: Alembic creates its schema
    assert "alembic" in first
    again = imported_by("db", "check", env=env, cwd=tmp_path)
    assert {"storage.archive", "sqlalchemy"} <= again
    assert sorted(again & {"alembic", "scrapy", "twisted"}) == []


def test_every_command_a_module_of_nianbao_commands_defines_is_reachable_from_the_group() -> None:
    """A command written in a module but missing from nianbao.commands.COMMANDS would not exist."""
    import importlib
    import pkgutil

    import click

    import nianbao.commands
    from nianbao.commands import main

    def reachable(group: click.Group) -> list[click.Command]:
        context = click.Context(group)
        found = []
        for name in group.list_commands(context):
            command = group.get_command(context, name)
            found.append(command)
            if isinstance(command, click.Group):
                found += reachable(command)
        return found

    defined = [value for info in pkgutil.iter_modules(nianbao.commands.__path__)
               for value in vars(importlib.import_module(f"nianbao.commands.{info.name}")).values()
               if isinstance(value, click.Command)]
    assert len(defined) > len(nianbao.commands.COMMANDS)  # the groups' own commands too
    reached = reachable(main)
    assert [command.name for command in defined if not any(command is r for r in reached)] == []


def test_a_plain_crawls_modules_import_neither_a_redis_client_nor_alembic() -> None:
    """Redis is for `nianbao crawl --workers` (crawler.pacing, crawler.distributed), Alembic for a
    schema behind the scripts: a plain crawl of a current archive needs neither (~0.3 s CPU)."""
    check = ("import sys, nianbao.commands.crawl, crawler.run, crawler.pipelines, crawler.browser_requests, "
             "crawler.discovery.run; print(sorted(m for m in ('redis', 'alembic') if m in sys.modules))")
    shown = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=120, check=True)
    assert shown.stdout.strip() == "[]"


def test_the_monitor_and_the_web_app_import_no_parser_until_a_payload_is_parsed() -> None:
    """`nianbao monitor` from cron and `nianbao serve` read records and never parse: the parser's
    libraries (trafilatura, pdfplumber; ~0.3 s of CPU) load when `Archive` first parses a payload."""
    parser = ("trafilatura", "pdfplumber", "parsing.report", "parsing.gate", "docx")
    check = ("import sys, nianbao.commands.monitor, nianbao.monitoring, nianbao.feed, nianbao.web.app, storage; "
             "from storage import Archive; import storage.parse_pool, parsing; parsing.Limits, parsing.Record; "
             f"print(sorted(m for m in {parser!r} if m in sys.modules)); "
             "parsing.parse_report; print(sorted(m for m in ('trafilatura', 'parsing.report') if m in sys.modules))")
    shown = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=120, check=True)
    assert shown.stdout.split("\n")[:2] == ["[]", "['parsing.report', 'trafilatura']"]
