"""Parse throughput on one core: text reports/s and HTML pages/s, beside trafilatura's own
extraction of the same HTML pages (the baseline, measured in the same run); PDF and DOCX
pages/s with peak memory, beside pdfplumber's and python-docx's bare reading of the same files;
the peak heap of parsing the largest text report and HTML page, as a multiple of its size.

    .venv/bin/python bench/parse.py [--seconds 3] [--ocr-scans 3]

OCR: cells exact, silently wrong and pages/s per engine (rapidocr, tesseract, both) on a few
documents of the hard scan set, with each engine's speed against Tesseract's in the same run
(bench/ocr.py's report; bench/ocr.py runs the whole set per half).

Text reports are the shared seeds plus generated reports in every text shape; HTML pages are
generated portal pages (~30 KB: navigation, byline, related links, footer) around the form's
tables with their rowspans. Targets (issue 2): 300 text reports/s, 60 HTML pages/s.
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from pathlib import Path

import trafilatura

from parsing import parse_html, parse_report
from nianbao.devportal.random_tables import report_tables
from nianbao.devportal.render import SHAPES, render_html_page

ROOT = Path(__file__).resolve().parent.parent  # the repository, with ../shared beside it
SEEDS = ROOT.parent / "shared" / "fixtures" / "seeds"
REAL_PDF = ROOT.parent / "shared" / "fixtures" / "real" / "huaian_city_2024.pdf"
FILLED_DOCX = ROOT / "tests" / "fixtures" / "parsing" / "docx_huaian_filled_template.docx"


def peak_mb(fn) -> float:
    """Peak Python heap during one call (tracemalloc; pdfminer and python-docx are Python)."""
    import tracemalloc

    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024 / 1024


def document_rows(seconds: float, ocr_scans: int) -> None:
    import io

    import docx
    import pdfplumber

    pdf = REAL_PDF.read_bytes()
    with pdfplumber.open(io.BytesIO(pdf)) as opened:
        pages = len(opened.pages)
    word = FILLED_DOCX.read_bytes()

    def bare_pdf(body: bytes) -> None:
        with pdfplumber.open(io.BytesIO(body)) as doc:
            for page in doc.pages:
                page.extract_text()

    pdf_rate, _ = rate(lambda b: parse_report(b), [pdf], seconds)
    pdf_base, _ = rate(bare_pdf, [pdf], seconds)
    docx_rate, _ = rate(lambda b: parse_report(b), [word], seconds)
    docx_base, _ = rate(lambda b: docx.Document(io.BytesIO(b)), [word], seconds)
    print(f"PDF (text layer)  {pdf_rate * pages:8.1f} pages/s    ({REAL_PDF.name}, {pages} pages;"
          f" peak heap {peak_mb(lambda: parse_report(pdf)):.0f} MB)")
    print(f"  pdfplumber text {pdf_base * pages:8.1f} pages/s    (baseline: extract_text() of every page)")
    from nianbao.devportal.documents import render_pdf, sample_tables, scan_pdf

    scan = scan_pdf(render_pdf(sample_tables("2021", year=2022)), noise=0.005, seed=1)
    scan_pages = len(pdfplumber.open(io.BytesIO(scan)).pages)
    started = time.perf_counter()
    parse_report(scan)
    ocr_seconds = time.perf_counter() - started
    print(f"scanned PDF (OCR) {scan_pages / ocr_seconds:8.2f} pages/s    ({scan_pages} pages at 300 dpi, one run;"
          " default engine, pages in parallel)")
    print(f"DOCX              {docx_rate:8.1f} docs/s     ({FILLED_DOCX.name}; peak heap"
          f" {peak_mb(lambda: parse_report(word)):.0f} MB)")
    print(f"  python-docx     {docx_base:8.1f} docs/s     (baseline: docx.Document() alone)")
    ocr_rows(ocr_scans)


def ocr_rows(count: int) -> None:
    """Cells exact, silently wrong and pages/s per OCR engine on `count` documents of the hard
    scan set (bench/ocr.py's report; the whole set: bench/ocr.py), speed against Tesseract's."""
    if count <= 0:
        return
    import sys

    if str(ROOT) not in sys.path:  # run as a script: bench/ is on the path, the repository is not
        sys.path.insert(0, str(ROOT))
    from bench.ocr import evaluate, report
    from nianbao.devportal.documents.hard_scans import hard_scan_set
    from parsing.ocr import ENGINES

    scans = hard_scan_set()
    # Every other document, so both halves, ruled and unruled, fonts and real scans take turns.
    sample = scans[:: max(len(scans) // count, 1)][:count]
    for line in report(evaluate(list(ENGINES), sample)):
        print(line)


def _examples(n: int, seed: int) -> list:
    random.seed(seed)
    strategy = report_tables()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [strategy.example() for _ in range(n)]


def rate(fn, items: list, seconds: float) -> tuple[float, int]:
    """Items per second over whole passes through `items`, for at least `seconds`."""
    done = 0
    start = time.perf_counter()
    while True:
        for item in items:
            fn(item)
        done += len(items)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="minimum time per measurement")
    parser.add_argument("--ocr-scans", type=int, default=3,
                        help="hard scans read by each OCR engine (0: none; bench/ocr.py reads them all)")
    args = parser.parse_args()

    tables = _examples(24, seed=7)
    texts = [p.read_bytes() for p in sorted(SEEDS.glob("*.txt"))]
    texts += [render(t).encode("utf-8") for t in tables[:12] for render in SHAPES.values()]
    pages = [render_html_page(t) for t in tables[12:]]
    page_bytes = [p.encode("utf-8") for p in pages]
    avg_kb = sum(len(p) for p in page_bytes) / len(page_bytes) / 1024

    text_rate, text_n = rate(lambda b: parse_report(b), texts, args.seconds)
    html_rate, html_n = rate(lambda b: parse_report(b, url="https://example.gov.cn/a.html"), page_bytes, args.seconds)
    base_rate, base_n = rate(
        lambda p: trafilatura.extract(p, include_tables=True, fast=True, deduplicate=False), pages, args.seconds
    )
    parse_only, _ = rate(lambda p: parse_html(p), pages, args.seconds)
    document_rows(args.seconds, args.ocr_scans)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"text reports      {text_rate:8.1f} reports/s  ({text_n} parses of {len(texts)} reports; target 300/s)")
    print(f"HTML pages        {html_rate:8.1f} pages/s    ({html_n} parses of {len(pages)} pages, {avg_kb:.1f} KB avg; target 60/s)")
    print(f"  from str        {parse_only:8.1f} pages/s    (decoding and sniffing excluded)")
    print(f"trafilatura only  {base_rate:8.1f} pages/s    (baseline: extract() on the same pages, {base_n} runs)")
    print(f"HTML parse / trafilatura time ratio: {base_rate / html_rate:.2f}x")
    for kind, body in (("text", max(texts, key=len)), ("HTML", max(page_bytes, key=len))):
        heap = peak_mb(lambda: parse_report(body))
        print(f"{kind + ' memory':17s} {heap:8.1f} MB peak heap  ({len(body) / 1024:.0f} KB input,"
              f" {heap * 1024 * 1024 / len(body):.0f}x its size; limits.max_{kind.lower()}_bytes bound it)")
    print(f"peak RSS of the whole run {rss_mb:.0f} MB")


if __name__ == "__main__":
    main()
