"""Hand-built archives for the monitor: agencies, crawl runs, list pages, report captures and
refetches at chosen moments, written through the same Archive API the crawler uses."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from crawler.registry import Agency as RegistryAgency
from storage import Archive, CaptureIn
from storage.models import Agency, CrawlRun
from nianbao.devportal.monitor_pages import home_page, list_page, report_page, tables

CHINA = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    """'2025-02-01 10:00' in China's time, as an aware datetime."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=CHINA)


class Scenario:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.agencies: dict[str, RegistryAgency] = {}

    def agency(self, name: str, kind: str = "department", region: str = "江苏省/测试市") -> RegistryAgency:
        host = f"www.a{len(self.agencies) + 1}.gov.cn"
        entry = RegistryAgency(name=name, region=tuple(region.split("/")), kind=kind,
                               list_urls=(f"http://{host}/xxgk/ndbg/index.html",))
        self.agencies[name] = entry
        with self.archive.session() as session, session.begin():
            session.add(Agency(name=name, region=entry.region_path, kind=kind, list_urls=list(entry.list_urls)))
        return entry

    def url(self, agency: RegistryAgency, name: str) -> str:
        return agency.list_urls[0].rsplit("/", 1)[0] + f"/{name}.html"

    def capture(self, agency: RegistryAgency, url: str, when: str, body: bytes, *, status: int = 200,
                final_url: str | None = None, role: str = "report", run_id: int | None = None):
        return self.archive.ingest(CaptureIn(
            url=url, body=body, captured_at=at(when), status=status, final_url=final_url,
            content_type="text/html; charset=utf-8", agency=agency.name if role != "list" else None,
            role=role, run_id=run_id,
        ), parse=role != "list")

    def publish(self, agency: RegistryAgency, year: int, when: str, *, published: str | None = "auto",
                name: str | None = None, seed: int = 7, narrative: str | None = None, hits: int = 100,
                t=None) -> str:
        """The report for `year` captured at `when`; `published` is the date the page states
        (default: the capture's day; None: no date on the page)."""
        url = self.url(agency, name or f"report{year}")
        t = t or tables(agency.name, year, seed)
        stated = when[:10] if published == "auto" else published
        kwargs = {"narrative": narrative} if narrative else {}
        result = self.capture(agency, url, when, report_page(t, stated, hits=hits, **kwargs))
        assert result.report_id is not None or result.status == "revisit", result.parse_error
        return url

    def fetch(self, agency: RegistryAgency, url: str, when: str, *, status: int = 404,
              redirect_home: bool = False) -> None:
        """A later fetch of `url`: an error status, or a redirect to the portal's home page."""
        if redirect_home:
            home = agency.list_urls[0].split("/xxgk")[0] + "/index.html"
            self.capture(agency, url, when, home_page(agency.name), final_url=home, role="recheck")
        else:
            self.capture(agency, url, when, b"<html><body>404 Not Found</body></html>", status=status, role="recheck")

    def crawl(self, agency: RegistryAgency, when: str, outcome: str | None = "reached", *,
              listed: list[tuple[str, int, str | None]] = (), errors: list[str] = ()) -> int:
        """A crawl run of the agency's column at `when` with its list page (unless the column
        could not be reached); `listed`: (url, year, listed date) links the list showed."""
        started = at(when)  # China time: UTCDateTime stores it as UTC
        with self.archive.session() as session, session.begin():
            row = session.query(Agency).filter_by(name=agency.name).one()
            run = CrawlRun(agency_id=row.id, started_at=started,
                           finished_at=started + dt.timedelta(minutes=2) if outcome else None,
                           outcome=outcome, pages_listed=1 if outcome == "reached" else 0,
                           reports_found=len(listed), errors=list(errors),
                           listed=[{"url": u, "title": f"{agency.name}{y}年政府信息公开工作年度报告", "year": y,
                                    "listed_on": d, "list_url": agency.list_urls[0]} for u, y, d in listed])
            session.add(run)
            session.flush()
            run_id = run.id
        page = list_page(agency.name, [(u, f"{agency.name}{y}年政府信息公开工作年度报告", d or "")
                                       for u, y, d in listed])
        if outcome == "reached":
            self.capture(agency, agency.list_urls[0], when, page, role="list", run_id=run_id)
        elif outcome == "blocked":
            self.capture(agency, agency.list_urls[0], when, b"<html>challenge</html>", status=412, role="list",
                         run_id=run_id)
        return run_id


@pytest.fixture
def scenario(archive: Archive) -> Scenario:
    return Scenario(archive)
