"""`nianbao schedule`: the crawls and monitor runs of an unattended archive, as cron lines or
systemd units. Apart from monitor.py, whose module brings the whole monitor (~0.5 s of CPU)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .options import config_option


@click.command("schedule")
@click.option("--systemd", "use_systemd", is_flag=True, help="systemd service + timer instead of cron lines.")
@click.option("--install", is_flag=True, help="Write them: into the user's crontab, or the unit folder (--unit-dir).")
@click.option("--unit-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where --systemd --install writes units (default /etc/systemd/system as root, else ~/.config/systemd/user).")
@config_option("The registry the crawls use.")
@click.option("--data", type=click.Path(file_okay=False, path_type=Path),
              help="The archive folder ($NIANBAO_DATA; default ./data of this checkout).")
@click.option("--feed", type=click.Path(dir_okay=False, path_type=Path), help="The Atom feed (default DATA/monitor.atom).")
@click.option("--log", "log", type=click.Path(dir_okay=False, path_type=Path), help="The log every run appends to (default DATA/nianbao.log).")
def schedule_command(use_systemd: bool, install: bool, unit_dir: Path | None, config: Path | None,
                     data: Path | None, feed: Path | None, log: Path | None) -> None:
    """Print (or --install) the schedule of unattended crawls and monitor runs: weekly all year,
    daily in the two weeks around the 31 January and 31 March deadlines.

    \b
    Examples:
      nianbao schedule                      # cron lines, to read or paste
      nianbao schedule --install            # into this user's crontab (replaces an earlier nianbao block)
      nianbao schedule --systemd --install  # nianbao-crawl.service + .timer, then: systemctl enable --now nianbao-crawl.timer
    """
    import os

    from storage.db import data_dir

    from ..schedule import Plan, ScheduleError, cron_lines, default_unit_dir, install_cron, install_systemd, systemd_units

    data = (data or data_dir()).resolve()
    plan = Plan(project=Path.cwd(), nianbao=Path(sys.executable).parent / "nianbao", data=data, config=config.resolve() if config else None,
                feed=(feed or data / "monitor.atom").resolve(), log=(log or data / "nianbao.log").resolve(),
                database_url_env="NIANBAO_DATABASE_URL" in os.environ)
    try:
        if use_systemd:
            if install:
                target = unit_dir or default_unit_dir()
                for path in install_systemd(plan, target):
                    click.echo(f"wrote {path}")
                user = "" if os.geteuid() == 0 else " --user"
                click.echo(f"now: systemctl{user} daemon-reload && systemctl{user} enable --now nianbao-crawl.timer")
            else:
                for name, text in systemd_units(plan).items():
                    click.echo(f"# {name}\n{text}")
        elif install:
            click.echo(f"installed into {install_cron(plan)}")
        else:
            click.echo("\n".join(cron_lines(plan)))
    except ScheduleError as exc:
        raise click.ClickException(str(exc)) from exc
