#!/usr/bin/env bash
# Set up everything and run the dispatcher app on the demo data behind its front door: gunicorn on
# 127.0.0.1:${GEO112_PORT:-5000}, nginx (scripts/proxy.sh) in front on https://127.0.0.1:${GEO112_PROXY_PORT:-8443}/
# with a self-signed certificate. The app is told it is behind one proxy and served over HTTPS (Secure cookies),
# so a browser logs in on the HTTPS address only. The phone system (scripts/sip.sh: Kamailio on
# udp:127.0.0.1:${GEO112_SIP_PORT:-5060}) posts its calls to the app. Ctrl-C stops all three.
# Idempotent: running it again upgrades the database, reloads the data and restarts the app (and reloads the proxy).
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
geo112 users phone demo-dispatcher op1 >/dev/null
PORT="${GEO112_PORT:-5000}"
# The phone system and the app share a token of this run (GEO112_PBX_TOKEN when set).
export GEO112_PBX_TOKEN="${GEO112_PBX_TOKEN:-$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')}"
# The console hangs calls up through Kamailio's JSON-RPC port (scripts/sip.sh: the SIP port + 11).
export GEO112_SIP_RPC_PORT="${GEO112_SIP_RPC_PORT:-$((${GEO112_SIP_PORT:-5060} + 11))}"
export GEO112_PBX_CONTROL_URL="http://127.0.0.1:$GEO112_SIP_RPC_PORT/RPC"
log "starting the dispatcher app on 127.0.0.1:$PORT behind the proxy"
GEO112_PROXY_HOPS=1 GEO112_SECURE_COOKIES=1 \
  gunicorn -c python:web.gunicorn_config --bind "127.0.0.1:$PORT" --workers 2 --threads 4 "web:create_app()" &
app=$!
stop_all() {
  trap - EXIT INT TERM
  kill -TERM "$app" 2>/dev/null || true
  wait "$app" 2>/dev/null || true
  bash "$ROOT/scripts/proxy.sh" stop || true
  bash "$ROOT/scripts/sip.sh" stop || true
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
GEO112_UPSTREAM="127.0.0.1:$PORT" bash "$ROOT/scripts/proxy.sh" start
bash "$ROOT/scripts/sip.sh" stop >/dev/null
GEO112_SIP_EVENTS_URL="http://127.0.0.1:$PORT/api/v1/telephony/events" bash "$ROOT/scripts/sip.sh" start
log "phones: register a SIP phone as op1@127.0.0.1:${GEO112_SIP_PORT:-5060} (demo-dispatcher's seat; no password on" \
    "loopback) and call 112 there from another, e.g. baresip (docs/telephony.md)"
log "open the console on $(bash "$ROOT/scripts/proxy.sh" url) (self-signed certificate: the browser asks once;" \
    "plain http://127.0.0.1:$PORT/ keeps no login, its cookies are for HTTPS). Ctrl-C stops the app and the proxy"
wait "$app"
