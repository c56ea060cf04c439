"""WARC test helpers: an archive of realistic captures of real reports, and a WARC written the
way another crawler writes one (WARC/1.0, chunked and gzip-encoded HTTP payloads).

The captures are what a crawl of real portals leaves: a GBK page served gzipped and chunked
behind a redirect, a plain-text report with a Chinese attachment name, a 404, a 301, a
revisit, a republished report (a new version) and a PDF imported from disk.
"""

from __future__ import annotations

import datetime as dt
import gzip
import html
import io
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from storage import Archive, CaptureIn
from storage.models import Capture

SHARED = Path(__file__).resolve().parents[3] / "shared"
SEEDS = SHARED / "fixtures" / "seeds"
REAL_PDF = SHARED / "fixtures" / "real" / "huaian_city_2024.pdf"
SEED_000 = SEEDS / "000_1cbfe8eba3cb4c24.txt"  # 独山子区城市管理局 2021, plain text
SEED_001 = SEEDS / "001_50ced4fe608d0220.txt"  # 临翔区政务服务管理局 2021, served as a GBK page
SEED_004 = SEEDS / "004_64f6c83b9150245c.txt"  # 卫辉市信访局 2021, in the other crawler's WARC

T0 = dt.datetime(2024, 3, 1, 8, 0, tzinfo=dt.timezone.utc)
DAY = dt.timedelta(days=1)

GBK_URL = "http://www.lxq.gov.cn/zwgk/art/2022/1/20/art_1.html"
GBK_FINAL_URL = "https://www.lxq.gov.cn/zwgk/art/2022/1/20/art_1.html"
TEXT_URL = "https://www.dsz.gov.cn/xxgk/ndbg/2021ndbg.txt"
MISSING_URL = "https://www.dsz.gov.cn/xxgk/ndbg/2020ndbg.html"
MOVED_URL = "http://www.dsz.gov.cn/ndbg"
REPORT_URL = "https://www.weihui.gov.cn/zwgk/ndbg/2021.html"
PDF_URL = "file:///srv/downloads/huaian_city_2024.pdf"

NOT_FOUND_PAGE = (
    "<html><head><title>404 页面不存在</title></head><body><h1>您访问的页面不存在</h1></body></html>".encode()
)


def report_page(text: str, charset: str) -> bytes:
    """A report's text as a portal's article page: one paragraph per line."""
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines())
    page = (
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        f"<title>政府信息公开工作年度报告</title></head><body><div class=\"article\">{paragraphs}</div></body></html>"
    )
    return page.encode(charset)


def seed_000_changed() -> bytes:
    """Seed 000 as the agency republished it: one more licensing decision."""
    text = SEED_000.read_text(encoding="utf-8")
    assert "行政许可办结146件" in text
    return text.replace("行政许可办结146件", "行政许可共办结147件").encode("utf-8")


def server_headers(content_type: str, length: int | None = None, **extra: str) -> tuple[tuple[str, str], ...]:
    headers = [
        ("Date", "Fri, 01 Mar 2024 08:00:00 GMT"),
        ("Server", "Apache"),
        ("Content-Type", content_type),
    ]
    if length is not None:
        headers.append(("Content-Length", str(length)))
    headers += [(name.replace("_", "-"), value) for name, value in extra.items()]
    return tuple(headers)


def source_captures() -> list[CaptureIn]:
    """The captures of the source archive, in the order the crawler made them."""
    gbk_page = report_page(SEED_001.read_text(encoding="utf-8"), "gbk")
    text_report = SEED_000.read_bytes()
    return [
        CaptureIn(  # a GBK page, sent gzipped and chunked after an http -> https redirect
            url=GBK_URL, final_url=GBK_FINAL_URL, body=gbk_page, captured_at=T0,
            headers=(
                ("Date", "Fri, 01 Mar 2024 08:00:00 GMT"),
                ("Server", "nginx"),
                ("Content-Type", "text/html; charset=gbk"),
                ("Transfer-Encoding", "chunked"),
                ("Connection", "keep-alive"),
                ("Vary", "Accept-Encoding"),
                ("Set-Cookie", "JSESSIONID=0A1B2C3D; Path=/; HttpOnly"),
                ("Set-Cookie", "arialoadData=false; Path=/"),
                ("Content-Encoding", "gzip"),
            ),
            content_type="text/html; charset=gbk", agency="临翔区政务服务管理局",
        ),
        CaptureIn(  # a report attached as a text file with a Chinese file name
            url=TEXT_URL, body=text_report, captured_at=T0 + dt.timedelta(seconds=7),
            headers=server_headers(
                "text/plain; charset=utf-8", len(text_report),
                Content_Disposition='attachment; filename="2021年政府信息公开工作年度报告.txt"',
                Last_Modified="Tue, 25 Jan 2022 02:13:45 GMT",
            ),
            content_type="text/plain; charset=utf-8", agency="独山子区城市管理局",
        ),
        CaptureIn(
            url=MISSING_URL, body=NOT_FOUND_PAGE, captured_at=T0 + dt.timedelta(seconds=9), status=404,
            reason="Not Found", headers=server_headers("text/html", len(NOT_FOUND_PAGE)),
            content_type="text/html",
        ),
        CaptureIn(
            url=MOVED_URL, body=b"", captured_at=T0 + dt.timedelta(seconds=11), status=301,
            reason="Moved Permanently", http_version="HTTP/1.0",
            headers=server_headers("text/html; charset=iso-8859-1", 0, Location=TEXT_URL),
            content_type="text/html; charset=iso-8859-1",
        ),
        CaptureIn(  # the same report a day later, unchanged: a revisit (sub-second capture time)
            url=TEXT_URL, body=text_report, captured_at=T0 + DAY + dt.timedelta(microseconds=250_000),
            headers=server_headers("text/plain; charset=utf-8", len(text_report)),
            content_type="text/plain; charset=utf-8", agency="独山子区城市管理局",
        ),
        CaptureIn(  # unchanged again: ingest makes it a revisit of the revisit above
            url=TEXT_URL, body=text_report, captured_at=T0 + DAY + dt.timedelta(hours=12),
            headers=server_headers("text/plain; charset=utf-8", len(text_report)),
            content_type="text/plain; charset=utf-8", agency="独山子区城市管理局",
        ),
        CaptureIn(  # republished: a new payload and a new version; the server's length is stale
            url=TEXT_URL, body=seed_000_changed(), captured_at=T0 + 2 * DAY,
            headers=server_headers("text/plain; charset=utf-8", len(text_report)),
            content_type="text/plain; charset=utf-8", agency="独山子区城市管理局",
        ),
        CaptureIn(  # downloaded by hand and imported with `nianbao import-files`
            url=PDF_URL, body=REAL_PDF.read_bytes(), captured_at=T0 + 3 * DAY, status=None, reason=None,
            http_version=None, content_type="application/pdf", source="file", agency="淮安市人民政府",
        ),
    ]


def build_source_archive(data: Path) -> Archive:
    archive = Archive.open(data)
    for capture in source_captures():
        archive.ingest(capture)
    return archive


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


# -- another crawler's WARC ---------------------------------------------------------------------

OTHER_CRAWLER_DATE = "2024-04-02T06:30:00Z"
OTHER_CRAWLER_REVISIT_DATE = "2024-05-02T06:30:00Z"


def chunked(data: bytes, size: int = 1000) -> bytes:
    pieces = [data[i : i + size] for i in range(0, len(data), size)]
    return b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in pieces) + b"0\r\n\r\n"


def other_crawler_page() -> bytes:
    return report_page(SEED_004.read_text(encoding="utf-8"), "utf-8")


def write_other_crawler_warc(path: Path) -> None:
    """A WARC/1.0 file as a Heritrix-style crawler leaves it: warcinfo, a dns: record, the report
    page sent gzipped and chunked (the HTTP block exactly as on the wire), its request, a
    metadata record, and a revisit a month later that names its original only by digest."""
    page = other_crawler_page()
    wire = chunked(gzip.compress(page, mtime=0))
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True, warc_version="1.0")
        info = {"software": "Heritrix/3.4.0", "format": "WARC File Format 1.0"}
        writer.write_record(writer.create_warcinfo_record(path.name, info))
        dns = b"20240402063000\nwww.weihui.gov.cn.\t300\tIN\tA\t218.28.1.10\n"
        writer.write_record(writer.create_warc_record(
            "dns:www.weihui.gov.cn", "response", payload=io.BytesIO(dns), length=len(dns),
            warc_content_type="text/dns", warc_headers_dict={"WARC-Date": OTHER_CRAWLER_DATE},
        ))
        http = StatusAndHeaders("200 OK", [
            ("Server", "nginx/1.20.1"),
            ("Date", "Tue, 02 Apr 2024 06:30:00 GMT"),
            ("Content-Type", "text/html; charset=utf-8"),
            ("Transfer-Encoding", "chunked"),
            ("Connection", "close"),
            ("Content-Encoding", "gzip"),
        ], protocol="HTTP/1.1")
        response = writer.create_warc_record(
            REPORT_URL, "response", payload=io.BytesIO(wire), length=len(wire), http_headers=http,
            warc_headers_dict={"WARC-Date": OTHER_CRAWLER_DATE, "WARC-IP-Address": "218.28.1.10"},
        )
        request = writer.create_warc_record(
            REPORT_URL, "request",
            http_headers=StatusAndHeaders("GET /zwgk/ndbg/2021.html HTTP/1.1", [
                ("Host", "www.weihui.gov.cn"), ("User-Agent", "Mozilla/5.0 (compatible; heritrix/3.4.0)"),
                ("Accept-Encoding", "gzip"),
            ], is_http_request=True),
        )
        writer.write_request_response_pair(request, response)
        outlinks = b"outlink: https://www.weihui.gov.cn/zwgk/ndbg/index.html L a/@href\n"
        writer.write_record(writer.create_warc_record(
            REPORT_URL, "metadata", payload=io.BytesIO(outlinks), length=len(outlinks),
            warc_headers_dict={"WARC-Date": OTHER_CRAWLER_DATE},
        ))
        revisit_http = StatusAndHeaders("200 OK", [
            ("Server", "nginx/1.20.1"), ("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip"),
        ], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            REPORT_URL, "revisit", http_headers=revisit_http,
            warc_headers_dict={
                "WARC-Date": OTHER_CRAWLER_REVISIT_DATE,
                "WARC-Profile": "http://netpreserve.org/warc/1.0/revisit/identical-payload-digest",
                "WARC-Payload-Digest": response.rec_headers.get_header("WARC-Payload-Digest"),
            },
        ))
