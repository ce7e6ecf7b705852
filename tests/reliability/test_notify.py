"""What processes keep in memory follows the database without a request: LISTEN/NOTIFY and its listeners.

The fleet's travel-time rows follow committed moves, and remembered sessions are forgotten when a user
changes, whichever connection made the change; a listener whose connection is killed reconnects and
catches up with what changed meanwhile. The changes are committed, so these tests have a database of their
own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select, text

from geo112.accounts.users import SessionUsers, end_sessions, session_users
from geo112.network import RoutedFleet, UnitPosition, listen
from geo112.store.db import session_factory
from geo112.store.models import Unit, User
from tests.conftest import loaded_database

WAIT_S = 15.0


@pytest.fixture(scope="module")
def notified(settings) -> str:
    """A database of its own with the demo data."""
    return loaded_database("notify", settings.data_dir)


def eventually(condition: Callable[[], bool]) -> bool:
    """Whether ``condition`` holds within :data:`WAIT_S` (polled)."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def move(url: str, unit_id: int, lon: float, lat: float) -> UnitPosition:
    """Commit a new position from a connection of its own; return what the fleet should compute from."""
    with session_factory(url).begin() as s:
        s.execute(
            text("UPDATE unit SET geom = ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) WHERE id = :id"),
            {"lon": lon, "lat": lat, "id": unit_id},
        )
        unit = s.get(Unit, unit_id)
        speed = s.scalar(text("SELECT speed_factor FROM unit_type WHERE code = :c"), {"c": unit.unit_type_code})
        return UnitPosition(lon, lat, unit.unit_type_code, float(speed))


def kill_listeners(url: str, channel: str) -> int:
    """Terminate the backends listening on ``channel`` (as a restart or a network cut would)."""
    with session_factory(url).begin() as s:
        return len(
            s.scalars(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND query = :listen"
                ),
                {"listen": f'LISTEN "{channel}"'},
            ).all()
        )


def test_a_committed_move_reaches_the_fleet_without_a_request_and_after_a_lost_connection(
    notified: str, network
) -> None:
    fleet = listen(RoutedFleet(network), notified)
    try:
        assert fleet.listener is not None and fleet.listener.wait_connected(WAIT_S)
        # named in the operating system too: top -H, and the load test's CPU by thread, tell it from the others
        assert Path(f"/proc/self/task/{fleet.listener._thread.native_id}/comm").read_text() == "fleet-listener\n"
        with session_factory(notified)() as s:
            unit_id = s.scalar(select(Unit.id).where(Unit.geom.is_not(None)).order_by(Unit.id))
        assert eventually(lambda: fleet.stale({}) == [] and unit_id in fleet._synced)  # the first sync
        # A reader leaves a moved unit to the caught-up listener; a unit without a row it computes itself.
        known = fleet._synced[unit_id]
        moved, new = known._replace(lon=known.lon + 0.01), known._replace(lon=known.lon + 0.02)
        assert fleet.stale({unit_id: moved}) == [unit_id] and fleet.behind({unit_id: moved}) == {}
        assert fleet.behind({unit_id: moved._replace(speed_factor=0.5)}) != {}  # a new speed cannot wait
        assert fleet.behind({10**9: new}) == {10**9: new}
        assert RoutedFleet(network).behind({unit_id: moved}) == {unit_id: moved}  # no listener: all of it
        there = move(notified, unit_id, 112.5000, -7.5500)
        assert eventually(lambda: fleet.stale({unit_id: there}) == [])

        assert kill_listeners(notified, "geo112_fleet") == 1
        # Moved while nobody listens: no notification reaches the fleet, the catch-up after reconnecting does.
        elsewhere = move(notified, unit_id, 112.5200, -7.5300)
        assert eventually(lambda: fleet.listener.connected and fleet.stale({unit_id: elsewhere}) == [])
    finally:
        fleet.listener.stop()


def test_the_listener_reads_only_the_units_a_notification_names(notified: str, network) -> None:
    fleet, asked = RoutedFleet(network), []
    sync = fleet.sync
    fleet.sync = lambda session, unit_ids=None: asked.append(unit_ids) or sync(session, unit_ids)  # type: ignore[method-assign]
    listen(fleet, notified)
    try:
        assert fleet.listener is not None and fleet.listener.wait_connected(WAIT_S)
        assert eventually(lambda: asked[:1] == [None])  # on connecting: every unit
        with session_factory(notified).begin() as s:  # a new unit: a copy of the first, at its place
            unit_id = s.scalar(
                text(
                    "INSERT INTO unit (call_sign, unit_type_code, agency_code, station_id, status, geom, position_at, "
                    "position_source) SELECT 'NOTIFY-1', unit_type_code, agency_code, station_id, status, geom, "
                    "position_at, position_source FROM unit "
                    "WHERE geom IS NOT NULL ORDER BY id LIMIT 1 RETURNING id"
                )
            )
        assert eventually(lambda: unit_id in fleet._synced) and [unit_id] in asked
        there = move(notified, unit_id, 112.5100, -7.5400)
        assert eventually(lambda: fleet.stale({unit_id: there}) == [])
        assert asked.count([unit_id]) == 2
        with session_factory(notified).begin() as s:
            s.execute(text("DELETE FROM unit WHERE id = :id"), {"id": unit_id})
        assert eventually(lambda: unit_id not in fleet._synced)  # forgotten: read, and found gone
        assert asked.count([unit_id]) == 3 and asked.count(None) == 1
    finally:
        fleet.listener.stop()


def test_remembered_sessions_are_forgotten_when_the_user_changes_anywhere(notified: str) -> None:
    users = SessionUsers(notified)
    try:
        assert users.listener.wait_connected(WAIT_S)
        factory = session_factory(notified)
        with factory() as s:
            user = s.scalar(select(User).where(User.username == "test-dispatcher"))
            user_id, version = user.id, user.session_version
            assert users.check(s, user_id, version) is not None
        # Remembered: while nothing changed the answer comes without the database (no session to ask).
        assert users.check(None, user_id, version) is not None
        with factory.begin() as s:  # another program disables the account
            s.execute(text("UPDATE app_user SET active = false WHERE id = :id"), {"id": user_id})
        with factory() as s:
            assert eventually(lambda: users.check(s, user_id, version) is None)
        with factory.begin() as s:
            s.execute(text("UPDATE app_user SET active = true WHERE id = :id"), {"id": user_id})
        with factory() as s:
            assert eventually(lambda: users.check(s, user_id, version) is not None)
    finally:
        users.listener.stop()


def test_the_process_that_ends_a_session_forgets_it_at_its_commit(notified: str) -> None:
    users = session_users(notified)
    users.listener.stop()
    # A listener that is connected but hears nothing: only the commit hook can make this process forget.
    users.listener = SimpleNamespace(connected=True)
    factory = session_factory(notified)
    with factory() as s:
        user = s.scalar(select(User).where(User.username == "test-planner"))
        user_id, version = user.id, user.session_version
        assert users.check(s, user_id, version) is not None
        assert users.check(None, user_id, version) is not None  # remembered
    with factory.begin() as s:
        end_sessions(s.get(User, user_id))
    with factory() as s:
        assert users.check(s, user_id, version) is None  # at once, without waiting for anyone
        assert users.check(s, user_id, version + 1) is not None
