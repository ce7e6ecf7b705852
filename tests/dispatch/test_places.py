"""Agencies and stations an admin adds and changes: each change is an audit event, a taken code or an unknown
agency is refused, a station lies in the desa where it is placed and its units follow a new agency (in a
rolled-back session: the shared stations stay as they were)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from geo112.dispatch import configuration, schemas
from geo112.errors import Conflict, Unprocessable
from geo112.store.models import Agency, Event, Station, Unit
from tests.dispatch.conftest import MOJOSARI


def _events(session, action: str) -> list[Event]:
    return list(session.scalars(select(Event).where(Event.action == action).order_by(Event.id)))


def test_an_agency_is_added_and_renamed(demo, session) -> None:
    new = schemas.AgencyCreate(code="opd_uji", name="OPD Uji")
    agency = configuration.add_coded(session, Agency, new, "test-admin")
    with pytest.raises(Conflict) as caught:
        configuration.add_coded(session, Agency, new, "test-admin")
    assert caught.value.extra == {"reason": "agency_exists", "code": "opd_uji"}
    configuration.change_coded(session, Agency, "opd_uji", schemas.AgencyChange(name="OPD Uji Coba"), "test-admin")
    assert agency.name == "OPD Uji Coba"
    created, renamed = _events(session, "config.agency.created")[-1], _events(session, "config.agency.updated")[-1]
    assert created.after == {"code": "opd_uji", "name": "OPD Uji"}
    assert (renamed.before["name"], renamed.after["name"], renamed.actor) == ("OPD Uji", "OPD Uji Coba", "test-admin")


def test_a_station_is_added_where_it_is_placed_and_its_units_follow_its_agency(demo, session) -> None:
    new = {"code": "PUJI1", "name": "Pos Uji", "agency": "bpbd", "kind": "fire_station", "lon": MOJOSARI[0],
           "lat": MOJOSARI[1], "phone": "0321 112"}  # fmt: skip
    station = configuration.create_station(session, schemas.StationCreate(**new), "test-admin")
    assert (station.precision, station.status) == ("surveyed", "existing")
    assert station.desa_code is not None and station.kecamatan_code is not None
    with pytest.raises(Conflict):
        configuration.create_station(session, schemas.StationCreate(**new), "test-admin")
    with pytest.raises(Unprocessable):
        configuration.create_station(session, schemas.StationCreate(**new | {"code": "P2", "agency": "nope"}), "x")

    based = session.scalars(select(Unit).where(Unit.agency_code == "dinkes")).first()
    based.station_id, based.agency_code = station.id, station.agency_code
    session.flush()
    change = schemas.StationChange(agency="pmi", kind="pmi", address=None)
    configuration.update_station(session, station.id, change, "test-admin")
    session.refresh(based)
    assert (station.agency_code, station.kind, based.agency_code) == ("pmi", "pmi", "pmi")
    updated = _events(session, "config.station.updated")[-1]
    assert (updated.before["agency_code"], updated.after["agency_code"]) == ("bpbd", "pmi")
    followed = _events(session, "unit.updated")[-1]
    assert (followed.unit_id, followed.before, followed.after) == (
        based.id, {"agency_code": "bpbd"}, {"agency_code": "pmi"}
    )  # fmt: skip
    assert _events(session, "config.station.created")[-1].after["code"] == "PUJI1"
    assert session.get(Station, station.id).phone == "0321 112"
