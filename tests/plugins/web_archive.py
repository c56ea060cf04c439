"""The web UI's archive (a plugin of tests/conftest.py), built from real captures through
`Archive.ingest`: `build_web_archive(archive)` fills an archive and says what it holds (`Built`),
`web_agencies` names its agencies, `write_web_registry(folder)` writes a registry naming them
(for the monitoring pages).

Reports: HTML fixture pages (2021 and 2019 formats), a PDF and a DOCX rendered by
nianbao/devportal/documents/, a text report whose checks fail, a report captured twice with an edited
cell and sentence (two versions), and a page whose markup runs script (a <script> element, an
<img onerror>) and whose text holds script-looking words, to prove nothing of it runs in the UI.
Apart (`gbk_page`): a GBK report page sent as UTF-8, for the readable copy of a capture.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import select

from storage import Archive
from storage.archive import CaptureIn
from storage.models import Agency, CrawlRun
from nianbao.devportal.render import render_html_page
from nianbao.devportal.documents import render_docx, render_pdf, sample_tables
from nianbao.devportal.sites import agencies_toml

T0 = dt.datetime(2022, 2, 1, 8, 0, tzinfo=dt.timezone.utc)

# What the hostile page tries: each would be seen by a test (window.pwned, the title, a request
# to /pwned) if it ever ran.
SCRIPT_ELEMENT = "<script>window.pwned = 'script'; document.title = 'PWNED'; fetch('/pwned?from=script');</script>"
IMG_ONERROR = "<img src=\"/no-such-image.png\" onerror=\"window.pwned = 'img'; document.title = 'PWNED'; fetch('/pwned?from=img')\">"
TEXT_WITH_MARKUP = "特别说明：<script>window.pwned='text'</script><img src=x onerror=\"window.pwned='text-img'\">本年度未收取信息处理费。"
HOSTILE_AGENCY = "安阳市林业局"
EDITED_AGENCY = "卫辉市信访局"
FAILED_AGENCY = "宁陵县卫生健康委员会"


@dataclass(frozen=True)
class Built:
    hostile: int  # report ids
    edited: int
    failed: int
    pdf: int
    docx: int
    html_2019: int
    html_2021: int
    hostile_capture: int
    pdf_capture: int
    edited_versions: tuple[int, int]


def _capture(archive: Archive, url: str, body: bytes, at: dt.datetime, content_type: str, agency: str | None = None,
             run_id: int | None = None) -> int:
    result = archive.ingest(CaptureIn(url=url, body=body, captured_at=at, content_type=content_type,
                                      headers=(("Content-Type", content_type),), agency=agency, run_id=run_id))
    assert result.report_id is not None, f"{url} was not archived as a report: {result.parse_error}"
    return result.report_id


def hostile_page() -> bytes:
    page = render_html_page(sample_tables("2021", agency=HOSTILE_AGENCY, seed=3))
    page = page.replace("</h1>", "</h1>" + SCRIPT_ELEMENT + IMG_ONERROR, 1)
    page = page.replace("<p>本年度未收取信息处理费。</p>", f"<p>{html.escape(TEXT_WITH_MARKUP)}</p>", 1)
    return page.encode("utf-8")


def edited_pages() -> tuple[bytes, bytes]:
    first = sample_tables("2021", agency=EDITED_AGENCY, seed=11)
    apps = {row: dict(cols) for row, cols in first.applications.items()}
    apps["granted"]["natural_person"] += 5  # the edit: one cell (and so its checks) changes
    second = replace(first, applications=apps)
    page_a = render_html_page(first)
    page_b = render_html_page(second).replace("扎实推进政务公开工作。", "扎实推进政务公开工作，全年未发生泄密事件。", 1)
    return page_a.encode("utf-8"), page_b.encode("utf-8")


def build(archive: Archive, parsing: Path) -> Built:
    """Fill `archive` (empty, migrated) with the reports; `parsing` is tests/fixtures/parsing."""
    with archive.session() as session, session.begin():
        agency = Agency(**REGISTRY_ENTRIES[0])
        session.add(agency)
        session.flush()
        run = CrawlRun(agency_id=agency.id, started_at=T0, finished_at=T0 + dt.timedelta(minutes=3),
                       outcome="reached", pages_listed=2, reports_found=1, errors=["https://www.weihui.gov.cn/x: 503"])
        session.add(run)
        session.flush()
        run_id = run.id
    page_a, page_b = edited_pages()
    edited_url = "https://www.weihui.gov.cn/zwgk/ndbg/t20220125_1.html"
    edited = _capture(archive, edited_url, page_a, T0, "text/html; charset=utf-8", EDITED_AGENCY, run_id)
    _capture(archive, edited_url, page_b, T0 + dt.timedelta(days=20), "text/html; charset=utf-8", EDITED_AGENCY)
    hostile = _capture(archive, "https://www.anyang.gov.cn/lyj/ndbg/t20220120_9.html", hostile_page(),
                       T0 + dt.timedelta(hours=1), "text/html; charset=utf-8", HOSTILE_AGENCY)
    failed = _capture(archive, "https://www.ningling.gov.cn/wjw/2022/report.txt",
                      (parsing / "text_failed_checks.txt").read_bytes(), T0 + dt.timedelta(hours=2),
                      "text/plain; charset=utf-8", FAILED_AGENCY)
    pdf = _capture(archive, "https://www.huaian.gov.cn/attach/2023report.pdf",
                   render_pdf(sample_tables("2021", agency="淮安市生态环境局", year=2022, seed=5)),
                   T0 + dt.timedelta(hours=3), "application/pdf", "淮安市生态环境局")
    docx = _capture(archive, "https://www.suqian.gov.cn/attach/2020report.docx",
                    render_docx(sample_tables("2019", agency="宿迁市交通运输局", seed=9)),
                    T0 + dt.timedelta(hours=4),
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "宿迁市交通运输局")
    html_2019 = _capture(archive, "https://xxgk.example.gov.cn/2019/mostly_blank.html",
                         (parsing / "html_trs_xxgk_2019_mostly_blank.html").read_bytes(), T0 + dt.timedelta(hours=5),
                         "text/html")
    html_2021 = _capture(archive, "https://www.example.gov.cn/2022/ecology.html",
                         (parsing / "html_trs_wcm_2022_ecology.html").read_bytes(), T0 + dt.timedelta(hours=6),
                         "text/html")
    with archive.session() as session:
        from storage.models import Report, ReportVersion

        versions = tuple(session.scalars(select(ReportVersion.id).where(ReportVersion.report_id == edited)
                                         .order_by(ReportVersion.id)))
        hostile_capture = session.get(Report, hostile).first_capture_id
        pdf_capture = session.get(Report, pdf).first_capture_id
    assert len(versions) == 2, versions
    return Built(hostile, edited, failed, pdf, docx, html_2019, html_2021, hostile_capture, pdf_capture, versions)


@dataclass(frozen=True)
class WebAgencies:
    """The agencies whose reports the web archive holds, by what their report shows."""

    hostile: str = HOSTILE_AGENCY  # its page runs script
    edited: str = EDITED_AGENCY  # captured twice, an edited cell and sentence
    failed: str = FAILED_AGENCY  # its checks fail


# The registry naming the web archive's agencies (宁陵县人民政府 published nothing); the first is
# also the agency row the archive is built with.
REGISTRY_ENTRIES = (
    {"name": EDITED_AGENCY, "region": "河南省/新乡市/卫辉市", "kind": "department",
     "list_urls": ["https://www.weihui.gov.cn/zwgk/ndbg/"]},
    {"name": HOSTILE_AGENCY, "region": "河南省/安阳市", "kind": "department",
     "list_urls": ["https://www.anyang.gov.cn/lyj/ndbg/"]},
    {"name": FAILED_AGENCY, "region": "河南省/商丘市/宁陵县", "kind": "department",
     "list_urls": ["https://www.ningling.gov.cn/wjw/"]},
    {"name": "宁陵县人民政府", "region": "河南省/商丘市/宁陵县", "kind": "government",
     "list_urls": ["https://www.ningling.gov.cn/zfxxgk/"]},
)


def write_registry(folder: Path) -> Path:
    path = folder / "agencies.toml"
    path.write_text(agencies_toml(REGISTRY_ENTRIES), encoding="utf-8")
    return path


# -- the fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def build_web_archive(paths) -> Callable[[Archive], Built]:
    """`build_web_archive(archive)`: fill an empty archive with the web UI's reports; what it built."""
    return partial(build, parsing=paths.fixtures / "parsing")


@pytest.fixture(scope="session")
def web_agencies() -> WebAgencies:
    return WebAgencies()


@pytest.fixture(scope="session")
def write_web_registry() -> Callable[[Path], Path]:
    """`write_web_registry(folder)`: folder/agencies.toml naming the web archive's agencies (and
    宁陵县人民政府, which published nothing); its path."""
    return write_registry


# -- a GBK page sent as UTF-8 (readable sources) ------------------------------------------------------


@dataclass(frozen=True)
class GbkReport:
    """A report page in GBK whose meta says gbk and whose HTTP header says UTF-8 (portals do this:
    the copy served under its captured header is mojibake), with a link to the portal, a refresh
    and a base that would navigate or load if replayed as is."""

    agency: str
    title: str
    portal_link: str
    url: str
    content_type: str
    body: bytes

    def capture(self) -> CaptureIn:
        return CaptureIn(url=self.url, body=self.body, captured_at=T0, content_type=self.content_type,
                         headers=(("Content-Type", self.content_type),), agency=self.agency)


def gbk_report() -> GbkReport:
    agency, link = "南京市江宁区审计局", "https://www.jiangning.gov.cn/sjj/index.html"
    page = render_html_page(sample_tables("2021", agency=agency, seed=7))
    page = page.replace('charset="utf-8"', 'charset="gbk"', 1)
    page = page.replace("</h1>", f'</h1><p><a id="portal" href="{link}">返回首页</a></p>', 1)
    page = page.replace("<head>", '<head><base href="https://evil.example/"><meta http-equiv="refresh" '
                                  'content="0;url=https://www.jiangning.gov.cn/">', 1)
    return GbkReport(agency, f"{agency}2021年政府信息公开工作年度报告", link,
                     "https://www.jiangning.gov.cn/sjj/2022/ndbg.html", "text/html; charset=UTF-8", page.encode("gbk"))


@pytest.fixture(scope="session")
def gbk_page() -> GbkReport:
    """A GBK report page sent with `charset=UTF-8` (`GbkReport`); `.capture()` ingests it."""
    return gbk_report()


# -- one seed report at a time (the kept-state and page-cache tests) -------------------------------


def _ingest_seed(paths, archive: Archive, index: int, agency: str) -> None:
    body = paths.seed_reports()[index].read_bytes()
    archive.ingest(CaptureIn(f"https://x.gov.cn/{index}.html", body, dt.datetime(2024, 3, 1 + index, 12, tzinfo=dt.UTC),
                             content_type="text/plain", agency=agency))


@pytest.fixture
def ingest_seed(paths) -> Callable[[Archive, int, str], None]:
    """`ingest_seed(archive, index, agency)`: the index-th seed report, captured as plain text at
    https://x.gov.cn/{index}.html on 1+index March 2024, filed under `agency`."""
    return partial(_ingest_seed, paths)
