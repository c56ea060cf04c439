"""Scrapy settings for nianbao's crawler.

Politeness is Scrapy's own machinery (robots.txt, AutoThrottle, per-host concurrency, retries,
DOWNLOAD_MAXSIZE); see ../shared/design/architecture.md. Values here are the defaults a
registry entry may override per agency.
"""

BOT_NAME = "nianbao"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = "nianbao/0.1 (archive of government information-disclosure annual reports)"
ROBOTSTXT_OBEY = True

CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1.0
# A host's delay is a floor, not an average: Scrapy's default jitter (±50%) sent two requests half
# the registry's crawl_delay apart (tests/crawler/test_browser_politeness.py measures the gaps).
DOWNLOAD_DELAY_JITTER = 0.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

RETRY_ENABLED = True
RETRY_TIMES = 3
DOWNLOAD_TIMEOUT = 60
# Reports are rarely above a few MB; scanned PDFs can reach tens of MB.
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"

ITEM_PIPELINES = {"crawler.pipelines.ArchivePipeline": 300}
EXTENSIONS = {"crawler.progress.Progress": 500}
# Scrapy starts CONCURRENT_ITEMS asyncio tasks for every response's output (default 100), however
# little it yields: a response of this spider yields one capture and a few requests, and those
# 100 tasks were ~10% of a crawl's CPU (bench/crawl profile). A browser visit's captures (its
# document and what it loaded) are the most one response yields; 8 at a time still overlap
# their wait for the group commit.
CONCURRENT_ITEMS = 8
# No telnet console: nobody attaches to a crawl, and it is a listening port.
TELNETCONSOLE_ENABLED = False

# Incremental recrawls: Scrapy's HTTP cache with the RFC 2616 policy revalidates with
# If-None-Match / If-Modified-Since and takes a 304 as "unchanged" (nothing fetched twice).
HTTPCACHE_ENABLED = True
# max-age=0 makes every cached page stale, so each crawl revalidates with the server (a 304
# costs no body) instead of trusting a heuristic freshness and missing an edited report.
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9",
    "Cache-Control": "max-age=0",
}
HTTPCACHE_POLICY = "scrapy.extensions.httpcache.RFC2616Policy"
HTTPCACHE_STORAGE = "crawler.httpcache.AtomicFilesystemCacheStorage"  # crash-safe entries
HTTPCACHE_IGNORE_HTTP_CODES = [503, 504, 500, 502, 408, 429]
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
LOG_LEVEL = "INFO"

# The clock captures and crawl runs are stamped with (crawler/clock.py): a Clock or its import path.
NIANBAO_CLOCK = "storage.clock.system_clock"

# The browser path (crawler/browser.py): pages only a browser can read, through scrapy-playwright and
# Debian's Chromium (never a downloaded browser). Its handler passes plain requests to Scrapy's own
# and starts the browser only on the first page that needs it. Needs the asyncio reactor (above).
DOWNLOAD_HANDLERS = {"http": "crawler.browser.BrowserDownloadHandler",
                     "https": "crawler.browser.BrowserDownloadHandler"}
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = {"executable_path": "/usr/bin/chromium", "headless": True,
                             "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                      "--disable-background-networking", "--disable-component-update",
                                      "--disable-sync", "--no-first-run"]}
PLAYWRIGHT_MAX_CONTEXTS = 1  # one browser, one context per process
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 2
PLAYWRIGHT_ABORT_REQUEST = "crawler.browser.abort_request"  # no images, media, fonts, styles
NIANBAO_BROWSER = True  # False: no page is ever rendered (walls stay blocked, scripts script_only)
NIANBAO_BROWSER_PAGES_PER_AGENCY = 20
NIANBAO_BROWSER_PAGES_PER_CRAWL = 200
NIANBAO_BROWSER_PAGE_TIMEOUT = 30.0  # seconds for a page to settle (challenge reloads, scripts)
