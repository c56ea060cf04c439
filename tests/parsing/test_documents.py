"""Documents: PDFs and DOCX files rendered from known tables parse back exactly; the type comes
from the bytes; scans, encrypted, truncated, corrupt, disguised, bomb and XXE files are refused
with a clear `ParseError` or read to a bounded, correct result, within explicit limits and
without hanging.

Every document is generated once per session (`functools.lru_cache`) by nianbao/devportal/documents/.
Each parse runs under a wall-clock timeout in a daemon thread, so a hang fails the test instead
of blocking the run; the zip bomb runs in a subprocess so its peak memory can be measured alone.

Error-message substrings this file expects (lower-cased comparison):
  encrypted PDF (user password)  -> "encrypted"
  truncated PDF                   -> "truncated"
  corrupt PDF                     -> "corrupt"
  DOCX zip bomb                   -> "zip bomb"
  DOCX with an external entity    -> "external entit" (if refused rather than read safely)
  PDF over the page limit         -> "page" (if refused rather than read up to the limit)
"""

from __future__ import annotations

import dataclasses

import io
import json
import random
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import docx
import pdfplumber
import pytest

from parsing import DEFAULT_LIMITS, Limits, NotAReportError, ParseError, Record, parse_report
from parsing.schema import (
    ACTIVE_ROWS,
    APPLICANT_COLUMNS,
    APPLICATION_LABELS,
    APPLICATION_ROWS,
    REVIEW_GROUPS,
    REVIEW_OUTCOMES,
)
from nianbao.devportal.record_match import assert_record_matches
from nianbao.devportal.render import ReportTables
from nianbao.devportal.documents import (
    corrupt_pdf,
    docx_xxe,
    docx_zip_bomb,
    encrypted_canvas_pdf,
    encrypted_pdf,
    full_width,
    html_claiming_pdf,
    long_pdf,
    pdf_page_count,
    render_docx,
    render_pdf,
    sample_tables,
    scan_pdf,
    truncated_pdf,
)

T = TypeVar("T")

PDF_URL = "https://www.example.gov.cn/attach/2022/01/25/report.pdf"
DOCX_URL = "https://www.example.gov.cn/attach/2022/01/25/report.docx"
TIMEOUT = 60.0  # seconds for any one parse; a document parse takes a second or two
OCR_TIMEOUT = 120.0  # a scan is OCRed page by page
MAX_RSS_GROWTH_MB = 500

# The limits every test passes explicitly: the defaults, with the time budget under the
# test's own timeout so that the parser, not the test, is the one to stop a slow document.
LIMITS = Limits(
    max_bytes=DEFAULT_LIMITS.max_bytes,
    max_pages=DEFAULT_LIMITS.max_pages,
    max_ocr_pages=DEFAULT_LIMITS.max_ocr_pages,
    max_seconds=45.0,
    max_unzipped_bytes=DEFAULT_LIMITS.max_unzipped_bytes,
    max_zip_ratio=DEFAULT_LIMITS.max_zip_ratio,
)
# The OCR accuracy tests measure reading, not speed (bench/parse does): a scan read by two
# engines on a loaded 2-core machine may take over 45 s a page, so their budget is the test's own.
OCR_LIMITS = dataclasses.replace(LIMITS, max_seconds=OCR_TIMEOUT - 10)


# ---------------------------------------------------------------------------------------------
# Examples: both formats, blanks, zeros, large numbers, decimal amounts; two satisfy every
# identity of the form (so a parser's unique-fill repair could only ever fill the true value).


def _random_tables(seed: int, fmt: str, year: int, agency: str, *, blank: float, large: float) -> ReportTables:
    """Values drawn like `nianbao.devportal.random_tables.report_tables()`, but from a seeded `random.Random`."""
    rng = random.Random(seed)

    def count() -> int | None:
        x = rng.random()
        if x < blank:
            return None
        return rng.randint(1000, 99_999) if x > 1 - large else rng.randint(0, 40)

    def amount() -> int | float | None:
        x = rng.random()
        if x < blank:
            return None
        if x < 0.5:
            return rng.randint(0, 50_000)
        return float(Decimal(rng.randint(0, 9_999_999)).scaleb(-2).normalize())

    active = {}
    for spec in ACTIVE_ROWS[fmt]:
        row = {}
        for column in spec.columns:
            if column in spec.amount_columns:
                row[column] = amount()
            elif column == "items_change":
                row[column] = None if rng.random() < blank else rng.randint(-50, 50)
            else:
                row[column] = count()
        active[spec.key] = row
    applications = {r: {c: count() for c in APPLICANT_COLUMNS} for r in APPLICATION_ROWS[fmt]}
    review = {g: {o: count() for o in REVIEW_OUTCOMES} for g in REVIEW_GROUPS}
    return ReportTables(agency, year, fmt, active, applications, review)


EXAMPLES: dict[str, ReportTables] = {
    "2021_consistent": sample_tables("2021", agency="卫辉市信访局", year=2021),
    "2019_consistent": sample_tables("2019", agency="淮安市人民政府", year=2020, seed=3),
    "2021_blanks_large": _random_tables(11, "2021", 2023, "乌鲁木齐市天山区教育局", blank=0.2, large=0.3),
    "2019_blanks_large": _random_tables(12, "2019", 2019, "浦东新区生态环境局", blank=0.2, large=0.3),
    "2021_mostly_blank": _random_tables(13, "2021", 2025, "独山子区城市管理局", blank=0.85, large=0.1),
    "2019_no_blanks": _random_tables(14, "2019", 2020, "临翔区政务服务管理局", blank=0.0, large=0.05),
}
# Split points: before 2.其他法律行政法规禁止公开 (the (三) group and 三、本年度办理结果 both
# cross the page), before the (六) group's second item (2021) or the single (六) row (2019),
# and before the last row (四、结转下年度继续办理 alone on the next page).
SPLITS: dict[str, tuple[str, ...]] = {
    "2021": ("denied_prohibited", "other_unpaid_fee", "carried_forward"),
    "2019": ("denied_prohibited", "other", "carried_forward"),
}
SPLIT_CASES = [(name, at) for name, t in EXAMPLES.items() for at in SPLITS[t.format]
               if name in ("2021_consistent", "2019_consistent", "2021_blanks_large", "2019_blanks_large")]


@lru_cache(maxsize=None)
def pdf_of(name: str, split: str | None = None, filler: int = 0) -> bytes:
    return render_pdf(EXAMPLES[name], split_applications_at=split, pages_of_filler=filler)


@lru_cache(maxsize=None)
def docx_of(name: str) -> bytes:
    return render_docx(EXAMPLES[name])


def within(seconds: float, fn: Callable[[], T]) -> T:
    """`fn()`, or a test failure once `seconds` have passed. A daemon thread, so a parse that
    hangs cannot keep the test run from ending (a ThreadPoolExecutor would be joined at exit)."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test thread below
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True, name="parse-under-timeout")
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        pytest.fail(f"still running after {seconds:.0f} s: the parse must stop itself within its limits")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


def parse(body: bytes, url: str = PDF_URL, content_type: str | None = None, *,
          limits: Limits = LIMITS, timeout: float = TIMEOUT) -> Record:
    return within(timeout, lambda: parse_report(body, url, content_type, limits=limits))


def refusal(body: bytes, url: str = PDF_URL, content_type: str | None = None, *,
            timeout: float = TIMEOUT) -> ParseError | Record:
    """The ParseError the parse raised, or its record; any other exception fails the test."""
    try:
        return parse(body, url, content_type, timeout=timeout)
    except ParseError as exc:
        return exc


def record_json(record: Record) -> str:
    return json.dumps(record.to_dict(), ensure_ascii=False)


def assert_no_invented_values(record: Record, t: ReportTables) -> None:
    """A partial read may lose tables or cells (None) but never reports a wrong number."""
    for name in ("active", "applications", "review_litigation"):
        got, want = getattr(record, name), getattr(t, name)
        if got is None:
            continue
        for row, columns in got.items():
            for column, value in columns.items():
                assert value is None or value == want[row][column], (name, row, column, value, want[row][column])


# ---------------------------------------------------------------------------------------------
# The generators draw what they claim (checked with pdfplumber and python-docx)


def test_render_pdf_has_ruled_tables_with_merged_cells_as_none() -> None:
    with pdfplumber.open(io.BytesIO(pdf_of("2021_consistent"))) as pdf:
        rows = [row for page in pdf.pages for table in page.extract_tables() for row in table]
    granted = next(r for r in rows if any(c and "予以公开" in c for c in r))
    assert granted[0].replace("\n", "") == "三、本年度办理结果"  # the vertical heading, one char a line
    assert granted[2] is None  # (一)予以公开 spans the group and item columns
    state_secret = next(r for r in rows if any(c and "国家秘密" in c for c in r))
    assert state_secret[0] is None and state_secret[1].replace("\n", "") == full_width("(三)不予公开")


@pytest.mark.parametrize("at", ["denied_prohibited", "other_unpaid_fee"])
def test_render_pdf_split_continues_without_header(at: str) -> None:
    body = pdf_of("2021_consistent", at)
    label = APPLICATION_LABELS[at][2]
    with pdfplumber.open(io.BytesIO(body)) as pdf:
        pages = [[row for table in page.extract_tables() for row in table] for page in pdf.pages]
    def holds_label(row: list[str | None]) -> bool:
        return any(c and label[:8] in c.replace("\n", "") for c in row)

    page = next(i for i, rows in enumerate(pages) if any(holds_label(r) for r in rows))
    assert holds_label(pages[page][0]), pages[page][0]  # the page's first table row: no header above it
    assert not any(c and "申请人情况" in c for row in pages[page] for c in row)
    assert any("予以公开" in (c or "") for row in pages[page - 1] for c in row)


def test_render_docx_merges_cells_like_the_official_template(paths) -> None:
    def merges(document: docx.document.Document) -> list[list[list[tuple[int, str | None]]]]:
        return [[[(tc.grid_span, tc.vMerge) for tc in row._tr.tc_lst] for row in table.rows]
                for table in document.tables]

    ours = docx.Document(io.BytesIO(docx_of("2021_consistent")))
    assert merges(ours) == merges(docx.Document(str(paths.real / "template_2021_format.docx")))


def test_scan_pdf_has_no_text_layer() -> None:
    with pdfplumber.open(io.BytesIO(scanned(0.03))) as pdf:
        assert all(not page.chars and len(page.images) == 1 for page in pdf.pages)


# ---------------------------------------------------------------------------------------------
# Round trips


@pytest.mark.parametrize("name", EXAMPLES)
def test_pdf_roundtrips(name: str) -> None:
    t = EXAMPLES[name]
    record = parse(pdf_of(name))
    assert_record_matches(record, t, "pdf")
    assert record.title == t.title


@pytest.mark.parametrize(("name", "at"), SPLIT_CASES)
def test_pdf_applications_table_continued_on_next_page_without_header_roundtrips(name: str, at: str) -> None:
    t = EXAMPLES[name]
    assert_record_matches(parse(pdf_of(name, at)), t, f"pdf split at {at}")


def test_pdf_with_tables_after_pages_of_narrative_roundtrips() -> None:
    t = EXAMPLES["2021_blanks_large"]
    body = pdf_of("2021_blanks_large", "other_unpaid_fee", 3)
    assert pdf_page_count(body) >= 5
    assert_record_matches(parse(body), t, "pdf after 3 pages of narrative")


@pytest.mark.parametrize("name", EXAMPLES)
def test_docx_roundtrips(name: str) -> None:
    t = EXAMPLES[name]
    record = parse(docx_of(name), DOCX_URL)
    assert_record_matches(record, t, "docx")
    assert record.title == t.title


def test_pdf_with_owner_password_only_roundtrips() -> None:
    # Government sites often forbid copying or printing with an owner password; anyone can open it.
    t = EXAMPLES["2021_consistent"]
    assert_record_matches(parse(encrypted_pdf(t, user_password="")), t, "pdf with owner password only")


# ---------------------------------------------------------------------------------------------
# The type comes from the bytes, not from the name or the Content-Type


def test_pdf_served_as_html_parses_as_pdf() -> None:
    t = EXAMPLES["2019_consistent"]
    assert_record_matches(parse(pdf_of("2019_consistent"), "https://www.example.gov.cn/report.html", "text/html"),
                          t, "pdf")


def test_docx_named_pdf_parses_as_docx() -> None:
    t = EXAMPLES["2021_blanks_large"]
    assert_record_matches(parse(docx_of("2021_blanks_large"), "https://www.example.gov.cn/x.pdf", "application/pdf"),
                          t, "docx")


def test_html_report_named_pdf_parses_as_html() -> None:
    t = EXAMPLES["2021_consistent"]
    record = parse(html_claiming_pdf(t), PDF_URL, "application/pdf")
    assert_record_matches(record, t, "html served as pdf")


def test_html_error_page_named_pdf_is_not_a_report() -> None:
    outcome = refusal(html_claiming_pdf(), PDF_URL, "application/pdf")
    assert isinstance(outcome, NotAReportError), outcome
    assert "pdf" not in str(outcome).lower(), f"an HTML page was read as a PDF: {outcome}"


# ---------------------------------------------------------------------------------------------
# Scans


@lru_cache(maxsize=None)
def scanned(noise: float = 0.03) -> bytes:
    """The consistent 2021 report scanned at 200 dpi: seal over the table, turned up to 0.5°."""
    return scan_pdf(pdf_of("2021_consistent"), noise=noise, seed=1)


@pytest.mark.clock_free
@pytest.mark.parametrize("name", ["2021_consistent", "2019_consistent"])
def test_scan_ocr_reads_98_percent_of_cells_and_flags_every_wrong_one(name: str) -> None:
    """Issue 3's acceptance: a clean office scan (grain, 0.5% specks, a red seal over the
    table, a slight turn) reads at least 98% of table cells exactly, and every cell it gets
    wrong is named by a warning or by a failed check."""
    t = EXAMPLES[name]
    record = parse(scan_pdf(pdf_of(name), noise=0.005, seed=1), limits=OCR_LIMITS, timeout=OCR_TIMEOUT)
    assert "ocr" in record.warnings
    # Not the agency: OCR slips a character of a name now and then (卫辉 → 卫盗), and a name
    # has no identity to check it against; the "ocr" warning tells the reader.
    assert (record.format, record.year) == (t.format, t.year)
    tables = {"applications": (record.applications, t.applications),
              "review_litigation": (record.review_litigation, t.review_litigation),
              "active": (record.active, t.active)}
    cells = wrong = 0
    unflagged = []
    failed_details = " ".join(c.detail for c in record.failed_checks)
    for table, (got, want) in tables.items():
        assert got is not None, f"no {table} table read from the scan"
        for row, columns in want.items():
            for column, value in columns.items():
                cells += 1
                if got[row][column] == value:
                    continue
                wrong += 1
                path = f"{table}.{row}.{column}"
                named = any(path in w for w in record.warnings) or (
                    row in failed_details and column in failed_details
                )
                if not named:
                    unflagged.append((path, got[row][column], value))
    assert wrong <= 0.02 * cells, f"{wrong} of {cells} cells misread"
    assert not unflagged, f"misread cells no warning or failed check names: {unflagged}"


@pytest.mark.clock_free
def test_very_noisy_scan_is_read_or_refused_within_limits() -> None:
    # A bad fax: 3% salt-and-pepper. Reading it is a bonus; finishing, and saying it was OCR, is not.
    t = EXAMPLES["2021_consistent"]
    outcome = refusal(scanned(0.03), timeout=OCR_TIMEOUT)
    if isinstance(outcome, ParseError):
        assert any(w in str(outcome).lower() for w in ("scan", "ocr", "tesseract")), outcome
        return
    assert any("ocr" in w.lower() for w in outcome.warnings), outcome.warnings
    assert outcome.format in (t.format, None)


# ---------------------------------------------------------------------------------------------
# Bad input


def _refused_with(body: bytes, words: tuple[str, ...], url: str = PDF_URL) -> ParseError:
    outcome = refusal(body, url)
    assert isinstance(outcome, ParseError), f"expected a ParseError mentioning {words}, got a record"
    assert any(w in str(outcome).lower() for w in words), f"{type(outcome).__name__}: {outcome}"
    return outcome


def test_encrypted_pdf_is_refused() -> None:
    _refused_with(encrypted_pdf(), ("encrypted",))


def test_encrypted_canvas_pdf_is_refused() -> None:
    _refused_with(encrypted_canvas_pdf("卫辉市信访局2021年政府信息公开工作年度报告"), ("encrypted",))


def test_truncated_pdf_is_refused_or_read_without_invented_values() -> None:
    t = EXAMPLES["2021_consistent"]
    outcome = refusal(truncated_pdf(pdf_of("2021_consistent")))
    if isinstance(outcome, ParseError):
        assert "truncated" in str(outcome).lower(), outcome
        return
    assert outcome.warnings, "a truncated PDF read without a warning"
    assert_no_invented_values(outcome, t)


def test_corrupt_pdf_is_refused() -> None:
    _refused_with(corrupt_pdf(), ("corrupt",))


@pytest.fixture(scope="module")
def zip_bomb_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bomb") / "bomb.docx"
    path.write_bytes(docx_zip_bomb())
    return path


_BOMB_SCRIPT = textwrap.dedent(
    """
    import json, resource, sys
    from pathlib import Path
    from parsing import DEFAULT_LIMITS, ParseError, parse_report
    body = Path(sys.argv[1]).read_bytes()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        parse_report(body, "https://www.example.gov.cn/report.docx", limits=DEFAULT_LIMITS)
        outcome = {"kind": "record"}
    except ParseError as exc:
        outcome = {"kind": "ParseError", "type": type(exc).__name__, "message": str(exc)}
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    outcome["rss_growth_mb"] = (after - before) / 1024  # ru_maxrss is in KiB on Linux
    print(json.dumps(outcome))
    """
)


def test_docx_zip_bomb_is_refused_without_expanding_it(zip_bomb_file: Path, paths) -> None:
    # In a fresh interpreter, so the peak memory measured is the bomb's alone; the subprocess
    # timeout kills a parse that hangs. The member is 1 GiB uncompressed, ~1 MB compressed.
    try:
        result = subprocess.run([sys.executable, "-c", _BOMB_SCRIPT, str(zip_bomb_file)], cwd=paths.root,
                                capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"parsing the zip bomb still ran after {TIMEOUT:.0f} s")
    assert result.returncode == 0, result.stderr[-2000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["rss_growth_mb"] < MAX_RSS_GROWTH_MB, outcome
    assert outcome["kind"] == "ParseError", outcome
    assert "zip bomb" in outcome["message"].lower(), outcome


def test_docx_external_entity_is_not_resolved() -> None:
    t = EXAMPLES["2021_consistent"]
    outcome = refusal(docx_xxe(t), DOCX_URL)
    if isinstance(outcome, ParseError):
        assert "external entit" in str(outcome).lower(), outcome
        return
    assert "root:" not in record_json(outcome), "the contents of /etc/passwd leaked into the record"
    assert_record_matches(outcome, t, "docx with an external entity")


@lru_cache(maxsize=None)
def long_report() -> bytes:
    return long_pdf(200, EXAMPLES["2021_consistent"])


def test_long_pdf_is_read_up_to_the_page_limit_or_refused() -> None:
    t = EXAMPLES["2021_consistent"]
    body = long_report()
    assert pdf_page_count(body) == 200
    outcome = refusal(body)
    if isinstance(outcome, ParseError):
        assert "page" in str(outcome).lower(), outcome
        return
    assert_record_matches(outcome, t, "200-page pdf")
    if LIMITS.max_pages < 200:
        assert any("page" in w.lower() for w in outcome.warnings), outcome.warnings


def test_long_pdf_under_a_tight_page_limit_still_reads_the_first_pages() -> None:
    t = EXAMPLES["2021_consistent"]
    tight = Limits(max_pages=5, max_seconds=LIMITS.max_seconds)
    try:
        record = parse(long_report(), limits=tight)
    except ParseError as exc:
        assert "page" in str(exc).lower(), exc
        return
    assert_record_matches(record, t, "200-page pdf, 5 pages read")
    assert any("page" in w.lower() for w in record.warnings), record.warnings
