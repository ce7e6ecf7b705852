"""Calls: every call to 112 is recorded, and belongs to one incident; an incident can have many.

A new call is checked for **possible duplicates** before an incident is made of it: open incidents near the
point within their category's radius whose last call is within the category's window, and open incidents
the same number rang about lately (:attr:`~geo112.config.Settings.same_caller_window_s`), the same caller first, then
the nearest. The dispatcher then attaches the call (:func:`add_call`) or saves a new incident. Two incidents
found later to be one are merged (:func:`merge`): every call, assignment and event is kept, under the
incident that stays.

A number's **history** (calls, incidents, how many closed as prank or ghost calls) is for dispatchers; the
web layer masks callers for everyone else, as it does on incidents.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from geo112.dispatch import schemas
from geo112.dispatch.incidents import get_incident, open_incident
from geo112.dispatch.phone_calls import claim
from geo112.errors import Unprocessable
from geo112.store import audit
from geo112.store.db import database_now
from geo112.store.geometry import point
from geo112.store.models import CALLER_NUMBER, Assignment, Call, Incident

_CALL_FIELDS = ("caller_name", "caller_phone", "description")
#: The phases an incident that absorbs another keeps the earlier of: it began with the first call.
_EARLIEST = ("received_at", "dispatched_at", "en_route_at", "on_scene_at")
#: SQL of the number of the ``:phone`` parameter, normalised as the stored ``caller_number`` is.
NUMBER_SQL = CALLER_NUMBER.replace("caller_phone", "CAST(:phone AS text)")


def record_call(session: Session, incident: Incident, data: schemas.CallCreate, actor: str) -> Call:
    """Add the row of a call about ``incident`` (no event: the caller records what the call changed)."""
    where = point(data.lon, data.lat) if data.lon is not None and data.lat is not None else None
    call = Call(incident_id=incident.id, taken_by=actor, geom=where, **data.model_dump(include=set(_CALL_FIELDS)))
    session.add(call)
    session.flush()
    return call


def add_call(session: Session, incident_id: int, data: schemas.CallCreate, actor: str) -> Call:
    """Attach another call to an open incident (``incident.call_added``).

    Raises
    ------
    NotFound
    Conflict
        When the incident is closed (a merged one names the incident it joined).
    """
    incident = open_incident(session, incident_id)
    if data.phone_call is not None:  # the call from the phone system being taken joins the incident
        where = point(data.lon, data.lat) if data.lon is not None and data.lat is not None else None
        typed = {"geom": where, "caller_name": data.caller_name, "description": data.description}
        call = claim(session, data.phone_call, incident.id, typed, actor)
    else:
        call = record_call(session, incident, data, actor)
    values = schemas.Call.model_validate(call).model_dump(mode="json")
    audit.record(session, actor, "incident.call_added", "call", call.id, None, values, incident_id=incident_id)
    return call


def incident_calls(session: Session, incident_id: int) -> list[Call]:
    """The calls of an incident (those of incidents merged into it included), oldest first.

    Raises
    ------
    NotFound
    """
    get_incident(session, incident_id)
    query = select(Call).where(Call.incident_id == incident_id).order_by(Call.received_at, Call.id)
    return list(session.scalars(query))


_DUPLICATES = text(
    """
    WITH p AS (
        SELECT ST_SetSRID(ST_MakePoint(CAST(:lon AS float8), CAST(:lat AS float8)), 4326)::geography AS g,
               """
    + NUMBER_SQL
    + """ AS number,
               coalesce(CAST(:at AS timestamptz), now()) AS at
    )
    SELECT * FROM (
    SELECT i.id, i.category_code, i.priority, i.received_at, d.name AS desa, c.last_call_at, c.calls,
           ST_Distance(i.geom::geography, p.g) AS distance_m,
           c.same_caller,
           coalesce(ST_DWithin(i.geom::geography, p.g, k.duplicate_radius_m)
                    AND c.last_call_at >= p.at - k.duplicate_window_min * interval '1 minute', false) AS nearby
      FROM p, incident i
      JOIN incident_category k ON k.code = i.category_code
      LEFT JOIN desa d ON d.code = i.desa_code
      CROSS JOIN LATERAL (
          SELECT max(received_at) AS last_call_at, count(*) AS calls,
                 coalesce(bool_or(caller_number = p.number
                                  AND received_at >= p.at - :same_caller_s * interval '1 second'), false)
                     AS same_caller
            FROM call WHERE call.incident_id = i.id
      ) c
     WHERE i.status = 'open' AND i.id <> ALL(CAST(:exclude AS int[]))
    ) candidate
     WHERE same_caller OR nearby
  ORDER BY same_caller DESC, distance_m NULLS LAST, last_call_at DESC
     LIMIT :limit
"""
)


def possible_duplicates(
    session: Session,
    lon: float | None,
    lat: float | None,
    phone: str | None,
    same_caller_s: float,
    at: datetime | None = None,
    exclude: tuple[int, ...] = (),
    limit: int = 5,
) -> list[dict[str, Any]]:
    """Open incidents a new call at ``(lon, lat)`` from ``phone`` may be about, most likely first.

    Parameters
    ----------
    session
        Session on the database.
    lon, lat
        Where the call is placed; None before it is (then only the same caller finds a duplicate).
    phone
        The caller's number as typed (any of ``0812…``, ``+62 812…``, ``62-812…``), or None.
    same_caller_s
        How long after a caller's call another call of the number may be about the same incident.
    at
        The time of the new call; default the database clock.
    exclude
        Incidents not to propose (the incident itself, when merging it).
    limit
        Most candidates.

    Returns
    -------
    list of dict
        :class:`geo112.dispatch.schemas.Duplicate` each: ``same_caller`` and ``nearby`` say why.
    """
    params = {"lon": lon, "lat": lat if lon is not None else None, "phone": phone, "at": at,
              "same_caller_s": same_caller_s, "exclude": list(exclude), "limit": limit}  # fmt: skip
    return [
        {"incident_id": row.id, "category": row.category_code, "priority": row.priority,
         "received_at": audit.jsonable(row.received_at), "last_call_at": audit.jsonable(row.last_call_at),
         "calls": row.calls, "desa": row.desa,
         "distance_m": None if row.distance_m is None else round(row.distance_m, 1),
         "same_caller": row.same_caller, "nearby": row.nearby}
        for row in session.execute(_DUPLICATES, params)
    ]  # fmt: skip


_HISTORY = text(f"""
    SELECT count(*) AS calls, count(DISTINCT c.incident_id) AS incidents,
           count(DISTINCT c.incident_id) FILTER (WHERE i.disposition = 'prank')
               + count(*) FILTER (WHERE c.classification = 'prank') AS prank,
           count(DISTINCT c.incident_id) FILTER (WHERE i.disposition = 'ghost_call')
               + count(*) FILTER (WHERE c.classification = 'silent') AS ghost_call,
           max(c.received_at) AS last_call_at
      FROM call c LEFT JOIN incident i ON i.id = c.incident_id
     WHERE c.caller_number = {NUMBER_SQL} AND c.id <> :exclude
""")


def caller_history(session: Session, phone: str, exclude: int = 0) -> dict[str, Any]:
    """What 112 knows of a number (:class:`geo112.dispatch.schemas.CallerHistory`): its calls, their
    incidents, and how many were prank or ghost (silent) calls: incidents closed so, and calls from the phone
    system classed so. ``exclude``: a call not to count (the one ringing now)."""
    row = session.execute(_HISTORY, {"phone": phone, "exclude": exclude}).one()
    return row._asdict() | {"last_call_at": audit.jsonable(row.last_call_at)}


def merge(session: Session, incident_id: int, into_id: int, actor: str) -> Incident:
    """Merge ``incident_id`` into ``into_id``: its calls and assignments move over, it closes as
    ``duplicate`` pointing to the other, which keeps the earlier of each phase. Events stay where they were
    written (the trail is append-only); the survivor's timeline reads those of the incidents merged into it.

    Records ``incident.merged`` on both incidents (who merged, which into which, what moved).

    Returns
    -------
    Incident
        The incident that stays.

    Raises
    ------
    NotFound
    Unprocessable
        When an incident would be merged into itself.
    Conflict
        When either is closed.
    """
    if incident_id == into_id:
        raise Unprocessable("an incident cannot be merged into itself")
    # Locked in id order, so that two dispatchers merging the same pair both ways cannot deadlock.
    locked = {i: open_incident(session, i) for i in sorted((incident_id, into_id))}
    absorbed, kept = locked[incident_id], locked[into_id]
    now = database_now(session)
    before = audit.snapshot(kept, _EARLIEST)
    calls = session.execute(
        update(Call).where(Call.incident_id == incident_id)
        .values(incident_id=into_id, merged_from=func.coalesce(Call.merged_from, incident_id))
    ).rowcount  # type: ignore[attr-defined]  # fmt: skip
    assignments = session.execute(
        update(Assignment).where(Assignment.incident_id == incident_id).values(incident_id=into_id)
    ).rowcount  # type: ignore[attr-defined]
    # Incidents merged into the absorbed one before now belong to the survivor: one level, always.
    session.execute(update(Incident).where(Incident.merged_into == incident_id).values(merged_into=into_id))
    closing = {"status": "closed", "closed_at": now, "disposition": "duplicate", "merged_into": into_id,
               "disposition_note": f"merged into incident {into_id}"}  # fmt: skip
    closed_before = audit.snapshot(absorbed, tuple(closing))
    for name, value in closing.items():
        setattr(absorbed, name, value)
    for name in _EARLIEST:
        earlier = [t for t in (getattr(kept, name), getattr(absorbed, name)) if t is not None]
        setattr(kept, name, min(earlier, default=None))
    session.flush()
    moved = {"merged_from": incident_id, "calls": calls, "assignments": assignments}
    audit.record(session, actor, "incident.merged", "incident", incident_id, closed_before,
                 audit.snapshot(absorbed, tuple(closing)), incident_id=incident_id)  # fmt: skip
    audit.record(session, actor, "incident.merged", "incident", into_id, before,
                 audit.snapshot(kept, _EARLIEST) | moved, incident_id=into_id)  # fmt: skip
    return kept
