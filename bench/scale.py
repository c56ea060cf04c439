"""bench/scale: a national-scale crawl on one machine: N `nianbao crawl --workers` processes over
a generated portal of many agency sites, with politeness on (one request per second per host).

    .venv/bin/python bench/scale.py                      # 2,000 sites, 1, 2 and 4 workers
    .venv/bin/python bench/scale.py --sites 200 --workers 1,2 --redis-requests 10000   # quick

Starts its own PostgreSQL (nianbao/devportal/postgres_server.py), Redis
(nianbao/devportal/redis_server.py) and the generated portal (bench/_scale_portal.py: one
process, a loopback address per site), then for each worker count crawls the whole portal into a
fresh database and prints:

- wall time beside the politeness lower bound (the requests one host gets, one per second: no
  crawl of it can be faster), and the speed-up over one worker (the baseline, same run);
- CPU ms per page (all workers' user+system time over the pages archived) and peak RSS per worker;
- that every report was archived exactly once and every agency reached (else it says so).

And Redis memory per 100,000 queued requests: real serialized requests (the spider's own
report requests, pickled as scrapy-redis stores them) pushed through the reliable queue with
their dupefilter fingerprints, measured with MEMORY USAGE of each key.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as `python bench/scale.py` (as README.md says), Python puts bench/ on the path, not the
# repository: bench._scale_portal, bench's own helper, is found from here.
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bench._scale_portal import scale_sites  # noqa: E402
from storage import Archive  # noqa: E402
from storage.models import Capture, CrawlRun, Report  # noqa: E402
from nianbao.devportal.redis_server import throwaway_redis  # noqa: E402
from nianbao.devportal.postgres_server import free_port, throwaway_server  # noqa: E402
from nianbao.devportal.sites import list_pages, registry_toml  # noqa: E402

NIANBAO = str(Path(sys.executable).with_name("nianbao"))
DELAY = 1.0  # crawler/settings.py DOWNLOAD_DELAY: one request per second per host


def start_portal(sites: int, filler: int, log: Path) -> tuple[subprocess.Popen, int]:
    for _attempt in range(5):
        port = free_port()
        portal = subprocess.Popen([sys.executable, "-m", "bench._scale_portal", "--sites", str(sites),
                                   "--filler", str(filler), "--port", str(port)],
                                  cwd=ROOT, stdout=subprocess.PIPE, stderr=log.open("wb"), text=True)
        line = portal.stdout.readline()
        if line.startswith("ready"):
            return portal, port
        portal.wait()
    raise SystemExit(f"bench/scale: the generated portal would not start; see {log}")


def run_workers(count: int, registry: Path, data: Path, database_url: str, redis_url: str,
                timeout: float) -> dict:
    env = dict(os.environ, NIANBAO_DATA=str(data), NIANBAO_DATABASE_URL=database_url)
    command = [NIANBAO, "crawl", "--config", str(registry), "--workers", redis_url]
    started = time.monotonic()
    workers = []
    for i in range(count):
        out = (data.parent / f"worker{count}-{i}.log").open("wb")
        workers.append(subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT))
    usage = {}
    deadline = started + timeout
    while len(usage) < count:
        for worker in workers:
            if worker.pid in usage:
                continue
            pid, status, rusage = os.wait4(worker.pid, os.WNOHANG)
            if pid:
                usage[pid] = (os.waitstatus_to_exitcode(status), rusage.ru_utime + rusage.ru_stime,
                              rusage.ru_maxrss / 1024)
        if time.monotonic() > deadline:
            for worker in workers:
                worker.kill()
            raise SystemExit(f"bench/scale: {count} workers did not finish within {timeout} s")
        time.sleep(0.05)
    wall = time.monotonic() - started
    codes = sorted({code for code, _, _ in usage.values()})
    return {"wall": wall, "cpu": sum(cpu for _, cpu, _ in usage.values()),
            "peak_rss": max(rss for _, _, rss in usage.values()), "codes": codes}


def archive_counts(data: Path, database_url: str) -> dict:
    archive = Archive.open(data, database_url)
    try:
        with archive.session() as session:
            return {
                "captures": session.scalar(select(func.count(Capture.id))),
                "reports": session.scalar(select(func.count(Report.id))),
                "report_urls": session.scalar(select(func.count(func.distinct(Report.url)))),
                "runs": session.scalar(select(func.count(CrawlRun.id))),
                "reached": session.scalar(select(func.count(CrawlRun.id)).where(CrawlRun.outcome == "reached")),
            }
    finally:
        archive.close()


def redis_memory_per_100k(redis_url: str, count: int) -> tuple[float, float]:
    """MB per 100,000 queued requests: (the queue, the dupefilter's fingerprints)."""
    import redis

    from crawler.platforms import PageRequest
    from crawler.redis_queue import ReliablePriorityQueue
    from crawler.registry import load_file
    from crawler.spiders.reports import ReportsSpider

    with tempfile.TemporaryDirectory() as folder:
        registry = Path(folder) / "registry.toml"
        registry.write_text(registry_toml(80, sites=scale_sites(1)), encoding="utf-8")
        agencies = load_file(registry)
    spider = ReportsSpider(agencies=agencies)
    agency = agencies[0]
    server = redis.Redis.from_url(redis_url)
    server.flushall()
    queue = ReliablePriorityQueue(server, spider, "bench:requests", processing_key="bench:processing", worker="bench")
    from scrapy_redis.dupefilter import RFPDupeFilter

    dupefilter = RFPDupeFilter(server, "bench:dupefilter")
    host = agency.list_urls[0].split("/")[2]
    for i in range(count):
        # A report request as the spider makes it from a list page (URL, title, listed date, meta).
        url = f"http://{host}/zwgk/ndbg/2024-03/{i % 28 + 1:02d}/content_{5001 + 13 * i}.htm"
        request = spider._request(agency, PageRequest(url), "report",
                                  title=f"{agency.name}2023年政府信息公开工作年度报告", listed_on="2024-03-29")
        queue.push(request, dupefilter.request_fingerprint(request), dupefilter.key)
    assert server.zcard("bench:requests") == count
    per_100k = 100_000 / count / 1e6
    sizes = (server.memory_usage("bench:requests", samples=0) * per_100k,
             server.memory_usage("bench:dupefilter", samples=0) * per_100k)
    server.flushall()
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="N nianbao crawl --workers over a generated portal")
    parser.add_argument("--sites", type=int, default=2000, help="agency sites in the generated portal")
    parser.add_argument("--filler", type=int, default=0, help="extra documents per column (more list pages)")
    parser.add_argument("--workers", default="1,2,4", help="worker counts to run, comma-separated")
    parser.add_argument("--redis-requests", type=int, default=100_000, help="requests pushed for the Redis memory figure")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds allowed per crawl")
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.workers.split(",")]
    if args.sites < 1 or any(n < 1 for n in counts):
        parser.error("--sites and --workers must be positive")

    sites = scale_sites(args.sites, args.filler)
    # The requests each host gets: robots.txt, its list pages, its two reports.
    per_host = max(1 + len(list_pages(site)) + 2 for site in sites.values())
    lower_bound = per_host * DELAY
    root = Path(tempfile.mkdtemp(prefix="nianbao-scale-"))
    print(f"bench/scale: {args.sites} sites, {per_host} requests per host at {DELAY:g} s each "
          f"(politeness lower bound {lower_bound:.0f} s); workers {counts}; {os.cpu_count()} cores; work in {root}",
          flush=True)
    rows = []
    with throwaway_server() as postgres, throwaway_redis() as redis_server:
        portal, port = start_portal(args.sites, args.filler, root / "portal.log")
        try:
            registry = root / "registry.toml"
            registry.write_text(registry_toml(port, sites=sites), encoding="utf-8")
            for count in counts:
                redis_server.client().flushall()
                database_url = postgres.create_database(f"scale_{count}")
                data = root / f"data{count}"
                figures = run_workers(count, registry, data, database_url, redis_server.url, args.timeout)
                figures.update(archive_counts(data, database_url))
                figures["workers"] = count
                rows.append(figures)
                pages = figures["captures"]
                print(f"  {count} workers: {figures['wall']:.1f} s, {pages} pages, "
                      f"{figures['cpu'] * 1000 / max(pages, 1):.1f} CPU ms/page, peak RSS {figures['peak_rss']:.0f} MB, "
                      f"exit {figures['codes']}", flush=True)
        finally:
            portal.terminate()
            portal.wait()
        queue_mb, dupefilter_mb = redis_memory_per_100k(redis_server.url, args.redis_requests)

    base = rows[0]["wall"]
    print()
    print(f"| workers | wall s | / lower bound ({lower_bound:.0f} s) | speed-up vs {rows[0]['workers']} | pages | "
          f"pages/s | CPU ms/page | peak RSS/worker MB | reports once | agencies reached |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        once = r["reports"] == r["report_urls"] == 2 * args.sites
        print(f"| {r['workers']} | {r['wall']:.0f} | {r['wall'] / lower_bound:.1f}x | {base / r['wall']:.2f}x | "
              f"{r['captures']} | {r['captures'] / r['wall']:.0f} | {r['cpu'] * 1000 / max(r['captures'], 1):.0f} | "
              f"{r['peak_rss']:.0f} | {'yes' if once else 'NO: ' + str(r['reports'])} | {r['reached']}/{r['runs']} |")
    print()
    print(f"Redis memory per 100,000 queued requests: {queue_mb:.1f} MB queue (sorted set of pickled requests) + "
          f"{dupefilter_mb:.1f} MB dupefilter (SHA1 fingerprints), from {args.redis_requests} pushed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
