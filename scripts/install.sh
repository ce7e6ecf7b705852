#!/usr/bin/env bash
# Install what geo112 needs on a fresh Debian machine, idempotently; sourced by demo.sh and test.sh.
#   - Debian packages: PostGIS and pgRouting for PostgreSQL 15, Redis, Patroni and etcd (the HA test cluster),
#     Chromium for the browser tests, nginx and openssl for the front door (scripts/proxy.sh), Kamailio with
#     its PostgreSQL, JSON and HTTP modules for the phone system and baresip for scripted phones (scripts/sip.sh),
#     the DejaVu fonts the PDF report and its charts are laid out and printed in, and poppler-utils (pdftoppm)
#     for the test that rasterises the printed report
#     (Debian's kamailio package enables a kamailio service of its own where systemd runs; geo112 does not use
#     it: sip.sh runs a Kamailio with the project's configuration on a loopback port.)
#     (Debian's nginx package starts its own service on port 80 where systemd runs; geo112 does not use it:
#     proxy.sh runs an nginx master of its own. `systemctl disable --now nginx` if port 80 should stay free.)
#   - PostgreSQL and Redis started when they are not running
#   - a Python virtual environment in .venv with geo112 and the exact versions of requirements.lock
#   - the web app's JavaScript/CSS assets, served locally (no CDN at run time)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${GEO112_VENV:-$ROOT/.venv}"
PG_VERSION="${PG_VERSION:-15}"
APT_PACKAGES=("postgresql-$PG_VERSION-postgis-3" "postgresql-$PG_VERSION-pgrouting" redis-server patroni etcd-server
              etcd-client chromium nodejs npm nginx openssl kamailio kamailio-extra-modules kamailio-postgres-modules
              kamailio-json-modules kamailio-utils-modules baresip fonts-dejavu-core poppler-utils)

log() { printf '\033[1m[geo112]\033[0m %s\n' "$*"; }

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# Node may come from elsewhere than Debian (it does on some images): then npm is there already.
if command -v npm >/dev/null; then missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}"); fi
read -r -a missing <<< "${missing[*]}"
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  log "starting PostgreSQL $PG_VERSION"
  pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main start || pg_ctlcluster "$PG_VERSION" main start
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

# The workers share login limits in Redis: start it when nothing answers on its port.
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  log "starting Redis on 127.0.0.1:6379"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/geo112.log
  for _ in $(seq 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.2; done
fi

if [ ! -x "$VENV/bin/python" ]; then
  log "creating Python environment $VENV"
  python3 -m venv "$VENV"
fi
stamp="$VENV/.geo112-installed"
if [ ! -f "$stamp" ] || [ "$ROOT/requirements.lock" -nt "$stamp" ] || [ "$ROOT/setup.cfg" -nt "$stamp" ]; then
  log "installing geo112 and the exact versions of requirements.lock"
  "$VENV/bin/pip" install -q -r "$ROOT/requirements.lock"
  # setup.cfg declares the template, static and migration folders as package data; what setuptools still
  # prints for an editable flat layout is an information note about import precedence, not about this project.
  PYTHONWARNINGS='ignore:Editable installation' "$VENV/bin/pip" install -q --no-deps -e "$ROOT"
  touch "$stamp"
fi

if [ -f "$ROOT/web/package.json" ] && [ ! -d "$ROOT/web/node_modules" -o "$ROOT/web/package.json" -nt "$ROOT/web/node_modules" ]; then
  log "installing the web app's JavaScript assets (npm registry)"
  (cd "$ROOT/web" && npm ci --no-audit --no-fund --silent && touch node_modules)
fi
export PATH="$VENV/bin:$PATH"
