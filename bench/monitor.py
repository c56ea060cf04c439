"""Monitor speed: `nianbao.monitoring.evaluate` for one report year over a national-scale archive,
beside a plain read of every record it has to look at (the baseline, same run, same database).

    .venv/bin/python bench/monitor.py [--agencies 5000] [--backend sqlite|postgresql]

The archive is synthetic and bulk-inserted (no parsing): per agency, reports on the year and the
year before (records from one parsed real-shaped report, numbers varied, narratives of ~1,500
characters drawn from a shared vocabulary so MinHash has work), a capture per report, a recheck
capture for one in ten (half of them 404: removals), a second payload for one in twenty (edits),
and two crawl runs, each with its list page. A quarter of the agencies publish nothing
(missing), one in ten was down, one in fifty copied its neighbour's narrative.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import random
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from crawler.registry import Agency as RegistryAgency
from nianbao.monitoring import evaluate
from parsing import parse_report
from storage import Archive
from storage.models import Agency, Capture, CrawlRun, Report, ReportVersion
from nianbao.devportal.monitor_pages import report_page, tables
from nianbao.devportal.postgres_server import throwaway_server

UTC = dt.timezone.utc
WORDS = ("政务公开", "主动公开", "政策解读", "回应关切", "依申请公开", "平台建设", "监督保障", "培训", "考核",
         "门户网站", "政务新媒体", "营商环境", "重点领域", "民生保障", "规范性文件", "新闻发布会", "便民服务",
         "信息发布", "目录梳理", "意见征集", "办理答复", "工作机制", "标准化", "基层", "数据开放")


def narrative(rng: random.Random) -> str:
    return "，".join(rng.choice(WORDS) + rng.choice(("工作", "持续推进", "不断完善", "成效明显", "有序开展"))
                    for _ in range(150)) + "。"


def build(archive: Archive, agencies: int, year: int, seed: int = 1) -> list[RegistryAgency]:
    rng = random.Random(seed)
    base = {y: parse_report(report_page(tables("基准局", y), f"{y + 1}-01-20"), "http://x/").to_dict()
            for y in (year - 1, year)}
    registry = []
    narratives: dict[int, str] = {}
    with archive.session() as session, session.begin():
        for i in range(agencies):
            name = f"测试{i:05d}局"
            kind = "department" if i % 3 else "government"
            host = f"www.a{i}.gov.cn"
            entry = RegistryAgency(name=name, region=("某省", f"市{i % 50:02d}"), kind=kind,
                                   list_urls=(f"http://{host}/ndbg/",))
            registry.append(entry)
            agency = Agency(name=name, region=entry.region_path, kind=kind, list_urls=list(entry.list_urls))
            session.add(agency)
            session.flush()
            for when in (dt.datetime(year + 1, 2, 3, tzinfo=UTC), dt.datetime(year + 1, 4, 3, tzinfo=UTC)):
                run = CrawlRun(agency_id=agency.id, started_at=when, finished_at=when + dt.timedelta(minutes=3),
                               outcome="unreachable" if i % 10 == 8 else "reached", pages_listed=1,
                               reports_found=1, errors=[], listed=[])
                session.add(run)
                session.flush()
                session.add(Capture(url=entry.list_urls[0], status=200, captured_at=when, sha256=f"{i:064x}"[-64:],
                                    size=1000, role="list", source="crawl", headers=[], run_id=run.id))
            years = [year - 1] + ([year] if i % 4 else [])
            for y in years:
                url = f"http://{host}/ndbg/{y}.html"
                published = dt.date(y + 1, 1, 15) + dt.timedelta(days=rng.choice([0, 5, 10, 20, 40, 80]))
                first = dt.datetime.combine(published, dt.time(3), UTC)
                text = narratives[i - 1] if i % 50 == 3 else narrative(rng)  # one in fifty copied
                narratives[i] = text
                record = dict(base[y], agency=name, published_on=published.isoformat(),
                              sections={**base[y]["sections"], "overview": text})
                capture = Capture(url=url, status=200, captured_at=first, sha256=f"{i:031x}{y:033x}"[-64:], size=9000,
                                  role="report", source="crawl", headers=[])
                session.add(capture)
                session.flush()
                report = Report(url=url, agency_id=agency.id, agency_name=name, year=y, title=f"{name}{y}年报告",
                                published_on=published, format="2021", first_capture_id=capture.id,
                                first_seen_at=first)
                session.add(report)
                session.flush()
                session.add(ReportVersion(report_id=report.id, capture_id=capture.id, sha256=capture.sha256,
                                          record=record, record_sha256=capture.sha256, checks_failed=0, warnings=[],
                                          text="", parser_version="bench"))
                if i % 20 == 2:  # edited later
                    later = first + dt.timedelta(days=60)
                    edited = Capture(url=url, status=200, captured_at=later, sha256=f"e{i:030x}{y:033x}"[-64:],
                                     size=9000, role="recheck", source="crawl", headers=[])
                    session.add(edited)
                    session.flush()
                    changed = dict(record, title=record["title"] + "（修订）")
                    session.add(ReportVersion(report_id=report.id, capture_id=edited.id, sha256=edited.sha256,
                                              record=changed, record_sha256=edited.sha256, checks_failed=0,
                                              warnings=[], text="", parser_version="bench"))
                if i % 10 == 1:  # rechecked: gone twice, two days apart
                    for days in (70, 72):
                        session.add(Capture(url=url, status=404, captured_at=first + dt.timedelta(days=days),
                                            sha256="0" * 64, size=10, role="recheck", source="crawl", headers=[]))
    return registry


def baseline(archive: Archive, year: int) -> None:
    """Every record of the two years and every capture of those reports: what evaluate must read."""
    with archive.session() as session:
        for version in session.scalars(select(ReportVersion).join(Report).where(Report.year.in_((year - 1, year)))):
            version.record.get("applications")
        session.execute(select(Capture.id, Capture.status, Capture.captured_at)).all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agencies", type=int, default=5000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    year = 2024
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        url = None
        if args.backend == "postgresql":
            server = stack.enter_context(throwaway_server())
            url = server.url("postgres")
        archive = Archive.open(Path(tmp) / "data", url)
        start = time.perf_counter()
        registry = build(archive, args.agencies, year)
        print(f"built {args.agencies} agencies in {time.perf_counter() - start:.1f} s ({args.backend})")
        start = time.perf_counter()
        baseline(archive, year)
        base = time.perf_counter() - start
        start = time.perf_counter()
        report = evaluate(archive, registry, year, dt.date(2026, 1, 1))
        took = time.perf_counter() - start
        counts: dict[str, int] = {}
        for row in report.agencies:
            counts[row.status.value] = counts.get(row.status.value, 0) + 1
        found: dict[str, int] = {}
        for finding in report.findings:
            found[finding.finding.value] = found.get(finding.finding.value, 0) + 1
        print(f"statuses: {counts}")
        print(f"findings: {found}")
        print(f"baseline (read every record and capture): {base:.2f} s")
        print(f"evaluate: {took:.2f} s = {1000 * took / args.agencies:.2f} ms per agency = {took / base:.1f}x the baseline")
        archive.close()


if __name__ == "__main__":
    main()
