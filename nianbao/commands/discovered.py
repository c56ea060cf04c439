"""`nianbao agencies discovered` and `nianbao agencies accept`: the departments and townships
found from the governments' portals (storage.discovered_agencies), and taking them into the
registry.

Accepting writes the unit as an `[[agency]]` entry into the registry file that holds its
government (and marks it accepted in the archive): the registry is the list of who must publish
that the crawl, attribution and the monitor all read, kept in files a person reviews and versions;
a mark in the archive alone would leave the registry incomplete and be lost with the archive.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import click

from storage.clock import china_today

from ..output import print_json
from .agencies import _read, _write, agencies_group, load_agencies
from .exits import fail
from .options import config_option, json_option


def _evidence_line(unit) -> str:
    parts = []
    for item in unit.evidence:
        if item.get("kind") == "column":
            chain = " → ".join(f"'{step.get('text')}'" for step in item.get("chain", ()) if step.get("text"))
            parts.append(f"its column {item.get('url')} (from the portal: {chain})")
        elif item.get("kind") == "report":
            parts.append(f"report '{item.get('title')}' {item.get('url')}"
                         + (f" listed on {item['column']}" if item.get("column") else ""))
    return "; ".join(parts)


@agencies_group.command("discovered")
@click.option("--region", metavar="PATH", help="Only units under this region path (江苏省/南京市).")
@click.option("--accepted", "with_accepted", is_flag=True, help="Show the units already accepted too.")
@json_option("As JSON, with the evidence.")
def agencies_discovered(region: str | None, with_accepted: bool, as_json: bool) -> None:
    """Departments and townships found from the governments' portals, not yet in the registry:
    name, region, unit (department or township), the government whose portal lists them, their
    own columns and reports, and the evidence (the chain of links to their column, or the reports
    naming them in the government's columns).

    \b
    Example:
      nianbao agencies discovered --region 江苏省/南京市
      nianbao agencies discovered --json | jq '.[].name'
    """
    from nianbao.monitoring import region_matches
    from storage import Archive
    from storage.discovered_agencies import DISCOVERED, discovered_agencies

    archive = Archive.open()
    try:
        units = discovered_agencies(archive, status=None if with_accepted else DISCOVERED)
    finally:
        archive.close()
    units = [u for u in units if region is None or (u.region and region_matches(u.region, region))]
    if as_json:
        print_json([{"name": u.name, "region": u.region, "kind": u.kind, "unit": u.unit, "government": u.government,
                     "portal": u.portal, "source": u.source, "status": u.status, "columns": list(u.columns),
                     "reports": u.reports, "evidence": u.evidence, "first_seen_at": u.first_seen_at.isoformat(),
                     "last_seen_at": u.last_seen_at.isoformat(), "accepted_into": u.accepted_into} for u in units])
        return
    for u in units:
        state = "" if u.status == DISCOVERED else f"\t(accepted into {u.accepted_into})"
        click.echo(f"{u.name}\t{u.region}\t{u.unit} of {u.government}\t{u.reports} reports\t"
                   f"{' '.join(u.columns) or '(no column of its own)'}{state}")
        click.echo(f"  why: {_evidence_line(u)}")
    click.echo(f"{len(units)} discovered agencies", err=True)


def render_unit(unit, today: str) -> str:
    """One `[[agency]]` table for an accepted unit."""
    from crawler.registry_import import _toml_string

    lines = ["[[agency]]", f"name = {_toml_string(unit.name)}", f"region = {_toml_string(unit.region)}",
             f'kind = "{unit.kind or "department"}"']
    if unit.columns:
        lines.append("list_urls = [" + ", ".join(_toml_string(u) for u in unit.columns) + "]")
    where = ("its own column" if unit.columns else
             f"reports in {unit.government}'s columns ({', '.join(unit.report_columns) or 'see the archive'})")
    lines.append("notes = " + _toml_string(f"{unit.unit} of {unit.government}, discovered from {unit.portal} "
                                           f"(accepted {today}); found by {where}"))
    return "\n".join(lines) + "\n"


@agencies_group.command("accept")
@click.argument("names", nargs=-1)
@click.option("--all", "accept_all", is_flag=True, help="Accept every discovered agency (with --region: under it).")
@click.option("--region", metavar="PATH", help="Accept the discovered agencies under this region path.")
@config_option("The registry whose government files receive the entries (default config/agencies).")
def agencies_accept(names: tuple[str, ...], accept_all: bool, region: str | None, config: Path | None) -> None:
    """Take discovered departments and townships into the registry: each is appended, as an
    [[agency]] entry (name, region, kind department, its own columns as list_urls, notes with the
    evidence), to the registry file that holds its government, written atomically; the archive
    marks it accepted. From then on it is a registered agency: crawled on its columns, counted in
    the monitor's compliance.

    \b
    Example:
      nianbao agencies accept 沭阳县发展和改革局 沭阳县金安镇人民政府 --config jiangsu.toml
      nianbao agencies accept --all --region 江苏省/宿迁市 --config jiangsu.toml
    Exits 1 naming the agency or file when a name is no discovered agency, its government is not in
    the registry, or a file cannot be written (files written before stay written and marked).
    """
    from crawler.registry import RegistryError, load_text
    from nianbao.monitoring import region_matches
    from storage import Archive
    from storage.clock import system_clock
    from storage.discovered_agencies import DISCOVERED, discovered_agencies, mark_accepted

    if not names and not accept_all and region is None:
        raise click.UsageError("name the agencies to accept, or give --all or --region")
    if names and accept_all:
        raise click.UsageError("give names or --all, not both")
    registry = load_agencies(config)
    archive = Archive.open()
    try:
        units = discovered_agencies(archive, status=DISCOVERED, names=list(names) if names else None)
        if region is not None:
            units = [u for u in units if u.region and region_matches(u.region, region)]
        unknown = sorted(set(names) - {u.name for u in units})
        if unknown:
            fail(f"not a discovered agency (see `nianbao agencies discovered`): {', '.join(unknown)}")
        if not units:
            fail("no discovered agency matches" + (f" --region {region}" if region else ""))
        by_name = {a.name: a for a in registry}
        files: dict[str, list] = defaultdict(list)
        already: dict[str, list[str]] = defaultdict(list)
        for unit in units:
            government = by_name.get(unit.government)
            if unit.name in by_name:
                already[by_name[unit.name].source].append(unit.name)
            elif government is None or not government.source:
                fail(f"{unit.name}: its government {unit.government} is not in the registry "
                     f"{config or 'config/agencies'}, so there is no file to write it into")
            else:
                files[government.source].append(unit)
        today = china_today().isoformat()
        for source, names_there in already.items():
            mark_accepted(archive, names_there, source, system_clock())
            click.echo(f"{source}: already has {', '.join(names_there)}; marked accepted", err=True)
        for source, accepted in files.items():
            path = Path(source)
            text = _read(path, "the registry file")
            new = text + ("" if not text or text.endswith("\n") else "\n") + "".join(
                "\n" + render_unit(unit, today) for unit in accepted)
            try:
                load_text(new, source)  # the entries as the registry will read them
            except RegistryError as exc:
                fail(f"{source}: the accepted entries would not be valid: {exc}")
            _write(path, new)
            mark_accepted(archive, [u.name for u in accepted], source, system_clock())
            click.echo(f"{source}: {len(accepted)} agencies accepted ({', '.join(u.name for u in accepted)})", err=True)
    finally:
        archive.close()
