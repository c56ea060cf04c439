"""Findings: invalid arithmetic, edits after publication, removals (confirmed a day later) and
restorations, carry-over mismatches between years, copied narratives."""

from __future__ import annotations

import dataclasses
import datetime as dt

from nianbao.monitor import evaluate
from nianbao.devportal.monitor_pages import tables

D = dt.date.fromisoformat

NARRATIVE = (
    "本年度，我局坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻党的二十大精神，围绕中心服务大局，"
    "将政务公开与优化营商环境、重点项目建设、民生保障工作紧密结合，全年主动公开政府信息1234条，其中规范性文件"
    "12件，政策解读材料45篇，召开新闻发布会6场。依托政府网站、政务新媒体和政务服务大厅公开专区，持续拓展公开渠道，"
    "健全政府信息公开申请办理工作机制，规范受理、登记、审核、答复各环节，确保依法按时答复。加强平台建设，"
    "完成网站集约化改版，优化栏目设置，提升检索功能，方便群众查询。强化监督保障，将政务公开纳入年度绩效考核，"
    "组织业务培训三次，开展网站内容自查八次，及时整改发现的问题，政务公开工作质量持续提升。"
)
OTHER = (
    "我委围绕全市发展改革中心任务，推动重大项目信息、价格收费信息和规划计划信息公开。全年通过门户网站发布信息"
    "九百余条，回应社会关切的热点问题，及时发布能源保供、粮食储备和物价监测情况。对依申请公开实行台账管理，"
    "逐件明确承办处室和答复时限，重大复杂申请由法规处会同业务处室研究答复口径。开展公开目录梳理，清理过时"
    "信息，调整基层政务公开标准目录事项，推进决策公开，重要政策出台前通过征求意见栏目公开草案。下一步将"
    "进一步加强政策解读和回应关切，完善公开平台功能，提高公开实效，更好服务经济社会发展和人民群众生产生活。"
)


def findings(scenario, year: int, as_of: str, **kwargs) -> list[dict]:
    report = evaluate(scenario.archive, list(scenario.agencies.values()), year, D(as_of), **kwargs)
    return [f.to_dict() | {"_newsworthy": f.newsworthy} for f in report.findings]


def of_kind(found: list[dict], kind: str) -> list[dict]:
    return [f for f in found if f["kind"] == kind]


def test_invalid_names_the_failed_identity(scenario) -> None:
    agency = scenario.agency("算错局")
    t = tables("算错局", 2024)
    apps = {row: dict(cells) for row, cells in t.applications.items()}
    apps["granted"]["total"] += 5  # the row no longer sums to its total
    scenario.publish(agency, 2024, "2025-01-20 09:00", t=dataclasses.replace(t, applications=apps))
    invalid = of_kind(findings(scenario, 2024, "2025-02-01"), "invalid")
    assert len(invalid) == 1
    assert {c["rule"] for c in invalid[0]["checks"]} >= {"applications.row_totals"}
    assert "granted" in invalid[0]["detail"] or "予以公开" in invalid[0]["detail"]


def test_edit_after_publication_is_changed_with_both_digests(scenario) -> None:
    agency = scenario.agency("修改局")
    url = scenario.publish(agency, 2024, "2025-01-20 09:00", seed=7)
    scenario.publish(agency, 2024, "2025-03-02 09:00", seed=8, published="2025-01-20")  # same URL, new numbers
    changed = of_kind(findings(scenario, 2024, "2025-04-01"), "changed")
    assert len(changed) == 1
    finding = changed[0]
    assert finding["url"] == url
    assert finding["old_digest"] != finding["new_digest"] and len(finding["new_digest"]) == 64
    assert finding["fields"] and all(f["old"] != f["new"] for f in finding["fields"])
    assert any(f["field"].startswith("applications.") for f in finding["fields"])
    # Before the edit was captured, there was nothing to say.
    assert not of_kind(findings(scenario, 2024, "2025-03-01"), "changed")


def test_a_click_counter_is_not_a_change(scenario) -> None:
    agency = scenario.agency("计数局")
    scenario.publish(agency, 2024, "2025-01-20 09:00", hits=100)
    scenario.publish(agency, 2024, "2025-02-20 09:00", hits=2345, published="2025-01-20")
    assert not of_kind(findings(scenario, 2024, "2025-04-01"), "changed")


def test_removed_is_confirmed_only_by_a_fetch_a_day_later(scenario) -> None:
    agency = scenario.agency("删除局")
    url = scenario.publish(agency, 2024, "2025-01-20 09:00")
    scenario.fetch(agency, url, "2025-05-01 03:00", status=404)
    removed = of_kind(findings(scenario, 2024, "2025-05-01"), "removed")
    assert len(removed) == 1 and removed[0]["confirmed"] is False and removed[0]["_newsworthy"] is False
    scenario.fetch(agency, url, "2025-05-01 15:00", status=404)  # same day: still not news
    assert of_kind(findings(scenario, 2024, "2025-05-01"), "removed")[0]["confirmed"] is False
    scenario.fetch(agency, url, "2025-05-02 03:00", status=404)
    removed = of_kind(findings(scenario, 2024, "2025-05-02"), "removed")
    assert removed[0]["confirmed"] is True and removed[0]["_newsworthy"] is True
    assert removed[0]["since"].startswith("2025-04-30T19:00")  # 03:00 China time, in UTC
    assert [o["status"] for o in removed[0]["observations"]] == [404, 404, 404]
    # The status stays what the publication earned: removal is a finding, not "missing".
    report = evaluate(scenario.archive, [scenario.agencies["删除局"]], 2024, D("2025-05-02"))
    assert report.agencies[0].status == "on_time"


def test_redirect_to_the_home_page_is_removed(scenario) -> None:
    agency = scenario.agency("跳转局")
    url = scenario.publish(agency, 2024, "2025-01-20 09:00")
    scenario.fetch(agency, url, "2025-05-01 03:00", redirect_home=True)
    scenario.fetch(agency, url, "2025-05-03 03:00", redirect_home=True)
    removed = of_kind(findings(scenario, 2024, "2025-05-03"), "removed")
    assert len(removed) == 1 and removed[0]["confirmed"] is True
    assert "redirect" in removed[0]["detail"] and removed[0]["observations"][0]["final_url"].endswith("/index.html")


def test_removed_then_restored(scenario) -> None:
    agency = scenario.agency("恢复局")
    url = scenario.publish(agency, 2024, "2025-01-20 09:00")
    scenario.fetch(agency, url, "2025-05-01 03:00", status=404)
    scenario.fetch(agency, url, "2025-05-03 03:00", status=410)
    assert of_kind(findings(scenario, 2024, "2025-05-03"), "removed")[0]["confirmed"] is True
    scenario.publish(agency, 2024, "2025-05-06 03:00", published="2025-01-20")  # back, same payload
    found = findings(scenario, 2024, "2025-05-06")
    assert not of_kind(found, "removed")
    restored = of_kind(found, "restored")
    assert len(restored) == 1 and restored[0]["removed_since"].startswith("2025-04-30T19:00")
    assert restored[0]["restored_at"].startswith("2025-05-05T19:00")
    assert not of_kind(found, "changed")  # the same report came back


def test_one_bad_fetch_then_back_is_not_news(scenario) -> None:
    agency = scenario.agency("抖动局")
    url = scenario.publish(agency, 2024, "2025-01-20 09:00")
    scenario.fetch(agency, url, "2025-05-01 03:00", status=404)
    scenario.publish(agency, 2024, "2025-05-01 09:00", published="2025-01-20")
    found = findings(scenario, 2024, "2025-05-02")
    assert not of_kind(found, "removed") and not of_kind(found, "restored")


def test_a_server_error_says_nothing_about_removal(scenario) -> None:
    agency = scenario.agency("故障局")
    url = scenario.publish(agency, 2024, "2025-01-20 09:00")
    scenario.fetch(agency, url, "2025-05-01 03:00", status=500)
    scenario.fetch(agency, url, "2025-05-03 03:00", status=503)
    assert not of_kind(findings(scenario, 2024, "2025-05-03"), "removed")


def test_carryover_mismatch_names_the_columns(scenario) -> None:
    agency = scenario.agency("结转局")
    last = tables("结转局", 2023, seed=3)
    now = tables("结转局", 2024, seed=4)
    scenario.publish(agency, 2023, "2024-01-20 09:00", t=last)
    scenario.publish(agency, 2024, "2025-01-20 09:00", t=now)
    found = of_kind(findings(scenario, 2024, "2025-02-01"), "carryover_mismatch")
    expected = [c for c in ("natural_person", "enterprise", "research", "social_org", "legal_service", "other_org",
                            "total")
                if (now.applications["carried_over"][c] or 0) != (last.applications["carried_forward"][c] or 0)]
    assert expected, "the fixture's seeds must differ somewhere"
    assert [c["column"] for c in found[0]["columns"]] == expected
    assert found[0]["previous_url"].endswith("report2023.html")


def test_carryover_that_matches_is_not_a_finding(scenario) -> None:
    agency = scenario.agency("一致局")
    last = tables("一致局", 2023, seed=3)
    now = tables("一致局", 2024, seed=4)
    apps = {row: dict(cells) for row, cells in now.applications.items()}
    apps["carried_over"] = dict(last.applications["carried_forward"])
    # keep the balance identity: new_received = total_processed + carried_forward - carried_over
    for c in apps["new_received"]:
        apps["new_received"][c] = apps["total_processed"][c] + apps["carried_forward"][c] - apps["carried_over"][c]
    scenario.publish(agency, 2023, "2024-01-20 09:00", t=last)
    scenario.publish(agency, 2024, "2025-01-20 09:00", t=dataclasses.replace(now, applications=apps))
    assert not of_kind(findings(scenario, 2024, "2025-02-01"), "carryover_mismatch")


def test_copied_from_the_previous_year_with_new_numbers(scenario) -> None:
    agency = scenario.agency("抄袭局")
    scenario.publish(agency, 2023, "2024-01-20 09:00", narrative=NARRATIVE)
    scenario.publish(agency, 2024, "2025-01-20 09:00", narrative=NARRATIVE.replace("1234", "2345").replace("12件", "9件"))
    copied = of_kind(findings(scenario, 2024, "2025-02-01"), "copied")
    assert len(copied) == 1
    assert copied[0]["relation"] == "previous_year" and copied[0]["score"] > 0.9
    assert copied[0]["with"]["year"] == 2023


def test_copied_from_another_agency_same_year_but_not_different_text(scenario) -> None:
    first = scenario.agency("原创局")
    second = scenario.agency("照搬局")
    third = scenario.agency("自写委")
    scenario.publish(first, 2024, "2025-01-10 09:00", narrative=NARRATIVE)
    scenario.publish(second, 2024, "2025-01-20 09:00", narrative=NARRATIVE.replace("我局", "本局"))
    scenario.publish(third, 2024, "2025-01-20 09:00", narrative=OTHER)
    copied = of_kind(findings(scenario, 2024, "2025-02-01"), "copied")
    assert [(c["agency"], c["with"]["agency"], c["relation"]) for c in copied] == [("照搬局", "原创局", "same_year")]
    assert copied[0]["score"] >= 0.85
    # A stricter threshold than the similarity: not reported.
    assert not of_kind(findings(scenario, 2024, "2025-02-01", copy_threshold=0.999), "copied")
