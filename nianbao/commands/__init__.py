"""The `nianbao` command line: the click group `main` and its nouns, one module each.

parse (parse.py); db check, reparse, export, import, import-files (db.py); agencies (agencies.py);
crawl, demo (crawl.py); discover (discover.py); search, stats (search.py); fields (fields.py); monitor (monitor.py); schedule (schedule.py); serve
(serve.py). Options several commands share are declared once in options.py, exit statuses in
exits.py, and what is printed goes through nianbao.output. Library errors become one-line
messages here, and only here.

A command's module is imported when that command runs (or `nianbao --help` lists it), not when
the group is: between them the modules bring the parser, SQLAlchemy, Scrapy, the web app and
the monitor (~1 s of CPU in all), and each process needs one command's share of that, and
`nianbao --version` none (issue 17: cron starts a new process for every monitor run).
"""

from __future__ import annotations

import importlib

import click

from .. import __version__
from .exits import EPILOG

# name -> (module of nianbao.commands, the command's name there)
COMMANDS: dict[str, tuple[str, str]] = {
    "parse": ("parse", "parse_command"),
    "db": ("db", "db_group"),
    "reparse": ("db", "reparse_command"),
    "export": ("db", "export_command"),
    "import": ("db", "import_command"),
    "import-files": ("db", "import_files_command"),
    # discovered.py adds `agencies discovered` and `agencies accept` to agencies.py's group:
    # the group is taken from there, whole.
    "agencies": ("discovered", "agencies_group"),
    "crawl": ("crawl", "crawl_command"),
    "demo": ("crawl", "demo_command"),
    "discover": ("discover", "discover_command"),
    "monitor": ("monitor", "monitor_command"),
    "schedule": ("schedule", "schedule_command"),
    "serve": ("serve", "serve_command"),
    "search": ("search", "search_command"),
    "stats": ("search", "stats_command"),
    "fields": ("fields", "fields_command"),
}


class LazyGroup(click.Group):
    """A group whose commands (COMMANDS) are imported when first asked for by name (click's
    documented lazy-loading pattern): running one imports its module alone; --help asks for
    every one, to show its short help."""

    def main(self, args=None, *rest, **kwargs):  # type: ignore[override]
        try:
            return super().main(args, *rest, **kwargs)
        except SystemExit as stop:
            if args is not None or not _fast_exit_asked:  # a caller's args: tests, CliRunner
                raise
            import logging
            import os
            import sys

            code = stop.code
            if code is None:
                code = 0
            elif not isinstance(code, int):  # sys.exit("message"), as Python prints it
                print(code, file=sys.stderr)
                code = 1
            logging.shutdown()
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except (OSError, ValueError):  # a closed pipe: nothing more can be said there
                    code = code or 1
            os._exit(code)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in COMMANDS:
            module, attribute = COMMANDS[name]
            command = getattr(importlib.import_module(f".{module}", __name__), attribute)
            if command.name != name:
                raise RuntimeError(f"nianbao.commands.COMMANDS: {module}.{attribute} is `{command.name}`, not `{name}`")
            self.add_command(command)
        return super().get_command(ctx, name)


_fast_exit_asked = False


def exit_fast_after_this_command() -> None:
    """For a command that leaves a national-size heap behind (the monitor: ~100,000 agencies'
    judgments, statuses and findings): the process exits as soon as its output is flushed,
    without freeing every object one by one at interpreter exit (3.5 s of an 8.7 s `nianbao
    monitor` process from cron at 100,000 agencies). Only on the real command line (`main()`
    reading sys.argv); a caller passing `args` (tests, CliRunner) gets SystemExit as ever."""
    global _fast_exit_asked
    _fast_exit_asked = True


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]}, epilog=EPILOG)
@click.version_option(__version__, prog_name="nianbao")
def main() -> None:
    """nianbao (年报): archive, parse and search government information-disclosure annual reports."""
