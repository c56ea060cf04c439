"""The web UI's monitoring pages reuse an evaluation until the archive changes."""

from __future__ import annotations

import datetime as dt

import nianbao.monitoring
from nianbao.web.app import create_app
from storage import Archive
from storage.clock import fixed_clock


def test_monitor_page_is_cached_until_the_archive_changes(tmp_path, monkeypatch, make_scenario) -> None:
    archive = Archive.open(tmp_path / "data")  # SQLite: the cache key is the same SQL on both backends
    scenario = make_scenario(archive)
    silent = scenario.agency("缓存局")
    scenario.crawl(silent, "2025-02-03 03:00")
    registry = tmp_path / "registry.toml"
    registry.write_text(scenario.registry_toml(), encoding="utf-8")
    calls = []
    real = nianbao.monitoring.evaluate
    monkeypatch.setattr(nianbao.monitoring, "evaluate", lambda *a, **k: calls.append(a[2]) or real(*a, **k))
    noon_in_china = fixed_clock(dt.datetime(2025, 6, 1, 4, tzinfo=dt.UTC))
    client = create_app(archive, registry=registry, clock=noon_in_china).test_client()
    assert client.get("/api/monitor/2024").get_json()["agencies"][0]["status"] == "missing"
    assert client.get("/api/monitor/2024").get_json()["agencies"][0]["status"] == "missing"
    assert len(calls) == 1
    scenario.publish(silent, 2024, "2025-02-10 09:00")
    row = client.get("/api/monitor/2024").get_json()["agencies"][0]
    assert row["status"] == "late" and row["days_late"] == 10
    assert len(calls) == 2
    archive.close()
