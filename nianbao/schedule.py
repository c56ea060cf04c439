"""Scheduled crawls: the cron lines or systemd units for the regular crawl and monitor run.

Weekly all year; daily in the two weeks around each deadline (31 January for departments,
31 March for governments), when reports appear and late ones are news. Each run is
`nianbao crawl` then `nianbao monitor --atom`; the crawl holds a lock in the data folder, so a
run that starts while the previous one is still going exits at once (status 75) instead of
crawling the same portals twice.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

WEEKLY = ("30", "2", "*", "*", "1")  # Mondays 02:30
DENSE_TIME = ("30", "14")  # 14:30 daily in the windows (never the same minute as the weekly run)
# The fortnight around each deadline: (month, first day, last day).
WINDOWS = ((1, 24, 31), (2, 1, 7), (3, 24, 31), (4, 1, 7))
BEGIN, END = "# BEGIN nianbao (written by `nianbao schedule --install`)", "# END nianbao"


class ScheduleError(Exception):
    """The schedule could not be installed; the message says where and why."""


@dataclass(frozen=True)
class Plan:
    project: Path  # the working directory of each run
    nianbao: Path  # the nianbao executable (the one of the venv that wrote the schedule)
    data: Path  # $NIANBAO_DATA
    config: Path | None  # registry; default config/agencies
    feed: Path  # the Atom feed the monitor writes
    log: Path  # appended by every run
    database_url_env: bool = False  # pass $NIANBAO_DATABASE_URL through (never written into files)

    def crawl_args(self) -> list[str]:
        return [str(self.nianbao), "crawl", *(["--config", str(self.config)] if self.config else [])]

    def monitor_args(self) -> list[str]:
        return [str(self.nianbao), "monitor", *(["--config", str(self.config)] if self.config else []),
                "--atom", str(self.feed)]


def cron_lines(plan: Plan) -> list[str]:
    env = f"NIANBAO_DATA={shlex.quote(str(plan.data))}"
    log = shlex.quote(str(plan.log))
    # The monitor runs whatever the crawl's exit status: an unreachable agency is what it reports.
    job = (f"cd {shlex.quote(str(plan.project))} && {env} {shlex.join(plan.crawl_args())} >> {log} 2>&1; "
           f"{env} {shlex.join(plan.monitor_args())} >> {log} 2>&1")
    lines = [BEGIN,
             "# minute hour day month weekday; times are this machine's local time",
             f"{' '.join(WEEKLY)} {job}"]
    for month, first, last in WINDOWS:
        lines.append(f"{DENSE_TIME[0]} {DENSE_TIME[1]} {first}-{last} {month} * {job}")
    lines.append(END)
    return lines


def systemd_units(plan: Plan) -> dict[str, str]:
    environment = f'Environment="NIANBAO_DATA={plan.data}"'
    service = "\n".join([
        "[Unit]",
        "Description=nianbao: crawl the registry's report columns, then monitor who published",
        "After=network-online.target",
        "Wants=network-online.target",
        "",
        "[Service]",
        "Type=oneshot",
        f"WorkingDirectory={plan.project}",
        environment,
        *(["PassEnvironment=NIANBAO_DATABASE_URL"] if plan.database_url_env else []),
        # "-": the monitor runs even when some agency could not be crawled (crawl exit 3).
        f"ExecStart=-{shlex.join(plan.crawl_args())}",
        f"ExecStart={shlex.join(plan.monitor_args())}",
        # monitor's own statuses 4/8/16 (what is new) are news, not a failed unit.
        "SuccessExitStatus=4 8 12 16 20 24 28",
        f"StandardOutput=append:{plan.log}",
        f"StandardError=append:{plan.log}",
        "",
    ])
    calendars = [f"OnCalendar=Mon *-*-* {WEEKLY[1].zfill(2)}:{WEEKLY[0]}:00"]
    for month, first, last in WINDOWS:
        calendars.append(f"OnCalendar=*-{month:02d}-{first:02d}..{last:02d} {DENSE_TIME[1]}:{DENSE_TIME[0]}:00")
    timer = "\n".join([
        "[Unit]",
        "Description=nianbao: weekly crawl and monitor, daily around the 31 January and 31 March deadlines",
        "",
        "[Timer]",
        *calendars,
        "Persistent=true",  # a run missed while the machine was off happens at the next boot
        "",
        "[Install]",
        "WantedBy=timers.target",
        "",
    ])
    return {"nianbao-crawl.service": service, "nianbao-crawl.timer": timer}


def install_cron(plan: Plan) -> str:
    """Put the block into the user's crontab, replacing an earlier nianbao block."""
    try:
        current = subprocess.run(["crontab", "-l"], capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise ScheduleError("`crontab` is not installed (Debian: apt-get install cron); "
                            "use --systemd, or print the lines and add them yourself") from exc
    kept, inside = [], False
    for line in (current.stdout if current.returncode == 0 else "").splitlines():
        if line.startswith("# BEGIN nianbao"):
            inside = True
        elif inside and line == END:
            inside = False
        elif not inside:
            kept.append(line)
    table = "\n".join([*kept, *cron_lines(plan)]) + "\n"
    done = subprocess.run(["crontab", "-"], input=table, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ScheduleError(f"crontab refused the new table: {done.stderr.strip() or done.returncode}")
    return "the user's crontab"


def default_unit_dir() -> Path:
    if os.geteuid() == 0:
        return Path("/etc/systemd/system")
    return Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "systemd" / "user"


def install_systemd(plan: Plan, unit_dir: Path) -> list[Path]:
    unit_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in systemd_units(plan).items():
        path = unit_dir / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
