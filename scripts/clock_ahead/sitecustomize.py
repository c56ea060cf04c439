"""Moves this Python process's clock ahead, for running the test suite on another day.

scripts/test.sh puts this folder on PYTHONPATH with NIANBAO_TEST_CLOCK_AHEAD_DAYS set, so every
Python process of the run (pytest, and the `nianbao crawl`/`serve` children it starts, which
inherit the environment) starts `time-machine` travelling that many days ahead. The clock keeps
ticking; the monotonic clock, sleeps and time-outs are untouched. Servers that are not Python
(PostgreSQL, Redis, Chromium) keep the real clock: nianbao stamps every moment in Python
(storage.clock), and the crawl's pacing reads only Redis's own clock.

libfaketime was tried first: with an offset, its 0.9.10 (Debian 12) makes time.sleep fail with
EINVAL or leaves threading waits hanging, so it cannot run a threaded suite.
"""

import os

_days = os.environ.get("NIANBAO_TEST_CLOCK_AHEAD_DAYS")
if _days:
    import datetime as _dt

    import time_machine as _time_machine

    _time_machine.travel(_dt.datetime.now(_dt.timezone.utc) + _dt.timedelta(days=int(_days)), tick=True).start()
