"""Progress of long work (nianbao.progress over rich; crawler.progress; parsing.ocr.on_ocr_page):
drawn only on a terminal, told of each scanned page in order, of a crawl's agencies and pages."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from rich.console import Console
from scrapy.exceptions import NotConfigured
from scrapy.settings import Settings

import parsing.ocr as ocr
from crawler.progress import CrawlProgress, Progress
from nianbao.progress import Steps, crawl_sink, ocr_pages, terminal_progress
from parsing import DEFAULT_LIMITS


def console(terminal: bool) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=terminal, width=120), out


def scan(pages: int) -> bytes:
    """A PDF of `pages` images (no text layer)."""
    out = io.BytesIO()
    images = [Image.new("RGB", (200, 280), "white") for _ in range(pages)]
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:])
    return out.getvalue()


def read_with_fake_engine(monkeypatch, body: bytes) -> None:
    """parsing.ocr.read_scanned_pdf over `body`, its engines replaced by instant fakes."""
    monkeypatch.setattr(ocr, "_chosen_engine", lambda: "tesseract")
    monkeypatch.setattr(ocr, "read_page_text", lambda image, deadline, engine: ocr.PageText(None, [], [], [], engine))
    monkeypatch.setattr(ocr, "page_tables", lambda lines, cleaned, carried: ({}, carried))
    monkeypatch.setattr(ocr, "page_rows", lambda page, found, deadline: ([], [], []))
    ocr.read_scanned_pdf(body, DEFAULT_LIMITS, [])


def test_ocr_tells_each_page_in_order_words_then_values(monkeypatch) -> None:
    told = []
    with ocr.on_ocr_page(lambda phase, number, total: told.append((phase, number, total))):
        read_with_fake_engine(monkeypatch, scan(3))
    assert told == [("words", 1, 3), ("words", 2, 3), ("words", 3, 3),
                    ("values", 1, 3), ("values", 2, 3), ("values", 3, 3)]
    read_with_fake_engine(monkeypatch, scan(2))  # outside the block: nobody is told, nothing fails


def test_ocr_pages_draw_a_line_per_page_on_a_terminal(monkeypatch) -> None:
    screen, out = console(terminal=True)
    with ocr_pages("scan.pdf", screen):
        read_with_fake_engine(monkeypatch, scan(2))
    assert "OCR scan.pdf: page 2/2 read" in out.getvalue()


def test_ocr_pages_off_a_terminal_draw_nothing_and_listen_to_nothing(monkeypatch) -> None:
    screen, out = console(terminal=False)
    with ocr_pages("scan.pdf", screen):
        assert ocr._page_done.get() is None
        read_with_fake_engine(monkeypatch, scan(2))
    assert out.getvalue() == ""


def test_terminal_progress_is_none_off_a_terminal() -> None:
    screen, out = console(terminal=False)
    with terminal_progress(screen) as progress:
        assert progress is None
        assert crawl_sink(progress) is None
        Steps(progress, 3).next("nothing drawn")
    assert out.getvalue() == ""


def test_crawl_sink_and_steps_draw_on_a_terminal() -> None:
    screen, out = console(terminal=True)
    with terminal_progress(screen) as progress:
        steps = Steps(progress, 2)
        steps.next("crawling it")
        crawl_sink(progress)(CrawlProgress(agencies=8, reached=3, list_pages=5, report_pages=12, responses=40))
    drawn = out.getvalue()
    assert "step 1/2: crawling it" in drawn
    assert "crawl: 5 lists, 12 reports, 40 responses; agencies reached" in drawn and "3/8" in drawn


class _Signals:
    def connect(self, *_args, **_kwargs) -> None:
        pass


class _Stats:
    def get_value(self, key, default=None):
        return {"response_received_count": 40}.get(key, default)


class _Crawler:
    def __init__(self, settings: dict) -> None:
        self.settings, self.signals, self.stats = Settings(settings), _Signals(), _Stats()


class _Outcome:
    def __init__(self, pages_listed: int, reports_found: int) -> None:
        self.pages_listed, self.reports_found = pages_listed, reports_found


class _Spider:
    outcomes = {"甲局": _Outcome(2, 5), "乙局": _Outcome(0, 0), "丙局": _Outcome(1, 3)}


def test_crawl_progress_is_off_without_a_sink() -> None:
    with pytest.raises(NotConfigured):
        Progress.from_crawler(_Crawler({}))


def test_crawl_progress_tells_the_sink_agencies_and_pages() -> None:
    told = []
    extension = Progress.from_crawler(_Crawler({"NIANBAO_PROGRESS": told.append}))
    extension.closed(_Spider())
    assert told == [CrawlProgress(agencies=3, reached=2, list_pages=3, report_pages=8, responses=40, finished=True)]
