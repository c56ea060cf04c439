"""Bad input found by probing (issue 13): each probe once read as "no mention of 信息公开" or
took seconds and gigabytes; now it parses fully or is refused with a message that says why.

- HTML nested past lxml's default 256 levels lost its text: it is parsed with huge_tree, and a
  page past the depth limit (or libxml2's own ceiling of 2048) is refused naming both numbers.
- A damaged DOC (OLE2 header then garbage, a truncated real DOC) took LibreOffice 5-11 s: its
  container is checked first and it is "damaged document: ..." in milliseconds.
- Files were read whole before their size was checked (`nianbao parse`, `import-files`).
- A 60 MB text took 1.9 GB: text and HTML are bounded from the bytes before decoding.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import time
from functools import lru_cache
from pathlib import Path

import olefile
import pytest
from click.testing import CliRunner

from nianbao.commands import main
from nianbao.devportal.documents import sample_tables
from nianbao.devportal.render import render_html_page
from parsing import InputTooLargeError, Limits, ParseError, UnsupportedInputError, parse_report

DOC_SECONDS = 5.0  # a damaged DOC is refused from its container in milliseconds; generous: a loaded machine
MAX_RSS_MB = 500


@lru_cache(maxsize=1)
def flat_page() -> str:
    return render_html_page(sample_tables("2021", agency="卫辉市信访局", year=2021))


def nested(depth: int) -> bytes:
    """The report page with everything in its body inside `depth` <div>s."""
    page = flat_page()
    start = page.index(">", page.index("<body")) + 1
    end = page.rindex("</body>")
    return (page[:start] + "<div>" * depth + page[start:end] + "</div>" * depth + page[end:]).encode("utf-8")


# -- HTML nested deep ----------------------------------------------------------------------------

@pytest.mark.parametrize("depth", [300, 2000])
def test_deeply_nested_html_parses_like_the_flat_page(depth: int) -> None:
    flat = parse_report(flat_page().encode("utf-8"), "https://www.example.gov.cn/a.html")
    deep = parse_report(nested(depth), "https://www.example.gov.cn/a.html")
    assert flat.applications is not None and flat.title
    assert deep.to_dict() == flat.to_dict()


def test_html_nested_past_the_parsers_ceiling_is_refused_with_the_depth() -> None:
    with pytest.raises(InputTooLargeError, match=r"HTML nested over 2048 levels deep, limit 2048"):
        parse_report(nested(3000))


def test_html_depth_limit_is_configurable() -> None:
    with pytest.raises(InputTooLargeError, match=r"HTML nested 3\d\d levels deep, limit 100$"):
        parse_report(nested(300), limits=Limits(max_html_depth=100))


# -- damaged DOC --------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def real_doc() -> bytes:
    return (Path(__file__).resolve().parent.parent / "fixtures" / "parsing" / "doc_huaian_filled_template.doc").read_bytes()


def _header_then_garbage() -> bytes:
    return real_doc()[:512] + bytes((i * 131 + 17) % 251 for i in range(20_000))


def _signature_then_garbage() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes((i * 197 + 3) % 253 for i in range(20_000))


def _truncated(fraction: float):
    return lambda: real_doc()[: int(len(real_doc()) * fraction)]


@pytest.mark.parametrize(
    "make",
    [_header_then_garbage, _signature_then_garbage, _truncated(0.95), _truncated(0.5), _truncated(0.05)],
    ids=["ole2-header-then-garbage", "ole2-signature-then-garbage", "truncated-95%", "truncated-50%", "truncated-5%"],
)
def test_damaged_doc_is_called_damaged_within_seconds(make) -> None:
    body = make()
    started = time.perf_counter()
    with pytest.raises(ParseError, match=r"^damaged document: ") as raised:
        parse_report(body, "https://www.example.gov.cn/report.doc")
    assert time.perf_counter() - started < DOC_SECONDS
    assert "信息公开" not in str(raised.value)


def test_doc_with_a_garbled_word_stream_is_damaged() -> None:
    ole = olefile.OleFileIO(real_doc())
    offset = real_doc().index(ole.openstream("WordDocument").read(512))
    body = real_doc()[:offset] + b"\x00\x00" + real_doc()[offset + 2 :]
    with pytest.raises(ParseError, match="damaged document: the DOC's WordDocument stream has no Word header"):
        parse_report(body)


def test_ole2_file_without_a_word_stream_is_not_a_document() -> None:
    # The directory entry's name, UTF-16: renamed, the container is intact but holds no Word text.
    name = "WordDocument".encode("utf-16-le")
    body = real_doc().replace(name, "WordDocumenX".encode("utf-16-le"), 1)
    with pytest.raises(UnsupportedInputError, match="without a Word document stream"):
        parse_report(body)


# -- size before reading ------------------------------------------------------------------------

def _sparse(path: Path, size: int) -> Path:
    """A file whose size stat reports but whose bytes take no disk (and would take `size` of memory)."""
    with path.open("wb") as file:
        file.truncate(size)
    return path


def test_parse_checks_the_size_before_reading(tmp_path: Path) -> None:
    huge = _sparse(tmp_path / "huge.txt", 8 * 1024**3)
    result = CliRunner().invoke(main, ["parse", str(huge)])
    assert result.exit_code == 1
    assert f"nianbao: {huge}: {8 * 1024**3} bytes (limit {Limits().max_bytes}, --max-bytes); not read" in result.stderr


def test_parse_reads_a_file_without_a_size_only_up_to_the_limit() -> None:
    # /dev/zero has no size to stat and no end: the read stops one byte past the limit.
    result = CliRunner().invoke(main, ["parse", "--max-bytes", "1000", "/dev/zero"])
    assert result.exit_code == 1
    assert "nianbao: /dev/zero: over 1000 bytes (limit 1000, --max-bytes); not read" in result.stderr


def test_import_files_checks_the_size_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("NIANBAO_DATA", str(data))
    monkeypatch.setenv("NIANBAO_DATABASE_URL", f"sqlite:///{data / 'nianbao.sqlite3'}")
    huge = _sparse(tmp_path / "huge.pdf", 8 * 1024**3)
    result = CliRunner().invoke(main, ["import-files", str(huge), "--url", "https://www.example.gov.cn/huge.pdf"])
    assert result.exit_code == 1
    assert f"nianbao: {huge}: not archived: {8 * 1024**3} bytes (limit {Limits().max_bytes}" in result.stderr
    assert "capture" not in result.stdout


# -- memory -------------------------------------------------------------------------------------

# The CLI runs in a child of a fresh interpreter, so RUSAGE_CHILDREN is that one process's peak
# (this test process may have run LibreOffice or OCR children before).
_MEASURE = textwrap.dedent("""
    import resource, subprocess, sys
    done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
    print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
    print(done.returncode)
    sys.stdout.write(done.stderr)
""")


def _parse_peak_mb(path: Path) -> tuple[int, int, str]:
    cli = [sys.executable, "-c", "from nianbao.commands import main; main()"]
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, *cli, "parse", "--max-bytes", "100000000", str(path)],
        capture_output=True, text=True, timeout=300, check=True,
    ).stdout.split("\n", 2)
    return int(out[0]), int(out[1]), out[2]


def _mostly_nul(path: Path) -> Path:
    # Text first, past the 4 KB that sniff looks at, then NUL bytes to 60 MB.
    head = ("卫辉市信访局2021年政府信息公开工作年度报告\n" * 400).encode("utf-8")
    path.write_bytes(head + b"\x00" * (60 * 1024 * 1024 - len(head)))
    return path


def _report_lines(path: Path) -> Path:
    line = "（一）予以公开 | 1 | 0 | 1 | 0 | 0 | 0 | 2 |\n".encode("utf-8")
    path.write_bytes(line * (60 * 1024 * 1024 // len(line)))
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [(_mostly_nul, r"binary data \(99% of its 62914560 bytes are NUL\), not text or HTML"),
     (_report_lines, rf"\d+ bytes of text \(limit {Limits().max_text_bytes}\)")],
    ids=["mostly-nul", "report-lines"],
)
def test_parse_of_60_mb_stays_under_500_mb(tmp_path: Path, make, message: str) -> None:
    path = make(tmp_path / "big.txt")
    peak_mb, exit_code, stderr = _parse_peak_mb(path)
    assert exit_code == 1
    assert stderr.startswith(f"nianbao: {path}: ")
    assert re.search(message, stderr), stderr
    assert peak_mb < MAX_RSS_MB


def test_text_over_the_line_limit_is_refused() -> None:
    body = "（一）予以公开 | 1 | 0 | 1 | 0 | 0 | 0 | 2 |\n".encode("utf-8") * 30
    with pytest.raises(InputTooLargeError, match=r"^31 lines of text \(limit 20\)$"):
        parse_report(body, limits=Limits(max_text_lines=20))


def test_html_over_its_byte_limit_is_refused() -> None:
    body = flat_page().encode("utf-8")
    with pytest.raises(InputTooLargeError, match=rf"^{len(body)} bytes of HTML \(limit 1000\)$"):
        parse_report(body, limits=Limits(max_html_bytes=1000))


def test_utf16_text_is_not_taken_for_binary(paths) -> None:
    text = paths.seed(3).read_text(encoding="utf-8")
    assert parse_report(text.encode("utf-16")).to_dict() == parse_report(text.encode("utf-8")).to_dict()


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8"])
def test_lines_are_counted_in_characters_whatever_the_encoding(encoding: str) -> None:
    # 上 (U+4E0A) and 不 (U+4E0D) hold a \n and a \r byte in UTF-16: they are not line breaks.
    text = "上年结转不予公开" * 10 + "\n" + "（一）予以公开 | 1 | 0 | 1 | 0 | 0 | 0 | 2 |\n" * 2
    body = text.encode(encoding)
    if encoding == "utf-16-be":
        body = b"\xfe\xff" + body
    limits = Limits(max_text_lines=5)
    try:
        parse_report(body, limits=limits)
    except InputTooLargeError as exc:
        raise AssertionError(f"{encoding}: 4 lines refused as too many: {exc}") from exc
    except ParseError:
        pass  # not a report: fine, the line count is what is tested
    with pytest.raises(InputTooLargeError, match=r"^7 lines of text \(limit 5\)$"):
        parse_report((text * 2).encode("utf-16"), limits=limits)
