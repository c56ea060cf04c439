"""Politeness across workers: two workers' requests to one host keep the host's delay between
them (crawler/pacing.py, its turns reserved in a real Redis)."""

from __future__ import annotations

import asyncio
import time

import pytest
from scrapy import Request

from crawler.pacing import SharedHostPacing
from nianbao.devportal.redis_server import throwaway_redis

pytestmark = pytest.mark.date_blind  # gaps between requests


def test_two_workers_keep_one_hosts_delay_between_their_requests() -> None:
    delay = 0.3
    with throwaway_redis() as server:
        workers = [SharedHostPacing(server.client(), delay, {}) for _ in range(2)]
        other_host = SharedHostPacing(server.client(), delay, {"127.0.0.12": {"delay": 0}})

        async def fetch(worker: SharedHostPacing, url: str) -> float:
            await worker.process_request(Request(url))
            return time.monotonic()

        async def crawl() -> tuple[list[float], float]:
            started = time.monotonic()
            turns = await asyncio.gather(*(fetch(workers[i % 2], f"http://127.0.0.11/page{i}") for i in range(6)))
            unpaced = await fetch(other_host, "http://127.0.0.12/") - started
            return sorted(t - started for t in turns), unpaced

        turns, unpaced = asyncio.run(crawl())
    gaps = [b - a for a, b in zip(turns, turns[1:], strict=False)]
    # Each turn is reserved exactly `delay` after the last; a wake-up a little late on a busy
    # machine shortens the next gap by as much, never the span.
    assert turns[-1] - turns[0] >= 5 * delay - 0.02, turns
    assert all(gap >= delay - 0.1 for gap in gaps), gaps
    assert turns[-1] < 5 * delay + 0.5  # turns follow each other, none is skipped or doubled
    assert unpaced < 5 * delay + 1  # a host without delay waits for nobody (its own turn only)
