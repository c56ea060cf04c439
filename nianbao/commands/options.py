"""The options several commands share, each declared once (and the clock a command reads): the registry (--config), the
output format (--json, --csv, never both), the report filters (--year, --region, --kind,
--agency, --format, --check), and the web UI's address for permalinks (--base-url). A command passes its own help text where the option means something narrower there.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from storage.clock import Clock, system_clock
from storage.vocab import AgencyKind

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

_YEARS = re.compile(r"^\s*(\d{4})\s*(?:\.\.\s*(\d{4})\s*)?$")


def command_clock() -> Clock:
    """The clock a command reads for "now" (storage.clock): the one its caller put in click's
    context object, `main(obj={"clock": fixed_clock(...)})` (how tests fix the day), else the
    system's."""
    context = click.get_current_context(silent=True)
    obj = context.find_root().obj if context is not None else None
    clock = obj.get("clock") if isinstance(obj, dict) else None
    return clock or system_clock


def config_option(help: str = "The agency registry: a TOML file or a folder of them (default: config/agencies).") -> Decorator:
    return click.option("--config", "config", type=click.Path(exists=True, path_type=Path), help=help)


def json_option(help: str = "Print JSON.") -> Decorator:
    return click.option("--json", "as_json", is_flag=True, help=help)


def json_or_csv(json_help: str = "Print JSON.", csv_help: str = "Print CSV.") -> Decorator:
    """--json and --csv (parameters as_json, as_csv); giving both is a usage error."""
    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(command)
        def checked(*args: Any, as_json: bool, as_csv: bool, **kwargs: Any) -> Any:
            if as_json and as_csv:
                raise click.UsageError("choose one of --json and --csv")
            return command(*args, as_json=as_json, as_csv=as_csv, **kwargs)

        checked = click.option("--csv", "as_csv", is_flag=True, help=csv_help)(checked)
        return json_option(json_help)(checked)
    return decorate


def parse_years(value: str | None) -> tuple[int | None, int | None]:
    """`2023` -> (2023, 2023); `2021..2023` -> (2021, 2023); None -> (None, None)."""
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


def year_range_option() -> Decorator:
    """--year Y or Y1..Y2, handed to the command as `years`: (first, last), (None, None) if not given."""
    return click.option("--year", "years", metavar="Y|Y1..Y2", callback=lambda _ctx, _param, value: parse_years(value),
                        help="Report year, or an inclusive range.")


def year_option(help: str) -> Decorator:
    """--year YEAR: one report year."""
    return click.option("--year", "year", type=int, help=help)


def region_option(help: str = "Region path or a prefix of it: 江苏省, 江苏省/淮安市.") -> Decorator:
    return click.option("--region", "region", help=help)


def kind_option(help: str = "Kind of agency.") -> Decorator:
    return click.option("--kind", "kind", type=click.Choice([kind.value for kind in AgencyKind]), help=help)


def agency_option(help: str = "Exact agency name.", *, multiple: bool = False) -> Decorator:
    """--agency NAME; with `multiple`, repeatable, handed to the command as a tuple of names."""
    return click.option("--agency", "agency", help=help, multiple=multiple)


def format_option(help: str = "The report's form.") -> Decorator:
    """--format 2019|2021, handed to the command as `report_format`."""
    from parsing.schema import FORMATS

    return click.option("--format", "report_format", type=click.Choice(sorted(FORMATS)), help=help)


def check_option(help: str = "Only versions with a failed check, or none.") -> Decorator:
    """--check failed|ok, handed to the command as `check_failed`: True for failed, False for ok, None."""
    return click.option("--check", "check_failed", type=click.Choice(["failed", "ok"]), help=help,
                        callback=lambda _ctx, _param, value: None if value is None else value == "failed")


def base_url_option() -> Decorator:
    """--base-url: the web UI's root, for the permalink column of CSV/JSON rows (nianbao.permalinks)."""
    from ..permalinks import BASE_URL_ENV, DEFAULT_BASE_URL

    return click.option("--base-url", "base_url", metavar="URL",
                        help=f"Where the web UI is served, for permalinks (default: ${BASE_URL_ENV}, else {DEFAULT_BASE_URL}).")
