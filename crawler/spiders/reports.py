"""The generic report spider: walks each registry agency's report column on any platform.

Per agency: the list pages of its column (the platform's own pagination: TRS scripts, Hanweb
POSTs, VSB downward numbering, gkmlpt JSON, 下一页 links), every listed link whose title is an
annual report (crawler.recognize), the report page itself and the attachments it links to.
Every response is handed to the archive pipeline as it was received (raw bytes, headers,
status); what is a report is decided by the parser, from the content.

A column that cannot be read has an outcome of its own, never "reached" with nothing listed:
robots.txt disallows it (`robots`), it answers 404/410 or redirects away to the home page or
another site (`moved`), it is only a script with no literal target (`script_only`). A column page
that is only ``location.replace("…")`` (or ``window.location.href = "…"``) is followed.

Where the plain path fails (a JS challenge, a page that is only a script, a list its scripts
build) the page is asked for again through the browser (crawler/browser.py), within its caps; an
agency read that way is `reached (browser)`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.http import Response
from scrapy.settings import Settings
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from twisted.python.failure import Failure

from crawler.browser import BrowserBudget, is_challenge_page, needs_scripts, visit_captures, visit_of
from crawler.clock import crawl_clock
from crawler.platforms import (
    ListPageError,
    PageRequest,
    attachment_file,
    attachment_links,
    detect_platform,
    gkmlpt_api_url,
    parse_list_page,
    script_only,
    script_redirect,
)
from crawler.recognize import report_year
from crawler.registry import Agency
from parsing.decode import decode_bytes
from parsing.errors import UnsupportedInputError
from parsing.sniff import sniff
from storage.clock import Clock, system_clock
from storage.vocab import CaptureRole, CrawlOutcome

log = logging.getLogger(__name__)

# Scheduling (Scrapy's queue is last in, first out within a priority): a column's list pages go
# before the reports they list, since each later page of a column that does not state its page
# count is found only on the page before it (a chain: left behind the reports, the longest chains
# were a ~1,000-page crawl's last seconds, fetched one at a time); a page the browser must read
# goes before both (asked for when found, not after everything else: Chromium is slow to start).
ROLE_PRIORITY = {CaptureRole.LIST: 1}
BROWSER_PRIORITY = 10
BLOCKED_STATUSES = (412, 521)  # JS-challenge walls (e.g. 瑞数, 加速乐): blocked, not missing
# How many links a request is from its column's list page, capped by the agency's max_depth.
HOPS = {CaptureRole.LIST: 0, CaptureRole.REPORT: 1, CaptureRole.RECHECK: 1, CaptureRole.ATTACHMENT: 2}
MOVED_STATUSES = (404, 410)  # the column is gone from its address
MAX_SCRIPT_REDIRECTS = 3  # location.replace pages followed in a row before giving up
# A column's list pages asked for and not yet answered, at most (the crawl's per-host concurrency
# without politeness). Platforms that state their page count list every later page on each page:
# asked for all at once, a column's requests waited in the scheduler together, so the crawl's
# memory grew with the length of its longest columns (bench/crawl: peak RSS at 50,000 pages 1.38x
# that at 10,000). The rest wait as (URL, index) and are asked for as pages are answered.
LIST_PAGES_AHEAD = 8
# Where a moved column's address is sent: the site's home page.
_HOME_PATHS = frozenset({"", "/", "/index.html", "/index.htm", "/index.shtml", "/index.jsp", "/index.php",
                         "/default.html", "/default.htm", "/default.aspx"})


@dataclass
class AgencyOutcome:
    """What one crawl saw of one agency: the evidence for its `CrawlOutcome`."""

    agency: str
    started_at: dt.datetime
    pages_listed: int = 0
    reports_found: int = 0
    list_errors: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    blocked: bool = False
    robots: bool = False  # robots.txt disallowed a list page
    robots_columns: list[str] = field(default_factory=list)  # columns whose first page robots.txt disallowed
    # Columns whose first page was only a script, and the columns of which a list page was read:
    # a script-walled column none of whose pages was read hides its reports as a robots wall does.
    script_only_columns: list[str] = field(default_factory=list)
    columns_read: set[str] = field(default_factory=set)
    moved: bool = False  # the column answered 404/410 or redirected away
    script_only: bool = False  # a list page was only a script nianbao cannot follow
    reports_before: int = 0  # reports archived for the agency before this crawl
    # The report links the column listed: {"url", "title", "year", "listed_on"}; what the monitor
    # cites when a year's report is missing from a column that was reached.
    listed: list[dict] = field(default_factory=list)
    # Portal-only agencies (crawler.discovery): each column found moved, and why; rediscovery
    # starts from these.
    moved_columns: dict[str, str] = field(default_factory=dict)
    browser_pages: int = 0  # list pages read through the browser (crawler/browser.py)

    @property
    def outcome(self) -> CrawlOutcome:
        if self.pages_listed and not self.listed and self.reports_before:
            # A column listing no reports where reports were found before: the crawler broke,
            # not the agency.
            return CrawlOutcome.FAILED
        if self.robots_columns:
            # A whole column behind robots.txt while others were read: a year whose report sits
            # behind it is not missing (the national test web: a county's own 年报 column walled,
            # its units' columns read).
            return CrawlOutcome.ROBOTS
        if any(column not in self.columns_read for column in self.script_only_columns):
            # Likewise a column that is only a script (天津市河东区 on the national test web, seed
            # 5: its own root a script, its units' columns read, 'missing' for five years).
            return CrawlOutcome.SCRIPT_ONLY
        if self.pages_listed:
            return CrawlOutcome.REACHED_BROWSER if self.browser_pages else CrawlOutcome.REACHED
        # Nothing read: the first cause that held, walls and rules before our own limits.
        for flag, outcome in ((self.blocked, CrawlOutcome.BLOCKED), (self.robots, CrawlOutcome.ROBOTS),
                              (self.moved, CrawlOutcome.MOVED), (self.script_only, CrawlOutcome.SCRIPT_ONLY)):
            if flag:
                return outcome
        return CrawlOutcome.UNREACHABLE


class ReportsSpider(scrapy.Spider):
    name = "reports"
    handle_httpstatus_list = [404, 410, *BLOCKED_STATUSES]

    def __init__(self, agencies: list[Agency] | None = None, config: str | None = None,
                 agency: str | None = None, known_reports: dict[str, list[str]] | None = None,
                 clock: Clock = system_clock, notes: dict[str, list[str]] | None = None, **kwargs) -> None:
        """`agencies` from `nianbao crawl`; for debugging, `scrapy crawl reports -a config=FILE
        -a agency=NAME` loads the registry itself. `known_reports`: each agency's report URLs
        archived by earlier crawls, fetched again even when no longer listed, so a report
        that was taken down is seen as gone (404, or a redirect to the home page). `clock`
        stamps the crawl's start and every capture (from the NIANBAO_CLOCK setting when the
        crawler makes the spider). `notes`: per agency, what came before the crawl (discovery's
        findings) that its outcome should say."""
        super().__init__(**kwargs)
        if agencies is None:
            from crawler.registry import load_registry

            agencies = [a for a in load_registry(config) if agency is None or a.name == agency]
        self.clock = clock
        self.agencies = {a.name: a for a in agencies}
        started_at = clock()
        self.outcomes = {name: AgencyOutcome(name, started_at) for name in self.agencies}
        for name, lines in (notes or {}).items():
            if name in self.outcomes:
                self.outcomes[name].list_errors.extend(lines)
        self.list_requests: dict[str, set[tuple[str, str, str | None]]] = {}
        # Per column (its first page's URL): list requests asked for and not yet answered, and the
        # later pages found but not yet asked for (LIST_PAGES_AHEAD), in page order.
        self.lists_pending: Counter[str] = Counter()
        self.lists_waiting: dict[str, deque[tuple[str, PageRequest, int]]] = {}
        self.known_reports = {name: list(urls) for name, urls in (known_reports or {}).items()
                              if name in self.agencies}
        self.budget = BrowserBudget(Settings())  # from_crawler gives the crawl's settings
        self.browser_cookies: dict[str, list[dict]] = {}  # per agency: what the browser earned

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        kwargs.setdefault("clock", crawl_clock(crawler.settings))
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.budget = BrowserBudget(crawler.settings)
        crawler.signals.connect(spider._list_request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider._release_waiting_when_idle, signal=signals.spider_idle)
        return spider

    async def start(self):
        for agency in self.agencies.values():
            for url in agency.list_urls:
                # The column URL as registered: Scrapy drops a "#2671" fragment, which on gkmlpt
                # sites names the category.
                browser = agency.browser and self.budget.take(agency.name) is None  # registry: browser = true
                yield self._request(agency, PageRequest(url), CaptureRole.LIST, page_index=0, column_url=url,
                                    browser=browser)
        for name, urls in self.known_reports.items():
            agency = self.agencies[name]
            for url in urls:
                # After everything the lists lead to (lower priority), and through the
                # dupefilter: a report still listed is fetched once.
                yield self._request(agency, PageRequest(url), CaptureRole.RECHECK, priority=-10)

    # -- requests ----------------------------------------------------------------------------
    def _request(self, agency: Agency, page: PageRequest, role: CaptureRole, page_index: int = 0,
                 priority: int = 0, browser: bool = False, **meta) -> scrapy.Request:
        """`page_index`: which page of the column (capped by the agency's max_pages); the hops
        from a list page (report 1, attachment 2) are capped by its max_depth. `role` RECHECK:
        a report archived before, fetched again to see whether it is still there."""
        callback = {CaptureRole.LIST: self.parse_list, CaptureRole.REPORT: self.parse_report,
                    CaptureRole.RECHECK: self.parse_report, CaptureRole.ATTACHMENT: self.parse_attachment}[role]
        if role == CaptureRole.LIST:
            meta["column"] = meta.get("column") or meta.get("column_url") or page.url
            self.lists_pending[meta["column"]] += 1
        return scrapy.Request(
            page.url,
            method=page.method,
            body=page.body,
            headers=dict(page.headers) or None,
            callback=callback,
            errback=self.failed,
            dont_filter=browser,  # the browser asks again for a page the plain path could not read
            priority=priority + ROLE_PRIORITY.get(role, 0) + (BROWSER_PRIORITY if browser else 0),
            cookies=self.browser_cookies.get(agency.name),
            meta={"agency": agency.name, "role": role, "page_index": page_index, "hops": HOPS[role], **meta,
                  **(self.budget.meta(agency.domains) if browser else {})},
        )

    def _on_site(self, agency: Agency, url: str) -> bool:
        host = urlsplit(url).hostname or ""
        return any(host == d or host.endswith("." + d) for d in agency.domains)

    # -- callbacks ---------------------------------------------------------------------------
    def parse_list(self, response: Response) -> Iterator:
        yield from self._read_list(response)
        yield from self._list_answered(response.meta)

    def _read_list(self, response: Response) -> Iterator:
        agency = self.agencies[response.meta["agency"]]
        outcome = self.outcomes[agency.name]
        visit = visit_of(response)
        if visit is not None:
            text = yield from self._browser_list(agency, response, visit)
            if text is None:
                return
            # Judged by the document the page settled on, not the first answer (a challenge's 412).
            response = response.replace(status=visit.document.status if visit.document else 200)
        else:
            yield self._capture(response)
        if visit is None and response.status in BLOCKED_STATUSES:
            # Blocked unless the browser reads the column (then it is `reached (browser)`).
            outcome.blocked = True
            retry = self._browser_retry(agency, response, f"HTTP {response.status} (a JS challenge)")
            outcome.list_errors.append(f"{response.url}: HTTP {response.status} (a JS challenge: blocked)"
                                       + ("; asked for through the browser" if retry is not None else ""))
            if retry is not None:
                yield retry
            return
        if response.status in MOVED_STATUSES and response.meta["page_index"] == 0:
            outcome.moved = True
            outcome.moved_columns[self._column_of(response)] = f"HTTP {response.status}"
            outcome.list_errors.append(f"{response.url}: HTTP {response.status}: the column moved or is gone")
            return
        if response.status >= 400:
            outcome.list_errors.append(f"{response.url}: HTTP {response.status}")
            return
        away = self._redirected_away(agency, response)
        if away:
            outcome.moved = True
            outcome.moved_columns[self._column_of(response)] = away
            outcome.list_errors.append(f"{response.meta['redirect_urls'][0]}: {away}: the column moved")
            return
        if visit is None:
            text, _ = decode_bytes(response.body, response.headers.get("Content-Type", b"").decode("latin-1"))
            if is_challenge_page(text):  # a challenge answered 200 (加速乐 and the like)
                outcome.blocked = True
                retry = self._browser_retry(agency, response, "a JS challenge page")
                outcome.list_errors.append(f"{response.url}: a JS challenge page answered {response.status}: blocked"
                                           + ("; asked for through the browser" if retry is not None else ""))
                if retry is not None:
                    yield retry
                return
        platform = agency.platform or detect_platform(response.url, text)
        if platform == "gkmlpt" and not text.lstrip().startswith("{"):
            # A gkmlpt column page is a shell; its list is the JSON API.
            api = gkmlpt_api_url(response.meta.get("column_url", response.url), text)
            if api is None:
                outcome.list_errors.append(f"{response.url}: a gkmlpt page without its category or site id")
                return
            yield self._request(agency, api, CaptureRole.LIST, page_index=response.meta["page_index"],
                                column=response.meta.get("column"))
            return
        sent = response.request.body.decode("utf-8", "replace") if response.request.method == "POST" else None
        try:
            page = parse_list_page(response.url, text, platform, sent=sent)
        except ListPageError as error:  # the message names the URL and what the page lacks
            outcome.list_errors.append(str(error))
            return
        if not page.links and not page.next_pages and visit is None:
            followed = self._script_page(agency, response, text)
            if followed is not None:
                yield from followed
                return
        if not page.links and not page.next_pages and visit is not None and script_only(text):
            outcome.list_errors.append(f"{response.url}: the browser ran its scripts and saw nothing either")
            return
        outcome.pages_listed += 1
        outcome.browser_pages += visit is not None
        outcome.columns_read.add(self._column_of(response))
        for link in page.links:
            verdict = report_year(link.title)
            if not verdict.is_report:
                continue
            if not self._on_site(agency, link.url):
                log.info("%s: %s is off the agency's domains; not followed", agency.name, link.url)
                continue
            outcome.listed.append({"url": link.url, "title": link.title, "year": verdict.year,
                                   "listed_on": link.date, "list_url": response.url})
            role = CaptureRole.ATTACHMENT if attachment_file(link.url, link.title) else CaptureRole.REPORT
            if HOPS[role] <= agency.max_depth:
                yield self._request(agency, PageRequest(link.url), role, title=link.title, listed_on=link.date)
        # Platforms that state their page count list every later page on each page: ask for each
        # once (bench/crawl saw n^2/2 duplicate requests per long column), and count pages from
        # this one so max_pages caps the column. They wait their turn (LIST_PAGES_AHEAD): asked
        # for once this page is answered (parse_list), in order.
        listed = self.list_requests.setdefault(agency.name, set())
        column = response.meta.get("column") or self._column_of(response)
        waiting = self.lists_waiting.setdefault(column, deque())
        for offset, nxt in enumerate(page.next_pages, start=1):
            key = (nxt.method, nxt.url, nxt.body)
            if key in listed or not self._on_site(agency, nxt.url):
                continue
            index = response.meta["page_index"] + offset
            if index >= agency.max_pages:
                outcome.errors.append(f"{nxt.url}: beyond max_pages={agency.max_pages}; not followed")
                break
            listed.add(key)
            waiting.append((agency.name, nxt, index))

    def _list_answered(self, meta: dict) -> Iterator[scrapy.Request]:
        """A list request answered (or failed): its column's next waiting pages asked for, up to
        LIST_PAGES_AHEAD pending. Every page waiting comes after every page pending, and a page
        of these platforms lists all later ones: were this process's waiting pages lost (a
        distributed worker killed), the column's pending pages would find them again."""
        column = meta.get("column")
        if column is None:
            return
        self.lists_pending[column] = max(0, self.lists_pending[column] - 1)
        yield from self._next_waiting(column)

    def _next_waiting(self, column: str) -> Iterator[scrapy.Request]:
        waiting = self.lists_waiting.get(column)
        while waiting and self.lists_pending[column] < LIST_PAGES_AHEAD:
            name, page, index = waiting.popleft()
            yield self._request(self.agencies[name], page, CaptureRole.LIST, page_index=index, column=column)
        if not waiting:
            self.lists_waiting.pop(column, None)

    def _list_request_dropped(self, request: scrapy.Request, spider=None) -> None:
        """The scheduler dropped a list request (its dupefilter: fetched before a resumed crawl,
        or by another worker): answered as far as its column's turn goes."""
        if request.meta.get("role") == CaptureRole.LIST and request.meta.get("column") is not None:
            from twisted.internet import reactor

            released = list(self._list_answered(request.meta))
            if released:
                reactor.callLater(0, self._crawl_now, released)

    def _crawl_now(self, requests: list[scrapy.Request]) -> None:
        for request in requests:
            self.crawler.engine.crawl(request)

    def _release_waiting_when_idle(self, spider=None) -> None:
        """Nothing left to do but pages waiting their turn (a pending request's answer never came
        back here): they are asked for now, never left behind."""
        released = [request for column in list(self.lists_waiting) for request in self._next_waiting_all(column)]
        if released:
            self._crawl_now(released)
            raise DontCloseSpider

    def _next_waiting_all(self, column: str) -> Iterator[scrapy.Request]:
        self.lists_pending[column] = 0
        yield from self._next_waiting(column)

    @staticmethod
    def _column_of(response: Response) -> str:
        """The column URL a first list page was asked for (before redirects and scripts)."""
        return (response.meta.get("first_column") or response.meta.get("column_url")
                or (response.meta.get("redirect_urls") or [None])[0]
                or response.request.url)

    def _redirected_away(self, agency: Agency, response: Response) -> str | None:
        """Why the first page of a column that redirected has left it: to another site, or to
        the site's home page. None when it stayed (a redirect within the column, http → https)."""
        if response.meta["page_index"] != 0 or not response.meta.get("redirect_urls"):
            return None
        final = urlsplit(response.url)
        if not self._on_site(agency, response.url):
            return f"redirected away to {response.url} (another site)"
        asked = urlsplit(response.meta["redirect_urls"][0])  # the request's own URL is the final one
        if final.path.lower() in _HOME_PATHS and asked.path.lower() not in _HOME_PATHS:
            return f"redirected away to {response.url} (the home page)"
        return None

    def _script_page(self, agency: Agency, response: Response, text: str) -> list | None:
        """A list page with nothing a reader can use: if it is only a redirect script with a
        literal target, the request that follows it; if it is only a script, its outcome
        recorded and nothing to follow; else None (an empty list, read as one)."""
        outcome = self.outcomes[agency.name]
        target = script_redirect(response.url, text)
        hops = response.meta.get("script_redirects", 0)
        if target is not None and hops < MAX_SCRIPT_REDIRECTS:
            if not self._on_site(agency, target):
                outcome.moved = True
                outcome.moved_columns[self._column_of(response)] = f"a script sends it to {target} (another site)"
                outcome.list_errors.append(f"{response.url}: a script sends it to {target} (another site): "
                                           "the column moved")
                return []
            log.info("%s: %s is a script sending the browser to %s; followed", agency.name, response.url, target)
            return [self._request(agency, PageRequest(target), CaptureRole.LIST,
                                  page_index=response.meta["page_index"], script_redirects=hops + 1,
                                  first_column=self._column_of(response), column=response.meta.get("column"))]
        # Only a script, or a list its scripts build: the browser reads it, within its caps (a column
        # it reads is `reached (browser)`, one it cannot stays script_only).
        retry = (self._browser_retry(agency, response, "only a script" if script_only(text) else "a list built by script")
                 if script_only(text) or needs_scripts(text) else None)
        if script_only(text):
            outcome.script_only = True
            if response.meta.get("page_index") == 0:
                outcome.script_only_columns.append(self._column_of(response))
            outcome.list_errors.append(f"{response.url}: the page is only a script nianbao cannot follow "
                                       "(no links, no list, no literal target)"
                                       + ("; asked for through the browser" if retry is not None else ""))
            return [retry] if retry is not None else []
        return [retry] if retry is not None else None

    # -- the browser path (crawler/browser.py) ----------------------------------------------------
    def _browser_retry(self, agency: Agency, response: Response, wall: str) -> scrapy.Request | None:
        """The same page asked for through the browser, or None (already the browser's answer, or
        no browser page left: the reason is recorded)."""
        if response.meta.get("browser"):
            return None
        refused = self.budget.take(agency.name)
        if refused is not None:
            self.outcomes[agency.name].errors.append(f"{response.url}: {wall}; not rendered: {refused}")
            return None
        log.info("%s: %s is %s; asked for through the browser", agency.name, response.url, wall)
        request = response.request
        keep = {key: response.meta[key] for key in ("column_url", "title", "listed_on", "script_redirects", "column")
                if key in response.meta}
        if response.meta["role"] == CaptureRole.LIST:
            keep["first_column"] = self._column_of(response)
        page = PageRequest(request.url, request.method,
                           request.body.decode("utf-8") if request.body else None)
        return self._request(agency, page, response.meta["role"], page_index=response.meta.get("page_index", 0),
                             browser=True, wall=wall, **keep)

    def _browser_list(self, agency: Agency, response: Response, visit):
        """Archive what the browser received and rendered; the rendered DOM to read, or None when
        a wall still stands (recorded: which wall, what the browser saw)."""
        outcome = self.outcomes[agency.name]
        yield from visit_captures(visit, agency.name, CaptureRole.LIST, self.clock())
        wall = visit.wall()
        if wall is not None:
            outcome.blocked = True
            outcome.list_errors.append(f"{response.request.url}: {wall}")
            return None
        host = urlsplit(visit.url).hostname
        earned = [{"name": c["name"], "value": c["value"], "path": c.get("path") or "/"}
                  for c in visit.cookies if c.get("domain", "").lstrip(".") == host]
        if earned:
            self.browser_cookies[agency.name] = earned
        return visit.dom

    def parse_report(self, response: Response) -> Iterator:
        agency = self.agencies[response.meta["agency"]]
        visit = visit_of(response)
        if visit is not None:  # a report page behind a challenge the cookies no longer pass
            yield from visit_captures(visit, agency.name, response.meta["role"], self.clock())
            return
        yield self._capture(response)
        if response.status in BLOCKED_STATUSES:
            retry = self._browser_retry(agency, response, f"HTTP {response.status} (a JS challenge)")
            if retry is not None:
                yield retry
            return
        if response.status >= 400:
            return
        if response.meta["role"] == CaptureRole.REPORT:  # a recheck is not evidence that the column lists it
            self.outcomes[agency.name].reports_found += 1
        try:
            is_html = sniff(response.body) == "html"  # the bytes decide, as for the parser
        except UnsupportedInputError:
            is_html = False
        if is_html:
            text, _ = decode_bytes(response.body, response.headers.get("Content-Type", b"").decode("latin-1"))
            listed = next((entry for entry in self.outcomes[agency.name].listed
                           if entry["url"] in (response.request.url, response.url)), None)
            for link in attachment_links(response.url, text):
                if self._on_site(agency, link.url) and agency.max_depth >= HOPS[CaptureRole.ATTACHMENT]:
                    if listed is not None:
                        # The attachment holding the report inherits the list's date for it (a
                        # PDF rarely states its publication date).
                        listed.setdefault("attachments", []).append(link.url)
                    yield self._request(agency, PageRequest(link.url), CaptureRole.ATTACHMENT, title=link.title)

    def parse_attachment(self, response: Response) -> Iterator:
        agency = self.agencies[response.meta["agency"]]
        visit = visit_of(response)
        if visit is not None:  # a file the wall keeps from plain requests, fetched by the browser
            yield from visit_captures(visit, agency.name, response.meta["role"], self.clock())
            wall = visit.wall()
            if wall is not None:
                self.outcomes[agency.name].errors.append(f"{response.request.url}: {wall}")
            return
        yield self._capture(response)
        if response.status in BLOCKED_STATUSES:
            # The browser's cookies did not pass (a wall that checks the client too): the browser
            # fetches it itself, within its caps.
            retry = self._browser_retry(agency, response, f"HTTP {response.status} (a JS challenge)")
            if retry is not None:
                yield retry

    def failed(self, failure: Failure) -> Iterator:
        request = failure.request
        agency = request.meta.get("agency")
        message = f"{request.url}: {failure.getErrorMessage() or failure.type.__name__}"
        robots = failure.check(IgnoreRequest) is not None and "robots.txt" in failure.getErrorMessage()
        if robots:
            message = f"{request.url}: robots.txt disallows it; nianbao does not read it"
        if agency in self.outcomes:
            outcome = self.outcomes[agency]
            if robots and request.meta.get("role") == CaptureRole.LIST:
                outcome.robots = True
                if request.meta.get("page_index") == 0:
                    outcome.robots_columns.append(request.url)
            target = outcome.list_errors if request.meta.get("role") == CaptureRole.LIST else outcome.errors
            if request.meta.get("browser") and request.meta.get("wall"):
                # The browser could not read what the plain path could not: the plain outcome holds.
                message = f"{request.url}: {request.meta['wall']}; the browser failed too: {message}"
            target.append(message)
        log.warning("%s: %s", agency, message)
        # Asked for now, not when iterated (crawler.distributed measures the errback's call).
        return iter(list(self._list_answered(request.meta)) if request.meta.get("role") == CaptureRole.LIST else ())

    def _capture(self, response: Response) -> dict:
        return {
            "agency": response.meta["agency"],
            "role": response.meta["role"],
            "url": response.request.url,
            "final_url": response.url if response.url != response.request.url else None,
            "status": response.status,
            "headers": [
                (k.decode("latin-1"), v.decode("latin-1")) for k, vs in response.headers.items() for v in vs
            ],
            "body": response.body,
            "captured_at": self.clock(),
            "content_type": response.headers.get("Content-Type", b"").decode("latin-1") or None,
        }
