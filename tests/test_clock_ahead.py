"""The hook scripts/test.sh uses to run the suite on another day moves a Python process's clock,
and its children's, by the days asked, and leaves sleeps and waits working."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

HOOK = Path(__file__).resolve().parent.parent / "scripts" / "clock_ahead"
PROGRAM = """
import datetime, json, subprocess, sys, threading, time
e = threading.Event(); start = time.monotonic(); e.wait(0.05); time.sleep(0.05)
child = subprocess.run([sys.executable, "-c", "import time; print(time.time())"], capture_output=True, text=True)
print(json.dumps({"now": time.time(), "today": datetime.date.today().isoformat(),
                  "child": float(child.stdout), "waited": time.monotonic() - start}))
"""


def run_ahead(days: int, tmp_path: Path) -> tuple[dict, float]:
    import json

    env = {**os.environ, "NIANBAO_TEST_CLOCK_AHEAD_DAYS": str(days), "PYTHONPATH": str(HOOK)}
    done = subprocess.run([sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True, timeout=60,
                          check=True)
    stamp = tmp_path / "now"
    stamp.touch()  # the kernel's clock, which no hook moves
    return json.loads(done.stdout), stamp.stat().st_mtime


def test_the_clock_moves_ahead_by_the_days_asked_in_the_process_and_its_children(tmp_path: Path) -> None:
    seen, real = run_ahead(3653, tmp_path)
    ahead = dt.timedelta(days=3653).total_seconds()
    assert abs(seen["now"] - real - ahead) < 120, (seen, real)
    assert abs(seen["child"] - real - ahead) < 120, (seen, real)
    assert dt.date.fromisoformat(seen["today"]).year >= dt.datetime.fromtimestamp(real, dt.UTC).year + 9
    assert 0.09 <= seen["waited"] < 10  # sleeps and timed waits still work


def test_without_the_variable_the_hook_changes_nothing(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NIANBAO_TEST_CLOCK_AHEAD_DAYS"}
    env["PYTHONPATH"] = str(HOOK)
    done = subprocess.run([sys.executable, "-c", "import time; print(time.time())"], env=env,
                          capture_output=True, text=True, timeout=60, check=True)
    stamp = tmp_path / "now"
    stamp.touch()
    assert abs(float(done.stdout) - stamp.stat().st_mtime) < 120


# What may read the wall clock. parsing/ never does (bytes in, record out), which is why its tests
# are clock_free (tests/conftest.py) and run on today's clock only.
CLOCK_READS = ("datetime.now(", "date.today(", "time.time(", "datetime.utcnow(", "datetime.today(",
               "dt.datetime.now(", "dt.date.today(", "time.localtime(", "time.gmtime(")


def test_parsing_reads_no_clock() -> None:
    parsing = Path(__file__).resolve().parent.parent / "parsing"
    reads = [f"{path.name}:{n}" for path in sorted(parsing.rglob("*.py"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if any(call in line for call in CLOCK_READS)]
    assert not reads, reads
