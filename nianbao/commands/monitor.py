"""`nianbao monitor`: who published on time (`nianbao schedule`, running it unattended, is schedule.py)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections import Counter
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from storage.clock import china_today

from .. import monitoring
from ..monitoring import DEFAULT_COPY_THRESHOLD, MonitorStatus
from ..monitoring.discovered import evaluate_discovered
from ..monitoring.evaluation import collector_paused
from ..output import print_csv, print_json, terminal_console, terminal_text
from . import exit_fast_after_this_command
from .agencies import data_registry, load_agencies
from .exits import EXIT_NEW_FINDINGS, EXIT_NEW_LATE_OR_MISSING, EXIT_NEW_UNREACHABLE
from .options import command_clock, config_option, json_or_csv, kind_option, region_option, year_option

STATUS_STYLE = {MonitorStatus.ON_TIME: "green", MonitorStatus.LATE: "yellow", MonitorStatus.MISSING: "red",
                MonitorStatus.UNREACHABLE: "magenta", MonitorStatus.NOT_DUE: "dim", MonitorStatus.UNDATED: "cyan"}
# The text output lists every agency and finding up to this many; beyond, only what is new in this
# run (a national registry's table is ~100,000 rows: rich took ~1.5 ms a row to lay it out, minutes
# of a run from cron, into a log nobody reads row by row). --all, --csv and --json have every row.
TEXT_ROWS = 200
# `registered`: "no" for a discovered department or township (its own rows, not in compliance counts).
CSV_COLUMNS = ("year", "agency", "region", "kind", "status", "deadline", "published_on", "days_late", "url",
               "findings", "evidence", "registered")


@click.command("monitor")
@year_option("The report year (default: last year, the one due this season).")
@region_option("Only agencies under this region path, e.g. 江苏省 or 江苏省/淮安市.")
@kind_option("Only this kind of agency.")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]),
              help="Evaluate on this day (China's calendar) from what was archived by its end. Not recorded.")
@config_option()
@json_or_csv("Statuses, findings and the compliance summary as JSON.",
             "One CSV row per agency (evidence as a JSON column).")
@click.option("--atom", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the Atom feed of status changes and findings to this file.")
@click.option("--no-record", is_flag=True, help="Do not record this run's news (a dry run: the exit status still says what is new).")
@click.option("--copy-threshold", type=click.FloatRange(0, 1), default=DEFAULT_COPY_THRESHOLD, show_default=True,
              help="Similarity (Jaccard over 5-character shingles) from which narratives count as copied.")
@click.option("--all", "every_row", is_flag=True,
              help=f"List every agency and finding in the text output (without it, beyond {TEXT_ROWS} of either "
                   "only what is new in this run is listed, and the rest counted).")
def monitor_command(year: int | None, region: str | None, kind: str | None, as_of: dt.datetime | None,
                    config: Path | None, as_json: bool, as_csv: bool, atom: Path | None, no_record: bool,
                    copy_threshold: float, every_row: bool) -> None:
    """Who published the year's annual report on time, late, or not at all; and which reports
    fail their arithmetic, were edited after publication, were removed, or look copied.

    \b
    Examples:
      nianbao monitor --year 2024
      nianbao monitor --year 2024 --region 江苏省 --kind department --csv > 2024.csv
      nianbao monitor --year 2024 --as-of 2025-02-01 --json
      nianbao monitor --atom /var/www/nianbao.atom      # from cron, after the crawl
    \b
    Exit status: 0 nothing new since the last recorded run; otherwise the sum of
      4  agencies newly late or missing
      8  new findings (invalid, changed, removed (confirmed), restored, carryover_mismatch, copied)
      16 agencies newly unreachable (a crawler failure to look at, not the agency's)
    1 for errors (bad registry, unreadable archive), 2 for usage errors.
    Runs without --as-of are recorded, so the next run reports only what changed. A year
    before the national formats (2019) is not judged: no statuses, nothing recorded, exit 0.
    Without --config, the registry is the one $NIANBAO_DATA was crawled with, else config/agencies.
    """
    from storage import Archive

    from ..feed import write_atom

    clock = command_clock()
    today = china_today(clock)
    year = year or today.year - 1
    day = as_of.date() if as_of else today
    if not monitoring.judged_year(year):
        # As the web's monitor pages: no statuses for a year before the formats, and nothing
        # recorded (every agency would be "missing" in the feed).
        _not_judged(year, day, as_json, as_csv)
        return
    # The whole run with the cyclic collector paused, not only the evaluation: after it the news,
    # the records and the output allocate ~200,000 more objects at 100,000 agencies, and with the
    # collector back, full collections walked the evaluation's millions again (recorded_year: 1.5 s
    # against its 0.4 s of SQL). The process then exits without freeing them (exit_fast_...).
    with collector_paused():
        registry = load_agencies(data_registry(config))
        agencies = [a for a in registry
                    if (region is None or monitoring.region_matches(a.region_path, region))
                    and (kind is None or a.kind == kind)]
        archive = Archive.open()
        try:
            # Departments and townships discovered from the governments' portals: their own rows,
            # never in the registered agencies' compliance counts nor in the recorded news.
            discovered = evaluate_discovered(archive, registry, year, day, region=region, kind=kind)
            if not agencies and not discovered.agencies:
                raise click.ClickException("no registry agency matches --region/--kind")
            report = monitoring.evaluate(archive, agencies, year, day, copy_threshold=copy_threshold)
            news = monitoring.new_events(archive, report)
            if not (no_record or as_of):
                monitoring.record_events(archive, news, year, clock)
            if atom:
                written = write_atom(archive, atom, clock=clock)
                click.echo(f"nianbao: {atom}: {written} entries", err=True)
        finally:
            archive.close()
        if as_json:
            payload = report.to_dict()
            payload["new"] = {"statuses": [r.agency for r in news.statuses], "findings": [f.key for f in news.findings]}
            payload["discovered"] = discovered_dict(discovered)
            print_json(payload)
        elif as_csv:
            _write_csv(report, discovered)
        else:
            _print(report, news, every_row)
            if discovered.agencies:
                _print_discovered(discovered)
    exit_fast_after_this_command()  # a national evaluation's objects are not freed one by one at exit
    sys.exit(exit_status(news))


def not_judged_reason(year: int) -> str:
    return (f"{year} is not judged: the monitor judges report years from {monitoring.FIRST_JUDGED_YEAR}, "
            "the first year the national formats cover")


def _not_judged(year: int, day: dt.date, as_json: bool, as_csv: bool) -> None:
    """What `monitor --year Y` says of a year before the formats: the web API's shape in JSON,
    a CSV of no rows, and a line on stderr; nothing is evaluated or recorded."""
    if as_csv:
        print_csv(CSV_COLUMNS, [])
    if as_json:
        print_json({"year": year, "as_of": day.isoformat(), "judged": False, "reason": not_judged_reason(year),
                    "agencies": [], "findings": [], "summary": [], "discovered": {"agencies": [], "findings": []},
                    "new": {"statuses": [], "findings": []}})
    click.echo(f"nianbao: {not_judged_reason(year)}; nothing evaluated or recorded", err=True)


def exit_status(news) -> int:
    code = 0
    if any(row.status in (MonitorStatus.LATE, MonitorStatus.MISSING) for row in news.statuses):
        code |= EXIT_NEW_LATE_OR_MISSING
    if news.findings:
        code |= EXIT_NEW_FINDINGS
    if any(row.status == MonitorStatus.UNREACHABLE for row in news.statuses):
        code |= EXIT_NEW_UNREACHABLE
    return code


def discovered_dict(discovered) -> dict:
    """The discovered agencies' rows (and findings) as JSON: no compliance summary, they are not counted."""
    data = discovered.to_dict()
    return {"note": DISCOVERED_NOTE, "agencies": data["agencies"], "findings": data["findings"]}


DISCOVERED_NOTE = ("departments and townships discovered from the governments' portals, not in the registry: "
                   "not counted in the compliance summary until accepted (nianbao agencies accept)")


def _write_csv(report, discovered=None) -> None:
    rows = []
    for each, registered in ((report, "yes"), (discovered, "no")):
        if each is None:
            continue
        findings: dict[str, list[str]] = {}
        for finding in each.findings:
            findings.setdefault(finding.agency, []).append(finding.finding)
        for row in each.agencies:
            data = row.to_dict()
            rows.append({"year": each.year, "agency": row.agency, "region": row.region, "kind": row.kind,
                         "status": row.status, "deadline": data["deadline"], "published_on": data["published_on"],
                         "days_late": row.days_late, "url": row.url,
                         "findings": " ".join(findings.get(row.agency, [])),
                         "evidence": json.dumps(row.evidence, ensure_ascii=False), "registered": registered})
    print_csv(CSV_COLUMNS, rows)


def _print_discovered(discovered) -> None:
    console = terminal_console(140)
    table = Table(title=f"Discovered agencies, report year {discovered.year} ({DISCOVERED_NOTE})")
    for column in ("agency", "region", "kind", "status", "deadline", "published", "late", "url / evidence"):
        table.add_column(column, overflow="fold")
    for row in discovered.agencies:
        style = STATUS_STYLE[row.status]
        table.add_row(_plain(row.agency), _plain(row.region), row.kind, f"[{style}]{row.status}[/]",
                      row.deadline.isoformat(), row.published_on.isoformat() if row.published_on else "",
                      f"{row.days_late} d" if row.days_late else "", _plain(row.url or row.evidence.get("reason", "")))
    console.print(table)
    counts = {status: sum(r.status == status for r in discovered.agencies) for status in MonitorStatus}
    console.print("discovered: " + ", ".join(f"{n} {s.value.replace('_', ' ')}" for s, n in counts.items() if n))


def _plain(text: str | None) -> str:
    """Registry or crawled text inside rich markup: shown as written, without control characters."""
    return escape(terminal_text(text or ""))


def _print(report, news, every_row: bool = False) -> None:
    console = terminal_console(140)
    new = {r.agency for r in news.statuses}
    rows = report.agencies
    title = f"Report year {report.year}, as of {report.as_of.isoformat()}"
    only_new = not every_row and len(rows) > TEXT_ROWS
    if only_new:
        rows = [row for row in rows if row.agency in new]
        title += f": the {len(rows):,} of {len(report.agencies):,} agencies whose status is new"
    table = Table(title=title)
    for column in ("agency", "region", "kind", "status", "deadline", "published", "late", "url / evidence"):
        table.add_column(column, overflow="fold")
    for row in rows[:TEXT_ROWS] if not every_row else rows:
        style = STATUS_STYLE[row.status]
        where = row.url or row.evidence.get("reason", "")
        table.add_row(_plain(row.agency) + (" [bold](new)[/]" if row.agency in new else ""), _plain(row.region),
                      row.kind, f"[{style}]{row.status}[/]", row.deadline.isoformat(),
                      row.published_on.isoformat() if row.published_on else "",
                      f"{row.days_late} d" if row.days_late else "", _plain(where))
    console.print(table)
    if only_new:
        counts = Counter(row.status for row in report.agencies)  # by member: no .value per row
        more = f"; {len(rows) - TEXT_ROWS:,} more new not listed" if len(rows) > TEXT_ROWS else ""
        console.print(f"{len(report.agencies):,} agencies: "
                      + ", ".join(f"{status.value.replace('_', ' ')} {counts[status]:,}"
                                  for status in MonitorStatus if counts[status])
                      + f"{more}. Every agency: --all, --csv or --json.", highlight=False)
    if report.findings:
        fresh = {f.key for f in news.findings}
        findings = report.findings
        if not every_row and len(findings) > TEXT_ROWS:
            findings = [f for f in findings if f.key in fresh]
            kinds = Counter(f.finding for f in report.findings)
            console.print(f"[bold]Findings[/]: {len(report.findings):,} ("
                          + ", ".join(f"{kind.value} {n:,}" for kind, n in sorted(kinds.items(), key=lambda k: k[0].value))
                          + f"); the {len(findings):,} new in this run"
                          + (f", the first {TEXT_ROWS}" if len(findings) > TEXT_ROWS else "")
                          + ":", highlight=False)
            findings = findings[:TEXT_ROWS]
        else:
            console.print("[bold]Findings[/]")
        for finding in findings:
            console.print(f"  [bold]{finding.finding}[/] {_plain(finding.agency)} {finding.year}"
                          f"{' [bold](new)[/]' if finding.key in fresh else ''}: {_plain(finding.detail)}",
                          markup=True, highlight=False)
    summary = Table(title="Compliance (on-time rate over on time + late + missing)")
    for column in ("region", "kind", "due", *(status.value.replace("_", " ") for status in MonitorStatus),
                   "on-time rate"):
        summary.add_column(column)
    for row in report.summary:
        rate = f"{row.on_time_rate:.0%} of {row.due}" if row.on_time_rate is not None else "–"
        summary.add_row(_plain(row.region), row.kind, str(row.due),
                        *(str(getattr(row, status.value)) for status in MonitorStatus), rate)
    console.print(summary)
