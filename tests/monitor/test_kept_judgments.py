"""A judgment as kept (nianbao.monitoring.kept) reads back as the very judgment: status and
evidence, findings with their data (scores, columns), the narrative's document with its signature
and first capture time; and a save then a load of the kept state on both backends returns it."""

from __future__ import annotations

import datetime as dt

import numpy as np

from nianbao.devportal.monitor_pages import OTHER_NARRATIVE, SAMPLE_NARRATIVE
from nianbao.monitoring import evaluate, incremental, kept
from nianbao.monitoring.judging import judge_batch
from storage import monitor_state
from storage.vocab import CrawlOutcome

YEAR = 2024


def judged_scene(s) -> dict:
    """Judgments of every kind: on time with a copied narrative, late and changed, gone, unreachable."""
    a, b, c, d = (s.agency(name) for name in ("甲局", "乙局", "丙局", "丁局"))
    s.publish(a, YEAR, "2025-01-10 09:00", narrative=SAMPLE_NARRATIVE)
    s.publish(a, YEAR - 1, "2024-01-10 09:00", narrative=SAMPLE_NARRATIVE.replace("我局", "本局"))
    s.publish(b, YEAR, "2025-02-12 09:00", narrative=OTHER_NARRATIVE)
    s.publish(b, YEAR, "2025-03-12 09:00", narrative=OTHER_NARRATIVE + "补充说明。", name=f"report{YEAR}")
    gone = s.publish(c, YEAR, "2025-01-15 09:00")
    s.fetch(c, gone, "2025-03-01 09:00")
    s.fetch(c, gone, "2025-03-03 09:00")
    for agency in (a, b, c, d):
        s.crawl(agency, "2025-04-02 10:00", CrawlOutcome.UNREACHABLE if agency is d else CrawlOutcome.REACHED)
    return judge_batch(s.archive, list(s.agencies.values()), YEAR, dt.date(2025, 4, 10), 0.85)


def test_a_kept_judgment_decodes_to_the_same_judgment(scenario) -> None:
    judged = judged_scene(scenario)
    assert {j.status.status.value for j in judged.values()} >= {"on_time", "late", "unreachable"}
    assert any(j.copied for j in judged.values())
    assert {f.finding.value for j in judged.values() for f in j.findings} >= {"changed", "removed"}
    for name, judgment in judged.items():
        data, signature = kept.encode(judgment)
        back = kept.decode(name, data, signature)
        assert back == judgment
        assert back.status.evidence == judgment.status.evidence
        assert [f.data for f in back.copied] == [f.data for f in judgment.copied]
        if judgment.doc is None:
            assert back.doc is None and signature is None
        else:
            assert np.array_equal(back.doc.signature, judgment.doc.signature)
            assert back.doc.signature.dtype == judgment.doc.signature.dtype
            assert back.doc.first_seen == judgment.doc.first_seen and back.doc.first_seen.tzinfo is not None


def test_the_kept_state_loads_back_from_the_database(scenario) -> None:
    s = scenario
    judged_scene(s)
    first = evaluate(s.archive, list(s.agencies.values()), YEAR, dt.date(2025, 4, 10))
    state = monitor_state.load(s.archive, YEAR)
    assert set(state.judged) == set(s.agencies)
    assert set(state.judgments) == set(s.agencies)
    assert all(isinstance(judgment, bytes) for judgment, _ in state.judgments.values())
    incremental.forget_memory()  # as a new process: the state read back from the database
    assert evaluate(s.archive, list(s.agencies.values()), YEAR, dt.date(2025, 4, 10)) == first


def test_a_first_save_of_a_year_drops_rows_no_kept_state_owns(scenario) -> None:
    """Rows of a year without its head (a torn past: the head deleted) are no one's state; the
    first save of the year drops them all (it used to drop only the agencies it saved)."""
    from sqlalchemy import delete

    s = scenario
    judged = judged_scene(s)
    rows = [incremental.row_of(entry, "", judged[entry.name]) for entry in s.agencies.values()]
    judgments = {row.agency: kept.encode(judged[row.agency]) for row in rows}
    assert monitor_state.save(s.archive, YEAR, None, dt.date(2025, 4, 10), {}, (), rows, judgments,
                              {("丙局", "甲局"): 0.5})
    with s.archive.engine.begin() as connection:
        connection.execute(delete(monitor_state.monitor_state))
    first = rows[0]
    assert monitor_state.save(s.archive, YEAR, None, dt.date(2025, 4, 11), {}, (), [first],
                              {first.agency: judgments[first.agency]}, {})
    state = monitor_state.load(s.archive, YEAR)
    assert set(state.judged) == set(state.judgments) == {first.agency}
    assert state.pairs == {} and state.generation == 1
