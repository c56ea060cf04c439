"""Monitor speed: `nianbao.monitoring.evaluate` for one report year over a national-scale archive,
from cold (no monitor state kept) and again after 1% of the agencies changed (the state the cold
run kept), beside a plain read of every record it has to look at (the baseline, same run, same
database).

    .venv/bin/python bench/monitor.py [--agencies 5000] [--backend sqlite|postgresql] [--no-check] [--keep DIR]

The archive is synthetic and bulk-inserted (SQLAlchemy Core executemany, no parsing): per agency,
reports on the year and the year before (records from one parsed real-shaped report, narratives of
1,000-2,000 characters made of the real seed reports' sentences, numbers varied), a capture per
report, a recheck capture for one in ten (half of them 404: removals), a second payload for one in
twenty (edits), and two crawl runs, each with its list page. A quarter of the agencies publish
nothing (missing), one in ten was down, one in fifty copied its neighbour's narrative.

`--narratives vocabulary` draws every narrative from one 25-word vocabulary instead (the bench's
text before issue 17): any two unrelated reports then share ~45% of their 5-character shingles,
where real reports of different agencies share ~5% (the three in ../shared/fixtures/real), so
nearly every pair is a copy candidate and copy detection is quadratic in the reports.

Then 1% of the agencies change (twice), a sixth of them in each way: a new capture of a report (an edit),
a new crawl run that found the column unreachable, a report gone (two 404 rechecks), a new
report, a registry entry changed (its kind, so its deadline), and a report reparsed (a new
record of the same payload); the evaluation runs again on the state the cold run kept: the
first time read from the database (what a new process does), the second time as the process
kept it (a server). With the check (default), a full evaluation from scratch follows and the
two reports must be equal.

Each evaluation prints its wall time, the CPU time of this process and of the judging workers it
started (nianbao.monitoring.judge_pool: from cold, one per other core), and the load average: on
a shared machine the wall time is how long it took there, the CPU time what it cost. The "state
read from the database" case runs in the process that ran the cold evaluation, so it does not pay
what a new process pays once more (imports, the narrative table: ~1 s).

`--keep DIR` (SQLite): the archive is built once in DIR (with what the changes need of the
builder) and each run evaluates a copy of it, so the 1.5-7 minutes of building 100,000 agencies
are paid once; a DIR built for another size or narratives is refused.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import json
import os
import pickle
import random
import shutil
import subprocess
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # bench.search when run as a script

from bench.search import seed_sentences  # noqa: E402
from crawler.registry import Agency as RegistryAgency  # noqa: E402
from nianbao.devportal.monitor_pages import report_page, tables  # noqa: E402
from nianbao.devportal.postgres_server import throwaway_server  # noqa: E402
from nianbao.monitoring import evaluate  # noqa: E402
from nianbao.monitoring.incremental import forget_memory  # noqa: E402
from parsing import parse_report  # noqa: E402
from storage import Archive  # noqa: E402
from storage.models import Agency, Capture, CrawlRun, Report, ReportVersion  # noqa: E402

UTC = dt.timezone.utc
BATCH = 2000  # rows per executemany
WORDS = ("政务公开", "主动公开", "政策解读", "回应关切", "依申请公开", "平台建设", "监督保障", "培训", "考核",
         "门户网站", "政务新媒体", "营商环境", "重点领域", "民生保障", "规范性文件", "新闻发布会", "便民服务",
         "信息发布", "目录梳理", "意见征集", "办理答复", "工作机制", "标准化", "基层", "数据开放")


def vocabulary_narrative(rng: random.Random) -> str:
    return "，".join(rng.choice(WORDS) + rng.choice(("工作", "持续推进", "不断完善", "成效明显", "有序开展"))
                    for _ in range(150)) + "。"


def sentence_narrative(rng: random.Random, sentences: list[str]) -> str:
    """1,000-2,000 characters of the seed reports' sentences, their numbers redrawn."""
    target, parts, length = rng.randint(1000, 2000), [], 0
    while length < target:
        piece = rng.choice(sentences)
        piece = "".join(str(rng.randint(1, 20000)) if c.isdigit() else c for c in piece)
        parts.append(piece)
        length += len(piece)
    return "".join(parts)


@dataclasses.dataclass
class Rows:
    """The rows of a synthetic archive, ids given in insertion order (from `start` ids on)."""

    next_id: dict[str, int]
    tables: dict[type, list[dict]] = dataclasses.field(default_factory=lambda: {
        Agency: [], CrawlRun: [], Capture: [], Report: [], ReportVersion: []})

    def add(self, table: type, row: dict) -> int:
        key = table.__tablename__
        row["id"] = self.next_id[key]
        self.next_id[key] += 1
        self.tables[table].append(row)
        return row["id"]

    def write(self, archive: Archive) -> None:
        with archive.engine.begin() as connection:
            for table, rows in self.tables.items():
                keys = {key for row in rows for key in row}
                for row in rows:  # one executemany needs the same columns in every row
                    for key in keys - row.keys():
                        row[key] = None
                for start in range(0, len(rows), BATCH):
                    connection.execute(insert(table.__table__), rows[start:start + BATCH])


def next_ids(archive: Archive) -> dict[str, int]:
    with archive.session() as session:
        return {table.__tablename__: (session.scalar(select(func.max(table.id))) or 0) + 1
                for table in (Agency, CrawlRun, Capture, Report, ReportVersion)}


class Builder:
    def __init__(self, year: int, narratives: str, seed: int) -> None:
        self.year = year
        self.rng = random.Random(seed)
        self.sentences = seed_sentences() if narratives == "sentences" else []
        self.base = {y: parse_report(report_page(tables("基准局", y), f"{y + 1}-01-20"), "http://x/").to_dict()
                     for y in (year - 1, year)}
        self.texts: dict[int, str] = {}

    def narrative(self) -> str:
        return sentence_narrative(self.rng, self.sentences) if self.sentences else vocabulary_narrative(self.rng)

    def run(self, rows: Rows, i: int, agency_id: int, when: dt.datetime, outcome: str, url: str) -> None:
        run_id = rows.add(CrawlRun, {"agency_id": agency_id, "started_at": when,
                                     "finished_at": when + dt.timedelta(minutes=3), "outcome": outcome,
                                     "pages_listed": 1, "reports_found": 1, "errors": [], "listed": []})
        rows.add(Capture, {"url": url, "status": 200, "captured_at": when, "sha256": f"{i:064x}"[-64:],
                           "size": 1000, "role": "list", "source": "crawl", "headers": [], "run_id": run_id})

    def report(self, rows: Rows, i: int, agency_id: int, name: str, host: str, y: int, suffix: str = "") -> dict:
        url = f"http://{host}/ndbg/{y}{suffix}.html"
        published = dt.date(y + 1, 1, 15) + dt.timedelta(days=self.rng.choice([0, 5, 10, 20, 40, 80]))
        first = dt.datetime.combine(published, dt.time(3), UTC)
        text = self.texts[i - 1] if i % 50 == 3 and i - 1 in self.texts else self.narrative()  # one in fifty copied
        self.texts[i] = text
        record = dict(self.base[y], agency=name, published_on=published.isoformat(),
                      sections={**self.base[y]["sections"], "overview": text})
        sha = (f"{i:031x}{y:033x}"[-64:] if not suffix else f"{suffix}{i:030x}{y:033x}"[-64:])
        capture_id = rows.add(Capture, {"url": url, "status": 200, "captured_at": first, "sha256": sha, "size": 9000,
                                        "role": "report", "source": "crawl", "headers": []})
        report_id = rows.add(Report, {"url": url, "agency_id": agency_id, "agency_name": name, "year": y,
                                      "title": f"{name}{y}年报告", "published_on": published, "format": "2021",
                                      "first_capture_id": capture_id, "first_seen_at": first})
        rows.add(ReportVersion, {"report_id": report_id, "capture_id": capture_id, "sha256": sha, "record": record,
                                 "record_sha256": sha, "checks_failed": 0, "warnings": [], "text": "",
                                 "parser_version": "bench", "created_at": first})
        return {"url": url, "report_id": report_id, "record": record, "first": first, "sha": sha}

    def edit(self, rows: Rows, report: dict, when: dt.datetime, tag: str) -> None:
        sha = f"{tag}{report['sha'][len(tag):]}"
        capture_id = rows.add(Capture, {"url": report["url"], "status": 200, "captured_at": when, "sha256": sha,
                                        "size": 9000, "role": "recheck", "source": "crawl", "headers": []})
        changed = dict(report["record"], title=report["record"]["title"] + "（修订）")
        rows.add(ReportVersion, {"report_id": report["report_id"], "capture_id": capture_id, "sha256": sha,
                                 "record": changed, "record_sha256": sha, "checks_failed": 0, "warnings": [],
                                 "text": "", "parser_version": "bench", "created_at": when})

    def gone(self, rows: Rows, report: dict, first_day: int) -> None:
        for days in (first_day, first_day + 2):  # gone twice, two days apart: a confirmed removal
            rows.add(Capture, {"url": report["url"], "status": 404, "captured_at": report["first"] + dt.timedelta(days=days),
                               "sha256": "0" * 64, "size": 10, "role": "recheck", "source": "crawl", "headers": []})


def registry_of(agencies: int) -> list[RegistryAgency]:
    """The registry `build` makes for `agencies` agencies (without building anything)."""
    return [RegistryAgency(name=f"测试{i:05d}局", region=("某省", f"市{i % 50:02d}"),
                           kind="department" if i % 3 else "government", list_urls=(f"http://www.a{i}.gov.cn/ndbg/",))
            for i in range(agencies)]


def build(archive: Archive, agencies: int, year: int, seed: int = 1,
          narratives: str = "sentences") -> tuple[list[RegistryAgency], Builder]:
    builder = Builder(year, narratives, seed)
    rows = Rows(next_ids(archive))
    registry = registry_of(agencies)
    for i, entry in enumerate(registry):
        name, kind, host = entry.name, "department" if i % 3 else "government", f"www.a{i}.gov.cn"
        agency_id = rows.add(Agency, {"name": name, "region": entry.region_path, "kind": kind,
                                      "list_urls": list(entry.list_urls)})
        for when in (dt.datetime(year + 1, 2, 3, tzinfo=UTC), dt.datetime(year + 1, 4, 3, tzinfo=UTC)):
            builder.run(rows, i, agency_id, when, "unreachable" if i % 10 == 8 else "reached", entry.list_urls[0])
        for y in [year - 1] + ([year] if i % 4 else []):
            report = builder.report(rows, i, agency_id, name, host, y)
            if i % 20 == 2:  # edited later
                builder.edit(rows, report, report["first"] + dt.timedelta(days=60), "e")
            if i % 10 == 1:  # rechecked: gone
                builder.gone(rows, report, 70)
    rows.write(archive)
    return registry, builder


def kept_archive(keep: Path, work: Path, agencies: int, year: int,
                 narratives: str) -> tuple[Archive, list[RegistryAgency], Builder]:
    """A copy in `work` of the archive built in `keep` (built there first if it is not yet), the
    registry and the builder as `build` left them (its random state, the narratives it may copy)."""
    made = {"agencies": agencies, "year": year, "narratives": narratives}
    marker, state = keep / "built.json", keep / "builder.pickle"
    if marker.exists():
        if json.loads(marker.read_text()) != made:
            raise SystemExit(f"{keep} holds another archive ({marker.read_text()}); use another folder")
        builder = Builder(year, narratives, seed=1)
        builder.rng, builder.texts = pickle.loads(state.read_bytes())
        registry = registry_of(agencies)
        print(f"reusing the archive built in {keep}", flush=True)
    else:
        keep.mkdir(parents=True, exist_ok=True)
        archive = Archive.open(keep / "data")
        start = time.perf_counter()
        registry, builder = build(archive, agencies, year, narratives=narratives)
        archive.close()
        print(f"built {agencies} agencies in {time.perf_counter() - start:.1f} s (sqlite, {narratives} narratives, "
              f"kept in {keep})", flush=True)
        texts = {i: text for i, text in builder.texts.items() if i % 50 == 2}  # the ones a copy takes
        state.write_bytes(pickle.dumps((builder.rng, texts)))
        marker.write_text(json.dumps(made))
    start = time.perf_counter()
    shutil.copytree(keep / "data", work / "data")
    print(f"copied it in {time.perf_counter() - start:.1f} s", flush=True)
    return Archive.open(work / "data"), registry, builder


def change(archive: Archive, registry: list[RegistryAgency], builder: Builder, fraction: float,
           seed: int = 7) -> tuple[list[RegistryAgency], dict[str, int]]:
    """Change `fraction` of the agencies, a sixth in each way (the module docstring's list);
    returns the registry as it now is and how many of each change were made."""
    rng = random.Random(seed)
    year = builder.year
    chosen = rng.sample(range(len(registry)), max(6, int(len(registry) * fraction)))
    with archive.session() as session:
        ids = dict(session.execute(select(Agency.name, Agency.id)).all())
        reports = {(r.agency_id, r.year): r for r in session.execute(
            select(Report.id, Report.agency_id, Report.year, Report.url, Report.first_seen_at)
            .where(Report.agency_id.in_([ids[registry[i].name] for i in chosen])))}
        records = dict(session.execute(
            select(ReportVersion.report_id, ReportVersion.record)
            .where(ReportVersion.report_id.in_([r.id for r in reports.values()]))).all())
    rows = Rows(next_ids(archive))
    registry = list(registry)
    made = dict.fromkeys(("edited", "unreachable run", "removed", "new report", "registry", "reparsed"), 0)
    later = dt.datetime(year + 1, 5, 2, 3, tzinfo=UTC) + dt.timedelta(days=seed)  # each round its own moment
    for n, i in enumerate(chosen):
        entry = registry[i]
        agency_id = ids[entry.name]
        mine = reports.get((agency_id, year)) or reports.get((agency_id, year - 1))
        what = n % 6
        if what in (0, 2, 5) and mine is None:
            what = 1
        report = mine and {"url": mine.url, "report_id": mine.id, "record": records[mine.id], "sha": f"{i:031x}{mine.year:033x}"[-64:],
                           "first": mine.first_seen_at}
        if what == 0:
            builder.edit(rows, report, later, f"c{seed}")
            made["edited"] += 1
        elif what == 1:
            builder.run(rows, i, agency_id, later, "unreachable", entry.list_urls[0])
            made["unreachable run"] += 1
        elif what == 2:
            builder.gone(rows, report, (later - report["first"]).days)
            made["removed"] += 1
        elif what == 3:
            # Its first report on the year, or a second one (a page and its PDF are two reports).
            builder.report(rows, i, agency_id, entry.name, f"www.a{i}.gov.cn", year,
                           suffix=f"b{seed}" if (agency_id, year) in reports else "")
            made["new report"] += 1
        elif what == 4:
            registry[i] = dataclasses.replace(entry, kind="government" if entry.kind == "department" else "department")
            made["registry"] += 1
        else:
            reparsed = dict(report["record"], warnings=[f"reparsed {seed}"])
            rows.add(ReportVersion, {"report_id": report["report_id"], "capture_id": None, "sha256": report["sha"],
                                     "record": reparsed, "record_sha256": f"r{seed}" + report["sha"][2:], "checks_failed": 0,
                                     "warnings": ["reparsed"], "text": "", "parser_version": "bench2",
                                     "created_at": later})
            made["reparsed"] += 1
    with archive.session() as session:  # a reparsed version points at the payload's capture
        for row in rows.tables[ReportVersion]:
            if row["capture_id"] is None:
                row["capture_id"] = session.scalar(select(Report.first_capture_id).where(Report.id == row["report_id"]))
    rows.write(archive)
    return registry, made


def baseline(archive: Archive, year: int) -> None:
    """Every record of the two years and every capture of those reports: what evaluate must read."""
    with archive.session() as session:
        for (record,) in session.execute(select(ReportVersion.record).join(Report).where(Report.year.in_((year - 1, year)))):
            record.get("applications")
        session.execute(select(Capture.id, Capture.status, Capture.captured_at)).all()


def print_counts(report) -> None:
    """The report's statuses and findings, counted by kind."""
    print(f"statuses: {dict(Counter(row.status.value for row in report.agencies))}")
    print(f"findings: {dict(Counter(f.finding.value for f in report.findings))}")


class Timer:
    """Wall time, and the CPU time of this process and of the worker processes it waited for
    (nianbao.monitoring.judge_pool's), with the machine's load average: on a shared machine the
    wall time says how long it took here, the CPU time what it cost."""

    def __enter__(self) -> Timer:
        self.wall, self.cpu, self.workers = time.perf_counter(), time.process_time(), _children_cpu()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu
        self.workers = _children_cpu() - self.workers

    def __str__(self) -> str:
        workers = f" + {self.workers:.1f} s in workers" if self.workers >= 0.05 else ""
        return f"{self.wall:.2f} s (CPU {self.cpu:.1f} s{workers}; load {os.getloadavg()[0]:.1f})"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agencies", type=int, default=5000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--narratives", choices=("sentences", "vocabulary"), default="sentences")
    parser.add_argument("--changed", type=float, default=0.01, help="the fraction of agencies changed (default 1%%)")
    parser.add_argument("--no-check", action="store_true", help="skip the full evaluation from scratch after the change")
    parser.add_argument("--keep", type=Path, help="build the archive in this folder once and evaluate a copy of it "
                        "(SQLite); a folder an earlier --keep run built is reused")
    args = parser.parse_args()
    if args.keep is not None and args.backend != "sqlite":
        parser.error("--keep is for the SQLite backend")
    year, as_of = 2024, dt.date(2026, 1, 1)
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        url = None
        if args.backend == "postgresql":
            server = stack.enter_context(throwaway_server())
            url = server.url("postgres")
        if args.keep is not None:
            archive, registry, builder = kept_archive(args.keep, Path(tmp), args.agencies, year, args.narratives)
        else:
            archive = Archive.open(Path(tmp) / "data", url)
            start = time.perf_counter()
            registry, builder = build(archive, args.agencies, year, narratives=args.narratives)
            print(f"built {args.agencies} agencies in {time.perf_counter() - start:.1f} s ({args.backend}, "
                  f"{args.narratives} narratives)", flush=True)
        with Timer() as timer:
            baseline(archive, year)
        base = timer.wall
        print(f"baseline (read every record and capture): {timer}", flush=True)
        with Timer() as timer:
            report = evaluate(archive, registry, year, as_of)
        cold = timer.wall
        print_counts(report)
        print(f"evaluate from cold: {timer} = {1000 * cold / args.agencies:.2f} ms per agency "
              f"= {cold / base:.1f}x the baseline", flush=True)
        again = None
        for seed, held in ((7, False), (8, True)):
            start = time.perf_counter()
            registry, made = change(archive, registry, builder, args.changed, seed=seed)
            print(f"changed {sum(made.values())} agencies in {time.perf_counter() - start:.1f} s: {made}", flush=True)
            if not held:
                forget_memory()  # a new process's case (nianbao monitor from cron): the state read from the database
            with Timer() as timer:
                again = evaluate(archive, registry, year, as_of)
            took = timer.wall
            print_counts(again)
            where = "kept in this process (nianbao serve)" if held else "read from the database (a new process)"
            print(f"evaluate after {args.changed:.0%} changed, state {where}: {timer} "
                  f"= {took / base:.3f}x the baseline = {took / cold:.3f}x the cold run", flush=True)
        if not args.no_check:
            with Timer() as timer:
                full = evaluate(archive, registry, year, as_of, incremental=False)
            same = full == again
            print(f"full evaluation from scratch: {timer}; equal to the incremental one: {same}")
            if not same:
                raise SystemExit("the incremental evaluation differs from the full one")
        if args.backend == "sqlite":
            cron_run(archive, registry, builder, args.changed, year, Path(tmp))
        archive.close()


def write_registry(registry: Sequence[RegistryAgency], path: Path) -> None:
    """The registry as a TOML file (the fields registry_of and change set; others must be defaults)."""
    lines = []
    for entry in registry:
        assert entry == RegistryAgency(entry.name, entry.region, entry.kind, entry.list_urls), entry
        urls = ", ".join(json.dumps(url) for url in entry.list_urls)
        lines.append(f"[[agency]]\nname = {json.dumps(entry.name, ensure_ascii=False)}\n"
                     f"region = {json.dumps(entry.region_path, ensure_ascii=False)}\nkind = \"{entry.kind}\"\n"
                     f"list_urls = [{urls}]\n")
    path.write_text("\n".join(lines), encoding="utf-8")


def cron_run(archive: Archive, registry: list[RegistryAgency], builder: Builder, fraction: float, year: int,
             work: Path) -> None:
    """What cron runs after a crawl: a new `nianbao monitor --year Y --atom FILE` process (its text
    output to a file), its registry a TOML file of every agency. Run once (the first recorded run:
    every status is news), then again after `fraction` more changed: the steady state, timed.
    Each prints its wall time and its CPU (wait4: the process and any worker it reaped). The day
    is today's clock (after every capture and deadline the archive holds, so the statuses are
    the ones the bench's day gives; the kept state carries over). The registry file's entries are
    read from the cache the first run left (crawler.registry); a run right after the file was
    edited parses it again (printed apart)."""
    config = work / "agencies.toml"
    env = dict(os.environ, NIANBAO_DATA=str(work / "data"), NIANBAO_CACHE_DIR=str(work / "cache"))
    env.pop("NIANBAO_DATABASE_URL", None)
    command = [str(Path(sys.executable).with_name("nianbao")), "monitor", "--year", str(year),
               "--config", str(config), "--atom", str(work / "monitor.atom")]

    def run(label: str) -> None:
        with open(work / "monitor.out", "wb") as out:
            start = time.perf_counter()
            child = subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE, env=env, cwd=work)
            _, status, usage = os.wait4(child.pid, 0)
            wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code not in range(0, 29, 4):
            raise SystemExit(f"nianbao monitor failed (exit {code}): {child.stderr.read().decode(errors='replace')[-2000:]}")
        printed = (work / "monitor.out").stat().st_size
        print(f"{label}: {wall:.2f} s (CPU {usage.ru_utime + usage.ru_stime:.1f} s, exit {code}, "
              f"{printed / 1e6:.1f} MB printed; load {os.getloadavg()[0]:.1f})", flush=True)

    write_registry(registry, config)
    run("a new `nianbao monitor --atom` process, the first recorded run (as cron runs it)")
    registry, made = change(archive, registry, builder, fraction, seed=9)
    print(f"changed {sum(made.values())} agencies: {made}", flush=True)
    write_registry(registry, config)
    from crawler import registry as registry_module

    os.environ["NIANBAO_CACHE_DIR"] = env["NIANBAO_CACHE_DIR"]
    start = time.process_time()
    registry_module.load_registry(config)  # the edited file parsed, validated and cached, as an earlier run would have
    parsed = time.process_time() - start
    start = time.process_time()
    registry_module.load_registry(config)
    cached = time.process_time() - start
    run(f"a new `nianbao monitor --atom` process after {fraction:.0%} changed (as cron runs it)")
    print(f"  its registry file read from the cache in {cached:.2f} s CPU; parsed and validated in {parsed:.2f} s "
          "(what a run right after the file was edited pays more)", flush=True)


if __name__ == "__main__":
    main()
