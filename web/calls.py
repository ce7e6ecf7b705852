"""Call endpoints: the calls of an incident, another call joining one, possible duplicates of a new call,
a caller's history, and merging two incidents that are one."""

from __future__ import annotations

from typing import Any

from flask import url_for

from geo112.dispatch import calls, schemas
from web.api import DISPATCH, READ, actor, blueprint
from web.db import get_session, settings
from web.incidents import shown

bp = blueprint("calls")


@bp.operation("get", "/incidents/<int:incident_id>/calls", roles=READ, response=schemas.IncidentCalls)
def list_calls(incident_id: int) -> schemas.IncidentCalls:
    """The incident's calls, oldest first (callers masked but for dispatchers)."""
    rows = calls.incident_calls(get_session(), incident_id)
    return schemas.IncidentCalls(incident_id=incident_id, items=[shown(schemas.Call.model_validate(c)) for c in rows])


@bp.operation("post", "/incidents/<int:incident_id>/calls", roles=DISPATCH, response=schemas.Call, status=201)
def add_call(incident_id: int, json: schemas.CallCreate) -> tuple[schemas.Call, int, dict[str, str]]:
    """Another call joins the incident (*Gabungkan*); 201 with the call."""
    call = calls.add_call(get_session(), incident_id, json, actor())
    return schemas.Call.model_validate(call), 201, {"Location": url_for(".list_calls", incident_id=incident_id)}


@bp.operation("post", "/incidents/<int:incident_id>/merge", roles=DISPATCH, response=schemas.Incident)
def merge(incident_id: int, json: schemas.IncidentMerge) -> schemas.Incident:
    """Merge the incident into ``into`` (it closes as a duplicate); answers the incident that stays."""
    return schemas.Incident.model_validate(calls.merge(get_session(), incident_id, json.into, actor()))


@bp.operation("post", "/calls/duplicates", roles=DISPATCH, response=schemas.Duplicates)
def duplicates(json: schemas.DuplicateSearch) -> dict[str, Any]:
    """Open incidents a new call may be about (at ``lat``/``lon``, from ``phone``, both optional), and the
    number's history; ``exclude`` an incident not to propose. A look-up, posted: a phone number never sits in a
    URL, which logs keep."""
    session, phone = get_session(), json.caller_phone or None
    exclude = (json.exclude,) if json.exclude else ()
    found = calls.possible_duplicates(
        session, json.lon, json.lat, phone, settings().same_caller_window_s, exclude=exclude
    )
    history = calls.caller_history(session, phone) if phone else None
    return {"candidates": found, "caller": history}
