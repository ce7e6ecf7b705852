"""The unit state machine, assignments and the incident phases they stamp, against PostGIS."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from geo112.dispatch import schemas
from geo112.dispatch.assignments import assign, change_status
from geo112.dispatch.incidents import close_incident
from geo112.dispatch.units import ORDERED, TRANSITIONS, check_transition
from geo112.errors import Conflict, NotFound, Unprocessable
from geo112.store.models import Assignment, Station

from .conftest import KOTA


def test_every_status_has_a_way_back_to_available() -> None:
    reach = {"available"}
    while True:
        more = {s for s, nxt in TRANSITIONS.items() if reach & set(nxt)} - reach
        if not more:
            break
        reach |= more
    assert reach == set(TRANSITIONS)


@pytest.mark.parametrize(("start", "new"), [(s, n) for s in TRANSITIONS for n in TRANSITIONS if n not in ORDERED])
def test_transition_is_allowed_exactly_when_listed(db, make_unit, start: str, new: str) -> None:
    # A relocating unit has the station it drives to (a constraint of the table).
    target = {"relocation_station_id": db.scalar(select(Station.id).limit(1))} if start == "relocating" else {}
    unit = make_unit(status=start, **target)
    if new in TRANSITIONS[start]:
        check_transition(unit, new)
        return
    with pytest.raises(Conflict) as refused:
        check_transition(unit, new)
    assert refused.value.extra["allowed"] == [s for s in TRANSITIONS[start] if s not in ORDERED]


def test_dispatched_and_unknown_statuses_are_refused(db, make_unit) -> None:
    unit = make_unit()
    for status in ("dispatched", "relocating", "parked"):
        with pytest.raises(Unprocessable):
            change_status(db, unit.id, status, "tester")
    with pytest.raises(NotFound):
        change_status(db, 10**9, "out_of_service", "tester")


def test_full_response_stamps_assignment_and_incident(db, make_incident, make_unit) -> None:
    incident, unit = make_incident(), make_unit()
    assignment = assign(db, incident.id, unit.id, "alice", eta_s=300.0, distance_m=4000.0)
    assert unit.status == "dispatched" or db.get(type(unit), unit.id).status == "dispatched"
    for status in ("en_route", "on_scene", "transporting", "returning", "available"):
        change_status(db, unit.id, status, "alice")
    db.refresh(incident)
    db.refresh(assignment)
    assert assignment.end_reason == "cleared" and assignment.ended_at is not None
    assert assignment.en_route_at and assignment.on_scene_at and assignment.transporting_at
    assert incident.received_at <= incident.dispatched_at <= incident.en_route_at <= incident.on_scene_at
    assert incident.cleared_at is not None
    assert set(incident.intervals_s) >= {"call_to_dispatch", "response", "travel"}
    assert incident.intervals_s["total"] is None  # not closed yet
    close_incident(db, incident.id, schemas.IncidentClose(disposition="transported"), "alice")
    db.refresh(incident)
    assert incident.intervals_s["total"] >= 0 and incident.status == "closed"


def test_incident_clears_only_when_its_last_unit_leaves(db, make_incident, make_unit) -> None:
    incident, first, second = make_incident(), make_unit(), make_unit()
    for unit in (first, second):
        assign(db, incident.id, unit.id, "alice")
        change_status(db, unit.id, "en_route", "alice")
        change_status(db, unit.id, "on_scene", "alice")
    change_status(db, first.id, "returning", "alice")
    db.refresh(incident)
    assert incident.cleared_at is None
    change_status(db, second.id, "returning", "alice")
    db.refresh(incident)
    assert incident.cleared_at is not None


def test_standing_down_frees_the_unit_without_clearing(db, make_incident, make_unit) -> None:
    incident, unit = make_incident(), make_unit()
    assignment = assign(db, incident.id, unit.id, "alice")
    change_status(db, unit.id, "available", "alice")
    db.refresh(assignment)
    db.refresh(incident)
    assert assignment.end_reason == "stood_down" and incident.cleared_at is None
    assign(db, incident.id, unit.id, "alice")  # free again: can be sent anew


def test_busy_unit_conflict_names_the_holding_incident(db, make_incident, make_unit) -> None:
    first, second, unit = make_incident(), make_incident(), make_unit()
    assign(db, first.id, unit.id, "alice")
    with pytest.raises(Conflict) as refused:
        assign(db, second.id, unit.id, "bob")
    assert refused.value.extra["incident_id"] == first.id
    assert str(first.id) in refused.value.detail
    assert db.scalars(select(Assignment).where(Assignment.unit_id == unit.id)).all().__len__() == 1


def test_out_of_service_unit_cannot_be_assigned(db, make_incident, make_unit) -> None:
    incident, unit = make_incident(), make_unit(status="out_of_service")
    with pytest.raises(Conflict) as refused:
        assign(db, incident.id, unit.id, "alice")
    assert refused.value.extra == {"incident_id": None, "unit_status": "out_of_service"}


def test_closed_and_foreign_incidents_refuse_units(db, make_incident, make_unit) -> None:
    closed, kota, unit = make_incident(), make_incident(point=KOTA), make_unit()
    close_incident(db, closed.id, schemas.IncidentClose(disposition="prank"), "alice")
    with pytest.raises(Conflict):
        assign(db, closed.id, unit.id, "alice")
    with pytest.raises(Conflict) as refused:
        assign(db, kota.id, unit.id, "alice")
    assert "Kota Mojokerto" in refused.value.extra["handoff"]
    assert db.get(type(unit), unit.id).status == "available"  # nothing half-written by the refusals
    assign(db, kota.id, unit.id, "alice", mutual_aid="requested_by_neighbour")


def test_close_refuses_while_units_work(db, make_incident, make_unit) -> None:
    incident, unit = make_incident(), make_unit()
    assign(db, incident.id, unit.id, "alice")
    with pytest.raises(Conflict) as refused:
        close_incident(db, incident.id, schemas.IncidentClose(disposition="handled"), "alice")
    assert refused.value.extra["units"] == [{"id": unit.id, "call_sign": unit.call_sign}]
