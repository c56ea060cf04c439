"""Each agency's outcome over all the workers of a distributed crawl.

A response's effect on its agency's `AgencyOutcome` is measured around its callback
(`RequestEffect`) and added to Redis hashes with the request's ack, so it counts exactly once
whichever worker did the work; at the end the sums are read back (`read_outcomes`) and written
into the crawl's `CrawlRun` rows (`record_outcomes`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import redis

from crawler.distributed.state import CrawlKeys, started_at
from crawler.pipelines import close_run
from crawler.registry import Agency
from crawler.spiders.reports import AgencyOutcome
from storage import Archive
from storage.models import CrawlRun

# The outcome hash's flags: AgencyOutcome's flag attribute -> its field in the hash. Any worker
# that saw the cause sets it; the agency's CrawlOutcome is decided from all of them at the end.
CHALLENGED = "challenged"  # a JS-challenge wall answered a list page (AgencyOutcome.blocked)
FLAGS: dict[str, str] = {"blocked": CHALLENGED, "robots": "robots", "moved": "moved", "script_only": "script_only"}


def outcome_snapshot(outcome: AgencyOutcome) -> tuple:
    return (outcome.pages_listed, outcome.reports_found, len(outcome.list_errors), len(outcome.errors),
            tuple(getattr(outcome, flag) for flag in FLAGS), len(outcome.listed), outcome.browser_pages)


@dataclass
class RequestEffect:
    """One popped request's effect on its agency's outcome, until its ack."""

    agency: str | None
    pending_items: int = 0
    callback_done: bool = False
    pages_listed: int = 0
    reports_found: int = 0
    flags: set[str] = field(default_factory=set)  # AgencyOutcome flags (FLAGS) the step set
    list_errors: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    listed: list[dict] = field(default_factory=list)
    browser_pages: int = 0  # list pages read through the browser: `reached (browser)`

    def add(self, outcome: AgencyOutcome | None, before: tuple | None) -> None:
        """What the callback changed in `outcome` since `before` (one uninterrupted step)."""
        if outcome is None or before is None:
            return
        self.pages_listed += outcome.pages_listed - before[0]
        self.reports_found += outcome.reports_found - before[1]
        self.list_errors += outcome.list_errors[before[2]:]
        self.errors += outcome.errors[before[3]:]
        self.flags |= {flag for flag, was in zip(FLAGS, before[4]) if getattr(outcome, flag) and not was}
        self.listed += outcome.listed[before[5]:]
        self.browser_pages += outcome.browser_pages - before[6]

    def counters(self, keys: CrawlKeys) -> dict:
        if self.agency is None:
            return {}
        counters: dict = {"hincrby": {}, "hset": {}, "rpush": {}}
        numbers = {k: v for k, v in (("pages_listed", self.pages_listed), ("reports_found", self.reports_found),
                                     ("browser_pages", self.browser_pages)) if v}
        if numbers:
            counters["hincrby"][keys.outcome(self.agency)] = numbers
        if self.flags:
            counters["hset"][keys.outcome(self.agency)] = {FLAGS[flag]: 1 for flag in sorted(self.flags)}
        for key, values in ((keys.list_errors(self.agency), self.list_errors), (keys.errors(self.agency), self.errors),
                            (keys.listed(self.agency), [json.dumps(v, ensure_ascii=False) for v in self.listed])):
            if values:
                counters["rpush"][key] = values
        return {operation: value for operation, value in counters.items() if value}


def read_outcomes(server: redis.Redis, keys: CrawlKeys, agencies: list[Agency]) -> dict[str, AgencyOutcome]:
    """Every agency's outcome over all workers, as counted in Redis."""
    begun = started_at(server, keys)
    before = {k.decode(): int(v) for k, v in server.hgetall(keys.reports_before).items()}
    outcomes = {}
    for agency in agencies:
        name = agency.name
        counts = {k.decode(): int(v) for k, v in server.hgetall(keys.outcome(name)).items()}
        outcomes[name] = AgencyOutcome(
            name, started_at=begun,
            pages_listed=counts.get("pages_listed", 0), reports_found=counts.get("reports_found", 0),
            list_errors=[e.decode() for e in server.lrange(keys.list_errors(name), 0, -1)],
            errors=[e.decode() for e in server.lrange(keys.errors(name), 0, -1)],
            **{flag: bool(counts.get(field_name, 0)) for flag, field_name in FLAGS.items()},
            reports_before=before.get(name, 0),
            listed=[json.loads(e) for e in server.lrange(keys.listed(name), 0, -1)],
            browser_pages=counts.get("browser_pages", 0),
        )
    return outcomes


def record_outcomes(archive: Archive, runs: dict[str, int], outcomes: dict[str, AgencyOutcome],
                    finished: dt.datetime) -> int:
    """Write the outcomes into the crawl's CrawlRun rows; rows written before are left alone (a
    writer that died after its commit). Returns how many rows were written."""
    written = 0
    with archive.session() as session, session.begin():
        for name, outcome in outcomes.items():
            run = session.get(CrawlRun, runs[name]) if name in runs else None
            if run is None or run.outcome is not None:
                continue
            close_run(run, outcome, finished)
            written += 1
    return written
