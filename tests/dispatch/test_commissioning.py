"""Adding a unit: available at its station, of the station's agency, recorded; a taken call sign or an unknown
station or type is refused (in a rolled-back session: the shared fleet stays as it was)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from geo112.dispatch import schemas
from geo112.dispatch.commissioning import add_unit
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
