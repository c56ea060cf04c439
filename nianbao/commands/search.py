"""`nianbao search` and `nianbao stats`: the archive's full text and numbers from the command line.

The queries themselves live in storage.search and storage.stats (the web UI uses them too); this
module reads options, prints tables, JSON or CSV (nianbao.output), and turns their errors into
usage errors.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from typing import Any

import click
from rich.table import Table
from rich.text import Text

from parsing.fields import field_label
from storage.search import MAX_PER_PAGE, QueryError, SearchQuery, SearchResult, search
from storage.stats import GROUPINGS, StatsError, StatsQuery, StatsResult, stats

from ..output import hits_csv, print_csv, print_json, terminal_console, terminal_text
from ..permalinks import agency_url, base_url as web_base_url, report_url
from .db import open_archive
from .options import (
    agency_option,
    base_url_option,
    check_option,
    format_option,
    json_or_csv,
    kind_option,
    region_option,
    year_range_option,
)


def _answer(query: Callable[[Any, Any], Any], request: Any, errors: type[Exception], what: str) -> Any:
    """`query(archive, request)` on the archive; its errors (a query that cannot be read) become
    usage errors naming `what`."""
    archive = open_archive()
    try:
        return query(archive, request)
    except errors as exc:
        raise click.UsageError(f"{what}: {exc}") from None
    finally:
        archive.close()


def _print_hits_json(result: SearchResult) -> None:
    payload = {
        "query": dataclasses.asdict(result.query),
        "total": result.total,
        "page": result.query.page,
        "per_page": result.query.per_page,
        "hits": [hit.to_dict() for hit in result.hits],
    }
    if result.facets:
        payload["facets"] = result.facets
    print_json(payload)


def _print_hits_table(result: SearchResult) -> None:
    console = terminal_console(160)
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
            snippet.append(terminal_text(segment), style="bold reverse" if matched else None)
        heading = Text(terminal_text(hit.title or "(no title)"))
        heading.append("\n" + terminal_text(hit.url), style="dim")
        if not hit.is_current:
            heading.append("\n(earlier version)", style="yellow")
        checks = "ok" if hit.checks_failed == 0 else f"{hit.checks_failed} failed"
        table.add_row(Text(terminal_text(hit.agency or "?")), str(hit.year or "?"), heading,
                      hit.captured_at.strftime("%Y-%m-%d"), checks, snippet)
    console.print(table)
    if last < result.total:
        console.print(f"next: --page {query.page + 1}")


@click.command("search")
@click.argument("query", required=False, default="")
@year_range_option()
@agency_option()
@region_option()
@kind_option()
@format_option()
@check_option()
@click.option("--all-versions", is_flag=True, help="Search earlier versions too, not just each report's current one.")
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--per-page", type=click.IntRange(1, MAX_PER_PAGE), default=20, show_default=True)
@json_or_csv("Print the page as JSON (every hit field, total, facets).",
             "Print the page as CSV (every hit field, and each report's permalink).")
@click.option("--facets", is_flag=True, help="With --json: counts by year, region, kind, format and checks.")
@base_url_option()
def search_command(query: str, years: tuple[int | None, int | None], agency: str | None, region: str | None,
                   kind: str | None, report_format: str | None, check_failed: bool | None, all_versions: bool,
                   page: int, per_page: int, as_json: bool, as_csv: bool, facets: bool, base_url: str | None) -> None:
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
    year_from, year_to = years
    request = SearchQuery(
        text=query, year_from=year_from, year_to=year_to, agency=agency, region=region, kind=kind,
        format=report_format, check_failed=check_failed,
        all_versions=all_versions, page=page, per_page=per_page, facets=facets and as_json,
    )
    result = _answer(search, request, QueryError, f"search {query!r}")
    if as_json:
        _print_hits_json(result)
    elif as_csv:
        root = web_base_url(base_url)
        sys.stdout.write(hits_csv(result.hits, lambda report_id, version_id: report_url(root, report_id, version_id)))
    else:
        _print_hits_table(result)


STATS_COLUMNS = ("group", "count", "implausible", "nulls", "absent", "sum", "min", "max", "mean")
AGENCY_COLUMNS = ("region", "kind", "permalink")  # after the group when the rows are agencies


def _stats_rows(result: StatsResult, root: str) -> list[dict[str, Any]]:
    """The result's rows as dicts; rows of agencies also carry the agency page's permalink."""
    rows = []
    for row in result.rows:
        data = dataclasses.asdict(row)
        if result.query.by == "agency":
            data["permalink"] = agency_url(root, row.group) if row.group else None
        else:
            del data["region"], data["kind"]
        rows.append(data)
    return rows


def _print_stats(result: StatsResult, as_json: bool, as_csv: bool, root: str) -> None:
    rows = _stats_rows(result, root)
    label = field_label(result.query.field)
    if as_json:
        print_json({"field": result.query.field, "label": label, "by": result.query.by, "reports": result.reports,
                    "query": dataclasses.asdict(result.query), "rows": rows})
        return
    if as_csv:
        columns = STATS_COLUMNS[:1] + (AGENCY_COLUMNS if result.query.by == "agency" else ()) + STATS_COLUMNS[1:]
        print_csv(columns, rows, header=[result.query.by or "group", *columns[1:]])
        return
    console = terminal_console(160)
    console.print(Text(f"{label} ({result.query.field}): {result.reports} current reports "
                       "(count: a number; implausible: a number no agency can have, not summed; nulls: left blank;"
                       " absent: no such cell in the report)"))
    table = Table()
    table.add_column(result.query.by or "")
    for name in STATS_COLUMNS[1:]:
        table.add_column(name, justify="right")
    for row in rows:
        mean = row["mean"]
        cells = [row["count"], row["implausible"], row["nulls"], row["absent"], row["sum"], row["min"], row["max"],
                 None if mean is None else round(mean, 2)]
        group = "(all)" if result.query.by is None else ("(unknown)" if row["group"] is None else str(row["group"]))
        table.add_row(Text(terminal_text(group)), *("—" if value is None else str(value) for value in cells))
    console.print(table)


@click.command("stats")
@click.argument("field")
@year_range_option()
@region_option()
@kind_option()
@agency_option("Exact agency name; repeat it for several (their reports together; with --by agency, a row each).",
               multiple=True)
@format_option()
@check_option()
@click.option("--by", type=click.Choice(GROUPINGS), help="One row per agency, region or year.")
@click.option("--top", type=click.IntRange(min=1), help="Only the first N rows (largest sum first; years in order).")
@json_or_csv("Print JSON (the field's label, the query, every row).",
             "Print CSV (rows of agencies also give region, kind and the agency page's permalink).")
@base_url_option()
def stats_command(field: str, years: tuple[int | None, int | None], region: str | None, kind: str | None,
                  agency: tuple[str, ...], report_format: str | None, check_failed: bool | None, by: str | None,
                  top: int | None, as_json: bool, as_csv: bool, base_url: str | None) -> None:
    """Sum, count, min, max and mean of one record field over each report's current version.
    FIELD is a dotted path (see the record spec) or the form's label, whole or in words that
    name one field (`nianbao fields` lists them). Blank cells (null) are counted apart, never as 0.

    \b
    Examples:
      nianbao stats applications.denied_state_secret.total --year 2023 --by agency --top 10
      nianbao stats '国家秘密 总计' --year 2023 --by agency --top 10
      nianbao stats review_litigation.review.corrected --region 江苏省 --by year --check ok
      nianbao stats active.fees.amount --agency 卫辉市信访局 --agency 卫辉市民政局 --by agency --csv
    """
    year_from, year_to = years
    request = StatsQuery(field, year_from=year_from, year_to=year_to, region=region, kind=kind,
                         agency=tuple(agency) or None, by=by, top=top, format=report_format, check_failed=check_failed)
    _print_stats(_answer(stats, request, StatsError, f"stats {field}"), as_json, as_csv, web_base_url(base_url))
