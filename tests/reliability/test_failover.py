"""Losing the database server: Patroni promotes the synchronous replica, and no acknowledged call is lost.

Two app instances (two gunicorns on two ports) use the three-member Patroni cluster of ``scripts/ha.py``
through one multi-host URL. Dispatchers record incidents without pause while the primary's Patroni and
postmaster are killed at once (the machine is gone); every call answered 201 must be in the new primary,
with its audit event, and the old primary must come back as a replica. Then dispatchers on both instances
race for one unit while the primary is lost again: exactly one assignment.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from geo112.store.db import get_engine, session_factory
from geo112.store.models import Assignment, Event, Incident
from scripts.ha import Cluster, load_demo_database
from tests.dispatch.conftest import MOJOSARI, committed_unit
from tests.reliability.harness import PASSWORD, add_dispatchers, login, serve

pytestmark = pytest.mark.slow
DISPATCHERS = 4


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """The three-member cluster, in a directory the ``postgres`` user can reach."""
    base = Path(f"/var/tmp/geo112-ha-test-{os.getpid()}")
    shutil.rmtree(base, ignore_errors=True)
    ha = Cluster(base)
    try:
        ha.start()
        yield ha
    finally:
        ha.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def ha_url(cluster: Cluster, settings) -> str:
    """A geo112 database on the cluster, with the geography, the demo fleet and the dispatchers."""
    url = cluster.url("geo112_ha")
    load_demo_database(url, settings.data_dir)
    add_dispatchers(url, DISPATCHERS)
    return url


@pytest.fixture(scope="module")
def two_apps(ha_url: str, settings, network, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """Two gunicorns on the cluster URL; yields their base URLs."""
    logs = tmp_path_factory.mktemp("ha-apps")
    with (
        serve(ha_url, settings.cache_dir, workers=1, threads=4, log=logs / "a.log") as first,
        serve(ha_url, settings.cache_dir, workers=1, threads=4, log=logs / "b.log") as second,
    ):
        yield [first, second]


def _new_leader(cluster: Cluster, lost: str, timeout_s: float = 60.0) -> str:
    deadline = time.monotonic() + timeout_s
    while (leader := cluster.leader()) in (None, lost):
        assert time.monotonic() < deadline, "no new primary"
        time.sleep(0.2)
    return leader  # type: ignore[return-value]


def now_connected(url: str) -> str:
    """``url``, with this process's own pool emptied: it has no pre-ping, and its connections may be to a
    primary that a failover ended (the apps under test recover by themselves: one 503 per connection)."""
    get_engine(url).dispose()
    return url


def test_no_acknowledged_call_is_lost_when_the_primary_dies(cluster: Cluster, ha_url: str, two_apps) -> None:
    clients = [login(two_apps[i % 2], f"load-dispatcher-{i}", PASSWORD) for i in range(DISPATCHERS)]
    answers: list[tuple[float, int, int | None]] = []  # (when, status, incident id)
    stop = threading.Event()

    def record(i: int) -> None:
        client, base = clients[i], two_apps[i % 2]
        while not stop.is_set():
            try:
                answer = client.post(f"{base}/api/v1/incidents", timeout=30,
                                     json={"category": "medis", "lon": MOJOSARI[0], "lat": MOJOSARI[1]})  # fmt: skip
                body = answer.json()
                answers.append((time.monotonic(), answer.status_code, body.get("id") if answer.ok else None))
            except requests.RequestException:
                answers.append((time.monotonic(), 0, None))

    threads = [threading.Thread(target=record, args=(i,)) for i in range(DISPATCHERS)]
    for thread in threads:
        thread.start()
    time.sleep(3)
    lost = cluster.leader()
    assert lost is not None
    killed = time.monotonic()
    cluster.kill(lost)
    leader = _new_leader(cluster, lost)
    while not any(t > killed and status == 201 for t, status, _ in answers):
        assert time.monotonic() - killed < 90, "no call recorded after the failover"
        time.sleep(0.1)
    back = min(t for t, status, _ in answers if t > killed and status == 201)
    time.sleep(3)
    stop.set()
    for thread in threads:
        thread.join()

    acknowledged = [i for _, status, i in answers if status == 201]
    refused = [status for _, status, _ in answers if status != 201]
    print(f"\nfailover {lost} -> {leader}: calls answered again {back - killed:.1f} s after the kill; "
          f"{len(acknowledged)} recorded, {len(refused)} refused ({sorted(set(refused))})")  # fmt: skip
    assert set(refused) <= {503}, refused  # a clean "retry shortly", never a 500 or a hang
    assert any(t > back for t, status, _ in answers if status == 201)
    with session_factory(now_connected(ha_url))() as session:
        stored = set(session.scalars(select(Incident.id).where(Incident.id.in_(acknowledged))))
        assert stored == set(acknowledged)  # lost = 0
        unaudited = session.scalar(
            select(func.count()).select_from(Incident)
            .where(~select(Event.id).where(Event.incident_id == Incident.id, Event.action == "incident.created")
                   .exists())
        )  # fmt: skip
        assert unaudited == 0  # nothing half-written

    cluster.start_member(cluster.member(lost))
    deadline = time.monotonic() + 120
    while lost not in cluster.streaming():
        assert time.monotonic() < deadline, f"{lost} did not rejoin: {cluster.cluster_state()}"
        time.sleep(0.5)
    assert cluster.leader() == leader  # the old primary came back as a replica, the new one stayed


def test_two_instances_racing_for_a_unit_across_a_failover_make_one_assignment(cluster, ha_url, two_apps) -> None:
    unit = committed_unit(now_connected(ha_url), "K16", "HA")
    clients = [login(two_apps[i % 2], f"load-dispatcher-{i}", PASSWORD) for i in range(DISPATCHERS)]
    incident = clients[0].post(f"{two_apps[0]}/api/v1/incidents", timeout=30,
                               json={"category": "medis", "lon": MOJOSARI[0], "lat": MOJOSARI[1]}).json()  # fmt: skip
    outcomes: list[int] = []

    def race(i: int) -> None:
        while True:  # retry through the failover until the server decides
            try:
                answer = clients[i].post(f"{two_apps[i % 2]}/api/v1/incidents/{incident['id']}/assignments",
                                         json={"unit_id": unit}, timeout=30)  # fmt: skip
            except requests.RequestException:
                continue
            if answer.status_code != 503:
                outcomes.append(answer.status_code)
                return
            time.sleep(0.2)

    lost = cluster.leader()
    assert lost is not None
    threads = [threading.Thread(target=race, args=(i,)) for i in range(DISPATCHERS)]
    cluster.kill(lost)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes)[-1] == 409 and outcomes.count(201) <= 1, outcomes
    assert set(outcomes) <= {201, 409}
    with session_factory(now_connected(ha_url))() as session:
        held = session.scalars(select(Assignment).where(Assignment.unit_id == unit, Assignment.ended_at.is_(None)))
        assert len(list(held)) == 1  # exactly one winner, whoever it was
    cluster.start_member(cluster.member(lost))
