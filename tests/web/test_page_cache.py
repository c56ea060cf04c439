"""Whole answers kept per archive state (nianbao.web.page_cache): a page asked again is sent as
made, and never across a write, a language, a day or a registry edit it depends on."""

from __future__ import annotations

import datetime as dt

from nianbao.devportal.sites import agencies_toml
from nianbao.web.app import create_app
from nianbao.web.page_cache import HEADER, Answer, PageCache
from storage import Archive
from storage.clock import fixed_clock

UTC = dt.timezone.utc
ONE_DAY = fixed_clock(dt.datetime(2025, 3, 1, 4, tzinfo=UTC))


def test_a_page_asked_again_is_sent_as_kept_until_the_archive_changes(archive: Archive, ingest_seed) -> None:
    ingest_seed(archive, 0, "甲局")
    client = create_app(archive, clock=ONE_DAY).test_client()  # kept per day: no midnight mid-test
    first = client.get("/?lang=en")  # sets the language cookie: that answer is not kept
    assert "Set-Cookie" in first.headers
    made = client.get("/")
    again = client.get("/")
    assert HEADER not in made.headers and again.headers[HEADER] == "hit"
    assert again.get_data() == made.get_data()
    assert again.headers["Content-Security-Policy"] == made.headers["Content-Security-Policy"]
    assert "Cookie" in again.headers["Vary"]
    ingest_seed(archive, 1, "乙局")
    after = client.get("/")
    assert HEADER not in after.headers and after.get_data() != made.get_data()
    assert "乙局" in after.get_data(as_text=True)


def test_kept_answers_are_per_language(archive: Archive, ingest_seed) -> None:
    ingest_seed(archive, 0, "甲局")
    client = create_app(archive, clock=ONE_DAY).test_client()  # kept per day: no midnight mid-test
    english = [client.get("/", headers={"Accept-Language": "en"}) for _ in range(2)]
    chinese = [client.get("/", headers={"Accept-Language": "zh-CN"}) for _ in range(2)]
    assert english[1].headers[HEADER] == "hit" and chinese[1].headers[HEADER] == "hit"
    assert english[1].get_data() == english[0].get_data() != chinese[1].get_data() == chinese[0].get_data()
    assert 'lang="en"' in english[1].get_data(as_text=True) and 'lang="zh-CN"' in chinese[1].get_data(as_text=True)
    # ?lang= answers a kept page and still remembers the choice in its cookie
    client.get("/?lang=en")
    kept = client.get("/?lang=zh")
    assert kept.headers.get("Set-Cookie", "").startswith("nianbao_lang=zh")


def test_kept_answers_are_per_day_and_registry(archive: Archive, tmp_path) -> None:
    registry = tmp_path / "agencies.toml"
    registry.write_text(agencies_toml([{"name": "甲局", "region": "江苏省", "kind": "department",
                                        "list_urls": ["https://x.gov.cn/"]}]), encoding="utf-8")
    moments = [dt.datetime(2025, 3, 1, 4, tzinfo=UTC)]
    client = create_app(archive, registry=registry, clock=lambda: moments[0]).test_client()
    client.get("/?lang=en")
    before = client.get("/monitor/2024")
    assert client.get("/monitor/2024").headers[HEADER] == "hit"
    moments[0] = dt.datetime(2025, 3, 2, 4, tzinfo=UTC)  # a day later: judged again
    assert HEADER not in client.get("/monitor/2024").headers
    registry.write_text(registry.read_text(encoding="utf-8").replace("甲局", "乙局"), encoding="utf-8")
    edited = client.get("/monitor/2024")
    assert HEADER not in edited.headers and "乙局" in edited.get_data(as_text=True)
    assert "乙局" not in before.get_data(as_text=True)


def test_page_cache_is_bounded_in_bytes() -> None:
    cache = PageCache(max_bytes=100, max_entry=60)
    for n in range(3):
        cache.put(("t", n), Answer(200, (), b"x" * 40))
    assert cache.get(("t", 0)) is None and cache.get(("t", 1)) and cache.get(("t", 2))
    cache.put(("t", "big"), Answer(200, (), b"x" * 61))  # over one answer's bound: not kept
    assert cache.get(("t", "big")) is None
    cache.forget_other_states("u")
    assert cache.get(("t", 2)) is None
