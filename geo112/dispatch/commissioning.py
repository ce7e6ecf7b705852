"""Putting a unit into the fleet and changing what it is: its call sign, type and home station, each change
recorded in the audit trail.

Every process that ranks units hears of a new unit, a new type or a new position (the ``unit`` table's
trigger, migration 0007) and updates its travel-time rows; a new unit is available at once.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo112.dispatch import schemas
from geo112.dispatch.units import get_unit
from geo112.errors import Conflict, Unprocessable
from geo112.store import audit
from geo112.store.models import Station, Unit, UnitType

_FIELDS = ("call_sign", "unit_type_code", "agency_code", "station_id", "status")
#: A unit in these statuses stands at its home station when it has no AVL, so it moves with a new one.
_AT_HOME = ("available", "out_of_service")


def _station(session: Session, station_id: int) -> Station:
    station = session.get(Station, station_id)
    if station is None:
        raise Unprocessable(f"unknown station {station_id}", reason="unknown_station", station_id=station_id)
    return station


def _check_type(session: Session, unit_type: str) -> None:
    if session.get(UnitType, unit_type) is None:
        raise Unprocessable(f"unknown unit type {unit_type!r}", reason="unknown_unit_type", unit_type=unit_type)


def _check_call_sign(session: Session, call_sign: str, unit_id: int | None = None) -> None:
    taken = session.scalar(select(Unit.id).where(Unit.call_sign == call_sign))
    if taken is not None and taken != unit_id:
        raise Conflict(f"call sign {call_sign!r} is taken", reason="call_sign_taken", call_sign=call_sign)


def add_unit(session: Session, data: schemas.UnitCreate, actor: str) -> Unit:
    """Add an available unit at a station, of the station's agency (``unit.created``).

    Raises
    ------
    Unprocessable
        For an unknown unit type or station.
    Conflict
        When the call sign is taken.
    """
    station = _station(session, data.station_id)
    _check_type(session, data.unit_type)
    _check_call_sign(session, data.call_sign)
    unit = Unit(call_sign=data.call_sign, unit_type_code=data.unit_type, agency_code=station.agency_code,
                station_id=station.id, status="available", geom=station.geom, position_at=func.now(),
                position_source="station")  # fmt: skip
    session.add(unit)
    session.flush()
    audit.record(session, actor, "unit.created", "unit", unit.id, None, audit.snapshot(unit, _FIELDS), unit_id=unit.id)
    return unit


def change_unit(session: Session, unit_id: int, data: schemas.UnitChange, actor: str) -> Unit:
    """Change a unit's call sign, type or home station (``unit.updated``).

    A new home station brings its agency; a unit without AVL standing by (or out of service) moves there.

    Raises
    ------
    NotFound
    Unprocessable
        For an unknown unit type or station.
    Conflict
        When the call sign is another unit's.
    """
    unit = get_unit(session, unit_id, lock=True)
    # Every value is checked before any is set: a refusal leaves the unit as it was, in the session too.
    if data.call_sign is not None:
        _check_call_sign(session, data.call_sign, unit.id)
    if data.unit_type is not None:
        _check_type(session, data.unit_type)
    station = _station(session, data.station_id) if data.station_id not in (None, unit.station_id) else None
    before = audit.snapshot(unit, _FIELDS)
    unit.call_sign = data.call_sign or unit.call_sign
    unit.unit_type_code = data.unit_type or unit.unit_type_code
    if station is not None:
        unit.station_id, unit.agency_code = station.id, station.agency_code
        if unit.position_source == "station" and unit.status in _AT_HOME:
            unit.geom, unit.position_at = station.geom, func.now()
    session.flush()
    after = audit.snapshot(unit, _FIELDS)
    audit.record(session, actor, "unit.updated", "unit", unit.id, before, after, unit_id=unit.id)
    return unit
