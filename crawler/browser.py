"""The browser path of the crawl: pages only a browser can read (issue 15).

Used only where the plain path fails: a list page answered with a JS challenge (HTTP 412/521, or a
challenge page answered 200: only a script that sets a cookie and reloads), a list page that is
only a script, a list page whose items a script builds; or for every list page of an agency whose
registry entry says ``browser = true``. The page is rendered by Debian's Chromium through
scrapy-playwright (`/usr/bin/chromium`, never a downloaded browser), its rendered DOM read by the
same platform readers as a plain page (crawler.platforms.parse_list_page), and the cookies it
earned carried by the plain requests that follow (reports, attachments, later list pages).

Bounds and politeness are the plain path's: the browser's page is a Scrapy request (robots.txt,
the host's download slot, the User-Agent that names nianbao; no stealth, no fingerprint spoofing,
no CAPTCHA solving: a wall a plain browser cannot pass stays `blocked`, and says what the browser
saw), and every request the page then sends by itself (the document, a challenge's reload, XHR,
scripts) waits for its host's turn as a plain one does, across workers too, and is asked only of
the agency's hosts where robots.txt allows it; images, media, fonts, stylesheets are not fetched
(crawler.browser_requests). Caps: browser pages per
agency (NIANBAO_BROWSER_PAGES_PER_AGENCY) and per crawl (NIANBAO_BROWSER_PAGES_PER_CRAWL), a
time-out per page (NIANBAO_BROWSER_PAGE_TIMEOUT seconds). One browser per process, started on
the first page that needs it: a crawl whose pages all read plainly starts none
(`BrowserDownloadHandler`).

What the browser received (the documents, the XHR/fetch answers that carried the list) becomes
captures like any other (source ``browser``), and the rendered DOM a capture of role
``rendered`` (no HTTP status) whose fields say ``via = browser``, the user agent, the viewport
and which response it was rendered from; the WARC export writes it as a ``conversion`` record
referring to that response.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import re
import time
from dataclasses import dataclass, field
from typing import Any

from urllib.parse import urlsplit

import inspect
import sys

from playwright.async_api import Error as PlaywrightError
from scrapy import signals


def _import_scrapy_tls() -> None:
    """Scrapy's TLS context factories, imported without reading the source of every frame.

    Three deprecated aliases in them (scrapy.utils.deprecate.create_deprecated_class) ask
    `inspect.stack()` for their caller's module, which reads each frame's source lines; under the
    CLI's import chain that was 0.4-0.6 s of CPU at every crawl's start. Only the frames are
    needed, so while they are imported the stack comes without source lines.
    """
    stack = inspect.stack

    def frames_only(context: int = 1) -> list[inspect.FrameInfo]:
        return inspect.getouterframes(sys._getframe(1), 0)

    inspect.stack = frames_only
    try:
        import scrapy.core.downloader.contextfactory  # noqa: F401
    finally:
        inspect.stack = stack


_import_scrapy_tls()

from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler  # noqa: E402
from scrapy_playwright.page import PageMethod

from parsing.decode import decode_bytes
from crawler.browser_requests import FETCHED_TYPES, BrowserGate
from crawler.platforms.links import visible_text
from storage.vocab import CaptureRole

log = logging.getLogger(__name__)

CHROMIUM = "/usr/bin/chromium"
# Debian's build of Chromium's old headless mode (package chromium-headless-shell, what Playwright
# itself runs for headless Chromium): the same engine without the desktop browser around it. One
# page rendered costs ~0.7 s of CPU with Playwright's driver against ~1.6 s for `chromium
# --headless` (three pages, one launch, measured side by side). Used when it is installed and the
# launch options name Debian's chromium for a headless run; otherwise chromium as configured.
HEADLESS_SHELL = "/usr/bin/chromium-headless-shell"
VIEWPORT = {"width": 1280, "height": 800}
CONTEXT = "nianbao"
CHALLENGE_STATUSES = (412, 521)
ARCHIVED_TYPES = frozenset({"document", "xhr", "fetch"})  # what the browser received that is kept
QUIET_MS = 300  # no new navigation for this long after the network went idle: the page has settled
GATE = "nianbao_browser_gate"  # request meta, only while the handler renders the page: its BrowserGate
STARTED_LOG = "nianbao browser: started"  # logged once per process when Chromium is first needed

# The visible text of a page that is a challenge rather than content: short, with a script that
# sets a cookie and reloads or replaces the location (加速乐 answers such a page with 200 too).
_COOKIE_RELOAD = re.compile(r"document\.cookie\s*=.*?(location\.(reload|replace|href)|window\.location)", re.S)


@dataclass(frozen=True)
class Received:
    """One response the browser received while the page settled."""

    url: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes | None  # None: replaced (a challenge's reload) before its body could be read
    resource_type: str  # document, xhr, fetch
    method: str


@dataclass
class Visit:
    """What the browser saw of one page: every response it kept, the last document, the DOM."""

    received: list[Received] = field(default_factory=list)
    dom: str = ""
    url: str = ""
    title: str = ""
    text: str = ""  # the visible text, shortened
    cookies: list[dict[str, Any]] = field(default_factory=list)
    user_agent: str = ""
    timed_out: bool = False

    @property
    def document(self) -> Received | None:
        documents = [r for r in self.received if r.resource_type == "document"]
        return documents[-1] if documents else None

    def wall(self) -> str | None:
        """Why the page is still walled after the browser ran its scripts, or None."""
        document = self.document
        if document is not None and document.status in CHALLENGE_STATUSES:
            saw = f"a page titled {self.title!r}" if self.title else "a page"
            return (f"HTTP {document.status} JS challenge the browser could not pass: it stayed on {saw} "
                    f"saying {self.text[:120]!r}")
        if is_challenge_page(self.dom):
            return f"a challenge page (answered {document.status if document else '?'}) the browser could not pass"
        return None


def is_challenge_page(text: str) -> bool:
    """A page that is a JS challenge, whatever its status: a script setting a cookie and then
    reloading, and next to no visible text."""
    return bool(_COOKIE_RELOAD.search(text)) and len(visible_text(text)) < 200


def needs_scripts(text: str) -> bool:
    """A list page that read as empty but whose scripts may build its list (a fetch, XHR or
    jQuery call, a document.write): worth one browser page."""
    lowered = text.lower()
    return "<script" in lowered and any(word in lowered for word in (
        "fetch(", "xmlhttprequest", "$.ajax", "$.get", "$.post", "document.write", ".innerhtml", "location."))


# -- the page, in the browser --------------------------------------------------------------------


async def init_page(page, request) -> None:
    """Before the page loads: keep every document/XHR/fetch response it receives, in the order
    received, each with its body (read as it arrives: a challenge's document is replaced by its
    reload at once; a document as its route fetched it, before Chromium shows it: a PDF's own
    bytes, not its viewer's page); every request it sends goes through the gate
    (crawler.browser_requests)."""
    kept: list[asyncio.Future] = []
    documents: dict[Any, Received] = {}  # a document request -> what its route fetched

    async def read(response) -> Received | None:
        kind = response.request.resource_type
        fetched = documents.pop(response.request, None)
        if fetched is not None:
            return fetched
        try:
            body = await response.body()
        except Exception as error:  # a document replaced by a reload before its body was read
            log.debug("%s: no body kept (%s)", response.url, error)
            body = None
        try:
            headers = tuple((h["name"], h["value"]) for h in await response.headers_array())
        except Exception as error:  # the page went away while its headers were asked for
            log.debug("%s: no headers kept (%s)", response.url, error)
            headers = ()
        return Received(response.url, response.status, headers, body, kind, response.request.method)

    def on_response(response) -> None:
        kind = response.request.resource_type
        if kind in ARCHIVED_TYPES and (kind != "document" or response.frame == page.main_frame):
            kept.append(asyncio.ensure_future(read(response)))

    page.on("response", on_response)
    page.nianbao_kept = kept  # read by `settle`
    gate: BrowserGate | None = request.meta.get(GATE)
    hosts = tuple(request.meta.get("browser_hosts") or (urlsplit(request.url).hostname or "",))

    turns: dict[Any, str] = {}  # a request the page sent -> the host whose turn it holds

    def ended(sent) -> None:
        host = turns.pop(sent, None)
        if host is not None and gate is not None:
            gate.turns.release(host)

    def closed(_page) -> None:  # requests left unanswered give their turns back
        for sent in list(turns):
            ended(sent)

    async def gated(route) -> None:
        # Registered after scrapy-playwright's own handler, so asked first; `fallback` hands the
        # request on to it (its headers), `_decoded_as_its_bytes_say` fetches documents itself.
        sent = route.request
        if not sent.url.startswith(("http://", "https://")):  # Chromium's own (its PDF viewer): no network
            await route.fallback()
            return
        if gate is not None:
            refused = await gate.admit(sent.url, sent.resource_type, hosts, alive=lambda: not page.is_closed())
            if refused is not None:
                with contextlib.suppress(PlaywrightError):  # the page may be gone already
                    await route.abort("blockedbyclient")
                return
            turns[sent] = urlsplit(sent.url).hostname or ""
            if page.is_closed():
                ended(sent)
                return
        try:
            await _decoded_as_its_bytes_say(route, documents)
        except Exception:
            ended(sent)  # it never left
            raise

    page.on("requestfinished", ended)
    page.on("requestfailed", ended)
    page.on("close", closed)
    await page.route("**/*", gated)


_CHARSET = re.compile(r";\s*charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)


async def _decoded_as_its_bytes_say(route, documents: dict[Any, Received] | None = None) -> None:
    """A document whose header names one charset and whose bytes are another (a TRS page in GBK
    sent as UTF-8: bench/crawl.py --browser saw Chromium render it as mojibake, and the browser
    run missed the reports its first list page lists) is handed to the page with the charset
    its bytes show, decided as the parser decides it (`parsing.decode.decode_bytes`); the bytes
    are unchanged, and the response as received is what is archived (`documents`: the request's
    answer as fetched, status, headers and bytes). Other requests go on as they are."""
    request = route.request
    if request.resource_type != "document":
        await route.fallback()
        return
    try:
        fetched = await route.fetch()
        body = await fetched.body()
    except Exception as error:  # the page went away, or the fetch failed: let the browser try itself
        log.debug("%s: not fetched for its charset (%s)", request.url, error)
        await route.fallback()
        return
    if documents is not None:
        documents[request] = Received(request.url, fetched.status,
                                      tuple((h["name"], h["value"]) for h in fetched.headers_array), body,
                                      request.resource_type, request.method)
    headers = dict(fetched.headers)
    content_type = headers.get("content-type", "")
    declared = _CHARSET.search(content_type)
    if content_type.lower().startswith("text/html") and body:
        _, encoding = decode_bytes(body, content_type)
        if encoding and (declared is None or declared[1].lower() != encoding.lower()):
            headers["content-type"] = f"text/html; charset={encoding.replace('-sig', '')}"
    await route.fulfill(response=fetched, headers=headers, body=body)


async def settle(page, timeout: float) -> Visit:
    """Let the page's scripts run (a challenge's reload, a redirect, a list fetched by script)
    until no navigation follows the network going idle, at most `timeout` seconds; what the
    browser saw."""

    deadline = time.monotonic() + timeout
    visit = Visit()
    documents = -1
    while True:
        remaining_ms = max(1.0, (deadline - time.monotonic()) * 1000)
        try:
            await page.wait_for_load_state("load", timeout=remaining_ms)
            await page.wait_for_load_state("networkidle", timeout=max(1.0, (deadline - time.monotonic()) * 1000))
            await page.wait_for_timeout(QUIET_MS)
        except PlaywrightError:
            if time.monotonic() >= deadline:
                visit.timed_out = True
                break
        seen = len(page.nianbao_kept)
        if seen == documents or time.monotonic() >= deadline:
            visit.timed_out = time.monotonic() >= deadline and seen != documents
            break
        documents = seen
    received = await asyncio.gather(*page.nianbao_kept, return_exceptions=True)
    visit.received = [r for r in received if isinstance(r, Received)]
    visit.url = page.url
    for _attempt in range(3):
        try:
            visit.dom = await page.content()
            visit.title = await page.title()
            break
        except PlaywrightError:  # still navigating
            await page.wait_for_timeout(QUIET_MS)
    visit.text = " ".join(visible_text(visit.dom).split())[:300]
    visit.cookies = await page.context.cookies()
    visit.user_agent = await page.evaluate("navigator.userAgent")
    return visit


async def abort_request(request) -> bool:
    """Not fetched by the browser: what a list is never built from (images, media, fonts, styles).
    The route handler of `init_page` decides first (crawler.browser_requests); this is
    scrapy-playwright's own check behind it."""
    return request.resource_type not in FETCHED_TYPES


# -- in the spider -------------------------------------------------------------------------------


class BrowserBudget:
    """The caps on browser pages, per agency and per crawl."""

    def __init__(self, settings) -> None:
        self.enabled = settings.getbool("NIANBAO_BROWSER", True)
        self.per_agency = settings.getint("NIANBAO_BROWSER_PAGES_PER_AGENCY", 20)
        self.per_crawl = settings.getint("NIANBAO_BROWSER_PAGES_PER_CRAWL", 200)
        self.timeout = settings.getfloat("NIANBAO_BROWSER_PAGE_TIMEOUT", 30.0)
        self.user_agent = settings.get("USER_AGENT")
        self.used: dict[str, int] = {}

    def take(self, agency: str) -> str | None:
        """One browser page for `agency`, or why none is left."""
        if not self.enabled:
            return "the browser path is off (NIANBAO_BROWSER)"
        if sum(self.used.values()) >= self.per_crawl:
            return f"the crawl's {self.per_crawl} browser pages are used up"
        if self.used.get(agency, 0) >= self.per_agency:
            return f"the agency's {self.per_agency} browser pages are used up"
        self.used[agency] = self.used.get(agency, 0) + 1
        return None

    def meta(self, hosts: tuple[str, ...] = ()) -> dict[str, Any]:
        """The request meta that sends a request through the browser; `hosts`: the agency's,
        the only ones the page may fetch from (default: the request's own)."""
        return {
            "browser_hosts": list(hosts),
            "playwright": True,
            "playwright_context": CONTEXT,
            "playwright_context_kwargs": {"user_agent": self.user_agent, "viewport": VIEWPORT, "locale": "zh-CN"},
            "playwright_page_init_callback": "crawler.browser.init_page",
            # Return at commit: a challenge page reloads before its load event.
            "playwright_page_goto_kwargs": {"wait_until": "commit", "timeout": self.timeout * 1000},
            "playwright_page_methods": [PageMethod(settle, self.timeout)],
            "download_timeout": self.timeout + 10,
            "dont_cache": True,  # what the browser saw is not the plain path's cache entry
            "browser": True,
        }


def visit_of(response) -> Visit | None:
    """The browser's visit behind a response, None for a plain one."""
    if not response.meta.get("browser"):
        return None
    methods = response.meta.get("playwright_page_methods") or ()
    return next((m.result for m in methods if isinstance(getattr(m, "result", None), Visit)), None)


def viewport_text() -> str:
    return f"{VIEWPORT['width']}x{VIEWPORT['height']}"


def visit_captures(visit: Visit, agency: str, role: CaptureRole, at: dt.datetime) -> list[dict]:
    """The captures of a visit, as the archive pipeline takes them: every response kept (source
    ``browser``; the last document keeps `role`, XHR/fetch answers and earlier documents are list
    material) and the rendered DOM (role ``rendered``). Captured at `at`, a microsecond apart in
    the order received (two answers of one URL, a challenge and its reload, are two captures)."""
    items: list[dict] = []
    document = visit.document
    moments = (at + dt.timedelta(microseconds=i) for i in range(len(visit.received) + 1))
    document_at: dt.datetime | None = None
    for received, moment in zip(visit.received, moments):
        if received.body is None:
            # Its bytes were never read: no capture claims a payload it does not hold (an empty
            # body beside the plain path's capture of the same challenge was a second, false
            # original of that URL: tests/distributed/test_workers.py).
            log.info("%s: HTTP %s seen by the browser, replaced before its body was read: not archived",
                     received.url, received.status)
            continue
        content_type = next((v for k, v in received.headers if k.lower() == "content-type"), None)
        is_document = received is document
        if is_document:
            document_at = moment
        items.append({
            "agency": agency, "role": role if is_document else CaptureRole.LIST, "url": received.url,
            "final_url": None, "status": received.status, "headers": list(received.headers),
            "body": received.body, "captured_at": moment, "content_type": content_type, "source": "browser",
        })
    from storage.warc.conventions import warc_date

    if document is not None and document.body is not None and sniff_html(document.body) is False:
        # A PDF or other file Chromium showed in a viewer: the viewer's page is no rendering of it.
        return items
    rendered_from = f"{document.url} {warc_date(document_at)}" if document is not None and document_at else ""
    fields = [("X-Nianbao-Via", "browser"), ("X-Nianbao-User-Agent", visit.user_agent),
              ("X-Nianbao-Viewport", viewport_text())]
    if rendered_from:
        fields.append(("X-Nianbao-Rendered-From", rendered_from))
    items.append({
        "agency": agency, "role": CaptureRole.RENDERED, "url": visit.url, "final_url": None, "status": None,
        "headers": fields, "body": visit.dom.encode("utf-8"), "captured_at": at + dt.timedelta(microseconds=len(visit.received)),
        "content_type": "text/html; charset=utf-8", "source": "browser",
    })
    return items


def sniff_html(body: bytes) -> bool | None:
    """Whether a payload is a page (HTML or text) by its bytes, as the parser decides; False for
    a document file (PDF, DOC, DOCX, ...), None when it is neither."""
    from parsing.errors import UnsupportedInputError
    from parsing.sniff import sniff

    try:
        return sniff(body) in ("html", "text")
    except UnsupportedInputError:
        return None


def body_text(received: Received) -> str:
    content_type = next((v for k, v in received.headers if k.lower() == "content-type"), "")
    return decode_bytes(received.body or b"", content_type)[0]


# -- the download handler ------------------------------------------------------------------------


def launch_options(options: dict[str, Any], shell: str = HEADLESS_SHELL) -> dict[str, Any]:
    """PLAYWRIGHT_LAUNCH_OPTIONS as launched: a headless run of Debian's chromium goes to its
    headless shell when that is installed (the same rendering, less than half the CPU)."""
    if options.get("executable_path") == CHROMIUM and options.get("headless", True) and os.path.exists(shell):
        return dict(options, executable_path=shell)
    return options


class BrowserDownloadHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler, started on the first request that needs the browser instead of
    at engine start: plain requests go through Scrapy's HTTP/1.1 handler as before, and a crawl
    that never needs the browser starts neither Playwright nor Chromium."""

    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        for receiver in (getattr(self, "_maybe_launch_in_thread", None), getattr(self, "_engine_started", None)):
            if receiver is not None:
                crawler.signals.disconnect(receiver, signals.engine_started)
        self._started = False
        self._start_lock = asyncio.Lock()
        self.gate = BrowserGate(crawler)
        self.config.launch_options = launch_options(self.config.launch_options)

    async def download_request(self, request, *args, **kwargs):
        if request.meta.get("playwright"):
            return await super().download_request(request, *args, **kwargs)
        # A plain request: in a distributed crawl it leaves only once the host's delay has passed
        # since any worker's last request there, and no browser request holds the host
        # (crawler.pacing: its turn was an appointment); the browser's next request to its host
        # waits its delay after it.
        shared = self.gate.turns.shared
        if shared is not None:
            await shared.go(urlsplit(request.url).hostname or "")
        self.gate.turns.plain_sent(request)
        try:
            return await super().download_request(request, *args, **kwargs)
        finally:
            self.gate.turns.plain_sent(request)

    async def _download_request(self, request, spider=None):
        if not self._started:
            async with self._start_lock:
                if not self._started:
                    await self._launch()
                    self._started = True
                    log.info("%s (%s, one per process)", STARTED_LOG,
                             self.config.launch_options.get("executable_path", CHROMIUM))
                    self.stats.inc_value("nianbao/browser/started")
        self.stats.inc_value("nianbao/browser/pages")
        request.meta[GATE] = self.gate  # for init_page; taken out before anything else sees the meta
        try:
            return await super()._download_request(request, spider)
        finally:
            request.meta.pop(GATE, None)

