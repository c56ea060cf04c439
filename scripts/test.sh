#!/usr/bin/env bash
# Run the whole test suite on a fresh machine (sets up first). CI runs exactly this.
#
# The suite runs twice: on today's clock, then with the clock of every Python process it starts
# moved three years (1,096 days) ahead (scripts/clock_ahead/sitecustomize.py: time-machine,
# started in each process through PYTHONPATH), so that no test depends on the day it runs.
# NIANBAO_TEST_CLOCK=today or NIANBAO_TEST_CLOCK=ahead runs one of the two; extra arguments go
# to pytest (both runs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
which="${NIANBAO_TEST_CLOCK:-both}"
ahead_days="${NIANBAO_TEST_CLOCK_AHEAD_DAYS:-1096}"
status=0
# In parallel (pytest-xdist): a worker per core, at most 4; NIANBAO_TEST_WORKERS=0 runs in one process.
workers="${NIANBAO_TEST_WORKERS:-auto}"
parallel=""
if [ "$workers" != 0 ]; then
    parallel="--numprocesses $workers --maxprocesses 4"
fi
if [ "$which" = both ] || [ "$which" = today ]; then
    echo "== the test suite on today's clock ($(date -u +%F))"
    .venv/bin/python -m pytest $parallel "$@" || status=$?
fi
if [ "$which" = both ] || [ "$which" = ahead ]; then
    export NIANBAO_TEST_CLOCK_AHEAD_DAYS="$ahead_days"
    export PYTHONPATH="$PWD/scripts/clock_ahead${PYTHONPATH:+:$PYTHONPATH}"
    moved=$(.venv/bin/python -c 'import datetime; print(datetime.date.today())')
    echo "== the test suite with the clock moved $ahead_days days ahead ($moved), but for clock_free tests"
    # clock_free: slow tests of pure code that reads no clock (OCR, parsing); date_blind: slow tests
    # whose assertions cannot depend on the date (crash, pacing); both run once above.
    .venv/bin/python -m pytest $parallel -m "not clock_free and not date_blind" "$@" || status=$?
fi
exit $status
