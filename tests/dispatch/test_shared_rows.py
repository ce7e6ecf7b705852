"""Unit rows searched once per machine: workers copy through Redis the rows another worker searched (issue 33)."""

from __future__ import annotations

import threading
import time
import uuid

import numpy as np
import pytest
import redis
from sqlalchemy.orm import Session

from geo112 import shared_rows
from geo112.network import POSITIONS, Network, RoutedFleet
from geo112.shared_rows import SharedRows

from .conftest import PACET


@pytest.fixture
def shared(network: Network, settings) -> SharedRows:
    # a graph fingerprint of this test's own, so that no other test's rows (or an earlier run's) are found
    return SharedRows(settings.redis_url, (*network.fingerprint[:1], f"test-{uuid.uuid4()}"))


def _twin(network: Network, shared: SharedRows, settings) -> SharedRows:
    """Another worker's view of the same Redis and graph."""
    twin = SharedRows(settings.redis_url, ("", ""))
    twin._graph = shared._graph
    return twin


def _places(db) -> int:
    """Distinct (position, speed factor) pairs: units parked at one station share one row's search."""
    return len({(lon, lat, factor) for _, lon, lat, _, factor in db.execute(POSITIONS)})


def _ranking(fleet: RoutedFleet) -> list[tuple[int, float]]:
    return [(r.unit_id, round(r.eta_s, 3)) for r in fleet.rank(*PACET, "ambulance")]


def test_a_second_worker_copies_the_rows_the_first_searched(db, network: Network, shared, settings) -> None:
    first = RoutedFleet(network, settings.unit_row_limit_s, shared=shared)
    second = RoutedFleet(network, settings.unit_row_limit_s, shared=_twin(network, shared, settings))
    alone = RoutedFleet(network, settings.unit_row_limit_s)
    units = first.sync(db)
    assert units > 10 and (shared.searched, shared.copied) == (_places(db), units - _places(db))
    assert second.sync(db) == units
    assert (second.shared.searched, second.shared.copied) == (0, units)
    alone.sync(db)
    assert _ranking(second) == _ranking(alone) == _ranking(first)
    unit = next(iter(first.table._slot))
    np.testing.assert_array_equal(second.table.times(unit), alone.table.times(unit))


def test_two_workers_at_once_search_each_row_once(db, network: Network, shared, settings) -> None:
    twin = _twin(network, shared, settings)
    fleets = [RoutedFleet(network, settings.unit_row_limit_s, shared=s) for s in (shared, twin)]
    results: list[int] = []

    def sync(fleet: RoutedFleet) -> None:
        with Session(db.get_bind()) as session:
            results.append(fleet.sync(session))

    workers = [threading.Thread(target=sync, args=(f,)) for f in fleets]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert results[0] == results[1] > 10
    assert shared.searched + twin.searched == _places(db)  # each row searched by one of them, once
    assert _ranking(fleets[0]) == _ranking(fleets[1])


def test_without_redis_a_worker_searches_its_rows_itself(db, network: Network, settings) -> None:
    down = SharedRows("redis://127.0.0.1:1/0", network.fingerprint)  # nothing listens on port 1
    fleet, alone = RoutedFleet(network, settings.unit_row_limit_s, shared=down), RoutedFleet(network)
    units = fleet.sync(db)
    alone.sync(db)
    assert down.searched == units and _ranking(fleet) == _ranking(alone)


def test_a_claim_whose_worker_stopped_holds_the_others_only_until_it_expires(
    db, network: Network, shared, settings
) -> None:
    fleet = RoutedFleet(network, settings.unit_row_limit_s, shared=shared)
    client = redis.Redis.from_url(settings.redis_url)
    for _, lon, lat, _, factor in db.execute(POSITIONS):  # claimed by a worker that stopped before searching
        client.set(shared._key("claim", settings.unit_row_limit_s, lon, lat, factor), b"1", px=300)
    started = time.monotonic()
    units = fleet.sync(db)
    assert shared.searched == units and time.monotonic() - started < 20


def test_a_waiting_worker_wakes_when_the_row_is_left_not_at_its_next_look(
    db, network: Network, shared, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shared_rows, "BLOCK_MS", 60_000)  # its next look would come after the test gave up
    table = RoutedFleet(network, settings.unit_row_limit_s).table
    _, lon, lat, _, factor = next(iter(db.execute(POSITIONS)))
    key = (table.limit_s, lon, lat, factor)
    shared._claim([shared._key("claim", *key)], "searching")  # another worker claimed the row and searches it
    twin, copied = _twin(network, shared, settings), []
    twin._redis = redis.Redis.from_url(settings.redis_url, socket_timeout=90)  # blocks for as long as it is told
    waiter = threading.Thread(target=lambda: copied.append(twin.compute(table, [lon], [lat], [factor])), daemon=True)
    waiter.start()
    time.sleep(0.3)
    assert waiter.is_alive()  # waiting, not searching
    row = table.compute([lon], [lat], [factor]).row_bytes(0)
    shared._leave([0], [row], [shared._key("row", *key)], [shared._key("claim", *key)], "searching")
    waiter.join(20)
    assert copied and (twin.searched, twin.copied) == (0, 1)  # woken by the claimer's signal, the row copied
    np.testing.assert_array_equal(copied[0].row_bytes(0), row)
