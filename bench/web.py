"""Web UI latency under load: p50/p95 of mixed pages (home, search with Chinese queries of 2 and 4
characters, a report page, an agency page, the monitor page, /numbers) under 16 concurrent clients,
beside a static file (/static/style.css) served by the same `nianbao serve` process in the same
run (the baseline: what the server, the loopback and the client cost without the app's work).

    .venv/bin/python bench/web.py [--reports 10000] [--clients 16] [--requests 420] [--threads 4] [--processes 1]
                                     [--think SECONDS] [--keep DIR]

The archive is synthetic and bulk-inserted (SQLAlchemy Core executemany, no parsing; the search
index and the numbers table filled by `storage.search_index.rebuild`), so 10,000 reports build in
about a minute: agencies of generated regions (bench/search.py's names),
a report per year 2019-2023 each (one agency in seven misses 2022: the agency page shows a
missing year), every record a full 2021-format record parsed once from the monitor bench's
report page (bench/monitor's source, nianbao/devportal/monitor_pages.py) with bench/search.py's
narrative of 1,000-2,000 characters, its text the whole document as the search index sees it
(`parsing.form_text.document_text`), a capture whose bytes are a small HTML page in the blob store,
one crawl run with its list page per agency, and a registry naming every agency for the
monitoring pages.

The server is `nianbao serve` (waitress, its default 4 threads unless --threads) in its own
process; the clients are threads with keep-alive connections. Every kind of page is asked once
before timing, and each judged year's monitor page (its evaluation and its page are kept per
archive state: the first request of each is seconds on a few thousand agencies and is printed
apart). The monitoring pages are asked with `as_of` fixed, so the figures do not depend on
today's date. Beside the latencies, the server's CPU time per request in each phase (from /proc):
unlike latency it does not depend on how busy the machine is. The URL sets are wide (`page_kinds`): searches of 600 words with filters and pages,
any report or agency, every judged year's monitor page, /numbers of 42 fields by agency, region or
year, filtered or not. `--profile KIND` instead runs the app in this process under cProfile for
that page kind and prints where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import hashlib
import http.client
import json
import os
import pstats
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, urlencode

from sqlalchemy import insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # bench.search when run as a script

from bench.search import PROVINCES, VOCABULARY, percentile, regions_and_agencies, report_text, seed_sentences  # noqa: E402
from nianbao.devportal.monitor_pages import report_page, tables  # noqa: E402
from nianbao.devportal.sites import agencies_toml  # noqa: E402
from parsing import parse_report  # noqa: E402
from parsing.fields import field_paths  # noqa: E402
from parsing.form_text import document_text  # noqa: E402
from storage import Archive  # noqa: E402
from storage.models import Agency, Capture, CrawlRun, Report, ReportVersion  # noqa: E402
from storage.search_index import rebuild  # noqa: E402

UTC = dt.timezone.utc
YEARS = (2019, 2020, 2021, 2022, 2023)
AS_OF = "2024-06-01"  # the monitoring pages' day: 2023's reports are due and judged
MONITOR_YEAR = 2023
BATCH = 1000
# Chinese queries a reader types: 2 characters (answered by the short-gram index) and longer; these
# first, then QUERY_WORDS more of each length drawn from the reports' own sentences (`query_words`).
SHORT_QUERIES = ("复议", "公开", "诉讼", "收费", "政务", "申请")
LONG_QUERIES = ("行政复议", "依申请公开", "政策解读", "信息处理费", "政府信息公开", "主动公开")
QUERY_WORDS = 300
NUMBER_FIELDS = 40  # number cells the /numbers clients ask for, besides the two rates


# -- the archive --------------------------------------------------------------------------------
def _page(title: str, body: str) -> bytes:
    paragraphs = "".join(f"<p>{line}</p>" for line in body.split("\n"))
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><h1>{title}</h1>{paragraphs}</body></html>").encode("utf-8")


def _put_blob(archive: Archive, body: bytes) -> str:
    """The blob store's layout without its fsyncs (a bench archive need not survive a crash)."""
    digest = hashlib.sha256(body).hexdigest()
    path = archive.blobs.path(digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    return digest


def build(archive: Archive, reports: int, seed: int = 2024) -> tuple[list[dict], dict[str, list]]:
    """Fill `archive` with `reports` reports; the registry entries and what the clients ask for."""
    rng = random.Random(seed)
    sentences = seed_sentences()
    base = {y: parse_report(report_page(tables("基准局", y), f"{y + 1}-01-20"), "http://x/").to_dict() for y in YEARS}
    per_agency = len(YEARS) - 1 / 7
    names = regions_and_agencies(int(reports / per_agency) + 2, random.Random(seed + 1))
    entries, agencies, captures, runs, report_rows, versions = [], [], [], [], [], []
    report_ids: list[int] = []
    made = 0
    for number, (name, region, kind) in enumerate(names, start=1):
        if made >= reports:
            break
        host = f"www.a{number}.gov.cn"
        list_url = f"http://{host}/ndbg/"
        entries.append({"name": name, "region": region, "kind": kind, "list_urls": [list_url]})
        agencies.append({"id": number, "name": name, "region": region, "kind": kind, "list_urls": [list_url]})
        crawled = dt.datetime(2024, 4, 3, 3, tzinfo=UTC)
        runs.append({"id": number, "agency_id": number, "started_at": crawled,
                     "finished_at": crawled + dt.timedelta(minutes=3), "outcome": "reached", "pages_listed": 1,
                     "reports_found": len(YEARS), "errors": [], "listed": []})
        list_body = _page(f"{name}年度报告", "\n".join(f"{name}{y}年报告" for y in YEARS))
        captures.append({"url": list_url, "status": 200, "captured_at": crawled, "content_type": "text/html",
                         "sha256": _put_blob(archive, list_body), "size": len(list_body), "role": "list",
                         "source": "crawl", "headers": [], "run_id": number})
        for year in YEARS:
            if made >= reports or (number % 7 == 3 and year == 2022):  # one agency in seven misses 2022
                continue
            made += 1
            published = dt.date(year + 1, 1, 15) + dt.timedelta(days=rng.choice((0, 5, 10, 20, 40)))
            first = dt.datetime.combine(published, dt.time(3), UTC)
            narrative = report_text(rng, sentences, name, year)
            title = f"{name}{year}年政府信息公开工作年度报告"
            record = dict(base[year], agency=name, title=title, published_on=published.isoformat(),
                          sections={**base[year]["sections"], "overview": narrative.split("\n", 2)[-1]})
            body = _page(title, narrative)
            digest = _put_blob(archive, body)
            url = f"http://{host}/ndbg/{year}.html"
            captures.append({"url": url, "status": 200, "captured_at": first, "content_type": "text/html; charset=utf-8",
                             "sha256": digest, "size": len(body), "role": "report", "source": "crawl",
                             "headers": [["Content-Type", "text/html; charset=utf-8"]], "run_id": number})
            capture_index = len(captures)  # ids are given in insertion order from 1
            report_rows.append({"id": made, "url": url, "agency_id": number, "agency_name": name, "year": year,
                                "title": title, "published_on": published, "format": "2021",
                                "first_capture_id": capture_index, "first_seen_at": first})
            versions.append({"id": made, "report_id": made, "capture_id": capture_index, "sha256": digest,
                             "record": record, "record_sha256": digest, "checks_failed": int(rng.random() < 0.1),
                             "warnings": [], "text": document_text(record), "parser_version": "bench",
                             "created_at": first})
            report_ids.append(made)
    for i, row in enumerate(captures, start=1):
        row["id"] = i
    with archive.engine.begin() as connection:
        for table, rows in ((Agency, agencies), (CrawlRun, runs), (Capture, captures), (Report, report_rows),
                            (ReportVersion, versions)):
            for start in range(0, len(rows), BATCH):
                connection.execute(insert(table.__table__), rows[start:start + BATCH])
        rebuild(connection)
    targets = {"reports": report_ids, "agencies": [e["name"] for e in entries]}
    return entries, targets


# -- the load -----------------------------------------------------------------------------------
def query_words(seed: int = 7) -> tuple[list[str], list[str]]:
    """Words of 2 and of 4-6 Chinese characters a reader might search for: the fixed ones, then
    QUERY_WORDS of each drawn from the reports' sentences and the bench vocabulary (so most find
    something, and few searches repeat: a cache of pages would not help)."""
    rng = random.Random(seed)
    runs = [run for text in seed_sentences() + VOCABULARY for run in re.findall(r"[\u4e00-\u9fff]+", text)]
    short, long = list(SHORT_QUERIES), list(LONG_QUERIES)
    for words, lengths in ((short, (2,)), (long, (4, 5, 6))):
        seen = set(words)
        while len(words) < QUERY_WORDS + len(SHORT_QUERIES):
            run = rng.choice(runs)
            size = rng.choice(lengths)
            if len(run) < size:
                continue
            start = rng.randrange(len(run) - size + 1)
            word = run[start:start + size]
            if word not in seen:
                seen.add(word)
                words.append(word)
    return short, long


def number_fields(seed: int = 8) -> list[str]:
    """The rates and NUMBER_FIELDS cells of the 2021 form that /numbers clients ask for."""
    cells = sorted(path for path in field_paths() if path.startswith(("applications.", "review_litigation.", "active.")))
    return ["rate:refused", "rate:corrected"] + random.Random(seed).sample(cells, NUMBER_FIELDS)


def page_kinds(targets: dict[str, list]) -> dict[str, Callable[[random.Random], str]]:
    """Each kind of page the clients ask for: a function of a random source giving a path. The
    sets are wide (600 search words, with filters and pages; any report; any agency; every
    judged year; 42 number fields by agency, region or year, filtered or not), as a newsroom's
    readers would ask, so that what is kept must be what is computed once per archive state,
    not pages seen before."""
    short, long = query_words()
    fields = number_fields()
    years = [str(year) for year in YEARS]

    def search(words: list[str]) -> Callable[[random.Random], str]:
        def make(r: random.Random) -> str:
            args = [("q", r.choice(words))]
            if r.random() < 0.3:
                args.append(r.choice([("year", r.choice(years)), ("region", r.choice(PROVINCES)),
                                      ("kind", r.choice(("government", "department")))]))
            if r.random() < 0.15:
                args.append(("page", str(r.randint(2, 5))))
            return "/?" + urlencode(args)
        return make

    def numbers(r: random.Random) -> str:
        args = [("field", r.choice(fields)), ("by", r.choice(("agency", "region", "year")))]
        if r.random() < 0.3:
            args.append(("year", r.choice(years)))
        if r.random() < 0.2:
            args.append(("region", r.choice(PROVINCES)))
        return "/numbers?" + urlencode(args)

    return {
        "home": lambda r: "/",
        "search 2 chars": search(short),
        "search 4-6 chars": search(long),
        "report": lambda r: f"/reports/{r.choice(targets['reports'])}",
        "agency": lambda r: f"/agencies/{quote(r.choice(targets['agencies']))}?as_of={AS_OF}",
        "monitor": lambda r: f"/monitor/{r.choice(YEARS)}?as_of={AS_OF}",
        "numbers": numbers,
    }


class Client(threading.Thread):
    """One client: a keep-alive connection asking for `paths` in turn, timing each answer."""

    def __init__(self, host: str, port: int, paths: list[tuple[str, str]], think: float = 0.0, seed: int = 0) -> None:
        super().__init__(daemon=True)
        self.host, self.port, self.paths = host, port, paths
        self.think, self.pauses = think, random.Random(seed)  # a reader's pause between pages (mean, seconds)
        self.timings: list[tuple[str, float]] = []
        self.errors: list[str] = []

    def run(self) -> None:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
        for kind, path in self.paths:
            start = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as exc:
                self.errors.append(f"{path}: {exc!r}")
                connection.close()
                connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
                continue
            took = (time.perf_counter() - start) * 1000
            if response.status != 200:
                self.errors.append(f"{path}: HTTP {response.status}")
            self.timings.append((kind, took))
            if self.think:
                time.sleep(self.pauses.expovariate(1 / self.think))
        connection.close()


def load(host: str, port: int, paths: list[tuple[str, str]], clients: int,
         think: float = 0.0) -> tuple[dict[str, list[float]], float, list[str]]:
    """`paths` spread over `clients` concurrent clients; timings by kind, wall seconds, errors."""
    workers = [Client(host, port, paths[i::clients], think, seed=i) for i in range(clients)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    wall = time.perf_counter() - start
    by_kind: dict[str, list[float]] = {}
    for worker in workers:
        for kind, took in worker.timings:
            by_kind.setdefault(kind, []).append(took)
    return by_kind, wall, [e for w in workers for e in w.errors]


def serve(data: Path, registry: Path, threads: int, processes: int = 1) -> tuple[subprocess.Popen, int]:
    env = dict(os.environ, NIANBAO_DATA=str(data))
    env.pop("NIANBAO_DATABASE_URL", None)
    server = subprocess.Popen([str(Path(sys.executable).parent / "nianbao"), "serve", "--host", "127.0.0.1",
                               "--port", "0", "--threads", str(threads), "--processes", str(processes),
                               "--config", str(registry)],
                              env=env, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    deadline = time.monotonic() + 60
    lines = []
    while time.monotonic() < deadline:
        line = server.stderr.readline()
        if not line:
            raise SystemExit(f"nianbao serve exited ({server.poll()}): {''.join(lines)}")
        lines.append(line)
        match = re.search(r"serving on http://127\.0\.0\.1:(\d+)/", line)
        if match:
            threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()  # keep it drained
            return server, int(match.group(1))
    server.kill()
    raise SystemExit(f"nianbao serve did not start: {''.join(lines)}")


def summary(timings: list[float]) -> tuple[float, float]:
    return statistics.median(timings), percentile(timings, 0.95)


def profile(archive: Archive, registry: Path, kind: str, targets: dict[str, list], count: int) -> None:
    """Run `count` requests of one page kind through the app in this process under cProfile."""
    from nianbao.web.app import create_app

    app = create_app(archive, registry=registry)
    client = app.test_client()
    rng = random.Random(5)
    print("each page kind warm, one request at a time (5 each, in-process):")
    for name, maker in page_kinds(targets).items():
        client.get(maker(rng))  # warm
        start = time.perf_counter()
        for _ in range(5):
            assert client.get(maker(rng)).status_code == 200
        print(f"  {name:<17} {200 * (time.perf_counter() - start):>8.0f} ms", flush=True)
    make = page_kinds(targets)[kind]
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for _ in range(count):
        client.get(make(rng))
    profiler.disable()
    print(f"\nprofile of {count} x {kind}: {1000 * (time.perf_counter() - start) / count:.0f} ms each, one at a time")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=420, help="mixed requests (the static baseline asks as many)")
    parser.add_argument("--threads", type=int, default=4, help="the server's worker threads (serve's default: 4)")
    parser.add_argument("--processes", type=int, default=1, help="the server's processes (serve --processes)")
    parser.add_argument("--think", type=float, default=0.0, metavar="SECONDS",
                        help="also time the clients as readers pausing this long on average between pages")
    parser.add_argument("--keep", type=Path, help="build the archive in this folder and leave it there; "
                        "a folder an earlier --keep run built is reused as it is")
    parser.add_argument("--profile", metavar="KIND", help="profile one page kind in-process instead of the load run")
    args = parser.parse_args()
    if args.reports < 10 or args.clients < 1 or args.requests < args.clients:
        parser.error("--reports must be at least 10 and --requests at least --clients")
    data = args.keep or Path(tempfile.mkdtemp(prefix="nianbao-bench-web-"))
    try:
        archive = Archive.open(data)  # the default SQLite database under the data folder, as serve opens it
        start = time.perf_counter()
        registry = data / "agencies.toml"
        kept = data / "bench-web-targets.json"
        if args.keep is not None and kept.exists() and registry.exists():  # built by an earlier --keep run
            targets = json.loads(kept.read_text(encoding="utf-8"))
            print(f"reusing {len(targets['reports']):,} reports built earlier in {data}", flush=True)
        else:
            entries, targets = build(archive, args.reports)
            registry.write_text(agencies_toml(entries), encoding="utf-8")
            kept.write_text(json.dumps(targets), encoding="utf-8")
            print(f"built {len(targets['reports']):,} reports of {len(entries):,} agencies in "
                  f"{time.perf_counter() - start:.1f} s", flush=True)
        kinds = page_kinds(targets)
        if args.profile:
            if args.profile not in kinds:
                parser.error(f"--profile: one of {', '.join(kinds)}")
            profile(archive, registry, args.profile, targets, 3)
            archive.close()
            return
        archive.close()
        server, port = serve(data, registry, args.threads, args.processes)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a killed bench stops its server too
        try:
            run(port, kinds, args, server.pid)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    finally:
        if args.keep is None:
            shutil.rmtree(data, ignore_errors=True)


def cpu_seconds(pid: int | None) -> float | None:
    """The user + system CPU time so far of the process and its children, the server processes
    of `serve --processes` (Linux /proc), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
                    for child in (task / "children").read_text().split()]
    except (OSError, IndexError, TypeError):
        return None
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    return own + sum(cpu_seconds(child) or 0.0 for child in children)


def run(port: int, kinds: dict[str, Callable[[random.Random], str]], args: argparse.Namespace,
        pid: int | None = None) -> None:
    host = "127.0.0.1"
    rng = random.Random(11)
    print("first request of each page (caches cold), one client:", flush=True)
    for kind, make in kinds.items():
        timings, _, errors = load(host, port, [(kind, make(rng))], 1)
        if errors:
            raise SystemExit(f"{kind}: {errors[0]}")
        print(f"  {kind:<17} {timings[kind][0]:>8.0f} ms", flush=True)
    # The monitor pages are one per judged year: each is the whole registry's evaluation, drawn
    # once per archive state (seconds: evaluated, then ~1-2 s of templating for 2,059 agencies),
    # printed here apart like every first request, not inside the timed mix.
    for year in YEARS:
        path = f"/monitor/{year}?as_of={AS_OF}"
        timings, _, errors = load(host, port, [("monitor", path)], 1)
        if errors:
            raise SystemExit(f"{path}: {errors[0]}")
        print(f"  monitor {year}     {timings['monitor'][0]:>8.0f} ms", flush=True)
    names = list(kinds)
    mixed = [(names[i % len(names)], kinds[names[i % len(names)]](rng)) for i in range(args.requests)]
    rng.shuffle(mixed)
    static = [("static", "/static/style.css")] * args.requests
    rounds = {}
    print(f"\n{args.clients} concurrent clients, server processes {args.processes} x threads {args.threads}, "
          f"{os.cpu_count()} cores")
    # Static, mixed, static again: the machine is shared and noisy, so the baseline brackets the run.
    for label, paths in (("static before", static), ("mixed", mixed), ("static after", static)):
        cpu = cpu_seconds(pid)
        timings, wall, errors = load(host, port, paths, args.clients)
        cpu = None if cpu is None else cpu_seconds(pid) - cpu
        if errors:
            print(f"  {label}: {len(errors)} errors, e.g. {errors[:3]}", file=sys.stderr)
        rounds[label] = (timings, wall)
        count = sum(map(len, timings.values()))
        # The server's CPU per request does not depend on how busy the machine is, as latency does.
        spent = "" if cpu is None else f", server CPU {1000 * cpu / count:.1f} ms a request"
        print(f"  {label}: {count} requests in {wall:.0f} s{spent}, load average {os.getloadavg()[0]:.1f}", flush=True)
    static_all = rounds["static before"][0]["static"] + rounds["static after"][0]["static"]
    s50, s95 = summary(static_all)
    mixed_timings, wall = rounds["mixed"]
    every = [t for values in mixed_timings.values() for t in values]
    m50, m95 = summary(every)
    print(f"  {'page':<17} {'requests':>8} {'p50':>9} {'p95':>9} {'p50/static':>11} {'p95/static':>11}")
    for kind in names:
        p50, p95 = summary(mixed_timings[kind])
        print(f"  {kind:<17} {len(mixed_timings[kind]):>8} {p50:>6.0f} ms {p95:>6.0f} ms {p50 / s50:>10.1f}x {p95 / s95:>10.1f}x")
    print(f"  {'mixed, all':<17} {len(every):>8} {m50:>6.0f} ms {m95:>6.0f} ms {m50 / s50:>10.1f}x {m95 / s95:>10.1f}x"
          f"   ({len(every) / wall:.1f} pages/s)")
    for label in ("static before", "static after"):
        timings, swall = rounds[label]
        p50, p95 = summary(timings["static"])
        print(f"  {label:<17} {len(timings['static']):>8} {p50:>6.1f} ms {p95:>6.1f} ms"
              f"   ({len(timings['static']) / swall:.0f} files/s)")
    if args.think:
        # The same clients as readers: each pauses (exponentially, `--think` seconds on average)
        # between pages, as people reading them do; new URLs of the same kinds (none asked above).
        readers = [(names[i % len(names)], kinds[names[i % len(names)]](rng)) for i in range(args.requests)]
        rng.shuffle(readers)
        cpu = cpu_seconds(pid)
        timings, wall, errors = load(host, port, readers, args.clients, think=args.think)
        cpu = None if cpu is None else cpu_seconds(pid) - cpu
        if errors:
            print(f"  readers: {len(errors)} errors, e.g. {errors[:3]}", file=sys.stderr)
        every = [t for values in timings.values() for t in values]
        r50, r95 = summary(every)
        spent = "" if cpu is None else f", server CPU {1000 * cpu / len(every):.1f} ms a request"
        print(f"\n{args.clients} readers pausing {args.think:g} s on average between pages: {len(every)} requests "
              f"in {wall:.0f} s ({len(every) / wall:.1f} pages/s){spent}, load average {os.getloadavg()[0]:.1f}")
        for kind in names:
            p50, p95 = summary(timings[kind])
            print(f"  {kind:<17} {len(timings[kind]):>8} {p50:>6.0f} ms {p95:>6.0f} ms")
        print(f"  {'mixed, all':<17} {len(every):>8} {r50:>6.0f} ms {r95:>6.0f} ms {r50 / s50:>10.1f}x {r95 / s95:>10.1f}x")


if __name__ == "__main__":
    main()
