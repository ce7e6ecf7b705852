"""Two dispatchers, one unit: with 24 real connections at once, exactly one assignment wins."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from geo112.dispatch import schemas
from geo112.dispatch.assignments import assign, change_status
from geo112.dispatch.incidents import create_incident
from geo112.errors import Conflict
from geo112.store.db import session_factory
from geo112.store.models import Assignment, Unit

from .conftest import MOJOSARI, committed_unit

DISPATCHERS = 24


@pytest.fixture
def contested(demo: str):
    unit_id = committed_unit(demo, "K16", "RACE")
    with session_factory(demo).begin() as s:
        incidents = [
            create_incident(
                s, schemas.IncidentCreate(category="medis", lon=MOJOSARI[0], lat=MOJOSARI[1]), f"dispatcher{i}"
            )
            for i in range(DISPATCHERS)
        ]
        s.flush()
        ids = unit_id, [i.id for i in incidents]
    yield ids
    with session_factory(demo).begin() as s:  # free the unit for other tests
        if s.get(Unit, ids[0]).status == "dispatched":
            change_status(s, ids[0], "available", "tester")


def test_exactly_one_of_many_simultaneous_assignments_wins(demo: str, contested) -> None:
    unit_id, incident_ids = contested
    start = threading.Barrier(DISPATCHERS)

    def dispatcher(incident_id: int) -> tuple[str, object]:
        with session_factory(demo)() as s:
            s.connection()  # each dispatcher holds its own connection before the race starts
            start.wait()
            try:
                assign(s, incident_id, unit_id, f"d{incident_id}")
                s.commit()
                return "won", incident_id
            except Conflict as exc:
                s.rollback()
                return "lost", exc.extra["incident_id"]

    with ThreadPoolExecutor(DISPATCHERS) as pool:
        results = list(pool.map(dispatcher, incident_ids))
    winners = [incident for outcome, incident in results if outcome == "won"]
    assert len(winners) == 1
    assert [held for outcome, held in results if outcome == "lost"] == [winners[0]] * (DISPATCHERS - 1)
    with session_factory(demo)() as s:
        active = s.scalars(select(Assignment).where(Assignment.unit_id == unit_id)).all()
        assert [(a.incident_id, a.ended_at) for a in active] == [(winners[0], None)]
        assert s.get(Unit, unit_id).status == "dispatched"


def test_the_schema_itself_refuses_a_second_active_assignment(db, make_incident, make_unit) -> None:
    unit, first, second = make_unit(), make_incident(), make_incident()
    assign(db, first.id, unit.id, "alice")
    with pytest.raises(IntegrityError, match="ux_assignment_active_unit"), db.begin_nested():
        db.execute(
            text("INSERT INTO assignment (incident_id, unit_id, assigned_by) VALUES (:i, :u, 'x')"),
            {"i": second.id, "u": unit.id},
        )
