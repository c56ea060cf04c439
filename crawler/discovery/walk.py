"""One agency's walk from its portal's home page to its 年报 columns: best first, bounded.

Pure: the walk says which page to fetch next (`Walk.next_target`) and is told what came back
(`Walk.visit`, `Walk.failed`); the Scrapy spider (crawler.discovery.spider) fetches. No network,
no clock of its own (the caller passes monotonic seconds), so the tests drive it with a dict of
pages.

Order: 年报 columns and their year/unit sub-columns before anything else, then the platform's
departments pages (部门年报, 部门信息公开, 乡镇街道: the units' own columns are listed there),
then the information platform's pages by their links' scores. Once a column is found, the
platform is not walked further: what is left to fetch is the columns' sub-columns and the
departments pages. A page reached through a departments page is taken for a column only when it
lists reports or sub-columns (a department's own platform page is not one). Bounds per agency (`Bounds`):
pages fetched, link depth from the home page, seconds since the first fetch; when one stops the
walk, `stop_reason` says which.

Each column found keeps its evidence: the chain of pages and link texts that led there, each link
with its score and reasons (crawler.discovery.links), and what the column page itself showed
(reports listed, platform).
"""

from __future__ import annotations

import heapq
import ipaddress
import itertools
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from crawler.discovery.links import LinkKind, ScoredLink, score_links
from crawler.platforms import ListPageError, detect_platform, parse_list_page, script_redirect
from crawler.recognize import report_year

log = logging.getLogger(__name__)

COLUMN_KINDS = (LinkKind.COLUMN, LinkKind.YEAR, LinkKind.UNIT)
# Walked once a column is found, too: the units' columns hang off these.
WALKED_AFTER_COLUMNS = (*COLUMN_KINDS, LinkKind.DEPARTMENTS)
DEPARTMENTS_PRIORITY = 5.0  # after the 年报 columns (+10), before the platform's other pages


@dataclass(frozen=True)
class Bounds:
    """How far discovery goes for one agency (defaults: 40 pages, depth 6, 120 seconds)."""

    max_pages: int = 40
    max_depth: int = 6  # links from the home page; home → platform → 年报 → year → unit is 4
    max_seconds: float = 120.0


@dataclass(frozen=True)
class Step:
    """One link followed: on which page, its text, where it led, what it was taken for and why."""

    page: str
    url: str
    text: str
    kind: str  # a LinkKind, or "script" (a page that only sends the browser on)
    score: float
    reasons: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {"page": self.page, "url": self.url, "text": self.text, "kind": self.kind,
                "score": self.score, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class Target:
    url: str
    chain: tuple[Step, ...]  # how the walk got here from the home page

    @property
    def depth(self) -> int:
        return sum(step.kind != "script" for step in self.chain)

    @property
    def kind(self) -> str | None:
        return next((step.kind for step in reversed(self.chain) if step.kind != "script"), None)


@dataclass(frozen=True)
class FoundColumn:
    """A 年报 column (or a year's or a unit's sub-column) and why it is one."""

    url: str  # where the column answered (after redirects within the site)
    role: str  # column | year | unit
    evidence: tuple[Step, ...]
    reports_listed: int  # links on its first page titled as reports
    sub_columns: int  # year and unit sub-columns it links to
    platform: str | None  # the list platform detected on its page

    def evidence_json(self) -> list[dict[str, Any]]:
        return [step.as_json() for step in self.evidence] + [
            {"page": self.url, "kind": "column page", "reports_listed": self.reports_listed,
             "sub_columns": self.sub_columns, "platform": self.platform}]


def site_of(url: str) -> str:
    """The site a host belongs to: a.b.example.gov.cn → example.gov.cn; IP addresses as they are."""
    host = (urlsplit(url).hostname or "").lower()
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    labels = host.split(".")
    keep = 3 if host.endswith((".gov.cn", ".com.cn", ".org.cn", ".net.cn", ".edu.cn")) else 2
    return ".".join(labels[-keep:])


@dataclass
class Walk:
    agency: str
    portal: str
    bounds: Bounds = field(default_factory=Bounds)
    avoid: frozenset[str] = frozenset()  # columns known to have moved: not taken again
    found: dict[str, FoundColumn] = field(default_factory=dict)
    departments: list[Step] = field(default_factory=list)  # the platform's departments links
    notes: list[str] = field(default_factory=list)  # what went wrong on the way, in words
    pages: int = 0
    stop_reason: str | None = None
    started: float | None = None
    robots: bool = False  # robots.txt kept the walk out of a page

    def __post_init__(self) -> None:
        self._queue: list[tuple[float, int, Target]] = []
        self._order = itertools.count()
        self._seen: set[str] = set()
        self._site = site_of(self.portal)
        self._push(Target(self.portal, ()), 0.0)

    # -- what to fetch ---------------------------------------------------------------------
    def _push(self, target: Target, priority: float) -> None:
        if target.url in self._seen:
            return
        self._seen.add(target.url)
        heapq.heappush(self._queue, (-priority, next(self._order), target))

    def next_target(self, now: float) -> Target | None:
        """The page to fetch next, None when the walk is over (see `stop_reason`)."""
        if self.stop_reason is not None:
            return None
        if self.started is None:
            self.started = now
        while self._queue:
            if self.pages >= self.bounds.max_pages:
                return self._stop(f"page bound: {self.bounds.max_pages} pages fetched")
            if now - self.started > self.bounds.max_seconds:
                return self._stop(f"time bound: {self.bounds.max_seconds:g} s spent")
            _, _, target = heapq.heappop(self._queue)
            if self.found and target.kind not in WALKED_AFTER_COLUMNS:
                return self._stop("done: columns found, nothing of theirs left to see")
            if target.depth > self.bounds.max_depth:
                self.notes.append(f"{target.url}: beyond max_depth={self.bounds.max_depth}; not fetched")
                continue
            return target
        return self._stop("done: nothing left to follow")

    def _stop(self, reason: str) -> None:
        self.stop_reason = reason
        return None

    def on_site(self, url: str) -> bool:
        return site_of(url) == self._site

    # -- what came back --------------------------------------------------------------------
    def visit(self, target: Target, final_url: str, status: int, html: str) -> None:
        """The page `target` answered `status` at `final_url` with `html` (decoded)."""
        self.pages += 1
        if "#" in target.url and final_url == target.url.split("#", 1)[0]:
            final_url = target.url  # fetched without its fragment; a gkmlpt column is named by it
        if status >= 400:
            self.notes.append(f"{target.url}: HTTP {status}")
            return
        if not self.on_site(final_url):
            self.notes.append(f"{target.url}: redirected off the site to {final_url}; not read")
            return
        sent_to = script_redirect(final_url, html)
        if sent_to is not None:
            if self.on_site(sent_to):
                step = Step(final_url, sent_to, "", "script", 0.0, ("the page is only a script sending the browser on",))
                self._push(Target(sent_to, target.chain + (step,)), self._priority(target.kind, 1.0))
            else:
                self.notes.append(f"{final_url}: a script sends it off the site to {sent_to}; not followed")
            return
        on_column = target.kind in WALKED_AFTER_COLUMNS
        links = score_links(final_url, html, on_column=on_column)
        if on_column:
            self._record_column(target, final_url, html, links)
        for link in links:
            self._consider(target, link, on_column)

    def failed(self, target: Target, message: str, *, robots: bool = False) -> None:
        """The page could not be fetched (refused, timed out, robots.txt)."""
        self.pages += not robots  # robots.txt refusals cost no request to the page
        self.robots = self.robots or robots
        self.notes.append(f"{target.url}: {message}")
        if robots and target.kind in COLUMN_KINDS and target.url not in self.avoid:
            # A 年报 column behind robots.txt is still the agency's column: kept, so that the
            # crawl says 'robots' of it instead of never knowing it was there.
            self.found.setdefault(target.url, FoundColumn(target.url, str(target.kind), target.chain, 0, 0, None))

    def _consider(self, target: Target, link: ScoredLink, on_column: bool) -> None:
        step = Step(target.url, link.url, link.text, link.kind, link.score, link.reasons)
        if link.kind == LinkKind.DEPARTMENTS and all(d.url != link.url for d in self.departments):
            self.departments.append(step)
        if not self.on_site(link.url):
            return  # the national portal, the province's: other agencies
        if link.url in self.avoid:
            self.notes.append(f"{link.url}: linked from {target.url} as '{link.text}', a column known to have "
                              "moved; not taken again")
            return
        if on_column and link.kind == LinkKind.PLATFORM:
            return  # from a column, only down into its sub-columns
        self._push(Target(link.url, target.chain + (step,)), self._priority(link.kind, link.score))

    @staticmethod
    def _priority(kind: str | None, score: float) -> float:
        if kind == LinkKind.DEPARTMENTS:
            return score + DEPARTMENTS_PRIORITY
        return score + (10.0 if kind in COLUMN_KINDS else 0.0)

    def _record_column(self, target: Target, final_url: str, html: str, links: list[ScoredLink]) -> None:
        try:
            platform = detect_platform(final_url, html)
            listed = parse_list_page(final_url, html, platform).links
        except ListPageError as exc:
            self.notes.append(f"{final_url}: {exc}")
            platform, listed = None, ()
        reports = sum(report_year(link.title).is_report and bool(report_year(link.title).year) for link in listed)
        subs = sum(link.kind in (LinkKind.YEAR, LinkKind.UNIT) for link in links)
        if final_url in self.avoid:
            return
        via_departments = any(step.kind == LinkKind.DEPARTMENTS for step in target.chain)
        if via_departments and not (reports or subs):
            return  # a department's platform page, a list of units: no column of its own
        role = LinkKind.UNIT.value if target.kind == LinkKind.DEPARTMENTS else str(target.kind)
        self.found.setdefault(final_url, FoundColumn(final_url, role, target.chain, reports, subs, platform))
        log.info("%s: 年报 %s at %s (%d reports listed, %d sub-columns)", self.agency, role, final_url, reports, subs)
