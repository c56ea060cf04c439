"""The `nianbao` command line. Library errors become one-line messages here, and only here."""

from __future__ import annotations

import datetime as dt
import json
import mimetypes
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


# -- the archive ------------------------------------------------------------------------------

EXIT_DB_PROBLEMS = 1


def _archive():
    from storage import Archive  # the archive needs SQLAlchemy; `parse` alone does not

    return Archive.open()


@main.group("db")
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
    """Find blobs that rows point at but are missing or corrupt, and orphan blobs.

    \b
    Example:
      NIANBAO_DATA=/srv/nianbao nianbao db check
    Exits 1 when any blob is missing or corrupt or any blob is an orphan, or when the search
    index is out of step with the report versions (--repair rebuilds it).
    """
    archive = _archive()
    result = archive.check()
    for digest in result.missing:
        click.echo(f"missing blob: {digest} (rows point at it, the store lacks it)")
    for digest in result.corrupt:
        click.echo(f"corrupt blob: {digest} (its bytes hash to something else)")
    for digest in result.orphans:
        click.echo(f"orphan blob: {digest} (no row points at it: a write interrupted before its row)")
    for path in result.temporaries:
        if repair:
            path.unlink(missing_ok=True)
        click.echo(f"{'removed' if repair else 'leftover'} temporary file: {path}")
    from storage import search_index

    with archive.engine.begin() as connection:
        index_problems = search_index.verify(connection)
        for problem in index_problems:
            click.echo(f"search index: {problem}")
        if index_problems and repair:
            search_index.recreate(connection)
            index_problems = search_index.verify(connection)
            click.echo("search index rebuilt" + (": still " + "; ".join(index_problems) if index_problems else ""))
    clean = result.clean and not index_problems
    click.echo("clean" if clean else "problems found")
    if not clean:
        sys.exit(EXIT_DB_PROBLEMS)


@main.command("reparse")
@click.option("--agency", help="Only reports of this agency (its name as archived).")
@click.option("--year", type=int, help="Only reports on this year.")
def reparse_command(agency: str | None, year: int | None) -> None:
    """Run the parser again over archived captures, with no network.

    A new version is added only where the record changed.

    \b
    Example:
      nianbao reparse --year 2023
    """
    summary = _archive().reparse(agency=agency, year=year)
    click.echo(
        f"{summary.captures} captures reparsed: {summary.new_versions} new versions, "
        f"{summary.new_reports} new reports, {summary.errors} not reports"
    )


@main.command("export")
@click.option("--jsonl", "jsonl", type=click.Path(dir_okay=False, path_type=Path), help="One JSON line per report.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), help="One CSV row per report.")
@click.option("--warc", "warc", type=click.Path(dir_okay=False, path_type=Path), help="Every capture as WARC records.")
def export_command(jsonl: Path | None, csv_path: Path | None, warc: Path | None) -> None:
    """Export the archive: reports as JSON Lines or CSV, captures as WARC.

    \b
    Examples:
      nianbao export --jsonl reports.jsonl
      nianbao export --csv reports.csv
      nianbao export --warc nianbao.warc.gz
    """
    if not (jsonl or csv_path or warc):
        raise click.UsageError("give at least one of --jsonl, --csv, --warc")
    from storage.exports import write_export

    archive = _archive()
    if jsonl:
        click.echo(f"{write_export(archive, jsonl, 'jsonl')} reports written to {jsonl}")
    if csv_path:
        click.echo(f"{write_export(archive, csv_path, 'csv')} reports written to {csv_path}")
    if warc:
        from storage.warc import WarcError, export_warc

        try:
            click.echo(f"{export_warc(archive, warc)} captures written to {warc}")
        except WarcError as exc:
            click.echo(f"nianbao: {exc}", err=True)
            sys.exit(EXIT_PARSE_FAILED)


@main.command("import")
@click.option("--warc", "warc", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="A WARC file (plain or gzipped), e.g. written by another crawler.")
def import_command(warc: Path) -> None:
    """Bring captures from a WARC file into the archive and parse them.

    The whole file is checked before anything is ingested: a damaged WARC adds nothing.

    \b
    Example:
      nianbao import --warc crawl-2026-02-01.warc.gz
    Exits 1 with the file and the offset of the damage when the WARC is malformed.
    """
    from storage.warc import WarcError, import_warc

    try:
        summary = import_warc(_archive(), warc)
    except WarcError as exc:
        click.echo(f"nianbao: {exc}", err=True)
        sys.exit(EXIT_PARSE_FAILED)
    click.echo(summary.describe())


@main.command("import-files")
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
    archive = _archive()
    failed = 0
    for path in files:
        url = (source_url + path.name if source_url.endswith("/") else source_url) if source_url else path.resolve().as_uri()
        when = captured or dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
        when = when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)
        result = archive.ingest(CaptureIn(
            url=url, body=path.read_bytes(), captured_at=when, status=None, reason=None, http_version=None,
            content_type=mimetypes.guess_type(path.name)[0], source="file", agency=agency,
        ))
        if result.parse_error:
            failed += 1
            click.echo(f"nianbao: {path}: archived, but not as a report: {result.parse_error}", err=True)
        else:
            click.echo(f"{path}: capture {result.capture_id} ({result.status})"
                       + (f", report {result.report_id}" if result.report_id else ""))
    if failed:
        sys.exit(EXIT_PARSE_FAILED)


# -- the registry -----------------------------------------------------------------------------


@main.group("agencies")
def agencies_group() -> None:
    """The agency registry (config/agencies/*.toml, or --config FILE).

    \b
    Example:
      nianbao agencies validate
    """


def _registry(config: Path | None):
    from crawler.registry import RegistryError, load_registry

    try:
        return load_registry(config)
    except RegistryError as exc:
        click.echo(f"nianbao: {exc}", err=True)
        sys.exit(EXIT_PARSE_FAILED)


@agencies_group.command("validate")
@click.option("--config", type=click.Path(exists=True, path_type=Path), help="A TOML file or folder of them.")
def agencies_validate(config: Path | None) -> None:
    """Check the registry strictly: unknown keys, missing keys, bad values, duplicates.

    \b
    Example:
      nianbao agencies validate --config config/agencies/henan.toml
    Exits 1 with the file, entry and key of the first problem.
    """
    agencies = _registry(config)
    click.echo(f"{len(agencies)} agencies, all valid")


@agencies_group.command("list")
@click.option("--config", type=click.Path(exists=True, path_type=Path), help="A TOML file or folder of them.")
@click.option("--json", "as_json", is_flag=True, help="As JSON.")
def agencies_list(config: Path | None, as_json: bool) -> None:
    """Show the registry: name, region, kind, deadline rule and report columns.

    \b
    Example:
      nianbao agencies list --json | jq '.[].name'
    """
    agencies = _registry(config)
    if as_json:
        rows = [{"name": a.name, "region": a.region_path, "kind": a.kind, "list_urls": list(a.list_urls),
                 "platform": a.platform, "source": a.source} for a in agencies]
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    for a in agencies:
        due = "31 Jan" if a.kind == "department" else "31 Mar"
        click.echo(f"{a.name}\t{a.region_path}\t{a.kind} (due {due})\t{' '.join(a.list_urls)}")


# -- crawling ---------------------------------------------------------------------------------

EXIT_CRAWL_FAILED = 3
EXIT_CRAWL_LOCKED = 75  # EX_TEMPFAIL: another crawl of this archive is running; try later


@main.command("crawl")
@click.option("--config", type=click.Path(exists=True, path_type=Path), help="A registry TOML file or folder.")
@click.option("--agency", "names", multiple=True, help="Only this agency (repeatable).")
@click.option("--no-politeness", is_flag=True, help="No delays or AutoThrottle (for local test portals only).")
@click.option("--ignore-robots", is_flag=True, help="Do not fetch or obey robots.txt (local test portals only).")
@click.option("--jobdir", type=click.Path(file_okay=False, path_type=Path),
              help="Keep the crawl's state here, so an interrupted crawl resumes where it stopped.")
@click.option("--workers", "redis_url", metavar="REDIS_URL",
              help="Be one of several workers sharing the crawl through Redis (scrapy-redis), e.g. "
                   "redis://10.0.0.5:6379/0; needs NIANBAO_DATABASE_URL (PostgreSQL) and a shared NIANBAO_DATA.")
@click.option("--worker-ttl", type=click.FloatRange(min=1), default=30.0, show_default=True,
              help="With --workers: seconds without a heartbeat before a worker's requests are requeued.")
def crawl_command(config: Path | None, names: tuple[str, ...], no_politeness: bool, ignore_robots: bool,
                  jobdir: Path | None, redis_url: str | None, worker_ttl: float) -> None:
    """Crawl the agencies' report columns into the archive and parse what is found.

    \b
    Examples:
      nianbao crawl
      nianbao crawl --config config/agencies/jiangsu.toml --agency 淮安市人民政府
      nianbao crawl --jobdir data/job    # resumable: run the same command again after a crash
      nianbao crawl --workers redis://10.0.0.5:6379/0   # one of N workers (README: distributed crawl)
    Exits 3 when any agency's column could not be crawled (down, blocked, unreadable), 75 when
    another crawl of the same archive is running (the lock $NIANBAO_DATA/crawl.lock; not taken
    with --workers, which share the archive by design), 4 when a --workers worker stopped
    before the shared crawl ended.
    """
    from crawler.run import run_crawl

    agencies = _registry(config)
    if names:
        unknown = sorted(set(names) - {a.name for a in agencies})
        if unknown:
            raise click.UsageError(f"not in the registry: {', '.join(unknown)}")
        agencies = [a for a in agencies if a.name in names]
    overrides = {}
    if no_politeness:
        overrides.update({"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 8})
    if ignore_robots:
        overrides["ROBOTSTXT_OBEY"] = False
    if redis_url:
        from nianbao.crawl_workers import crawl_with_workers

        crawl_with_workers(agencies, redis_url, overrides, jobdir=jobdir, worker_ttl=worker_ttl)  # exits
    from filelock import FileLock, Timeout

    from storage.db import data_dir

    lock_path = data_dir() / "crawl.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # One crawl per archive at a time: a scheduled run that starts while the last one is
        # still going stops here instead of crawling the same portals twice.
        lock = FileLock(lock_path, timeout=0)
        lock.acquire()
    except Timeout:
        click.echo(f"nianbao: another crawl holds {lock_path}; not starting a second one", err=True)
        sys.exit(EXIT_CRAWL_LOCKED)
    try:
        outcomes = run_crawl(agencies, overrides=overrides, jobdir=jobdir)
    finally:
        lock.release()
    failed = 0
    click.echo(f"{'agency':<24}{'outcome':<13}{'pages':>6}{'reports':>9}  errors")
    for name, outcome in outcomes.items():
        failed += outcome.outcome != "reached"
        click.echo(f"{name:<24}{outcome.outcome:<13}{outcome.pages_listed:>6}{outcome.reports_found:>9}  "
                   f"{'; '.join(outcome.list_errors + outcome.errors)[:200]}")
    if failed:
        sys.exit(EXIT_CRAWL_FAILED)


@main.command("demo")
@click.option("--data", type=click.Path(file_okay=False, path_type=Path), help="Where to put the demo archive (default: a new temporary folder).")
def demo_command(data: Path | None) -> None:
    """The whole pipeline offline: start the simulated portal on loopback, crawl it, show the reports.

    \b
    Example:
      nianbao demo
    """
    import tempfile

    from crawler.registry import load_registry
    from crawler.run import run_crawl
    from storage import Archive

    from .devportal import Portal

    data = data or Path(tempfile.mkdtemp(prefix="nianbao-demo-"))
    with Portal() as portal:
        registry = data / "registry.toml"
        data.mkdir(parents=True, exist_ok=True)
        registry.write_text(portal.registry_toml(), encoding="utf-8")
        click.echo(f"simulated portal: {len(portal.sites)} sites on 127.0.0.x:{portal.port}; archive in {data}")
        outcomes = run_crawl(load_registry(registry), data, overrides={
            "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 4})
    for name, outcome in outcomes.items():
        click.echo(f"  {name:<16} {outcome.outcome:<12} {outcome.pages_listed} list pages, "
                   f"{outcome.reports_found} report pages")
    archive = Archive.open(data)
    click.echo("reports archived:")
    for report, version, capture in archive.latest_versions():
        failed = version.checks_failed
        click.echo(f"  {report.agency_name or '?'} {report.year} {report.format or '?'}  "
                   f"{'checks ok' if not failed else f'{failed} checks failed'}  {report.url}")
    click.echo(f"try: NIANBAO_DATA={data} nianbao export --csv reports.csv")

from .monitor_cli import monitor_command, schedule_command  # noqa: E402
from .web.serve_cli import serve_command  # noqa: E402  (registered last, like every feature command)

main.add_command(monitor_command)
main.add_command(schedule_command)

main.add_command(serve_command)

from .search_cli import search_command, stats_command  # noqa: E402

main.add_command(search_command)
main.add_command(stats_command)
