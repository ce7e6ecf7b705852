#!/usr/bin/env bash
# The HA test cluster (Patroni + etcd, three PostgreSQL/PostGIS members on loopback): see scripts/ha.py.
#   bash scripts/ha.sh start | load | status | url | stop   [--dir DIR] [--database NAME]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/install.sh"
cd "$ROOT"
exec python scripts/ha.py "$@"
