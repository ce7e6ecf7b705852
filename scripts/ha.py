"""A highly available PostgreSQL/PostGIS for geo112 on one machine, for tests and trials: Patroni + etcd.

Three etcd members hold the cluster state; three Patroni members each run a PostgreSQL 15 with PostGIS on a
loopback port, one primary and two streaming replicas, one of them synchronous, strictly: a commit is
acknowledged only once it is on two servers, also right after a failover (with no replica at all, writes wait
rather than land on one server; three members let one be lost without waiting). Patroni promotes the
synchronous replica when the primary is lost and turns the old primary into a replica when it comes back
(``pg_rewind``). ``docs/operations.md`` shows the same on three machines.

    python scripts/ha.py start [--dir DIR]    # or: bash scripts/ha.sh start
    python scripts/ha.py load [--database geo112]   # migrate and load the demo data into the cluster
    python scripts/ha.py status
    python scripts/ha.py url [--database geo112]
    python scripts/ha.py stop

PostgreSQL refuses to run as root, so the members run as the ``postgres`` user when started by root.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DIR = Path(os.environ.get("GEO112_HA_DIR", "/var/tmp/geo112-ha"))
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PATRONI = os.environ.get("PATRONI", "/usr/bin/patroni")
ETCD = os.environ.get("ETCD", "/usr/bin/etcd")
SCOPE = "geo112"
#: Loopback ports: etcd clients and peers, PostgreSQL, Patroni's REST API (away from the usual ones).
ETCD_CLIENT, ETCD_PEER, PG_PORT, API_PORT = 23790, 23800, 5440, 8440
MEMBERS = 3
#: Patroni's timing: the leader key lives 10 s without renewal, checked every second.
TTL_S, LOOP_WAIT_S, RETRY_TIMEOUT_S = 10, 1, 4


@dataclass(frozen=True)
class Member:
    """One Patroni-managed PostgreSQL: its name, ports and directories."""

    index: int
    base: Path

    @property
    def name(self) -> str:
        """``pg1``, ``pg2``, ``pg3``."""
        return f"pg{self.index}"

    @property
    def pg_port(self) -> int:
        """PostgreSQL's port on 127.0.0.1."""
        return PG_PORT + self.index

    @property
    def api_port(self) -> int:
        """Patroni's REST API port on 127.0.0.1."""
        return API_PORT + self.index

    @property
    def home(self) -> Path:
        """The member's directory (configuration, data, socket, log)."""
        return self.base / self.name


def _as_postgres() -> dict[str, str]:
    # Popen switches the user itself, so the pid it returns is Patroni's own (kill -9 must reach it).
    return {"user": "postgres", "group": "postgres"} if os.geteuid() == 0 else {}


def _pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:  # a child of ours that was killed stays a zombie until reaped, and a zombie still "exists"
        if os.waitpid(pid, os.WNOHANG)[0]:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _get(url: str, timeout: float = 2.0) -> tuple[int, dict[str, object] | None]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, None
    except (OSError, ValueError):
        return 0, None


def _end(signalled: list[Path], awaited: list[Path], timeout_s: float = 60.0) -> None:
    """SIGTERM the processes of ``signalled``, wait for them and ``awaited`` to exit, SIGKILL what is left."""
    for path in signalled:
        if _alive(pid := _pid(path)):
            os.kill(pid, signal.SIGTERM)  # type: ignore[arg-type]
    deadline = time.monotonic() + timeout_s
    for path in [*signalled, *awaited]:
        while _alive(_pid(path)) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(pid := _pid(path)):
            os.kill(pid, signal.SIGKILL)  # type: ignore[arg-type]


class Cluster:
    """The etcd and Patroni processes of one test cluster under ``base``.

    Parameters
    ----------
    base
        Directory for every member's data, configuration and logs (created, owned by ``postgres``).
    """

    def __init__(self, base: Path = DEFAULT_DIR) -> None:
        self.base = Path(base)
        self.members = [Member(i, self.base) for i in range(1, MEMBERS + 1)]

    # --- etcd -------------------------------------------------------------------------------------------

    def _etcd_cluster(self) -> str:
        return ",".join(f"e{i}=http://127.0.0.1:{ETCD_PEER + i}" for i in range(1, MEMBERS + 1))

    def start_etcd(self) -> None:
        """Start the three etcd members (a cluster of their own) and wait until it is healthy."""
        for i in range(1, MEMBERS + 1):
            home = self.base / f"etcd{i}"
            if _alive(_pid(home / "pid")):
                continue
            home.mkdir(parents=True, exist_ok=True)
            client, peer = f"http://127.0.0.1:{ETCD_CLIENT + i}", f"http://127.0.0.1:{ETCD_PEER + i}"
            args = [ETCD, "--name", f"e{i}", "--data-dir", str(home / "data"), "--listen-client-urls", client,
                    "--advertise-client-urls", client, "--listen-peer-urls", peer,
                    "--initial-advertise-peer-urls", peer, "--initial-cluster", self._etcd_cluster(),
                    "--initial-cluster-state", "new", "--initial-cluster-token", SCOPE,
                    "--heartbeat-interval", "100", "--election-timeout", "1000"]  # fmt: skip
            with open(home / "etcd.log", "ab") as log:
                process = subprocess.Popen(args, stdout=log, stderr=log, start_new_session=True)
            (home / "pid").write_text(str(process.pid))
        self._wait(lambda: all(_get(f"http://127.0.0.1:{ETCD_CLIENT + i}/health")[0] == 200
                               for i in range(1, MEMBERS + 1)), 60, "etcd did not become healthy")  # fmt: skip

    # --- Patroni ----------------------------------------------------------------------------------------

    def _config(self, member: Member) -> str:
        etcd_hosts = ", ".join(f"127.0.0.1:{ETCD_CLIENT + i}" for i in range(1, MEMBERS + 1))
        home = member.home
        return f"""\
scope: {SCOPE}
name: {member.name}
log: {{dir: {home}, file_num: 2, level: INFO}}
restapi: {{listen: 127.0.0.1:{member.api_port}, connect_address: 127.0.0.1:{member.api_port}}}
etcd3: {{hosts: [{etcd_hosts}]}}
bootstrap:
  dcs:
    ttl: {TTL_S}
    loop_wait: {LOOP_WAIT_S}
    retry_timeout: {RETRY_TIMEOUT_S}
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    synchronous_mode_strict: true
    synchronous_node_count: 1
    postgresql:
      use_pg_rewind: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        synchronous_commit: "on"
        max_connections: 200
  initdb: [{{encoding: UTF8}}, {{locale: C.UTF-8}}, data-checksums]
  pg_hba:
    - local all all trust
    - host all all 127.0.0.1/32 trust
    - host replication replicator 127.0.0.1/32 trust
postgresql:
  listen: 127.0.0.1:{member.pg_port}
  connect_address: 127.0.0.1:{member.pg_port}
  data_dir: {home / "data"}
  bin_dir: {PG_BIN}
  pgpass: {home / "pgpass"}
  authentication:
    superuser: {{username: postgres, password: postgres}}
    replication: {{username: replicator, password: replicator}}
    rewind: {{username: postgres, password: postgres}}
  parameters:
    unix_socket_directories: {home}
    shared_buffers: 32MB
    fsync: "on"
"""

    def start_member(self, member: Member) -> None:
        """Start one member's Patroni (which starts, bootstraps or rejoins its PostgreSQL)."""
        if _alive(_pid(member.home / "patroni.pid")):
            return
        member.home.mkdir(parents=True, exist_ok=True)
        config = member.home / "patroni.yml"
        config.write_text(self._config(member))
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres", "postgres")
            for path in [member.home, *member.home.rglob("*")]:
                shutil.chown(path, "postgres", "postgres")
        with open(member.home / "patroni.out", "ab") as log:
            # In its own directory: as the postgres user it may not enter the checkout's (a 0700 temporary one).
            process = subprocess.Popen([PATRONI, str(config)], stdout=log, stderr=log, start_new_session=True,
                                       cwd=member.home, env={**os.environ, "HOME": str(member.home)},
                                       **_as_postgres())  # fmt: skip
        (member.home / "patroni.pid").write_text(str(process.pid))

    def start(self, timeout_s: float = 180.0) -> None:
        """Start etcd, then every Patroni member; return when there is a leader and two streaming replicas."""
        self.base.mkdir(parents=True, exist_ok=True)
        self.start_etcd()
        self.start_member(self.members[0])
        self._wait(lambda: self.leader() is not None, timeout_s, "no Patroni leader")
        for member in self.members[1:]:
            self.start_member(member)
        self._wait(lambda: len(self.streaming()) == MEMBERS - 1, timeout_s, "the replicas did not stream")

    def cluster_state(self) -> list[dict[str, object]]:
        """Patroni's view of the members (name, role, state, lag), from any member that answers."""
        for member in self.members:
            status, body = _get(f"http://127.0.0.1:{member.api_port}/cluster")
            if status == 200 and isinstance(body, dict):
                return list(body.get("members", []))  # type: ignore[arg-type]
        return []

    def leader(self) -> str | None:
        """The name of the running primary, or None."""
        return next((str(m["name"]) for m in self.cluster_state() if m.get("role") == "leader"
                     and m.get("state") == "running"), None)  # fmt: skip

    def streaming(self) -> list[str]:
        """The names of the replicas that follow the primary (Patroni 3.0 says "running", later "streaming")."""
        following = [m for m in self.cluster_state() if m.get("role") in ("replica", "sync_standby")]
        return [str(m["name"]) for m in following if m.get("state") in ("running", "streaming")]

    def member(self, name: str) -> Member:
        """The member called ``name``."""
        return next(m for m in self.members if m.name == name)

    def kill(self, name: str) -> None:
        """Lose a member as a machine is lost: ``kill -9`` its Patroni and its postmaster at once."""
        member = self.member(name)
        for pid in (_pid(member.home / "patroni.pid"), _pid(member.home / "data" / "postmaster.pid")):
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        """Stop every Patroni (and so its PostgreSQL), then etcd; what does not end within a minute is killed."""
        _end([m.home / "patroni.pid" for m in self.members], [m.home / "data" / "postmaster.pid" for m in self.members])
        _end([self.base / f"etcd{i}" / "pid" for i in range(1, MEMBERS + 1)], [])

    def url(self, database: str = "geo112") -> str:
        """The SQLAlchemy URL of the cluster: every member, whichever is primary now (libpq's multi-host)."""
        hosts = "&".join(f"host=127.0.0.1:{m.pg_port}" for m in self.members)
        return f"postgresql+psycopg://postgres@/{database}?{hosts}&target_session_attrs=read-write&connect_timeout=2"

    @staticmethod
    def _wait(check: object, timeout_s: float, what: str) -> None:
        deadline = time.monotonic() + timeout_s
        while not check():  # type: ignore[operator]
            if time.monotonic() > deadline:
                raise TimeoutError(what)
            time.sleep(0.3)


def load_demo_database(url: str, data_dir: Path | None = None) -> None:
    """Create and migrate the geo112 database at ``url`` and load the geography and the demo fleet into it."""
    from geo112.config import get_settings
    from geo112.ingest.boundaries import load_geography
    from geo112.ingest.fleet import load_demo
    from geo112.store import migrate
    from geo112.store.db import session_factory

    data = data_dir or get_settings().data_dir
    migrate.create_database(url)
    migrate.upgrade(url)
    with session_factory(url).begin() as session:
        load_geography(session, data)
        load_demo(session, data)


def main() -> None:
    """``start``, ``stop``, ``status`` or ``url`` of the cluster under ``--dir``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("start", "load", "stop", "status", "url"))
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help=f"cluster directory (default {DEFAULT_DIR})")
    parser.add_argument("--database", default="geo112", help="database name for `url`")
    args = parser.parse_args()
    cluster = Cluster(args.dir)
    if args.command == "start":
        cluster.start()
        print(f"leader {cluster.leader()}, streaming {', '.join(cluster.streaming())}")
        print(f"GEO112_DATABASE_URL='{cluster.url(args.database)}'")
    elif args.command == "load":
        load_demo_database(cluster.url(args.database))
        print(f"loaded the demo data into {args.database}")
    elif args.command == "stop":
        cluster.stop()
    elif args.command == "status":
        print(json.dumps(cluster.cluster_state(), indent=2))
    else:
        print(cluster.url(args.database))


if __name__ == "__main__":
    sys.exit(main())
