"""An incremental evaluation (nianbao.monitoring.incremental) gives the answer of a full one from
scratch, after changes of every kind: a new capture, a new run that could not reach the column, a
removed report, a changed report, a capture that arrives late with an old time, a run closed after
the evaluation, a registry change, and the clock moving past a deadline (a status changes with no
new capture) and back; and it judges again only the agencies that changed."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from nianbao.devportal.monitor_pages import OTHER_NARRATIVE, SAMPLE_NARRATIVE, tables
from nianbao.monitoring import evaluate, incremental
from storage.vocab import CrawlOutcome

YEAR = 2024


@pytest.fixture
def judged_names(monkeypatch) -> list[set[str]]:
    """The names each evaluation judged (again), one set per evaluation."""
    calls: list[set[str]] = []
    real = incremental.judge_batches

    def spy(archive, entries, *args, **kwargs):
        calls.append({e.name for e in entries})
        return real(archive, entries, *args, **kwargs)

    monkeypatch.setattr(incremental, "judge_batches", spy)
    return calls


def full(scenario, as_of: str, agencies=None):
    return evaluate(scenario.archive, list(agencies or scenario.agencies.values()), YEAR,
                    dt.date.fromisoformat(as_of), incremental=False)


def check(scenario, as_of: str, agencies=None):
    """The incremental evaluation, held to a full one; both returned."""
    entries = list(agencies or scenario.agencies.values())
    now = evaluate(scenario.archive, entries, YEAR, dt.date.fromisoformat(as_of))
    scratch = full(scenario, as_of, entries)
    assert now.to_dict() == scratch.to_dict()
    assert now == scratch
    return now


def statuses(report) -> dict[str, str]:
    return {row.agency: row.status.value for row in report.agencies}


@pytest.fixture
def scene(scenario):
    """Five agencies as of 2025-01-20: two departments on time, one government publishing
    nothing yet, a department whose column was reached with no report, one copying another."""
    s = scenario
    s.a = s.agency("甲局")
    s.b = s.agency("乙局")
    s.c = s.agency("丙县人民政府", kind="government")
    s.d = s.agency("丁局")
    s.e = s.agency("戊局")
    s.a_url = s.publish(s.a, YEAR, "2025-01-10 09:00", narrative=SAMPLE_NARRATIVE)
    s.publish(s.a, YEAR - 1, "2024-01-10 09:00", narrative=OTHER_NARRATIVE)
    s.b_url = s.publish(s.b, YEAR, "2025-01-12 09:00", narrative=OTHER_NARRATIVE.replace("我委", "我局"))
    s.publish(s.e, YEAR, "2025-01-15 09:00", narrative=SAMPLE_NARRATIVE.replace("我局", "本局"))
    for agency in (s.a, s.b, s.c, s.d, s.e):
        s.crawl(agency, "2025-01-16 10:00")
    return s


def test_incremental_equals_full_after_each_kind_of_change(scene, judged_names) -> None:
    s = scene
    first = check(s, "2025-01-20")
    assert judged_names[0] == set(s.agencies)
    assert statuses(first)["丁局"] == "not_due"
    assert {f.finding.value for f in first.findings} >= {"copied"}

    # Nothing changed: nothing judged again.
    check(s, "2025-01-20")
    assert judged_names[2] == set()

    # A new capture: 丁局 publishes.
    s.publish(s.d, YEAR, "2025-01-21 09:00", narrative=OTHER_NARRATIVE)
    report = check(s, "2025-01-21")
    assert judged_names[4] == {"丁局", "丙县人民政府"}  # (not_due names the day judged as of, which moved)
    assert statuses(report)["丁局"] == "on_time"

    # A new run that could not reach the column (the government has nothing archived).
    s.crawl(s.c, "2025-04-02 10:00", CrawlOutcome.UNREACHABLE)
    report = check(s, "2025-04-03")
    assert "丙县人民政府" in judged_names[6]
    assert statuses(report)["丙县人民政府"] == "unreachable"

    # A removed report: 404 twice, a day apart.
    s.fetch(s.a, s.a_url, "2025-04-05 09:00")
    s.fetch(s.a, s.a_url, "2025-04-07 09:00")
    report = check(s, "2025-04-08")
    assert judged_names[8] == {"甲局"}
    assert [f.agency for f in report.findings if f.finding.value == "removed"] == ["甲局"]

    # A changed report: a new payload of 乙局's report, another narrative: no longer a copy pair member.
    s.publish(s.b, YEAR, "2025-04-09 09:00", narrative=SAMPLE_NARRATIVE.replace("我局", "该局"),
              t=tables("乙局", YEAR, seed=11), published="2025-01-12")
    report = check(s, "2025-04-10")
    assert judged_names[10] == {"乙局"}
    assert any(f.finding.value == "changed" and f.agency == "乙局" for f in report.findings)

    # A capture archived late with an old time (an import): the evaluation sees it by its id.
    s.fetch(s.e, s.url(s.e, f"report{YEAR}"), "2025-03-01 09:00")
    check(s, "2025-04-10")
    assert judged_names[12] == {"戊局"}

    # A registry change: 丁局 becomes a government (another deadline), 戊局's column moves.
    s.agencies["丁局"] = dataclasses.replace(s.d, kind="government")
    s.agencies["戊局"] = dataclasses.replace(s.e, list_urls=("http://moved.example/ndbg/",))
    check(s, "2025-04-10")
    assert judged_names[14] == {"丁局", "戊局"}


def test_a_deadline_passing_changes_statuses_without_a_new_capture(scene, judged_names) -> None:
    s = scene
    before = check(s, "2025-01-20")
    assert statuses(before)["丁局"] == "not_due" and statuses(before)["丙县人民政府"] == "not_due"
    # The departments' deadline (31 January) passes; nothing is captured.
    after = check(s, "2025-02-05")
    assert statuses(after)["丁局"] == "unreachable"  # no crawl since the deadline: not yet known missing
    assert statuses(after)["丙县人民政府"] == "not_due"  # its deadline is 31 March
    assert "丁局" in judged_names[2] and "甲局" not in judged_names[2]
    # The governments' deadline passes too; then the clock goes back before both.
    assert statuses(check(s, "2025-04-02"))["丙县人民政府"] == "unreachable"
    assert statuses(check(s, "2025-01-20")) == statuses(before)


def test_a_run_closed_after_the_evaluation_is_seen(scene, judged_names) -> None:
    s = scene
    run_id = s.crawl(s.c, "2025-04-02 10:00", outcome=None)  # still running
    # No crawl finished since the deadline: nianbao could not look.
    assert statuses(check(s, "2025-04-03"))["丙县人民政府"] == "unreachable"
    from storage.models import CrawlRun

    with s.archive.session() as session, session.begin():
        run = session.get(CrawlRun, run_id)
        run.outcome, run.finished_at = CrawlOutcome.REACHED, run.started_at + dt.timedelta(minutes=5)
    assert statuses(check(s, "2025-04-03"))["丙县人民政府"] == "missing"
    assert judged_names[-2] == {"丙县人民政府"}


def test_a_subset_evaluated_between_full_ones_keeps_the_rest_right(scene) -> None:
    s = scene
    check(s, "2025-02-05")
    s.publish(s.d, YEAR, "2025-02-06 09:00", narrative=SAMPLE_NARRATIVE.replace("我局", "我部"))
    check(s, "2025-02-07", agencies=[s.a])  # the web's agency page: one agency
    report = check(s, "2025-02-07")
    assert statuses(report)["丁局"] == "late"


def test_a_non_default_copy_threshold_evaluates_from_scratch_and_keeps_nothing(scene, judged_names) -> None:
    s = scene
    report = evaluate(s.archive, list(s.agencies.values()), YEAR, dt.date(2025, 1, 20), copy_threshold=0.999)
    assert not [f for f in report.findings if f.finding.value == "copied"]
    check(s, "2025-01-20")
    assert judged_names[-2] == set(s.agencies)  # nothing was kept by the first
