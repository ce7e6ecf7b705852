#!/usr/bin/env bash
# Install what the tests need (PostGIS, Chromium, the Python environment), start PostgreSQL, run every test.
# Extra arguments go to pytest, e.g. `scripts/test.sh tests/geography -x`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/install.sh"
cd "$ROOT"
log "running the tests"
exec python -m pytest "$@"
