"""`nianbao agencies`: the agency registry (validate, list), and `load_agencies`, the registry as
every command that needs one reads it."""

from __future__ import annotations

from pathlib import Path

import click

from storage.vocab import AgencyKind

from ..output import print_json
from .options import config_option, json_option
from .exits import fail


def load_agencies(config: Path | None) -> list:
    """The registry's agencies (config/agencies, or `config`); a bad registry exits 1 naming
    the file, entry and key."""
    from crawler.registry import RegistryError, load_registry

    try:
        return load_registry(config)
    except RegistryError as exc:
        fail(str(exc))


@click.group("agencies")
def agencies_group() -> None:
    """The agency registry (config/agencies/*.toml, or --config FILE).

    \b
    Example:
      nianbao agencies validate
    """


@agencies_group.command("validate")
@config_option()
def agencies_validate(config: Path | None) -> None:
    """Check the registry strictly: unknown keys, missing keys, bad values, duplicates.

    \b
    Example:
      nianbao agencies validate --config config/agencies/henan.toml
    Exits 1 with the file, entry and key of the first problem.
    """
    agencies = load_agencies(config)
    click.echo(f"{len(agencies)} agencies, all valid")


@agencies_group.command("list")
@config_option()
@json_option("As JSON.")
def agencies_list(config: Path | None, as_json: bool) -> None:
    """Show the registry: name, region, kind, deadline rule and report columns.

    \b
    Example:
      nianbao agencies list --json | jq '.[].name'
    """
    agencies = load_agencies(config)
    if as_json:
        print_json([{"name": a.name, "region": a.region_path, "kind": a.kind, "list_urls": list(a.list_urls),
                     "platform": a.platform, "source": a.source} for a in agencies])
        return
    for a in agencies:
        due = "31 Jan" if a.kind == AgencyKind.DEPARTMENT else "31 Mar"
        click.echo(f"{a.name}\t{a.region_path}\t{a.kind} (due {due})\t{' '.join(a.list_urls)}")
