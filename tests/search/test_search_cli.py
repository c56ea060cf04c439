"""`nianbao search` and `nianbao stats`: options, table/JSON/CSV output, clear errors (SQLite;
the queries themselves are tested on both backends)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from nianbao.commands import main
from storage import Archive


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ingest, seed_body, set_agency, corpus_entries) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("NIANBAO_DATA", str(folder))
    monkeypatch.delenv("NIANBAO_DATABASE_URL", raising=False)
    archive = Archive.open(folder)
    for key, (seed, extra, agency, region, kind) in corpus_entries.items():
        ingest(archive, f"https://www.example.gov.cn/{key}.html", seed_body(seed, extra), agency=agency)
        set_agency(archive, agency, region, kind)
    archive.close()
    return folder


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_search_cli_prints_total_page_and_highlighted_table(data: Path) -> None:
    result = run("search", "蜂鸟")
    assert result.exit_code == 0, result.output
    assert "2 matching reports; page 1 (1-2)" in result.output
    assert "甲局" in result.output and "乙局" in result.output and "丙政府" not in result.output


def test_search_cli_json_has_every_hit_field_and_the_total(data: Path) -> None:
    result = run("search", "公开", "--per-page", "2", "--page", "2", "--json", "--facets")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["total"] == 5 and payload["page"] == 2 and len(payload["hits"]) == 2
    hit = payload["hits"][0]
    for name in ("report_id", "version_id", "capture_id", "agency", "region", "kind", "year", "title", "url",
                 "captured_at", "published_on", "format", "checks_failed", "is_current", "snippet", "score"):
        assert name in hit
    assert sum(payload["facets"]["kind"].values()) == 5


def test_search_cli_filters_and_csv(data: Path) -> None:
    result = run("search", "行政", "--region", "江苏省", "--kind", "department", "--csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert {row["agency"] for row in rows} == {"甲局", "乙局"}
    assert all("行政" in row["matched"] for row in rows)
    result = run("search", "--year", "2019..2021", "--json")
    years = {hit["year"] for hit in json.loads(result.output)["hits"]}
    assert years and years <= {2019, 2020, 2021}


@pytest.mark.parametrize("args, says", [
    (["search", '"行政复议'], "unbalanced quote"),
    (["search", "行政 AND"], "after AND"),
    (["search", "x", "--year", "2023..2021"], "first year is after the last"),
    (["search", "x", "--year", "twenty"], "is not a year"),
    (["search", "x", "--json", "--csv"], "one of --json and --csv"),
    (["stats", "applications.denied_secret.total"], "applications.denied_state_secret.total"),
])
def test_search_cli_errors_are_clear_usage_errors(data: Path, args: list[str], says: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert says in result.output


def test_stats_cli_table_json_csv(data: Path) -> None:
    result = run("stats", "applications.granted.total", "--by", "year")
    assert result.exit_code == 0, result.output
    assert "5 current reports" in result.output and "2021" in result.output
    payload = json.loads(run("stats", "applications.granted.total", "--by", "agency", "--top", "2", "--json").output)
    assert len(payload["rows"]) == 2 and payload["reports"] == 5
    assert payload["rows"][0]["sum"] >= payload["rows"][1]["sum"]
    rows = list(csv.DictReader(io.StringIO(run("stats", "active.fees.amount", "--region", "江苏省", "--csv").output)))
    assert len(rows) == 1 and int(rows[0]["count"]) + int(rows[0]["nulls"]) + int(rows[0]["absent"]) == 3


def test_search_cli_strips_control_characters_from_crawled_text_and_csv_neutralises_formulas(
    data: Path, ingest, seed_body
) -> None:
    archive = Archive.open(data)
    ingest(archive, "https://www.example.gov.cn/x.html", seed_body(0, "警报\x1b]0;pwned\x07鸮鹦计划\x1b[2J启动。"),
           agency="=坏局\x1b]2;t\x07")
    archive.close()
    shown = run("search", "鸮鹦").output
    assert "1 matching reports" in shown and "=坏局]2;t" in shown and "鸮鹦" in shown
    assert "\x1b]" not in shown and "\x07" not in shown and "\x1b[2J" not in shown
    [row] = list(csv.DictReader(io.StringIO(run("search", "鸮鹦", "--csv").output)))
    assert row["agency"] == "'=坏局\x1b]2;t\x07" and row["matched"] == "鸮鹦"
    [hit] = json.loads(run("search", "鸮鹦", "--json").output)["hits"]
    assert "\x1b]0;pwned\x07鸮鹦" in hit["snippet_text"]  # JSON escapes them itself
