"""Exchange with other 112s: hand-offs (one click, then their answer), CAP 1.2 alerts in and out, and a feed.

A neighbouring 112 logs in like any client and has the roles the rest of the API asks for: dispatchers hand
off, answer and send alerts; dispatchers and planners read. Callers' names and phones go into an alert only
for a dispatcher (or admin), who hands the call to a 112 that must call back.
"""

from __future__ import annotations

from flask import Response, jsonify, request, url_for
from flask.typing import ResponseReturnValue

from geo112.dispatch import cap, handoffs, incidents, schemas
from geo112.errors import InvalidInput
from web.api import DISPATCH, READ, actor, blueprint, body
from web.auth import current_user, require_role
from web.db import get_session, settings
from web.incidents import snapper

bp = blueprint("exchange")


def _sees_callers() -> bool:
    user = current_user()
    return user is not None and user.role in (*DISPATCH, "admin")


def _xml(document: bytes, media_type: str = cap.MEDIA_TYPE) -> Response:
    return Response(document, mimetype=media_type, headers={"Cache-Control": "no-store"})


@bp.post("/incidents/<int:incident_id>/handoff")
@require_role(*DISPATCH)
def hand_off(incident_id: int) -> ResponseReturnValue:
    """Hand an incident to the 112 of its kabupaten/kota: 201 with the hand-off; the incident closes here."""
    data = body(schemas.HandoffCreate)
    made = handoffs.hand_off(get_session(), incident_id, data.reason, actor(), data.to_code)
    return jsonify(handoffs.handoff_dict(made)), 201


@bp.get("/handoffs")
@require_role(*READ)
def list_handoffs() -> ResponseReturnValue:
    """Hand-offs, newest first; ``?status=pending`` for those waiting for an answer."""
    status = request.args.get("status")
    if status not in (None, "pending", "accepted", "declined"):
        raise InvalidInput("status must be pending, accepted or declined")
    return jsonify({"items": [handoffs.handoff_dict(h) for h in handoffs.list_handoffs(get_session(), status)]})


@bp.post("/handoffs/<int:handoff_id>/answer")
@require_role(*DISPATCH)
def answer(handoff_id: int) -> ResponseReturnValue:
    """The other 112's answer: ``accepted``, or ``declined`` (the incident reopens here)."""
    data = body(schemas.HandoffAnswer)
    return jsonify(handoffs.handoff_dict(handoffs.answer(get_session(), handoff_id, data.outcome, actor(), data.note)))


@bp.get("/incidents/<int:incident_id>/cap.xml")
@require_role(*READ)
def incident_alert(incident_id: int) -> ResponseReturnValue:
    """An incident as a CAP 1.2 alert."""
    session = get_session()
    incident = incidents.get_incident(session, incident_id)
    return _xml(cap.to_cap(session, incident, settings().cap_sender, cap.sender_name(session),
                           with_caller=_sees_callers()))  # fmt: skip


@bp.get("/handoffs/<int:handoff_id>/cap.xml")
@require_role(*READ)
def handoff_alert(handoff_id: int) -> ResponseReturnValue:
    """A hand-off as the CAP 1.2 alert addressed to the other 112."""
    session = get_session()
    document = cap.handoff_alert(session, handoff_id, settings().cap_sender, cap.sender_name(session), _sees_callers())
    return _xml(document)


@bp.get("/cap/feed.atom")
@require_role(*READ)
def feed() -> ResponseReturnValue:
    """An Atom feed of the hand-offs waiting for an answer, each linking its CAP alert."""
    base = url_for("pages.index", _external=True).rstrip("/")
    return _xml(cap.feed(get_session(), base, cap.sender_name(get_session())), "application/atom+xml")


@bp.post("/cap")
@require_role(*DISPATCH)
def receive() -> ResponseReturnValue:
    """A CAP 1.2 alert from another 112: 201 with the incident it created, 200 when it updated or cancelled one."""
    incident, done = cap.ingest(get_session(), request.get_data(cache=False), actor(), snapper())
    return jsonify({"result": done, "incident": incidents.incident_dict(incident)}), 201 if done == "created" else 200
