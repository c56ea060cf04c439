"""What an archive must hold after nianbao.devportal.sample_crawl's captures were ingested to the
end (after any number of kills): every capture exactly once with its payload, revisits and parse
errors as generated, each report once, no version twice, and no damage. Shared by the crash tests."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from nianbao.devportal.sample_crawl import sample_crawl
from storage import Archive
from storage.blobs import sha256_hex
from storage.clock import utc
from storage.models import Capture, Report, ReportVersion


def assert_holds_the_sample_once(archive: Archive, count: int) -> None:
    sample = sample_crawl(count)
    with archive.session() as session:
        captures = session.execute(
            select(Capture.url, Capture.captured_at, Capture.sha256, Capture.revisit_of, Capture.parse_error)
        ).all()
        report_urls = session.scalars(select(Report.url)).all()
        versions = session.execute(select(ReportVersion.report_id, ReportVersion.sha256)).all()
    # the models hand back aware UTC, the sample gives aware UTC
    stored = Counter((row.url, utc(row.captured_at)) for row in captures)
    wanted = {(s.capture.url, utc(s.capture.captured_at)): s for s in sample}
    assert len(captures) == count and set(stored) == set(wanted) and max(stored.values()) == 1
    for row in captures:
        expected = wanted[(row.url, utc(row.captured_at))]
        assert row.sha256 == sha256_hex(expected.capture.body), row.url
        assert (row.revisit_of is not None) == (expected.kind == "revisit"), row.url
        assert (row.parse_error is not None) == (expected.kind == "not_report"), (row.url, row.parse_error)
    reports = [s for s in sample if s.is_report]
    assert sorted(report_urls) == sorted({s.capture.url for s in reports})
    assert len(versions) == len(set(versions)) == len({(s.capture.url, s.capture.body) for s in reports})
    check = archive.check()
    assert (check.missing, check.corrupt, check.orphans) == ([], [], [])


@pytest.fixture
def holds_the_sample_once():
    """`assert_holds_the_sample_once(archive, count)`, for the crash tests."""
    return assert_holds_the_sample_once
