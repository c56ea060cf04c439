"""The archive pipeline raises the root logger to the lowest level a handler logs (Scrapy leaves it
at NOTSET, so every library's debug call built a record no handler wrote), and only then."""

from __future__ import annotations

import contextlib
import logging

from crawler.pipelines import skip_unlogged_records


@contextlib.contextmanager
def bare_root():
    """The root logger with only the handlers a test gives it (pytest's own, which it adds for
    the test's call, put back after)."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    root.handlers[:] = []
    root.setLevel(logging.NOTSET)
    yield root
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)


class Keep(logging.Handler):
    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_records_below_every_handler_are_not_made():
    with bare_root() as root:
        kept = Keep(logging.INFO)
        root.addHandler(kept)
        library = logging.getLogger("tests.pipeline_logging.library")
        assert library.isEnabledFor(logging.DEBUG)  # Scrapy's state: a record made, then dropped

        assert skip_unlogged_records() == logging.NOTSET
        assert root.level == logging.INFO
        assert not library.isEnabledFor(logging.DEBUG)
        library.debug("not made")
        library.info("still logged")
        assert [r.getMessage() for r in kept.records] == ["still logged"]


def test_a_handler_that_takes_lower_levels_keeps_them():
    with bare_root() as root:
        root.addHandler(Keep(logging.INFO))
        child = logging.getLogger("tests.pipeline_logging.verbose")
        verbose = Keep(logging.DEBUG)
        child.addHandler(verbose)
        try:
            assert skip_unlogged_records() is None
            assert root.level == logging.NOTSET
            child.debug("kept")
            assert [r.getMessage() for r in verbose.records] == ["kept"]
        finally:
            child.removeHandler(verbose)


def test_a_root_level_set_on_purpose_or_a_handler_taking_everything_is_left():
    with bare_root() as root:
        root.addHandler(Keep(logging.NOTSET))  # pytest's caplog handler is so
        assert skip_unlogged_records() is None and root.level == logging.NOTSET
        root.handlers[:] = [Keep(logging.ERROR)]
        root.setLevel(logging.WARNING)
        assert skip_unlogged_records() is None and root.level == logging.WARNING
