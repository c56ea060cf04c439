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


def csv_rows(output: str) -> list[dict[str, str]]:
    """CSV output's rows; it starts with the BOM (so Excel reads UTF-8)."""
    assert output.startswith("\ufeff"), output[:40]
    return list(csv.DictReader(io.StringIO(output.removeprefix("\ufeff"))))


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
    rows = csv_rows(result.output)
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
    rows = csv_rows(run("stats", "active.fees.amount", "--region", "江苏省", "--csv").output)
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
    [row] = csv_rows(run("search", "鸮鹦", "--csv").output)
    assert row["agency"] == "'=坏局\x1b]2;t\x07" and row["matched"] == "鸮鹦"
    [hit] = json.loads(run("search", "鸮鹦", "--json").output)["hits"]
    assert "\x1b]0;pwned\x07鸮鹦" in hit["snippet_text"]  # JSON escapes them itself


def test_fields_cli_lists_every_field_with_its_label_and_filters() -> None:
    from parsing.fields import FIELDS

    listed = json.loads(run("fields", "--json").output)
    assert [each["field"] for each in listed] == [each.path for each in FIELDS]
    [one] = json.loads(run("fields", "予以公开 自然人", "--json").output)
    assert (one["field"], one["label"], one["table_label"]) == (
        "applications.granted.natural_person", "（一）予以公开 · 自然人", "三、收到和处理政府信息公开申请情况")
    shown = run("fields", "review_litigation.review").output
    assert "行政复议 · 结果纠正" in shown and "5 fields" in shown
    rows = csv_rows(run("fields", "许可", "--csv").output)
    assert {row["field"] for row in rows} >= {"active.licensing.decisions"}
    assert run("fields", "蜂鸟").exit_code == 1


def test_stats_cli_takes_a_label_and_shows_it(data: Path) -> None:
    by_path = json.loads(run("stats", "applications.granted.total", "--by", "year", "--json").output)
    by_label = json.loads(run("stats", "予以公开 总计", "--by", "year", "--json").output)
    assert by_label["field"] == "applications.granted.total" and by_label["label"] == "（一）予以公开 · 总计"
    assert by_label["rows"] == by_path["rows"]
    shown = run("stats", "（一）予以公开 · 总计").output
    assert shown.startswith("（一）予以公开 · 总计 (applications.granted.total): 5 current reports")


def test_stats_cli_ambiguous_label_is_a_usage_error_listing_candidates(data: Path) -> None:
    result = run("stats", "予以公开")
    assert result.exit_code == 2
    assert "names 7 fields" in result.output and "applications.granted.natural_person" in result.output


def test_stats_cli_repeated_agency_combines(data: Path) -> None:
    def total(*agencies: str) -> int:
        args = [arg for name in agencies for arg in ("--agency", name)]
        payload = json.loads(run("stats", "applications.granted.total", *args, "--json").output)
        return payload["reports"]

    assert total("甲局") == 1 and total("乙局") == 1
    assert total("甲局", "乙局") == 2
    by_agency = json.loads(run("stats", "applications.granted.total", "--agency", "甲局", "--agency", "丙政府",
                               "--by", "agency", "--json").output)
    assert {row["group"] for row in by_agency["rows"]} == {"甲局", "丙政府"}


def test_stats_cli_format_and_check_filters(data: Path) -> None:
    def reports(*args: str) -> int:
        return json.loads(run("stats", "applications.granted.total", *args, "--json").output)["reports"]

    assert reports("--format", "2019") + reports("--format", "2021") == reports() == 5
    assert reports("--format", "2019") >= 1
    assert reports("--check", "failed") + reports("--check", "ok") == 5
    assert run("stats", "applications.granted.total", "--format", "2020").exit_code == 2


def test_stats_cli_csv_of_agencies_has_region_kind_and_permalink(data: Path) -> None:
    rows = csv_rows(run("stats", "applications.granted.total", "--by", "agency", "--csv",
                        "--base-url", "https://nianbao.example.org/").output)
    assert list(rows[0])[:4] == ["agency", "region", "kind", "permalink"]
    jia = next(row for row in rows if row["agency"] == "甲局")
    assert (jia["region"], jia["kind"]) == ("江苏省/淮安市/清江浦区", "department")
    assert jia["permalink"] == "https://nianbao.example.org/agencies/%E7%94%B2%E5%B1%80"
    by_year = csv_rows(run("stats", "applications.granted.total", "--by", "year", "--csv").output)
    assert "permalink" not in by_year[0] and "region" not in by_year[0]


def test_search_cli_csv_has_permalinks_on_the_base_url(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NIANBAO_BASE_URL", "https://env.example.org")
    rows = csv_rows(run("search", "蜂鸟", "--csv").output)
    assert rows and all(row["permalink"].startswith("https://env.example.org/reports/") for row in rows)
    assert all(f"/reports/{row['report_id']}?version={row['version_id']}" in row["permalink"] for row in rows)
    assert {row["region"] for row in rows} == {"江苏省/淮安市/清江浦区", "江苏省/淮安市"}
    given = csv_rows(run("search", "蜂鸟", "--csv", "--base-url", "http://h:1").output)
    assert all(row["permalink"].startswith("http://h:1/reports/") for row in given)
