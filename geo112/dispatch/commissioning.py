"""Putting a unit into the fleet: a new vehicle standing by at a station, recorded in the audit trail.

Every process that ranks units hears of it (the ``unit`` table's trigger, migration 0007) and adds its
travel-time rows; the unit is available at once.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo112.dispatch import schemas
from geo112.errors import Conflict, Unprocessable
from geo112.store import audit
from geo112.store.models import Station, Unit, UnitType

_FIELDS = ("call_sign", "unit_type_code", "agency_code", "station_id", "status")


def add_unit(session: Session, data: schemas.UnitCreate, actor: str) -> Unit:
    """Add an available unit at a station, of the station's agency (``unit.created``).

    Raises
    ------
    Unprocessable
        For an unknown unit type or station.
    Conflict
        When the call sign is taken.
    """
    station = session.get(Station, data.station_id)
    if station is None or session.get(UnitType, data.unit_type) is None:
        raise Unprocessable(f"unknown station {data.station_id} or unit type {data.unit_type!r}")
    if session.scalar(select(Unit.id).where(Unit.call_sign == data.call_sign)) is not None:
        raise Conflict(f"call sign {data.call_sign!r} is taken")
    unit = Unit(call_sign=data.call_sign, unit_type_code=data.unit_type, agency_code=station.agency_code,
                station_id=station.id, status="available", geom=station.geom, position_at=func.now(),
                position_source="station")  # fmt: skip
    session.add(unit)
    session.flush()
    audit.record(session, actor, "unit.created", "unit", unit.id, None, audit.snapshot(unit, _FIELDS), unit_id=unit.id)
    return unit
