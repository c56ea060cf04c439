"""Discovery, attribution and crawl end to end over the national test web (issue 14's acceptance).

    .venv/bin/python bench/discover.py [--seed 5] [--region 江苏省 --region 浙江省 …] [--limit N]

From nothing typed by hand: the web (nianbao.devportal.national_web) is generated for the
regions' governments from `--seed` and served on 127.3.x.y; the registry is written by
`nianbao agencies import --divisions --region R` (once per region) and `nianbao agencies import
--portals <the web's CSV>` into a fresh file; `nianbao crawl --no-politeness` (robots.txt
obeyed) crawls it into a fresh archive. The archive is then compared with the web's truth:

- discovery: recall over the columns a polite crawler can reach that list items (an active stored
  column matches a column of the truth by its first page's URL), and over every reachable
  column; precision: the active stored columns that are columns of the truth (index pages, list
  pages, redirect stubs and walled columns included; columns marked moved left out);
- reports archived / reachable reports (matched by the URL holding the report or its page);
- misattributed: archived reports filed under a registered agency other than the truth's, and
  reports of a registered agency filed under none; reports of departments (unregistered) filed
  under none with `agency_name` naming another unit are counted apart;
- news and interpretations (`truth.not_report_urls()`) archived as reports;
- requests per portal (every request the web answered during the crawl, robots.txt included);
- the monitor (`nianbao.monitoring.evaluate`, as `nianbao monitor` runs it) for every registered
  government and year 2019-2023 against the truth: published (on time or late) when a reachable
  report exists, unreachable when its reports are all behind robots/script-only columns;
  `missing` where the truth has a report is the failure the issue forbids.

Then `move()` moves the movable 年报 roots, the same registry is crawled again into the same
archive, and the same figures are printed, with the moved columns rediscovered (the new first
page stored as an active column) and the moved columns' reports listed again by the second crawl
(the report link in a list page read by a crawl run of the second crawl).

`run_end_to_end` is what tests/crawler/test_national_acceptance.py asserts on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as `python bench/discover.py`

from sqlalchemy import select  # noqa: E402

from crawler.registry import load_registry  # noqa: E402
from crawler.registry_divisions import national_governments, select_region  # noqa: E402
from nianbao.devportal.crawl_process import NIANBAO_EXECUTABLE, crawl_environment, run_crawl  # noqa: E402
from nianbao.devportal.national_web import NationalWeb, Truth  # noqa: E402
from nianbao.monitoring import evaluate  # noqa: E402
from storage import Archive  # noqa: E402
from storage.clock import china_today  # noqa: E402
from storage.discovered import discovered_columns  # noqa: E402
from storage.models import Agency as AgencyRow  # noqa: E402
from storage.models import CrawlRun, Report  # noqa: E402

YEARS = range(2019, 2024)
PUBLISHED = ("on_time", "late")


def norm(url: str) -> str:
    """A URL as compared: no fragment (but a gkmlpt column's #category), no index page name."""
    if "/gkmlpt/index#" not in url:
        url = urldefrag(url)[0]
    for name in ("index.html", "index.shtml", "index.htm", "index.jhtml"):
        if url.endswith("/" + name):
            return url[: -len(name)]
    return url


@dataclass
class Figures:
    """One crawl's figures against the truth as it stood then."""

    seconds: float
    exit_code: int
    portals: int
    columns_wanted: int  # reachable columns listing items
    columns_wanted_found: int
    columns_reachable: int
    columns_reachable_found: int
    stored_columns: int
    stored_columns_true: int
    reachable_reports: int
    reports_found: int
    wrong_agency: list[tuple[str, str, str]]  # url, truth's agency, filed under
    registered_unfiled: list[tuple[str, str]]  # url, truth's (registered) agency: filed under none
    unit_misnamed: list[tuple[str, str, str | None]]  # department reports under none naming another unit
    noise_archived: list[str]
    walled_archived: list[str]
    requests: int
    monitor: Counter[tuple[str, str]]  # (truth, monitor) per government and year
    missing_not_missing: list[tuple[str, int, str]]  # monitor says missing where the truth has a report
    lost_reports: list[str] = field(default_factory=list)
    moves: int = 0
    moves_rediscovered: int = 0
    moved_reports: int = 0
    moved_reports_listed: int = 0

    @property
    def recall(self) -> float:
        return self.columns_wanted_found / max(1, self.columns_wanted)

    @property
    def precision(self) -> float:
        return self.stored_columns_true / max(1, self.stored_columns)

    @property
    def report_ratio(self) -> float:
        return self.reports_found / max(1, self.reachable_reports)

    @property
    def monitor_agree(self) -> int:
        return sum(n for (truth, seen), n in self.monitor.items()
                   if truth == seen or (truth == "published" and seen in PUBLISHED))

    def lines(self) -> list[str]:
        monitor_total = sum(self.monitor.values())
        out = [
            f"  crawl: exit {self.exit_code}, {self.seconds:.1f} s, {self.requests} requests = "
            f"{self.requests / max(1, self.portals):.1f} per portal",
            f"  discovery recall (reachable columns listing items): {self.columns_wanted_found}/{self.columns_wanted}"
            f" = {self.recall:.4f}; every reachable column: {self.columns_reachable_found}/{self.columns_reachable}"
            f" = {self.columns_reachable_found / max(1, self.columns_reachable):.4f}",
            f"  discovery precision: {self.stored_columns_true}/{self.stored_columns} = {self.precision:.4f}",
            f"  reports archived / reachable: {self.reports_found}/{self.reachable_reports} = {self.report_ratio:.4f}",
            f"  misattributed (under another registered agency): {len(self.wrong_agency)}; registered agency's "
            f"report filed under none: {len(self.registered_unfiled)}; unit reports naming another unit: "
            f"{len(self.unit_misnamed)}",
            f"  news/interpretations archived as reports: {len(self.noise_archived)}; walled reports archived: "
            f"{len(self.walled_archived)}",
            f"  monitor = truth: {self.monitor_agree}/{monitor_total}; 'missing' where a report exists: "
            f"{len(self.missing_not_missing)}  ({dict(sorted(self.monitor.items()))})",
        ]
        if self.moves:
            out.append(f"  moved columns rediscovered: {self.moves_rediscovered}/{self.moves}; their reports "
                       f"listed again: {self.moved_reports_listed}/{self.moved_reports}")
        for label, items in (("wrong agency", self.wrong_agency), ("registered, filed under none",
                             self.registered_unfiled), ("unit misnamed", self.unit_misnamed),
                             ("noise archived", self.noise_archived), ("missing", self.missing_not_missing),
                             ("lost", self.lost_reports)):
            for item in items[:5]:
                out.append(f"    {label}: {item}")
        return out


# -- the steps ---------------------------------------------------------------------------------

def import_registry(folder: Path, regions: Iterable[str], portal_csv: str) -> Path:
    """The registry file `nianbao agencies import` writes from the division data and the CSV."""
    registry = folder / "registry.toml"
    csv_path = folder / "portals.csv"
    csv_path.write_text(portal_csv, encoding="utf-8")
    env = crawl_environment(folder / "data")
    for region in regions:
        _check([NIANBAO_EXECUTABLE, "agencies", "import", "--divisions", "--region", region, "--out", str(registry)],
               env)
    _check([NIANBAO_EXECUTABLE, "agencies", "import", "--portals", str(csv_path), "--out", str(registry)], env)
    return registry


def _check(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {result.returncode}: {result.stderr[-2000:]}")


def crawl(registry: Path, data: Path, timeout: float) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    result = run_crawl(registry, data, timeout=timeout)
    return result, time.monotonic() - started


def _archived(data: Path) -> tuple[dict[str, tuple[str | None, str | None]], list]:
    """Report URL -> (filed under, agency_name); and every discovered column."""
    archive = Archive.open(data)
    try:
        with archive.session() as session:
            rows = session.execute(select(Report.url, AgencyRow.name, Report.agency_name)
                                   .outerjoin(AgencyRow, Report.agency_id == AgencyRow.id)).all()
        columns = discovered_columns(archive)
    finally:
        archive.close()
    return {url: (agency, named) for url, agency, named in rows}, columns


def _listed_since(data: Path, since: dt.datetime) -> set[str]:
    """Every URL a list page showed to a crawl run started at or after `since` (UTC)."""
    archive = Archive.open(data)
    try:
        with archive.session() as session:
            runs = session.scalars(select(CrawlRun.listed).where(CrawlRun.started_at >= since)).all()
    finally:
        archive.close()
    out: set[str] = set()
    for listed in runs:
        for link in listed or ():
            out.add(norm(link.get("url", "")))
            out.update(norm(a) for a in link.get("attachments", ()))
    return out


def monitor_statuses(data: Path, registry: Path) -> dict[tuple[str, int], str]:
    """The monitor's status of every registered government for 2019-2023, judged today."""
    agencies = [a for a in load_registry(registry) if a.kind == "government"]
    archive = Archive.open(data)
    try:
        out = {}
        for year in YEARS:
            for row in evaluate(archive, agencies, year, china_today()).agencies:
                out[(row.agency, year)] = str(row.status.value if hasattr(row.status, "value") else row.status)
        return out
    finally:
        archive.close()


def truth_statuses(truth: Truth, registered: set[str]) -> dict[tuple[str, int], str]:
    """What the monitor should say: published when a reachable report exists (anywhere),
    unreachable when the government's reports are all walled, else missing."""
    out = {}
    for name in registered:
        for year in YEARS:
            ours = [r for r in truth.reports if r.agency == name and r.year == year]
            if any(r.reachable for r in ours):
                out[(name, year)] = "published"
            elif ours:
                out[(name, year)] = "unreachable"
            else:
                out[(name, year)] = "missing"
    return out


def measure(truth: Truth, data: Path, registry: Path, result: subprocess.CompletedProcess, seconds: float,
            requests: int, since: dt.datetime | None = None) -> Figures:
    archived, stored = _archived(data)
    registered = {a.name for a in truth.agencies if a.registered}
    by_url = {norm(r.url): r for r in truth.reports}
    by_page = {norm(r.page): r for r in truth.reports if r.page}

    # discovery
    column_urls = {}
    for column in truth.columns:
        for url in (column.url, *column.pages, *((column.stub,) if column.stub else ())):
            column_urls.setdefault(norm(url), column)
    active = {norm(c.url) for c in stored if c.status == "active"}
    # A column is found when its own address is stored (a gkmlpt column's with its #category;
    # its later list pages or its redirect stub do not name it).
    first_pages = {norm(c.url): c for c in truth.columns}
    found_keys = {first_pages[u].key for u in active if u in first_pages}
    wanted = [c for c in truth.columns if c.reachable and c.has_items]
    reachable = [c for c in truth.columns if c.reachable]

    # reports
    found = set()
    wrong, unfiled, misnamed, walled = [], [], [], []
    for url, (agency, named) in archived.items():
        report = by_url.get(norm(url)) or by_page.get(norm(url))
        if report is None:
            continue
        if report.reachable:
            found.add(report.url)
        else:
            walled.append(url)
        if agency is not None and agency != report.agency:
            wrong.append((url, report.agency, agency))
        elif agency is None and report.agency in registered:
            unfiled.append((url, report.agency))
        elif agency is None and named and named != report.agency:
            misnamed.append((url, report.agency, named))
    noise = sorted(u for u in archived if norm(u) in {norm(n) for n in truth.not_report_urls()})
    lost = sorted(r.url for r in truth.reachable_reports() if r.url not in found)

    # monitor
    expected = truth_statuses(truth, registered)
    seen = monitor_statuses(data, registry)
    pairs = Counter((expected[key], seen.get(key, "absent")) for key in expected)
    missing_wrong = [(name, year, expected[(name, year)]) for (name, year) in expected
                     if seen.get((name, year)) == "missing" and expected[(name, year)] != "missing"]

    figures = Figures(seconds, result.returncode, len(truth.portals), len(wanted),
                      sum(1 for c in wanted if c.key in found_keys), len(reachable),
                      sum(1 for c in reachable if c.key in found_keys), len(active),
                      sum(1 for u in active if u in column_urls), len(truth.reachable_reports()), len(found),
                      wrong, unfiled, misnamed, noise, walled, requests, pairs, missing_wrong, lost)
    if since is not None and truth.moves:
        listed = _listed_since(data, since)
        moved_keys = {m.column for m in truth.moves}
        figures.moves = len(truth.moves)
        figures.moves_rediscovered = sum(1 for m in truth.moves if norm(m.new_url) in active)
        moved_reports = [r for r in truth.reachable_reports() if r.column in moved_keys]
        figures.moved_reports = len(moved_reports)
        figures.moved_reports_listed = sum(1 for r in moved_reports
                                           if norm(r.url) in listed or (r.page and norm(r.page) in listed))
    return figures


@dataclass
class EndToEnd:
    before: Figures
    after: Figures
    truth_before: Truth
    truth_after: Truth
    crawl_output: tuple[str, str]


def run_end_to_end(seed: int, regions: list[str], folder: Path, *, limit: int | None = None,
                   timeout: float = 3600) -> EndToEnd:
    """Generate and serve the web, import the registry, crawl, measure; move, crawl, measure."""
    chosen = [g for region in regions for g in select_region(national_governments(), region)]
    if limit is not None:
        chosen = chosen[:limit]
    with NationalWeb(seed=seed, governments_=chosen) as web:
        registry = import_registry(folder, regions, web.portal_csv())
        data = folder / "data"
        truth_before = web.truth
        result, seconds = crawl(registry, data, timeout)
        before = measure(truth_before, data, registry, result, seconds, len(web.requests.hits))
        output = result.stdout
        web.requests.clear()
        web.move()
        truth_after = web.truth
        since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        result, seconds = crawl(registry, data, timeout)
        after = measure(truth_after, data, registry, result, seconds, len(web.requests.hits), since)
    return EndToEnd(before, after, truth_before, truth_after, (output, result.stdout))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--region", action="append", help="a region (repeatable; default 江苏省, 浙江省, 广东省)")
    parser.add_argument("--limit", type=int, help="only the first N governments")
    parser.add_argument("--keep", type=Path, help="work in this folder (kept) instead of a temporary one")
    parser.add_argument("--show-crawl", action="store_true", help="print the crawls' outcome tables")
    args = parser.parse_args(argv)
    regions = args.region or ["江苏省", "浙江省", "广东省"]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="nianbao-discover-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        run = run_end_to_end(args.seed, regions, folder, limit=args.limit)
    truth = run.truth_before
    print(f"national web seed {args.seed}, {', '.join(regions)}: {len(truth.portals)} portals, "
          f"{sum(a.registered for a in truth.agencies)} registered governments, "
          f"{sum(not a.registered for a in truth.agencies)} departments/townships, {len(truth.columns)} columns, "
          f"{len(truth.reports)} reports ({len(truth.reachable_reports())} reachable), {len(truth.noise)} noise items")
    print("first crawl (fresh registry and archive):")
    print("\n".join(run.before.lines()))
    print(f"after move() ({len(run.truth_after.moves)} columns moved), second crawl:")
    print("\n".join(run.after.lines()))
    if args.show_crawl:
        for text in run.crawl_output:
            print(text)
    print(f"total {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
