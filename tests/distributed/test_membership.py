"""Joining a shared crawl (crawler/distributed/) against a real Redis: the first worker creates
the crawl, later ones join it, a worker with another registry is refused, and a recorded crawl
frees the name for the next one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.distributed import CURRENT_CRAWL, DistributedCrawlError, connect, join_crawl
from crawler.registry import load_file
from nianbao.devportal.redis_server import RedisServer, throwaway_redis
from nianbao.devportal.sites import registry_toml


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    with throwaway_redis() as server:
        yield server


def _agencies(tmp_path: Path, port: int):
    path = tmp_path / f"registry{port}.toml"
    path.write_text(registry_toml(port), encoding="utf-8")
    return load_file(path)


def test_the_first_worker_creates_the_crawl_and_the_next_joins_it(tmp_path: Path, redis_server: RedisServer) -> None:
    server = connect(redis_server.url)
    agencies = _agencies(tmp_path, 8000)
    first, created = join_crawl(server, agencies, "a:1")
    second, joined_new = join_crawl(server, agencies, "b:2")
    assert created and not joined_new
    assert first == second
    assert server.get(CURRENT_CRAWL).decode() == first.crawl_id


def test_a_worker_with_another_registry_is_refused(tmp_path: Path, redis_server: RedisServer) -> None:
    server = connect(redis_server.url)
    keys, _ = join_crawl(server, _agencies(tmp_path, 8000), "a:1")
    with pytest.raises(DistributedCrawlError, match=f"crawl {keys.crawl_id} in progress .* another registry"):
        join_crawl(server, _agencies(tmp_path, 8001), "b:2")  # other column URLs


def test_a_recorded_crawl_is_not_joined(tmp_path: Path, redis_server: RedisServer) -> None:
    server = connect(redis_server.url)
    agencies = _agencies(tmp_path, 8000)
    old, _ = join_crawl(server, agencies, "a:1")
    server.set(old.recorded, "a:1")
    server.delete(CURRENT_CRAWL)  # what the worker that records it does next
    new, created = join_crawl(server, agencies, "b:2")
    assert created and new != old


def test_a_bad_redis_url_is_named() -> None:
    with pytest.raises(DistributedCrawlError, match="http://example.org: not a Redis URL"):
        connect("http://example.org")
