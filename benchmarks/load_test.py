"""Load test: a busy night at the call centre, against gunicorn on 127.0.0.1.

N dispatcher threads, each its own user with its own HTTP session, loop for a fixed time: record an
incident near a station, ask for recommendations, assign the first proposed unit (another dispatcher may
win the race: a 409 is an answer, not an error), stand the unit down and close the incident. An AVL thread
reports a position for every unit every few seconds. The script reports throughput, latency percentiles per
endpoint, errors (any 5xx, any unexpected 4xx, any failed connection) and double assignments, counted twice:
by the clients (a 201 for a unit another dispatcher still holds) and in the database (a unit dispatched
again before its status history made it available).

```
.venv/bin/python -m benchmarks.load_test [--dispatchers 12] [--seconds 60] [--avl-period 5]
                                         [--workers 2] [--threads 8]
```

The run uses a database of its own, the test database's name + ``_load`` (dropped and created), with the
geography, the stations, the demo fleet and one user per dispatcher.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import requests
from sqlalchemy import text

from geo112.config import get_settings
from geo112.store.db import session_factory

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "load-test-112"
#: Answers that are part of the work: 409 when another dispatcher took the unit first.
EXPECTED = {"assign": {201, 409}}


def free_port() -> int:
    """A TCP port of 127.0.0.1 that is free now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(
    database_url: str, cache_dir: Path, workers: int = 2, threads: int = 8, log: Path | None = None
) -> Iterator[str]:
    """Run the app under gunicorn (gthread workers) on a free port of 127.0.0.1; yield its base URL.

    Returns once ``/readyz`` answers 200 (database up, routing engine loaded) several times in a row, so
    that every worker has most likely loaded its engine. The server is stopped on exit.

    Parameters
    ----------
    database_url
        The database the app uses.
    cache_dir
        Where the compiled road graph is (built there on first use).
    workers, threads
        gunicorn's ``--workers`` and ``--threads``.
    log
        File for gunicorn's and the app's output (gunicorn's access log, the structured logs); default
        discarded.
    """
    port = free_port()
    env = {
        **os.environ,
        "GEO112_DATABASE_URL": database_url,
        "GEO112_CACHE_DIR": str(cache_dir),
        "GEO112_SECRET_KEY": "load-test-secret",
        # The workers share login counts in Redis; this server counts apart from any other.
        "GEO112_RATELIMIT_PREFIX": f"geo112-serve-{port}-{os.getpid()}",
    }
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:web.gunicorn_config",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",
            "--timeout",
            "180",
            *(["--access-logfile", "-"] if log else []),
            "web:create_app()",
        ],
        cwd=REPO,
        env=env,
        stdout=out,
        stderr=out,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        ready, deadline = 0, time.monotonic() + 240
        while ready < 4 * workers:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not become ready (exit code {server.poll()})")
            try:
                ready = ready + 1 if requests.get(f"{base}/readyz", timeout=200).status_code == 200 else 0
            except requests.ConnectionError:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(30)
        if log:
            out.close()


def login(base: str, username: str, password: str) -> requests.Session:
    """A session logged in through the JSON API, with the CSRF header set."""
    session = requests.Session()
    token = session.get(f"{base}/api/v1/auth/csrf", timeout=30).json()["csrf_token"]
    answer = session.post(
        f"{base}/api/v1/auth/login",
        json={"username": username, "password": password},
        headers={"X-CSRFToken": token},
        timeout=30,
    )
    answer.raise_for_status()
    session.headers["X-CSRFToken"] = answer.json()["csrf_token"]
    return session


@dataclass
class Tally:
    """What the clients saw, shared by the threads."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    conflicts: int = 0
    assigned: int = 0
    doubles: list[int] = field(default_factory=list)
    holders: dict[int, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def call(
        self, name: str, session: requests.Session, method: str, url: str, **kwargs: object
    ) -> requests.Response | None:
        """Send one request, time it and count it as an error unless its status is expected."""
        started = time.perf_counter()
        try:
            answer = session.request(method, url, timeout=60, **kwargs)
        except requests.RequestException as exc:
            with self.lock:
                self.errors.append(f"{name}: {type(exc).__name__}: {exc}")
            return None
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latencies[name].append(elapsed)
            if answer.status_code not in EXPECTED.get(name, {200, 201}):
                self.errors.append(f"{name}: {answer.status_code} {answer.text[:200]}")
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


def dispatcher(
    base: str, session: requests.Session, stations: list[tuple[float, float]], until: float, tally: Tally, seed: int
) -> None:
    """One dispatcher's loop: record, recommend, assign, stand down, close, until ``until``."""
    rng = random.Random(seed)
    api = f"{base}/api/v1"
    while time.monotonic() < until:
        lon, lat = rng.choice(stations)
        created = tally.call(
            "create",
            session,
            "POST",
            f"{api}/incidents",
            json={
                "category": "medis",
                "lon": lon + rng.uniform(-0.01, 0.01),
                "lat": lat + rng.uniform(-0.01, 0.01),
                "caller_phone": "0812 0000 0000",
                "description": "load test",
            },
        )
        if created is None or created.status_code != 201:
            continue
        incident = created.json()["id"]
        rec = tally.call("recommend", session, "GET", f"{api}/incidents/{incident}/recommendations?k=3")
        proposed = rec.json()["requirements"][0]["proposed"] if rec is not None and rec.status_code == 200 else []
        for candidate in proposed[:2]:
            unit = candidate["unit_id"]
            answer = tally.call(
                "assign", session, "POST", f"{api}/incidents/{incident}/assignments", json={"unit_id": unit}
            )
            if answer is None or answer.status_code != 201:
                with tally.lock:
                    tally.conflicts += answer is not None and answer.status_code == 409
                continue
            tally.hold(unit)
            tally.release(unit, done=False)
            tally.call("stand_down", session, "POST", f"{api}/units/{unit}/status", json={"status": "available"})
            tally.release(unit, done=True)
            break
        tally.call("close", session, "POST", f"{api}/incidents/{incident}/close", json={"disposition": "handled"})


def avl(
    base: str,
    session: requests.Session,
    units: list[tuple[int, float, float]],
    until: float,
    period: float,
    tally: Tally,
) -> None:
    """Report a position for every unit every ``period`` seconds, near its station."""
    rng = random.Random(112)
    while time.monotonic() < until:
        started = time.monotonic()
        for unit_id, lon, lat in units:
            tally.call(
                "avl",
                session,
                "POST",
                f"{base}/api/v1/units/{unit_id}/position",
                json={"lon": lon + rng.uniform(-0.003, 0.003), "lat": lat + rng.uniform(-0.003, 0.003)},
            )
            if time.monotonic() >= until:
                return
        time.sleep(max(0.0, period - (time.monotonic() - started)))


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


def run(base: str, database_url: str, dispatchers: int, seconds: float, avl_period: float) -> dict[str, object]:
    """Run the load against a served app whose database holds users ``load-dispatcher-<i>``.

    Returns
    -------
    dict
        ``requests``, ``seconds``, ``throughput`` (requests/s), ``latency_ms`` per endpoint and ``all``
        (count, p50, p95, p99), ``errors`` (list of str), ``conflicts``, ``assigned``,
        ``double_assignments`` (seen by the clients) and ``double_dispatches_in_database`` (a unit dispatched
        again before its status history made it available).
    """
    sessions = [login(base, f"load-dispatcher-{i}", PASSWORD) for i in range(dispatchers + 1)]
    stations = [
        tuple(s["location"]["coordinates"])
        for s in sessions[0].get(f"{base}/api/v1/stations?limit=500", timeout=30).json()["items"]
    ]
    units = [
        (u["id"], *u["position"]["coordinates"])
        for u in sessions[0].get(f"{base}/api/v1/units?limit=500", timeout=30).json()["items"]
        if u["position"]
    ]
    tally = Tally()
    started = time.monotonic()
    until = started + seconds
    threads = [
        threading.Thread(target=dispatcher, args=(base, sessions[i], stations, until, tally, i))
        for i in range(dispatchers)
    ]
    threads.append(threading.Thread(target=avl, args=(base, sessions[-1], units, until, avl_period, tally)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    with session_factory(database_url)() as s:
        doubles_in_database = s.scalar(DOUBLE_DISPATCHES)
    every = [x for values in tally.latencies.values() for x in values]

    def stats(values: list[float]) -> dict[str, float]:
        p50, p95, p99 = np.percentile(np.array(values) * 1000, [50, 95, 99]) if values else (np.nan,) * 3
        return {"count": len(values), "p50": round(p50, 1), "p95": round(p95, 1), "p99": round(p99, 1)}

    return {
        "requests": len(every),
        "seconds": round(elapsed, 1),
        "throughput": round(len(every) / elapsed, 1),
        "latency_ms": {**{k: stats(v) for k, v in sorted(tally.latencies.items())}, "all": stats(every)},
        "errors": tally.errors,
        "conflicts": tally.conflicts,
        "assigned": tally.assigned,
        "double_assignments": len(tally.doubles),
        "double_dispatches_in_database": doubles_in_database,
    }


def add_dispatchers(database_url: str, count: int) -> None:
    """Create users ``load-dispatcher-0 … count`` (one more for the AVL feed), password :data:`PASSWORD`."""
    from geo112.accounts.users import create_user

    with session_factory(database_url).begin() as s:
        for i in range(count + 1):
            create_user(s, f"load-dispatcher-{i}", PASSWORD, "dispatcher")


def report(result: dict[str, object]) -> str:
    """The result as a Markdown table and a summary line."""
    lines = ["| endpoint | requests | p50 ms | p95 ms | p99 ms |", "|---|---:|---:|---:|---:|"]
    for name, s in result["latency_ms"].items():
        lines.append(f"| {name} | {s['count']} | {s['p50']} | {s['p95']} | {s['p99']} |")
    lines.append("")
    lines.append(
        f"{result['requests']} requests in {result['seconds']} s = **{result['throughput']} requests/s**; "
        f"errors {len(result['errors'])}; assignments {result['assigned']}, lost races (409) "
        f"{result['conflicts']}; double assignments: {result['double_assignments']} seen by clients, "
        f"{result['double_dispatches_in_database']} in the database."
    )
    return "\n".join(lines)


def main() -> None:
    """Prepare the database, serve the app with gunicorn, run the load and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dispatchers", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--avl-period", type=float, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--cache-dir", type=Path, default=get_settings().cache_dir)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from tests.conftest import loaded_database  # the same database the load test of the suite uses

    url = loaded_database("load", get_settings().data_dir)
    add_dispatchers(url, args.dispatchers)
    with serve(url, args.cache_dir, args.workers, args.threads) as base:
        result = run(base, url, args.dispatchers, args.seconds, args.avl_period)
    print(report(result))
    for error in result["errors"][:20]:
        print("error:", error)


if __name__ == "__main__":
    main()
