"""Exports for spreadsheets: the CSV writer's BOM and formula guard, `nianbao export --csv` with
region, kind, a permalink and (--labels) the form's labels, and the permalinks equal to the web
UI's own addresses."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from nianbao.commands import main
from nianbao.permalinks import agency_url, report_url
from storage import Archive
from storage.archive import CaptureIn
from storage.csv_out import write_csv
from storage.models import Agency


def test_csv_writer_starts_with_the_bom_and_neutralises_formulas() -> None:
    out = io.StringIO()
    write_csv(out, ("a", "b"), [{"a": "=1+2", "b": -3}, {"a": "@x", "b": None}])
    text = out.getvalue()
    assert text.startswith("\ufeffa,b\r\n")
    assert text.encode("utf-8").startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))[1:] == [["'=1+2", "-3"], ["'@x", ""]]
    plain = io.StringIO()
    write_csv(plain, ("a",), [], bom=False)
    assert plain.getvalue() == "a\r\n"


@pytest.mark.parametrize("name", ["甲局", "江苏省/淮安市 局?#&+%"])
def test_permalinks_are_the_web_uis_own_urls(name: str) -> None:
    from unittest.mock import MagicMock

    from flask import url_for

    from nianbao.web.app import create_app

    app = create_app(MagicMock())
    with app.test_request_context(base_url="https://nianbao.example.org"):
        assert agency_url("https://nianbao.example.org/", name) == url_for("agency_page", name=name, _external=True)
        assert report_url("https://nianbao.example.org", 7, 9) == url_for("report_page", report_id=7, version=9,
                                                                         _external=True)
        assert report_url("https://nianbao.example.org", 7) == url_for("report_page", report_id=7, _external=True)


@pytest.fixture
def exported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, paths) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("NIANBAO_DATA", str(folder))
    monkeypatch.delenv("NIANBAO_DATABASE_URL", raising=False)
    monkeypatch.delenv("NIANBAO_BASE_URL", raising=False)
    archive = Archive.open(folder)
    body = paths.seed(0).read_text(encoding="utf-8").encode("utf-8")
    archive.ingest(CaptureIn("https://www.example.gov.cn/a.html", body, dt.datetime(2022, 1, 20, 2, tzinfo=dt.UTC),
                             content_type="text/plain", agency="甲局"))
    with archive.session() as session, session.begin():
        agency = session.query(Agency).filter_by(name="甲局").one()
        agency.region, agency.kind = "江苏省/淮安市", "department"
    archive.close()
    return folder


def read(path: Path) -> list[dict[str, str]]:
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(path.open(encoding="utf-8-sig", newline="")))


def test_export_csv_has_region_kind_and_permalink(exported: Path, tmp_path: Path) -> None:
    table = tmp_path / "reports.csv"
    result = CliRunner().invoke(main, ["export", "--csv", str(table), "--base-url", "https://n.example.org"])
    assert result.exit_code == 0, result.output
    [row] = read(table)
    assert list(row)[:3] == ["agency", "region", "kind"]
    assert (row["agency"], row["region"], row["kind"]) == ("甲局", "江苏省/淮安市", "department")
    assert row["permalink"].startswith("https://n.example.org/reports/") and "?version=" in row["permalink"]
    assert "record.applications.granted.total" in row


def test_export_csv_labels_head_the_number_columns(exported: Path, tmp_path: Path) -> None:
    plain, labelled = tmp_path / "plain.csv", tmp_path / "labelled.csv"
    CliRunner().invoke(main, ["export", "--csv", str(plain)])
    result = CliRunner().invoke(main, ["export", "--csv", str(labelled), "--labels"])
    assert result.exit_code == 0, result.output
    [by_path], [by_label] = read(plain), read(labelled)
    assert by_label["（一）予以公开 · 总计"] == by_path["record.applications.granted.total"] != ""
    assert "record.applications.granted.total" not in by_label
    assert by_label["agency"] == "甲局" and "record.title" in by_label  # not a number field: kept
    assert len(by_label) == len(by_path)  # every label is a column of its own
