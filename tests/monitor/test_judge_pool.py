"""Judging in worker processes (nianbao.monitoring.judge_pool) gives the judgments judging in
this process gives, in the same order, on both backends; the workers' come with their kept
encoding (nianbao.monitoring.kept), which decodes to them."""

from __future__ import annotations

import datetime as dt

from nianbao.devportal.monitor_pages import OTHER_NARRATIVE, SAMPLE_NARRATIVE
from nianbao.monitoring import incremental, judge_pool, kept
from nianbao.monitoring.evaluation import DEFAULT_COPY_THRESHOLD
from storage.vocab import CrawlOutcome

YEAR = 2024


def test_judge_batches_in_worker_processes_equals_in_process(scenario, monkeypatch) -> None:
    s = scenario
    agencies = [s.agency(name) for name in ("甲局", "乙局", "丙局", "丁局", "戊局")]
    s.publish(agencies[0], YEAR, "2025-01-10 09:00", narrative=SAMPLE_NARRATIVE)
    s.publish(agencies[0], YEAR - 1, "2024-01-10 09:00", narrative=SAMPLE_NARRATIVE.replace("我局", "本局"))
    s.publish(agencies[1], YEAR, "2025-02-12 09:00", narrative=OTHER_NARRATIVE)
    url = s.publish(agencies[4], YEAR, "2025-01-15 09:00", narrative=OTHER_NARRATIVE.replace("我委", "我局"))
    s.fetch(agencies[4], url, "2025-03-01 09:00")
    s.fetch(agencies[4], url, "2025-03-03 09:00")
    for agency in agencies:
        s.crawl(agency, "2025-04-02 10:00", CrawlOutcome.UNREACHABLE if agency is agencies[3] else CrawlOutcome.REACHED)
    monkeypatch.setattr(incremental, "BATCH", 1)  # five batches
    monkeypatch.setattr(judge_pool, "POOL_MIN_BATCHES", 2)
    here_calls = []
    real = incremental.judge_batch

    def spy(archive, batch, *args):
        here_calls.append([e.name for e in batch])
        return real(archive, batch, *args)

    entries = list(s.agencies.values())
    as_of = dt.date(2025, 4, 10)
    alone, none_sent = incremental.judge_batches(s.archive, entries, YEAR, as_of, DEFAULT_COPY_THRESHOLD, workers=0)
    monkeypatch.setattr(incremental, "judge_batch", spy)
    pooled, sent = incremental.judge_batches(s.archive, entries, YEAR, as_of, DEFAULT_COPY_THRESHOLD, workers=1)
    assert len(here_calls) < len(entries)  # the worker judged some (two are handed to it before this process starts)
    assert list(pooled) == list(alone) == [e.name for e in entries]
    assert pooled == alone
    judged_here = {name for names in here_calls for name in names}
    assert none_sent == {} and set(sent) == set(alone) - judged_here
    assert all(kept.decode(name, *sent[name]) == alone[name] for name in sent)
    assert {j.status.status.value for j in pooled.values()} >= {"on_time", "late", "unreachable"}
    assert any(j.findings for j in pooled.values()) and any(j.copied for j in pooled.values())
