"""`nianbao monitor` reads the clock it is given (click's context object, as tests fix the day)
and says a year before the formats is not judged: no statuses, nothing recorded."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from nianbao.commands import main
from nianbao.monitoring import FIRST_JUDGED_YEAR
from storage import Archive
from storage.clock import fixed_clock
from storage.models import MonitorEvent

REGISTRY = ('[[agency]]\nname = "甲局"\nregion = "江苏省/甲市"\nkind = "department"\n'
            'list_urls = ["http://127.0.0.1:9/a/"]\n')


@pytest.fixture
def data(env_data_folder: Path, tmp_path: Path) -> Path:
    (tmp_path / "registry.toml").write_text(REGISTRY, encoding="utf-8")
    return env_data_folder


def monitor(data: Path, *args: str, on: str = "2026-06-01T04:00:00+00:00"):
    clock = fixed_clock(dt.datetime.fromisoformat(on))
    return CliRunner().invoke(main, ["monitor", "--config", str(data.parent / "registry.toml"), *args],
                              obj={"clock": clock}, catch_exceptions=False)


def events(data: Path) -> list[MonitorEvent]:
    archive = Archive.open(data)
    try:
        with archive.session() as session:
            return list(session.scalars(select(MonitorEvent)))
    finally:
        archive.close()


@pytest.mark.parametrize("on, year", [("2026-06-01T04:00:00+00:00", 2025), ("2020-12-31T15:59:00+00:00", 2019),
                                      ("2020-12-31T16:00:00+00:00", 2020)])  # China's day: 2021-01-01
def test_monitor_judges_last_year_by_the_given_clock(data: Path, on: str, year: int) -> None:
    result = monitor(data, "--json", "--no-record", on=on)
    payload = json.loads(result.stdout)
    assert payload["year"] == year
    assert payload["as_of"] == dt.datetime.fromisoformat(on).astimezone(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    assert [row["agency"] for row in payload["agencies"]] == ["甲局"]


def test_monitor_records_its_news_at_the_given_clocks_moment(data: Path) -> None:
    monitor(data, "--year", "2024", on="2026-06-01T04:00:00+00:00")
    recorded = events(data)
    assert recorded and {e.observed_at for e in recorded} == {dt.datetime(2026, 6, 1, 4, tzinfo=dt.UTC)}


@pytest.mark.parametrize("args", [("--year", str(FIRST_JUDGED_YEAR - 1)), ("--year", "1999")])
def test_monitor_year_before_the_formats_is_not_judged_and_not_recorded(data: Path, args) -> None:
    result = monitor(data, *args, "--json")
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["judged"] is False and payload["agencies"] == [] and payload["findings"] == []
    assert f"from {FIRST_JUDGED_YEAR}" in payload["reason"] and "not judged" in result.stderr
    plain = monitor(data, *args)  # a recording run (no --no-record)
    assert plain.exit_code == 0 and "not judged" in plain.stderr and plain.stdout == ""
    assert events(data) == []


def test_monitor_csv_of_a_year_not_judged_is_its_header_only(data: Path) -> None:
    lines = monitor(data, "--year", "2010", "--csv").stdout.removeprefix("\ufeff").splitlines()
    assert len(lines) == 1 and lines[0].startswith("year,agency,")


def test_monitor_without_year_in_a_season_before_the_formats_judges_nothing(data: Path) -> None:
    # On 2019-06-01 last year is 2018: before the formats.
    result = monitor(data, "--json", on="2019-06-01T04:00:00+00:00")
    assert json.loads(result.stdout)["year"] == 2018 and json.loads(result.stdout)["judged"] is False
    assert events(data) == []
