"""The `nianbao` command line: the click group `main` and its nouns, one module each.

parse (parse.py); db check, reparse, export, import, import-files (db.py); agencies (agencies.py);
crawl, demo (crawl.py); discover (discover.py); search, stats (search.py); fields (fields.py); monitor, schedule (monitor.py); serve
(serve.py). Options several commands share are declared once in options.py, exit statuses in
exits.py, and what is printed goes through nianbao.output. Library errors become one-line
messages here, and only here.
"""

from __future__ import annotations

import click

from .. import __version__
from .agencies import agencies_group
from . import discovered as _discovered  # noqa: F401 - adds `agencies discovered` and `agencies accept`
from .crawl import crawl_command, demo_command
from .discover import discover_command
from .db import db_group, export_command, import_command, import_files_command, reparse_command
from .exits import EPILOG
from .fields import fields_command
from .monitor import monitor_command, schedule_command
from .parse import parse_command
from .search import search_command, stats_command
from .serve import serve_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=EPILOG)
@click.version_option(__version__, prog_name="nianbao")
def main() -> None:
    """nianbao (年报): archive, parse and search government information-disclosure annual reports."""


for command in (parse_command, db_group, reparse_command, export_command, import_command, import_files_command,
                agencies_group, crawl_command, demo_command, discover_command, monitor_command, schedule_command, serve_command,
                search_command, stats_command, fields_command):
    main.add_command(command)
