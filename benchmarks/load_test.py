"""Load test: a busy night at the call centre, against gunicorn on 127.0.0.1, with what each request costs.

Phases, in one run against one server:

1. **floor**: ``/healthz`` from as many clients as there are dispatchers: what gunicorn and Flask cost;
2. **changes**: ``/api/v1/console/changes``, which every open console polls every 2 s;
3. **profile**: one dispatcher alone, so the CPU of each request can be read off the processes: the app
   workers' and the database backends' CPU counters (``/proc/<pid>/schedstat``, nanoseconds) around every
   request;
4. **mix**: N dispatcher threads, each its own user with its own keep-alive connection, loop: record an
   incident near a station, ask for recommendations, assign the first proposed unit (another dispatcher may
   win the race: a 409 is an answer, not an error), stand the unit down and close the incident; an AVL
   thread reports a position for every unit every few seconds.

Every phase reports requests/s and latency percentiles per endpoint, the app's CPU per request (the serving
thread's CPU time, sent back by the app in ``Server-Timing``) and its SQL statements; every phase also
reports whole-process CPU per request: the gunicorn workers, the PostgreSQL backends of the run's database
and this client (``/proc/<pid>/stat``), and the workers' by thread: the serving threads, gunicorn's main thread
and each listener (``/proc/<pid>/task/*``, by the names geo112 gives its threads in the operating system).
The mix counts errors (any 5xx, any unexpected 4xx, any failed connection) and double assignments twice: by
the clients (a 201 for a unit another dispatcher still holds) and in the database (a unit dispatched again
before its status history made it available). The targets of issues 11 and 33 are printed met or not, among
them the mix's server CPU per request against ``/healthz``'s of the same run.

```
.venv/bin/python -m benchmarks.load_test [--dispatchers 12] [--seconds 30] [--avl-period 5]
                                         [--models 2x4,2x2] [--rounds 3] [--units 240] [--osm FILE]
                                         [--port PORT] [--peer CHECKOUT]
```

``--peer`` serves another checkout (the code before a change, e.g. from ``git archive``) the same way, in
alternating rounds, on the same database (migrated by this checkout).

``--models`` runs the phases per gunicorn process model (workers × threads), ``--rounds`` times each,
interleaved, and prints the medians; ``--units`` adds units
(copies of the demo fleet at their stations) before serving, ``--osm`` routes on another OSM extract (e.g.
the 4×-tiled one written by ``python -m benchmarks.tiled_osm``). The run uses a database of its own, the
test database's name + ``_load`` (dropped and created), with the geography, the stations, the demo fleet
and one user per dispatcher.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
from sqlalchemy import text

from geo112.config import get_settings
from geo112.store.db import session_factory
from tests.reliability.harness import PASSWORD, REPO, add_dispatchers, serve_process

#: Answers that are part of the work: 409 when another dispatcher took the unit first.
EXPECTED = {"assign": {201, 409}}
#: The dispatch endpoints whose app CPU per request issue 11 bounds (ms), and the console poll's bound.
CPU_TARGET_MS, CHANGES_TARGET_MS = 5.0, 2.0
THROUGHPUT_TARGET, P95_TARGET_MS = 300.0, 50.0
DISPATCH = ("create", "recommend", "assign", "stand_down", "close", "avl")
_CLOCK_TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Answer:
    """One HTTP answer, with the cost the app reported in ``Server-Timing`` (None when it sent none)."""

    status: int
    body: bytes
    cpu_ms: float | None
    statements: int | None

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


def server_timing(header: str | None) -> tuple[float | None, int | None]:
    """The app's CPU ms and SQL statements of an answer, from its ``Server-Timing`` header (None when none)."""
    if not header:
        return None, None
    parts = dict(p.strip().split(";", 1) for p in header.split(","))
    return float(parts["cpu"].removeprefix("dur=")), int(parts["sql"].removeprefix("desc="))


class Client:
    """A cheap HTTP/1.1 client: one keep-alive connection (``http.client``), the session cookie and the CSRF
    header, a tenth of the CPU of ``requests`` per request, so that the client is not what is measured."""

    #: Reconnect after this long idle: below gunicorn's keep-alive (2 s), so the server never closes a
    #: connection just as a request is sent on it.
    IDLE_S = 1.5

    def __init__(self, base: str) -> None:
        url = urlsplit(base)
        self._address = (url.hostname or "127.0.0.1", url.port or 80)
        self._connection: http.client.HTTPConnection | None = None
        self._used = 0.0
        self.headers = {"Accept": "application/json"}

    def request(self, method: str, path: str, body: object = None) -> Answer:
        """Send one request (``body`` as JSON) and read the whole answer.

        Raises
        ------
        OSError, http.client.HTTPException
            When the connection fails; the next request opens a new one.
        """
        if self._connection is None or time.monotonic() - self._used > self.IDLE_S:
            self.close()
            self._connection = http.client.HTTPConnection(*self._address, timeout=60)
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            self._connection.request(method, path, data, headers)
            response = self._connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        self._used = time.monotonic()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            if cookie.startswith("session="):
                self.headers["Cookie"] = cookie.split(";", 1)[0]
        return Answer(response.status, content, *server_timing(response.headers.get("Server-Timing")))

    def close(self) -> None:
        """Close the connection (a later request opens a new one)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    @classmethod
    def logged_in(cls, base: str, username: str, password: str) -> Client:
        """A client logged in through the JSON API, with the CSRF header set."""
        client = cls(base)
        client.headers["X-CSRFToken"] = client.request("GET", "/api/v1/auth/csrf").json()["csrf_token"]
        answer = client.request("POST", "/api/v1/auth/login", {"username": username, "password": password})
        if answer.status != 200:
            raise RuntimeError(f"login of {username} failed: {answer.status} {answer.body[:200]!r}")
        client.headers["X-CSRFToken"] = answer.json()["csrf_token"]
        return client


def _stat_cpu_s(stat: Path) -> float:
    """CPU seconds (user + system) in a ``/proc`` ``stat`` file (the name in parentheses may hold spaces)."""
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICK


def _proc_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of a process, every thread, finished ones included."""
    try:
        return _stat_cpu_s(Path(f"/proc/{pid}/stat"))
    except OSError:  # the process is gone
        return 0.0


def _thread_cpu_s(pid: int) -> dict[str, tuple[str, float]]:
    """CPU seconds of each live thread of a process, by thread id, with its kind: the main thread (gunicorn's,
    accepting and polling keep-alive connections), a thread named in the operating system by its name
    (:func:`geo112.config.name_os_thread`: the listeners, the warm-up) and ``serving`` for the others
    (gunicorn's threads that serve requests)."""
    threads: dict[str, tuple[str, float]] = {}
    with suppress(OSError):  # the process is gone
        unnamed = Path(f"/proc/{pid}/comm").read_text().strip()
        for task in Path(f"/proc/{pid}/task").glob("*"):
            with suppress(OSError):  # the thread ended
                name = (task / "comm").read_text().strip()
                kind = "main thread" if task.name == str(pid) else "serving" if name == unnamed else name
                threads[task.name] = (kind, _stat_cpu_s(task / "stat"))
    return threads


def _proc_run_ns(pid: int) -> int:
    """Nanoseconds a process's threads have run (``schedstat``: exact, unlike the clock ticks of ``stat``)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with suppress(OSError):  # the thread ended
            total += int((task / "schedstat").read_text().split()[0])
    return total


@dataclass
class Processes:
    """The server's processes whose CPU a run measures: gunicorn's workers and the database's backends."""

    gunicorn: int | None
    database_url: str

    def workers(self) -> list[int]:
        """The gunicorn worker pids (the master's children)."""
        if self.gunicorn is None:
            return []
        return [int(p) for p in Path(f"/proc/{self.gunicorn}/task/{self.gunicorn}/children").read_text().split()]

    def backends(self) -> list[int]:
        """The pids of the PostgreSQL backends connected to the run's database, but this one."""
        with session_factory(self.database_url)() as s:
            return list(
                s.scalars(
                    text(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                        "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                    )
                )
            )

    def memory_mb(self) -> dict[int, dict[str, float]]:
        """Each worker's resident and proportional set size (MB; PSS shares shared pages out)."""
        sizes = {}
        for pid in self.workers():
            rollup = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:])
            sizes[pid] = {k.lower(): round(int(rollup[k].split()[0]) / 1024, 1) for k in ("Rss", "Pss")}
        return sizes


@dataclass
class Meter:
    """The exact CPU of the server's processes (``schedstat``) read around each request: for one client alone
    on the server, that is what its request cost each of them."""

    workers: list[int]
    backends: list[int]

    def read(self) -> tuple[int, int]:
        """Nanoseconds run so far by the workers, and by the backends."""
        return sum(map(_proc_run_ns, self.workers)), sum(map(_proc_run_ns, self.backends))


@dataclass
class Tally:
    """What the clients saw, shared by the threads."""

    meter: Meter | None = None
    process_ms: dict[str, dict[str, list[float]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    cpu_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statements: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    conflicts: int = 0
    assigned: int = 0
    doubles: list[int] = field(default_factory=list)
    holders: dict[int, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def call(self, name: str, client: Client, method: str, path: str, body: object = None) -> Answer | None:
        """Send one request, time it and count it as an error unless its status is expected."""
        before = self.meter.read() if self.meter else None
        started = time.perf_counter()
        try:
            answer = client.request(method, path, body)
        except (OSError, http.client.HTTPException) as exc:
            with self.lock:
                self.errors.append(f"{name}: {type(exc).__name__}: {exc}")
            return None
        elapsed = time.perf_counter() - started
        if self.meter and before:
            after = self.meter.read()
            self.process_ms[name]["workers"].append((after[0] - before[0]) / 1e6)
            self.process_ms[name]["database"].append((after[1] - before[1]) / 1e6)
        with self.lock:
            self.latencies[name].append(elapsed)
            if answer.cpu_ms is not None and answer.statements is not None:
                self.cpu_ms[name].append(answer.cpu_ms)
                self.statements[name].append(answer.statements)
            if answer.status not in EXPECTED.get(name, {200, 201}):
                self.errors.append(f"{name}: {answer.status} {answer.body[:200]!r}")
        return answer

    def hold(self, unit_id: int) -> None:
        """A 201 for a unit: a double assignment if another dispatcher still holds it."""
        with self.lock:
            self.assigned += 1
            if self.holders.get(unit_id) == "held":
                self.doubles.append(unit_id)
            self.holders[unit_id] = "held"

    def release(self, unit_id: int, done: bool) -> None:
        """Mark a unit as being stood down (another 201 for it is then legitimate), then as free."""
        with self.lock:
            if done:
                self.holders.pop(unit_id, None)
            else:
                self.holders[unit_id] = "releasing"


def one_call(client: Client, tally: Tally, stations: list[tuple[float, float]], rng: random.Random) -> None:
    """One dispatcher's call: record, recommend, assign (the second proposal if the first is taken), stand
    down, close."""
    lon, lat = rng.choice(stations)
    created = tally.call(
        "create",
        client,
        "POST",
        "/api/v1/incidents",
        {
            "category": "medis",
            "lon": lon + rng.uniform(-0.01, 0.01),
            "lat": lat + rng.uniform(-0.01, 0.01),
            "caller_phone": "0812 0000 0000",
            "description": "load test",
        },
    )
    if created is None or created.status != 201:
        return
    incident = created.json()["id"]
    rec = tally.call("recommend", client, "GET", f"/api/v1/incidents/{incident}/recommendations?k=3")
    proposed = rec.json()["requirements"][0]["proposed"] if rec is not None and rec.status == 200 else []
    for candidate in proposed[:2]:
        unit = candidate["unit_id"]
        answer = tally.call("assign", client, "POST", f"/api/v1/incidents/{incident}/assignments", {"unit_id": unit})
        if answer is None or answer.status != 201:
            with tally.lock:
                tally.conflicts += answer is not None and answer.status == 409
            continue
        tally.hold(unit)
        tally.release(unit, done=False)
        tally.call("stand_down", client, "POST", f"/api/v1/units/{unit}/status", {"status": "available"})
        tally.release(unit, done=True)
        break
    tally.call("close", client, "POST", f"/api/v1/incidents/{incident}/close", {"disposition": "handled"})


def dispatcher(client: Client, stations: list[tuple[float, float]], until: float, tally: Tally, seed: int) -> None:
    """One dispatcher's loop of :func:`one_call` until ``until``."""
    rng = random.Random(seed)
    while time.monotonic() < until:
        one_call(client, tally, stations, rng)


def avl(client: Client, units: list[tuple[int, float, float]], until: float, period: float, tally: Tally) -> None:
    """Report a position for every unit every ``period`` seconds, near its station."""
    rng = random.Random(112)
    while time.monotonic() < until:
        started = time.monotonic()
        for unit_id, lon, lat in units:
            tally.call(
                "avl",
                client,
                "POST",
                f"/api/v1/units/{unit_id}/position",
                {"lon": lon + rng.uniform(-0.003, 0.003), "lat": lat + rng.uniform(-0.003, 0.003)},
            )
            if time.monotonic() >= until:
                return
        time.sleep(max(0.0, period - (time.monotonic() - started)))


def poller(client: Client, path: str, until: float, tally: Tally) -> None:
    """GET ``path`` in a loop until ``until`` (the floor and the console's poll)."""
    name = path.rsplit("/", 1)[-1]
    while time.monotonic() < until:
        tally.call(name, client, "GET", path)


# A unit dispatched again while its status history says it had not become available since. The history is
# read in event-id order, which is the order the unit row's lock was held in (each change appends its event
# under that lock). Timestamps cannot tell: now() is the *start* of a transaction, and an assignment whose
# transaction began before the previous one's stand-down committed carries an earlier time.
DOUBLE_DISPATCHES = text("""
    SELECT count(*) FROM (
        SELECT after->>'status' AS status,
               lag(after->>'status') OVER (PARTITION BY unit_id ORDER BY id) AS previous
        FROM event WHERE action = 'unit.status') AS history
    WHERE status = 'dispatched' AND previous IS NOT NULL AND previous <> 'available'
""")


def _percentiles(values: list[float], scale: float = 1.0) -> dict[str, float]:
    if not values:
        return {"count": 0, "p50": float("nan"), "p95": float("nan"), "p99": float("nan")}
    p50, p95, p99 = np.percentile(np.array(values) * scale, [50, 95, 99])
    return {"count": len(values), "p50": round(p50, 2), "p95": round(p95, 2), "p99": round(p99, 2)}


def _summary(tally: Tally, elapsed: float) -> dict[str, dict[str, float]]:
    """Per endpoint and ``all``: count, requests/s, latency percentiles (ms), app CPU (ms), statements."""
    every: dict[str, list[float]] = {"latency": [], "cpu": [], "sql": []}
    rows = {}
    for name in sorted(tally.latencies):
        latency, cpu, sql = tally.latencies[name], tally.cpu_ms[name], tally.statements[name]
        every["latency"] += latency
        every["cpu"] += cpu
        every["sql"] += sql
        rows[name] = _row(latency, cpu, sql, elapsed)
        for role, values in tally.process_ms.get(name, {}).items():
            rows[name][f"{role}_ms_p50"] = round(float(np.median(values)), 2)
    rows["all"] = _row(every["latency"], every["cpu"], every["sql"], elapsed)
    return rows


def _row(latency: list[float], cpu: list[float], sql: list[float], elapsed: float) -> dict[str, float]:
    return {
        **_percentiles(latency, 1000),
        "per_s": round(len(latency) / elapsed, 1),
        "cpu_ms_p50": round(float(np.median(cpu)), 2) if cpu else float("nan"),
        "cpu_ms_mean": round(float(np.mean(cpu)), 2) if cpu else float("nan"),
        "statements": round(float(np.mean(sql)), 1) if sql else float("nan"),
    }


def measured(processes: Processes, work: Callable[[Tally], None]) -> dict[str, Any]:
    """Run ``work`` and measure it: per endpoint (:func:`_summary`), and the CPU per request of the
    gunicorn workers, the database backends and this client process, from their CPU counters."""
    tally = Tally()
    workers, backends = processes.workers(), processes.backends()
    threads_before = [_thread_cpu_s(p) for p in workers]
    before = {p: _proc_cpu_s(p) for p in workers + backends}
    client_before, started = time.process_time(), time.monotonic()
    work(tally)
    elapsed = time.monotonic() - started
    client_s = time.process_time() - client_before
    backends = sorted(set(backends) | set(processes.backends()))  # a backend opened meanwhile counts whole

    def spent(pids: list[int]) -> float:
        return sum(_proc_cpu_s(p) - before.get(p, 0.0) for p in pids)

    count = max(1, sum(len(v) for v in tally.latencies.values()))
    by_thread: dict[str, float] = defaultdict(float)
    for pid, earlier in zip(workers, threads_before, strict=True):
        for tid, (kind, cpu_s) in _thread_cpu_s(pid).items():
            by_thread[kind] += cpu_s - earlier.get(tid, (kind, 0.0))[1]  # a thread started meanwhile: all of it
    # what threads that ended meanwhile (the warm-up) spent in the phase, and the counters' rounding (ticks)
    by_thread["unattributed"] = spent(workers) - sum(by_thread.values())
    return {
        "tally": tally,
        "seconds": round(elapsed, 1),
        "endpoints": _summary(tally, elapsed),
        "process_cpu_ms": {
            "workers": round(spent(workers) * 1000 / count, 2),
            "database": round(spent(backends) * 1000 / count, 2),
            "client": round(client_s * 1000 / count, 2),
        },
        "thread_cpu_ms": {kind: round(cpu_s * 1000 / count, 2) for kind, cpu_s in sorted(by_thread.items())},
    }


def _threads(targets: list[Callable[[], None]]) -> None:
    threads = [threading.Thread(target=t) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def _fleet(client: Client) -> tuple[list[tuple[float, float]], list[tuple[int, float, float]]]:
    stations = [
        tuple(s["location"]["coordinates"]) for s in client.request("GET", "/api/v1/stations?limit=500").json()["items"]
    ]
    units = [
        (u["id"], *u["position"]["coordinates"])
        for u in client.request("GET", "/api/v1/units?limit=500").json()["items"]
        if u["position"]
    ]
    return stations, units  # type: ignore[return-value]


def run(
    base: str, database_url: str, dispatchers: int, seconds: float, avl_period: float, gunicorn_pid: int | None = None
) -> dict[str, Any]:
    """Run the dispatch mix against a served app whose database holds users ``load-dispatcher-<i>``.

    Returns
    -------
    dict
        ``requests``, ``seconds``, ``throughput`` (requests/s), ``latency_ms`` per endpoint and ``all``
        (count, p50, p95, p99, per_s, app CPU, statements), ``process_cpu_ms`` per request (workers,
        database, client; workers only with ``gunicorn_pid``), ``errors`` (list of str), ``conflicts``,
        ``assigned``, ``double_assignments`` (seen by the clients) and ``double_dispatches_in_database`` (a
        unit dispatched again before its status history made it available).
    """
    clients = [Client.logged_in(base, f"load-dispatcher-{i}", PASSWORD) for i in range(dispatchers + 1)]
    stations, units = _fleet(clients[0])
    feeds = [clients[-1], *(Client.logged_in(base, f"load-dispatcher-{dispatchers}", PASSWORD)
                            for _ in range(1, -(-len(units) // 60)))]  # fmt: skip

    def mix(tally: Tally) -> None:
        until = time.monotonic() + seconds
        _threads(
            [
                *(lambda i=i: dispatcher(clients[i], stations, until, tally, i) for i in range(dispatchers)),
                # One AVL feed per 60 units, each its own connection: one feed alone cannot post 240 fixes in 5 s.
                *(
                    lambda i=i: avl(feeds[i], units[i :: len(feeds)], until, avl_period, tally)
                    for i in range(len(feeds))
                ),
            ]
        )

    result = measured(Processes(gunicorn_pid, database_url), mix)
    tally = result.pop("tally")
    with session_factory(database_url)() as s:
        doubles_in_database = s.scalar(DOUBLE_DISPATCHES)
    every = result["endpoints"]["all"]
    return {
        "requests": every["count"],
        "seconds": result["seconds"],
        "throughput": every["per_s"],
        "latency_ms": result["endpoints"],
        "process_cpu_ms": result["process_cpu_ms"],
        "thread_cpu_ms": result["thread_cpu_ms"],
        "errors": tally.errors,
        "conflicts": tally.conflicts,
        "assigned": tally.assigned,
        "double_assignments": len(tally.doubles),
        "double_dispatches_in_database": doubles_in_database,
    }


def poll(base: str, database_url: str, path: str, clients: int, seconds: float, gunicorn_pid: int | None) -> dict:
    """``clients`` logged-in clients GET ``path`` in a loop for ``seconds``, measured (:func:`measured`)."""
    logged = [Client.logged_in(base, f"load-dispatcher-{i}", PASSWORD) for i in range(clients)]

    def load(tally: Tally) -> None:
        until = time.monotonic() + seconds
        _threads([lambda c=c: poller(c, path, until, tally) for c in logged])

    result = measured(Processes(gunicorn_pid, database_url), load)
    result["errors"] = result.pop("tally").errors
    return result


def profile(base: str, database_url: str, calls: int, gunicorn_pid: int) -> dict[str, Any]:
    """One dispatcher alone makes ``calls`` calls, the server's CPU read around each request (:class:`Meter`).

    Returns
    -------
    dict
        As :func:`measured`; each endpoint also has the medians ``workers_ms_p50`` and ``database_ms_p50``.
    """
    processes = Processes(gunicorn_pid, database_url)
    client = Client.logged_in(base, "load-dispatcher-0", PASSWORD)
    stations, _ = _fleet(client)
    rng = random.Random(7)
    for _ in range(5):  # warm: every backend the pool will use is open before the meter lists them
        one_call(client, Tally(), stations, rng)
    meter = Meter(processes.workers(), processes.backends())

    def alone(tally: Tally) -> None:
        tally.meter = meter
        for _ in range(calls):
            one_call(client, tally, stations, rng)

    result = measured(processes, alone)
    result["errors"] = result.pop("tally").errors
    return result


_MORE_UNITS = text("""
    INSERT INTO unit (call_sign, unit_type_code, agency_code, station_id, status, geom, position_at, position_source)
    SELECT call_sign || ' #' || copy, unit_type_code, agency_code, station_id, status, geom, position_at,
           position_source
    FROM unit, generate_series(1, :copies) AS copy
    WHERE call_sign NOT LIKE '% #%' ORDER BY copy, unit.id LIMIT :count
""")


def add_units(database_url: str, total: int) -> int:
    """Copy demo units (same type, station and place) until the fleet has ``total``; return the count."""
    with session_factory(database_url).begin() as s:
        have = s.scalar(text("SELECT count(*) FROM unit"))
        if total > have:
            s.execute(_MORE_UNITS, {"copies": total // have + 1, "count": total - have})
        return s.scalar(text("SELECT count(*) FROM unit"))


def _table(rows: dict[str, dict[str, float]], columns: list[tuple[str, str]]) -> list[str]:
    lines = ["| endpoint | " + " | ".join(title for _, title in columns) + " |"]
    lines.append("|---|" + "---:|" * len(columns))
    for name, row in rows.items():
        lines.append(f"| {name} | " + " | ".join(str(row.get(key, "")) for key, _ in columns) + " |")
    return lines


_LOAD_COLUMNS = [("count", "requests"), ("per_s", "req/s"), ("p50", "p50 ms"), ("p95", "p95 ms"),
                 ("p99", "p99 ms"), ("cpu_ms_p50", "app CPU ms p50"), ("cpu_ms_mean", "app CPU ms mean"),
                 ("statements", "statements")]  # fmt: skip
_PROFILE_COLUMNS = [("count", "requests"), ("cpu_ms_p50", "app thread CPU ms"), ("workers_ms_p50", "workers CPU ms"),
                    ("database_ms_p50", "PostgreSQL CPU ms"), ("statements", "statements")]  # fmt: skip


def _processes(result: dict[str, Any]) -> str:
    cpu = result["process_cpu_ms"]
    threads = ", ".join(f"{kind} {ms} ms" for kind, ms in result["thread_cpu_ms"].items())
    return (f"process CPU per request: gunicorn workers {cpu['workers']} ms ({threads}), PostgreSQL backends "
            f"{cpu['database']} ms, this client {cpu['client']} ms")  # fmt: skip


def floor_ratios(floor: dict[str, Any], mix: dict[str, Any]) -> dict[str, float]:
    """The dispatch mix's server CPU per request against ``/healthz``'s in the same run (issue 33): the gunicorn
    workers' (every thread: serving, gunicorn's main thread, the listeners), and with PostgreSQL's backends."""
    at_floor, in_mix = floor["process_cpu_ms"], mix["process_cpu_ms"]
    return {
        "workers": round(in_mix["workers"] / at_floor["workers"], 2),
        "workers+PostgreSQL": round(
            (in_mix["workers"] + in_mix["database"]) / (at_floor["workers"] + at_floor["database"]), 2
        ),
    }


def targets(floor: dict[str, Any], changes: dict[str, Any], alone: dict[str, Any], mix: dict[str, Any]) -> list[str]:
    """Issue 11's and issue 33's targets, each with what was measured and whether it was met."""
    lines = []

    def check(what: str, value: float, bound: float, unit: str = "ms", at_least: bool = False) -> None:
        met = value >= bound if at_least else value <= bound
        lines.append(f"- {what}: {value} {unit} (target {'>=' if at_least else '<='} {round(bound, 2)} {unit}): "
                     f"**{'met' if met else 'NOT MET'}**")  # fmt: skip

    for name in DISPATCH:
        check(f"{name}: app CPU per request (mix, p50)", mix["latency_ms"][name]["cpu_ms_p50"], CPU_TARGET_MS)
    # The floor as a whole process: what gunicorn and Flask cost per request around an empty view.
    floor_ms = floor["process_cpu_ms"]["workers"]
    for name, row in alone["endpoints"].items():
        if name in DISPATCH:
            check(f"{name}: worker process CPU per request alone, vs 3 × /healthz's {floor_ms} ms",
                  row["workers_ms_p50"], 3 * floor_ms)  # fmt: skip
    for counted, ratio in floor_ratios(floor, mix).items():
        check(f"dispatch mix / /healthz, server CPU per request ({counted}, same run)", ratio, 3.0, "x")
    check(
        "console/changes: app CPU per request (p50)", changes["endpoints"]["changes"]["cpu_ms_p50"], CHANGES_TARGET_MS
    )
    check("dispatch mix throughput", mix["throughput"], THROUGHPUT_TARGET, "requests/s", at_least=True)
    check("dispatch mix p95", mix["latency_ms"]["all"]["p95"], P95_TARGET_MS)
    lines.append(
        f"- errors {len(mix['errors'])}, double assignments {mix['double_assignments']} (clients) / "
        f"{mix['double_dispatches_in_database']} (database): "
        f"**{'met' if not mix['errors'] and not mix['double_assignments'] else 'NOT MET'}**"
    )
    return lines


def measure_model(
    url: str, args: argparse.Namespace, workers: int, threads: int, checkout: Path = REPO
) -> tuple[list[str], dict]:
    """Serve one process model of a checkout and run the four phases; return the report's lines and the mix's
    figures."""
    # The data of this checkout for every checkout served (a peer elsewhere would look for its own).
    env = {"GEO112_SERVER_TIMING": "1", "PYTHONPATH": str(checkout), "GEO112_DATA_DIR": str(get_settings().data_dir)}
    env |= {"GEO112_OSM_FILE": str(args.osm)} if args.osm else {}
    served = serve_process(url, args.cache_dir, workers, threads, env=env, checkout=checkout, port=args.port)
    with served as (base, server):
        pid = server.pid
        floor = poll(base, url, "/healthz", args.dispatchers, args.poll_seconds, pid)
        changes = poll(base, url, "/api/v1/console/changes", args.dispatchers, args.poll_seconds, pid)
        alone = profile(base, url, args.profile_calls, pid)
        mix = run(base, url, args.dispatchers, args.seconds, args.avl_period, pid)
        memory = Processes(pid, url).memory_mb()
    lines = [f"## {workers} workers × {threads} threads, {args.dispatchers} dispatchers, {checkout}", ""]
    for title, phase in (("floor: /healthz", floor), ("console poll: /api/v1/console/changes", changes)):
        lines += [f"### {title}", "", *_table(phase["endpoints"], _LOAD_COLUMNS), "", _processes(phase), ""]
    lines += ["### one dispatcher alone (server CPU read around each request)", ""]
    lines += [*_table(alone["endpoints"], _PROFILE_COLUMNS), ""]
    lines += ["### dispatch mix", "", *_table(mix["latency_ms"], _LOAD_COLUMNS), "", _processes(mix), ""]
    lines += [
        f"{mix['requests']} requests in {mix['seconds']} s = **{mix['throughput']} requests/s**; errors "
        f"{len(mix['errors'])}; assignments {mix['assigned']}, lost races (409) {mix['conflicts']}.",
        "worker memory (MB): " + ", ".join(f"pid {p}: RSS {m['rss']}, PSS {m['pss']}" for p, m in memory.items()),
        "",
        "### targets",
        "",
        *targets(floor, changes, alone, mix),
        "",
        *(f"error: {e}" for phase in (floor, changes, alone, mix) for e in phase["errors"][:10]),
    ]
    figures = {
        "requests/s": mix["throughput"],
        "p95 ms": mix["latency_ms"]["all"]["p95"],
        "app CPU ms": mix["latency_ms"]["all"]["cpu_ms_mean"],
        "workers CPU ms": mix["process_cpu_ms"]["workers"],
        "PostgreSQL CPU ms": mix["process_cpu_ms"]["database"],
        "outside the app's handlers ms": round(
            mix["process_cpu_ms"]["workers"] - mix["latency_ms"]["all"]["cpu_ms_mean"], 2
        ),
        "serving threads ms": mix["thread_cpu_ms"].get("serving", 0.0),
        "fleet listener ms": mix["thread_cpu_ms"].get("fleet-listener", 0.0),
        "main thread ms": mix["thread_cpu_ms"].get("main thread", 0.0),
        "AVL fixes/s": mix["latency_ms"]["avl"]["per_s"],
        "/healthz workers CPU ms": floor["process_cpu_ms"]["workers"],
        "/healthz outside the app's handlers ms": round(
            floor["process_cpu_ms"]["workers"] - floor["endpoints"]["all"]["cpu_ms_mean"], 2
        ),
        **{f"x /healthz ({counted})": ratio for counted, ratio in floor_ratios(floor, mix).items()},
        "errors": len(mix["errors"]),
    }
    return lines, figures


def _medians(rounds: dict[str, list[dict]]) -> list[str]:
    """Per process model, the median of each mix figure over the rounds."""
    names = list(next(iter(rounds.values()))[0])
    lines = ["## medians over the rounds (dispatch mix; CPU per request)", ""]
    lines += ["| model | rounds | " + " | ".join(names) + " |", "|---|---:|" + "---:|" * len(names)]
    for model, figures in rounds.items():
        medians = [round(float(np.median([f[n] for f in figures])), 2) for n in names]
        lines.append(f"| {model} | {len(figures)} | " + " | ".join(map(str, medians)) + " |")
    return lines


def main() -> None:
    """Prepare the database, serve the app with gunicorn per process model, run the phases, print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dispatchers", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=30, help="length of the dispatch mix")
    parser.add_argument("--poll-seconds", type=float, default=10, help="length of the floor and poll phases")
    parser.add_argument("--profile-calls", type=int, default=60, help="calls of the lone dispatcher")
    parser.add_argument("--avl-period", type=float, default=5)
    parser.add_argument("--models", default="2x4", help="gunicorn workers x threads, comma-separated")
    parser.add_argument("--rounds", type=int, default=1, help="runs of every model, interleaved")
    parser.add_argument("--units", type=int, default=0, help="grow the fleet to this many units")
    parser.add_argument("--osm", type=Path, help="route on this OSM extract instead of the manifest's")
    parser.add_argument("--cache-dir", type=Path, default=get_settings().cache_dir)
    parser.add_argument("--port", type=int, help="serve on this port of 127.0.0.1 (default a free one)")
    parser.add_argument("--peer", type=Path, help="another checkout (the code before) served the same way, alternating")
    args = parser.parse_args()
    from tests.conftest import loaded_database  # the same database the load test of the suite uses

    url = loaded_database("load", get_settings().data_dir)
    add_dispatchers(url, args.dispatchers)
    units = add_units(url, args.units)
    print(f"# geo112 load test: {units} units{f', graph {args.osm.name}' if args.osm else ''}\n")
    rounds: dict[str, list[dict]] = defaultdict(list)
    checkouts = {"": REPO, **({" (peer)": args.peer.resolve()} if args.peer else {})}
    for _ in range(args.rounds):  # interleaved, so that every model and checkout sees the machine's load alike
        for model in args.models.split(","):
            workers, threads = (int(n) for n in model.lower().split("x"))
            for name, checkout in checkouts.items():
                lines, figures = measure_model(url, args, workers, threads, checkout)
                rounds[model + name].append(figures)
                print("\n".join(lines), flush=True)
    print("\n".join(_medians(rounds)))


if __name__ == "__main__":
    main()
