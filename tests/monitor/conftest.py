"""The monitor's scenes: agencies, crawl runs with their list pages, report captures and
refetches at chosen moments (China's time), told the same way twice.

- `held` (a `HeldScene`): as storage.monitor_reads values, no database; the pure rules' input.
- `scenario` / `make_scenario` (a `Scenario`): written into an archive through the same
  Archive API the crawler uses, and evaluated by reading it back.

Both number captures, reports, versions and runs in the order they are made, as the archive
does, so one scene evaluates to the same report either way (tests/monitor/test_monitor_reads.py
holds them to that).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from crawler.registry import Agency as RegistryAgency
from nianbao.devportal.monitor_pages import home_page, list_page, report_page, tables
from nianbao.devportal.sites import agencies_toml
from nianbao.monitoring import MonitorReport, evaluate, judge
from parsing import ParseError, parse_report
from storage import Archive, CaptureIn
from storage.clock import CHINA, china_day_end
from storage.models import Agency, CrawlRun
from storage.monitor_reads import AgencyArchive, CaptureView, ListPage, RunView, VersionView, view_of
from storage.vocab import CaptureRole, CrawlOutcome

NOT_FOUND = b"<html><body>404 Not Found</body></html>"
CHALLENGE = b"<html>challenge</html>"


def at(text: str) -> dt.datetime:
    """'2025-02-01 10:00' in China's time, as an aware datetime."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=CHINA)


class Scene:
    """What happened, in the order it happened; where it is kept is the subclass's."""

    def __init__(self) -> None:
        self.agencies: dict[str, RegistryAgency] = {}

    def agency(self, name: str, kind: str = "department", region: str = "江苏省/测试市") -> RegistryAgency:
        host = f"www.a{len(self.agencies) + 1}.gov.cn"
        entry = RegistryAgency(name=name, region=tuple(region.split("/")), kind=kind,
                               list_urls=(f"http://{host}/xxgk/ndbg/index.html",))
        self.agencies[name] = entry
        self._add_agency(entry)
        return entry

    def url(self, agency: RegistryAgency, name: str) -> str:
        return agency.list_urls[0].rsplit("/", 1)[0] + f"/{name}.html"

    def publish(self, agency: RegistryAgency, year: int, when: str, *, published: str | None = "auto",
                name: str | None = None, seed: int = 7, narrative: str | None = None, hits: int = 100,
                t=None) -> str:
        """The report for `year` captured at `when`; `published` is the date the page states
        (default: the capture's day; None: no date on the page)."""
        url = self.url(agency, name or f"report{year}")
        t = t or tables(agency.name, year, seed)
        stated = when[:10] if published == "auto" else published
        kwargs = {"narrative": narrative} if narrative else {}
        self._capture(agency, url, when, report_page(t, stated, hits=hits, **kwargs), expect_report=True)
        return url

    def fetch(self, agency: RegistryAgency, url: str, when: str, *, status: int = 404,
              redirect_home: bool = False) -> None:
        """A later fetch of `url`: an error status, or a redirect to the portal's home page."""
        if redirect_home:
            home = agency.list_urls[0].split("/xxgk")[0] + "/index.html"
            self._capture(agency, url, when, home_page(agency.name), final_url=home, role=CaptureRole.RECHECK)
        else:
            self._capture(agency, url, when, NOT_FOUND, status=status, role=CaptureRole.RECHECK)

    def crawl(self, agency: RegistryAgency, when: str, outcome: str | None = "reached", *,
              listed: Sequence[tuple[str, int, str | None]] = (), errors: Sequence[str] = ()) -> int:
        """A crawl run of the agency's column at `when` with its list page (unless the column
        could not be reached); `listed`: (url, year, listed date) links the list showed; outcome
        None: a crawl that never finished."""
        links = [{"url": u, "title": f"{agency.name}{y}年政府信息公开工作年度报告", "year": y, "listed_on": d,
                  "list_url": agency.list_urls[0]} for u, y, d in listed]
        run_id = self._add_run(agency, at(when), outcome, links, list(errors))
        page = list_page(agency.name, [(u, f"{agency.name}{y}年政府信息公开工作年度报告", d or "")
                                       for u, y, d in listed])
        if outcome == CrawlOutcome.REACHED:
            self._capture(agency, agency.list_urls[0], when, page, role=CaptureRole.LIST, run_id=run_id)
        elif outcome == CrawlOutcome.BLOCKED:
            self._capture(agency, agency.list_urls[0], when, CHALLENGE, status=412, role=CaptureRole.LIST,
                          run_id=run_id)
        return run_id

    def registry_toml(self) -> str:
        return agencies_toml({"name": a.name, "region": a.region_path, "kind": a.kind, "list_urls": [a.list_urls[0]]}
                             for a in self.agencies.values())

    def evaluate(self, year: int, as_of: str, **kwargs: Any) -> MonitorReport:
        raise NotImplementedError

    def attach(self, run_id: int, attachments: list[str]) -> None:
        """The run's first listed link also linked these attachments."""
        raise NotImplementedError

    def _add_agency(self, entry: RegistryAgency) -> None:
        raise NotImplementedError

    def _add_run(self, agency: RegistryAgency, started: dt.datetime, outcome: str | None,
                 links: list[dict[str, Any]], errors: list[str]) -> int:
        raise NotImplementedError

    def _capture(self, agency: RegistryAgency, url: str, when: str, body: bytes, *, status: int = 200,
                 final_url: str | None = None, role: str = CaptureRole.REPORT, run_id: int | None = None,
                 expect_report: bool = False) -> None:
        raise NotImplementedError


class Scenario(Scene):
    """The scene in an archive."""

    def __init__(self, archive: Archive) -> None:
        super().__init__()
        self.archive = archive

    def evaluate(self, year: int, as_of: str, **kwargs: Any) -> MonitorReport:
        return evaluate(self.archive, list(self.agencies.values()), year, dt.date.fromisoformat(as_of), **kwargs)

    def attach(self, run_id: int, attachments: list[str]) -> None:
        with self.archive.session() as session, session.begin():
            crawl = session.get(CrawlRun, run_id)
            crawl.listed = [{**crawl.listed[0], "attachments": attachments}, *crawl.listed[1:]]

    def _add_agency(self, entry: RegistryAgency) -> None:
        with self.archive.session() as session, session.begin():
            session.add(Agency(name=entry.name, region=entry.region_path, kind=entry.kind,
                               list_urls=list(entry.list_urls)))

    def _add_run(self, agency, started, outcome, links, errors) -> int:
        with self.archive.session() as session, session.begin():
            row = session.query(Agency).filter_by(name=agency.name).one()
            run = CrawlRun(agency_id=row.id, started_at=started,
                           finished_at=started + dt.timedelta(minutes=2) if outcome else None,
                           outcome=outcome, pages_listed=1 if outcome == CrawlOutcome.REACHED else 0,
                           reports_found=len(links), errors=errors, listed=links)
            session.add(run)
            session.flush()
            return run.id

    def _capture(self, agency, url, when, body, *, status=200, final_url=None, role=CaptureRole.REPORT,
                 run_id=None, expect_report=False) -> None:
        result = self.archive.ingest(CaptureIn(
            url=url, body=body, captured_at=at(when), status=status, final_url=final_url,
            content_type="text/html; charset=utf-8", agency=agency.name if role != CaptureRole.LIST else None,
            role=role, run_id=run_id,
        ), parse=role != CaptureRole.LIST)
        if expect_report:
            assert result.report_id is not None or result.status == "revisit", result.parse_error


@dataclass
class _HeldReport:
    id: int
    agency: str
    url: str
    title: str | None = None
    year: int = 0
    published_on: dt.date | None = None
    newest: dt.datetime | None = None  # the newest payload's capture time: the metadata follows it
    versions: list[VersionView] = field(default_factory=list)


@dataclass
class _HeldRun:
    id: int
    agency: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    outcome: str | None
    pages_listed: int
    errors: list[str]
    listed: list[dict[str, Any]]
    list_pages: list[ListPage] = field(default_factory=list)


class HeldScene(Scene):
    """The scene as storage.monitor_reads values, kept in memory as the archive would keep it:
    every fetch a capture, a parsed payload at a new URL a report, a new payload a version."""

    def __init__(self) -> None:
        super().__init__()
        self.captures: list[CaptureView] = []
        self.reports: dict[str, _HeldReport] = {}  # by URL
        self.runs: list[_HeldRun] = []
        self._versions = 0

    def evaluate(self, year: int, as_of: str, **kwargs: Any) -> MonitorReport:
        day = dt.date.fromisoformat(as_of)
        return judge(list(self.agencies.values()), self.holdings(day, (year - 1, year)), year, day, **kwargs)

    def holdings(self, as_of: dt.date, years: Sequence[int]) -> dict[str, AgencyArchive]:
        """What the archive would hold at the end of `as_of`, by agency name."""
        cutoff = china_day_end(as_of)
        seen = [c for c in self.captures if c.captured_at <= cutoff]
        held = {}
        for name in self.agencies:
            views = []
            for report in self.reports.values():
                if report.agency != name or report.year not in years:
                    continue
                mine = {c.url for c in self.captures if c.landed_on == report.url} | {report.url}
                fetches = sorted((c for c in seen if c.url in mine or c.final_url == report.url),
                                 key=lambda c: (c.captured_at, c.id))
                view = view_of(report.id, report.url, report.title, report.year, report.published_on,
                               report.versions, fetches)
                if view is not None:
                    views.append(view)
            runs = sorted((r for r in self.runs if r.agency == name and r.outcome is not None
                           and r.finished_at is not None and r.finished_at <= cutoff),
                          key=lambda r: (r.started_at, r.id))
            held[name] = AgencyArchive(name, tuple(views), tuple(
                RunView(r.id, r.started_at, r.finished_at, CrawlOutcome(r.outcome), r.pages_listed,
                        tuple(r.errors), tuple(r.listed),
                        tuple(sorted(r.list_pages, key=lambda p: (p.captured_at, p.capture_id))))
                for r in runs))
        return held

    def attach(self, run_id: int, attachments: list[str]) -> None:
        run = next(r for r in self.runs if r.id == run_id)
        run.listed = [{**run.listed[0], "attachments": attachments}, *run.listed[1:]]

    def _add_agency(self, entry: RegistryAgency) -> None:
        pass

    def _add_run(self, agency, started, outcome, links, errors) -> int:
        run = _HeldRun(len(self.runs) + 1, agency.name, started.astimezone(dt.UTC),
                       started.astimezone(dt.UTC) + dt.timedelta(minutes=2) if outcome else None, outcome,
                       1 if outcome == CrawlOutcome.REACHED else 0, errors, links)
        self.runs.append(run)
        return run.id

    def _capture(self, agency, url, when, body, *, status=200, final_url=None, role=CaptureRole.REPORT,
                 run_id=None, expect_report=False) -> None:
        captured_at = at(when).astimezone(dt.UTC)
        digest = hashlib.sha256(body).hexdigest()
        revisit = any(c.url == url and c.final_url == final_url and c.sha256 == digest
                      and c.captured_at < captured_at for c in self.captures)
        capture = CaptureView(len(self.captures) + 1, url, final_url, status, digest, captured_at)
        self.captures.append(capture)
        if role == CaptureRole.LIST:
            run = next(r for r in self.runs if r.id == run_id)
            run.list_pages.append(ListPage(capture.id, url, status, digest, captured_at))
            return
        if revisit or not 200 <= status < 300:
            return
        try:
            record = parse_report(body, capture.landed_on, "text/html; charset=utf-8").to_dict()
        except ParseError:
            assert not expect_report, f"{url}: not a report"
            return
        report = self.reports.get(capture.landed_on)
        if report is None:
            report = self.reports[capture.landed_on] = _HeldReport(len(self.reports) + 1, agency.name,
                                                                   capture.landed_on)
        if report.newest is None or captured_at >= report.newest:
            report.newest = captured_at
            report.title, report.year = record["title"], record["year"]
            report.published_on = dt.date.fromisoformat(record["published_on"]) if record["published_on"] else None
        if all(v.sha256 != digest for v in report.versions):
            self._versions += 1
            report.versions.append(VersionView(self._versions, digest, record))


@pytest.fixture
def held() -> HeldScene:
    return HeldScene()


@pytest.fixture
def scenario(archive: Archive) -> Scenario:
    return Scenario(archive)


@pytest.fixture
def make_scenario():
    """A scene in an archive of your own: make_scenario(archive)."""
    return Scenario

