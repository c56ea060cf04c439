#!/usr/bin/env bash
# Run the whole test suite on a fresh machine (sets up first). CI runs exactly this.
#
# The suite runs twice: on today's clock, then with every process's clock moved three years
# ahead by libfaketime (the crawler's subprocesses, PostgreSQL and Redis too), so that no test
# depends on the day it runs. NIANBAO_TEST_CLOCK=today or NIANBAO_TEST_CLOCK=ahead runs one of
# the two; extra arguments go to pytest (both runs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
which="${NIANBAO_TEST_CLOCK:-both}"
status=0
if [ "$which" = both ] || [ "$which" = today ]; then
    echo "== the test suite on today's clock ($(date -u +%F))"
    .venv/bin/python -m pytest "$@" || status=$?
fi
if [ "$which" = both ] || [ "$which" = ahead ]; then
    # libfaketime (Debian's faketime, installed by setup.sh): a relative offset, so the clock
    # still runs; the monotonic clock is left alone (time-outs and rate limits measure spans).
    lib=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n1)
    if [ -z "$lib" ]; then
        echo "libfaketime is missing: run scripts/setup.sh" >&2
        exit 1
    fi
    echo "== the test suite with the clock moved three years ahead ($(FAKETIME=+3y LD_PRELOAD=$lib date -u +%F))"
    FAKETIME="+3y" FAKETIME_DONT_FAKE_MONOTONIC=1 LD_PRELOAD="$lib" \
        .venv/bin/python -m pytest "$@" || status=$?
fi
exit $status
