#!/usr/bin/env bash
# Install what the tests need (PostGIS, Chromium, the Python environment), start PostgreSQL, lint and type-check,
# run every test.
# Extra arguments go to pytest, e.g. `scripts/test.sh tests/geography -x`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/install.sh"
cd "$ROOT"
log "lint: ruff check, ruff format --check, mypy, docstring references"
ruff check .
ruff format --check .
mypy
python scripts/check_references.py
log "running the tests"
exec python -m pytest "$@"
