"""The browser path (issue 15) against the dev portal's browser cases (nianbao.devportal.browser_cases),
in Debian's real Chromium on loopback: the challenged, script-built and shell columns are read
completely and their reports archived, the slider wall stays blocked and says what the browser saw,
what the browser received and rendered is archived as seen; a crawl of plain sites starts no browser.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.browser import CHROMIUM as CHROMIUM_PATH, HEADLESS_SHELL, STARTED_LOG, launch_options
from crawler.registry import RegistryError, load_text
from nianbao.devportal.browser_cases import browser_expected, browser_sites
from nianbao.devportal.crawl_process import archived_records, run_crawl
from nianbao.devportal.server import Portal
from nianbao.devportal.sites import new_sites, registry_toml
from storage import Archive
from storage.models import Agency, Capture, CrawlRun

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser_crawl(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/setup.sh installs Debian's chromium", pytrace=False)
    root = tmp_path_factory.mktemp("browser-crawl")
    with Portal(sites=browser_sites()) as portal:
        registry = root / "registry.toml"
        registry.write_text(portal.registry_toml(), encoding="utf-8")
        done = run_crawl(registry, root / "data", timeout=120)
        yield {"portal": portal, "data": root / "data", "done": done,
               "expected": browser_expected(portal.sites, portal.port), "hits": list(portal.requests.hits)}


def _runs(data: Path) -> dict[str, CrawlRun]:
    archive = Archive.open(data)
    try:
        with archive.session() as session:
            rows = session.execute(select(Agency.name, CrawlRun).join(CrawlRun, CrawlRun.agency_id == Agency.id)).all()
            session.expunge_all()
            return {name: run for name, run in rows}
    finally:
        archive.close()


def _captures(data: Path) -> list[Capture]:
    archive = Archive.open(data)
    try:
        with archive.session() as session:
            captures = list(session.scalars(select(Capture).order_by(Capture.captured_at)))
            session.expunge_all()
            return captures
    finally:
        archive.close()


def test_browser_crawl_archives_every_report_behind_challenges_and_scripts(browser_crawl) -> None:
    archived = archived_records(browser_crawl["data"])
    wanted = set().union(*(e.reports for e in browser_crawl["expected"].values()))
    assert len(wanted) == 6
    assert set(archived) == wanted, browser_crawl["done"].stdout
    for url, record in archived.items():
        assert str(record["year"]) in record["title"], url


def test_browser_crawl_outcomes_say_reached_browser_or_which_wall(browser_crawl) -> None:
    runs = _runs(browser_crawl["data"])
    for name, expected in browser_crawl["expected"].items():
        assert runs[name].outcome == expected.outcome, (name, runs[name].errors)
    walled = runs["云溪市卫生健康委员会"]
    said = " ".join(walled.errors)
    assert "HTTP 412" in said and "could not pass" in said and "安全验证" in said  # which wall, what it saw
    assert browser_crawl["done"].returncode == 3  # one agency still walled: the crawl says so


def test_report_pages_behind_the_challenge_are_fetched_plainly_with_the_browsers_cookie(browser_crawl) -> None:
    host = browser_crawl["portal"].host("challenge")
    reports = [c for c in _captures(browser_crawl["data"])
               if host in c.url and c.role in ("report", "attachment")]
    assert len(reports) == 3  # two report pages and the PDF one links
    assert all(c.status == 200 and c.source == "crawl" for c in reports)


def test_what_the_browser_received_and_rendered_is_archived_as_seen(browser_crawl) -> None:
    portal = browser_crawl["portal"]
    captures = _captures(browser_crawl["data"])
    challenge = [c for c in captures if c.url == portal.url("challenge") and c.source == "browser"]
    assert [c.status for c in challenge] == [412, 200, None]  # the challenge, its reload, the DOM
    xhr = [c for c in captures if c.source == "browser" and "/api/ndbg" in c.url]
    assert len(xhr) == 2 and all(c.content_type.startswith("application/json") for c in xhr)
    rendered = [c for c in captures if c.role == "rendered"]
    assert len(rendered) == 5  # challenge, 2 script-built pages, the shell's target, the wall
    by_time = {(c.url, c.captured_at.isoformat()) for c in captures}
    for capture in rendered:
        fields = dict(capture.headers)
        assert fields["X-Nianbao-Via"] == "browser" and fields["X-Nianbao-Viewport"] == "1280x800"
        assert fields["X-Nianbao-User-Agent"].startswith("nianbao/")  # no stealth: it names itself
        url, _, when = fields["X-Nianbao-Rendered-From"].partition(" ")
        assert any(u == url and t.startswith(when.rstrip("Z")[:19]) for u, t in by_time)
    shell_dom = next(c for c in rendered if c.url == portal.url("shell", "/zwgk/nb/list_1.html"))
    assert shell_dom.status is None and shell_dom.size > 0


def test_the_browser_starts_once_per_crawl(browser_crawl) -> None:
    log = (browser_crawl["data"] / "crawl.log").read_text(encoding="utf-8")
    assert log.count(STARTED_LOG) == 1
    # Every browser case above was read by the headless shell (scripts/setup.sh installs it).
    if not Path(HEADLESS_SHELL).exists():
        pytest.fail(f"{HEADLESS_SHELL} is missing: scripts/setup.sh installs chromium-headless-shell", pytrace=False)
    assert f"{STARTED_LOG} ({HEADLESS_SHELL}, one per process)" in log


def test_a_headless_run_of_chromium_goes_to_its_headless_shell(tmp_path) -> None:
    shell = tmp_path / "chromium-headless-shell"
    configured = {"executable_path": CHROMIUM_PATH, "headless": True, "args": ["--no-sandbox"]}
    assert launch_options(configured, str(tmp_path / "absent")) is configured  # not installed: as configured
    shell.write_text("")
    assert launch_options(configured, str(shell)) == dict(configured, executable_path=str(shell))
    assert configured["executable_path"] == CHROMIUM_PATH  # the settings' dict is not changed
    # A headed run, or another browser named by the settings, is left as configured.
    assert launch_options(dict(configured, headless=False), str(shell))["executable_path"] == CHROMIUM_PATH
    assert launch_options(dict(configured, executable_path="/opt/chrome"), str(shell))["executable_path"] == "/opt/chrome"


def test_a_crawl_of_plain_sites_starts_no_browser(tmp_path) -> None:
    sites = {key: site for key, site in new_sites().items() if key in ("static", "trs", "mirror")}
    with Portal(sites=sites) as portal:
        registry = tmp_path / "registry.toml"
        registry.write_text(registry_toml(portal.port, sites=portal.sites), encoding="utf-8")
        done = run_crawl(registry, tmp_path / "data", timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert {run.outcome for run in _runs(tmp_path / "data").values()} == {"reached"}
    log = (tmp_path / "data" / "crawl.log").read_text(encoding="utf-8")
    assert STARTED_LOG not in log and "Starting download handler" not in log
    assert not [c for c in _captures(tmp_path / "data") if c.source == "browser"]


def test_registry_browser_key_is_a_boolean() -> None:
    entry = '[[agency]]\nname = "某局"\nregion = "某省/某市"\nkind = "department"\nlist_urls = ["http://127.0.0.9/"]\n'
    assert load_text(entry + "browser = true\n", "t.toml")[0].browser is True
    assert load_text(entry, "t.toml")[0].browser is False
    with pytest.raises(RegistryError, match="'browser' must be true or false"):
        load_text(entry + 'browser = "yes"\n', "t.toml")


def test_registry_browser_true_sends_the_first_list_page_through_the_browser() -> None:
    import asyncio

    from crawler.spiders.reports import ReportsSpider

    entry = ('[[agency]]\nname = "某局"\nregion = "某省/某市"\nkind = "department"\n'
             'list_urls = ["http://127.0.0.9/nb/"]\nbrowser = true\n'
             '[[agency]]\nname = "某厅"\nregion = "某省"\nkind = "department"\nlist_urls = ["http://127.0.0.8/nb/"]\n')
    spider = ReportsSpider(agencies=load_text(entry, "t.toml"))

    async def collect():
        return [r async for r in spider.start()]

    requests = {r.url: r for r in asyncio.run(collect())}
    assert requests["http://127.0.0.9/nb/"].meta.get("playwright") is True
    assert not requests["http://127.0.0.8/nb/"].meta.get("playwright")


def test_the_warc_export_links_each_rendered_dom_to_its_response_and_passes_warcio_check(browser_crawl,
                                                                                        tmp_path) -> None:
    import subprocess
    import sys

    from warcio.archiveiterator import ArchiveIterator

    from storage.warc import export_warc

    archive = Archive.open(browser_crawl["data"])
    try:
        export_warc(archive, tmp_path / "crawl.warc.gz")
    finally:
        archive.close()
    checked = subprocess.run([str(Path(sys.executable).with_name("warcio")), "check", "-v", str(tmp_path / "crawl.warc.gz")],
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    ids, conversions = {}, []
    with open(tmp_path / "crawl.warc.gz", "rb") as stream:
        for record in ArchiveIterator(stream):
            ids[record.rec_headers.get_header("WARC-Record-ID")] = record.rec_type
            if record.rec_type == "conversion":
                conversions.append(record.rec_headers)
    assert len(conversions) == 5
    for headers in conversions:
        assert headers.get_header("X-Nianbao-Via") == "browser"
        assert ids[headers.get_header("WARC-Refers-To")] in ("response", "revisit")


def test_a_page_whose_header_names_the_wrong_charset_is_read_right_in_the_browser(tmp_path) -> None:
    """The dev portal's TRS column is GBK sent as UTF-8: the browser is handed the charset its
    bytes show (as the parser decides it), so its list reads as the plain path reads it."""
    sites = {key: site for key, site in new_sites().items() if key in ("trs", "mirror")}
    sites["trs"].registry["browser"] = True
    with Portal(sites=sites) as portal:
        registry = tmp_path / "registry.toml"
        registry.write_text(registry_toml(portal.port, sites=portal.sites), encoding="utf-8")
        done = run_crawl(registry, tmp_path / "data", timeout=120)
        wanted = {url for url in portal.report_urls() if portal.host("trs") in url}
    assert done.returncode == 0, done.stdout + done.stderr
    assert wanted and wanted <= set(archived_records(tmp_path / "data")), done.stdout
    assert {run.outcome for run in _runs(tmp_path / "data").values()} == {"reached (browser)"}


def _conversions(path: Path) -> dict[str, tuple]:
    """Each conversion record of a WARC file by URL and date: its browser fields, payload digest
    and the (type, URL, date) of the record its WARC-Refers-To names."""
    from warcio.archiveiterator import ArchiveIterator

    records, conversions = {}, []
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream):
            headers = record.rec_headers
            records[headers.get_header("WARC-Record-ID")] = (
                record.rec_type, headers.get_header("WARC-Target-URI"), headers.get_header("WARC-Date"))
            if record.rec_type == "conversion":
                conversions.append((headers, record.content_stream().read()))
    found = {}
    for headers, body in conversions:
        fields = tuple(sorted((n, v) for n, v in headers.headers if n.startswith("X-Nianbao-")))
        found[(headers.get_header("WARC-Target-URI"), headers.get_header("WARC-Date"))] = (
            fields, body, records.get(headers.get_header("WARC-Refers-To")))
    return found


def test_rendered_doms_survive_a_warc_export_import_export(browser_crawl, tmp_path) -> None:
    """The conversion records come back from an import as rendered captures (never parsed, tied to
    their responses), and the next export writes them again, the same, and `warcio check` passes."""
    import subprocess
    import sys

    from storage.warc import export_warc, import_warc

    archive = Archive.open(browser_crawl["data"])
    try:
        export_warc(archive, tmp_path / "first.warc.gz")
    finally:
        archive.close()
    copy = Archive.open(tmp_path / "copy")
    try:
        summary = import_warc(copy, tmp_path / "first.warc.gz", parse_workers=0)
        assert "conversion" not in summary.skip_reasons, summary.describe()
        export_warc(copy, tmp_path / "second.warc.gz")
    finally:
        copy.close()
    first, second = _conversions(tmp_path / "first.warc.gz"), _conversions(tmp_path / "second.warc.gz")
    assert len(first) == 5 and second == first  # same DOMs, fields, and the same response each refers to
    assert all(refers is not None and refers[0] in ("response", "revisit") for _, _, refers in second.values())
    rendered = [c for c in _captures(tmp_path / "copy") if c.role == "rendered"]
    assert len(rendered) == 5 and all(c.status is None and c.source == "warc" for c in rendered)
    checked = subprocess.run([str(Path(sys.executable).with_name("warcio")), "check", "-v", str(tmp_path / "second.warc.gz")],
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
