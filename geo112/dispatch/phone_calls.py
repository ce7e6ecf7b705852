"""The row of a call from the phone system, and its taking by an incident (new, or joined).

Apart from :mod:`geo112.dispatch.telephony` so that the incident and call modules can use it without
importing the screen pop and the watch list (which read calls).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo112.errors import Conflict, NotFound
from geo112.store import audit
from geo112.store.db import database_now
from geo112.store.models import Call

#: What the trail keeps of each step (never the number: the trail is read by more people than the calls are).
TRACKED = ("answered_at", "answered_phone", "taken_by", "ended_at", "ended_by", "outcome", "classification",
            "classified_at", "incident_id")  # fmt: skip


def get_phone_call(session: Session, call_id: int, lock: bool = False) -> Call:
    """A call from the phone system.

    Raises
    ------
    NotFound
    """
    query = select(Call).where(Call.id == call_id, Call.sip_call_id.is_not(None))
    call = session.scalar(query.with_for_update() if lock else query)
    if call is None:
        raise NotFound(f"no phone call {call_id}")
    return call


def claim(session: Session, call_id: int, incident_id: int, values: dict[str, Any], actor: str) -> Call:
    """The phone call an incident was taken on (new, or joined) becomes that incident's call.

    Parameters
    ----------
    values
        Call columns the dispatcher typed (caller name, description, geom).

    Raises
    ------
    NotFound
    Conflict
        When the call belongs to an incident already, or was closed with another class.
    """
    call = get_phone_call(session, call_id, lock=True)
    if call.incident_id is not None:
        raise Conflict(f"the call belongs to incident {call.incident_id} already", reason="claimed")
    if call.classification not in (None, "darurat"):
        raise Conflict(f"the call was closed as {call.classification}", reason="classified")
    before = audit.snapshot(call, TRACKED)
    call.incident_id = incident_id
    call.classification = call.classification or "darurat"
    call.classified_at = call.classified_at or database_now(session)
    for name, value in values.items():
        if value is not None:
            setattr(call, name, value)
    session.flush()
    audit.record(session, actor, "call.claimed", "call", call.id, before, audit.snapshot(call, TRACKED),
                 incident_id=incident_id)  # fmt: skip
    return call
