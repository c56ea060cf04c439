"""WARC test fixtures (a plugin of tests/conftest.py): `source_crawl`, the captures a crawl of
real portals leaves and an archive holding them; `other_crawler`, a WARC written the way another
crawler writes one (WARC/1.0, chunked and gzip-encoded HTTP payloads).

The captures are: a GBK page served gzipped and chunked behind a redirect, a plain-text report
with a Chinese attachment name, a 404, a 301, a revisit, a republished report (a new version)
and a PDF imported from disk, all of real reports (the shared seeds and a real PDF).
"""

from __future__ import annotations

import datetime as dt
import gzip
import html
import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from storage import Archive, CaptureIn

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


@dataclass(frozen=True)
class SourceCrawl:
    """The captures of the source archive: what a crawl of real portals leaves."""

    seed_000: Path  # 独山子区城市管理局 2021, plain text
    seed_001: Path  # 临翔区政务服务管理局 2021, served as a GBK page
    real_pdf: Path  # 淮安市人民政府 2024, imported from disk

    t0: dt.datetime = dt.datetime(2024, 3, 1, 8, 0, tzinfo=dt.timezone.utc)
    day: dt.timedelta = dt.timedelta(days=1)
    gbk_url: str = "http://www.lxq.gov.cn/zwgk/art/2022/1/20/art_1.html"
    gbk_final_url: str = "https://www.lxq.gov.cn/zwgk/art/2022/1/20/art_1.html"
    text_url: str = "https://www.dsz.gov.cn/xxgk/ndbg/2021ndbg.txt"
    missing_url: str = "https://www.dsz.gov.cn/xxgk/ndbg/2020ndbg.html"
    moved_url: str = "http://www.dsz.gov.cn/ndbg"
    pdf_url: str = "file:///srv/downloads/huaian_city_2024.pdf"

    def seed_000_changed(self) -> bytes:
        """Seed 000 as the agency republished it: one more licensing decision."""
        text = self.seed_000.read_text(encoding="utf-8")
        assert "行政许可办结146件" in text
        return text.replace("行政许可办结146件", "行政许可共办结147件").encode("utf-8")

    def captures(self) -> list[CaptureIn]:
        """The captures of the source archive, in the order the crawler made them."""
        gbk_page = report_page(self.seed_001.read_text(encoding="utf-8"), "gbk")
        text_report = self.seed_000.read_bytes()
        return [
            CaptureIn(  # a GBK page, sent gzipped and chunked after an http -> https redirect
                url=self.gbk_url, final_url=self.gbk_final_url, body=gbk_page, captured_at=self.t0,
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
                url=self.text_url, body=text_report, captured_at=self.t0 + dt.timedelta(seconds=7),
                headers=server_headers(
                    "text/plain; charset=utf-8", len(text_report),
                    Content_Disposition='attachment; filename="2021年政府信息公开工作年度报告.txt"',
                    Last_Modified="Tue, 25 Jan 2022 02:13:45 GMT",
                ),
                content_type="text/plain; charset=utf-8", agency="独山子区城市管理局",
            ),
            CaptureIn(
                url=self.missing_url, body=NOT_FOUND_PAGE, captured_at=self.t0 + dt.timedelta(seconds=9),
                status=404, reason="Not Found", headers=server_headers("text/html", len(NOT_FOUND_PAGE)),
                content_type="text/html",
            ),
            CaptureIn(
                url=self.moved_url, body=b"", captured_at=self.t0 + dt.timedelta(seconds=11), status=301,
                reason="Moved Permanently", http_version="HTTP/1.0",
                headers=server_headers("text/html; charset=iso-8859-1", 0, Location=self.text_url),
                content_type="text/html; charset=iso-8859-1",
            ),
            CaptureIn(  # the same report a day later, unchanged: a revisit (sub-second capture time)
                url=self.text_url, body=text_report,
                captured_at=self.t0 + self.day + dt.timedelta(microseconds=250_000),
                headers=server_headers("text/plain; charset=utf-8", len(text_report)),
                content_type="text/plain; charset=utf-8", agency="独山子区城市管理局",
            ),
            CaptureIn(  # unchanged again: ingest makes it a revisit of the revisit above
                url=self.text_url, body=text_report, captured_at=self.t0 + self.day + dt.timedelta(hours=12),
                headers=server_headers("text/plain; charset=utf-8", len(text_report)),
                content_type="text/plain; charset=utf-8", agency="独山子区城市管理局",
            ),
            CaptureIn(  # republished: a new payload and a new version; the server's length is stale
                url=self.text_url, body=self.seed_000_changed(), captured_at=self.t0 + 2 * self.day,
                headers=server_headers("text/plain; charset=utf-8", len(text_report)),
                content_type="text/plain; charset=utf-8", agency="独山子区城市管理局",
            ),
            CaptureIn(  # downloaded by hand and imported with `nianbao import-files`
                url=self.pdf_url, body=self.real_pdf.read_bytes(), captured_at=self.t0 + 3 * self.day, status=None,
                reason=None, http_version=None, content_type="application/pdf", source="file", agency="淮安市人民政府",
            ),
        ]

    def build_archive(self, data: Path) -> Archive:
        """A new archive under `data` holding every capture (the caller closes it)."""
        archive = Archive.open(data)
        for capture in self.captures():
            archive.ingest(capture)
        return archive


# -- another crawler's WARC ---------------------------------------------------------------------

def chunked(data: bytes, size: int = 1000) -> bytes:
    pieces = [data[i : i + size] for i in range(0, len(data), size)]
    return b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in pieces) + b"0\r\n\r\n"


@dataclass(frozen=True)
class OtherCrawlerWarc:
    """Seed 004's report as a Heritrix-style crawler captured it, and a revisit a month later."""

    seed_004: Path  # 卫辉市信访局 2021

    report_url: str = "https://www.weihui.gov.cn/zwgk/ndbg/2021.html"
    date: str = "2024-04-02T06:30:00Z"
    revisit_date: str = "2024-05-02T06:30:00Z"

    def page(self) -> bytes:
        """The report page the crawler received (after de-chunking and gunzipping)."""
        return report_page(self.seed_004.read_text(encoding="utf-8"), "utf-8")

    def write(self, path: Path) -> None:
        """A WARC/1.0 file as a Heritrix-style crawler leaves it: warcinfo, a dns: record, the report
        page sent gzipped and chunked (the HTTP block exactly as on the wire), its request, a
        metadata record, and a revisit a month later that names its original only by digest."""
        page = self.page()
        wire = chunked(gzip.compress(page, mtime=0))
        with open(path, "wb") as out:
            writer = WARCWriter(out, gzip=True, warc_version="1.0")
            info = {"software": "Heritrix/3.4.0", "format": "WARC File Format 1.0"}
            writer.write_record(writer.create_warcinfo_record(path.name, info))
            dns = b"20240402063000\nwww.weihui.gov.cn.\t300\tIN\tA\t218.28.1.10\n"
            writer.write_record(writer.create_warc_record(
                "dns:www.weihui.gov.cn", "response", payload=io.BytesIO(dns), length=len(dns),
                warc_content_type="text/dns", warc_headers_dict={"WARC-Date": self.date},
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
                self.report_url, "response", payload=io.BytesIO(wire), length=len(wire), http_headers=http,
                warc_headers_dict={"WARC-Date": self.date, "WARC-IP-Address": "218.28.1.10"},
            )
            request = writer.create_warc_record(
                self.report_url, "request",
                http_headers=StatusAndHeaders("GET /zwgk/ndbg/2021.html HTTP/1.1", [
                    ("Host", "www.weihui.gov.cn"), ("User-Agent", "Mozilla/5.0 (compatible; heritrix/3.4.0)"),
                    ("Accept-Encoding", "gzip"),
                ], is_http_request=True),
            )
            writer.write_request_response_pair(request, response)
            outlinks = b"outlink: https://www.weihui.gov.cn/zwgk/ndbg/index.html L a/@href\n"
            writer.write_record(writer.create_warc_record(
                self.report_url, "metadata", payload=io.BytesIO(outlinks), length=len(outlinks),
                warc_headers_dict={"WARC-Date": self.date},
            ))
            revisit_http = StatusAndHeaders("200 OK", [
                ("Server", "nginx/1.20.1"), ("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip"),
            ], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                self.report_url, "revisit", http_headers=revisit_http,
                warc_headers_dict={
                    "WARC-Date": self.revisit_date,
                    "WARC-Profile": "http://netpreserve.org/warc/1.0/revisit/identical-payload-digest",
                    "WARC-Payload-Digest": response.rec_headers.get_header("WARC-Payload-Digest"),
                },
            ))


# -- the fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def source_crawl(paths) -> SourceCrawl:
    return SourceCrawl(seed_000=paths.seed(0), seed_001=paths.seed(1),
                       real_pdf=paths.real / "huaian_city_2024.pdf")


@pytest.fixture(scope="session")
def other_crawler(paths) -> OtherCrawlerWarc:
    return OtherCrawlerWarc(seed_004=paths.seed(4))

