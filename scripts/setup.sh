#!/usr/bin/env bash
# Set up nianbao on a fresh machine: a project .venv with nianbao and its test tools installed.
# Idempotent; safe to re-run. Debian packages are added here as features need them.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
echo "nianbao set up: $(.venv/bin/nianbao --version)"
