"""OCR on the hard scan set (nianbao.devportal.documents.hard_scans), per engine and per half:
table cells exact, cells silently wrong (wrong, no warning naming them, no failed check covering
them: nianbao.evaluation.scoring.silently_wrong), and pages/s, with each engine's speed
as a ratio of Tesseract's measured in the same run.

    .venv/bin/python bench/ocr.py [--engines rapidocr,tesseract,both] [--half dev|evaluation|all]
                                  [--limit N] [--cases SUBSTRING] [--verbose]

Only the DEV half may be used for tuning; the EVALUATION half is reported, never tuned on.
bench/parse.py calls `report()` for the OCR lines of its own output.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pypdfium2 as pdfium  # noqa: E402

from nianbao.devportal.documents.hard_scans import DEV, EVALUATION, HardScan, hard_scan_set  # noqa: E402
from parsing import ParseError, parse_report  # noqa: E402
from parsing.limits import Limits  # noqa: E402
from parsing.ocr import ENGINES, use_engine  # noqa: E402
from nianbao.evaluation.scoring import exact, silently_wrong  # noqa: E402


@dataclass
class Tally:
    cells: int = 0
    exact: int = 0
    silent: int = 0
    pages: int = 0
    seconds: float = 0.0
    silent_cells: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> int:
        """Cells not exact whose error a warning or failed check names (or a refused document)."""
        return self.cells - self.exact - self.silent

    def add(self, other: Tally) -> None:
        self.cells += other.cells
        self.exact += other.exact
        self.silent += other.silent
        self.pages += other.pages
        self.seconds += other.seconds
        self.silent_cells += other.silent_cells
        self.errors += other.errors

    @property
    def exact_share(self) -> float:
        return self.exact / self.cells if self.cells else 0.0

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


# The parser's own OCR budget (Limits.max_seconds, 120 s) is a production guard; on a machine
# shared with other work a 3-page 300-dpi scan read by both engines can pass it, and the bench
# measures reading, so it allows more (--max-seconds). A scan the parser still refuses counts
# as 0 cells exact, none silently wrong (the refusal names the document), and is printed.
BENCH_LIMITS = Limits(max_seconds=600.0)


def score(scan: HardScan, pdf: bytes, engine: str,
          limits: Limits = BENCH_LIMITS) -> tuple[Tally, list[tuple[str, object, object]]]:
    """One scan parsed by `engine`: its tally and its wrong cells (path, got, want)."""
    pages = len(pdfium.PdfDocument(pdf))
    started = time.perf_counter()
    try:
        with use_engine(engine):
            record = parse_report(pdf, url=f"https://example.gov.cn/{scan.case_id}.pdf", limits=limits)
    except ParseError as exc:
        seconds = time.perf_counter() - started
        return (Tally(len(scan.expected), 0, 0, pages, seconds, errors=[f"{scan.case_id}: {exc}"]),
                [("<document>", f"refused: {exc}", "a record")])
    seconds = time.perf_counter() - started
    flat = record.flatten()
    wrong = [(k, flat.get(k, "<absent>"), v) for k, v in scan.expected.items() if not exact(flat.get(k, "<absent>"), v)]
    silent = silently_wrong(record, scan.expected)
    return Tally(len(scan.expected), len(scan.expected) - len(wrong), len(silent), pages, seconds,
                 [f"{scan.case_id}:{c}" for c in silent]), wrong


def evaluate(engines: list[str], scans: list[HardScan], verbose: bool = False) -> dict[tuple[str, str], Tally]:
    tallies = {(e, h): Tally() for e in engines for h in (DEV, EVALUATION)}
    for scan in scans:
        pdf = scan.pdf()
        for engine in engines:
            tally, wrong = score(scan, pdf, engine)
            tallies[(engine, scan.half)].add(tally)
            if verbose:
                print(f"  {engine:9s} {scan.half[:4]} {scan.case_id:60s} {tally.exact}/{tally.cells}"
                      f" silent {tally.silent} flagged {tally.flagged} {tally.pages}p {tally.seconds:.1f}s"
                      + (f" REFUSED {tally.errors[0]}" if tally.errors else ""), flush=True)
                for path, got, want in wrong[:int(os.environ.get("OCR_BENCH_SHOW", "12"))]:
                    mark = "SILENT" if f"{scan.case_id}:{path}" in tally.silent_cells else "flagged"
                    print(f"      {mark:7s} {path}: got {got!r} want {want!r}")
    return tallies


def report(tallies: dict[tuple[str, str], Tally], baseline: str = "tesseract") -> list[str]:
    """One line per engine and half, and the engines' speed against `baseline`'s."""
    lines = []
    engines = sorted({e for e, _ in tallies}, key=ENGINES.index)
    for engine in engines:
        for half in (DEV, EVALUATION):
            t = tallies[(engine, half)]
            if not t.cells:
                continue
            lines.append(f"OCR {engine:9s} {half:10s} {t.exact_share:7.2%} of {t.cells} cells exact,"
                         f" {t.silent} silently wrong, {t.flagged} flagged; {t.pages_per_second:5.2f} pages/s"
                         f" ({t.pages} pages{f', {len(t.errors)} refused' if t.errors else ''})")
    speed = {}
    for engine in engines:
        total = Tally()
        for half in (DEV, EVALUATION):
            total.add(tallies[(engine, half)])
        speed[engine] = total.pages_per_second
    if baseline in speed and speed[baseline]:
        lines.append("OCR pages/s against " + baseline + " (same run): "
                     + ", ".join(f"{e} {speed[e] / speed[baseline]:.2f}x" for e in engines))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--half", choices=[DEV, EVALUATION, "all"], default="all")
    parser.add_argument("--limit", type=int, default=0, help="at most N scans (0: all)")
    parser.add_argument("--cases", default="", help="only scans whose id contains this")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    scans = [s for s in hard_scan_set(args.seed)
             if (args.half == "all" or s.half == args.half) and args.cases in s.case_id]
    if args.limit:
        scans = scans[: args.limit]
    engines = args.engines.split(",")
    tallies = evaluate(engines, scans, args.verbose)
    for line in report(tallies):
        print(line)
    for engine in engines:
        silent = [c for h in (DEV, EVALUATION) for c in tallies[(engine, h)].silent_cells]
        if silent:
            print(f"  {engine} silently wrong: {', '.join(silent[:20])}")


if __name__ == "__main__":
    main()
