"""A deterministic sample crawl: captures as a crawler would hand them to `Archive.ingest`.

Annual reports rendered from random tables (every text shape of nianbao/devportal/render.py), reports
republished with changed numbers, unchanged revisits, notices and news pages that are not
reports, and 404s, in capture-time order. The crash test and bench/ingest.py use it.

Run as a script it ingests the sample into an archive, printing each capture's index once
the capture is committed (the crash test kills it part-way):

    python -m nianbao.devportal.sample_crawl DATA_DIR [DATABASE_URL] [--count N] [--no-parse] [--batch N]

With `--batch N` the captures go through a group commit (storage.group_commit) N at a time, and
each index is printed once its batch is committed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import threading
from dataclasses import dataclass

from parsing.schema import ACTIVE_ROWS, APPLICANT_COLUMNS, APPLICATION_ROWS, REVIEW_GROUPS, REVIEW_OUTCOMES
from storage import Archive, CaptureIn
from storage.archive import IngestItem
from storage.group_commit import GroupCommit
from nianbao.devportal.render import SHAPES, ReportTables

AGENCIES = ["卫辉市信访局", "临翔区政务服务管理局", "淮安市人民政府", "安居区人民政府", "独山子区城市管理局",
            "浦东新区生态环境局", "乌鲁木齐市天山区教育局", "荔湾区市场监督管理局"]
START = dt.datetime(2024, 2, 1, tzinfo=dt.timezone.utc)
KINDS = ("report", "changed", "revisit", "not_report", "missing")
WEIGHTS = (50, 10, 15, 15, 10)


@dataclass(frozen=True)
class SampleCapture:
    kind: str  # one of KINDS
    capture: CaptureIn

    @property
    def is_report(self) -> bool:
        """Shows a report: a first one, a changed one, or a revisit of either."""
        return self.kind in ("report", "changed", "revisit")


def random_tables(rng: random.Random) -> ReportTables:
    fmt = rng.choice(["2021", "2019"])
    year = rng.randint(2021, 2025) if fmt == "2021" else rng.randint(2019, 2020)

    def count() -> int | None:
        return None if rng.random() < 0.1 else rng.choice([rng.randint(0, 40), rng.randint(0, 99_999)])

    active = {}
    for spec in ACTIVE_ROWS[fmt]:
        row: dict[str, int | float | None] = {}
        for column in spec.columns:
            if column in spec.amount_columns:
                row[column] = rng.choice([None, rng.randint(0, 50_000), round(rng.uniform(0, 99_999), 2)])
            elif column == "items_change":
                row[column] = rng.choice([None, rng.randint(-50, 50)])
            else:
                row[column] = count()
        active[spec.key] = row
    applications = {r: {c: count() for c in APPLICANT_COLUMNS} for r in APPLICATION_ROWS[fmt]}
    review = {g: {o: count() for o in REVIEW_OUTCOMES} for g in REVIEW_GROUPS}
    return ReportTables(rng.choice(AGENCIES), year, fmt, active, applications, review)


def _not_a_report(rng: random.Random, n: int) -> bytes:
    if rng.random() < 0.5:
        return (f"关于做好{rng.randint(2019, 2025)}年度政府信息公开工作年度报告编制和发布工作的通知\n"
                f"各单位:请于{rng.randint(1, 28)}日前报送。(第{n}号)").encode()
    return (f"<html><head><title>政务动态 {n}</title></head><body><h1>我局召开第{n}次工作会议</h1>"
            f"<p>会议传达学习了有关文件精神,部署下一阶段重点工作。</p>" * rng.randint(1, 4)
            + "</body></html>").encode()


def sample_crawl(count: int = 1000, seed: int = 2024) -> list[SampleCapture]:
    rng = random.Random(seed)
    shapes = list(SHAPES.values())
    reports: dict[str, tuple[bytes, int]] = {}  # url -> the payload it shows now, and its status
    out: list[SampleCapture] = []
    for n in range(count):
        at = START + dt.timedelta(minutes=n)
        kind = rng.choices(KINDS, WEIGHTS)[0] if reports else "report"
        if kind in ("changed", "revisit"):
            url = rng.choice(sorted(reports))
            body, status = reports[url]
            if kind == "changed":
                body, status = rng.choice(shapes)(random_tables(rng)).encode("utf-8"), 200
        elif kind == "report":
            url = f"https://www.example{n % 7}.gov.cn/art/2024/2/1/art_{n}.html"
            body, status = rng.choice(shapes)(random_tables(rng)).encode("utf-8"), 200
        elif kind == "not_report":
            url, body, status = f"https://www.example{n % 7}.gov.cn/news/{n}.html", _not_a_report(rng, n), 200
        else:
            url, body, status = f"https://www.example{n % 7}.gov.cn/gone/{n}.html", b"404 Not Found", 404
        if kind in ("report", "changed"):
            reports[url] = (body, status)
        content_type = "text/html; charset=utf-8" if body.startswith(b"<html") else "text/plain; charset=utf-8"
        out.append(SampleCapture(kind, CaptureIn(
            url=url, body=body, captured_at=at, status=status, reason="OK" if status == 200 else "Not Found",
            headers=(("Content-Type", content_type), ("Content-Length", str(len(body)))), content_type=content_type,
        )))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("url", nargs="?")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--no-parse", action="store_true")
    parser.add_argument("--batch", type=int, default=0, help="captures per group commit (0: one ingest each)")
    args = parser.parse_args()
    archive = Archive.open(args.data, args.url)
    if args.batch:
        writer = GroupCommit(archive, max_count=args.batch, max_wait=60)
        futures = [writer.submit(IngestItem(s.capture, parse=not args.no_parse)) for s in sample_crawl(args.count)]
        closing = threading.Thread(target=writer.close)  # every batch full but the last
        closing.start()
        for n, future in enumerate(futures):
            future.result()
            sys.stdout.write(f"{n}\n")
            sys.stdout.flush()
        closing.join()
    else:
        for n, sample in enumerate(sample_crawl(args.count)):
            archive.ingest(sample.capture, parse=not args.no_parse)
            sys.stdout.write(f"{n}\n")
            sys.stdout.flush()
    archive.close()


if __name__ == "__main__":
    main()
