"""The crawl's parse workers (storage.parse_pool): started only once parsing in the crawl's
process has cost about what a worker's start costs, and importing only the parser (not the
archive's package, not the parent's main module, each ~1 s of CPU per worker)."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsing import DEFAULT_LIMITS
from parsing.pool_worker import parse_payload
from storage import parse_pool
from storage.parse_pool import POOL_MIN, ParsePool

REPORT = Path(__file__).resolve().parent.parent / "fixtures" / "parsing" / "html_hanweb_2021_split_applications.html"


def jobs(n: int) -> list[tuple[bytes, str, str]]:
    body = REPORT.read_bytes()
    return [(body, f"http://www.mouxian.gov.cn/art/{i}.html", "text/html; charset=utf-8") for i in range(n)]


def test_no_worker_is_started_before_parsing_here_has_cost_a_workers_start(monkeypatch) -> None:
    monkeypatch.setattr(parse_pool, "START_AFTER_CPU", 3600.0)
    pool = ParsePool(1, DEFAULT_LIMITS)
    try:
        outcomes = pool.parse_many(jobs(POOL_MIN))
        assert pool._executor is None
        assert pool.inline_cpu > 0
        assert [o.title for o in outcomes] == [parse_payload(j, DEFAULT_LIMITS).title for j in jobs(POOL_MIN)]
    finally:
        pool.close()


def test_a_worker_once_started_parses_the_same_and_imports_only_the_parser(monkeypatch) -> None:
    monkeypatch.setattr(parse_pool, "START_AFTER_CPU", 0.0)
    pool = ParsePool(1, DEFAULT_LIMITS)
    try:
        batch = jobs(POOL_MIN) + [(b"%PDF-1.4 not really", "http://www.mouxian.gov.cn/a.pdf", "application/pdf")]
        outcomes = pool.parse_many(batch)
        assert pool._executor is not None
        want = [parse_payload(job, DEFAULT_LIMITS) for job in batch]
        assert [type(o) for o in outcomes] == [type(w) for w in want]
        assert [o.to_dict() for o in outcomes[:POOL_MIN]] == [w.to_dict() for w in want[:POOL_MIN]]
        # What the worker process has imported: asked of it through a builtin (pickled by name).
        # The parent's main module here is pytest's console script: not run in the worker (its
        # __main__ has no file, below). pytest itself is not in the list: the suite's clock-ahead
        # pass imports time_machine, and with it pytest, in every interpreter (sitecustomize).
        loaded = pool._executor.submit(
            eval, "sorted(m for m in __import__('sys').modules"
                  " if m in ('storage', 'sqlalchemy', 'scrapy') or m.startswith('nianbao'))"
        ).result(timeout=60)
        assert loaded == []
        assert pool._executor.submit(eval, "getattr(__import__('sys').modules['__main__'], '__file__', None)"
                                     ).result(timeout=60) is None
        assert pool._executor.submit(eval, "'parsing.pool_worker' in __import__('sys').modules").result(timeout=60)
    finally:
        pool.close()


@pytest.mark.parametrize("small", [1, POOL_MIN - 1])
def test_a_small_batch_never_starts_a_worker(monkeypatch, small: int) -> None:
    monkeypatch.setattr(parse_pool, "START_AFTER_CPU", 0.0)
    pool = ParsePool(1, DEFAULT_LIMITS)
    try:
        pool.parse_many(jobs(small))
        assert pool._executor is None
    finally:
        pool.close()
