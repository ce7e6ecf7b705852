"""Nothing lost: PostgreSQL restarts in the middle of a stream of incident creations.

Four dispatchers record incidents through gunicorn without pause while the shared PostgreSQL server is
restarted. Each call is retried by its client until it gets a 201. Every 201 must name an incident that
exists with its ``incident.created`` event; every other answer must be a 503 saying the database is
unavailable; no incident may exist without its event; and the app must serve again without being restarted.
This restarts the machine's PostgreSQL: other databases' connections are cut too (it waits for none).
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
import uuid

import pytest
import requests
from sqlalchemy import select

from geo112.store.db import get_engine, session_factory
from geo112.store.models import Event, Incident
from tests.reliability.harness import login

from .conftest import DISPATCHERS

CLUSTER = ("15", "main")


def _pg_ctl(action: str) -> subprocess.CompletedProcess:
    done = subprocess.run(["pg_ctlcluster", *CLUSTER, action], capture_output=True, text=True, timeout=120)
    if done.returncode != 0 and "systemctl" in done.stderr + done.stdout:
        done = subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", *CLUSTER, action],
            capture_output=True,
            text=True,
            timeout=120,
        )
    return done


def _restart_postgresql() -> None:
    try:
        done = _pg_ctl("restart")
        assert done.returncode == 0, done.stderr
    finally:  # whatever happened, leave the server running
        if _pg_ctl("status").returncode != 0:
            _pg_ctl("start")


@pytest.mark.skipif(shutil.which("pg_ctlcluster") is None, reason="needs Debian's pg_ctlcluster")
def test_a_database_restart_in_a_stream_of_incidents_loses_nothing(served: str, served_database: str) -> None:
    tag = f"restart-{uuid.uuid4().hex[:12]}"
    sessions = [login(served, f"load-dispatcher-{i}", "load-test-112") for i in range(min(4, DISPATCHERS))]
    created: list[int] = []
    refusals: list[tuple[int | str, str]] = []
    lock, stop = threading.Lock(), threading.Event()

    def stream(session: requests.Session) -> None:
        while not stop.is_set():
            while True:  # one call, retried until it is recorded
                try:
                    answer = session.post(
                        f"{served}/api/v1/incidents",
                        timeout=60,
                        json={
                            "category": "kebakaran",
                            "lon": 112.56,
                            "lat": -7.52,
                            "description": tag,
                            "caller_phone": "0812 112 112",
                        },
                    )
                except requests.ConnectionError as exc:
                    with lock:
                        refusals.append(("connection", str(exc)[:100]))
                    time.sleep(0.1)
                    continue
                with lock:
                    if answer.status_code == 201:
                        created.append(answer.json()["id"])
                        break
                    refusals.append((answer.status_code, answer.text[:300]))
                time.sleep(0.1)

    threads = [threading.Thread(target=stream, args=(s,)) for s in sessions]
    for t in threads:
        t.start()
    time.sleep(2)
    before_restart = len(created)
    _restart_postgresql()
    time.sleep(3)
    stop.set()
    for t in threads:
        t.join(120)

    assert before_restart > 0 and len(created) > before_restart  # creations went on after the restart
    assert refusals, "no request met the restart: it proved nothing"
    for status, body in refusals:
        assert status == 503 and "database is unavailable" in body and "retry" in body, (status, body)
    # This process's own pool still holds connections to the server before the restart (no pre-ping).
    get_engine(served_database).dispose()
    with session_factory(served_database)() as s:
        stored = set(s.scalars(select(Incident.id).where(Incident.description == tag)))
        events = s.scalars(
            select(Event.incident_id).where(Event.action == "incident.created", Event.incident_id.in_(stored))
        ).all()
    assert set(created) <= stored  # every 201 was committed
    assert len(created) == len(set(created))
    assert sorted(events) == sorted(stored)  # no incident without its event: nothing half-written
    # A 503 can only hide a commit when the connection broke between COMMIT and its acknowledgement.
    assert len(stored - set(created)) <= len(refusals)
    assert requests.get(f"{served}/readyz", timeout=60).status_code == 200  # reconnected by itself


@pytest.mark.skipif(shutil.which("pg_ctlcluster") is None, reason="needs Debian's pg_ctlcluster")
def _forget_connections(*urls: str) -> None:
    """This test process's pooled connections are from before the restart: the tests after it get new ones."""
    for url in urls:
        get_engine(url).dispose()


def test_the_first_probe_after_a_database_restart_says_ready(served: str, served_database: str, database: str) -> None:
    # Each worker's pool holds connections from before the restart; no request meets the restart itself.
    for _ in range(8):
        assert requests.get(f"{served}/readyz", timeout=60).status_code == 200
    _restart_postgresql()
    answers = [requests.get(f"{served}/readyz", timeout=60) for _ in range(8)]
    assert [a.status_code for a in answers] == [200] * 8, [a.json() for a in answers]
    _forget_connections(served_database, database)
    # Probed while the database is down (503, as it should), then at once when it is back.
    assert _pg_ctl("stop").returncode == 0
    try:
        down = [requests.get(f"{served}/readyz", timeout=60) for _ in range(4)]
        assert {a.status_code for a in down} == {503}
    finally:
        assert _pg_ctl("start").returncode == 0
    answers = [requests.get(f"{served}/readyz", timeout=60) for _ in range(8)]
    assert [a.status_code for a in answers] == [200] * 8, [a.json() for a in answers]
    _forget_connections(served_database, database)
