"""Incidents (location, hand-off, edits, closing) and the append-only audit trail, against PostGIS."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from geo112.dispatch import schemas
from geo112.dispatch.assignments import assign, change_status
from geo112.dispatch.incidents import close_incident, list_incidents, update_incident
from geo112.errors import Conflict, Unprocessable

from .conftest import KOTA, MOJOSARI, OUTSIDE, PACET, timeline

YOGYAKARTA = (110.3650, -7.8010)  # beyond Jawa Timur and its waters


def test_incident_is_located_and_gets_the_category_priority(make_incident) -> None:
    incident = make_incident("kebakaran", description="rumah terbakar")
    assert incident.kecamatan.name == "Mojosari" and incident.desa is not None
    assert incident.jurisdiction_code == "35.16" and incident.handoff is None
    assert incident.priority == 1 and incident.status == "open" and incident.received_at is not None


@pytest.mark.parametrize(("point", "handoff"), [(KOTA, "Kota Mojokerto"), (OUTSIDE, "Kabupaten Tuban")])
def test_incidents_elsewhere_are_recorded_and_flagged_for_handoff(province, make_incident, point, handoff) -> None:
    incident = make_incident(point=point)
    assert incident.id is not None and handoff in incident.handoff


@pytest.mark.parametrize(("point", "says"), [(YOGYAKARTA, "from its nearest desa"), ((0.0, 0.0), "outside Jawa")])
def test_a_place_beyond_the_province_is_refused_saying_where_it_is(db, province, make_incident, point, says) -> None:
    with pytest.raises(Unprocessable, match=says) as refused:
        make_incident(point=point)
    assert f"{point[1]:.5f}, {point[0]:.5f} (lat, lon) is outside Jawa Timur" in refused.value.detail
    incident = make_incident()
    with pytest.raises(Unprocessable, match="outside Jawa Timur"):
        update_incident(db, incident.id, schemas.IncidentUpdate(lon=point[0], lat=point[1]), "bob")


def test_unknown_category_is_refused(make_incident) -> None:
    with pytest.raises(Unprocessable, match="categories are medis"):
        make_incident("gempa_bumi")


def test_moving_an_incident_locates_it_again(db, make_incident) -> None:
    incident = make_incident()
    update_incident(db, incident.id, schemas.IncidentUpdate(lon=PACET[0], lat=PACET[1], priority=2), "bob")
    assert incident.kecamatan.name == "Pacet" and incident.priority == 2
    with pytest.raises(Unprocessable, match="lon and lat together"):
        update_incident(db, incident.id, schemas.IncidentUpdate(lon=PACET[0]), "bob")


def test_closed_incident_cannot_be_edited_or_closed_again(db, make_incident) -> None:
    incident = make_incident()
    close_incident(db, incident.id, schemas.IncidentClose(disposition="ghost_call", note="silent line"), "bob")
    assert incident.disposition == "ghost_call" and incident.closed_at is not None
    with pytest.raises(Conflict):
        update_incident(db, incident.id, schemas.IncidentUpdate(description="x"), "bob")
    with pytest.raises(Conflict):
        close_incident(db, incident.id, schemas.IncidentClose(disposition="prank"), "bob")


def test_list_filters_and_pages(db, make_incident) -> None:
    made = [make_incident("banjir", point=PACET), make_incident("banjir", point=PACET), make_incident("medis")]
    page, total = list_incidents(db, category="banjir", kecamatan=made[0].kecamatan_code, limit=1)
    assert total >= 2 and len(page) == 1 and page[0].category_code == "banjir"
    handoffs, _ = list_incidents(db, handoff=True, limit=500)
    assert all(i.handoff for i in handoffs)


def test_timeline_holds_every_change_with_before_and_after(db, make_incident, make_unit) -> None:
    incident, unit = make_incident(), make_unit()
    update_incident(db, incident.id, schemas.IncidentUpdate(priority=2), "bob")
    assign(db, incident.id, unit.id, "alice")
    change_status(db, unit.id, "en_route", "alice")
    events = timeline(db, incident.id)
    assert [e["action"] for e in events] == [
        "incident.created",
        "incident.updated",
        "assignment.created",
        "unit.status",
        "unit.status",
    ]
    assert events[1]["before"] == {"priority": 1} and events[1]["after"] == {"priority": 2}
    assert events[-1]["before"]["status"] == "dispatched" and events[-1]["after"]["status"] == "en_route"
    assert [e["actor"] for e in events] == ["tester", "bob", "alice", "alice", "alice"]
    assert [e["unit_call_sign"] for e in events] == [None, None, *[unit.call_sign] * 3]
    assert events[0]["after"]["geom"]["coordinates"] == pytest.approx(list(MOJOSARI))


@pytest.mark.parametrize("statement", ["UPDATE event SET actor = 'mallory'", "DELETE FROM event", "TRUNCATE event"])
def test_events_cannot_be_changed_or_deleted(db, make_incident, statement: str) -> None:
    make_incident()
    with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
        db.execute(text(statement))
