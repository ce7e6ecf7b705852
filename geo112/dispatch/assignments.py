"""Assign units to incidents and move them through their statuses, race-free in PostgreSQL.

Assigning is one conditional ``UPDATE unit SET status = 'dispatched' WHERE id = :u AND status = 'available'``:
of two dispatchers who assign the same unit at once, PostgreSQL lets exactly one update the row; the other
finds no row and is told which incident holds the unit. A partial unique index on active assignments
(``ux_assignment_active_unit``) backs this up in the schema.

A unit's status drives its assignment and the incident's phases: the first unit en route or on scene stamps
the incident's ``en_route_at`` / ``on_scene_at``; when the last unit clears, the incident is ``cleared``.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    Float,
    Insert,
    Integer,
    Select,
    String,
    bindparam,
    case,
    exists,
    func,
    insert,
    null,
    select,
    true,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.dml import UpdateBase

from geo112.dispatch.incidents import get_incident
from geo112.dispatch.units import UnitState, active_assignment, check_transition, unit_state
from geo112.errors import Conflict, Unprocessable
from geo112.store import audit
from geo112.store.db import get_or_not_found, held, known
from geo112.store.models import STATION_NOT_BUILT, Assignment, Incident, Station, Unit

_UNIT_STATUS = ("status", "status_at")
_ASSIGNMENT_FIELDS = ("id", "incident_id", "unit_id", "assigned_by", "assigned_at", "eta_s", "distance_m",
                      "mutual_aid", "mutual_aid_reason")  # fmt: skip
# The incident phase a unit status stamps (the first unit to reach it sets it).
_PHASE_OF_STATUS = {"en_route": "en_route_at", "on_scene": "on_scene_at"}
_UNIT, _ASSIGNMENT = Unit.__table__, Assignment.__table__
_LOCK_INCIDENT = select(Incident.id).where(Incident.id == bindparam("for_incident")).with_for_update()


def get_assignment(session: Session, assignment_id: int, lock: bool = False) -> Assignment:
    """Return an assignment, optionally locking its row.

    Raises
    ------
    NotFound
    """
    return get_or_not_found(session, Assignment, assignment_id, "assignment", lock=lock)


def _holder(session: Session, unit_id: int) -> Conflict:
    """Explain why a unit could not be assigned: who holds it, or which status it is in."""
    unit = get_or_not_found(session, Unit, unit_id, "unit", fresh=True)
    held = active_assignment(session, unit_id)
    if held is not None:
        return Conflict(
            f"unit {unit.call_sign} is already assigned to incident {held.incident_id}",
            incident_id=held.incident_id,
            unit_status=unit.status,
        )
    return Conflict(f"unit {unit.call_sign} is {unit.status}, not available", incident_id=None, unit_status=unit.status)


def _check_open(incident: Incident, mutual_aid: str | None) -> None:
    if incident.status != "open":
        raise Conflict(f"incident {incident.id} is closed")
    if incident.handoff and mutual_aid is None:
        raise Conflict(
            f"incident {incident.id} belongs to {incident.handoff}: hand it off, or send this unit as mutual aid "
            "(mutual_aid with a mutual_aid_reason)",
            handoff=incident.handoff,
            handoff_code=incident.handoff_code,
        )


def _assigning(mutual_aid: bool) -> Select[Any]:
    """The one statement that takes the unit, stamps the incident and inserts the assignment (bind parameters
    ``for_incident``, ``for_unit``, ``by_actor``, ``at_eta_s``, ``at_distance_m``, and ``aid_reason`` for mutual
    aid: never a column's name, which SQLAlchemy would add to an UPDATE's SET).

    ``taken`` updates the unit only if it is available *and* the incident (as the statement sees it) may have
    it, so a refusal writes nothing. ``stamped`` then locks the incident (after the unit: locks are taken unit
    first, then incident, everywhere, so no deadlock with :func:`change_status`) and checks it again on its
    newest version; only if both hold is the assignment inserted.
    """
    unit_id = bindparam("for_unit", type_=Integer)
    allowed = [Incident.id == bindparam("for_incident", type_=Integer), Incident.status == "open"]
    if not mutual_aid:
        allowed.append(Incident.handoff.is_(None))
    taken = (
        update(Unit)
        .where(Unit.id == unit_id, Unit.status == "available", exists().where(*allowed))
        .values(status="dispatched", status_at=func.now())
        # A subquery of RETURNING sees the row as it was before this statement: the time to restore.
        .returning(
            Unit.id,
            Unit.call_sign,
            Unit.status_at,
            select(Unit.status_at).where(Unit.id == unit_id).scalar_subquery().label("was_at"),
        )
        .cte("taken")
    )
    stamped = (
        update(Incident)
        .where(*allowed, exists(select(taken.c.id)))
        .values(dispatched_at=func.coalesce(Incident.dispatched_at, func.now()))
        .returning(Incident.id, Incident.handoff, Incident.dispatched_at)
        .cte("stamped")
    )
    # Mutual aid is what sending a unit to another call centre's incident is; to our own it is not.
    helping = stamped.c.handoff.is_not(None)
    inserted = (
        insert(Assignment)
        .from_select(
            ["incident_id", "unit_id", "assigned_by", "eta_s", "distance_m", "mutual_aid", "mutual_aid_reason"],
            select(
                stamped.c.id,
                taken.c.id,
                bindparam("by_actor", type_=String),
                bindparam("at_eta_s", type_=Float),
                bindparam("at_distance_m", type_=Float),
                helping,
                case((helping, bindparam("aid_reason", type_=String)), else_=None) if mutual_aid else null(),
            ).select_from(stamped.join(taken, true())),
        )
        .returning(*Assignment.__table__.c)
        .cte("inserted")
    )
    return select(taken.c.call_sign, taken.c.status_at, taken.c.was_at, stamped.c.dispatched_at, inserted).select_from(
        taken.outerjoin(stamped, true()).outerjoin(inserted, true())
    )


# Built once, with and without mutual aid: building the statement and its cache key on every assignment cost
# more CPU than running it.
_ASSIGNING = {aid: _assigning(aid) for aid in (False, True)}


def assign(
    session: Session,
    incident_id: int,
    unit_id: int,
    actor: str,
    eta_s: float | None = None,
    distance_m: float | None = None,
    mutual_aid: str | None = None,
) -> Assignment:
    """Assign an available unit to an open incident, atomically: one statement, and one for its events.

    Parameters
    ----------
    session
        Session on the database; the caller commits (the unit row stays locked until then).
    incident_id, unit_id
        Who goes where.
    actor
        The dispatcher.
    eta_s, distance_m
        The road ETA and distance when assigned, kept for later comparison with the real travel time.
    mutual_aid
        Why the unit goes as mutual aid (``nearest_unit``, ``requested_by_neighbour``, ``other``): required to
        send a unit to an incident that belongs to another call centre; the audit trail keeps it.

    Returns
    -------
    Assignment

    Raises
    ------
    NotFound
        For an unknown incident or unit.
    Conflict
        When the incident is closed or another call centre's (without ``mutual_aid``), or the unit is not
        available: ``incident_id`` names the incident holding it.
    """
    try:
        params = {"for_incident": incident_id, "for_unit": unit_id, "by_actor": actor, "at_eta_s": eta_s,
                  "at_distance_m": distance_m} | ({"aid_reason": mutual_aid} if mutual_aid else {})  # fmt: skip
        row = session.execute(_ASSIGNING[mutual_aid is not None], params).first()
    except IntegrityError:  # the partial unique index: only reachable if the status and assignments disagree
        raise Conflict(f"unit {unit_id} has an active assignment already", incident_id=None) from None
    if row is None or row.id is None:
        raise _refusal(session, incident_id, unit_id, mutual_aid, row)
    values = {c.key: getattr(row, c.key) for c in Assignment.__table__.c}
    unit = known(session, Unit, id=unit_id, call_sign=row.call_sign, status="dispatched", status_at=row.status_at)
    assignment = known(session, Assignment, **values)
    set_committed_value(assignment, "unit", unit)
    held(session, Incident, incident_id, dispatched_at=row.dispatched_at)
    after = {name: audit.jsonable(values[name]) for name in _ASSIGNMENT_FIELDS}
    created = audit.event_values(
        actor, "assignment.created", "assignment", assignment.id, None, after, incident_id=incident_id, unit_id=unit_id
    )
    dispatched = audit.event_values(actor, "unit.status", "unit", unit_id, {"status": "available"},
                                    {"status": "dispatched"}, incident_id=incident_id, unit_id=unit_id)  # fmt: skip
    audit.write_recorded(session, [], [created, dispatched])
    return assignment


def _refusal(session: Session, incident_id: int, unit_id: int, mutual_aid: str | None, row: Any) -> Exception:
    """Why an assignment was not made, after putting the unit back if it was taken (a race with a close)."""
    if row is not None:  # the unit was taken, then the incident refused it on its newest version
        session.execute(update(Unit).where(Unit.id == unit_id).values(status="available", status_at=row.was_at))
    incident = get_or_not_found(session, Incident, incident_id, "incident", fresh=True)
    _check_open(incident, mutual_aid)
    if row is None:
        return _holder(session, unit_id)
    return Conflict(f"incident {incident_id} changed while unit {row.call_sign} was assigned; try again")


def _assignment_changes(assignment: Assignment, status: str, now: datetime) -> dict[str, Any]:
    """What a unit's new status writes to its assignment: the phase it reached, or its end."""
    if status in ("en_route", "on_scene", "transporting"):
        return {f"{status}_at": now}
    if status in ("returning", "available"):
        return {"ended_at": now, "end_reason": "cleared" if assignment.on_scene_at is not None else "stood_down"}
    return {}


class _StatusWrites(NamedTuple):
    """The shape of a status change's writes, one statement per shape (:func:`_status_writes`)."""

    #: The unit's columns written (bound as ``unit_<column>``).
    unit: tuple[str, ...]
    #: A relocating unit without AVL arrives: it is put at its target station (``station_id``).
    arrives: bool
    #: The assignment's columns written (``assignment_<column>``), None without an assignment.
    assignment: tuple[str, ...] | None
    #: The incident phase the first unit to reach it stamps.
    phase: str | None
    #: The unit leaves: the incident is cleared if it was visited and no other unit works on it.
    leaves: bool


@functools.cache
def _status_writes(shape: _StatusWrites) -> Insert:
    """The writes of a status change and its event, built once per shape (bind parameters ``for_unit``,
    ``for_assignment``, ``for_incident``, ``to_station``, ``at_now`` and the columns': never a column's own name,
    which SQLAlchemy would add to an UPDATE's SET).

    The first unit en route or on scene stamps the incident; when the last unit leaves a visited incident, it is
    cleared (the incident is locked by the caller first, so of two units leaving at once the second sees the
    first gone).
    """
    unit_values: dict[str, Any] = {name: bindparam(f"unit_{name}", type_=_UNIT.c[name].type) for name in shape.unit}
    if shape.arrives:
        unit_values["geom"] = select(Station.geom).where(Station.id == bindparam("to_station")).scalar_subquery()
    writes: list[UpdateBase] = [update(Unit).where(Unit.id == bindparam("for_unit")).values(unit_values)]
    if shape.assignment is None:
        return audit.with_events(*writes)
    changes = {name: bindparam(f"assignment_{name}", type_=_ASSIGNMENT.c[name].type) for name in shape.assignment}
    writes.append(update(Assignment).where(Assignment.id == bindparam("for_assignment")).values(changes))
    incident = Incident.id == bindparam("for_incident")
    now = bindparam("at_now", type_=_UNIT.c.status_at.type)
    if shape.phase is not None:
        phase = getattr(Incident, shape.phase)
        writes.append(update(Incident).where(incident, phase.is_(None)).values({phase.key: now}))
    if shape.leaves:
        others = exists().where(
            Assignment.incident_id == bindparam("for_incident"),
            Assignment.ended_at.is_(None),
            Assignment.id != bindparam("for_assignment"),
        )
        writes.append(
            update(Incident)
            .where(incident, Incident.on_scene_at.is_not(None), Incident.cleared_at.is_(None), ~others)
            .values(cleared_at=now)
        )
    return audit.with_events(*writes)


def relocate(session: Session, unit_id: int, station_id: int, actor: str) -> UnitState:
    """Order an available unit to stand by at another station (``relocating``, audited with the station);
    it is available again when it reports arrival (see :func:`change_status`).

    Raises
    ------
    NotFound
        For an unknown unit or station.
    Conflict
        When the unit is not available.
    Unprocessable
        For a station that is not known to exist.
    """
    unit, _, now = unit_state(session, unit_id, lock=True)
    station = get_or_not_found(session, Station, station_id, "station")
    if station.status == STATION_NOT_BUILT:
        raise Unprocessable(f"station {station.name} is not known to exist; choose another")
    if unit.status != "available":
        raise Conflict(f"unit {unit.call_sign} is {unit.status}, not available: only an available unit relocates",
                       unit_status=unit.status)  # fmt: skip
    values = {"status": "relocating", "status_at": now, "relocation_station_id": station_id}
    before = audit.snapshot(unit, _UNIT_STATUS)
    after = {
        "status": "relocating",
        "status_at": audit.jsonable(now),
        "station_id": station_id,
        "station": station.name,
    }
    event = audit.event_values(actor, "unit.status", "unit", unit_id, before, after, unit_id=unit_id)
    audit.write_recorded(session, [update(Unit).where(Unit.id == unit_id).values(values)], [event])
    known(session, Unit, id=unit_id, **values)
    return UnitState(unit, None, now)


def change_status(session: Session, unit_id: int, status: str, actor: str, note: str | None = None) -> UnitState:
    """Move a unit to a new status through the state machine, with its assignment and incident.

    Two statements (three when the unit leaves an incident): read and lock the unit with its assignment;
    write every change with its event.

    Parameters
    ----------
    session
        Session on the database; the caller commits.
    unit_id
        The unit.
    status
        The new status (not ``dispatched``: see :func:`assign`).
    actor
        Who changed it.
    note
        Kept on the unit (e.g. why it is out of service).

    Returns
    -------
    UnitState
        The unit after the change, its active assignment (None once it has left) and the database clock.

    Raises
    ------
    NotFound
    Unprocessable
        For an unknown status or ``dispatched``.
    Conflict
        For a transition the state machine does not allow; ``allowed`` lists the possible ones.
    """
    unit, assignment, now = unit_state(session, unit_id, lock=True)
    check_transition(unit, status)
    before = audit.snapshot(unit, _UNIT_STATUS)
    values: dict[str, Any] = {"status": status, "status_at": now}
    if note is not None:
        values["note"] = note
    if status == "available" and unit.position_source == "station" and unit.station_id is not None:
        values["position_at"] = now  # without AVL an available unit is assumed back at its home station
    # A relocating unit's move ends: arrived (available; without AVL it is now at the target station) or
    # taken out of service on the way.
    arrives = unit.status == "relocating" and status == "available" and unit.position_source == "station"
    if unit.status == "relocating":
        values["relocation_station_id"] = None
    changes = _assignment_changes(assignment, status, now) if assignment is not None else {}
    if assignment is not None and "ended_at" in changes:
        # Locked first, so that the write below reads the other assignments as they are once the lock is
        # ours: of two units leaving at once, the second sees the first gone and clears the incident.
        session.execute(_LOCK_INCIDENT, {"for_incident": assignment.incident_id})
    shape = _StatusWrites(
        unit=tuple(values),
        arrives=arrives,
        assignment=tuple(changes) if assignment is not None else None,
        phase=_PHASE_OF_STATUS.get(status) if assignment is not None else None,
        leaves="ended_at" in changes,
    )
    after = {"status": status, "status_at": audit.jsonable(now)}
    event = audit.event_values(actor, "unit.status", "unit", unit_id, before, after,
                               incident_id=assignment.incident_id if assignment else None, unit_id=unit_id)  # fmt: skip
    params = {f"unit_{name}": value for name, value in values.items()} | {
        f"assignment_{name}": value for name, value in changes.items()
    }
    ids = {"for_unit": unit_id, "to_station": unit.relocation_station_id, "at_now": now}
    if assignment is not None:
        ids |= {"for_assignment": assignment.id, "for_incident": assignment.incident_id}
    audit.run_recorded(session, _status_writes(shape), [event], **params, **ids)
    current = known(session, Unit, id=unit_id, **values)
    if arrives:
        session.expire(current, ["geom"])  # the station's point, written by the statement
    if assignment is not None:
        known(session, Assignment, id=assignment.id, **changes)
        held(session, Incident, assignment.incident_id)  # its phases may have changed: read them again if asked
    return UnitState(unit, None if "ended_at" in changes else assignment, now)


def acknowledge(session: Session, assignment_id: int, actor: str) -> Assignment:
    """Record that the crew has seen its assignment (the first press counts).

    Raises
    ------
    NotFound
    Conflict
        When the assignment has ended.
    """
    assignment = get_assignment(session, assignment_id, lock=True)
    if assignment.ended_at is not None:
        raise Conflict(f"assignment {assignment_id} has ended")
    if assignment.acknowledged_at is None:
        assignment.acknowledged_at = func.now()
        session.flush()
        audit.record(
            session,
            actor,
            "assignment.acknowledged",
            "assignment",
            assignment.id,
            None,
            {"acknowledged_at": audit.jsonable(assignment.acknowledged_at)},
            incident_id=assignment.incident_id,
            unit_id=assignment.unit_id,
        )
    return assignment


def incident_assignments(session: Session, incident_id: int) -> list[Assignment]:
    """Return an incident's assignments, oldest first."""
    get_incident(session, incident_id)
    return list(
        session.scalars(select(Assignment).where(Assignment.incident_id == incident_id).order_by(Assignment.id))
    )
