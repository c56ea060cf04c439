"""The archive's commands: `nianbao db check`, `reparse`, `export`, `import`, `import-files`."""

from __future__ import annotations

import datetime as dt
import mimetypes
import sys
from pathlib import Path

import click

from ..output import terminal_text
from .exits import EXIT_FAILED, fail
from .options import agency_option, base_url_option, year_option
from .parse import FileTooLargeError, read_limited


def open_archive():
    """The archive of $NIANBAO_DATA / $NIANBAO_DATABASE_URL."""
    from storage import Archive  # the archive needs SQLAlchemy; `parse` alone does not

    return Archive.open()


@click.group("db")
def db_group() -> None:
    """The archive's database and blob store ($NIANBAO_DATA, $NIANBAO_DATABASE_URL).

    \b
    Example:
      nianbao db check
    """


@db_group.command("check")
@click.option("--repair", is_flag=True, help="Delete temporary files left by interrupted blob writes; "
              "rebuild the search index when it is out of step.")
def db_check(repair: bool) -> None:
    """Find blobs that rows point at but are missing or corrupt, orphan blobs, and temporary
    files left by interrupted blob writes.

    \b
    Example:
      NIANBAO_DATA=/srv/nianbao nianbao db check
    Exits 1 when any blob is missing or corrupt or any blob is an orphan, or when the search
    index is out of step with the report versions (--repair rebuilds it). Leftover temporary
    files are listed, not counted as damage (--repair deletes them; run it while nothing writes
    to the archive).
    """
    from storage import search_index

    archive = open_archive()
    result = archive.check()
    for digest in result.missing:
        click.echo(f"missing blob: {digest} (rows point at it, the store lacks it)")
    for digest in result.corrupt:
        click.echo(f"corrupt blob: {digest} (its bytes hash to something else)")
    for digest in result.orphans:
        click.echo(f"orphan blob: {digest} (no row points at it: a write interrupted before its row)")
    leftovers = archive.blobs.remove_temporaries() if repair else result.temporaries
    for path in leftovers:
        click.echo(f"{'removed' if repair else 'leftover'} temporary file: {path}")
    with archive.engine.begin() as connection:
        index_problems = search_index.verify(connection)
        for problem in index_problems:
            click.echo(f"search index: {problem}")
        if index_problems and repair:
            search_index.recreate(connection)
            index_problems = search_index.verify(connection)
            click.echo("search index rebuilt" + (": still " + "; ".join(index_problems) if index_problems else ""))
    if result.damaged or index_problems:
        click.echo("problems found")
        sys.exit(EXIT_FAILED)
    if leftovers and not repair:
        click.echo(f"no damage; {len(leftovers)} leftover temporary files (nianbao db check --repair deletes them)")
    else:
        click.echo("clean")


@db_group.command("reindex")
def db_reindex() -> None:
    """Write every report version's searchable text again from its record and rebuild the
    search index from it.

    The text is the whole report as its page shows it: title, section headings, narrative and
    the tables' labels and numbers. Opening an archive made before the tables were searchable
    does this once by itself (migration 0007); run it again when that text changes. No reparse
    and no network: the records stay as they are.

    \b
    Example:
      NIANBAO_DATA=/srv/nianbao nianbao db reindex
    """
    from sqlalchemy import text

    from storage import search_index

    archive = open_archive()
    with archive.engine.begin() as connection:
        changed = search_index.retext(connection)
        total = connection.scalar(text("SELECT count(*) FROM search_entries"))
    click.echo(f"{total} report versions indexed ({changed} texts rewritten)")


@click.command("reparse")
@agency_option("Only reports of this agency (its name as archived).")
@year_option("Only reports on this year.")
def reparse_command(agency: str | None, year: int | None) -> None:
    """Run the parser again over archived captures, with no network.

    A new version is added only where the record changed.

    \b
    Example:
      nianbao reparse --year 2023
    """
    summary = open_archive().reparse(agency=agency, year=year)
    click.echo(
        f"{summary.captures} captures reparsed: {summary.new_versions} new versions, "
        f"{summary.new_reports} new reports, {summary.errors} not reports"
    )


@click.command("export")
@click.option("--jsonl", "jsonl", type=click.Path(dir_okay=False, path_type=Path), help="One JSON line per report.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), help="One CSV row per report.")
@click.option("--warc", "warc", type=click.Path(dir_okay=False, path_type=Path), help="Every capture as WARC records.")
@click.option("--labels", is_flag=True, help="Head the CSV's number columns with the form's labels, not dotted paths.")
@base_url_option()
def export_command(jsonl: Path | None, csv_path: Path | None, warc: Path | None, labels: bool,
                   base_url: str | None) -> None:
    """Export the archive: reports as JSON Lines or CSV, captures as WARC.

    Each report has its agency's region and kind and a permalink to its page in the web UI
    (--base-url). The CSV starts with a byte-order mark (so Excel reads its Chinese as UTF-8);
    text cells that a spreadsheet would run as a formula (=, +, -, @) are written after an
    apostrophe; times are UTC, ending in Z.

    \b
    Examples:
      nianbao export --jsonl reports.jsonl
      nianbao export --csv reports.csv --labels --base-url https://nianbao.example.org
      nianbao export --warc nianbao.warc.gz
    """
    if not (jsonl or csv_path or warc):
        raise click.UsageError("give at least one of --jsonl, --csv, --warc")
    from storage.exports import write_export

    from ..permalinks import base_url as web_base_url, report_url

    root = web_base_url(base_url)

    def permalink(report_id: int, version_id: int | None) -> str:
        return report_url(root, report_id, version_id)

    archive = open_archive()
    if jsonl:
        click.echo(f"{write_export(archive, jsonl, 'jsonl', permalink)} reports written to {jsonl}")
    if csv_path:
        click.echo(f"{write_export(archive, csv_path, 'csv', permalink, labels=labels)} reports written to {csv_path}")
    if warc:
        from storage.warc import WarcError, export_warc

        try:
            click.echo(f"{export_warc(archive, warc)} captures written to {warc}")
        except WarcError as exc:
            fail(str(exc))


@click.command("import")
@click.option("--warc", "warc", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="A WARC file (plain or gzipped), e.g. written by another crawler.")
@click.option("--no-parse", "no_parse", is_flag=True,
              help="Only archive the captures; `nianbao reparse` makes their reports later.")
def import_command(warc: Path, no_parse: bool) -> None:
    """Bring captures from a WARC file into the archive and parse them.

    The whole file is checked before anything is ingested: a damaged WARC adds nothing. With
    --no-parse the captures are archived exactly, unparsed (the import runs several times
    faster); `nianbao reparse` parses them later.

    \b
    Examples:
      nianbao import --warc crawl-2026-02-01.warc.gz
      nianbao import --warc crawl-2026-02-01.warc.gz --no-parse && nianbao reparse
    Exits 1 with the file and the offset of the damage when the WARC is malformed.
    """
    from storage.warc import WarcError, import_warc

    try:
        summary = import_warc(open_archive(), warc, parse=not no_parse)
    except WarcError as exc:
        fail(terminal_text(str(exc)))
    click.echo(summary.describe())


@click.command("import-files")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--url", "source_url", help="The URL the file was downloaded from (one file), or a base URL ending in / (several).")
@click.option("--date", "captured", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
              help="When it was downloaded (UTC); default: the file's modification time.")
@click.option("--agency", help="The publishing agency, as named in the registry.")
def import_files_command(paths: tuple[Path, ...], source_url: str | None, captured: dt.datetime | None,
                         agency: str | None) -> None:
    """Archive local files (e.g. reports downloaded by hand) with their source URL and date.

    \b
    Examples:
      nianbao import-files report.pdf --url https://www.example.gov.cn/art/2022/1/20/art_1.html --date 2022-01-25
      nianbao import-files downloads/ --url https://www.example.gov.cn/files/
    """
    from storage import CaptureIn

    files = [p for path in paths for p in (sorted(path.rglob("*")) if path.is_dir() else [path]) if p.is_file()]
    if source_url and len(files) > 1 and not source_url.endswith("/"):
        raise click.UsageError("several files need a base --url ending in /")
    archive = open_archive()
    failed = 0
    for path in files:
        url = (source_url + path.name if source_url.endswith("/") else source_url) if source_url else path.resolve().as_uri()
        when = captured or dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
        when = when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)
        try:
            body = read_limited(path, archive.limits.max_bytes, "the archive's limit, as for crawled files")
        except FileTooLargeError as exc:
            failed += 1
            click.echo(f"nianbao: {path}: not archived: {exc}", err=True)
            continue
        result = archive.ingest(CaptureIn(
            url=url, body=body, captured_at=when, status=None, reason=None, http_version=None,
            content_type=mimetypes.guess_type(path.name)[0], source="file", agency=agency,
        ))
        if result.parse_error:
            failed += 1
            click.echo(f"nianbao: {path}: archived, but not as a report: {terminal_text(result.parse_error)}", err=True)
        else:
            click.echo(f"{path}: capture {result.capture_id} ({result.status})"
                       + (f", report {result.report_id}" if result.report_id else ""))
    if failed:
        sys.exit(EXIT_FAILED)
