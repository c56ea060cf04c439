"""The state of one distributed crawl in Redis: its keys, creating or joining it, its start
time, and the `CrawlRun` rows prepared for it (see the package docstring).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import redis

from crawler.pipelines import open_run
from crawler.registry import Agency
from storage import Archive
from storage.clock import Clock, system_clock

log = logging.getLogger(__name__)

CURRENT_CRAWL = "nianbao:crawl"
DEFAULT_WORKER_TTL = 30.0  # seconds without a heartbeat before a worker's requests are requeued
JOIN_ATTEMPTS = 50


class DistributedCrawlError(Exception):
    """A distributed crawl cannot start or go on: the message says why."""


class _Key:
    """One of a crawl's fixed keys, ``nianbao:<crawl_id>:<part>``, read as an attribute."""

    def __init__(self, part: str) -> None:
        self.part = part

    def __get__(self, keys: CrawlKeys, owner: type | None = None) -> str:
        return keys._key(self.part)


@dataclass(frozen=True)
class CrawlKeys:
    """The Redis keys of crawl `crawl_id` (all under ``nianbao:<crawl_id>:``)."""

    crawl_id: str

    def _key(self, *parts: str) -> str:
        return ":".join(("nianbao", self.crawl_id, *parts))

    meta = _Key("meta")  # hash: started_at, registry (digest), created_by
    queue = _Key("requests")
    dupefilter = _Key("dupefilter")
    seeded = _Key("seeded")
    workers = _Key("workers")
    runs = _Key("runs")  # hash: agency -> CrawlRun id
    reports_before = _Key("reports_before")  # hash: agency -> reports archived before the crawl
    prepare_lock = _Key("prepare")
    writer = _Key("writer")
    recorded = _Key("recorded")
    stats = _Key("stats")  # hash: requeued, orphans

    def processing(self, worker: str) -> str:
        return self._key("processing", worker)

    def heartbeat(self, worker: str) -> str:
        return self._key("heartbeat", worker)

    def outcome(self, agency: str) -> str:  # hash: pages_listed, reports_found, and outcomes.FLAGS
        return self._key("outcome", agency)

    def list_errors(self, agency: str) -> str:
        return self._key("list_errors", agency)

    def errors(self, agency: str) -> str:
        return self._key("errors", agency)

    def listed(self, agency: str) -> str:  # JSON of each report link a column listed
        return self._key("listed", agency)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def connect(redis_url: str) -> redis.Redis:
    if not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise DistributedCrawlError(f"{redis_url}: not a Redis URL (redis://HOST:PORT/DB, rediss://…, unix://…)")
    try:
        server = redis.Redis.from_url(redis_url, socket_connect_timeout=10, socket_timeout=30)
        server.ping()
    except (redis.RedisError, ValueError) as exc:
        raise DistributedCrawlError(f"cannot reach Redis at {redis_url}: {exc}") from exc
    return server


def registry_digest(agencies: Iterable[Agency]) -> str:
    """What makes two workers' registries the same crawl: names and columns."""
    shape = sorted((a.name, list(a.list_urls)) for a in agencies)
    return hashlib.sha256(json.dumps(shape, ensure_ascii=False).encode()).hexdigest()[:16]


_CREATE = """
-- KEYS: current crawl, new crawl's meta; ARGV: crawl id, started_at, registry digest, worker
if redis.call('SET', KEYS[1], ARGV[1], 'NX') == false then return 0 end
redis.call('HSET', KEYS[2], 'started_at', ARGV[2], 'registry', ARGV[3], 'created_by', ARGV[4])
return 1
"""


def join_crawl(server: redis.Redis, agencies: list[Agency], worker: str,
               clock: Clock = system_clock) -> tuple[CrawlKeys, bool]:
    """The crawl in progress (joined) or a new one (created, started at `clock`'s now): its keys,
    and whether it is new."""
    digest = registry_digest(agencies)
    create = server.register_script(_CREATE)
    for _attempt in range(JOIN_ATTEMPTS):
        now = clock()
        crawl_id = f"{now:%Y%m%dT%H%M%S}-{os.urandom(3).hex()}"
        keys = CrawlKeys(crawl_id)
        if create(keys=[CURRENT_CRAWL, keys.meta], args=[crawl_id, now.isoformat(), digest, worker]):
            log.info("crawl %s created by %s", crawl_id, worker)
            return keys, True
        current = server.get(CURRENT_CRAWL)
        if current is None:
            continue  # it just ended
        keys = CrawlKeys(current.decode())
        if server.exists(keys.recorded):
            time.sleep(0.2)  # ending: its name is about to be freed
            continue
        theirs = server.hget(keys.meta, "registry")
        if theirs is not None and theirs.decode() != digest:
            raise DistributedCrawlError(
                f"crawl {keys.crawl_id} in progress on this Redis has another registry (agencies or columns "
                f"differ from this worker's --config/--agency); join it with the same registry, or wait for it to end")
        log.info("%s joins crawl %s", worker, keys.crawl_id)
        return keys, False
    raise DistributedCrawlError(f"could not create or join a crawl on Redis after {JOIN_ATTEMPTS} attempts")


def started_at(server: redis.Redis, keys: CrawlKeys) -> dt.datetime:
    raw = server.hget(keys.meta, "started_at")
    if raw is None:
        raise DistributedCrawlError(f"crawl {keys.crawl_id}: its start time is missing from Redis")
    return dt.datetime.fromisoformat(raw.decode())


def prepare_runs(server: redis.Redis, keys: CrawlKeys, agencies: list[Agency], data: Path,
                 database_url: str | None, *, lock_timeout: float = 600.0) -> dict[str, int]:
    """The crawl's CrawlRun row per agency (created by the first worker here, under a lock, with
    the schema migrated and the agencies' rows brought in line with the registry). The lock
    expires after `lock_timeout` seconds should its holder die; a registry so large that its rows
    take longer would let a second worker prepare too (duplicate runs without an outcome, which
    the monitor ignores)."""
    with server.lock(keys.prepare_lock, timeout=lock_timeout, blocking_timeout=lock_timeout * 2):
        runs = server.hgetall(keys.runs)
        if runs:
            return {name.decode(): int(run) for name, run in runs.items()}
        begun = started_at(server, keys)
        archive = Archive.open(data, database_url)  # migrates the schema: one worker at a time
        try:
            before: dict[str, int] = {}
            ids: dict[str, int] = {}
            with archive.session() as session, session.begin():
                for agency in agencies:
                    run, before[agency.name] = open_run(session, agency.name, agency, begun)
                    ids[agency.name] = run.id
        finally:
            archive.close()
        with server.pipeline() as pipe:  # runs last: it is the "prepared" mark
            if before:
                pipe.hset(keys.reports_before, mapping=before)
                pipe.hset(keys.runs, mapping=ids)
            pipe.execute()
        return ids
