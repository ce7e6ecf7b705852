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
from sqlalchemy import select, text
from sqlalchemy.orm import Session

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


def record(
    session: Session,
    actor: str,
    action: str,
    entity: str,
    entity_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    incident_id: int | None = None,
    unit_id: int | None = None,
) -> Event:
    """Append one event in the caller's transaction, so it is saved exactly when the change is.

    Parameters
    ----------
    session
        The session that makes the change.
    actor
        Who made it: a username, ``responder:<call sign>`` or ``system:<job>``.
    action
        What happened, ``<entity>.<verb>``, e.g. ``incident.created``, ``unit.status``.
    entity, entity_id
        The table and key of the changed row.
    before, after
        The changed fields before and after (None for a creation or a removal).
    incident_id, unit_id
        The incident and unit the event belongs to, for timelines.

    Returns
    -------
    Event
    """
    event = Event(
        actor=actor,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=before,
        after=after,
        incident_id=incident_id,
        unit_id=unit_id,
    )
    session.add(event)
    session.flush()
    return event


def event_dict(event: Event) -> dict[str, Any]:
    """Return an event as the API shows it."""
    return {
        "id": event.id,
        "at": jsonable(event.at),
        "actor": event.actor,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "incident_id": event.incident_id,
        "unit_id": event.unit_id,
        "before": event.before,
        "after": event.after,
    }


def timeline(session: Session, incident_id: int) -> list[dict[str, Any]]:
    """Return every event of an incident in the order it happened (the database clock, then insertion)."""
    events = session.scalars(select(Event).where(Event.incident_id == incident_id).order_by(Event.at, Event.id))
    return [event_dict(e) for e in events]


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
