"""The report gate's evidence (parsing/gate.py): on every document and page we have, does the gate
ever refuse a report, and how many non-reports does it refuse, at what cost?

    .venv/bin/python bench/gate.py [--national 60] [--sample 1000]

A payload is a report when `parse_report` makes a record of it, or when the generator that made
it says it is one (the simulated portal's report entries, the national web's truth). The gate
must pass every report (a false reject is a report it refuses: the script exits 1 on any); the
non-reports it refuses are the time it saves. PDF, Word and other binary payloads pass by their
type, unread; HTML and text payloads are judged on their words. Sources: ../shared/fixtures/real
and seeds, every file under tests/fixtures (the *.expected.json pins aside), the simulated
portal's sites (nianbao.devportal: every page each site serves, browser cases included), the
national web (`--national` governments of 江苏省, every page), sample_crawl's captures and
bench/ingest.py's small pages. Pages served by a handler (a query or a POST) are not included.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from parsing import ParseError, parse_report
from parsing.gate import gate
from parsing.sniff import PayloadType, sniff

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "fixtures"
PORT = 8080  # the port written into the generated pages' links (nothing is served)


@dataclass(frozen=True)
class Payload:
    url: str
    body: bytes
    content_type: str | None = None
    report: bool = False  # the generator says it is a report


@dataclass
class Tally:
    payloads: int = 0
    by_type: int = 0  # binary documents, passed unread
    reports: int = 0  # judged payloads that are reports (parser or truth)
    passed_reports: int = 0
    non_reports: int = 0
    refused: int = 0  # non-reports the gate refused
    false_rejects: list[str] = field(default_factory=list)
    gate_seconds: float = 0.0
    parse_seconds: float = 0.0
    judged: int = 0

    def line(self, name: str) -> str:
        gate_us = self.gate_seconds / max(1, self.judged) * 1e6
        parse_ms = self.parse_seconds / max(1, self.judged) * 1e3
        return (f"{name:22} {self.payloads:6} payloads ({self.by_type} binary, passed by type); "
                f"reports {self.passed_reports}/{self.reports} passed, false rejects {len(self.false_rejects)}; "
                f"non-reports refused {self.refused}/{self.non_reports}; gate {gate_us:.0f} us a page, "
                f"parse_report {parse_ms:.1f} ms")


def _is_document(body: bytes) -> bool:
    try:
        return sniff(body) not in (PayloadType.HTML, PayloadType.TEXT)
    except ParseError:
        return True  # refused by type: the gate does not judge it either


def judge(payloads: Iterator[Payload]) -> Tally:
    tally = Tally()
    for p in payloads:
        tally.payloads += 1
        if _is_document(p.body):
            tally.by_type += 1
            assert gate(p.body, p.content_type) is None, p.url
            continue
        tally.judged += 1
        start = time.perf_counter()
        refused = gate(p.body, p.content_type)
        tally.gate_seconds += time.perf_counter() - start
        start = time.perf_counter()
        try:
            parse_report(p.body, p.url, p.content_type)
            parsed = True
        except ParseError:
            parsed = False
        tally.parse_seconds += time.perf_counter() - start
        if parsed or p.report:
            tally.reports += 1
            if refused is None:
                tally.passed_reports += 1
            else:
                tally.false_rejects.append(f"{p.url}: {refused}")
        else:
            tally.non_reports += 1
            tally.refused += refused is not None
    return tally


def files(folder: Path, pattern: str = "*") -> Iterator[Payload]:
    for path in sorted(folder.rglob(pattern)):
        if path.is_file() and not path.name.endswith((".expected.json", "README.md", "VERSIONS")):
            yield Payload(path.as_uri(), path.read_bytes())


def portal_pages() -> Iterator[Payload]:
    from nianbao.devportal.browser_cases import browser_sites, build_browser_routes, paced_sites
    from nianbao.devportal.markup import build_routes, robots_routes
    from nianbao.devportal.sites import new_sites, normalize_target

    for sites, browser in ((new_sites(), False), (new_sites(filler=3), False), (browser_sites(), True),
                           (paced_sites(), True)):
        cache: dict = {}
        for site in sites.values():
            # A report linked as an attachment is the attachment; the page that links it is not one.
            reports = {normalize_target(target) for e in site.entries if e.role == "report"
                       for target in [e.attachment or e.path] if target}
            routes = (build_browser_routes(site, robots_routes(site), cache) if browser
                      else build_routes(site, sites, PORT, cache))
            yield from _routes(routes, f"http://{site.host}:{PORT}", reports)


def _routes(routes, base: str, reports: set[str]) -> Iterator[Payload]:
    for target, resource in routes.pages.items():
        resource = resource() if callable(resource) else resource
        if resource.status == 200:
            yield Payload(base + target, resource.body, resource.content_type,
                          report=target in reports)


def national_pages(governments: int) -> Iterator[Payload]:
    from nianbao.devportal.national_web import NationalWeb
    from nianbao.devportal.national_web.pages import build_portal
    from nianbao.devportal.national_web.truth import truth_of

    web = NationalWeb(0, limit=governments)
    reports = set(truth_of(web.plans, PORT, web.seed).report_urls())
    cache: dict = {}
    for plan in web.plans:
        base = f"http://{plan.host}:{PORT}"
        for target, resource in build_portal(plan, PORT, cache).pages.items():
            resource = resource() if callable(resource) else resource
            if resource.status == 200:
                yield Payload(base + target, resource.body, resource.content_type, report=base + target in reports)


def sample_pages(count: int) -> Iterator[Payload]:
    from nianbao.devportal.sample_crawl import sample_crawl

    for s in sample_crawl(count):
        if s.capture.status == 200:
            yield Payload(s.capture.url, s.capture.body, s.capture.content_type, report=s.kind == "report")


def small_pages(count: int) -> Iterator[Payload]:
    sys.path.insert(0, str(ROOT / "bench"))
    from ingest import small_crawl

    for c in small_crawl(count):
        if c.status == 200:
            yield Payload(c.url, c.body, c.content_type)


def monitor_pages() -> Iterator[Payload]:
    from nianbao.devportal import monitor_pages as pages

    for year in (2019, 2021, 2023):
        yield Payload(f"http://monitor/{year}.html", pages.report_page(pages.tables("云溪市财政局", year), f"{year + 1}-01-20"),
                      "text/html; charset=utf-8", report=True)
    yield Payload("http://monitor/", pages.home_page("云溪市财政局"), "text/html; charset=utf-8")
    yield Payload("http://monitor/list.html", pages.list_page("云溪市财政局", [("/a.html", "2023年报", "2024-01-20")]),
                  "text/html; charset=utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--national", type=int, default=60, help="governments of the national web (0: none)")
    parser.add_argument("--sample", type=int, default=1000, help="sample_crawl captures")
    args = parser.parse_args()
    sources = {
        "shared real + seeds": lambda: (p for folder in (SHARED / "real", SHARED / "seeds") for p in files(folder)),
        "tests/fixtures": lambda: files(ROOT / "tests" / "fixtures"),
        "devportal sites": portal_pages,
        "monitor pages": monitor_pages,
        f"national web ({args.national})": lambda: national_pages(args.national),
        f"sample_crawl ({args.sample})": lambda: sample_pages(args.sample),
        "small pages (2000)": lambda: small_pages(2000),
    }
    failed = False
    total = Tally()
    for name, source in sources.items():
        tally = judge(source())
        print(tally.line(name), flush=True)
        for reject in tally.false_rejects:
            print(f"  FALSE REJECT {reject}")
        failed |= bool(tally.false_rejects)
        for attr in ("payloads", "by_type", "reports", "passed_reports", "non_reports", "refused", "judged",
                     "gate_seconds", "parse_seconds"):
            setattr(total, attr, getattr(total, attr) + getattr(tally, attr))
        total.false_rejects += tally.false_rejects
    print(total.line("all"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
