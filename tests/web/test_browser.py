"""The web UI in headless Chromium (Debian's /usr/bin/chromium driven by Playwright), against a real
`nianbao serve` subprocess on 127.0.0.1: search, open a report, see a failed check highlighted,
download CSV, open a version diff, and a captured page whose markup and text carry script that
must run nowhere: not on the report page, not on the archived copy; a GBK page sent as UTF-8 replayed
legibly with its links dead, a PDF shown inline beside its form.

No browser is ever downloaded (`playwright install` is never run): scripts/setup.sh installs
Debian's chromium, and the tests fail, not skip, without it.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import Archive

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
SERVE_STARTUP_SECONDS = 30


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, build_web_archive, write_web_registry) -> Iterator[tuple]:
    """`nianbao serve --port 0` over a freshly built archive; yields (base URL, what was built)."""
    data = tmp_path_factory.mktemp("browser-data")
    archive = Archive.open(data)  # the default SQLite database under the data folder, as serve opens it
    try:
        built = build_web_archive(archive)
    finally:
        archive.close()
    registry = write_web_registry(data)
    env = dict(os.environ, NIANBAO_DATA=str(data))
    env.pop("NIANBAO_DATABASE_URL", None)
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "nianbao"), "serve", "--host", "127.0.0.1", "--port", "0", "--config", str(registry)],
        env=env, stderr=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2])
    try:
        base = _wait_for_address(server)
        yield base, built
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_for_address(server: subprocess.Popen) -> str:
    deadline = time.monotonic() + SERVE_STARTUP_SECONDS
    lines = []
    while time.monotonic() < deadline:
        line = server.stderr.readline()
        if not line:
            raise RuntimeError(f"nianbao serve exited ({server.poll()}) before listening: {''.join(lines)}")
        lines.append(line)
        match = re.search(r"serving on (http://127\.0\.0\.1:\d+/)", line)
        if match:
            base = match.group(1)
            urllib.request.urlopen(base + "api", timeout=10).read()
            return base
    raise RuntimeError(f"nianbao serve did not say where it listens within {SERVE_STARTUP_SECONDS}s: {''.join(lines)}")


@pytest.fixture(scope="module")
def browser_context():
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/setup.sh installs Debian's chromium", pytrace=False)
    with tempfile.TemporaryDirectory(prefix="nianbao-chromium-") as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS, accept_downloads=True,
            locale="en-US")  # Accept-Language: the tests read the English interface (nianbao.web.i18n)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser_context):
    opened = browser_context.new_page()
    try:
        yield opened
    finally:
        opened.close()


def test_search_and_open_a_report(served, page, web_agencies):
    base, built = served
    page.goto(base)
    page.fill("input[name=q]", "林业")
    page.click("button[type=submit]")
    assert page.text_content("#total") == "1"
    assert page.locator("li.hit mark").first.text_content() == "林业"
    assert "q=%E6%9E%97%E4%B8%9A" in page.url  # the URL is the query: a permalink
    page.click("li.hit a.title")
    assert page.url == f"{base}reports/{built.hostile}"
    assert page.locator("h1").text_content() == f"{web_agencies.hostile}2021年政府信息公开工作年度报告"
    assert page.locator("#table-applications td[data-path='applications.total_processed.total']").count() == 1


def test_failed_check_is_highlighted(served, page):
    base, built = served
    page.goto(f"{base}?check=failed")
    page.click(f"li.hit a.title[href='/reports/{built.failed}']")
    cell = page.locator("td[data-path='review_litigation.review.total']")
    assert "failed" in cell.get_attribute("class")
    # The stylesheet is loaded under the page's CSP and paints the cell: not just a class name.
    highlighted = cell.evaluate("e => getComputedStyle(e).backgroundColor")
    plain = page.locator("td[data-path='applications.carried_over.total']").evaluate(
        "e => getComputedStyle(e).backgroundColor")
    assert highlighted == "rgb(253, 231, 229)" and plain != highlighted
    assert page.locator("section.checks li.failed").count() == 2


def test_download_csv(served, page):
    base, _ = served
    page.goto(f"{base}?q=政府&per_page=2")
    with page.expect_download() as info:
        page.click("#download-csv")
    download = info.value
    assert download.suggested_filename == "nianbao-search.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    assert len(rows) == 7  # every page, not just the two hits shown
    assert {row["year"] for row in rows} >= {"2019", "2020", "2021", "2022"}


def test_open_a_version_diff(served, page):
    base, built = served
    page.goto(f"{base}reports/{built.edited}")
    assert page.locator("#versions tbody tr").count() == 2
    page.click("#compare")
    assert page.url.startswith(f"{base}reports/{built.edited}/diff?")
    assert page.locator("#changed-cells tr[data-path='applications.granted.natural_person']").count() == 1
    assert page.locator("#changed-text ins").first.text_content() == "，全年未发生泄密事件"


def _watch(page) -> list[str]:
    """Requests to /pwned: what the hostile page's script and onerror would call."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url) if "/pwned" in request.url else None)
    return seen


def _ran(page) -> dict:
    return page.evaluate("() => ({pwned: window.pwned === undefined ? null : String(window.pwned), title: document.title})")


def test_the_detector_sees_the_hostile_page_run_when_nothing_stops_it(served, page):
    """Control: the same captured bytes in a page with no CSP run their script and onerror, so the
    checks below would notice if the UI let them run."""
    base, built = served
    body = urllib.request.urlopen(f"{base}captures/{built.hostile_capture}/raw").read().decode("utf-8")
    # Served at a same-origin URL by the browser itself, without the archive's headers.
    page.route(f"{base}control", lambda route: route.fulfill(body=body, content_type="text/html; charset=utf-8"))
    seen = _watch(page)
    page.goto(f"{base}control")
    page.wait_for_timeout(300)
    assert _ran(page)["pwned"] in ("script", "img") and _ran(page)["title"] == "PWNED"
    assert seen


def test_captured_script_runs_nowhere(served, page, web_agencies):
    base, built = served
    seen = _watch(page)
    page.goto(f"{base}reports/{built.hostile}")
    page.wait_for_timeout(300)
    assert _ran(page)["pwned"] is None and _ran(page)["title"] != "PWNED"
    # The report's own text shows the markup it holds, as text.
    assert "<script>window.pwned='text'</script>" in page.text_content("#section-other")
    assert page.locator("main script, main img").count() == 0

    page.goto(f"{base}captures/{built.hostile_capture}/raw")  # the archived copy, exactly as captured
    page.wait_for_timeout(300)
    assert page.locator("h1").first.text_content() == f"{web_agencies.hostile}2021年政府信息公开工作年度报告"
    assert _ran(page)["pwned"] is None and _ran(page)["title"] != "PWNED"
    assert seen == []


def test_usable_on_a_phone(served, browser_context):
    base, built = served
    phone = browser_context.new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    try:
        for path in (f"reports/{built.edited}", "?q=政府"):
            phone.goto(base + path)
            # Wide tables scroll inside their own box; the page itself never scrolls sideways.
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.goto(f"{base}reports/{built.edited}")
        box = phone.locator("#table-applications")
        assert box.evaluate("e => e.scrollWidth > e.clientWidth")  # the form is wider than a phone: it scrolls
    finally:
        phone.close()


@pytest.fixture(scope="module")
def served_gbk(tmp_path_factory: pytest.TempPathFactory, gbk_page) -> Iterator[tuple]:
    """The web app over an archive holding only a GBK page sent as UTF-8, served in-process
    (werkzeug's threaded server: a second `nianbao serve` would add seconds for nothing here)."""
    import threading

    from werkzeug.serving import make_server

    from nianbao.web.app import create_app

    data = tmp_path_factory.mktemp("browser-gbk")
    archive = Archive.open(data, f"sqlite:///{data / 'nianbao.sqlite3'}")
    result = archive.ingest(gbk_page.capture())
    server = make_server("127.0.0.1", 0, create_app(archive), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/", result
    finally:
        server.shutdown()
        thread.join(timeout=10)
        archive.close()


def test_gbk_capture_sent_as_utf8_is_replayed_legibly(served_gbk, page, gbk_page):
    base, result = served_gbk
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{base}captures/{result.capture_id}")
    frame = page.frame_locator(f"iframe#source-{result.capture_id}")
    assert frame.locator("h1").first.text_content() == gbk_page.title
    link = frame.locator("a#portal")
    assert link.text_content() == "返回首页" and link.get_attribute("href") is None
    link.click()  # nothing to follow: the frame stays on the archived copy, nothing asks the portal
    page.wait_for_timeout(200)
    assert frame.locator("h1").first.text_content() == gbk_page.title
    assert [url for url in requests if not url.startswith(base)] == []


def test_pdf_capture_is_shown_inline_beside_the_form(served, page):
    base, built = served
    page.goto(f"{base}reports/{built.pdf}")
    page.locator("#source iframe").scroll_into_view_if_needed()  # the frame loads lazily
    # Chromium's PDF viewer opens inside the frame (in an <iframe sandbox>, or as an attachment,
    # the frame would hold an error page or nothing).
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not any(f.url.startswith("chrome-extension://") for f in page.frames):
        page.wait_for_timeout(100)
    assert any(f.url.startswith("chrome-extension://") for f in page.frames)
    assert any(f.url == f"{base}captures/{built.pdf_capture}/view" for f in page.frames)
    assert page.locator("td[data-path='applications.total_processed.total']").count() == 1  # the form beside it


def test_numbers_page_charts_what_it_lists_and_downloads_it(served, page):
    base, _ = served
    page.goto(f"{base}numbers")
    page.select_option("#field-select", "rate:refused")
    page.click("#numbers-form button[type=submit]")
    assert "field=rate%3Arefused" in page.url  # the URL is the state
    chart = page.locator("svg#numbers-chart")
    assert chart.is_visible() and chart.bounding_box()["width"] > 300
    cells = page.locator("#numbers-table tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.querySelectorAll('td[data-column]')].map(td => td.textContent.trim()))")
    marks = chart.locator("g.mark")
    assert marks.count() == len(cells) >= 2
    # The stylesheet paints the bars under the CSP: a bar has a fill and a width on screen.
    bar = marks.first.locator("rect")
    assert bar.evaluate("e => getComputedStyle(e).fill") == "rgb(61, 111, 182)" and bar.bounding_box()["width"] > 0
    with page.expect_download() as info:
        page.click("#download-csv")
    text = Path(info.value.path()).read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(text[1:])))
    assert [row[:-1] for row in rows] == [["" if c == "—" else c for c in row] for row in cells]


# The monitoring pages judge as of a fixed day (their as_of parameter), not the server's clock:
# the web archive's reports were captured in 2022, so 2019 and 2020 are due and missing.
AS_OF = "2022-06-01"


def test_agency_grid_shows_a_missing_year(served, page, web_agencies):
    base, built = served
    page.goto(f"{base}agencies/{web_agencies.edited}?as_of={AS_OF}")
    grid = page.locator("table#status-grid")
    assert grid.is_visible()
    assert grid.locator("thead th[scope=col]").all_text_contents() == ["2019", "2020", "2021"]
    missing = grid.locator("td[data-year='2020']")
    assert "status-missing" in missing.get_attribute("class") and missing.text_content().strip() == "missing"
    # The stylesheet marks it under the CSP: a missing year is painted apart from a year on time.
    on_time = grid.locator("td[data-year='2021']")
    background = "e => getComputedStyle(e).backgroundColor"
    assert missing.evaluate(background) != on_time.evaluate(background)
    assert on_time.locator("a").get_attribute("href") == f"/reports/{built.edited}"
    missing.locator("a").click()  # a missing year has no report (nor a captured column): its link is the year's monitor page
    assert page.url == f"{base}monitor/2020?as_of={AS_OF}"
    row = page.locator("#statuses tbody tr", has=page.get_by_role("link", name=web_agencies.edited, exact=True))
    assert row.locator("td.now").text_content() == "missing"  # the grid's cell of the page's year


def test_monitor_grid_shows_a_missing_year_and_filters_by_status(served, page, web_agencies):
    base, built = served
    page.goto(f"{base}monitor/2021?as_of={AS_OF}")
    grid = page.locator("table#monitor-grid")
    assert grid.is_visible()
    assert grid.locator("thead th[scope=col]").all_text_contents() == ["2019", "2020", "2021"]  # every year due
    row = grid.locator("tbody tr", has=page.get_by_role("link", name=web_agencies.edited, exact=True))
    missing, reported = row.locator("td[data-year='2020']"), row.locator("td[data-year='2021']")
    assert "status-missing" in missing.get_attribute("class") and missing.text_content() == "missing"
    background = "e => getComputedStyle(e).backgroundColor"
    assert missing.evaluate(background) != reported.evaluate(background)  # painted apart under the CSP
    assert "now" in reported.get_attribute("class")  # the year the page is about
    assert reported.locator("a").get_attribute("href") == f"/reports/{built.edited}"
    # Who is missing 2020: the 2020 page, filtered by that year's status.
    missing.locator("a").click()
    assert page.url == f"{base}monitor/2020?as_of={AS_OF}"
    page.select_option("#status-select", "missing")
    page.click("form.inline button[type=submit]")
    assert "status=missing" in page.url and "as_of=2022-06-01" in page.url
    rows = page.locator("#monitor-grid tbody tr")
    shown = rows.locator("th[scope=row]").all_text_contents()
    api = [a["agency"] for a in page.request.get(f"{base}api/monitor/2020?as_of={AS_OF}").json()["agencies"]
           if a["status"] == "missing"]
    assert web_agencies.edited in shown and shown == api
    assert rows.locator("td.now").all_text_contents() == ["missing"] * len(shown)


def test_a_changed_findings_link_reaches_its_diff(served, page, web_agencies):
    base, built = served
    page.goto(f"{base}monitor/2021?as_of={AS_OF}")
    finding = page.locator("#findings tr.finding-changed")
    assert finding.count() == 1 and finding.locator("td").first.text_content() == web_agencies.edited
    finding.locator("a.evidence").click()
    first, second = built.edited_versions
    assert page.url == f"{base}reports/{built.edited}/diff?a={first}&b={second}"
    assert page.locator("#changed-cells tr[data-path='applications.granted.natural_person']").count() == 1
    assert page.locator("#changed-text ins").first.text_content() == "，全年未发生泄密事件"


def test_interface_language_switch(served, browser_context, page):
    """A Chinese browser gets the Chinese interface; the switch link shows the same search in
    English, and the choice holds on the next page although the browser still asks for Chinese."""
    base, built = served
    # the context's locale (en-US) sets Accept-Language over extra headers: each request is rewritten
    page.route("**/*", lambda route: route.continue_(
        headers={**route.request.headers, "accept-language": "zh-CN,zh;q=0.9"}))
    try:
        page.goto(base + "?q=政府&format=2019")
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        assert page.locator("header.site nav a").first.text_content() == "检索"
        total = page.text_content("#total")
        page.click("#language-switch a[data-lang=en]")
        assert page.locator("html").get_attribute("lang") == "en"
        assert "q=%E6%94%BF%E5%BA%9C" in page.url and "format=2019" in page.url and "lang=en" in page.url
        assert page.text_content("#total") == total and page.locator("header.site nav a").first.text_content() == "Search"
        page.click("li.hit a.title")
        assert "lang=" not in page.url  # permalinks carry no language: the cookie remembers it
        assert page.locator("html").get_attribute("lang") == "en"
        assert "申请人情况" in page.text_content("#table-applications")  # the form's own words, in Chinese
    finally:
        browser_context.clear_cookies()
