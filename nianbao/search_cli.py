"""`nianbao search` and `nianbao stats`: the archive's full text and numbers from the command line.

The queries themselves live in storage.search and storage.stats (the web UI uses them too); this
module parses options, prints tables, JSON or CSV, and turns their errors into messages.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re
import sys
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from storage import Archive
from storage.search import (
    MAX_PER_PAGE,
    Hit,
    QueryError,
    SearchQuery,
    SearchResult,
    search,
)
from storage.stats import GROUPINGS, StatsError, StatsQuery, StatsResult, stats

_YEARS = re.compile(r"^\s*(\d{4})\s*(?:\.\.\s*(\d{4})\s*)?$")


def parse_years(value: str | None) -> tuple[int | None, int | None]:
    """`2023` -> (2023, 2023); `2021..2023` -> (2021, 2023)."""
    if value is None:
        return None, None
    match = _YEARS.match(value)
    if not match:
        raise click.BadParameter(f"{value!r} is not a year (2023) or a range of years (2021..2023)",
                                 param_hint="--year")
    first = int(match.group(1))
    last = int(match.group(2) or first)
    if first > last:
        raise click.BadParameter(f"{value!r}: the first year is after the last", param_hint="--year")
    return first, last


def _open_archive() -> Archive:
    return Archive.open()  # $NIANBAO_DATA, $NIANBAO_DATABASE_URL


def hit_dict(hit: Hit) -> dict[str, Any]:
    """Every field of a hit, JSON-ready (`Hit.to_dict`), and the snippet as plain text too."""
    return dict(hit.to_dict(), snippet_text="".join(segment for segment, _ in hit.snippet))


def _print_hits_json(result: SearchResult) -> None:
    payload = {
        "query": dataclasses.asdict(result.query),
        "total": result.total,
        "page": result.query.page,
        "per_page": result.query.per_page,
        "hits": [hit_dict(hit) for hit in result.hits],
    }
    if result.facets:
        payload["facets"] = result.facets
    json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _print_hits_csv(result: SearchResult) -> None:
    names = [field.name for field in dataclasses.fields(Hit) if field.name != "snippet"]
    writer = csv.writer(sys.stdout)
    writer.writerow([*names, "snippet", "matched"])
    for hit in result.hits:
        row = hit_dict(hit)
        matched = " | ".join(segment for segment, is_match in hit.snippet if is_match)
        writer.writerow([row[name] for name in names] + [row["snippet_text"], matched])


def _print_hits_table(result: SearchResult) -> None:
    console = Console(width=None if sys.stdout.isatty() else 160)
    query = result.query
    first = (query.page - 1) * query.per_page + 1
    last = first + len(result.hits) - 1
    shown = f"{first}-{last}" if result.hits else "none"
    console.print(f"{result.total} matching reports; page {query.page} ({shown})")
    if not result.hits:
        return
    table = Table(show_lines=True)
    for column in ("agency", "year", "title / url", "captured", "checks", "snippet"):
        table.add_column(column, overflow="fold")
    for hit in result.hits:
        snippet = Text()
        for segment, matched in hit.snippet:  # Text.append: report text is never read as markup
            snippet.append(segment, style="bold reverse" if matched else None)
        heading = Text(hit.title or "(no title)")
        heading.append("\n" + hit.url, style="dim")
        if not hit.is_current:
            heading.append("\n(earlier version)", style="yellow")
        checks = "ok" if hit.checks_failed == 0 else f"{hit.checks_failed} failed"
        table.add_row(Text(hit.agency or "?"), str(hit.year or "?"), heading,
                      hit.captured_at.strftime("%Y-%m-%d"), checks, snippet)
    console.print(table)
    if last < result.total:
        console.print(f"next: --page {query.page + 1}")


@click.command("search")
@click.argument("query", required=False, default="")
@click.option("--year", "years", metavar="Y|Y1..Y2", help="Report year, or an inclusive range.")
@click.option("--agency", help="Exact agency name.")
@click.option("--region", help="Region path or a prefix of it: 江苏省, 江苏省/淮安市.")
@click.option("--kind", type=click.Choice(["department", "government"]), help="Kind of agency.")
@click.option("--format", "report_format", type=click.Choice(["2019", "2021"]), help="The report's form.")
@click.option("--check", type=click.Choice(["failed", "ok"]), help="Only versions with a failed check, or none.")
@click.option("--all-versions", is_flag=True, help="Search earlier versions too, not just each report's current one.")
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--per-page", type=click.IntRange(1, MAX_PER_PAGE), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the page as JSON (every hit field, total, facets).")
@click.option("--csv", "as_csv", is_flag=True, help="Print the page as CSV (every hit field).")
@click.option("--facets", is_flag=True, help="With --json: counts by year, region, kind, format and checks.")
def search_command(query: str, years: str | None, agency: str | None, region: str | None, kind: str | None,
                   report_format: str | None, check: str | None, all_versions: bool, page: int, per_page: int,
                   as_json: bool, as_csv: bool, facets: bool) -> None:
    """Search the archived reports' text (Chinese at any length, full/half-width and
    traditional/simplified alike). Words are ANDed; "quoted phrases", OR, NOT, -word and
    parentheses work. Ranked; the total and the page are shown.

    \b
    Examples:
      nianbao search 行政复议 纠正 --year 2023
      nianbao search '"不予公开" OR 国家秘密' --region 江苏省 --kind department
      nianbao search 罚 --year 2021..2023 --check failed --json > hits.json
      nianbao search 信息公开 --agency 卫辉市信访局 --all-versions --csv > versions.csv
    """
    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    year_from, year_to = parse_years(years)
    request = SearchQuery(
        text=query, year_from=year_from, year_to=year_to, agency=agency, region=region, kind=kind,
        format=report_format, check_failed=None if check is None else check == "failed",
        all_versions=all_versions, page=page, per_page=per_page, facets=facets and as_json,
    )
    archive = _open_archive()
    try:
        result = search(archive, request)
    except QueryError as exc:
        raise click.UsageError(f"search {query!r}: {exc}") from None
    finally:
        archive.close()
    if as_json:
        _print_hits_json(result)
    elif as_csv:
        _print_hits_csv(result)
    else:
        _print_hits_table(result)


STATS_COLUMNS = ("group", "count", "nulls", "absent", "sum", "min", "max", "mean")


def _print_stats(result: StatsResult, as_json: bool, as_csv: bool) -> None:
    rows = [dataclasses.asdict(row) for row in result.rows]
    if as_json:
        payload = {"field": result.query.field, "by": result.query.by, "reports": result.reports,
                   "query": dataclasses.asdict(result.query), "rows": rows}
        json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    if as_csv:
        writer = csv.writer(sys.stdout)
        writer.writerow([result.query.by or "group", *STATS_COLUMNS[1:]])
        for row in rows:
            writer.writerow(["" if row[name] is None else row[name] for name in STATS_COLUMNS])
        return
    console = Console(width=None if sys.stdout.isatty() else 160)
    console.print(f"{result.query.field}: {result.reports} current reports "
                  "(count: a number; nulls: left blank; absent: no such cell in the report)")
    table = Table()
    table.add_column(result.query.by or "")
    for name in STATS_COLUMNS[1:]:
        table.add_column(name, justify="right")
    for row in rows:
        mean = row["mean"]
        cells = [row["count"], row["nulls"], row["absent"], row["sum"], row["min"], row["max"],
                 None if mean is None else round(mean, 2)]
        group = "(all)" if result.query.by is None else ("(unknown)" if row["group"] is None else str(row["group"]))
        table.add_row(Text(group), *("—" if value is None else str(value) for value in cells))
    console.print(table)


@click.command("stats")
@click.argument("field")
@click.option("--year", "years", metavar="Y|Y1..Y2", help="Report year, or an inclusive range.")
@click.option("--region", help="Region path or a prefix of it: 江苏省, 江苏省/淮安市.")
@click.option("--kind", type=click.Choice(["department", "government"]), help="Kind of agency.")
@click.option("--agency", help="Exact agency name (e.g. one agency's series with --by year).")
@click.option("--by", type=click.Choice(GROUPINGS), help="One row per agency, region or year.")
@click.option("--top", type=click.IntRange(min=1), help="Only the first N rows (largest sum first; years in order).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
def stats_command(field: str, years: str | None, region: str | None, kind: str | None, agency: str | None,
                  by: str | None, top: int | None, as_json: bool, as_csv: bool) -> None:
    """Sum, count, min, max and mean of one record field (a dotted path, see the record spec)
    over each report's current version. Blank cells (null) are counted apart, never as 0.

    \b
    Examples:
      nianbao stats applications.denied_state_secret.total --year 2023 --by agency --top 10
      nianbao stats review_litigation.review.corrected --region 江苏省 --by year
      nianbao stats active.fees.amount --agency 卫辉市信访局 --by year --csv
    """
    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    year_from, year_to = parse_years(years)
    request = StatsQuery(field, year_from=year_from, year_to=year_to, region=region, kind=kind, agency=agency,
                         by=by, top=top)
    archive = _open_archive()
    try:
        result = stats(archive, request)
    except StatsError as exc:
        raise click.UsageError(f"stats {field}: {exc}") from None
    finally:
        archive.close()
    _print_stats(result, as_json, as_csv)
