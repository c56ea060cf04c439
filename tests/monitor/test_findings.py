"""Findings: invalid arithmetic, edits after publication, removals (confirmed a day later) and
restorations, carry-over mismatches between years, copied narratives. The rules over hand-built
archive values (the `held` scene), no database."""

from __future__ import annotations

import dataclasses

from nianbao.devportal.monitor_pages import OTHER_NARRATIVE as OTHER
from nianbao.devportal.monitor_pages import SAMPLE_NARRATIVE as NARRATIVE
from nianbao.devportal.monitor_pages import tables


def findings(scene, year: int, as_of: str, **kwargs) -> list[dict]:
    report = scene.evaluate(year, as_of, **kwargs)
    return [f.to_dict() | {"_newsworthy": f.newsworthy} for f in report.findings]


def of_kind(found: list[dict], kind: str) -> list[dict]:
    return [f for f in found if f["kind"] == kind]


def test_invalid_names_the_failed_identity(held) -> None:
    agency = held.agency("算错局")
    t = tables("算错局", 2024)
    apps = {row: dict(cells) for row, cells in t.applications.items()}
    apps["granted"]["total"] += 5  # the row no longer sums to its total
    held.publish(agency, 2024, "2025-01-20 09:00", t=dataclasses.replace(t, applications=apps))
    invalid = of_kind(findings(held, 2024, "2025-02-01"), "invalid")
    assert len(invalid) == 1
    assert {c["rule"] for c in invalid[0]["checks"]} >= {"applications.row_totals"}
    assert "granted" in invalid[0]["detail"] or "予以公开" in invalid[0]["detail"]


def test_edit_after_publication_is_changed_with_both_digests(held) -> None:
    agency = held.agency("修改局")
    url = held.publish(agency, 2024, "2025-01-20 09:00", seed=7)
    held.publish(agency, 2024, "2025-03-02 09:00", seed=8, published="2025-01-20")  # same URL, new numbers
    changed = of_kind(findings(held, 2024, "2025-04-01"), "changed")
    assert len(changed) == 1
    finding = changed[0]
    assert finding["url"] == url
    assert finding["old_digest"] != finding["new_digest"] and len(finding["new_digest"]) == 64
    assert finding["fields"] and all(f["old"] != f["new"] for f in finding["fields"])
    assert any(f["field"].startswith("applications.") for f in finding["fields"])
    # Before the edit was captured, there was nothing to say.
    assert not of_kind(findings(held, 2024, "2025-03-01"), "changed")


def test_a_click_counter_is_not_a_change(held) -> None:
    agency = held.agency("计数局")
    held.publish(agency, 2024, "2025-01-20 09:00", hits=100)
    held.publish(agency, 2024, "2025-02-20 09:00", hits=2345, published="2025-01-20")
    assert not of_kind(findings(held, 2024, "2025-04-01"), "changed")


def test_removed_is_confirmed_only_by_a_fetch_a_day_later(held) -> None:
    agency = held.agency("删除局")
    url = held.publish(agency, 2024, "2025-01-20 09:00")
    held.fetch(agency, url, "2025-05-01 03:00", status=404)
    removed = of_kind(findings(held, 2024, "2025-05-01"), "removed")
    assert len(removed) == 1 and removed[0]["confirmed"] is False and removed[0]["_newsworthy"] is False
    held.fetch(agency, url, "2025-05-01 15:00", status=404)  # same day: still not news
    assert of_kind(findings(held, 2024, "2025-05-01"), "removed")[0]["confirmed"] is False
    held.fetch(agency, url, "2025-05-02 03:00", status=404)
    removed = of_kind(findings(held, 2024, "2025-05-02"), "removed")
    assert removed[0]["confirmed"] is True and removed[0]["_newsworthy"] is True
    assert removed[0]["since"].startswith("2025-04-30T19:00")  # 03:00 China time, in UTC
    assert [o["status"] for o in removed[0]["observations"]] == [404, 404, 404]
    # The status stays what the publication earned: removal is a finding, not "missing".
    report = held.evaluate(2024, "2025-05-02")
    assert report.agencies[0].status == "on_time"


def test_redirect_to_the_home_page_is_removed(held) -> None:
    agency = held.agency("跳转局")
    url = held.publish(agency, 2024, "2025-01-20 09:00")
    held.fetch(agency, url, "2025-05-01 03:00", redirect_home=True)
    held.fetch(agency, url, "2025-05-03 03:00", redirect_home=True)
    removed = of_kind(findings(held, 2024, "2025-05-03"), "removed")
    assert len(removed) == 1 and removed[0]["confirmed"] is True
    assert "redirect" in removed[0]["detail"] and removed[0]["observations"][0]["final_url"].endswith("/index.html")


def test_removed_then_restored(held) -> None:
    agency = held.agency("恢复局")
    url = held.publish(agency, 2024, "2025-01-20 09:00")
    held.fetch(agency, url, "2025-05-01 03:00", status=404)
    held.fetch(agency, url, "2025-05-03 03:00", status=410)
    assert of_kind(findings(held, 2024, "2025-05-03"), "removed")[0]["confirmed"] is True
    held.publish(agency, 2024, "2025-05-06 03:00", published="2025-01-20")  # back, same payload
    found = findings(held, 2024, "2025-05-06")
    assert not of_kind(found, "removed")
    restored = of_kind(found, "restored")
    assert len(restored) == 1 and restored[0]["removed_since"].startswith("2025-04-30T19:00")
    assert restored[0]["restored_at"].startswith("2025-05-05T19:00")
    assert not of_kind(found, "changed")  # the same report came back


def test_one_bad_fetch_then_back_is_not_news(held) -> None:
    agency = held.agency("抖动局")
    url = held.publish(agency, 2024, "2025-01-20 09:00")
    held.fetch(agency, url, "2025-05-01 03:00", status=404)
    held.publish(agency, 2024, "2025-05-01 09:00", published="2025-01-20")
    found = findings(held, 2024, "2025-05-02")
    assert not of_kind(found, "removed") and not of_kind(found, "restored")


def test_a_server_error_says_nothing_about_removal(held) -> None:
    agency = held.agency("故障局")
    url = held.publish(agency, 2024, "2025-01-20 09:00")
    held.fetch(agency, url, "2025-05-01 03:00", status=500)
    held.fetch(agency, url, "2025-05-03 03:00", status=503)
    assert not of_kind(findings(held, 2024, "2025-05-03"), "removed")


def test_carryover_mismatch_names_the_columns(held) -> None:
    agency = held.agency("结转局")
    last = tables("结转局", 2023, seed=3)
    now = tables("结转局", 2024, seed=4)
    held.publish(agency, 2023, "2024-01-20 09:00", t=last)
    held.publish(agency, 2024, "2025-01-20 09:00", t=now)
    found = of_kind(findings(held, 2024, "2025-02-01"), "carryover_mismatch")
    expected = [c for c in ("natural_person", "enterprise", "research", "social_org", "legal_service", "other_org",
                            "total")
                if (now.applications["carried_over"][c] or 0) != (last.applications["carried_forward"][c] or 0)]
    assert expected, "the fixture's seeds must differ somewhere"
    assert [c["column"] for c in found[0]["columns"]] == expected
    assert found[0]["previous_url"].endswith("report2023.html")


def test_carryover_that_matches_is_not_a_finding(held) -> None:
    agency = held.agency("一致局")
    last = tables("一致局", 2023, seed=3)
    now = tables("一致局", 2024, seed=4)
    apps = {row: dict(cells) for row, cells in now.applications.items()}
    apps["carried_over"] = dict(last.applications["carried_forward"])
    # keep the balance identity: new_received = total_processed + carried_forward - carried_over
    for c in apps["new_received"]:
        apps["new_received"][c] = apps["total_processed"][c] + apps["carried_forward"][c] - apps["carried_over"][c]
    held.publish(agency, 2023, "2024-01-20 09:00", t=last)
    held.publish(agency, 2024, "2025-01-20 09:00", t=dataclasses.replace(now, applications=apps))
    assert not of_kind(findings(held, 2024, "2025-02-01"), "carryover_mismatch")


def test_copied_from_the_previous_year_with_new_numbers(held) -> None:
    agency = held.agency("抄袭局")
    held.publish(agency, 2023, "2024-01-20 09:00", narrative=NARRATIVE)
    held.publish(agency, 2024, "2025-01-20 09:00", narrative=NARRATIVE.replace("1234", "2345").replace("12件", "9件"))
    copied = of_kind(findings(held, 2024, "2025-02-01"), "copied")
    assert len(copied) == 1
    assert copied[0]["relation"] == "previous_year" and copied[0]["score"] > 0.9
    assert copied[0]["with"]["year"] == 2023


def test_copied_from_another_agency_same_year_but_not_different_text(held) -> None:
    first = held.agency("原创局")
    second = held.agency("照搬局")
    third = held.agency("自写委")
    held.publish(first, 2024, "2025-01-10 09:00", narrative=NARRATIVE)
    held.publish(second, 2024, "2025-01-20 09:00", narrative=NARRATIVE.replace("我局", "本局"))
    held.publish(third, 2024, "2025-01-20 09:00", narrative=OTHER)
    copied = of_kind(findings(held, 2024, "2025-02-01"), "copied")
    assert [(c["agency"], c["with"]["agency"], c["relation"]) for c in copied] == [("照搬局", "原创局", "same_year")]
    assert copied[0]["score"] >= 0.85
    # A stricter threshold than the similarity: not reported.
    assert not of_kind(findings(held, 2024, "2025-02-01", copy_threshold=0.999), "copied")
