"""Assign units to incidents and move them through their statuses, race-free in PostgreSQL.

Assigning is one conditional ``UPDATE unit SET status = 'dispatched' WHERE id = :u AND status = 'available'``:
of two dispatchers who assign the same unit at once, PostgreSQL lets exactly one update the row; the other
finds no row and is told which incident holds the unit. A partial unique index on active assignments
(``ux_assignment_active_unit``) backs this up in the schema.

A unit's status drives its assignment and the incident's phases: the first unit en route or on scene stamps
the incident's ``en_route_at`` / ``on_scene_at``; when the last unit clears, the incident is ``cleared``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from geo112.dispatch.incidents import get_incident
from geo112.dispatch.units import active_assignment, check_transition, get_unit
from geo112.errors import Conflict
from geo112.store import audit
from geo112.store.db import get_or_not_found
from geo112.store.models import Assignment, Incident, Unit

_UNIT_STATUS = ("status", "status_at")
_ASSIGNMENT_FIELDS = ("id", "incident_id", "unit_id", "assigned_by", "assigned_at", "eta_s", "distance_m",
                      "mutual_aid", "mutual_aid_reason")  # fmt: skip
# The incident phase a unit status stamps (the first unit to reach it sets it).
_PHASE_OF_STATUS = {"en_route": "en_route_at", "on_scene": "on_scene_at"}


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


def assign(
    session: Session,
    incident_id: int,
    unit_id: int,
    actor: str,
    eta_s: float | None = None,
    distance_m: float | None = None,
    mutual_aid: str | None = None,
) -> Assignment:
    """Assign an available unit to an open incident, atomically.

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
    _check_open(get_incident(session, incident_id), mutual_aid)
    try:
        # A savepoint: a refusal after the unit row was taken leaves nothing written, whatever the caller does.
        with session.begin_nested():
            taken = session.execute(
                update(Unit)
                .where(Unit.id == unit_id, Unit.status == "available")
                .values(status="dispatched", status_at=func.now())
                .returning(Unit.id)
            ).first()
            if taken is None:
                raise _holder(session, unit_id)
            # Locks are taken unit first, then incident, everywhere: no deadlock with change_status.
            incident = get_incident(session, incident_id, lock=True)
            _check_open(incident, mutual_aid)
            # Mutual aid is what sending a unit to another call centre's incident is; to our own it is not.
            reason = mutual_aid if incident.handoff else None
            assignment = Assignment(
                incident_id=incident_id, unit_id=unit_id, assigned_by=actor, eta_s=eta_s, distance_m=distance_m,
                mutual_aid=reason is not None, mutual_aid_reason=reason,
            )  # fmt: skip
            session.add(assignment)
            incident.dispatched_at = incident.dispatched_at or func.now()
            session.flush()
    except IntegrityError:  # the partial unique index: only reachable if the status and assignments disagree
        raise _holder(session, unit_id) from None
    session.refresh(assignment)
    audit.record(
        session,
        actor,
        "assignment.created",
        "assignment",
        assignment.id,
        None,
        audit.snapshot(assignment, _ASSIGNMENT_FIELDS),
        incident_id=incident_id,
        unit_id=unit_id,
    )
    audit.record(
        session,
        actor,
        "unit.status",
        "unit",
        unit_id,
        {"status": "available"},
        {"status": "dispatched"},
        incident_id=incident_id,
        unit_id=unit_id,
    )
    return assignment


def _advance_assignment(session: Session, assignment: Assignment, status: str) -> None:
    """Stamp the assignment and its incident for a unit's new status; end it when the unit leaves."""
    incident = get_or_not_found(session, Incident, assignment.incident_id, "incident", lock=True)
    if status in ("en_route", "on_scene", "transporting"):
        setattr(assignment, f"{status}_at", func.now())
    if status in _PHASE_OF_STATUS and getattr(incident, _PHASE_OF_STATUS[status]) is None:
        setattr(incident, _PHASE_OF_STATUS[status], func.now())
    if status in ("returning", "available"):
        assignment.ended_at = func.now()
        assignment.end_reason = "cleared" if assignment.on_scene_at is not None else "stood_down"
        session.flush()
        others = session.scalar(
            select(Assignment.id).where(Assignment.incident_id == incident.id, Assignment.ended_at.is_(None)).limit(1)
        )
        if others is None and incident.on_scene_at is not None and incident.cleared_at is None:
            incident.cleared_at = func.now()


def change_status(session: Session, unit_id: int, status: str, actor: str, note: str | None = None) -> Unit:
    """Move a unit to a new status through the state machine, with its assignment and incident.

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
    Unit

    Raises
    ------
    NotFound
    Unprocessable
        For an unknown status or ``dispatched``.
    Conflict
        For a transition the state machine does not allow; ``allowed`` lists the possible ones.
    """
    unit = get_unit(session, unit_id, lock=True)
    check_transition(unit, status)
    before = audit.snapshot(unit, _UNIT_STATUS)
    assignment = active_assignment(session, unit_id)
    if assignment is not None:
        _advance_assignment(session, assignment, status)
    unit.status, unit.status_at = status, func.now()
    if note is not None:
        unit.note = note
    if status == "available" and unit.position_source == "station" and unit.station_id is not None:
        # Without AVL an available unit is assumed back at its home station.
        unit.position_at = func.now()
    session.flush()
    session.refresh(unit)
    audit.record(
        session,
        actor,
        "unit.status",
        "unit",
        unit.id,
        before,
        audit.snapshot(unit, _UNIT_STATUS),
        incident_id=assignment.incident_id if assignment else None,
        unit_id=unit.id,
    )
    return unit


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
        session.refresh(assignment)
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


def assignment_dict(assignment: Assignment) -> dict[str, Any]:
    """Return an assignment as the API shows it (see :class:`geo112.schemas.Assignment`)."""
    fields = (*_ASSIGNMENT_FIELDS, "acknowledged_at", "en_route_at", "on_scene_at", "transporting_at", "ended_at",
              "end_reason")  # fmt: skip
    return {**audit.snapshot(assignment, fields), "call_sign": assignment.unit.call_sign}


def incident_assignments(session: Session, incident_id: int) -> list[Assignment]:
    """Return an incident's assignments, oldest first."""
    get_incident(session, incident_id)
    return list(
        session.scalars(select(Assignment).where(Assignment.incident_id == incident_id).order_by(Assignment.id))
    )
