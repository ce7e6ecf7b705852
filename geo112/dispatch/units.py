"""Units: the status state machine, their positions (AVL) and how they are listed.

The state machine::

    available → dispatched → en_route → on_scene → (transporting) → returning → available
    out_of_service ⇄ available, returning → out_of_service
    dispatched → available and en_route → returning when a unit is stood down

``dispatched`` is entered only by an assignment (:func:`geo112.dispatch.assignments.assign`), which also names the
incident; every other transition goes through :func:`geo112.dispatch.assignments.change_status`.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.orm import Session

from geo112.dispatch import schemas
from geo112.errors import Conflict, NotFound, Unprocessable
from geo112.store import audit
from geo112.store.db import LOCAL_COMMIT, RowView, get_or_not_found, known
from geo112.store.geometry import point
from geo112.store.models import Assignment, Unit, UnitType

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "available": ("dispatched", "relocating", "out_of_service"),
    "dispatched": ("en_route", "available"),
    "en_route": ("on_scene", "returning"),
    "on_scene": ("transporting", "returning"),
    "transporting": ("returning",),
    "returning": ("available", "out_of_service"),
    "out_of_service": ("available",),
    # Ordered to another station (move-up); available again on arrival.
    "relocating": ("available", "out_of_service"),
}
STATUSES = tuple(TRANSITIONS)
#: Statuses a unit gets only from its own order (an assignment, a relocation), never as a status change.
ORDERED = ("dispatched", "relocating")
# Allowed clock skew of an AVL device: a fix from further in the future is refused.
MAX_FUTURE_S = 60.0
_POSITION_FIELDS = ("geom", "position_at", "position_source")
# An AVL fix and its event, the commonest write of all: built once (audit.with_events).
_MOVED = audit.with_events(
    update(Unit)
    .where(Unit.id == bindparam("for_unit"))
    .values(
        geom=bindparam("fix_geom", type_=Unit.__table__.c.geom.type),
        position_at=bindparam("fix_at", type_=Unit.__table__.c.position_at.type),
        position_source="avl",
    )
)


def check_transition(unit: Unit, new: str) -> None:
    """Refuse a status change that the state machine does not allow.

    Raises
    ------
    Unprocessable
        For an unknown status, or ``dispatched`` (only an assignment dispatches).
    Conflict
        When the transition is not allowed; ``allowed`` lists the statuses the unit may go to.
    """
    if new not in TRANSITIONS:
        raise Unprocessable(f"unknown status {new!r}; statuses are {', '.join(STATUSES)}")
    if new == "relocating":
        raise Unprocessable(
            "a unit relocates to a station it is ordered to: POST /api/v1/units/<id>/relocate with station_id"
        )
    if new == "dispatched":
        raise Unprocessable(
            "a unit is dispatched by assigning it to an incident: POST /api/v1/incidents/<id>/assignments"
        )
    allowed = TRANSITIONS[unit.status]
    if new not in allowed:
        raise Conflict(
            f"unit {unit.call_sign} is {unit.status} and cannot become {new}",
            unit_status=unit.status,
            allowed=[s for s in allowed if s not in ORDERED],
        )


def get_unit(session: Session, unit_id: int, lock: bool = False) -> Unit:
    """Return a unit, optionally locking its row until the transaction ends.

    Raises
    ------
    NotFound
    """
    return get_or_not_found(session, Unit, unit_id, "unit", lock=lock)


def is_stale(unit: Any, now: datetime, stale_after_s: float) -> bool:
    """True when the unit's AVL position is older than ``stale_after_s``.

    ``unit`` is a :class:`Unit` or a row with its ``position_at`` and ``position_source``.

    A position taken from the home station (a unit without AVL, standing by) does not age: it is where the
    unit is while available.
    """
    at: datetime | None = unit.position_at
    if at is None or unit.position_source != "avl":
        return False
    return now - at > timedelta(seconds=stale_after_s)


class UnitState(NamedTuple):
    """A unit as one statement read it: the row, its active assignment and the database clock."""

    unit: Unit
    assignment: Assignment | None
    now: datetime


@functools.cache
def _state(lock: bool, local_commit: bool) -> Select[Any]:
    """A unit (bind parameter ``unit_id``) with its active assignment and the database clock, built once per
    (lock, commit locally): building an ORM statement and its cache key costs more than running it."""
    columns: list[Any] = [Unit, Assignment, func.now(), *([LOCAL_COMMIT] if local_commit else [])]
    query = (
        select(*columns)
        .outerjoin(Assignment, (Assignment.unit_id == Unit.id) & Assignment.ended_at.is_(None))
        .where(Unit.id == bindparam("unit_id"))
    )
    return query.with_for_update(of=Unit).execution_options(populate_existing=True) if lock else query


def unit_state(session: Session, unit_id: int, lock: bool = False, local_commit: bool = False) -> UnitState:
    """Read a unit with its active assignment and the database clock in one statement.

    Parameters
    ----------
    session
        Session on the database.
    unit_id
        The unit.
    lock
        Lock the unit's row until the transaction ends (its assignment is not locked).
    local_commit
        Let the transaction commit without waiting for the replica (:data:`~geo112.store.db.LOCAL_COMMIT`),
        set in the same statement.

    Raises
    ------
    NotFound
    """
    row = session.execute(_state(lock, local_commit), {"unit_id": unit_id}).first()
    if row is None:
        raise NotFound(f"no unit {unit_id}")
    return UnitState(row[0], row[1], row[2])


def active_assignment(session: Session, unit_id: int) -> Assignment | None:
    """Return the unit's active assignment (at most one: a partial unique index guarantees it)."""
    return session.scalar(select(Assignment).where(Assignment.unit_id == unit_id, Assignment.ended_at.is_(None)))


def unit_model(state: UnitState, stale_after_s: float) -> schemas.Unit:
    """The unit as the API shows it: its row, its ``stale`` flag, the transitions it may take, its assignment."""
    unit, assignment = state.unit, state.assignment
    return schemas.Unit.model_validate(
        RowView(
            unit,
            allowed=[s for s in TRANSITIONS[unit.status] if s not in ORDERED],
            stale=is_stale(unit, state.now, stale_after_s),
            incident_id=assignment.incident_id if assignment else None,
            assignment_id=assignment.id if assignment else None,
        )
    )


def list_units(
    session: Session,
    unit_type: str | None = None,
    status: str | None = None,
    agency: str | None = None,
    station_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[tuple[Unit, Assignment | None]], int]:
    """Return one page of units (by call sign) with their active assignments, and the total matching.

    Parameters
    ----------
    session
        Session on the database.
    unit_type, status, agency, station_id
        Filters; None keeps all.
    limit, offset
        The page.

    Returns
    -------
    (list of (Unit, Assignment or None), int)
    """
    query = select(Unit)
    for column, value in (
        (Unit.unit_type_code, unit_type),
        (Unit.status, status),
        (Unit.agency_code, agency),
        (Unit.station_id, station_id),
    ):
        if value is not None:
            query = query.where(column == value)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    page = session.scalars(query.order_by(Unit.call_sign).limit(limit).offset(offset)).all()
    active = {
        a.unit_id: a
        for a in session.scalars(
            select(Assignment).where(Assignment.unit_id.in_([u.id for u in page]), Assignment.ended_at.is_(None))
        )
    }
    return [(u, active.get(u.id)) for u in page], total or 0


def move(session: Session, unit_id: int, lon: float, lat: float, at: datetime | None, actor: str) -> UnitState:
    """Record an AVL position of a unit: two statements (read and lock; write with its event).

    Parameters
    ----------
    session
        Session on the database; the caller commits.
    unit_id
        The unit.
    lon, lat
        The fix, WGS84 (validated).
    at
        When the device took the fix (timezone-aware); None for the database's now (never before the unit's
        current position: fixes stamped on arrival are in arrival order).
    actor
        Who reported it.

    Returns
    -------
    UnitState

    Raises
    ------
    NotFound
    Unprocessable
        For a fix from the future (beyond the clock skew allowed).
    Conflict
        For a fix older than the unit's current position: a late packet must not move the unit back.
    """
    # The next fix replaces this one within seconds: its commit need not wait for the replica.
    unit, assignment, now = unit_state(session, unit_id, lock=True, local_commit=True)
    if at is None:
        # Stamped on arrival, in the order the lock serialises: now() is when this transaction began, which
        # can be before a change that held the lock committed its own time.
        at = max(now, unit.position_at) if unit.position_at is not None else now
    if at > now + timedelta(seconds=MAX_FUTURE_S):
        raise Unprocessable(f"position time {at.isoformat()} is in the future (server time {now.isoformat()})")
    if unit.position_at is not None and at < unit.position_at:
        raise Conflict(
            f"position time {at.isoformat()} is older than the unit's position of {unit.position_at.isoformat()}",
            position_at=unit.position_at.isoformat(),
        )
    before = audit.snapshot(unit, _POSITION_FIELDS)
    values = {"geom": point(lon, lat), "position_at": at, "position_source": "avl"}
    event = audit.event_values(actor, "unit.position", "unit", unit.id, before,
                               {k: audit.jsonable(v) for k, v in values.items()}, unit_id=unit.id)  # fmt: skip
    audit.run_recorded(session, _MOVED, [event], for_unit=unit_id, fix_geom=values["geom"], fix_at=at)
    return UnitState(known(session, Unit, id=unit.id, **values), assignment, now)


def speed_factors(session: Session) -> dict[str, float]:
    """Return ``{unit type: speed factor}`` for routing."""
    return dict(session.execute(select(UnitType.code, UnitType.speed_factor)).tuples().all())
