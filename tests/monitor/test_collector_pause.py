"""An evaluation runs with Python's cyclic collector paused (nianbao.monitoring.evaluation
.collector_paused: it walked every held object of a national evaluation on each full collection),
and leaves it as it found it."""

from __future__ import annotations

import datetime as dt

from nianbao.devportal.monitor_pages import SAMPLE_NARRATIVE
from nianbao.monitoring import incremental

YEAR = 2024


def test_the_collector_is_paused_during_an_evaluation_and_enabled_after(scenario, monkeypatch) -> None:
    import gc

    from nianbao.monitoring import evaluate, evaluation

    s = scenario
    s.publish(s.agency("甲局"), YEAR, "2025-01-10 09:00", narrative=SAMPLE_NARRATIVE)
    seen = []
    real = incremental.judge_batches

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(incremental, "judge_batches", spy)
    assert gc.isenabled()
    evaluate(s.archive, list(s.agencies.values()), YEAR, dt.date(2025, 4, 10))
    assert seen == [False] and gc.isenabled()
    gc.disable()  # a process that runs without the collector keeps it off
    try:
        evaluate(s.archive, list(s.agencies.values()), YEAR, dt.date(2025, 4, 10), incremental=False)
        assert seen == [False, False] and not gc.isenabled()
    finally:
        gc.enable()
    assert evaluation._pauses == 0


def test_what_an_evaluation_allocated_is_left_in_the_oldest_generation(scenario, monkeypatch) -> None:
    """Left in the youngest generation, it was all walked by the first collection after the
    collector came back (seconds at a national registry, inside the evaluation)."""
    import gc

    from nianbao.monitoring import evaluate

    s = scenario
    s.publish(s.agency("甲局"), YEAR, "2025-01-10 09:00", narrative=SAMPLE_NARRATIVE)
    held = []
    real = incremental.judge_batches

    def spy(*args, **kwargs):
        held.append([[n] for n in range(2000)])  # tracked objects (lists always are) made while the collector is paused
        return real(*args, **kwargs)

    monkeypatch.setattr(incremental, "judge_batches", spy)
    evaluate(s.archive, list(s.agencies.values()), YEAR, dt.date(2025, 4, 10))
    marker = held[0][-1]
    assert gc.isenabled()
    assert any(o is marker for o in gc.get_objects(generation=2))
    assert not any(o is marker for o in gc.get_objects(generation=0))
