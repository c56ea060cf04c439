"""What a complete crawl of the simulated portal must find: every agency with its outcome (reached,
blocked, down), list pages and reports (with the tables each must parse to), and the decoys that
must never be archived as reports. URLs are (site, path), so `EXPECTED`, the outcome of the
initial portal (`new_sites()`), holds for any port; `expected_from(sites)` gives it for any
description (a `Portal` recomputes it after each change).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from nianbao.devportal.render import ReportTables

from .sites import Form, Outcome, Site, list_pages, new_sites, site_url


@dataclass(frozen=True)
class ExpectedReport:
    site: str
    path: str  # the URL (path and query) holding the report: the detail page or the attachment
    year: int
    tables: ReportTables  # what the report's record must hold
    form: Form
    page: str | None  # the detail page listing it (== path for HTML reports; None: linked from the list)
    host: str

    def url(self, port: int) -> str:
        return site_url(self.host, port, self.path)


@dataclass(frozen=True)
class ExpectedDecoy:
    site: str
    path: str
    reason: str
    host: str

    def url(self, port: int) -> str:
        return site_url(self.host, port, self.path)


@dataclass(frozen=True)
class ExpectedAgency:
    name: str
    region: str
    kind: str
    site: str
    host: str
    platform: str | None  # the platform a crawler should detect (None: never reached)
    list_paths: tuple[str, ...]  # the registry's list URLs (gkmlpt's carries its category as fragment)
    list_pages: tuple[str, ...]  # every list page a complete crawl requests (path and query)
    outcome: Outcome  # "ok", "blocked" (HTTP 412) or "down" (connection refused)
    reports: tuple[ExpectedReport, ...]

    def list_urls(self, port: int) -> tuple[str, ...]:
        return tuple(site_url(self.host, port, p) for p in self.list_paths)


@dataclass(frozen=True)
class Expected:
    agencies: tuple[ExpectedAgency, ...]
    decoys: tuple[ExpectedDecoy, ...]  # URLs that must never be archived as reports

    def agency(self, name: str) -> ExpectedAgency:
        return next(a for a in self.agencies if name in (a.name, a.site))

    def reports(self) -> Iterator[ExpectedReport]:
        for agency in self.agencies:
            yield from agency.reports

    def report_urls(self, port: int) -> dict[str, ExpectedReport]:
        return {r.url(port): r for r in self.reports()}

    def decoy_urls(self, port: int) -> set[str]:
        return {d.url(port) for d in self.decoys}


def expected_from(sites: dict[str, Site]) -> Expected:
    agencies: list[ExpectedAgency] = []
    decoys: list[ExpectedDecoy] = []
    for site in sites.values():
        for entry in site.entries:
            if entry.role == "decoy":
                where = sites[entry.offsite] if entry.offsite else site
                decoys.append(ExpectedDecoy(where.key, entry.link_path, entry.reason, where.host))
        if site.region is None or site.kind is None:
            continue
        outcome: Outcome = "down" if not site.serving else "blocked" if site.blocked else "ok"
        reports = tuple(
            ExpectedReport(site.key, e.report_path, e.tables.year, e.tables, e.form, e.path, site.host)
            for e in site.entries
            if e.role == "report" and e.tables is not None and not e.removed and e.listed
        )
        agencies.append(ExpectedAgency(
            site.name, site.region, site.kind, site.key, site.host,
            site.platform if outcome == "ok" else None, (site.list_path,), list_pages(site), outcome, reports,
        ))
    return Expected(tuple(agencies), tuple(decoys))


EXPECTED = expected_from(new_sites())
