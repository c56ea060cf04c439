"""Crawl throughput and memory of `nianbao crawl` over the simulated portal, beside scrapy bench.

Pages/s and CPU ms per page of `nianbao crawl --no-politeness` over nianbao/devportal, beside
`scrapy bench` (the baseline, run in the same session), and the crawl's peak memory at each size
asked (each its own crawl, measured, never extrapolated).

    .venv/bin/python bench/crawl.py [--pages 10000] [--quick] [--long-columns]
    .venv/bin/python bench/crawl.py --pages 1000,10000,50000 [--compare-with ../nianbao-before]
    .venv/bin/python bench/crawl.py --browser [--copies 5]

`--compare-with CHECKOUT` also crawls the first size with the code of another checkout (e.g.
`git worktree add --detach ../nianbao-before <commit>`; the child gets it first on PYTHONPATH, the
same venv), right after this code's crawl of the same pages and the same scrapy bench: a
before/after in one session on a shared machine.

Each crawl is a child process (`nianbao crawl --config <portal registry> --no-politeness`) into a
fresh temporary data folder (SQLite archive, blobs, HTTP cache), against the portal served from
this process on 127.0.0.N. Three sizes:

- the default portal (~55 requests: reports, decoys, attachments, a 503 that recovers, a page
  that answers after 2 s, a blocked and a down agency);
- ~500 requests (200 with --quick) as long columns: every column padded with filler documents
  (`new_sites(filler=N)`) and `max_pages` raised in the registry so the whole column is walked;
- `--pages` requests (default 10,000; 1,000 with --quick; several sizes comma-separated) as many
  agencies: copies of each platform's site under other place names on their own addresses,
  columns padded up to the registry's default 50 list pages (bench/_portal_sites.py); past the
  ~12,000 pages the addresses allow that way, every copy's column padded further, its max_pages
  raised. With --long-columns, as one portal
  of very long columns instead: slow, because every list page re-requests all the later pages
  its platform states (the dupefilter drops them), a cost per page that grows with the column.

Filler documents are not reports, so the crawler only lists them: the extra requests are list
pages. Pages are the portal's own request counts (every answer: 200s, 503s, the blocked site's
412, robots.txt), as `scrapy bench` counts responses.

Wall time is the child's whole life (start-up, migrations, closing); "while fetching" is from the
first request the portal saw to the last one. CPU is the crawl's whole process tree: the child's
user+system time from `os.wait4` (the per-child form of `getrusage(RUSAGE_CHILDREN)`: it includes
the descendants the child reaped, through every parent between, and only those), and the tree
sampled from /proc every 20 ms (the crawl process, its parse workers, Playwright's driver and
Chromium, each as last seen); the larger is counted (Chromium's processes are not all reaped
through the crawl); the browser path's share (Chromium and Playwright's driver, by process name)
is printed apart, and stays counted. Peak memory is the crawl process's own VmHWM (exact), printed beside its
descendants' summed RSS peak and wait4's max RSS (the crawl's or its largest reaped
descendant's). The portal's own CPU (this process, its serving threads) is printed beside it:
both share the machine's cores.

`scrapy bench` runs from an empty folder (so this project's scrapy.cfg settings stay out) with
CLOSESPIDER_TIMEOUT=10; its pages and rate come from its "Crawled N pages (at M pages/min)"
lines and final stats. It starts its server as its own child and reaps it, so the server's CPU
would land in the bench's figure: it is sampled from /proc while it runs and subtracted.

With --browser (issue 15), instead: the browser path beside the plain path on the same pages.
The portal's agencies the plain path reads (every platform's site, `--copies` of each, default 5;
not the blocked and down agencies) are crawled twice in this session, once as registered and
once with `browser = true` on every agency, which sends each column's first list page through
Chromium (crawler/browser.py; the report pages, attachments and later list pages stay plain, as
the key does). The portal's request log of the two runs is compared, so both fetched the same
pages. Beside the figures above, the crawl's process tree is sampled from /proc every 20 ms:
the crawl process's own peak RSS (its VmHWM, exact; wait4's max RSS would be its largest
child's, Chromium's, if larger), and for its descendants (Playwright's driver, Chromium and its
renderers) their CPU (each one's utime+stime as last seen, summed) and the peak of their summed
RSS and summed PSS (RSS counts pages they share once per process; PSS splits them). CPU ms/page
is the crawl's whole tree (wait4: the crawl process and every descendant it reaped). The
browser run's figures are printed as ratios of the plain run's: the machine is shared, compare
those.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import statistics
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as `python bench/crawl.py` (as README.md says), Python puts bench/ on the path, not the
# repository: bench._portal_sites, bench's own helper, is found from here.
sys.path.insert(0, str(ROOT))

from bench._portal_sites import (
    DEFAULT_MAX_PAGES,
    FIRST_COPY_OCTET,
    LAST_OCTET,
    PLATFORM_SITES,
    filler_within_default_limit,
    long_columns,
    many_agencies,
    max_copies,
)
from nianbao.devportal import Portal
from nianbao.devportal.sites import Site, list_pages, new_sites

VENV_BIN = ROOT / ".venv" / "bin"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20
PSS_EVERY = 5  # ticks between two reads of the descendants' smaps_rollup (costlier than statm)
TIMEOUT = 3600  # seconds for one child; a 10,000-page crawl takes a few minutes
CRAWLED = re.compile(r"Crawled (\d+) pages \(at (\d+) pages/min\)")
RESPONSE_COUNT = re.compile(r"'downloader/response_count': (\d+)")
BROWSER_PAGES = re.compile(r"'nianbao/browser/pages': (\d+)")


# ---------------------------------------------------------------------------------------------
# Running a child and measuring it


@dataclass
class ChildRun:
    argv: list[str]
    wall: float = 0.0  # seconds, from start to reaped
    cpu: float = 0.0  # user + system seconds of the child and the children it reaped
    max_rss_mb: float = 0.0
    returncode: int = 0
    stdout: str = ""
    stderr: list[tuple[float, str]] = field(default_factory=list)  # (seconds since start, line)


def run_child(argv: list[str], *, cwd: Path, env: dict[str, str],
              on_tick: Callable[[int, float], None] | None = None) -> ChildRun:
    """Run `argv` to its end; `on_tick(pid, elapsed)` is called every 20 ms while it runs."""
    run = ChildRun(argv)
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    out: list[bytes] = []

    def read_stderr() -> None:
        for raw in proc.stderr:  # type: ignore[union-attr]
            run.stderr.append((time.perf_counter() - start, raw.decode("utf-8", "replace").rstrip()))

    readers = [threading.Thread(target=read_stderr, daemon=True),
               threading.Thread(target=lambda: out.append(proc.stdout.read()), daemon=True)]  # type: ignore[union-attr]
    for reader in readers:
        reader.start()
    while True:
        # wait4 rather than Popen.wait: it hands back this child's own rusage (CPU, max RSS).
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        elapsed = time.perf_counter() - start
        if elapsed > TIMEOUT:
            proc.kill()
        if on_tick is not None:
            on_tick(proc.pid, elapsed)
        time.sleep(0.02)
    run.wall = time.perf_counter() - start
    proc.returncode = run.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join(timeout=10)
    run.cpu = usage.ru_utime + usage.ru_stime
    run.max_rss_mb = usage.ru_maxrss / 1024  # KiB on Linux
    run.stdout = b"".join(out).decode("utf-8", "replace")
    return run


def child_pids(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of a live process, from /proc (None once it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # fields 14 and 15 of proc(5)


def own_cpu() -> float:
    times = os.times()
    return times.user + times.system


def _children_of(pid: int) -> list[int]:
    """Children of every thread of `pid` (a process started from a thread is that thread's child)."""
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            found.extend(int(p) for p in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for child in _children_of(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def _status_mb(pid: int, key: str) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return None


def _rss_mb(pid: int) -> float:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_MB
    except OSError:
        return 0.0


def _pss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@dataclass
class TreeSample:
    """What sampling a crawl's process tree from /proc saw (see the module docstring, --browser)."""

    own_peak_mb: float = 0.0  # the crawl process's VmHWM
    own_cpu: float = 0.0  # the crawl process's own utime+stime, last seen
    children_cpu: float = 0.0  # its descendants' utime+stime, each as last seen, summed
    children_rss_peak_mb: float = 0.0  # peak of the descendants' summed RSS
    children_pss_peak_mb: float = 0.0  # peak of the descendants' summed PSS
    children: dict[int, str] = field(default_factory=dict)  # every descendant seen: pid -> command name
    cpu_by_name: dict[str, float] = field(default_factory=dict)  # descendants' CPU by command name, summed
    cost: float = 0.0  # this process's CPU seconds spent sampling (not the portal's)


class TreeSampler:
    def __init__(self) -> None:
        self.sample = TreeSample()
        self._child_cpu: dict[int, float] = {}
        self._ticks = 0

    def tick(self, pid: int) -> None:
        started = time.thread_time()
        sample = self.sample
        peak = _status_mb(pid, "VmHWM")
        if peak is not None:
            sample.own_peak_mb = max(sample.own_peak_mb, peak)
        own = cpu_seconds(pid)
        if own is not None:
            sample.own_cpu = own
        kids = descendants(pid)
        rss = 0.0
        for child in kids:
            used = cpu_seconds(child)
            if used is None:
                continue
            self._child_cpu[child] = max(self._child_cpu.get(child, 0.0), used)
            if child not in sample.children:
                try:
                    sample.children[child] = Path(f"/proc/{child}/comm").read_text().strip()
                except OSError:
                    sample.children[child] = "?"
            rss += _rss_mb(child)
        sample.children_rss_peak_mb = max(sample.children_rss_peak_mb, rss)
        if kids and self._ticks % PSS_EVERY == 0:
            sample.children_pss_peak_mb = max(sample.children_pss_peak_mb, sum(_pss_mb(c) for c in kids))
        sample.children_cpu = sum(self._child_cpu.values())
        by_name: dict[str, float] = {}
        for child, used in self._child_cpu.items():
            name = sample.children.get(child, "?")
            by_name[name] = by_name.get(name, 0.0) + used
        sample.cpu_by_name = by_name
        self._ticks += 1
        sample.cost += time.thread_time() - started


# ---------------------------------------------------------------------------------------------
# scrapy bench


@dataclass
class BenchResult:
    pages: int
    wall: float
    cpu: float  # the bench process alone (its server's CPU subtracted)
    server_cpu: float
    fetching_rate: float  # pages/s between its first and last "Crawled" lines
    max_rss_mb: float

    @property
    def rate(self) -> float:
        return self.pages / self.wall

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / self.pages


def scrapy_bench(seconds: int) -> BenchResult:
    server: dict[int, float] = {}

    def sample_server(pid: int, _elapsed: float) -> None:
        for child in child_pids(pid):
            used = cpu_seconds(child)
            if used is not None:
                server[child] = max(server.get(child, 0.0), used)

    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-scrapy-") as empty:
        run = run_child([str(VENV_BIN / "scrapy"), "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}",
                         "-s", "LOG_LEVEL=INFO"], cwd=Path(empty), env=env, on_tick=sample_server)
    log = [(at, line) for at, line in run.stderr]
    crawled = [(at, int(m.group(1))) for at, line in log if (m := CRAWLED.search(line))]
    total = next((int(m.group(1)) for _, line in log if (m := RESPONSE_COUNT.search(line))), None)
    if run.returncode != 0 or not crawled or total is None:
        tail = "\n".join(line for _, line in log[-20:])
        raise SystemExit(f"scrapy bench failed (exit {run.returncode}):\n{tail}")
    (t0, n0), (t1, n1) = crawled[0], crawled[-1]
    server_cpu = sum(server.values())
    return BenchResult(total, run.wall, run.cpu - server_cpu, server_cpu,
                       (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0, run.max_rss_mb)


# ---------------------------------------------------------------------------------------------
# Crawling the portal


@dataclass
class CrawlResult:
    label: str
    layout: str  # what was crawled
    pages: int  # requests the portal answered
    statuses: dict[int, int]
    by_site: Counter[str]  # requests per site key
    wall: float
    fetching: float  # seconds from the portal's first request to its last
    cpu: float
    portal_cpu: float  # this process while the child ran: the portal's serving threads
    max_rss_mb: float
    returncode: int
    summary: str  # the crawl's own table
    targets: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (site, method, target) requests
    tree: TreeSample | None = None  # with a TreeSampler: what /proc showed of its process tree
    browser_pages: int = 0  # pages it sent through the browser (its closing stats in crawl.log)

    @property
    def rate(self) -> float:
        return self.pages / self.wall

    @property
    def fetching_rate(self) -> float:
        return self.pages / self.fetching if self.fetching > 0 else 0.0

    @property
    def tree_cpu(self) -> float:
        """The process tree's CPU as sampled from /proc: the crawl process and every descendant
        (parse workers, Playwright's driver, Chromium), each as last seen."""
        return self.tree.own_cpu + self.tree.children_cpu if self.tree is not None else 0.0

    @property
    def counted_cpu(self) -> float:
        """wait4's figure counts a descendant only once reaped (through every parent between):
        the larger of it and the sampled tree's."""
        return max(self.cpu, self.tree_cpu)

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.counted_cpu / self.pages


def crawl_portal(label: str, layout: str, sites: dict[str, Site], *,
                 sampler: TreeSampler | None = None, code: Path | None = None) -> CrawlResult:
    """Crawl `sites` in a child process; `code`: a checkout of nianbao whose code the child runs
    (put first on its path), for a before/after comparison in one session."""
    sampler = sampler if sampler is not None else TreeSampler()
    with Portal(sites=sites) as portal, tempfile.TemporaryDirectory(prefix="nianbao-bench-crawl-") as tmp:
        config = Path(tmp) / "portal.toml"
        config.write_text(portal.registry_toml(), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k not in ("NIANBAO_DATABASE_URL", "SCRAPY_SETTINGS_MODULE")}
        env["NIANBAO_DATA"] = str(Path(tmp) / "data")
        # The code of this checkout (or `code`'s), whichever checkout the venv was installed from.
        env["PYTHONPATH"] = str(code if code is not None else ROOT)
        seen: dict[str, float | None] = {"count": 0, "first": None, "last": 0.0}

        def watch(pid: int, elapsed: float) -> None:
            sampler.tick(pid)
            count = len(portal.requests)
            if count != seen["count"]:
                seen["count"] = count
                if seen["first"] is None:
                    seen["first"] = elapsed
                seen["last"] = elapsed

        cpu_before = own_cpu()
        run = run_child([str(VENV_BIN / "nianbao"), "crawl", "--config", str(config), "--no-politeness"],
                        cwd=ROOT, env=env, on_tick=watch)
        portal_cpu = own_cpu() - cpu_before - sampler.sample.cost
        hits = portal.requests.hits
        log = Path(tmp) / "data" / "crawl.log"
        browser_pages = ([int(m.group(1)) for m in BROWSER_PAGES.finditer(log.read_text("utf-8", "replace"))]
                         if log.exists() else [])
    pages = len(hits)
    # Exit 3 is expected: the portal's blocked and down agencies are crawl failures by design.
    if run.returncode not in (0, 3) or pages == 0:
        tail = "\n".join(line for _, line in run.stderr[-20:])
        raise SystemExit(f"{label}: nianbao crawl failed (exit {run.returncode}, {pages} requests):\n{tail}")
    first, last = seen["first"], seen["last"]
    fetching = (last - first) if first is not None and last is not None else 0.0
    return CrawlResult(label, layout, pages, dict(sorted(Counter(h.status for h in hits).items())),
                       Counter(h.site for h in hits), run.wall, fetching, run.cpu, portal_cpu, run.max_rss_mb,
                       run.returncode, run.stdout, Counter((h.site, h.method, h.target) for h in hits),
                       sampler.sample, browser_pages[-1] if browser_pages else 0)


def long_columns_for(pages: int, default: CrawlResult) -> tuple[str, dict[str, Site]]:
    """The default portal with columns long enough for about `pages` requests: the default
    crawl's requests plus the list pages the padding adds (bisection; monotonic in filler)."""
    base = sum(len(list_pages(site)) for site in new_sites().values())

    def predicted(filler: int) -> int:
        return default.pages + sum(len(list_pages(site)) for site in new_sites(filler=filler).values()) - base

    low, high = 0, max(8, pages * 2)
    while low < high:
        mid = (low + high) // 2
        if predicted(mid) < pages:
            low = mid + 1
        else:
            high = mid
    return f"one portal, {low} filler documents per column, no cap on list pages", long_columns(low)


def many_agencies_for(pages: int, default: CrawlResult) -> tuple[str, dict[str, Site]]:
    """Copies of the portal's agencies for about `pages` requests: the fewest copies that reach
    it with columns padded up to the default max_pages, then the least padding that does
    (predicted from the default crawl's requests per site plus the list pages padding adds).
    Beyond what every address's copy reaches so (~12,000 pages), every copy's column is padded
    past the default max_pages (raised in the registry)."""
    plain = new_sites()
    longest = filler_within_default_limit()

    def predicted(copies: int, filler: int) -> int:
        padded = new_sites(filler=filler)
        extra = {key: len(list_pages(padded[key])) - len(list_pages(plain[key])) for key in plain}
        first = sum(default.by_site[key] + extra[key] for key in plain)
        return first + (copies - 1) * sum(default.by_site[key] + extra[key] for key in PLATFORM_SITES)

    copies = next((n for n in range(1, max_copies() + 1) if predicted(n, longest) >= pages), max_copies())
    long = predicted(copies, longest) < pages
    low, high = 0, longest
    if long:
        low, high = longest, longest * 2
        while predicted(copies, high) < pages:
            low, high = high, high * 2
    while low < high:
        mid = (low + high) // 2
        if predicted(copies, mid) < pages:
            low = mid + 1
        else:
            high = mid
    agencies = sum(1 for s in plain.values() if s.region) + (copies - 1) * len(PLATFORM_SITES)
    limit = ("max_pages raised: columns past the default" if long
             else "columns within the default") + f" {DEFAULT_MAX_PAGES} list pages"
    layout = f"{agencies} agencies ({copies} of each platform), {low} filler documents per column, {limit}"
    return layout, many_agencies(copies, low, long=long)


# ---------------------------------------------------------------------------------------------
# The browser path beside the plain path (--browser)

BROWSER_PAGES_PER_CRAWL = 200  # crawler.settings.NIANBAO_BROWSER_PAGES_PER_CRAWL
# The platforms whose columns the two paths read alike. TRS is left out: its pages are GBK sent as
# UTF-8, which Chromium rendered as mojibake when these figures were first taken (the browser run
# missed 2 of 5 reports on its first list page); the browser is now handed the charset the bytes
# show (crawler.browser, tested in tests/crawler/test_crawl_browser.py), but TRS's mirror site
# is not in many_agencies' copies, so it stays out of this comparison.
BROWSER_PLATFORMS = ("hanweb", "vsb", "ucap", "gkmlpt", "static")
# What only a browser asks for: the scripts a page loads (images, media, fonts and stylesheets it
# does not fetch, crawler.browser_requests.FETCHED_TYPES). Not pages: counted apart.
SUBRESOURCE = re.compile(r"\.(js|css)(\?|$)")


def plain_readable(copies: int, *, browser: bool) -> dict[str, Site]:
    """`copies` of each of BROWSER_PLATFORMS' sites (many_agencies, no filler); with `browser`,
    every agency's registry entry says `browser = true`."""
    sites = {key: site for key, site in many_agencies(copies, 0).items() if site.platform in BROWSER_PLATFORMS}
    if browser:
        for site in sites.values():
            site.registry["browser"] = True
    return sites


def crawl_browser_pair(copies: int) -> tuple[CrawlResult, CrawlResult]:
    agencies = len(plain_readable(copies, browser=False))
    layout = (f"{agencies} agencies, {copies} of each platform but TRS, whose GBK-sent-as-UTF-8 pages the"
              " browser misreads")
    plain = crawl_portal("plain path", layout, plain_readable(copies, browser=False), sampler=TreeSampler())
    browser = crawl_portal("browser path (browser = true)", layout, plain_readable(copies, browser=True),
                           sampler=TreeSampler())
    return plain, browser


def _split(targets: Counter[tuple[str, str, str]]) -> tuple[Counter, Counter]:
    pages = Counter({t: n for t, n in targets.items() if not SUBRESOURCE.search(t[2])})
    return pages, targets - pages


def print_browser_pair(plain: CrawlResult, browser: CrawlResult) -> None:
    print(f"the browser path beside the plain path ({plain.layout})")
    plain_pages, plain_extra = _split(plain.targets)
    browser_pages, browser_extra = _split(browser.targets)
    scripts = sum(browser_extra.values()) - sum(plain_extra.values())
    if plain_pages == browser_pages:
        print(f"  same pages: both runs requested the same {plain_pages.total()} pages of the portal"
              f" (and the browser {scripts} scripts its pages load, not counted as pages)")
    else:
        only_plain, only_browser = plain_pages - browser_pages, browser_pages - plain_pages
        print(f"  NOT the same pages: {plain_pages.total()} plain, {browser_pages.total()} with the browser;"
              f" {only_plain.total()} only plain, {only_browser.total()} only with the browser, e.g.")
        for (site, method, target), n in list(only_plain.items())[:3]:
            print(f"    plain only:   {n}x {method} {site} {target}")
        for (site, method, target), n in list(only_browser.items())[:3]:
            print(f"    browser only: {n}x {method} {site} {target}")
    print(f"  through the browser: {browser.browser_pages} pages (each column's first list page; the rest plain,"
          f" with the browser's cookies); in the plain run: {plain.browser_pages}")
    assert plain.tree is not None and browser.tree is not None
    p, b = plain.tree, browser.tree
    n_plain, n_browser = plain_pages.total(), browser_pages.total()
    # CPU: wait4 counts only the descendants the crawl reaped (Chromium's are not all reaped through
    # it: measured, the sampled browser processes exceeded wait4's total); the sampled sum counts
    # each process as last seen (up to 20 ms short). The larger of the two.
    plain_cpu, browser_cpu = plain.counted_cpu, browser.counted_cpu

    def row(name: str, plain_value: float, browser_value: float, note: str = "", digits: int = 1) -> None:
        ratio = f"{browser_value / plain_value:6.2f}x" if plain_value > 0 else "     -"
        print(f"  {name:<42} {plain_value:9.{digits}f} {browser_value:9.{digits}f} {ratio}   {note}".rstrip())

    print(f"  {'':<42} {'plain':>9} {'browser':>9} {'ratio':>7}")
    row("pages/s, whole run", n_plain / plain.wall, n_browser / browser.wall,
        f"({plain.wall:.1f} s, {browser.wall:.1f} s)")
    row("pages/s, while fetching", n_plain / plain.fetching, n_browser / browser.fetching,
        f"({plain.fetching:.1f} s, {browser.fetching:.1f} s)")
    row("CPU ms/page, crawl and browser processes", 1000 * plain_cpu / n_plain, 1000 * browser_cpu / n_browser,
        f"({plain_cpu:.1f} s, {browser_cpu:.1f} s of CPU)")
    row("  of which the crawl process", 1000 * p.own_cpu / n_plain, 1000 * b.own_cpu / n_browser)
    row("  of which the browser processes", 1000 * p.children_cpu / n_plain, 1000 * b.children_cpu / n_browser,
        f"({len(b.children)} processes: {_process_names(b)})")
    row("CPU ms/page, the portal serving it", 1000 * plain.portal_cpu / n_plain,
        1000 * browser.portal_cpu / n_browser)
    row("peak RSS MB, the crawl process", p.own_peak_mb, b.own_peak_mb, "(its VmHWM)", 0)
    row("peak RSS MB, the browser processes", p.children_rss_peak_mb, b.children_rss_peak_mb,
        "(sampled sum; shared pages counted in each process)", 0)
    row("peak PSS MB, the browser processes", p.children_pss_peak_mb, b.children_pss_peak_mb,
        "(sampled sum every 100 ms; shared pages split)", 0)
    row("peak MB, crawl RSS + browser PSS", p.own_peak_mb + p.children_pss_peak_mb,
        b.own_peak_mb + b.children_pss_peak_mb, "(the two peaks added: an upper bound)", 0)
    if browser.browser_pages:
        per = browser.browser_pages
        print(f"  per page through the browser: +{1000 * (browser_cpu - plain_cpu) / per:.0f} CPU ms and"
              f" +{(browser.wall - plain.wall) / per:.2f} s of the whole run beside the plain run"
              f" ({per} pages; Chromium's start included)")
    print(f"  (CPU of the browser run: wait4 {browser.cpu:.1f} s, sampled {b.own_cpu + b.children_cpu:.1f} s;"
          f" the larger is counted)")


# Command names (/proc/PID/comm) of the browser path's processes: Chromium's and Playwright's node
# driver's (its threads name the process "node-MainThread" at times), Chromium's crash handler.
BROWSER_PROCESSES = ("chrom", "node", "ThreadPoolSingl")


def _process_names(sample: TreeSample) -> str:
    names = Counter(sample.children.values())
    return ", ".join(f"{n}x {name}" for name, n in names.most_common())


# ---------------------------------------------------------------------------------------------
# Output


def print_crawl(c: CrawlResult, bench: BenchResult) -> None:
    codes = ", ".join(f"{n}x{code}" for code, n in c.statuses.items())
    print(f"{c.label}: {c.pages} pages ({codes})")
    print(f"  ({c.layout})")
    print(f"  {c.rate:8.1f} pages/s whole run ({c.wall:.1f} s)          {c.rate / bench.rate:5.2f}x scrapy bench's")
    print(f"  {c.fetching_rate:8.1f} pages/s while fetching ({c.fetching:.1f} s)"
          f"{'':{max(0, 6 - len(f'{c.fetching:.1f}'))}}{c.fetching_rate / bench.fetching_rate:5.2f}x scrapy bench's")
    print(f"  {c.cpu_ms:8.1f} CPU ms/page ({c.counted_cpu:.1f} s of CPU)"
          f"{'':{max(0, 11 - len(f'{c.counted_cpu:.1f}'))}}{c.cpu_ms / bench.cpu_ms:5.1f}x scrapy bench's"
          f"   (the portal serving it: {1000 * c.portal_cpu / c.pages:.1f} ms/page)")
    tree = c.tree
    if tree is not None:
        print(f"           CPU of the whole tree: wait4 {c.cpu:.1f} s (the crawl and what it reaped), sampled"
              f" {c.tree_cpu:.1f} s (crawl process {tree.own_cpu:.1f} s, {len(tree.children)} descendants"
              f" {tree.children_cpu:.1f} s: {_process_names(tree) or 'none'}); the larger counted")
        browser = sum(cpu for name, cpu in tree.cpu_by_name.items() if name.startswith(BROWSER_PROCESSES))
        print(f"           of which the browser path (Chromium, Playwright's driver) {browser:.1f} s,"
              f" other descendants (parse workers and the like) {tree.children_cpu - browser:.1f} s; without the browser's:"
              f" {1000 * (c.counted_cpu - browser) / c.pages:.1f} CPU ms/page (counted above all the same)")
        print(f"  {tree.own_peak_mb:8.0f} MB peak RSS of the crawl process (its VmHWM); its descendants'"
              f" summed RSS peaked at {tree.children_rss_peak_mb:.0f} MB")
    print(f"  {c.max_rss_mb:8.0f} MB wait4's max RSS (the crawl process or its largest reaped descendant)")


def _peak_mb(c: CrawlResult) -> float:
    return c.tree.own_peak_mb if c.tree is not None and c.tree.own_peak_mb else c.max_rss_mb


def repeat_pairs(repeat: int, pages: int, default: CrawlResult, bench_seconds: int, long_columns: bool) -> None:
    """`repeat` pairs of scrapy bench and this code's crawl of about `pages` pages, back to back:
    each pair's ratios, then their medians (the issue's targets are ratios; the machine's speed
    drifts by tens of percent between runs minutes apart, scrapy bench's own CPU ms/page too)."""
    fetching, cpu = [], []
    print(f"{repeat} pairs, scrapy bench then the ~{pages}-page crawl:")
    for n in range(1, repeat + 1):
        bench = scrapy_bench(bench_seconds)
        layout, sites = (long_columns_for if long_columns else many_agencies_for)(pages, default)
        crawl = crawl_portal(f"~{pages} pages", layout, sites)
        fetching.append(crawl.fetching_rate / bench.fetching_rate)
        cpu.append(crawl.cpu_ms / bench.cpu_ms)
        print(f"  pair {n}: scrapy bench {bench.fetching_rate:.1f} pages/s while fetching, {bench.cpu_ms:.1f} CPU ms/page;"
              f" crawl {crawl.fetching_rate:.1f} pages/s, {crawl.cpu_ms:.1f} CPU ms/page ({crawl.pages} pages): "
              f"{fetching[-1]:.2f}x pages/s while fetching, {cpu[-1]:.2f}x CPU ms/page"
              f" (load {os.getloadavg()[0]:.1f})", flush=True)
    print(f"  medians of {repeat} pairs: {statistics.median(fetching):.2f}x scrapy bench's pages/s while fetching"
          f" (range {min(fetching):.2f}-{max(fetching):.2f}), {statistics.median(cpu):.2f}x its CPU ms/page"
          f" (range {min(cpu):.2f}-{max(cpu):.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", default=None,
                        help="requests of the large crawls, comma-separated (default 10000; 1000 with --quick),"
                             " e.g. 1000,10000,50000")
    parser.add_argument("--quick", action="store_true",
                        help="a short run: scrapy bench for 5 s, a ~200-page middle size, --pages 1000")
    parser.add_argument("--long-columns", action="store_true",
                        help="make the largest crawl one portal with very long columns instead of many agencies"
                             " (slow: the crawl's cost per page grows with a column's length)")
    parser.add_argument("--compare-with", type=Path, metavar="CHECKOUT",
                        help="also crawl the first --pages size with the code of this checkout of nianbao (e.g. a"
                             " `git worktree` of an earlier commit), beside the same scrapy bench: before/after")
    parser.add_argument("--browser", action="store_true",
                        help="instead: the browser path beside the plain path on the same pages (pages/s, CPU"
                             " ms/page and peak RSS of the crawl and of Chromium, as ratios of the plain path's)")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="then N pairs, each scrapy bench and a crawl of the first --pages size run back to"
                             " back, with each pair's ratios and their medians (this machine's speed drifts: a"
                             " pair run together compares like with like)")
    parser.add_argument("--copies", type=int, default=5,
                        help="with --browser: agencies of each platform (default 5: 30 agencies, 30 browser pages)")
    args = parser.parse_args()
    if args.browser:
        top = min((LAST_OCTET - FIRST_COPY_OCTET + 1) // len(PLATFORM_SITES) + 1,
                  BROWSER_PAGES_PER_CRAWL // len(PLATFORM_SITES))
        if not 1 <= args.copies <= top:
            parser.error(f"--copies must be 1..{top} (one address per site, within the crawl's browser pages)")
        print_browser_pair(*crawl_browser_pair(args.copies))
        return
    try:
        sizes = ([int(n) for n in args.pages.replace("_", "").split(",")] if args.pages
                 else [1000 if args.quick else 10_000])
    except ValueError:
        parser.error(f"--pages takes numbers separated by commas, not {args.pages!r}")
    if args.compare_with is not None and not (args.compare_with / "crawler").is_dir():
        parser.error(f"--compare-with: {args.compare_with} is not a checkout of nianbao (no crawler/ in it)")
    middle = 200 if args.quick else 500
    bench_seconds = 5 if args.quick else 10

    print(f"load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    bench = scrapy_bench(bench_seconds)
    print(f"scrapy bench ({bench_seconds} s; its follow-all-links spider and its own local server): {bench.pages} pages")
    print(f"  {bench.rate:8.1f} pages/s whole run ({bench.wall:.1f} s)")
    print(f"  {bench.fetching_rate:8.1f} pages/s while fetching (between its first and last 'Crawled' lines)")
    print(f"  {bench.cpu_ms:8.1f} CPU ms/page ({bench.cpu:.1f} s; its server's {bench.server_cpu:.1f} s not counted,"
          f" {1000 * bench.server_cpu / bench.pages:.1f} ms/page)")
    print(f"  {bench.max_rss_mb:8.0f} MB peak RSS")

    default = crawl_portal("default portal", "nianbao/devportal as the crawler tests serve it", new_sites())
    print_crawl(default, bench)
    layout, sites = long_columns_for(middle, default)
    print_crawl(crawl_portal(f"~{middle} pages, long columns", layout, sites), bench)
    large: list[CrawlResult] = []
    for n, pages in enumerate(sizes):
        layout, sites = (long_columns_for if args.long_columns else many_agencies_for)(pages, default)
        if n == 0 and args.compare_with is not None:
            before = crawl_portal(f"~{pages} pages, the code at {args.compare_with}", layout, sites,
                                  code=args.compare_with.resolve())
            print_crawl(before, bench)
            layout, sites = (long_columns_for if args.long_columns else many_agencies_for)(pages, default)
        big = crawl_portal(f"~{pages} pages", layout, sites)
        print_crawl(big, bench)
        if n == 0 and args.compare_with is not None:
            print(f"  this code against {args.compare_with}'s: {big.fetching_rate / before.fetching_rate:.2f}x pages/s"
                  f" while fetching, {big.cpu_ms / before.cpu_ms:.2f}x CPU ms/page, {_peak_mb(big) / _peak_mb(before):.2f}x"
                  " peak RSS")
        large.append(big)
        print(f"  (load average now: {' '.join(f'{x:.1f}' for x in os.getloadavg())})", flush=True)

    if args.repeat > 1:
        repeat_pairs(args.repeat, sizes[0], default, bench_seconds, args.long_columns)

    big = max(large, key=lambda c: c.pages)
    if big.pages > default.pages:
        extra = big.pages - default.pages
        marginal_cpu = 1000 * (big.counted_cpu - default.counted_cpu) / extra
        print(f"marginal, default portal -> {big.pages} pages: {marginal_cpu:.1f} CPU ms/page"
              f" ({marginal_cpu / bench.cpu_ms:.1f}x scrapy bench's)")
    print("peak RSS of the crawl process (measured, each size its own crawl): "
          + ", ".join(f"{c.pages} pages {_peak_mb(c):.0f} MB" for c in [default, *large]))
    near_10k = [c for c in large if abs(c.pages - 10_000) <= 1_000]
    if near_10k and big.pages >= 40_000:
        print(f"peak RSS at {big.pages} pages / at {near_10k[0].pages}: {_peak_mb(big) / _peak_mb(near_10k[0]):.2f}x"
              " (issue 17 asks within 1.2x)")


if __name__ == "__main__":
    main()
