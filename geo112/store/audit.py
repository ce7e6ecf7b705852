"""The audit trail: every change appended to the ``event`` table, which the database keeps append-only.

Each event names who did it (``actor``), what (``action`` on ``entity``/``entity_id``), when (the database
clock), and the row before and after as JSON. An incident's timeline is read back from it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from geoalchemy2.elements import WKBElement
from geoalchemy2.shape import to_shape
from shapely.geometry import mapping
from sqlalchemy import Insert, bindparam, column, func, insert, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import UpdateBase

from geo112.store.models import Event


def jsonable(value: Any) -> Any:
    """Return ``value`` as JSON-safe data: datetimes as ISO 8601, geometries as GeoJSON, decimals as floats."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, WKBElement):
        return mapping(to_shape(value))
    if isinstance(value, Decimal):
        return float(value)
    return value


def snapshot(row: Any, columns: tuple[str, ...]) -> dict[str, Any]:
    """Return the named attributes of an ORM row as a JSON-safe dict (the before/after of an event)."""
    return {name: jsonable(getattr(row, name)) for name in columns}


def event_values(
    actor: str,
    action: str,
    entity: str,
    entity_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    incident_id: int | None = None,
    unit_id: int | None = None,
) -> dict[str, Any]:
    """The columns of one event.

    Parameters
    ----------
    actor
        Who made the change: a username, ``responder:<call sign>`` or ``system:<job>``.
    action
        What happened, ``<entity>.<verb>``, e.g. ``incident.created``, ``unit.status``.
    entity, entity_id
        The table and key of the changed row.
    before, after
        The changed fields before and after (None for a creation or a removal).
    incident_id, unit_id
        The incident and unit the event belongs to, for timelines.
    """
    return {"actor": actor, "action": action, "entity": entity, "entity_id": str(entity_id), "before": before,
            "after": after, "incident_id": incident_id, "unit_id": unit_id}  # fmt: skip


def record(session: Session, *args: Any, **kwargs: Any) -> None:
    """Append one event (:func:`event_values`' arguments) in the caller's transaction, saved exactly when the
    change is.

    Written at once (:func:`write_recorded` without writes): the ORM's unit of work would cost more than the
    statement, and the rows an event names are in the database already (flushed or written by Core).
    """
    write_recorded(session, [], [event_values(*args, **kwargs)])


_FIELDS = ("actor", "action", "entity", "entity_id", "incident_id", "unit_id", "before", "after")
# Events arrive as one JSON array, so the statement is the same whatever their number: SQLAlchemy caches
# its compiled form (a multi-row VALUES is compiled again on every call).
_ROWS = (
    func.jsonb_to_recordset(bindparam("events", type_=JSONB))
    .table_valued(*(column(name, Event.__table__.c[name].type) for name in _FIELDS))
    .render_derived(with_types=True)
)
_APPEND = insert(Event).from_select(_FIELDS, select(*_ROWS.c))


def with_events(*writes: UpdateBase) -> Insert:
    """The statement that runs ``writes`` (UPDATE/INSERT statements, none for events alone) and appends their
    events (:func:`run_recorded`'s ``events``), so a change and its record cost one round trip and are saved
    together.

    The writes run as data-modifying CTEs: each sees the database as it was before the statement, so none may
    depend on another's effect. A hot path builds its statement once, with bind parameters, at import:
    building it and its cache key again on every request costs more than running it (0.3 ms of CPU for an AVL
    fix's, against 0.16 ms to run it).
    """
    statement = _APPEND
    for i, write in enumerate(writes):
        statement = statement.add_cte(write.cte(f"write_{i}"))
    return statement


def run_recorded(session: Session, statement: Insert, events: list[dict[str, Any]], **params: Any) -> None:
    """Run a statement of :func:`with_events` with its ``events`` (:func:`event_values`) and bind ``params``."""
    # On the connection: the session would take a parameter dict on an INSERT for an ORM bulk insert.
    session.connection().execute(statement, {"events": events, **params})


def write_recorded(session: Session, writes: list[UpdateBase], events: list[dict[str, Any]]) -> None:
    """Run ``writes`` built for this change and append their ``events`` in one statement (:func:`with_events`)."""
    run_recorded(session, with_events(*writes), events)


# Event ids come from a sequence, taken at insert and visible at commit: a transaction that began earlier
# can commit a smaller id after a larger one was read. Counting the newest ids as well as taking the largest
# catches such a late commit, as long as it lands within this many ids of the newest.
LATE_COMMIT_WINDOW = 256
_CURSOR = text("""
    WITH newest AS (SELECT coalesce(max(id), 0) AS id FROM event)
    SELECT newest.id, (SELECT count(*) FROM event WHERE event.id > newest.id - :window) FROM newest
""")


def change_cursor(session: Session) -> str:
    """A cursor over the audit trail that changes whenever anything is recorded (``"<newest id>.<count>"``).

    Every change to incidents, assignments and units (AVL fixes and responder links included) appends an
    event, so pages poll this small answer and reload their layers when it differs from the one they hold.
    """
    newest, recent = session.execute(_CURSOR, {"window": LATE_COMMIT_WINDOW}).one()
    return f"{newest}.{recent}"


def recent(session: Session, actor: str | None = None, entity: str | None = None, limit: int = 100) -> list[Event]:
    """The newest events, newest first; only those of ``actor`` and/or on ``entity`` (a table) when given."""
    query = select(Event).order_by(Event.id.desc()).limit(limit)
    if actor:
        query = query.where(Event.actor == actor)
    if entity:
        query = query.where(Event.entity == entity)
    return list(session.scalars(query))
