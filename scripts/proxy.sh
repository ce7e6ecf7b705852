#!/usr/bin/env bash
# geo112's front door: Debian's nginx, as a master process of its own, in front of gunicorn
# (docs/operations.md, "Front door (nginx)"). Not Debian's nginx service: this one keeps its configuration,
# pid file, logs, temporary files and certificate in $GEO112_RUN_DIR/proxy.
#
#   bash scripts/proxy.sh start    write the configuration (scripts/nginx.conf.template), a self-signed
#                                  certificate on first use, and start nginx; reload it when it runs already
#   bash scripts/proxy.sh stop     stop the nginx of the pid file (fast shutdown: open requests are cut)
#   bash scripts/proxy.sh status   say whether it runs; exit status 0 when it does, 3 when not
#   bash scripts/proxy.sh url      print the HTTPS address
#
# Environment (defaults in brackets):
#   GEO112_RUN_DIR           where the proxy's files go [.run in the checkout]
#   GEO112_PROXY_ADDRESS     the address it listens on [127.0.0.1]
#   GEO112_PROXY_PORT        HTTPS port [8443]
#   GEO112_PROXY_HTTP_PORT   plain HTTP port, which redirects to HTTPS [8080]
#   GEO112_PROXY_PLAIN_HTTP  1: the HTTP port serves the app instead of redirecting (tests, machine clients
#                            on loopback; a browser's Secure cookie is not sent over it) [0]
#   GEO112_UPSTREAM          gunicorn's address, or several separated by commas [127.0.0.1:5000]
#   GEO112_PROXY_CERT, GEO112_PROXY_KEY
#                            the certificate chain and key in PEM (production); unset: a self-signed one for
#                            127.0.0.1 and localhost is made in the run directory, and no HSTS header is sent
#   GEO112_PROXY_USER        the workers' user when started as root [www-data]; it must reach the run directory
#   GEO112_PROXY_ERROR_LOG_LEVEL
#                            nginx's error log level [crit]; error, warn, ... quote request lines with tokens
#   GEO112_NGINX             the nginx binary [nginx on PATH, else /usr/sbin/nginx]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="${GEO112_RUN_DIR:-$ROOT/.run}"
PREFIX="$RUN_DIR/proxy"
ADDRESS="${GEO112_PROXY_ADDRESS:-127.0.0.1}"
HTTPS_PORT="${GEO112_PROXY_PORT:-8443}"
HTTP_PORT="${GEO112_PROXY_HTTP_PORT:-8080}"
UPSTREAM="${GEO112_UPSTREAM:-127.0.0.1:5000}"
PLAIN="${GEO112_PROXY_PLAIN_HTTP:-0}"
CERT="${GEO112_PROXY_CERT:-}"
KEY="${GEO112_PROXY_KEY:-}"
ERROR_LOG_LEVEL="${GEO112_PROXY_ERROR_LOG_LEVEL:-crit}"
NGINX="${GEO112_NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"
CONF="$PREFIX/nginx.conf"
PIDFILE="$PREFIX/nginx.pid"

say() { printf '\033[1m[geo112 proxy]\033[0m %s\n' "$*"; }
fail() { say "$*" >&2; exit 1; }

url() {
  local host="$ADDRESS"
  [ "$host" != "0.0.0.0" ] || host=127.0.0.1
  if [ "$HTTPS_PORT" = 443 ]; then echo "https://$host/"; else echo "https://$host:$HTTPS_PORT/"; fi
}

# shellcheck source=scripts/pidfile.sh
source "$ROOT/scripts/pidfile.sh"
# The PID of the running nginx master of this run directory, or nothing.
running_pid() { pid_of "$PIDFILE" nginx; }

certificate() {
  if [ -n "$CERT" ] || [ -n "$KEY" ]; then
    [ -r "$CERT" ] && [ -r "$KEY" ] || fail "GEO112_PROXY_CERT and GEO112_PROXY_KEY must both name readable files"
    return
  fi
  CERT="$PREFIX/tls/cert.pem"
  KEY="$PREFIX/tls/key.pem"
  # First use, or less than a day left: a new self-signed certificate (browsers warn about it: a demo's).
  if [ -s "$CERT" ] && [ -s "$KEY" ] && openssl x509 -checkend 86400 -noout -in "$CERT" >/dev/null; then return; fi
  command -v openssl >/dev/null || fail "openssl is missing (bash scripts/install.sh installs it)"
  local names="IP:127.0.0.1,DNS:localhost"
  case "$ADDRESS" in 127.0.0.1|0.0.0.0) ;; *) names="$names,IP:$ADDRESS" ;; esac
  mkdir -p "$PREFIX/tls"
  say "making a self-signed certificate for $names in $PREFIX/tls"
  (umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
     -subj "/CN=geo112 front door (self-signed)" -addext "subjectAltName=$names" \
     -keyout "$KEY" -out "$CERT" 2>/dev/null)
  chmod 644 "$CERT"
}

configure() {
  # They go into the configuration as they are.
  case "$PREFIX" in *[[:space:]\;\{\}\"\'\$]*) fail "the run directory's path holds a space, quote, ';', '{', '}' or '\$': $PREFIX" ;; esac
  for port in "$HTTPS_PORT" "$HTTP_PORT"; do [[ "$port" =~ ^[0-9]+$ ]] || fail "not a port: $port"; done
  case "$UPSTREAM" in *[!][A-Za-z0-9.:_,-]*|,*|*,|*,,*|"") fail "GEO112_UPSTREAM must be host:port[,host:port...], not $UPSTREAM" ;; esac
  case "$ADDRESS" in *[!][A-Fa-f0-9.:]*|"") fail "GEO112_PROXY_ADDRESS must be an IP address, not $ADDRESS" ;; esac
  case "$ERROR_LOG_LEVEL" in debug|info|notice|warn|error|crit|alert|emerg) ;; *) fail "not a log level: $ERROR_LOG_LEVEL" ;; esac
  [ -x "$NGINX" ] || fail "nginx is missing (bash scripts/install.sh installs Debian's nginx)"
  mkdir -p "$PREFIX/logs" "$PREFIX/tmp"
  chmod 755 "$PREFIX" "$PREFIX/tmp"
  certificate

  local user_line="" redirect="" hsts="" port_suffix=":$HTTPS_PORT"
  if [ "$(id -u)" -eq 0 ]; then
    local user="${GEO112_PROXY_USER:-www-data}"
    # The workers write bodies and answers beyond their memory buffers under tmp/ (nginx makes the
    # directories theirs); they need every directory on the way to it.
    if [ "$user" != root ] && ! runuser -u "$user" -- test -x "$PREFIX/tmp" 2>/dev/null; then
      fail "user $user cannot reach $PREFIX/tmp: choose a GEO112_RUN_DIR it can reach, or set GEO112_PROXY_USER"
    fi
    user_line="user $user;"
  fi
  [ "$HTTPS_PORT" != 443 ] || port_suffix=""
  if [ "$PLAIN" != 1 ]; then
    redirect="if (\$scheme = http) { return 308 https://\$host$port_suffix\$request_uri; }"
  fi
  if [ -n "${GEO112_PROXY_CERT:-}" ]; then
    hsts='add_header Strict-Transport-Security "max-age=31536000" always;'
  fi

  # Literal replacements (quoted: no pattern, and & stays itself in bash 5.2).
  local conf
  conf="$(<"$ROOT/scripts/nginx.conf.template")"
  conf="${conf//"{{USER_LINE}}"/"$user_line"}"
  conf="${conf//"{{PREFIX}}"/"$PREFIX"}"
  conf="${conf//"{{ERROR_LOG_LEVEL}}"/"$ERROR_LOG_LEVEL"}"
  local servers="" server upstreams
  IFS=, read -r -a upstreams <<< "$UPSTREAM"
  for server in "${upstreams[@]}"; do servers="${servers:+$servers }server $server;"; done
  conf="${conf//"{{UPSTREAM_SERVERS}}"/"$servers"}"
  conf="${conf//"{{CERT}}"/"$CERT"}"
  conf="${conf//"{{KEY}}"/"$KEY"}"
  conf="${conf//"{{ADDRESS}}"/"$ADDRESS"}"
  conf="${conf//"{{HTTPS_PORT}}"/"$HTTPS_PORT"}"
  conf="${conf//"{{HTTP_PORT}}"/"$HTTP_PORT"}"
  conf="${conf//"{{REDIRECT}}"/"$redirect"}"
  conf="${conf//"{{HSTS}}"/"$hsts"}"
  [[ "$conf" != *"{{"* ]] || fail "scripts/nginx.conf.template has a field proxy.sh does not fill"
  printf '%s\n' "$conf" > "$CONF.new"
  if ! "$NGINX" -t -q -p "$PREFIX/" -c "$CONF.new" -e "$PREFIX/logs/error.log"; then
    fail "nginx refuses the configuration $CONF.new"
  fi
  mv "$CONF.new" "$CONF"
}

start() {
  configure
  local pid
  pid="$(running_pid)"
  if [ -n "$pid" ]; then
    kill -HUP "$pid"
    say "reloaded nginx (pid $pid): $(url) and http://$ADDRESS:$HTTP_PORT/ -> $UPSTREAM"
    return
  fi
  rm -f "$PIDFILE"
  "$NGINX" -p "$PREFIX/" -c "$CONF" -e "$PREFIX/logs/error.log"
  # The master writes its pid file once it is a daemon; its ports are open already.
  for _ in $(seq 50); do [ -n "$(running_pid)" ] && break; sleep 0.1; done
  pid="$(running_pid)"
  [ -n "$pid" ] || fail "nginx did not start; see $PREFIX/logs/error.log"
  say "nginx (pid $pid) on $(url) and http://$ADDRESS:$HTTP_PORT/ ($([ "$PLAIN" = 1 ] && echo plain || echo "redirects to HTTPS")) -> $UPSTREAM; logs in $PREFIX/logs"
}

stop() {
  local pid
  pid="$(running_pid)"
  if [ -z "$pid" ]; then say "nginx is not running ($PREFIX)"; rm -f "$PIDFILE"; return; fi
  stop_pid "$pid" 10 || fail "nginx (pid $pid) did not stop within 10 s"
  rm -f "$PIDFILE"
  say "stopped nginx (pid $pid)"
}

status() {
  local pid
  pid="$(running_pid)"
  if [ -n "$pid" ]; then
    # What the running configuration says, whatever this environment says.
    local listens upstreams
    listens="$(grep -o 'listen [^;]*' "$CONF" | cut -d' ' -f2- | paste -sd, | sed 's/,/, /g')"
    upstreams="$(awk '/upstream geo112 \{/ {getline; print; exit}' "$CONF" | grep -o 'server [^;]*' | cut -d' ' -f2 | paste -sd,)"
    say "nginx running (pid $pid) on $listens -> $upstreams ($PREFIX)"
    return 0
  fi
  say "nginx is not running ($PREFIX)"
  return 3
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  url) url ;;
  *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
