"""The `nianbao` command line. Library errors become one-line messages here, and only here."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console

from parsing import Limits, ParseError, parse_report

from . import __version__
from .summary import print_summary

EXIT_PARSE_FAILED = 1


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nianbao")
def main() -> None:
    """nianbao (年报): archive, parse and search government information-disclosure annual reports."""


@main.command("parse")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON (an array for several files).")
@click.option("--url", default="", help="The URL the file was fetched from (used for HTML pages).")
@click.option(
    "--max-bytes", type=int, default=Limits().max_bytes, show_default=True,
    help="Refuse files larger than this.",
)
@click.option(
    "--max-pages", type=int, default=Limits().max_pages, show_default=True,
    help="Read at most this many PDF pages (the rest is ignored, with a warning).",
)
@click.option(
    "--timeout", "max_seconds", type=float, default=Limits().max_seconds, show_default=True,
    help="Give up on a document after this many seconds (PDF, OCR, DOC conversion).",
)
def parse_command(
    files: tuple[Path, ...], as_json: bool, url: str, max_bytes: int, max_pages: int, max_seconds: float
) -> None:
    """Parse annual reports (text, markdown, HTML, PDF, DOCX, DOC, scans) into records.

    \b
    Examples:
      nianbao parse report.html
      nianbao parse --json report.txt > record.json
      nianbao parse --json reports/*.html | jq '.[].applications.new_received.total'

    Exits 1 if any file could not be read as an annual report; the others are still printed.
    """
    limits = Limits(max_bytes=max_bytes, max_pages=max_pages, max_seconds=max_seconds)
    console = Console(width=None if sys.stdout.isatty() else 120)
    records = []
    failed = 0
    for path in files:
        try:
            body = path.read_bytes()
        except OSError as exc:
            click.echo(f"nianbao: {path}: cannot read: {exc.strerror or exc}", err=True)
            failed += 1
            continue
        try:
            record = parse_report(body, url=url, limits=limits)
        except ParseError as exc:
            click.echo(f"nianbao: {path}: {exc}", err=True)
            failed += 1
            continue
        records.append(record)
        if not as_json:
            print_summary(record, str(path), console)
    if as_json:
        payload = records[0].to_dict() if len(files) == 1 and records else [r.to_dict() for r in records]
        if len(files) > 1 or records:
            json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
    if failed:
        sys.exit(EXIT_PARSE_FAILED)
