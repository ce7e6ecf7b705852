"""Hand-off: a call that belongs to another 112 is passed to it, and that centre's answer recorded.

Operators route calls by tower, so a call from Jombang can reach Mojokerto. The dispatcher hands it off with
one click: a ``handoff`` row (to whom, when, by whom, why) and the incident closed with the disposition
``handed_off``, so it leaves the open list. The other centre's answer comes later: ``accepted`` ends it,
``declined`` reopens the incident here. Every step is in the audit trail. Sending one of our units anyway is
mutual aid (:func:`geo112.dispatch.assignments.assign`), not a hand-off.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo112.dispatch import schemas
from geo112.dispatch.incidents import open_without_units, set_closed
from geo112.errors import Conflict, Unprocessable
from geo112.store import audit
from geo112.store.db import database_now, get_or_not_found
from geo112.store.models import Handoff, Jurisdiction

OUTCOMES = ("accepted", "declined")


def _values(handoff: Handoff) -> dict[str, Any]:
    """A hand-off as its audit events record it (as the API shows it)."""
    return schemas.Handoff.model_validate(handoff).model_dump(mode="json")


def hand_off(session: Session, incident_id: int, reason: str, actor: str, to_code: str | None = None) -> Handoff:
    """Hand an incident to the 112 of its kabupaten/kota (or of ``to_code``), closing it here as ``handed_off``.

    Raises
    ------
    NotFound
        For an unknown incident or kabupaten/kota.
    Conflict
        When the incident is closed, units still work on it, or it is this centre's own.
    Unprocessable
        When no call centre can be named (a point outside the province and no ``to_code``).
    """
    incident, now = open_without_units(session, incident_id)
    code = to_code or incident.handoff_code
    if code is None:
        if incident.handoff is None:
            raise Conflict(f"incident {incident_id} is this call centre's own: there is no one to hand it to")
        raise Unprocessable(f"incident {incident_id} is outside Jawa Timur: name the call centre (to_code)")
    target = get_or_not_found(session, Jurisdiction, code, "kabupaten/kota")
    if target.served:
        raise Conflict(f"{target.name} is this call centre's own area")
    handoff = Handoff(incident_id=incident_id, to_code=code, to_name=target.call_centre or target.name, reason=reason,
                      created_by=actor, status="pending")  # fmt: skip
    session.add(handoff)
    session.flush()
    set_closed(session, incident, "handed_off", f"{handoff.to_name}: {reason}", actor, "incident.handed_off", now)
    audit.record(session, actor, "handoff.created", "handoff", handoff.id, None, _values(handoff),
                 incident_id=incident_id)  # fmt: skip
    return handoff


def answer(session: Session, handoff_id: int, outcome: str, actor: str, note: str | None = None) -> Handoff:
    """Record the other centre's answer; a declined hand-off reopens the incident here.

    Raises
    ------
    NotFound
    Unprocessable
        For an outcome that is not one of :data:`OUTCOMES`.
    Conflict
        When the hand-off was answered already.
    """
    if outcome not in OUTCOMES:
        raise Unprocessable(f"outcome must be one of {', '.join(OUTCOMES)}, got {outcome[:20]!r}")
    handoff = get_or_not_found(session, Handoff, handoff_id, "hand-off", lock=True)
    if handoff.status != "pending":
        raise Conflict(f"hand-off {handoff_id} was {handoff.status} already", handoff_status=handoff.status)
    before = _values(handoff)
    handoff.status, handoff.answered_by, handoff.answer_note = outcome, actor, note
    handoff.answered_at = database_now(session)
    session.flush()
    audit.record(session, actor, "handoff.answered", "handoff", handoff.id, before, _values(handoff),
                 incident_id=handoff.incident_id)  # fmt: skip
    if outcome == "declined":
        set_closed(session, handoff.incident, None, None, actor, "incident.reopened")
    return handoff


def list_handoffs(session: Session, status: str | None = None, limit: int = 100) -> list[Handoff]:
    """Hand-offs, newest first; ``status`` keeps one state (``pending`` waits for an answer)."""
    query = select(Handoff).order_by(Handoff.created_at.desc(), Handoff.id.desc()).limit(limit)
    if status is not None:
        query = query.where(Handoff.status == status)
    return list(session.scalars(query))
