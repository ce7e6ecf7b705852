"""Incidents: create, edit, close and list them; phases and response intervals.

An incident is located with :func:`geo112.geography.locate` (desa, kecamatan, jurisdiction) and snapped to
the road network when a snapper is given. One in Kota Mojokerto or outside the regency is recorded all the
same and carries ``handoff``: the call centre it must be handed to.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple, TypeVar, cast

from pydantic import BaseModel
from sqlalchemy import Insert, Integer, Table, bindparam, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from geo112.config import SLIVER_TOLERANCE_M
from geo112.dispatch import schemas
from geo112.dispatch.phone_calls import claim
from geo112.errors import Conflict, NotFound, Unprocessable
from geo112.geography.locate import Location, locate
from geo112.network import RoadPoint
from geo112.store import audit
from geo112.store.db import RowView, database_now, get_or_not_found, known
from geo112.store.geometry import lon_lat_of, point
from geo112.store.models import Assignment, Call, Desa, Event, Incident, IncidentCategory, Jurisdiction, Kecamatan, Unit

#: ``snap(lon, lat)`` → the nearest road point, or None when none is near (:meth:`~geo112.network.Network.snap_point`).
Snapper = Callable[[float, float], RoadPoint | None]

_EDITABLE = ("category_code", "priority", "caller_name", "caller_phone", "description", "address")
#: What an incident keeps of the call it was made from.
_CALLER_FIELDS = ("caller_name", "caller_phone", "description")
#: What a call records of itself when an incident is made from it (with :data:`_CALLER_FIELDS`).
_CALL_FIELDS = ("incident_id", "received_at", "geom", "taken_by")
_LOCATION = ("geom", "road_geom", "road_distance_m", "location_match", "desa_code", "kecamatan_code",
             "jurisdiction_code", "handoff", "handoff_code")  # fmt: skip
_CLOSING = ("status", "closed_at", "disposition", "disposition_note")
MASK = "•••"
Masked = TypeVar("Masked", bound=dict[str, Any] | BaseModel | None)


def get_incident(session: Session, incident_id: int, lock: bool = False) -> Incident:
    """Return an incident, optionally locking its row.

    Raises
    ------
    NotFound
    """
    return get_or_not_found(session, Incident, incident_id, "incident", lock=lock)


def field_summary(incident: Incident) -> dict[str, Any]:
    """What people sent to an incident are told of it (a crew's link, an agency's ticket): what, how urgent,
    what the caller said, where by name; never the caller's details (each reader adds those it may see)."""
    return {
        "id": incident.id,
        "category": incident.category_code,
        "category_name": incident.category.name,
        "priority": incident.priority,
        "description": incident.description,
        "address": incident.address,
        "desa": incident.desa.name if incident.desa else None,
        "kecamatan": incident.kecamatan.name if incident.kecamatan else None,
    }


def destination(incident: Incident) -> tuple[float, float]:
    """Where units drive to: the incident's point on the road, else the point itself (no road was near)."""
    point = lon_lat_of(incident.road_geom if incident.road_geom is not None else incident.geom)
    assert point is not None  # the geometry column is NOT NULL
    return point


def _category(session: Session, code: str) -> IncidentCategory:
    category = session.get(IncidentCategory, code)
    if category is None:
        raise _unknown_category(session, code)
    return category


def _unknown_category(session: Session, code: str) -> Unprocessable:
    names = session.scalars(select(IncidentCategory.code).order_by(IncidentCategory.sort_order)).all()
    return Unprocessable(f"unknown category {code!r}; categories are {', '.join(names)}")


class _Place(NamedTuple):
    """Where an incident is: its location columns, and the areas as :func:`locate` read them."""

    columns: dict[str, Any]
    areas: dict[str, Desa | Kecamatan | Jurisdiction | None]


def _outside(where: Location) -> str:
    """Where a point beyond the province is, said so that a mistyped coordinate is seen as one."""
    place = f"{where.lat:.5f}, {where.lon:.5f} (lat, lon) is outside Jawa Timur"
    nearest = where.nearest_desa
    if nearest is not None:
        place += f", {nearest.distance_m / 1000:.0f} km from its nearest desa ({nearest.name}, {nearest.jurisdiction})"
    return f"{place}: check the coordinates (latitude first, south is negative); a call from there is for the 112 there"


def _place(session: Session, lon: float, lat: float, snap: Snapper | None, sliver_tolerance_m: float) -> _Place:
    """The point, its road point and its desa/kecamatan/jurisdiction (one statement: locating).

    The areas become objects of the session without a statement of their own: held by the incident, they
    let it be shown without asking the database for them again.
    """
    where = locate(session, lon, lat, sliver_tolerance_m)
    if not where.in_province:
        raise Unprocessable(_outside(where), reason="outside_province")
    road = snap(lon, lat) if snap is not None else None
    regency = where.layer == "regency"
    areas: dict[str, Any] = {
        "desa": known(session, Desa, **where.desa.model_dump()) if regency and where.desa else None,
        "kecamatan": known(session, Kecamatan, **where.kecamatan.model_dump()) if regency and where.kecamatan else None,
        "jurisdiction": known(session, Jurisdiction, **where.jurisdiction.model_dump())
        if where.jurisdiction.code
        else None,
    }
    columns = {
        "geom": point(lon, lat),
        "road_geom": point(road.lon, road.lat) if road else None,
        "road_distance_m": round(road.distance_m, 1) if road else None,
        "location_match": where.match,
        "desa_code": areas["desa"].code if areas["desa"] else None,
        "kecamatan_code": areas["kecamatan"].code if areas["kecamatan"] else None,
        "jurisdiction_code": where.jurisdiction.code,
        "handoff": where.handoff,
        "handoff_code": where.handoff_code,
    }
    return _Place(columns, areas)


def _inserting() -> Insert:
    """The insert of a new incident, its category and default priority from the category's row (no row,
    nothing inserted); bind parameters named as the columns of :func:`_place`, ``caller_name``,
    ``caller_phone``, ``description``, ``address``, ``created_by``, ``category`` and ``priority``."""
    table = Incident.__table__
    assert isinstance(table, Table)  # mypy: a mapped class's table is a Table
    given = ("caller_name", "caller_phone", "description", "address", "created_by", *_LOCATION)
    chosen = select(
        *(bindparam(name, type_=table.c[name].type) for name in given),
        literal("open"),
        IncidentCategory.code,
        func.coalesce(bindparam("priority", type_=Integer), IncidentCategory.default_priority),
    ).where(IncidentCategory.code == bindparam("category"))
    return insert(table).from_select([*given, "status", "category_code", "priority"], chosen).returning(*table.c)


# Built once: building these statements and their cache keys on every call cost more CPU than running them.
_INSERTING = _inserting()
#: The call an incident was made from, written with the incident's event.
_CREATED = audit.with_events(
    insert(Call).values(
        {
            name: bindparam(f"call_{name}", type_=column.type)
            for name, column in Call.__table__.c.items()
            if name in (*_CALL_FIELDS, *_CALLER_FIELDS)
        }
    )
)


def create_incident(
    session: Session,
    data: schemas.IncidentCreate,
    actor: str,
    snap: Snapper | None = None,
    sliver_tolerance_m: float = SLIVER_TOLERANCE_M,
) -> Incident:
    """Record a new incident and its ``incident.created`` event: three statements (locate, insert, event).

    Parameters
    ----------
    session
        Session on the database; the caller commits.
    data
        The validated request.
    actor
        Who took the call.
    snap
        Road snapper; None records the incident without a road point (the call is never lost because the
        road network is unavailable).
    sliver_tolerance_m
        See :func:`geo112.geography.locate`.

    Returns
    -------
    Incident

    Raises
    ------
    Unprocessable
        For an unknown category.
    """
    place = _place(session, data.lon, data.lat, snap, sliver_tolerance_m)
    values = {"caller_name": data.caller_name, "caller_phone": data.caller_phone, "description": data.description,
              "address": data.address, "created_by": actor, **place.columns}  # fmt: skip
    row = session.execute(_INSERTING, values | {"category": data.category, "priority": data.priority}).first()
    if row is None:
        raise _unknown_category(session, data.category)
    incident = known(session, Incident, **row._asdict())
    for name, area in place.areas.items():
        set_committed_value(incident, name, area)
    after = audit.snapshot(incident, ("received_at", *_EDITABLE, *_LOCATION))
    event = audit.event_values(actor, "incident.created", "incident", incident.id, None, after, incident_id=incident.id)
    if data.phone_call is not None:  # taken on a call from the phone system: that call is the incident's
        audit.write_recorded(session, [], [event])
        typed = {"geom": point(data.lon, data.lat), "caller_name": data.caller_name, "description": data.description}
        claim(session, data.phone_call, incident.id, typed, actor)
        return incident
    # The call it was made from is written with its event: no round trip of its own.
    call = {"incident_id": incident.id, "received_at": incident.received_at, "geom": point(data.lon, data.lat),
            "taken_by": actor} | {name: values[name] for name in _CALLER_FIELDS}  # fmt: skip
    audit.run_recorded(session, _CREATED, [event], **{f"call_{name}": value for name, value in call.items()})
    return incident


def open_incident(session: Session, incident_id: int, lock: bool = True) -> Incident:
    """Return an open incident, its row locked unless ``lock`` is False.

    Raises
    ------
    NotFound
    Conflict
        When it is closed (``reason`` "closed", ``closed_at``), naming the incident it joined when it was merged
        into another (``merged_into``).
    """
    incident = get_incident(session, incident_id, lock=lock)
    if incident.status == "closed":
        joined = f"; it joined incident {incident.merged_into}" if incident.merged_into else ""
        raise Conflict(f"incident {incident_id} is closed{joined}", reason="closed",
                       closed_at=audit.jsonable(incident.closed_at), merged_into=incident.merged_into)  # fmt: skip
    return incident


def update_incident(
    session: Session,
    incident_id: int,
    data: schemas.IncidentUpdate,
    actor: str,
    snap: Snapper | None = None,
    sliver_tolerance_m: float = SLIVER_TOLERANCE_M,
) -> Incident:
    """Edit an open incident; moving it locates and snaps it again. Records ``incident.updated``.

    Raises
    ------
    NotFound
    Conflict
        When the incident is closed.
    Unprocessable
        For an unknown category, or only one of lon/lat.
    """
    changes = data.model_dump(exclude_unset=True)
    if ("lon" in changes) != ("lat" in changes):
        raise Unprocessable("send lon and lat together to move an incident")
    incident = open_incident(session, incident_id)
    fields = tuple(f for f in _EDITABLE if f.removesuffix("_code") in changes)
    fields += _LOCATION if "lon" in changes else ()
    if not fields:
        return incident
    before = audit.snapshot(incident, fields)
    if "category" in changes:
        incident.category_code = _category(session, changes.pop("category")).code
    for name in ("priority", "caller_name", "caller_phone", "description", "address"):
        if name in changes:
            setattr(incident, name, changes[name])
    if "lon" in changes:
        place = _place(session, changes["lon"], changes["lat"], snap, sliver_tolerance_m)
        for name, value in (place.columns | place.areas).items():
            setattr(incident, name, value)
        # A position the caller's phone gave no longer describes the new point (caller_location sets it anew).
        incident.caller_accuracy_m = incident.caller_located_at = None
    session.flush()  # the database's values (now(), defaults) come back in the statement's RETURNING
    if caller := {name: changes[name] for name in ("caller_name", "caller_phone") if name in changes}:
        # The caller to ring back is the one of the call the incident was made from: keep that call in step.
        first = select(func.min(Call.id)).where(Call.incident_id == incident.id, Call.merged_from.is_(None))
        session.execute(update(Call).where(Call.id == first.scalar_subquery()).values(caller))
    after = audit.snapshot(incident, fields)
    audit.record(session, actor, "incident.updated", "incident", incident.id, before, after, incident_id=incident.id)
    return incident


def close_incident(session: Session, incident_id: int, data: schemas.IncidentClose, actor: str) -> Incident:
    """Close an incident with its disposition: two statements (lock and check; write with its event).

    Raises
    ------
    NotFound
    Conflict
        When it is closed already, or units still work on it (``units`` names them).
    """
    incident, now = open_without_units(session, incident_id)
    return set_closed(session, incident, data.disposition, data.note, actor, "incident.closed", now)


# The units still working on an incident, as [{"id", "call_sign"}] (None when there are none), read with the
# incident it is asked of.
_BUSY = (
    select(func.jsonb_agg(func.jsonb_build_object("id", Unit.id, "call_sign", Unit.call_sign)))
    .join(Assignment, Assignment.unit_id == Unit.id)
    .where(Assignment.incident_id == Incident.id, Assignment.ended_at.is_(None))
    .correlate(Incident)
    .scalar_subquery()
)


_UNBUSY = (
    select(Incident, _BUSY, func.now())
    .where(Incident.id == bindparam("incident_id"))
    .with_for_update(of=Incident)
    .execution_options(populate_existing=True)
)
#: Closing or reopening an incident, with its event (bind parameters ``for_incident`` and ``new_<column>``).
_SET_CLOSED = audit.with_events(
    update(Incident)
    .where(Incident.id == bindparam("for_incident"))
    .values({name: bindparam(f"new_{name}", type_=Incident.__table__.c[name].type) for name in _CLOSING})
)


def open_without_units(session: Session, incident_id: int) -> tuple[Incident, datetime]:
    """Lock an open incident that no unit works on any more (to close or hand it off), in one statement.

    Returns
    -------
    (Incident, datetime)
        The incident and the database clock.

    Raises
    ------
    NotFound
    Conflict
        When it is closed, or units still work on it (``units`` names them).
    """
    row = session.execute(_UNBUSY, {"incident_id": incident_id}).first()
    if row is None:
        raise NotFound(f"no incident {incident_id}")
    incident, busy, now = row
    if incident.status == "closed":
        raise Conflict(f"incident {incident_id} is closed", closed_at=audit.jsonable(incident.closed_at))
    if busy:
        raise Conflict(
            f"units still assigned to incident {incident_id}: {', '.join(u['call_sign'] for u in busy)}; "
            "clear or stand them down first",
            units=busy,
        )
    return incident, now


def set_closed(
    session: Session,
    incident: Incident,
    disposition: str | None,
    note: str | None,
    actor: str,
    action: str,
    now: datetime | None = None,
) -> Incident:
    """Close (``disposition``) or reopen (None) an incident, audited as ``action``, in one statement.

    ``now`` is the database clock if the caller read it already.
    """
    before = audit.snapshot(incident, _CLOSING)
    closed_at = (now or database_now(session)) if disposition else None
    values = {"status": "closed" if disposition else "open", "closed_at": closed_at, "disposition": disposition,
              "disposition_note": note}  # fmt: skip
    after = {name: audit.jsonable(value) for name, value in values.items()}
    event = audit.event_values(actor, action, "incident", incident.id, before, after, incident_id=incident.id)
    audit.run_recorded(session, _SET_CLOSED, [event], for_incident=incident.id,
                       **{f"new_{name}": value for name, value in values.items()})  # fmt: skip
    return known(session, Incident, id=incident.id, **values)


def mask_caller(values: Masked) -> Masked:
    """Return ``values`` (an incident, a call, or an event's before/after) with the caller's name and phone masked.

    A masked name is :data:`MASK`; a masked phone keeps its last two digits, enough to tell repeated callers
    apart in statistics. Absent values stay None, so a reader still sees whether the caller gave them.
    """
    if values is None:
        return values
    fields = values if isinstance(values, dict) else values.__dict__
    changes: dict[str, str] = {}
    if fields.get("caller_name"):
        changes["caller_name"] = MASK
    if phone := fields.get("caller_phone"):
        changes["caller_phone"] = MASK + "".join(c for c in phone if c.isdigit())[-2:]
    return cast(Masked, values | changes if isinstance(values, dict) else values.model_copy(update=changes))


def list_incidents(
    session: Session,
    status: str | None = None,
    category: str | None = None,
    priority: int | None = None,
    kecamatan: str | None = None,
    handoff: bool | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Incident], int]:
    """Return one page of incidents, newest first, and the total matching the filters.

    Parameters
    ----------
    session
        Session on the database.
    status, category, priority, kecamatan
        Equality filters (``kecamatan`` is a code); None keeps all.
    handoff
        True: only incidents for another call centre; False: only this one's.
    since, until
        Received at or after / before these times.
    limit, offset
        The page.

    Returns
    -------
    (list of Incident, int)
    """
    query = select(Incident)
    for column, value in (
        (Incident.status, status),
        (Incident.category_code, category),
        (Incident.priority, priority),
        (Incident.kecamatan_code, kecamatan),
    ):
        if value is not None:
            query = query.where(column == value)
    if handoff is not None:
        query = query.where(Incident.handoff.is_not(None) if handoff else Incident.handoff.is_(None))
    if since is not None:
        query = query.where(Incident.received_at >= since)
    if until is not None:
        query = query.where(Incident.received_at < until)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    page = session.scalars(query.order_by(Incident.received_at.desc(), Incident.id.desc()).limit(limit).offset(offset))
    return list(page), total or 0


def timeline(session: Session, incident_id: int) -> list[schemas.TimelineEvent]:
    """Return every event of an incident (and of the incidents merged into it) in the order it happened (the
    database clock, then insertion), each with the call sign of its unit (``unit_call_sign``, None for events
    of no unit), so the timeline can say who changed from what to what."""
    rows = session.execute(
        select(Event, Unit.call_sign)
        .outerjoin(Unit, Unit.id == Event.unit_id)
        # An incident merged into this one brought its history along (geo112.dispatch.calls.merge).
        .where(
            Event.incident_id.in_(
                select(Incident.id).where(or_(Incident.id == incident_id, Incident.merged_into == incident_id))
            )
        )
        .order_by(Event.at, Event.id)
    )
    return [schemas.TimelineEvent.model_validate(RowView(event, unit_call_sign=sign)) for event, sign in rows]
