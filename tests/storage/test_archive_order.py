"""Captures that arrive out of time order, conflicting payloads, and values of any length,
on both backends (the `archive` fixture runs on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from storage import Archive, CaptureConflictError, CaptureIn
from storage.models import Capture, Report

UTC = dt.timezone.utc
URL = "https://www.weihui.gov.cn/xxgk/ndbg/t20220125_1.html"
OLD = dt.datetime(2022, 1, 25, 9, 0, tzinfo=UTC)
NEW = dt.datetime(2022, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def report_body(paths) -> bytes:
    """Seed report 004 (卫辉市信访局, 2021)."""
    return paths.seed(4).read_bytes()


@pytest.fixture(scope="module")
def edited_body(report_body: bytes) -> bytes:
    """The same URL's other payload: the report as the 2022 one."""
    return report_body.replace("卫辉市信访局2021年".encode(), "卫辉市信访局2022年".encode(), 1)


def test_a_capture_is_a_revisit_only_of_an_earlier_one(archive: Archive, report_body) -> None:
    later = archive.ingest(CaptureIn(URL, report_body, NEW))
    earlier = archive.ingest(CaptureIn(URL, report_body, OLD))
    assert later.status == "new" and earlier.status == "new"  # the earlier one is no revisit of the later
    third = archive.ingest(CaptureIn(URL, report_body, NEW + dt.timedelta(days=1)))
    assert third.status == "revisit"
    with archive.session() as session:
        assert session.get(Capture, third.capture_id).revisit_of == later.capture_id


def test_same_payload_at_a_different_final_url_is_not_a_revisit(archive: Archive, report_body) -> None:
    archive.ingest(CaptureIn(URL, report_body, OLD))
    moved = archive.ingest(CaptureIn(URL, report_body, NEW, final_url=URL.replace("t2022", "t2023")))
    assert moved.status == "new" and moved.report_id is not None


def test_report_metadata_follows_the_newest_capture_whatever_the_arrival_order(
    archive: Archive, report_body, edited_body
) -> None:
    archive.ingest(CaptureIn(URL, edited_body, NEW))
    archive.ingest(CaptureIn(URL, report_body, OLD))  # arrives last, captured first
    with archive.session() as session:
        report = session.scalar(select(Report))
        assert report.year == 2022  # from the newest payload
        assert report.first_seen_at.replace(tzinfo=None) == OLD.replace(tzinfo=None)


def test_same_url_and_time_with_another_payload_is_refused_and_the_first_kept(
    archive: Archive, report_body, edited_body
) -> None:
    first = archive.ingest(CaptureIn(URL, report_body, OLD))
    with pytest.raises(CaptureConflictError, match="different payload"):
        archive.ingest(CaptureIn(URL, edited_body, OLD))
    with archive.session() as session:
        assert session.get(Capture, first.capture_id).size == len(report_body)


def test_header_values_of_any_length_are_kept(archive: Archive, report_body) -> None:
    long_type = "text/html; charset=gbk; " + "x" * 500
    result = archive.ingest(CaptureIn(URL, report_body, OLD, content_type=long_type, reason="O" * 300,
                                      agency="某" * 300))
    with archive.session() as session:
        assert session.get(Capture, result.capture_id).content_type == long_type
