"""`nianbao monitor` as cron runs it: JSON/CSV, what is new since the last recorded run (exit
status), the Atom feed; `nianbao schedule`; the crawl lock against overlapping runs."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from croniter import croniter
from filelock import FileLock
from lxml import etree

from nianbao.commands import main
from nianbao.commands.exits import EXIT_NEW_FINDINGS, EXIT_NEW_LATE_OR_MISSING, EXIT_NEW_UNREACHABLE
from nianbao.devportal.monitor_pages import SAMPLE_NARRATIVE as NARRATIVE
from nianbao.monitoring import MonitorStatus
from storage import Archive

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def cron_archive(tmp_path: Path, make_scenario):
    data = tmp_path / "data"
    archive = Archive.open(data)
    scenario = make_scenario(archive)
    punctual = scenario.agency("准时局", region="江苏省/甲市")
    tardy = scenario.agency("迟到局", region="江苏省/甲市")
    silent = scenario.agency("沉默局", "government", region="江苏省/乙市")
    down = scenario.agency("宕机局", region="浙江省/丙市")
    scenario.publish(punctual, 2024, "2025-01-20 09:00", narrative=NARRATIVE)
    scenario.publish(tardy, 2024, "2025-02-03 09:00")
    scenario.crawl(silent, "2025-04-02 03:00")
    scenario.crawl(down, "2025-02-02 03:00", "unreachable", errors=["Connection refused"])
    registry = tmp_path / "registry.toml"
    registry.write_text(scenario.registry_toml(), encoding="utf-8")
    yield {"scenario": scenario, "data": data, "registry": registry, "tmp": tmp_path}
    archive.close()


def run(env_data: Path, *args: str):
    return CliRunner().invoke(main, ["monitor", *args], env={"NIANBAO_DATA": str(env_data)}, catch_exceptions=False)


def test_monitor_json_has_the_issue_shape(cron_archive) -> None:
    result = run(cron_archive["data"], "--year", "2024", "--config", str(cron_archive["registry"]), "--json",
                 "--no-record")
    data = json.loads(result.stdout)
    assert data["year"] == 2024
    statuses = {row["agency"]: row["status"] for row in data["agencies"]}
    assert statuses == {"准时局": "on_time", "迟到局": "late", "沉默局": "missing", "宕机局": "unreachable"}
    late = next(r for r in data["agencies"] if r["agency"] == "迟到局")
    assert late["days_late"] == 3 and late["deadline"] == "2025-01-31"
    assert {"agency", "region", "kind", "status", "deadline", "published_on", "days_late", "url",
            "evidence"} == set(late)
    total = next(r for r in data["summary"] if r["region"] == "(all)" and r["kind"] == "department")
    assert (total["due"], total["on_time"], total["late"], total["unreachable"]) == (2, 1, 1, 1)


def test_monitor_filters_by_region_prefix_and_kind(cron_archive) -> None:
    result = run(cron_archive["data"], "--year", "2024", "--config", str(cron_archive["registry"]), "--json",
                 "--no-record", "--region", "江苏省")
    assert {r["agency"] for r in json.loads(result.stdout)["agencies"]} == {"准时局", "迟到局", "沉默局"}
    result = run(cron_archive["data"], "--year", "2024", "--config", str(cron_archive["registry"]), "--json",
                 "--no-record", "--region", "江苏省/甲", "--kind", "department")
    assert result.exit_code == 1 and "no registry agency" in result.output  # 甲 is not 甲市: whole components
    result = run(cron_archive["data"], "--year", "2024", "--config", str(cron_archive["registry"]), "--json",
                 "--no-record", "--kind", "government")
    assert [r["agency"] for r in json.loads(result.stdout)["agencies"]] == ["沉默局"]


def test_monitor_csv_has_a_row_per_agency(cron_archive) -> None:
    result = run(cron_archive["data"], "--year", "2024", "--config", str(cron_archive["registry"]), "--csv",
                 "--no-record")
    assert result.stdout.startswith("\ufeffyear,agency,")  # the BOM: Excel then reads UTF-8
    rows = list(csv.DictReader(io.StringIO(result.stdout.removeprefix("\ufeff"))))
    assert [r["agency"] for r in rows] == ["准时局", "迟到局", "沉默局", "宕机局"]
    assert rows[1]["days_late"] == "3" and json.loads(rows[2]["evidence"])["list_pages"]


def test_exit_status_says_what_is_new_and_recording_makes_it_old(cron_archive) -> None:
    data, registry = cron_archive["data"], str(cron_archive["registry"])
    first = run(data, "--year", "2024", "--config", registry)
    assert first.exit_code == EXIT_NEW_LATE_OR_MISSING | EXIT_NEW_UNREACHABLE, first.output
    again = run(data, "--year", "2024", "--config", registry)
    assert again.exit_code == 0, again.output
    # An edit after publication: a new finding, and only that.
    scenario = cron_archive["scenario"]
    scenario.publish(scenario.agencies["准时局"], 2024, "2025-06-01 09:00", seed=99, published="2025-01-20",
                     narrative=NARRATIVE)
    dry = run(data, "--year", "2024", "--config", registry, "--no-record")
    assert dry.exit_code == EXIT_NEW_FINDINGS
    assert run(data, "--year", "2024", "--config", registry, "--as-of", "2026-01-01").exit_code == EXIT_NEW_FINDINGS
    assert run(data, "--year", "2024", "--config", registry).exit_code == EXIT_NEW_FINDINGS
    assert run(data, "--year", "2024", "--config", registry).exit_code == 0
    # The site that was down is reached and lists nothing: newly missing.
    scenario.crawl(scenario.agencies["宕机局"], "2025-06-02 03:00")
    assert run(data, "--year", "2024", "--config", registry).exit_code == EXIT_NEW_LATE_OR_MISSING


def test_atom_feed_lists_events_with_stable_ids(cron_archive) -> None:
    data, registry = cron_archive["data"], str(cron_archive["registry"])
    feed = cron_archive["tmp"] / "feeds" / "monitor.atom"
    run(data, "--year", "2024", "--config", registry, "--atom", str(feed))
    tree = etree.parse(str(feed))
    entries = tree.findall(f"{ATOM}entry")
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert len(entries) == 4  # one status event per agency on the first run
    assert any(t.startswith("迟到局 2024: late (3 days)") for t in titles)
    assert any("沉默局 2024: missing" == t for t in titles)
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == 4
    scenario = cron_archive["scenario"]
    scenario.publish(scenario.agencies["准时局"], 2024, "2025-06-01 09:00", seed=99, published="2025-01-20",
                     narrative=NARRATIVE)
    run(data, "--year", "2024", "--config", registry, "--atom", str(feed))
    entries = etree.parse(str(feed)).findall(f"{ATOM}entry")
    assert len(entries) == 5
    assert entries[0].findtext(f"{ATOM}title") == "准时局 2024: changed"  # newest first
    assert [e.findtext(f"{ATOM}id") for e in entries[1:]] == ids  # old entries keep their ids
    assert not list(feed.parent.glob(".*.tmp-*"))


def test_schedule_cron_is_weekly_and_daily_around_both_deadlines(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["schedule", "--data", str(tmp_path / "data")])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line and not line.startswith("#")]
    runs: list[datetime] = []
    for line in lines:
        expression = " ".join(line.split()[:5])
        assert "nianbao crawl" in line and "nianbao monitor" in line and str(tmp_path / "data") in line
        it = croniter(expression, datetime(2025, 1, 1))
        while (moment := it.get_next(datetime)) < datetime(2026, 1, 1):
            runs.append(moment)
    days = {m.date() for m in runs}
    for month, first, last in ((1, 24, 31), (2, 1, 7), (3, 24, 31), (4, 1, 7)):
        assert all(datetime(2025, month, d).date() in days for d in range(first, last + 1))
    june = [d for d in days if d.month == 6]
    assert len(june) == 5 and all(d.weekday() == 0 for d in june)  # Mondays only, away from deadlines
    assert len(runs) == len(set(runs))  # never two runs at the same minute


def test_schedule_install_replaces_its_block_in_the_crontab(tmp_path: Path) -> None:
    table = tmp_path / "crontab.txt"
    table.write_text("MAILTO=me@example.org\n0 5 * * * backup\n", encoding="utf-8")
    fake = tmp_path / "bin" / "crontab"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\nif [ "$1" = "-l" ]; then cat {table}; else cat > {table}; fi\n', encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = {"PATH": f"{fake.parent}:{os.environ['PATH']}"}
    for _ in range(2):
        result = CliRunner().invoke(main, ["schedule", "--install", "--data", str(tmp_path / "d")], env=env)
        assert result.exit_code == 0, result.output
    text = table.read_text(encoding="utf-8")
    assert text.startswith("MAILTO=me@example.org\n0 5 * * * backup\n")
    assert text.count("# BEGIN nianbao") == 1 and text.count("# END nianbao") == 1


def test_schedule_systemd_install_writes_service_and_timer(tmp_path: Path) -> None:
    units = tmp_path / "units"
    result = CliRunner().invoke(main, ["schedule", "--systemd", "--install", "--unit-dir", str(units),
                                       "--data", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    timer = (units / "nianbao-crawl.timer").read_text(encoding="utf-8")
    service = (units / "nianbao-crawl.service").read_text(encoding="utf-8")
    assert "OnCalendar=Mon *-*-* 02:30:00" in timer and "OnCalendar=*-01-24..31 14:30:00" in timer
    assert "OnCalendar=*-04-01..07 14:30:00" in timer and "Persistent=true" in timer
    assert "ExecStart=-" in service and " crawl" in service and " monitor --atom " in service
    assert "SuccessExitStatus=4 8 12 16 20 24 28" in service
    assert "enable --now nianbao-crawl.timer" in result.output


def test_a_second_crawl_of_the_same_archive_exits_75(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    registry = tmp_path / "registry.toml"
    registry.write_text('[[agency]]\nname = "锁局"\nregion = "江苏省"\nkind = "department"\n'
                        'list_urls = ["http://127.0.0.1:9/"]\n', encoding="utf-8")
    env = {**{k: v for k, v in os.environ.items() if k != "NIANBAO_DATABASE_URL"}, "NIANBAO_DATA": str(data)}
    with FileLock(data / "crawl.lock"):
        done = subprocess.run([str(Path(sys.executable).with_name("nianbao")), "crawl", "--config", str(registry)],
                              env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 75
    assert "another crawl holds" in done.stderr and "crawl.lock" in done.stderr


def test_the_compliance_table_has_a_column_for_every_status(cron_archive) -> None:
    result = run(cron_archive["data"], "--year", "2024", "--config", str(cron_archive["registry"]), "--as-of",
                 "2025-06-01")
    compliance = result.output.split("Compliance", 1)[1]
    header = next(line for line in compliance.splitlines() if "region" in line)
    cells = [cell.strip() for cell in header.strip("┃ ").split("┃")]
    assert cells == ["region", "kind", "due", *(s.value.replace("_", " ") for s in MonitorStatus), "on-time rate"]


def test_a_large_registry_lists_only_what_is_new_in_text(cron_archive, monkeypatch) -> None:
    # Beyond TEXT_ROWS agencies (a national registry: ~100,000) the text lists only the agencies whose
    # status is new in this run, and counts the rest; --all lists every agency.
    from nianbao.commands import monitor as monitor_module

    monkeypatch.setattr(monitor_module, "TEXT_ROWS", 2)
    data, registry = cron_archive["data"], str(cron_archive["registry"])
    first = run(data, "--year", "2024", "--config", registry)  # every status new: the first recorded run
    text = first.stdout
    assert "the 4 of 4 agencies whose status is new" in text
    assert sum(name in text for name in ("准时局", "迟到局", "沉默局", "宕机局")) == 2  # the first 2 listed
    assert "4 agencies: on time 1, late 1, missing 1, unreachable 1; 2 more new not listed." in text
    assert "Every agency: --all, --csv or --json." in text and "Compliance" in text
    again = run(data, "--year", "2024", "--config", registry)  # nothing new
    assert again.exit_code == 0 and "the 0 of 4 agencies whose status is new" in again.stdout
    assert not any(name in again.stdout.split("Compliance")[0].split("\n", 1)[1].split("4 agencies:")[0]
                   for name in ("准时局", "迟到局", "沉默局", "宕机局"))
    every = run(data, "--year", "2024", "--config", registry, "--all", "--no-record")
    assert all(name in every.stdout for name in ("准时局", "迟到局", "沉默局", "宕机局"))
    assert "whose status is new" not in every.stdout and "Every agency:" not in every.stdout
    monkeypatch.setattr(monitor_module, "TEXT_ROWS", 200)  # within the bound: every row, as before
    small = run(data, "--year", "2024", "--config", registry, "--no-record")
    assert all(name in small.stdout for name in ("准时局", "迟到局", "沉默局", "宕机局"))
    assert "whose status is new" not in small.stdout


def test_the_real_command_line_exits_fast_with_its_whole_output_and_status(cron_archive) -> None:
    # `nianbao monitor` in its own process leaves without freeing its objects one by one
    # (nianbao.commands.exit_fast_after_this_command): its output must still be whole, the
    # Atom feed written and the exit status the one CliRunner sees.
    env = {**os.environ, "NIANBAO_DATA": str(cron_archive["data"])}
    env.pop("NIANBAO_DATABASE_URL", None)
    atom = cron_archive["tmp"] / "feed.atom"
    nianbao = str(Path(sys.executable).with_name("nianbao"))
    args = ["monitor", "--year", "2024", "--config", str(cron_archive["registry"])]
    dry = subprocess.run([nianbao, *args, "--json", "--no-record"], capture_output=True, text=True, env=env, timeout=120)
    assert dry.returncode == EXIT_NEW_LATE_OR_MISSING | EXIT_NEW_UNREACHABLE, dry.stderr
    assert len(json.loads(dry.stdout)["agencies"]) == 4  # the whole JSON, parsed
    text = subprocess.run([nianbao, *args, "--atom", str(atom)], capture_output=True, text=True, env=env, timeout=120)
    assert text.returncode == EXIT_NEW_LATE_OR_MISSING | EXIT_NEW_UNREACHABLE, text.stderr
    assert text.stdout.rstrip().endswith("┘") and "Compliance" in text.stdout  # the last table, whole
    assert etree.parse(str(atom)).getroot().tag == f"{ATOM}feed"
    again = subprocess.run([nianbao, *args], capture_output=True, text=True, env=env, timeout=120)
    assert again.returncode == 0, again.stderr  # the first run was recorded before it left
