#!/usr/bin/env bash
# Refresh requirements.lock: the newest versions setup.cfg allows (with its dev extras), pinned exactly, for
# the Python of .venv. Commit the result; scripts/install.sh installs from it on every machine.
#   bash scripts/lock.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${GEO112_VENV:-$ROOT/.venv}"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q "pip-tools>=7.4"
cd "$ROOT"
"$VENV/bin/pip-compile" --quiet --upgrade --extra dev --strip-extras --no-emit-index-url --no-emit-find-links \
  --output-file requirements.lock setup.cfg
echo "requirements.lock refreshed; run scripts/test.sh, then commit it"
