"""`nianbao discover`: walk the portals of registry agencies to their 年报 columns and say what
was found and why (crawler.discovery); the finds are stored for later crawls."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..output import print_json, terminal_text
from .agencies import data_registry, load_agencies
from .exits import EXIT_CRAWL_FAILED, fail
from .options import config_option, json_option


def _chain(evidence: list[dict]) -> str:
    """The links that led to a column, in order: 'text' (kind) → …"""
    steps = [step for step in evidence if step.get("kind") not in ("column page", "script")]
    return " → ".join(f"'{step['text']}' ({step['kind']})" for step in steps)


@click.command("discover")
@config_option("The agency registry: a TOML file or a folder of them (default: the one the data folder was "
               "crawled with, else config/agencies).")
@click.option("--agency", "names", multiple=True, help="Only this agency (repeatable).")
@click.option("--data", type=click.Path(file_okay=False, path_type=Path),
              help="The archive where discovered columns are stored (default: $NIANBAO_DATA or ./data).")
@click.option("--max-pages", type=click.IntRange(min=1), help="Pages fetched per agency at most (default 40).")
@click.option("--max-depth", type=click.IntRange(min=1), help="Links from the home page at most (default 6).")
@click.option("--max-seconds", type=click.FloatRange(min=1), help="Seconds per agency at most (default 120).")
@click.option("--no-politeness", is_flag=True, help="No delays or AutoThrottle (for local test portals only).")
@json_option("Print what was found as JSON: per agency, its columns with their evidence.")
def discover_command(config: Path | None, names: tuple[str, ...], data: Path | None, max_pages: int | None,
                     max_depth: int | None, max_seconds: float | None, no_politeness: bool, as_json: bool) -> None:
    """Find the agencies' 年报 columns from their portals, and show what was found and why.

    Walks from each portal's home page to the information platform (信息公开, 政务公开,
    法定主动公开内容 …), to the 年报 column(s) (政府信息公开年报, 年度报告, zfxxgknb, ndbg …)
    and into their year and unit sub-columns, within the bounds; robots.txt obeyed. Each column is
    printed with the chain of links that led there; all are stored, and `nianbao crawl` reads
    them for agencies that have a portal and no list_urls.

    \b
    Examples:
      nianbao discover --config config/agencies/jiangsu.toml --agency 沭阳县人民政府
      nianbao discover --json
    Exits 3 when no column was found for some agency (its notes say what stood in the way),
    1 on a bad registry.
    """
    from crawler.discovery.run import discover
    from crawler.run import crawl_settings
    from storage import Archive
    from storage.db import data_dir
    from storage.discovered import discovered_columns

    data = data or data_dir()
    agencies = load_agencies(data_registry(config, data))
    if names:
        unknown = sorted(set(names) - {a.name for a in agencies})
        if unknown:
            raise click.UsageError(f"not in the registry: {', '.join(unknown)}")
        agencies = [a for a in agencies if a.name in names]
        without = [a.name for a in agencies if not a.portal]
        if without:
            raise click.UsageError(f"no portal in the registry for: {', '.join(without)}")
    agencies = [a for a in agencies if a.portal]
    if not agencies:
        fail("no agency in the registry has a portal to discover from")
    overrides: dict = {"LOG_FILE": str(data / "crawl.log"), "LOG_FILE_APPEND": True,
                       "LOG_INSTALL_ROOT_HANDLER": False}
    for key, value in (("NIANBAO_DISCOVERY_MAX_PAGES", max_pages), ("NIANBAO_DISCOVERY_MAX_DEPTH", max_depth),
                       ("NIANBAO_DISCOVERY_SECONDS", max_seconds)):
        if value is not None:
            overrides[key] = value
    if no_politeness:
        overrides.update({"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 8})
    data.mkdir(parents=True, exist_ok=True)
    settings = crawl_settings(data, overrides, agencies)
    walks = discover(agencies, data, settings)
    archive = Archive.open(data, settings.get("NIANBAO_DATABASE_URL"))
    try:
        stored = discovered_columns(archive, [a.name for a in agencies])
    finally:
        archive.close()
    if as_json:
        print_json([{
            "agency": name, "portal": walk.portal, "pages": walk.pages, "stopped": walk.stop_reason,
            "robots": walk.robots, "notes": walk.notes,
            "columns": [{"url": column.url, "role": column.role, "reports_listed": column.reports_listed,
                         "platform": column.platform, "evidence": column.evidence_json()}
                        for column in walk.found.values()],
            "departments": [step.as_json() for step in walk.departments],
            "moves": [{"from": c.url, "to": c.moved_to, "why": c.moved_why, "at": c.moved_at.isoformat()}
                      for c in stored if c.agency == name and c.moved_at is not None],
        } for name, walk in walks.items()])
    else:
        for name, walk in walks.items():
            click.echo(terminal_text(f"{name}  {walk.portal}  {walk.pages} pages ({walk.stop_reason})"))
            for column in walk.found.values():
                click.echo(terminal_text(
                    f"  {column.role:<7}{column.url}  ({column.reports_listed} reports listed, "
                    f"{column.sub_columns} sub-columns, platform {column.platform or '?'})"))
                click.echo(terminal_text(f"         why: {_chain(column.evidence_json())}"))
                last = column.evidence[-1] if column.evidence else None
                if last is not None:
                    click.echo(terminal_text(f"              {'; '.join(last.reasons)}"))
            for step in walk.departments:
                click.echo(terminal_text(f"  departments: '{step.text}' {step.url} (on {step.page}; not walked yet)"))
            for column in stored:
                if column.agency == name and column.moved_at is not None:
                    click.echo(terminal_text(f"  moved: {column.url} ({column.moved_why}) → "
                                             f"{column.moved_to or 'not found again yet'}"))
            if not walk.found:
                click.echo(terminal_text(f"  no 年报 column found; {'; '.join(walk.notes[:5]) or 'no link led there'}"))
    if any(not walk.found for walk in walks.values()):
        sys.exit(EXIT_CRAWL_FAILED)
