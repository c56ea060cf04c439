"""`nianbao parse`: annual report files into records, shown as a summary or printed as JSON."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from parsing import Limits, ParseError, parse_report

from ..output import print_json, terminal_console, terminal_safe, terminal_text
from ..progress import ocr_pages
from ..summary import print_summary
from .exits import EXIT_FAILED
from .options import json_option


class FileTooLargeError(Exception):
    """A file over the size limit, refused before it is read."""


def read_limited(path: Path, max_bytes: int, limit_name: str) -> bytes:
    """The file's bytes, its size checked before reading: by stat, then by a read that stops one
    byte past the limit (pipes and devices have no size, a file may grow while it is read)."""
    size = path.stat().st_size
    if size > max_bytes:
        raise FileTooLargeError(f"{size} bytes (limit {max_bytes}, {limit_name}); not read")
    with path.open("rb") as file:
        body = file.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise FileTooLargeError(f"over {max_bytes} bytes (limit {max_bytes}, {limit_name}); not read")
    return body


@click.command("parse")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@json_option("Print the record as JSON (an array for several files).")
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
    console = terminal_console(120)
    records = []
    failed = 0
    for path in files:
        try:
            body = read_limited(path, max_bytes, "--max-bytes")
        except OSError as exc:
            click.echo(f"nianbao: {path}: cannot read: {exc.strerror or exc}", err=True)
            failed += 1
            continue
        except FileTooLargeError as exc:
            click.echo(f"nianbao: {path}: {exc}", err=True)
            failed += 1
            continue
        try:
            with ocr_pages(terminal_text(path.name)):  # a scan's pages, on a terminal only
                record = parse_report(body, url=url, limits=limits)
        except ParseError as exc:
            click.echo(f"nianbao: {path}: {terminal_text(str(exc))}", err=True)
            failed += 1
            continue
        records.append(record)
        if not as_json:
            print_summary(terminal_safe(record), terminal_text(str(path)), console)
    if as_json:
        if len(files) > 1 or records:
            print_json(records[0].to_dict() if len(files) == 1 else [r.to_dict() for r in records])
    if failed:
        sys.exit(EXIT_FAILED)
