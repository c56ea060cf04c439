"""Search latency: p50/p95 of `storage.search.search` for 2-, 3- and 6-character queries over
synthetic reports on SQLite and PostgreSQL, beside a plain `LIKE '%q%'` scan of the same text
(the baseline, measured in the same run on the same database).

    .venv/bin/python bench/search.py [--reports 100000] [--queries 30] [--baseline-queries 5]
                                     [--backends sqlite,postgresql] [--keep DIR] [--postgresql-url URL]

The reports are built from the narrative sentences of the shared seed reports and of the test
renderer, plus a vocabulary of the form's terms with varying numbers, ~1,000-2,000 characters
each (3-6 KB of UTF-8), under generated agencies in generated regions; they are bulk-inserted
into agencies/captures/reports/report_versions and the index tables (not through ingest: the
figure here is search, and ingest has bench/ingest.py). Queries are substrings of the corpus
itself (every one has matches, common phrases as often as the text has them), each timed as a
user sees it: the total, the first page of 20 ranked hits and their snippets. The baseline is
`SELECT ... WHERE text LIKE '%q%'` with its count and first 20 rows: what one would write
without an index. PostgreSQL is a throwaway server (nianbao/devportal/postgres_server.py), or the
database --postgresql-url names; a database that already holds the corpus is reused, not loaded
again (building 100,000 reports takes 15-40 minutes on the shared 2-core machine).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, text

from nianbao.devportal.documents import FILLER_SENTENCES
from parsing import parse_report
from storage import Archive, search_index
from storage.search import SearchQuery, search
from storage.search_index import index_rows
from storage.textnorm import normalize, word_runs

ROOT = Path(__file__).resolve().parent.parent  # the repository, with ../shared beside it
SEEDS = ROOT.parent / "shared" / "fixtures" / "seeds"
LENGTHS = (2, 3, 6)
BATCH = 2000

VOCABULARY = [
    "行政复议", "行政诉讼", "依申请公开", "国家秘密", "政府信息公开", "信息处理费", "重点领域信息", "政策解读",
    "政务新媒体", "不予公开", "部分公开", "结果纠正", "结果维持", "行政处罚", "行政许可", "行政强制",
    "行政规范性文件", "第三方合法权益", "三类内部事务信息", "四类过程性信息", "行政执法案卷", "信访举报投诉",
    "重复申请", "公开出版物", "无正当理由大量反复申请", "补正后申请内容仍不明确", "本机关不掌握相关政府信息",
    "政府网站", "政务公开专区", "决策预公开", "人大代表建议", "政协委员提案", "财政预决算", "三公经费",
    "营商环境", "乡村振兴", "疫情防控", "安全生产", "食品药品监管", "生态环境保护", "保障性住房",
    "教育收费", "医疗卫生", "社会救助", "就业创业", "征地拆迁", "政府采购", "公共资源交易",
]
DEPARTMENTS = [
    "人民政府", "人民政府办公室", "发展和改革委员会", "教育局", "公安局", "民政局", "司法局", "财政局",
    "人力资源和社会保障局", "自然资源和规划局", "生态环境局", "住房和城乡建设局", "交通运输局", "水利局",
    "农业农村局", "商务局", "文化广电和旅游局", "卫生健康委员会", "应急管理局", "审计局", "市场监督管理局",
    "统计局", "医疗保障局", "信访局", "城市管理局", "数据局", "政务服务管理局",
]
PROVINCES = ["江苏省", "浙江省", "河南省", "广东省", "福建省", "四川省", "湖北省", "山东省", "云南省", "新疆维吾尔自治区"]
CITY_SYLLABLES = "安宁平阳江山河东西南北海城川原清丰德兴华昌泰和顺永新"


def seed_sentences() -> list[str]:
    """Narrative sentences of the real seed reports and of the test renderer's filler."""
    sentences: list[str] = []
    for path in sorted(SEEDS.glob("*.txt")):
        record = parse_report(path.read_bytes(), url=f"file://{path.name}")
        for section in record.sections.values():
            sentences += [s.strip() + "。" for s in re.split(r"[。；\n]", section or "") if len(s.strip()) >= 8]
    sentences += [s.replace("{agency}", "本机关") for s in FILLER_SENTENCES]
    if not sentences:
        raise SystemExit(f"no seed sentences found under {SEEDS}: shared/ must sit beside the repository")
    return sentences


def regions_and_agencies(count: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """(agency name, region path, kind) for `count` generated agencies."""
    agencies = []
    seen = set()
    while len(agencies) < count:
        province = rng.choice(PROVINCES)
        city = "".join(rng.sample(CITY_SYLLABLES, 2)) + "市"
        county = "".join(rng.sample(CITY_SYLLABLES, 2)) + rng.choice(["县", "区"])
        place, region = rng.choice([(city, f"{province}/{city}"), (county, f"{province}/{city}/{county}")])
        department = rng.choice(DEPARTMENTS)
        name = place + department
        if name in seen:
            continue
        seen.add(name)
        agencies.append((name, region, "government" if department == "人民政府" else "department"))
    return agencies


def report_text(rng: random.Random, sentences: list[str], agency: str, year: int) -> str:
    target = rng.randint(1000, 2000)
    parts = [f"{agency}{year}年政府信息公开工作年度报告", "一、总体情况"]
    length = sum(map(len, parts))
    while length < target:
        if rng.random() < 0.25:
            piece = f"全年办理{rng.choice(VOCABULARY)}{rng.randint(0, 3000)}件，同比{rng.choice(['增长', '下降'])}{rng.randint(1, 60)}%。"
        else:
            piece = re.sub(r"\d+", lambda _: str(rng.randint(1, 20000)), rng.choice(sentences))
        parts.append(piece)
        length += len(piece)
    return "\n".join(parts)


def generate(count: int, seed: int = 2024) -> Iterator[list[dict]]:
    """The corpus in batches, the same every time for the same seed."""
    rng = random.Random(seed)
    sentences = seed_sentences()
    agencies = regions_and_agencies(max(10, count // 30), random.Random(seed + 1))
    batch = []
    for number in range(1, count + 1):
        agency_id = rng.randrange(len(agencies)) + 1
        name = agencies[agency_id - 1][0]
        year = rng.randint(2019, 2024)
        body = report_text(rng, sentences, name, year)
        fmt = "2021" if year >= 2021 else "2019"
        batch.append({
            "id": number, "agency_id": agency_id, "agency_name": name, "year": year, "format": fmt,
            "title": body.split("\n", 1)[0], "text": body,
            "url": f"https://www.example.gov.cn/{agency_id}/{year}/{number}.html",
            "sha256": hashlib.sha256(body.encode()).hexdigest(),
            "record": json.dumps({"title": body.split("\n", 1)[0], "agency": name, "year": year, "format": fmt},
                                 ensure_ascii=False),
            "checks_failed": int(rng.random() < 0.1),
            "captured_at": f"{year + 1}-02-{rng.randint(1, 28):02d} 08:00:00",
        })
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def sample_queries(count: int, per_length: int, seed: int = 7) -> dict[int, list[str]]:
    """Substrings of letters and digits of random reports, `per_length` for each length."""
    rng = random.Random(seed)
    wanted = {rng.randrange(1, count + 1) for _ in range(per_length * len(LENGTHS) * 3)}
    texts = [row["text"] for batch in generate(count) for row in batch if row["id"] in wanted]
    queries: dict[int, list[str]] = {length: [] for length in LENGTHS}
    for length in LENGTHS:
        while len(queries[length]) < per_length:
            runs = [run for run in word_runs(normalize(rng.choice(texts))) if len(run) >= length]
            run = rng.choice(runs)
            start = rng.randrange(len(run) - length + 1)
            queries[length].append(run[start : start + length])
    return queries


# -- loading ------------------------------------------------------------------------------------
def load_sqlite(engine: Engine, count: int, agencies: list[tuple[str, str, str]]) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.executemany("INSERT INTO agencies (id, name, region, kind, list_urls) VALUES (?, ?, ?, ?, '[]')",
                           [(i + 1, *a) for i, a in enumerate(agencies)])
        for batch in generate(count):
            cursor.executemany(
                "INSERT INTO captures (id, url, final_url, status, reason, http_version, headers, captured_at, "
                "content_type, sha256, size, source) VALUES (?, ?, NULL, 200, 'OK', 'HTTP/1.1', '[]', ?, "
                "'text/html', ?, ?, 'crawl')",
                [(r["id"], r["url"], r["captured_at"], r["sha256"], len(r["text"].encode())) for r in batch])
            cursor.executemany(
                "INSERT INTO reports (id, url, agency_id, agency_name, year, title, format, first_capture_id, "
                "first_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(r["id"], r["url"], r["agency_id"], r["agency_name"], r["year"], r["title"], r["format"], r["id"],
                  r["captured_at"]) for r in batch])
            cursor.executemany(
                "INSERT INTO report_versions (id, report_id, capture_id, sha256, record, record_sha256, "
                "checks_failed, warnings, text, parser_version, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, '[]', ?, 'bench', ?)",
                [(r["id"], r["id"], r["id"], r["sha256"], r["record"], r["sha256"], r["checks_failed"], r["text"],
                  r["captured_at"]) for r in batch])
            index = [index_rows(r["id"], r["text"]) for r in batch]
            cursor.executemany("INSERT INTO search_entries (version_id, report_id, is_current) VALUES (?, ?, 1)",
                               [(r["id"], r["id"]) for r in batch])
            cursor.executemany("INSERT INTO search_trigram (rowid, body) VALUES (?, ?)",
                               [(row["id"], row["body"]) for row in index])
            cursor.executemany("INSERT INTO search_short (rowid, grams) VALUES (?, ?)",
                               [(row["id"], row["gram_text"]) for row in index])
            raw.commit()
        cursor.execute("INSERT INTO search_trigram (search_trigram) VALUES ('optimize')")
        cursor.execute("INSERT INTO search_short (search_short) VALUES ('optimize')")
        cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()


PG_INDEXES = {
    "ix_search_entries_grams": "CREATE INDEX ix_search_entries_grams ON search_entries USING gin (grams)",
    "ix_search_parts_windows": search_index.POSTGRESQL_PARTS_DDL[2],
}


def load_postgresql(engine: Engine, count: int, agencies: list[tuple[str, str, str]]) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for name in PG_INDEXES:  # GIN indexes build far faster once than row by row
            cursor.execute(f"DROP INDEX {name}")
        with cursor.copy("COPY agencies (id, name, region, kind, list_urls) FROM STDIN") as copy:
            for i, agency in enumerate(agencies):
                copy.write_row((i + 1, *agency, "[]"))
        for batch in generate(count):
            with cursor.copy("COPY captures (id, url, status, reason, http_version, headers, captured_at, "
                             "content_type, sha256, size, source) FROM STDIN") as copy:
                for r in batch:
                    copy.write_row((r["id"], r["url"], 200, "OK", "HTTP/1.1", "[]", r["captured_at"] + "+00",
                                    "text/html", r["sha256"], len(r["text"].encode()), "crawl"))
            with cursor.copy("COPY reports (id, url, agency_id, agency_name, year, title, format, "
                             "first_capture_id, first_seen_at) FROM STDIN") as copy:
                for r in batch:
                    copy.write_row((r["id"], r["url"], r["agency_id"], r["agency_name"], r["year"], r["title"],
                                    r["format"], r["id"], r["captured_at"] + "+00"))
            with cursor.copy("COPY report_versions (id, report_id, capture_id, sha256, record, record_sha256, "
                             "checks_failed, warnings, text, parser_version, created_at) FROM STDIN") as copy:
                for r in batch:
                    copy.write_row((r["id"], r["id"], r["id"], r["sha256"], r["record"], r["sha256"],
                                    r["checks_failed"], "[]", r["text"], "bench", r["captured_at"] + "+00"))
            rows = [index_rows(r["id"], r["text"]) for r in batch]
            with cursor.copy("COPY search_entries (version_id, report_id, is_current, body, grams) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((row["id"], row["id"], True, row["body"], row["grams"]))
            with cursor.copy("COPY search_parts (version_id, part, body, is_current) FROM STDIN") as copy:
                for row in rows:
                    for number, part in enumerate(search_index.text_parts(row["body"])):
                        copy.write_row((row["id"], number, part, True))
            raw.commit()
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for name, statement in PG_INDEXES.items():
            start = time.perf_counter()
            cursor.execute(statement)
            print(f"  postgresql: {name} built in {time.perf_counter() - start:.0f} s", file=sys.stderr)
        cursor.execute(search_index.POSTGRESQL_PARTS_DDL[3])  # the windows index's statistics off, as created
        for table, last in (("agencies", len(agencies)), ("captures", count), ("reports", count),
                            ("report_versions", count)):  # later inserts get fresh ids
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {last})")
        cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()


# -- measuring ----------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def server_processes(archive: Archive) -> list[int]:
    """The local PostgreSQL server's processes (its postmaster and children), whose CPU time a
    search adds to this process's; [] for SQLite, or a server this machine cannot see."""
    if archive.engine.dialect.name != "postgresql":
        return []
    with archive.engine.connect() as connection:
        folder = Path(connection.scalar(text("SHOW data_directory")))
    try:
        postmaster = int((folder / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    children = Path(f"/proc/{postmaster}/task/{postmaster}/children")
    return [postmaster, *map(int, children.read_text().split())] if children.exists() else [postmaster]


def cpu_seconds(pids: list[int]) -> float:
    """This process's CPU time and that of `pids` (user + system, with their waited-for children)."""
    total = time.process_time()
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # a backend that ended meanwhile
            continue
        total += sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return total


def time_search(archive: Archive, query: str) -> tuple[float, float, int]:
    """Wall and CPU milliseconds of one search (CPU: this process and the database server's:
    on the shared machine wall time follows its load, CPU time much less), and its total."""
    pids = server_processes(archive)
    cpu = cpu_seconds(pids)
    start = time.perf_counter()
    result = search(archive, SearchQuery(query))
    wall = (time.perf_counter() - start) * 1000
    return wall, (cpu_seconds(pids) - cpu) * 1000, result.total


def time_like(engine: Engine, query: str) -> tuple[float, int]:
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    sql = text("SELECT id, count(*) OVER () AS total FROM report_versions WHERE text LIKE :p ESCAPE '\\' "
               "ORDER BY id LIMIT 20")
    start = time.perf_counter()
    with engine.connect() as connection:
        rows = connection.execute(sql, {"p": pattern}).all()
    return (time.perf_counter() - start) * 1000, rows[0].total if rows else 0


def run_backend(name: str, archive: Archive, count: int, queries: dict[int, list[str]], baseline: int) -> dict:
    agencies = regions_and_agencies(max(10, count // 30), random.Random(2025))
    with archive.engine.connect() as connection:
        loaded = connection.scalar(text("SELECT count(*) FROM report_versions"))
    if loaded == count:  # built by an earlier run (--keep, --postgresql-url): the same corpus, reused
        print(f"  {name}: {count:,} reports already loaded, reused", file=sys.stderr)
        load_seconds = None
    else:
        start = time.perf_counter()
        (load_sqlite if name == "sqlite" else load_postgresql)(archive.engine, count, agencies)
        load_seconds = time.perf_counter() - start
    for query in queries[3][:3]:  # warm the caches
        time_search(archive, query)
    figures = {"load_s": load_seconds, "lengths": {}}
    for length, items in queries.items():
        timings, cpu, totals = zip(*(time_search(archive, q) for q in items))
        like = [time_like(archive.engine, q) for q in items[:baseline]]
        for (_, expected), q, got in zip(like, items, totals):
            if expected != got and normalize(q) == q:
                print(f"  note: {q!r}: search found {got}, LIKE {expected} (normalisation differs)", file=sys.stderr)
        figures["lengths"][length] = {
            "p50": statistics.median(timings), "p95": percentile(list(timings), 0.95),
            "cpu_p50": statistics.median(cpu), "cpu_p95": percentile(list(cpu), 0.95),
            "like_p50": statistics.median([t for t, _ in like]) if like else None,
            "like_p95": percentile([t for t, _ in like], 0.95) if like else None,
            "median_matches": statistics.median(totals),
        }
    return figures


def database_size(archive: Archive, name: str, folder: Path) -> float:
    if name == "sqlite":
        return sum(p.stat().st_size for p in folder.glob("nianbao.sqlite3*")) / 1e6
    with archive.engine.connect() as connection:
        return connection.scalar(text("SELECT pg_database_size(current_database())")) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=30, help="queries per length (2, 3, 6 characters)")
    parser.add_argument("--baseline-queries", type=int, default=5, help="of those, how many also run as LIKE")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--keep", type=Path, help="build the databases in this folder and leave them there "
                        "(SQLite: a later run with the same folder and --reports reuses its database)")
    parser.add_argument("--postgresql-url", help="an existing database to use instead of a throwaway server "
                        "(loaded unless it holds --reports reports already, e.g. from an earlier run)")
    args = parser.parse_args()
    if args.reports < 10 or args.queries < 1:
        parser.error("--reports must be at least 10 and --queries at least 1")
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(sorted(unknown))}")
    queries = sample_queries(args.reports, args.queries)
    print(f"{args.reports:,} synthetic reports; {args.queries} queries per length, "
          f"{min(args.baseline_queries, args.queries)} of them also as LIKE; first page of 20 with total and snippets")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="nianbao-bench-search-"))
    results = {}
    for name in backends:
        data = folder / name
        if name == "sqlite":
            archive = Archive.open(data, f"sqlite:///{data / 'nianbao.sqlite3'}")
            results[name] = (run_backend(name, archive, args.reports, queries, args.baseline_queries),
                             database_size(archive, name, data))
            archive.close()
        elif args.postgresql_url:
            archive = Archive.open(data, args.postgresql_url)
            results[name] = (run_backend(name, archive, args.reports, queries, args.baseline_queries),
                             database_size(archive, name, data))
            archive.close()
        else:
            from nianbao.devportal.postgres_server import PostgresServer

            server = PostgresServer(durable=True).start()
            try:
                archive = Archive.open(data, server.create_database("bench"))
                results[name] = (run_backend(name, archive, args.reports, queries, args.baseline_queries),
                                 database_size(archive, name, data))
                archive.close()
            finally:
                server.stop()
    for name, (figures, size) in results.items():
        loaded = f"loaded and indexed in {figures['load_s']:.0f} s" if figures["load_s"] is not None else "reused"
        print(f"\n{name}: {loaded}, database {size:,.0f} MB, load average {os.getloadavg()[0]:.1f}")
        print(f"  {'query':<8} {'search p50':>11} {'p95':>9} {'CPU p50':>9} {'p95':>9} {'LIKE p50':>10} {'p95':>9} "
              f"{'LIKE/search p50':>16} {'median matches':>15}")
        for length, f in figures["lengths"].items():
            ratio = f"{f['like_p50'] / f['p50']:.0f}x" if f["like_p50"] else "-"
            like50 = f"{f['like_p50']:.0f} ms" if f["like_p50"] is not None else "-"
            like95 = f"{f['like_p95']:.0f} ms" if f["like_p95"] is not None else "-"
            print(f"  {length} chars  {f['p50']:>8.1f} ms {f['p95']:>6.1f} ms {f['cpu_p50']:>6.0f} ms {f['cpu_p95']:>6.0f} ms "
                  f"{like50:>10} {like95:>9} {ratio:>16} "
                  f"{f['median_matches']:>15,.0f}")
    if args.keep is None:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
