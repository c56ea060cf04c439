"""WARC export and import (storage/warc/) on SQLite archives of real report payloads.

The source archive (the `source_crawl` fixture, tests/plugins/warc_captures.py) holds what a
crawl leaves: a GBK page sent gzipped and chunked behind a redirect, a text report, a 404, a 301,
a revisit, a republished report and a PDF imported from disk.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import subprocess
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from nianbao.commands import main
from storage import Archive, CaptureIn
from storage.blobs import sha256_hex
from storage.exports import export_jsonl
from storage.models import Capture, Report, ReportVersion
from storage.warc import WarcError, export_warc, import_warc, payload_digest

WARCIO = Path(sys.executable).with_name("warcio")

@pytest.fixture(scope="session")
def expected_index(source_crawl) -> list[tuple[str, str | None]]:
    """(WARC-Type, target URI) of each record of the source archive's export, in order."""
    gbk, text, pdf = source_crawl.gbk_url, source_crawl.text_url, source_crawl.pdf_url
    missing, moved = source_crawl.missing_url, source_crawl.moved_url
    return [
        ("warcinfo", None),
        ("response", gbk), ("request", gbk),
        ("response", text), ("request", text),
        ("response", missing), ("request", missing),
        ("response", moved), ("request", moved),
        ("revisit", text),
        ("revisit", text),
        ("response", text), ("request", text),
        ("resource", pdf),
    ]


@dataclass(frozen=True)
class CaptureRow:
    url: str
    captured_at: dt.datetime
    status: int | None
    reason: str | None
    http_version: str | None
    headers: list[list[str]]
    sha256: str
    final_url: str | None
    revisit_of: int | None  # position (0-based) of the capture revisited, in capture order


def capture_rows(archive: Archive) -> list[CaptureRow]:
    with archive.session() as session:
        captures = list(session.scalars(select(Capture).order_by(Capture.id)))
    position = {capture.id: i for i, capture in enumerate(captures)}
    return [
        CaptureRow(
            c.url, c.captured_at if c.captured_at.tzinfo else c.captured_at.replace(tzinfo=dt.timezone.utc),
            c.status, c.reason, c.http_version, c.headers, c.sha256, c.final_url,
            position[c.revisit_of] if c.revisit_of is not None else None,
        )
        for c in captures
    ]


@pytest.fixture
def source(tmp_path: Path, source_crawl) -> Iterator[Archive]:
    archive = source_crawl.build_archive(tmp_path / "source")
    yield archive
    archive.close()


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[Archive]:
    archive = Archive.open(tmp_path / "target")
    yield archive
    archive.close()


def records(path: Path) -> list:
    """(WARC fields, HTTP headers, payload) of every record, payloads decoded as warcio does."""
    with open(path, "rb") as stream:
        return [
            (record.rec_headers, record.http_headers, record.content_stream().read())
            for record in ArchiveIterator(stream)
        ]


def after_warcinfo(path: Path) -> bytes:
    data = path.read_bytes()
    return data[data.index(b"WARC/1.1\r\n", 1):]


def jsonl(archive: Archive) -> list[dict]:
    out = io.StringIO()
    export_jsonl(archive, out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def counts(archive: Archive) -> tuple[int, int, int]:
    with archive.session() as session:
        return tuple(session.scalar(select(func.count()).select_from(m)) for m in (Capture, Report, ReportVersion))


def state(archive: Archive) -> tuple:
    return capture_rows(archive), counts(archive), jsonl(archive), sorted(archive.blobs.digests())


# -- export -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["nianbao.warc", "nianbao.warc.gz"])
def test_export_warc_passes_warcio_check(
    source: Archive, tmp_path: Path, name: str, source_crawl, expected_index
) -> None:
    path = tmp_path / name
    assert export_warc(source, path) == len(source_crawl.captures())
    result = subprocess.run([WARCIO, "check", "-v", path], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    revisits = sum(kind == "revisit" for kind, _ in expected_index)
    assert result.stdout.count("digest pass") == len(expected_index) - revisits
    assert result.stdout.count("digest present but not checked (revisit)") == revisits


@pytest.mark.parametrize("name", ["nianbao.warc", "nianbao.warc.gz"])
def test_export_warc_index_lists_each_capture_as_its_records(
    source: Archive, tmp_path: Path, name: str, expected_index
) -> None:
    path = tmp_path / name
    export_warc(source, path)
    result = subprocess.run([WARCIO, "index", path], capture_output=True, text=True, check=True)
    listed = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["warc-type"], r.get("warc-target-uri")) for r in listed] == expected_index


def test_export_warc_gzips_each_record_when_the_name_ends_in_gz(
    source: Archive, tmp_path: Path, expected_index
) -> None:
    export_warc(source, tmp_path / "a.warc")
    export_warc(source, tmp_path / "a.warc.gz")
    assert (tmp_path / "a.warc").read_bytes().startswith(b"WARC/1.1\r\n")
    data, members = (tmp_path / "a.warc.gz").read_bytes(), 0
    while data:
        member = zlib.decompressobj(16 + zlib.MAX_WBITS)
        assert member.decompress(data).startswith(b"WARC/1.1\r\n")
        data, members = member.unused_data, members + 1
    assert members == len(expected_index)  # one gzip member per record, as readers that seek expect


def test_export_warc_response_keeps_status_line_headers_and_payload(
    source: Archive, tmp_path: Path, source_crawl
) -> None:
    path = tmp_path / "nianbao.warc"
    export_warc(source, path)
    fields, http, payload = next(r for r in records(path) if r[0]["WARC-Type"] == "response")
    captured = source_crawl.captures()[0]

    assert fields["WARC-Target-URI"] == source_crawl.gbk_url and fields["WARC-Date"] == "2024-03-01T08:00:00Z"
    assert fields["X-Nianbao-Final-URL"] == source_crawl.gbk_final_url
    assert fields["X-Nianbao-Agency"] == "临翔区政务服务管理局"
    assert (http.protocol, http.statusline) == ("HTTP/1.1", "200 OK")
    # The payload is stored decoded, so the transfer headers are kept under X-Archive-Orig-.
    assert http.headers == [
        ("X-Archive-Orig-" + name if name in ("Transfer-Encoding", "Content-Encoding") else name, value)
        for name, value in captured.headers
    ]
    assert fields["X-Nianbao-Renamed-Headers"] == "3,8"
    assert payload == captured.body
    assert fields["WARC-Payload-Digest"] == payload_digest(captured.body)


def test_export_warc_keeps_a_content_length_only_when_it_is_true(source: Archive, tmp_path: Path, source_crawl) -> None:
    path = tmp_path / "nianbao.warc"
    export_warc(source, path)
    text_responses = [
        r for r in records(path)
        if r[0]["WARC-Type"] == "response" and r[0]["WARC-Target-URI"] == source_crawl.text_url
    ]
    (_, first, body), (_, republished, new_body) = text_responses
    assert first["Content-Length"] == str(len(body)) and first["X-Archive-Orig-Content-Length"] is None
    assert republished["Content-Length"] is None
    stale = str(len(source_crawl.seed_000.read_bytes()))
    assert republished["X-Archive-Orig-Content-Length"] == stale != str(len(new_body))


def test_export_warc_writes_utf8_headers_unescaped(source: Archive, tmp_path: Path) -> None:
    path = tmp_path / "nianbao.warc"
    export_warc(source, path)
    assert 'filename="2021年政府信息公开工作年度报告.txt"'.encode() in path.read_bytes()


@pytest.mark.parametrize(("which", "date"), [(0, "2024-03-02T08:00:00.25Z"), (1, "2024-03-02T20:00:00Z")])
def test_export_warc_revisit_refers_to_the_record_with_the_payload(
    source: Archive, tmp_path: Path, which: int, date: str, source_crawl
) -> None:
    """The second revisit is, in the archive, a revisit of the first; its record points at the
    response that holds the payload, as WARC readers expect."""
    path = tmp_path / "nianbao.warc"
    export_warc(source, path)
    everything = records(path)
    fields, http, payload = [r for r in everything if r[0]["WARC-Type"] == "revisit"][which]
    original = next(r[0] for r in everything
                    if r[0]["WARC-Type"] == "response" and r[0]["WARC-Target-URI"] == source_crawl.text_url)

    assert fields["WARC-Profile"] == "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
    assert fields["WARC-Date"] == date  # the stored precision, no more
    assert fields["WARC-Refers-To-Target-URI"] == source_crawl.text_url
    assert fields["WARC-Refers-To-Date"] == original["WARC-Date"] == "2024-03-01T08:00:07Z"
    assert fields["WARC-Refers-To"] == original["WARC-Record-ID"]
    digest = payload_digest(source_crawl.seed_000.read_bytes())
    assert fields["WARC-Payload-Digest"] == original["WARC-Payload-Digest"] == digest
    assert http.statusline == "200 OK" and http["Content-Type"] == "text/plain; charset=utf-8"
    assert payload == b""


def test_export_warc_local_file_is_a_resource(source: Archive, tmp_path: Path, source_crawl) -> None:
    path = tmp_path / "nianbao.warc"
    export_warc(source, path)
    fields, http, payload = records(path)[-1]
    assert (fields["WARC-Type"], fields["WARC-Target-URI"]) == ("resource", source_crawl.pdf_url)
    assert fields["Content-Type"] == "application/pdf"
    assert http is None and payload == source_crawl.real_pdf.read_bytes()
    assert fields["WARC-Date"] == "2024-03-04T08:00:00Z"


def test_export_warc_starts_with_warcinfo_naming_the_conventions(source: Archive, tmp_path: Path) -> None:
    path = tmp_path / "nianbao.warc.gz"
    export_warc(source, path)
    fields, _, payload = records(path)[0]
    assert fields["WARC-Type"] == "warcinfo" and fields["WARC-Filename"] == "nianbao.warc.gz"
    assert b"software: nianbao/" in payload and b"X-Archive-Orig-" in payload


def test_export_warc_leaves_no_partial_file_when_a_blob_is_missing(
    source: Archive, tmp_path: Path, source_crawl
) -> None:
    source.blobs.path(sha256_hex(source_crawl.captures()[2].body)).unlink()
    with pytest.raises(WarcError, match=source_crawl.missing_url):
        export_warc(source, tmp_path / "nianbao.warc")
    assert list(tmp_path.glob("*.warc*")) == []


# -- round trip ---------------------------------------------------------------------------------

def test_warc_round_trip_keeps_every_capture_and_report(source: Archive, empty: Archive, tmp_path: Path) -> None:
    first, second = tmp_path / "first.warc", tmp_path / "second.warc"
    export_warc(source, first)
    summary = import_warc(empty, first)
    export_warc(empty, second)

    assert capture_rows(empty) == capture_rows(source)
    assert [row.revisit_of for row in capture_rows(empty)] == [None, None, None, None, 1, 4, None, None]
    assert jsonl(empty) == jsonl(source) and len(jsonl(source)) == 3
    assert counts(empty) == counts(source)
    assert (summary.imported, summary.revisits, summary.existing, summary.reports, summary.skipped) == (8, 2, 0, 4, 6)
    # The same records, byte for byte, after the warcinfo (which carries the export's own date).
    assert after_warcinfo(second) == after_warcinfo(first)


def test_warc_round_trip_through_gzip(source: Archive, empty: Archive, tmp_path: Path) -> None:
    export_warc(source, tmp_path / "nianbao.warc.gz")
    import_warc(empty, tmp_path / "nianbao.warc.gz")
    assert capture_rows(empty) == capture_rows(source)
    assert jsonl(empty) == jsonl(source)


def test_warc_round_trip_keeps_headers_that_were_already_x_archive_orig(
    empty: Archive, tmp_path: Path, source_crawl
) -> None:
    """A page fetched through a Wayback replay arrives with X-Archive-Orig- headers of its own."""
    source = Archive.open(tmp_path / "wayback")
    body = source_crawl.seed_000.read_bytes()
    headers = (
        ("Content-Type", "text/plain; charset=utf-8"),
        ("x-archive-orig-content-length", "6590"),
        ("Content-Encoding", "gzip"),
        ("X-Archive-Orig-Content-Encoding", "br"),
    )
    source.ingest(CaptureIn(url="https://web.archive.org/web/2022id_/" + source_crawl.text_url, body=body,
                            captured_at=source_crawl.t0,
                            headers=headers, content_type="text/plain; charset=utf-8"))
    export_warc(source, tmp_path / "wayback.warc")
    [(_, http, _)] = [r for r in records(tmp_path / "wayback.warc") if r[0]["WARC-Type"] == "response"]
    assert [name for name, _ in http.headers] == [
        "Content-Type", "x-archive-orig-content-length", "X-Archive-Orig-Content-Encoding",
        "X-Archive-Orig-Content-Encoding",
    ]
    import_warc(empty, tmp_path / "wayback.warc")
    assert capture_rows(empty) == capture_rows(source)
    assert capture_rows(empty)[0].headers == [list(h) for h in headers]
    source.close()


def test_import_warc_marks_captures_as_from_warc(source: Archive, empty: Archive, tmp_path: Path, source_crawl) -> None:
    export_warc(source, tmp_path / "nianbao.warc")
    import_warc(empty, tmp_path / "nianbao.warc")
    with empty.session() as session:
        assert set(session.scalars(select(Capture.source))) == {"warc"}
        pdf = session.scalar(select(Capture).where(Capture.url == source_crawl.pdf_url))
    assert (pdf.status, pdf.reason, pdf.http_version, pdf.headers) == (None, None, None, [])
    assert pdf.content_type == "application/pdf"


def test_import_warc_twice_adds_nothing(source: Archive, empty: Archive, tmp_path: Path) -> None:
    path = tmp_path / "nianbao.warc.gz"
    export_warc(source, path)
    import_warc(empty, path)
    before = state(empty)
    again = import_warc(empty, path)
    assert state(empty) == before
    assert (again.imported, again.revisits, again.existing, again.reports) == (0, 0, 8, 0)


def test_import_warc_summary_describes_itself_in_one_line(source: Archive, empty: Archive, tmp_path: Path) -> None:
    export_warc(source, tmp_path / "nianbao.warc")
    line = import_warc(empty, tmp_path / "nianbao.warc").describe()
    assert line == (
        "nianbao.warc: 14 records: 8 captures imported (2 revisits), 0 already archived, "
        "4 new report versions, 0 not reports, 6 records skipped (5 request, 1 warcinfo)"
    )


def test_cli_export_and_import_warc(source: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "nianbao.warc.gz"
    runner = CliRunner()
    monkeypatch.setenv("NIANBAO_DATA", str(tmp_path / "source"))
    monkeypatch.delenv("NIANBAO_DATABASE_URL", raising=False)
    exported = runner.invoke(main, ["export", "--warc", str(path)])
    assert exported.exit_code == 0, exported.output
    assert exported.output == f"8 captures written to {path}\n"
    monkeypatch.setenv("NIANBAO_DATA", str(tmp_path / "cli-target"))
    imported = runner.invoke(main, ["import", "--warc", str(path)])
    assert imported.exit_code == 0, imported.output
    assert imported.output.startswith("nianbao.warc.gz: 14 records: 8 captures imported (2 revisits)")


# -- another crawler's WARC ---------------------------------------------------------------------

def test_import_warc_from_another_crawler_decodes_and_parses_the_report(
    empty: Archive, tmp_path: Path, other_crawler
) -> None:
    path = tmp_path / "heritrix-20240402.warc.gz"
    other_crawler.write(path)
    summary = import_warc(empty, path)

    assert (summary.imported, summary.revisits, summary.reports, summary.not_reports) == (2, 1, 1, 0)
    assert dict(summary.skip_reasons) == {
        "warcinfo": 1, "request": 1, "metadata": 1, "response without HTTP headers (e.g. dns:)": 1,
    }
    first, revisit = capture_rows(empty)
    assert first.url == revisit.url == other_crawler.report_url
    assert first.captured_at == dt.datetime.fromisoformat(other_crawler.date)
    assert (first.status, first.reason, first.http_version) == (200, "OK", "HTTP/1.1")
    assert first.headers[3] == ["Transfer-Encoding", "chunked"] and first.headers[5] == ["Content-Encoding", "gzip"]
    assert first.sha256 == revisit.sha256 == sha256_hex(other_crawler.page())  # de-chunked, gunzipped
    assert revisit.revisit_of == 0
    [row] = jsonl(empty)
    assert (row["url"], row["agency"], row["year"]) == (other_crawler.report_url, "卫辉市信访局", 2021)


def test_import_warc_from_another_crawler_exports_cleanly(empty: Archive, tmp_path: Path, other_crawler) -> None:
    other_crawler.write(tmp_path / "heritrix.warc.gz")
    import_warc(empty, tmp_path / "heritrix.warc.gz")
    out = tmp_path / "again.warc"
    assert export_warc(empty, out) == 2
    assert subprocess.run([WARCIO, "check", out], capture_output=True, check=False).returncode == 0
    [response] = [r for r in records(out) if r[0]["WARC-Type"] == "response"]
    assert response[2] == other_crawler.page()
    assert response[1]["X-Archive-Orig-Transfer-Encoding"] == "chunked"


def test_import_warc_revisit_of_a_record_not_found_is_skipped(empty: Archive, tmp_path: Path, source_crawl) -> None:
    path = tmp_path / "orphan.warc"
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=False, warc_version="1.1")
        writer.write_record(writer.create_revisit_record(
            source_crawl.text_url, "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ", source_crawl.text_url,
            "2023-01-01T00:00:00Z",
            http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/plain")], protocol="HTTP/1.1"),
        ))
    summary = import_warc(empty, path)
    assert summary.imported == 0 and dict(summary.skip_reasons) == {"revisit of a record not found": 1}
    assert counts(empty) == (0, 0, 0)


def test_import_warc_revisit_without_a_known_payload_is_skipped(empty: Archive, tmp_path: Path, other_crawler) -> None:
    """A server-not-modified revisit (a 304) says nothing about the payload it stands for."""
    other_crawler.write(tmp_path / "earlier.warc.gz")
    import_warc(empty, tmp_path / "earlier.warc.gz")
    path = tmp_path / "not-modified.warc"
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=False, warc_version="1.1")
        record = writer.create_warc_record(
            other_crawler.report_url, "revisit",
            http_headers=StatusAndHeaders("304 Not Modified", [("ETag", '"5f0c-61d6"')], protocol="HTTP/1.1"),
            warc_headers_dict={
                "WARC-Profile": "http://netpreserve.org/warc/1.1/revisit/server-not-modified",
                "WARC-Refers-To-Target-URI": other_crawler.report_url, "WARC-Refers-To-Date": other_crawler.date,
            },
        )
        writer.write_record(record)
    before = state(empty)
    summary = import_warc(empty, path)
    assert dict(summary.skip_reasons) == {"revisit profile server-not-modified not supported": 1}
    assert state(empty) == before


def test_import_warc_revisit_finds_its_original_in_the_archive(source: Archive, empty: Archive, tmp_path: Path) -> None:
    """The original came in from an earlier file; the revisit alone is in this one."""
    full = tmp_path / "full.warc"
    export_warc(source, full)
    raw = full.read_bytes()
    revisit_at = raw.index(b"WARC/1.1\r\nWARC-Type: revisit")
    revisit_end = raw.index(b"WARC/1.1\r\n", revisit_at + 10)
    before, only_revisit = tmp_path / "before.warc", tmp_path / "revisit.warc"
    before.write_bytes(raw[:revisit_at])
    only_revisit.write_bytes(raw[revisit_at:revisit_end])
    import_warc(empty, before)
    summary = import_warc(empty, only_revisit)
    assert (summary.imported, summary.revisits) == (1, 1)


# -- broken files -------------------------------------------------------------------------------

def truncated(path: Path) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    return path


def flipped(path: Path) -> Path:
    """One byte of the first response's payload changed, as a bad disk would."""
    data = bytearray(path.read_bytes())
    at = data.index("独山子区城市管理局按照".encode())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))
    return path


BROKEN = [
    "empty.warc", "flipped.warc", "flipped.warc.gz", "garbage.warc.gz", "gzipped-garbage.warc.gz",
    "header-cut.warc", "truncated.warc", "truncated.warc.gz",
]


def broken(name: str, archive: Archive, path: Path) -> Path:
    """A WARC file damaged as `name` says: an export cut short or with a flipped byte, or not a WARC."""
    if name.startswith(("truncated", "flipped", "header-cut")):
        export_warc(archive, path)
        data = path.read_bytes()
        if name == "flipped.warc.gz":  # a bad sector inside the compressed data
            data = data[: len(data) // 2] + bytes([data[len(data) // 2] ^ 0x01]) + data[len(data) // 2 + 1 :]
            path.write_bytes(data)
            return path
        if name == "header-cut.warc":  # the last request record's WARC header stops half-way
            start = data.rindex(b"WARC/1.1\r\nWARC-Type: request")
            path.write_bytes(data[: data.index(b"\r\nContent-Length", start)])
            return path
        return truncated(path) if name.startswith("truncated") else flipped(path)
    if name == "garbage.warc.gz":  # a proxy's error page saved under a WARC's name
        path.write_bytes(b"<html><body>502 Bad Gateway</body></html>\n" * 40)
    elif name == "gzipped-garbage.warc.gz":
        path.write_bytes(gzip.compress(b"PK\x03\x04 not a warc\r\n" * 50))
    else:
        path.write_bytes(b"")
    return path


@pytest.mark.parametrize("name", BROKEN)
def test_import_warc_refuses_a_broken_file_and_changes_nothing(
    source: Archive, empty: Archive, tmp_path: Path, name: str, source_crawl, other_crawler
) -> None:
    kept = CaptureIn(url="https://www.example.gov.cn/kept.txt", body=source_crawl.seed_000.read_bytes(),
                     captured_at=source_crawl.t0 - 300 * source_crawl.day)
    empty.ingest(kept)
    other_crawler.write(tmp_path / "earlier.warc.gz")
    import_warc(empty, tmp_path / "earlier.warc.gz")
    before = state(empty)
    path = broken(name, source, tmp_path / name)

    with pytest.raises(WarcError) as excinfo:
        import_warc(empty, path)
    assert name in str(excinfo.value)
    assert state(empty) == before


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("truncated.warc", "truncated"),
        ("truncated.warc.gz", "truncated"),
        ("flipped.warc", "block digest failed"),
        ("flipped.warc.gz", "damaged gzip data"),
        ("header-cut.warc", r"at offset \d+: .* not a whole record"),
        ("garbage.warc.gz", "at offset 0: not a readable WARC record"),
        ("empty.warc", "no WARC records"),
    ],
)
def test_import_warc_error_says_where_and_why(
    source: Archive, empty: Archive, tmp_path: Path, name: str, reason: str
) -> None:
    path = broken(name, source, tmp_path / name)
    with pytest.raises(WarcError, match=reason):
        import_warc(empty, path)
