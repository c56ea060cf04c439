"""Progress of long work, shown on a terminal: a scan's OCR pages (`nianbao parse`), a crawl's
agencies and pages (`nianbao crawl`, `nianbao demo`), the demo's steps.

Drawn with rich's Progress (rich already draws the CLI's tables) on stderr, and only when stderr
is a terminal: cron mails, pipes and captured test output get none of it, and stdout keeps
only results. Each helper takes the console to draw on (default: stderr's) and, off a terminal,
gives nothing to report to (None), so callers pass no sink at all.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

if TYPE_CHECKING:  # crawler.progress imports Scrapy: `nianbao parse` need not
    from crawler.progress import CrawlProgress, ProgressSink


def stderr_console() -> Console:
    return Console(stderr=True)


@contextlib.contextmanager
def terminal_progress(console: Console | None = None) -> Iterator[Progress | None]:
    """A rich Progress on `console` (stderr's by default) while the block runs; None when it is
    not a terminal."""
    console = console if console is not None else stderr_console()
    if not console.is_terminal:
        yield None
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        yield progress


@contextlib.contextmanager
def ocr_pages(name: str, console: Console | None = None) -> Iterator[None]:
    """While the block parses, a line for the scan `name`: which page is being read, pages done
    of all (parsing.ocr.on_ocr_page). Documents that are not scans show nothing."""
    from parsing.ocr import on_ocr_page

    with terminal_progress(console) as progress:
        if progress is None:
            yield
            return
        task = None

        def page_done(phase: str, number: int, total: int) -> None:
            nonlocal task
            if task is None:
                task = progress.add_task(f"OCR {name}", total=total)
            if phase == "words":
                progress.update(task, description=f"OCR {name}: page {number}/{total} words read")
            else:
                progress.update(task, completed=number, description=f"OCR {name}: page {number}/{total} read")

        with on_ocr_page(page_done):
            yield


def crawl_sink(progress: Progress | None, label: str = "crawl") -> ProgressSink | None:
    """A crawl's progress sink (crawler.progress, the NIANBAO_PROGRESS setting) drawing on
    `progress`: agencies reached of all (the bar), list pages, report pages, responses. None
    without one."""
    if progress is None:
        return None
    task = progress.add_task(label, total=None)

    def sink(state: CrawlProgress) -> None:
        progress.update(task, total=state.agencies or None, completed=state.reached,
                        description=f"{label}: {state.list_pages} lists, {state.report_pages} reports, "
                                    f"{state.responses} responses; agencies reached")
        if state.finished:  # agencies never reached leave the bar short; it stops all the same
            progress.stop_task(task)

    return sink


class Steps:
    """Numbered steps of one command on a progress (the demo's): `next(text)` marks the step
    before done and shows this one. Does nothing without a progress."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress = progress
        self.total = total
        self.number = 0
        self.task = progress.add_task("", total=total) if progress is not None else None

    def next(self, text: str) -> None:
        if self.progress is None:
            return
        self.progress.update(self.task, completed=self.number,
                             description=f"step {self.number + 1}/{self.total}: {text}")
        self.number += 1

    def done(self) -> None:
        if self.progress is not None:
            self.progress.update(self.task, completed=self.total, description="done")


def crawl_overrides(sink: ProgressSink | None) -> dict[str, Callable]:
    """The crawl settings that hand its progress to `sink` (none without one)."""
    return {} if sink is None else {"NIANBAO_PROGRESS": sink}
