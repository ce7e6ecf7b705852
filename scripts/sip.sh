#!/usr/bin/env bash
# geo112's SIP server: Debian's Kamailio with the project's configuration (scripts/kamailio/kamailio.cfg), on a
# loopback port, posting each call's events to geo112 (docs/telephony.md). Its configuration, pid file and
# control socket are kept in $GEO112_RUN_DIR/sip.
#
#   bash scripts/sip.sh start    write the configuration from the template, check it and start Kamailio
#   bash scripts/sip.sh stop     stop the Kamailio of the pid file (by its PID)
#   bash scripts/sip.sh status   say whether it runs; exit status 0 when it does, 3 when not
#
# Environment (defaults in brackets):
#   GEO112_RUN_DIR          where its files go [.run in the checkout]
#   GEO112_SIP_PORT         UDP port on 127.0.0.1 that phones register to and call 112 on [5060]
#   GEO112_SIP_EVENTS_URL   geo112's call event endpoint [http://127.0.0.1:${GEO112_PORT:-5000}/api/v1/telephony/events]
#   GEO112_PBX_TOKEN        the token geo112 expects from its PBX (the app reads the same variable); required
#   GEO112_SIP_NUMBER       the emergency number [112]
#   GEO112_SIP_RING_S       how long the phones ring before the call counts as unanswered [30]
#   GEO112_SIP_RPC_PORT     TCP port on 127.0.0.1 of the JSON-RPC geo112 hangs calls up through [SIP port + 11];
#                           geo112's GEO112_PBX_CONTROL_URL is http://127.0.0.1:<this port>/RPC
#   GEO112_KAMAILIO         the kamailio binary [/usr/sbin/kamailio]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="${GEO112_RUN_DIR:-$ROOT/.run}"
PREFIX="$RUN_DIR/sip"
PORT="${GEO112_SIP_PORT:-5060}"
EVENTS_URL="${GEO112_SIP_EVENTS_URL:-http://127.0.0.1:${GEO112_PORT:-5000}/api/v1/telephony/events}"
NUMBER="${GEO112_SIP_NUMBER:-112}"
RING_S="${GEO112_SIP_RING_S:-30}"
RPC_PORT="${GEO112_SIP_RPC_PORT:-}"
KAMAILIO="${GEO112_KAMAILIO:-/usr/sbin/kamailio}"
CONF="$PREFIX/kamailio.cfg"
PIDFILE="$PREFIX/kamailio.pid"

say() { printf '\033[1m[geo112 sip]\033[0m %s\n' "$*"; }
fail() { say "$*" >&2; exit 1; }

# shellcheck source=scripts/pidfile.sh
source "$ROOT/scripts/pidfile.sh"
# The PID of the running Kamailio of this run directory, or nothing.
running_pid() { pid_of "$PIDFILE" kamailio; }

configure() {
  [[ "$PORT" =~ ^[0-9]+$ ]] || fail "not a port: $PORT"
  RPC_PORT="${RPC_PORT:-$((PORT + 11))}"
  [[ "$RPC_PORT" =~ ^[0-9]+$ ]] || fail "GEO112_SIP_RPC_PORT is not a port: $RPC_PORT"
  [[ "$RING_S" =~ ^[0-9]+$ ]] || fail "GEO112_SIP_RING_S is not a whole number of seconds: $RING_S"
  [[ "$NUMBER" =~ ^[0-9]+$ ]] || fail "GEO112_SIP_NUMBER is not a number: $NUMBER"
  [[ "$EVENTS_URL" =~ ^https?://[A-Za-z0-9.:/_-]+$ ]] || fail "GEO112_SIP_EVENTS_URL is not an http(s) URL: $EVENTS_URL"
  local token="${GEO112_PBX_TOKEN:-}"
  [ ${#token} -ge 16 ] || fail "set GEO112_PBX_TOKEN (16 characters or more; geo112 reads the same variable)"
  [[ "$token" =~ ^[A-Za-z0-9._~-]+$ ]] || fail "GEO112_PBX_TOKEN may hold letters, digits and . _ ~ - only"
  case "$PREFIX" in *[[:space:]\;\"\'\$@]*) fail "the run directory's path holds a space, quote, ';', '@' or '\$': $PREFIX" ;; esac
  [ -x "$KAMAILIO" ] || fail "kamailio is missing (bash scripts/install.sh installs Debian's kamailio)"
  mkdir -p "$PREFIX"
  local conf
  conf="$(<"$ROOT/scripts/kamailio/kamailio.cfg")"
  conf="${conf//"@SIP_PORT@"/"$PORT"}"
  conf="${conf//"@EVENTS_URL@"/"$EVENTS_URL"}"
  conf="${conf//"@TOKEN@"/"$token"}"
  conf="${conf//"@EMERGENCY@"/"$NUMBER"}"
  conf="${conf//"@RING_MS@"/"${RING_S}000"}"
  conf="${conf//"@CTL_SOCKET@"/"$PREFIX/kamailio.ctl"}"
  conf="${conf//"@RPC_PORT@"/"$RPC_PORT"}"
  # The token is in the file: readable by its owner only.
  (umask 077 && printf '%s\n' "$conf" > "$CONF.new")
  "$KAMAILIO" -c -f "$CONF.new" >"$PREFIX/check.log" 2>&1 || fail "kamailio refuses $CONF.new (see $PREFIX/check.log)"
  mv "$CONF.new" "$CONF"
}

start() {
  [ -z "$(running_pid)" ] || fail "Kamailio runs already (PID $(running_pid)); bash scripts/sip.sh stop first"
  configure
  rm -f "$PIDFILE"
  "$KAMAILIO" -f "$CONF" -P "$PIDFILE" -Y "$PREFIX" -E >"$PREFIX/kamailio.log" 2>&1
  for _ in $(seq 50); do [ -n "$(running_pid)" ] && break; sleep 0.1; done
  [ -n "$(running_pid)" ] || fail "Kamailio did not start (see $PREFIX/kamailio.log)"
  say "Kamailio (PID $(running_pid)) on udp:127.0.0.1:$PORT; $NUMBER rings the phones geo112 names"
  say "hang-ups from the console: GEO112_PBX_CONTROL_URL=http://127.0.0.1:$RPC_PORT/RPC"
}

stop() {
  local pid
  pid="$(running_pid)"
  [ -n "$pid" ] || { say "not running"; return 0; }
  stop_pid "$pid" 5 || fail "Kamailio (PID $pid) did not stop within 5 s"
  rm -f "$PIDFILE"
  say "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) pid="$(running_pid)"; if [ -n "$pid" ]; then say "running (PID $pid)"; else say "not running"; exit 3; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
