"""Call endpoints: the calls of an incident, another call joining one, possible duplicates of a new call,
a caller's history, and merging two incidents that are one."""

from __future__ import annotations

from flask import jsonify, request, url_for
from flask.typing import ResponseReturnValue

from geo112.dispatch import calls, incidents, schemas
from geo112.errors import InvalidInput
from geo112.geography.coordinates import LAT_LIMIT, LON_LIMIT
from web.api import DISPATCH, READ, actor, blueprint, body
from web.auth import require_role
from web.db import get_session, settings
from web.incidents import shown
from web.params import float_arg, int_arg

bp = blueprint("calls")


def _phone_arg() -> str | None:
    phone = request.args.get("phone", "").strip()
    if len(phone) > 40:
        raise InvalidInput("phone is longer than 40 characters")
    return phone or None


@bp.get("/incidents/<int:incident_id>/calls")
@require_role(*READ)
def list_calls(incident_id: int) -> ResponseReturnValue:
    """The incident's calls, oldest first (callers masked but for dispatchers)."""
    rows = calls.incident_calls(get_session(), incident_id)
    return jsonify({"incident_id": incident_id, "items": [shown(calls.call_dict(c)) for c in rows]})


@bp.post("/incidents/<int:incident_id>/calls")
@require_role(*DISPATCH)
def add_call(incident_id: int) -> ResponseReturnValue:
    """Another call about an open incident (*Gabungkan*); 201 with the call."""
    call = calls.add_call(get_session(), incident_id, body(schemas.CallCreate), actor())
    return jsonify(calls.call_dict(call)), 201, {"Location": url_for(".list_calls", incident_id=incident_id)}


@bp.post("/incidents/<int:incident_id>/merge")
@require_role(*DISPATCH)
def merge(incident_id: int) -> ResponseReturnValue:
    """Merge this incident into ``into``; answers the incident that stays."""
    kept = calls.merge(get_session(), incident_id, body(schemas.IncidentMerge).into, actor())
    return jsonify(incidents.incident_dict(kept))


@bp.get("/calls/duplicates")
@require_role(*DISPATCH)
def duplicates() -> ResponseReturnValue:
    """Open incidents a new call at ``?lat=&lon=`` (optional) from ``?phone=`` (optional) may be about, and
    the number's history; ``?exclude=`` an incident not to propose."""
    lon, lat = float_arg("lon", None, -LON_LIMIT, LON_LIMIT), float_arg("lat", None, -LAT_LIMIT, LAT_LIMIT)
    if (lon is None) != (lat is None):
        raise InvalidInput("send lat and lon together, or neither")
    phone = _phone_arg()
    exclude = (int_arg("exclude", 0, 1, 2**31 - 1),) if "exclude" in request.args else ()
    session = get_session()
    found = calls.possible_duplicates(session, lon, lat, phone, settings().same_caller_window_s, exclude=exclude)
    return jsonify({"candidates": found, "caller": calls.caller_history(session, phone) if phone else None})
