"""Adding a unit: available at its station, of the station's agency, recorded; a taken call sign or an unknown
station or type is refused. Changing one: a new station brings its agency and, without AVL, its position; a
refusal changes nothing (in rolled-back sessions: the shared fleet stays as it was)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from geo112.dispatch import schemas
from geo112.dispatch.commissioning import add_unit, change_unit
from geo112.errors import Conflict, Unprocessable
from geo112.store.models import Event, Station, Unit


def _new(call_sign: str, unit_type: str, station_id: int) -> schemas.UnitCreate:
    return schemas.UnitCreate(call_sign=call_sign, unit_type=unit_type, station_id=station_id)


def test_a_unit_is_added_at_its_station_and_recorded(demo, session) -> None:
    station = session.scalars(select(Station).order_by(Station.code)).first()
    unit = add_unit(session, _new("PMK-UJI-1", "fire_truck", station.id), "test-admin")
    assert (unit.status, unit.agency_code, unit.station_id) == ("available", station.agency_code, station.id)
    at_station = select(func.ST_Equals(Unit.geom, Station.geom)).join(Station, Station.id == Unit.station_id)
    assert session.scalar(at_station.where(Unit.id == unit.id)) is True
    event = session.scalar(select(Event).where(Event.action == "unit.created", Event.unit_id == unit.id))
    assert event.actor == "test-admin" and event.after["call_sign"] == "PMK-UJI-1"
    with pytest.raises(Conflict):
        add_unit(session, _new("PMK-UJI-1", "fire_truck", station.id), "test-admin")
    for unit_type, station_id in (("submarine", station.id), ("fire_truck", 10**8)):
        with pytest.raises(Unprocessable):
            add_unit(session, _new("PMK-UJI-2", unit_type, station_id), "test-admin")


def test_a_unit_is_changed_and_recorded_and_a_refusal_changes_nothing(demo, session) -> None:
    first = session.scalar(select(Station).where(Station.agency_code != "dinkes").order_by(Station.code))
    elsewhere = ~func.ST_Equals(Station.geom, select(Station.geom).where(Station.id == first.id).scalar_subquery())
    other = session.scalar(select(Station).where(elsewhere).order_by(Station.code))
    home = session.scalar(select(Station).where(Station.agency_code == "dinkes").order_by(Station.code))
    unit = add_unit(session, _new("AMB-UJI-1", "ambulance", home.id), "test-admin")
    taken = session.scalar(select(Unit.call_sign).where(Unit.id != unit.id).order_by(Unit.call_sign))
    refused = (
        ({"call_sign": taken, "station_id": first.id}, Conflict, "call_sign_taken"),
        ({"call_sign": "AMB-UJI-9", "unit_type": "submarine"}, Unprocessable, "unknown_unit_type"),
        ({"call_sign": "AMB-UJI-9", "station_id": 10**8}, Unprocessable, "unknown_station"),
    )
    for change, error, reason in refused:
        with pytest.raises(error) as caught:
            change_unit(session, unit.id, schemas.UnitChange(**change), "test-admin")
        assert caught.value.extra["reason"] == reason
        assert (unit.call_sign, unit.unit_type_code, unit.station_id) == ("AMB-UJI-1", "ambulance", home.id)

    change_unit(session, unit.id, schemas.UnitChange(call_sign="RES-UJI-1", unit_type="rescue", station_id=first.id),
                "test-admin")  # fmt: skip
    assert (unit.call_sign, unit.unit_type_code, unit.agency_code) == ("RES-UJI-1", "rescue", first.agency_code)
    at_station = select(func.ST_Equals(Unit.geom, Station.geom)).join(Station, Station.id == Unit.station_id)
    assert session.scalar(at_station.where(Unit.id == unit.id)) is True
    event = session.scalar(select(Event).where(Event.action == "unit.updated", Event.unit_id == unit.id))
    assert (event.before["call_sign"], event.after["call_sign"]) == ("AMB-UJI-1", "RES-UJI-1")
    assert event.after["agency_code"] == first.agency_code

    # A unit with AVL keeps its position when its home station changes.
    unit.position_source = "avl"
    change_unit(session, unit.id, schemas.UnitChange(station_id=other.id), "test-admin")
    assert session.scalar(at_station.where(Unit.id == unit.id)) is False
    assert unit.station_id == other.id
