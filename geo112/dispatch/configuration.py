"""Dispatch configuration an admin or planner edits: agencies, stations and their positions, unit types and
the category → unit type matrix. Every change is an audit event.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import delete, func, inspect, select, update
from sqlalchemy.orm import Session

from geo112.config import SLIVER_TOLERANCE_M
from geo112.dispatch import schemas
from geo112.errors import Conflict, Unprocessable
from geo112.geography.locate import locate, regency_codes
from geo112.store import audit
from geo112.store.db import get_or_not_found
from geo112.store.geometry import point
from geo112.store.models import Agency, CategoryRequirement, IncidentCategory, Station, Unit, UnitType

_UNIT_TYPE_FIELDS = ("code", "name", "speed_factor", "description")
_CATEGORY_RULES = ("duplicate_radius_m", "duplicate_window_min")
_STATION_POSITION = ("geom", "precision", "desa_code", "kecamatan_code", "note")
_STATION_FIELDS = ("code", "name", "agency_code", "kind", "status", "address", "phone", *_STATION_POSITION)
_AGENCY_FIELDS = ("code", "name")
#: The rows keyed by a code that a request writes field for field, with the fields their events keep.
_CODED: dict[type[Any], tuple[str, ...]] = {UnitType: _UNIT_TYPE_FIELDS, Agency: _AGENCY_FIELDS}
Coded = TypeVar("Coded", UnitType, Agency)


def _add(session: Session, row: Any, entity: str, fields: tuple[str, ...], actor: str) -> None:
    """Add ``row`` and record ``config.<entity>.created`` under its key."""
    session.add(row)
    session.flush()
    key = inspect(row).identity[0]
    audit.record(session, actor, f"config.{entity}.created", entity, key, None, audit.snapshot(row, fields))


def _change(
    session: Session,
    row: Any,
    entity: str,
    key: str | int,
    fields: tuple[str, ...],
    changes: dict[str, Any],
    actor: str,
) -> None:
    """Set ``changes`` on ``row`` and record them as ``config.<entity>.updated``."""
    before = audit.snapshot(row, fields)
    for name, value in changes.items():
        setattr(row, name, value)
    session.flush()
    audit.record(session, actor, f"config.{entity}.updated", entity, key, before, audit.snapshot(row, fields))


def get_unit_type(session: Session, code: str, lock: bool = False) -> UnitType:
    """Return a unit type.

    Raises
    ------
    NotFound
    """
    return get_or_not_found(session, UnitType, code, "unit type", lock=lock)


def list_unit_types(session: Session) -> list[UnitType]:
    """Return every unit type by code."""
    return list(session.scalars(select(UnitType).order_by(UnitType.code)))


def add_coded(session: Session, model: type[Coded], data: BaseModel, actor: str) -> Coded:
    """Add a unit type or an agency, whose request names its columns (``config.<table>.created``).

    Raises
    ------
    Conflict
        When the code exists (``reason`` ``<table>_exists``, e.g. ``agency_exists``).
    """
    values, entity = data.model_dump(), model.__tablename__
    if session.get(model, values["code"]) is not None:
        what = entity.replace("_", " ")
        raise Conflict(f"{what} {values['code']!r} exists already", reason=f"{entity}_exists", code=values["code"])
    row = model(**values)
    _add(session, row, entity, _CODED[model], actor)
    return row


def change_coded(session: Session, model: type[Coded], code: str, data: BaseModel, actor: str) -> Coded:
    """Change a unit type or an agency: the request's fields, omitted ones kept (``config.<table>.updated``).

    Raises
    ------
    NotFound
    """
    entity = model.__tablename__
    row = get_or_not_found(session, model, code, entity.replace("_", " "), lock=True)
    _change(session, row, entity, code, _CODED[model], data.model_dump(exclude_unset=True), actor)
    return row


def matrix(session: Session) -> list[dict[str, Any]]:
    """Return every category with its default priority and the unit types it needs."""
    needs: dict[str, list[dict[str, Any]]] = {}
    for r in session.scalars(
        select(CategoryRequirement).order_by(CategoryRequirement.optional, CategoryRequirement.unit_type_code)
    ):
        needs.setdefault(r.category_code, []).append(
            {"unit_type": r.unit_type_code, "count": r.count, "optional": r.optional}
        )
    categories = session.scalars(select(IncidentCategory).order_by(IncidentCategory.sort_order))
    return [
        {
            "category": c.code,
            "name": c.name,
            "default_priority": c.default_priority,
            **audit.snapshot(c, _CATEGORY_RULES),
            "requirements": needs.get(c.code, []),
        }
        for c in categories
    ]


def set_category_rules(session: Session, category: str, data: schemas.CategoryRules, actor: str) -> dict[str, Any]:
    """Change when a new call may be a duplicate of an open incident of the category
    (``config.category.updated``).

    Raises
    ------
    NotFound
        For an unknown category.
    """
    row = get_or_not_found(session, IncidentCategory, category, "category", lock=True)
    before = audit.snapshot(row, _CATEGORY_RULES)
    for name, value in data.model_dump(exclude_unset=True).items():
        setattr(row, name, value)
    session.flush()
    audit.record(session, actor, "config.category.updated", "category", category, before,
                 audit.snapshot(row, _CATEGORY_RULES))  # fmt: skip
    return next(r for r in matrix(session) if r["category"] == category)


def set_requirements(session: Session, category: str, data: schemas.CategoryRequirements, actor: str) -> dict[str, Any]:
    """Replace the unit types one category needs (``config.matrix.updated``).

    Raises
    ------
    NotFound
        For an unknown category.
    Unprocessable
        For an unknown unit type or one listed twice.
    """
    get_or_not_found(session, IncidentCategory, category, "category", lock=True)
    types = [r.unit_type for r in data.requirements]
    if len(set(types)) != len(types):
        raise Unprocessable("each unit type may appear once per category")
    known = set(session.scalars(select(UnitType.code).where(UnitType.code.in_(types))))
    if unknown := [t for t in types if t not in known]:
        raise Unprocessable(f"unknown unit type(s): {', '.join(unknown)}")
    before = next(row for row in matrix(session) if row["category"] == category)["requirements"]
    session.execute(delete(CategoryRequirement).where(CategoryRequirement.category_code == category))
    session.add_all(
        [
            CategoryRequirement(category_code=category, unit_type_code=r.unit_type, count=r.count, optional=r.optional)
            for r in data.requirements
        ]
    )
    session.flush()
    after = next(row for row in matrix(session) if row["category"] == category)
    audit.record(
        session,
        actor,
        "config.matrix.updated",
        "category",
        category,
        {"requirements": before},
        {"requirements": after["requirements"]},
    )
    return after


def list_agencies(session: Session) -> list[dict[str, str]]:
    """Every agency (code and name), by code."""
    return [{"code": a.code, "name": a.name} for a in session.scalars(select(Agency).order_by(Agency.code))]


def known_agency(session: Session, code: str) -> Agency:
    """Return the agency ``code`` names.

    Raises
    ------
    Unprocessable
        For an unknown agency (``reason`` ``unknown_agency``): the request names it, it is not its path.
    """
    agency = session.get(Agency, code)
    if agency is None:
        raise Unprocessable(f"unknown agency {code!r}", reason="unknown_agency", code=code)
    return agency


def get_station(session: Session, station_id: int) -> Station:
    """Return a station.

    Raises
    ------
    NotFound
    """
    return get_or_not_found(session, Station, station_id, "station")


def station_kinds(session: Session) -> list[str]:
    """The kinds of station there are (hospital, police, …), for a new station to be one of them."""
    return list(session.scalars(select(Station.kind).distinct().order_by(Station.kind)))


def list_stations(
    session: Session, agency: str | None = None, kind: str | None = None, limit: int = 100, offset: int = 0
) -> tuple[list[Station], int]:
    """Return one page of stations by code, and the total matching the filters."""
    query = select(Station)
    if agency is not None:
        query = query.where(Station.agency_code == agency)
    if kind is not None:
        query = query.where(Station.kind == kind)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    return list(session.scalars(query.order_by(Station.code).limit(limit).offset(offset))), total or 0


def correct_station(
    session: Session,
    station_id: int,
    data: schemas.StationPosition,
    actor: str,
    sliver_tolerance_m: float = SLIVER_TOLERANCE_M,
) -> Station:
    """Move a station to a corrected position and record its precision (``config.station.position``).

    Units standing by at the station without AVL move with it.

    Raises
    ------
    NotFound
    """
    station = get_or_not_found(session, Station, station_id, "station", lock=True)
    before = audit.snapshot(station, _STATION_POSITION)
    where = locate(session, data.lon, data.lat, sliver_tolerance_m)
    station.geom = point(data.lon, data.lat)
    station.precision, station.updated_at = data.precision, func.now()
    station.desa_code, station.kecamatan_code = regency_codes(where)
    if data.note is not None:
        station.note = data.note
    session.flush()
    session.execute(
        update(Unit)
        .where(Unit.station_id == station_id, Unit.position_source == "station")
        .values(geom=point(data.lon, data.lat), position_at=func.now())
    )
    session.refresh(station)
    audit.record(
        session,
        actor,
        "config.station.position",
        "station",
        station_id,
        before,
        audit.snapshot(station, _STATION_POSITION),
    )
    return station


def create_station(
    session: Session, data: schemas.StationCreate, actor: str, sliver_tolerance_m: float = SLIVER_TOLERANCE_M
) -> Station:
    """Add a station of an agency at a position, in the desa and kecamatan it lies in (``config.station.created``).

    Raises
    ------
    Conflict
        When the code is taken (``reason`` ``station_code_taken``).
    Unprocessable
        For an unknown agency.
    """
    if session.scalar(select(Station.id).where(Station.code == data.code)) is not None:
        raise Conflict(f"station code {data.code!r} is taken", reason="station_code_taken", code=data.code)
    known_agency(session, data.agency)
    desa, kecamatan = regency_codes(locate(session, data.lon, data.lat, sliver_tolerance_m))
    station = Station(code=data.code, name=data.name, agency_code=data.agency, kind=data.kind, status=data.status,
                      address=data.address, phone=data.phone, note=data.note, geom=point(data.lon, data.lat),
                      precision=data.precision, desa_code=desa, kecamatan_code=kecamatan)  # fmt: skip
    _add(session, station, "station", _STATION_FIELDS, actor)
    return station


def update_station(session: Session, station_id: int, data: schemas.StationChange, actor: str) -> Station:
    """Change a station's name, agency, kind, status, address, phone or note (``config.station.updated``).

    The units based at the station belong to its agency, so they follow a new agency (``unit.updated`` each).

    Raises
    ------
    NotFound
    Unprocessable
        For an unknown agency.
    """
    station = get_or_not_found(session, Station, station_id, "station", lock=True)
    changes = data.model_dump(exclude_unset=True)
    if "agency" in changes:
        changes["agency_code"] = known_agency(session, changes.pop("agency")).code
        if changes["agency_code"] != station.agency_code:
            _units_follow(session, station, changes["agency_code"], actor)
    _change(session, station, "station", station_id, _STATION_FIELDS, changes | {"updated_at": func.now()}, actor)
    return station


def _units_follow(session: Session, station: Station, agency: str, actor: str) -> None:
    """Give the units based at ``station`` its new ``agency``, each change recorded."""
    moved = session.scalars(
        update(Unit)
        .where(Unit.station_id == station.id, Unit.agency_code == station.agency_code)
        .values(agency_code=agency)
        .returning(Unit.id)
        .execution_options(synchronize_session=False)
    ).all()
    for unit_id in moved:
        audit.record(session, actor, "unit.updated", "unit", unit_id, {"agency_code": station.agency_code},
                     {"agency_code": agency}, unit_id=unit_id)  # fmt: skip
