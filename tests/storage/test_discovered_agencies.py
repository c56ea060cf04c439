"""Discovered agencies in the archive (storage.discovered_agencies), on SQLite and PostgreSQL:
recorded with their agency row, evidence and own columns; seen again merged; reports naming
them adopted; accepted; their columns claimed from the government's."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from storage import CaptureIn
from storage.discovered import active_columns
from storage.discovered_agencies import (
    ACCEPTED,
    DISCOVERED,
    UnitIn,
    discovered_agencies,
    mark_accepted,
    record_units,
    unit_column_urls,
)
from storage.models import Agency, Report

GOVERNMENT = "某县人民政府"
PORTAL = "http://www.mouxian.gov.cn/"
FIRST = dt.datetime(2031, 4, 1, 8, 0, tzinfo=dt.UTC)
LATER = FIRST + dt.timedelta(days=7)
COLUMN = PORTAL + "nb/bm/czj/"
CHAIN = {"kind": "column", "url": COLUMN, "label": "某县财政局", "chain": [{"text": "部门"}, {"text": "某县财政局"}]}
FINANCE = UnitIn("某县财政局", "某省/某市/某县", GOVERNMENT, "department", "department", PORTAL, (COLUMN,), (CHAIN,))


def test_record_units_stores_the_unit_apart_with_its_column_and_agency_row(archive) -> None:
    assert record_units(archive, [FINANCE], FIRST) == ["某县财政局"]
    (unit,) = discovered_agencies(archive)
    assert (unit.name, unit.region, unit.kind, unit.unit, unit.government, unit.source, unit.status) == (
        "某县财政局", "某省/某市/某县", "department", "department", GOVERNMENT, "column", DISCOVERED)
    assert unit.columns == (COLUMN,) and unit.evidence == [CHAIN]
    assert active_columns(archive, ["某县财政局"]) == {"某县财政局": [COLUMN]}
    assert unit_column_urls(archive, [GOVERNMENT]) == {COLUMN}
    assert unit_column_urls(archive, ["另一县人民政府"]) == set()


def test_record_units_again_merges_evidence_and_keeps_first_seen(archive) -> None:
    record_units(archive, [FINANCE], FIRST)
    report = {"kind": "report", "url": PORTAL + "a.html", "title": "某县财政局2023年…", "named": "某县财政局",
              "column": PORTAL + "nb/"}
    again = UnitIn(*[getattr(FINANCE, f) for f in ("name", "region", "government", "unit", "kind", "portal")],
                   (COLUMN,), (CHAIN, report))
    record_units(archive, [again], LATER)
    (unit,) = discovered_agencies(archive)
    assert unit.first_seen_at == FIRST and unit.last_seen_at == LATER
    assert unit.evidence == [CHAIN, report] and unit.report_columns == (PORTAL + "nb/",)


def test_record_units_files_the_unfiled_reports_that_named_it(archive) -> None:
    url = PORTAL + "nb/t20240120_1.html"
    result = archive.ingest(CaptureIn(url=url, body=b"<html></html>", captured_at=FIRST, content_type="text/html"),
                            parse=False)
    with archive.session() as session, session.begin():
        # A report the crawl filed under no agency: it names one the registry lacks.
        session.add(Report(url=url, agency_id=None, agency_name="某县审计局", year=2023, title="某县审计局2023年…",
                           first_capture_id=result.capture_id, first_seen_at=FIRST))
    audit = UnitIn("某县审计局", "某省/某市/某县", GOVERNMENT, "department", "department", PORTAL, (),
                   ({"kind": "report", "url": url, "title": "某县审计局2023年…", "named": "某县审计局"},))
    record_units(archive, [audit], LATER)
    (unit,) = discovered_agencies(archive)
    assert unit.source == "report" and unit.columns == () and unit.reports == 1
    with archive.session() as session:
        owner = session.scalar(select(Agency.name).join(Report, Report.agency_id == Agency.id).where(Report.url == url))
    assert owner == "某县审计局"


def test_mark_accepted_moves_a_unit_out_of_the_discovered_list(archive) -> None:
    record_units(archive, [FINANCE], FIRST)
    assert mark_accepted(archive, ["某县财政局"], "config/agencies/mouxian.toml", LATER) == 1
    assert discovered_agencies(archive) == []
    (unit,) = discovered_agencies(archive, status=None)
    assert (unit.status, unit.accepted_into, unit.accepted_at) == (ACCEPTED, "config/agencies/mouxian.toml", LATER)
    assert unit_column_urls(archive, [GOVERNMENT]) == {COLUMN}  # still not the government's to crawl
    assert mark_accepted(archive, ["某县财政局"], "x.toml", LATER) == 0
