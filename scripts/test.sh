#!/usr/bin/env bash
# Run the whole test suite on a fresh machine (sets up first). CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
