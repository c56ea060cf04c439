"""A distributed crawl carries every cause a worker saw for an agency's column (a challenge wall,
robots.txt, a column moved, a script-only page) through Redis to the agency's CrawlOutcome, as a
single-process crawl does (crawler/spiders/reports.AgencyOutcome.outcome)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from crawler.distributed import connect
from crawler.distributed.outcomes import FLAGS, RequestEffect, outcome_snapshot, read_outcomes
from crawler.distributed.state import CrawlKeys
from crawler.registry import Agency
from crawler.spiders.reports import AgencyOutcome
from nianbao.devportal.redis_server import RedisServer, throwaway_redis
from storage.vocab import AgencyKind, CrawlOutcome

STARTED = dt.datetime(2026, 2, 1, 8, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    with throwaway_redis() as server:
        yield server


@pytest.mark.parametrize("flag, expected", [
    ("blocked", CrawlOutcome.BLOCKED), ("robots", CrawlOutcome.ROBOTS),
    ("moved", CrawlOutcome.MOVED), ("script_only", CrawlOutcome.SCRIPT_ONLY),
])
def test_a_flag_set_by_one_worker_decides_the_agencys_outcome(redis_server: RedisServer, flag: str,
                                                              expected: CrawlOutcome) -> None:
    server = connect(redis_server.url)
    keys = CrawlKeys("c1")
    server.hset(keys.meta, "started_at", STARTED.isoformat())
    seen = AgencyOutcome("某县人民政府", STARTED)
    before = outcome_snapshot(seen)
    setattr(seen, flag, True)
    seen.list_errors.append("http://127.0.0.2/col/: the cause")
    effect = RequestEffect("某县人民政府")
    effect.add(seen, before)
    assert effect.flags == {flag}
    counters = effect.counters(keys)
    assert counters["hset"] == {keys.outcome("某县人民政府"): {FLAGS[flag]: 1}}
    for key, mapping in counters["hset"].items():
        server.hset(key, mapping=mapping)
    for key, values in counters["rpush"].items():
        server.rpush(key, *values)
    agency = Agency(name="某县人民政府", region=("某省", "某市", "某县"), kind=AgencyKind.GOVERNMENT,
                    list_urls=("http://127.0.0.2/col/",))
    (read,) = read_outcomes(server, keys, [agency]).values()
    assert getattr(read, flag) and read.outcome is expected
    assert read.list_errors == ["http://127.0.0.2/col/: the cause"]


def test_no_flag_and_nothing_read_is_unreachable(redis_server: RedisServer) -> None:
    server = connect(redis_server.url)
    keys = CrawlKeys("c2")
    server.hset(keys.meta, "started_at", STARTED.isoformat())
    agency = Agency(name="某县人民政府", region=("某省", "某市", "某县"), kind=AgencyKind.GOVERNMENT,
                    list_urls=("http://127.0.0.2/col/",))
    (read,) = read_outcomes(server, keys, [agency]).values()
    assert read.outcome is CrawlOutcome.UNREACHABLE and not any(getattr(read, f) for f in FLAGS)
