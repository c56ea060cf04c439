"""What the web UI keeps per archive state (nianbao.web.aggregates) and the search page's region
facet one level at a time: kept values follow every write, cold ones are computed once, a listed
region finds exactly the count shown for it."""

from __future__ import annotations

import threading
import time

from lxml import html as lxml_html

from nianbao.web.aggregates import PerState
from nianbao.web.app import create_app
from nianbao.web.search_params import region_levels
from storage import Archive


def doc(response):
    return lxml_html.fromstring(response.get_data(as_text=True))


def test_region_levels_count_one_level_below_the_filter() -> None:
    counts = {"江苏省/淮安市/涟水县": 2, "江苏省/淮安市": 1, "江苏省/宿迁市": 3, "福建省/福州市": 1, "none": 4}
    assert region_levels(counts, None) == {"江苏省": 6, "none": 4, "福建省": 1}
    assert region_levels(counts, "江苏省/") == {"none": 4, "江苏省/宿迁市": 3, "江苏省/淮安市": 3, "福建省/福州市": 1}
    assert region_levels(counts, "江苏省/淮安市") == {
        "none": 4, "江苏省/宿迁市": 3, "江苏省/淮安市/涟水县": 2, "江苏省/淮安市": 1, "福建省/福州市": 1}


def test_search_page_region_links_find_the_counts_they_show(client) -> None:
    page = doc(client.get("/?lang=en"))
    entries = page.xpath("//section[@id='facet-region']//li[a]")
    assert entries
    for entry in entries:
        shown = int(entry.xpath(".//span[@class='n']/text()")[0].replace(",", ""))
        link = entry.xpath("./a/@href")[0]
        assert "/" not in entry.xpath("./a/text()")[0]  # provinces: the top level of the path
        assert int(doc(client.get(link)).get_element_by_id("total").text.replace(",", "")) == shown


def test_kept_facets_and_numbers_follow_a_write(archive: Archive, ingest_seed) -> None:
    ingest_seed(archive, 0, "甲局")
    client = create_app(archive).test_client()
    before = client.get("/api/search?facets=1").get_json()
    numbers_before = client.get("/api/stats?field=applications.total_processed.total&by=agency").get_json()
    page = doc(client.get("/?lang=en"))
    assert page.get_element_by_id("total").text == "1"
    ingest_seed(archive, 1, "乙局")
    after = client.get("/api/search?facets=1").get_json()
    assert sum(before["facets"]["format"].values()) == 1 and sum(after["facets"]["format"].values()) == 2
    assert doc(client.get("/?lang=en")).get_element_by_id("total").text == "2"
    numbers_after = client.get("/api/stats?field=applications.total_processed.total&by=agency").get_json()
    assert numbers_before["reports"] == 1 and numbers_after["reports"] == 2
    assert {row["agency"] for row in numbers_after["rows"]} == {"甲局", "乙局"}


def test_per_state_computes_a_cold_value_once_for_many_askers(archive: Archive) -> None:
    kept = PerState(archive)
    calls = []

    def slow() -> int:
        calls.append(1)
        time.sleep(0.2)
        return 42

    answers: list[int] = []
    askers = [threading.Thread(target=lambda: answers.append(kept.get("k", slow))) for _ in range(8)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join()
    assert answers == [42] * 8 and len(calls) == 1
    assert kept.get("k", slow) == 42 and len(calls) == 1


def test_per_state_forgets_the_least_recently_used(archive: Archive) -> None:
    kept = PerState(archive, size=2)
    kept.get("a", lambda: 1)
    kept.get("b", lambda: 2)
    kept.get("a", lambda: 0)  # used: b is now the oldest
    kept.get("c", lambda: 3)
    assert kept.get("a", lambda: -1) == 1 and kept.get("b", lambda: -2) == -2


def test_the_api_keeps_every_region_path_the_page_lists_provinces(client) -> None:
    api = client.get("/api/search?facets=1").get_json()["facets"]["region"]
    page = doc(client.get("/?lang=en"))
    listed = {a.text for a in page.xpath("//section[@id='facet-region']//li/a")}
    assert any("/" in region for region in api) and listed
    assert listed == {region.split("/")[0] for region in api if region != "none"}


def test_per_state_drops_what_it_kept_for_an_earlier_state(archive: Archive) -> None:
    kept = PerState(archive)
    assert kept.get("a", lambda: 1, token=(1,)) == 1
    assert kept.get("a", lambda: 2, token=(1,)) == 1  # kept
    assert kept.get("b", lambda: 3, token=(2,)) == 3  # the archive changed
    assert kept.get("a", lambda: 4, token=(2,)) == 4  # computed for the new state
    assert all(key[0] == (2,) for key in kept._values)


def test_kept_facets_and_numbers_follow_an_edit_in_place(archive: Archive, ingest_seed) -> None:
    """An UPDATE moves no id: the change counter's triggers (storage.changes) must move the
    state, or facets and statistics stay as they were until the next insert (issue 16)."""
    from sqlalchemy import text

    from nianbao.web.aggregates import state_token

    ingest_seed(archive, 0, "甲局")
    with archive.engine.begin() as connection:
        connection.execute(text("UPDATE agencies SET region = '江苏省/淮安市' WHERE name = '甲局'"))
    client = create_app(archive).test_client()
    stats = "/api/stats?field=applications.total_processed.total&by=region"
    assert client.get("/api/search?facets=1").get_json()["facets"]["region"] == {"江苏省/淮安市": 1}
    assert [row["region"] for row in client.get(stats).get_json()["rows"]] == ["江苏省/淮安市"]
    token = state_token(archive)
    with archive.engine.begin() as connection:  # as a crawl renames an agency's region, in place
        connection.execute(text("UPDATE agencies SET region = '福建省/福州市' WHERE name = '甲局'"))
    assert state_token(archive) != token
    assert client.get("/api/search?facets=1").get_json()["facets"]["region"] == {"福建省/福州市": 1}
    assert [row["region"] for row in client.get(stats).get_json()["rows"]] == ["福建省/福州市"]
    token = state_token(archive)
    with archive.engine.begin() as connection:  # as `nianbao db reindex` rewrites a version's text
        connection.execute(text("UPDATE report_versions SET text = text || ' 复议'"))
    assert state_token(archive) != token
    token = state_token(archive)
    with archive.engine.begin() as connection:  # reading moves nothing
        connection.execute(text("SELECT count(*) FROM agencies"))
    assert state_token(archive) == token
