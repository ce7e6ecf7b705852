#!/usr/bin/env bash
# Set up everything and run the dispatcher app on the demo data: http://127.0.0.1:${GEO112_PORT:-5000}/
# Idempotent: running it again upgrades the database, reloads the data and restarts the app.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/install.sh"
cd "$ROOT"

log "migrating the database"
geo112 db upgrade
log "loading Kabupaten Mojokerto's geodata and the demo fleet"
geo112 data load >/dev/null
log "building the road graph (cached after the first run)"
geo112 graph build
log "a synthetic incident history for the planners' analytics (labelled synthetic; the same on every run)"
geo112 history generate >/dev/null
log "demo users (the passwords are new on every run):"
geo112 users demo
log "starting the dispatcher app on http://127.0.0.1:${GEO112_PORT:-5000}/ (Ctrl-C stops it)"
exec gunicorn -c python:web.gunicorn_config --bind "127.0.0.1:${GEO112_PORT:-5000}" --workers 2 --threads 4 \
  "web:create_app()"
