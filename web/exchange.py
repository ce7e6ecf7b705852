"""Exchange with other 112s: hand-offs (one click, then their answer), CAP 1.2 alerts in and out, and a feed.

A neighbouring 112 logs in like any client and has the roles the rest of the API asks for: dispatchers hand
off, answer and send alerts; dispatchers and planners read. Callers' names and phones go into an alert only
for a dispatcher (or admin), who hands the call to a 112 that must call back.
"""

from __future__ import annotations

from typing import Literal

from flask import Response, url_for
from flask.typing import ResponseReturnValue

from geo112.dispatch import incidents, schemas
from geo112.exchange import cap, handoffs
from web.api import DISPATCH, READ, actor, blueprint, raw_body
from web.auth import current_user
from web.db import get_session, settings
from web.incidents import snapper
from web.params import Query

bp = blueprint("exchange")


class HandoffsQuery(Query):
    """Hand-offs of one status (default all)."""

    status: Literal["pending", "accepted", "declined"] | None = None


def _sees_callers() -> bool:
    user = current_user()
    return user is not None and user.role in (*DISPATCH, "admin")


def _xml(document: bytes, media_type: str = cap.MEDIA_TYPE) -> Response:
    return Response(document, mimetype=media_type, headers={"Cache-Control": "no-store"})


@bp.operation("post", "/incidents/<int:incident_id>/handoff", roles=DISPATCH, response=schemas.Handoff, status=201)
def hand_off(incident_id: int, json: schemas.HandoffCreate) -> tuple[schemas.Handoff, int]:
    """Hand off to another 112: 201 with the hand-off; the incident closes here."""
    made = handoffs.hand_off(get_session(), incident_id, json.reason, actor(), json.to_code)
    return schemas.Handoff.model_validate(made), 201


@bp.operation("get", "/handoffs", roles=READ, response=schemas.Handoffs)
def list_handoffs(query: HandoffsQuery) -> schemas.Handoffs:
    """Hand-offs, newest first; ``?status=pending`` for those waiting for an answer."""
    rows = handoffs.list_handoffs(get_session(), query.status)
    return schemas.Handoffs(items=[schemas.Handoff.model_validate(h) for h in rows])


@bp.operation("post", "/handoffs/<int:handoff_id>/answer", roles=DISPATCH, response=schemas.Handoff)
def answer(handoff_id: int, json: schemas.HandoffAnswer) -> schemas.Handoff:
    """The other 112's answer: ``accepted``, or ``declined`` (the incident reopens here)."""
    return schemas.Handoff.model_validate(handoffs.answer(get_session(), handoff_id, json.outcome, actor(), json.note))


@bp.operation("get", "/incidents/<int:incident_id>/cap.xml", roles=READ, media_type=cap.MEDIA_TYPE)
def incident_alert(incident_id: int) -> ResponseReturnValue:
    """The incident as a CAP 1.2 alert."""
    session = get_session()
    incident = incidents.get_incident(session, incident_id)
    return _xml(cap.to_cap(session, incident, settings().cap_sender, cap.sender_name(session),
                           with_caller=_sees_callers()))  # fmt: skip


@bp.operation("get", "/handoffs/<int:handoff_id>/cap.xml", roles=READ, media_type=cap.MEDIA_TYPE)
def handoff_alert(handoff_id: int) -> ResponseReturnValue:
    """The hand-off as the CAP 1.2 alert addressed to the other 112."""
    session = get_session()
    document = cap.handoff_alert(session, handoff_id, settings().cap_sender, cap.sender_name(session), _sees_callers())
    return _xml(document)


@bp.operation("get", "/cap/feed.atom", roles=READ, media_type="application/atom+xml")
def feed() -> ResponseReturnValue:
    """Atom feed of the hand-offs waiting for an answer, each linking its CAP alert."""
    base = url_for("pages.index", _external=True).rstrip("/")
    return _xml(cap.feed(get_session(), base, cap.sender_name(get_session())), "application/atom+xml")


@bp.operation("post", "/cap", roles=DISPATCH, status=201, raw_body=True)
def receive() -> ResponseReturnValue:
    """Receive a CAP 1.2 alert from another 112 (XML body): 201 with the incident it created, 200 when it
    updated or cancelled one."""
    incident, done = cap.ingest(get_session(), raw_body(), actor(), snapper())
    answer = {"result": done, "incident": schemas.Incident.model_validate(incident)}
    return answer, 201 if done == "created" else 200
