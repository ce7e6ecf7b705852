"""Call endpoints: the calls of an incident, another call joining one, possible duplicates of a new call,
a caller's history, and merging two incidents that are one."""

from __future__ import annotations

from typing import Any

from flask import url_for
from pydantic import model_validator

from geo112.dispatch import calls, schemas
from geo112.errors import InvalidInput
from geo112.geography.coordinates import LAT_LIMIT, LON_LIMIT
from web.api import DISPATCH, READ, actor, blueprint
from web.db import get_session, settings
from web.incidents import shown
from web.params import Integer, Number, Phone, Query

bp = blueprint("calls")


class DuplicatesQuery(Query):
    """Where a new call is (optional), the number it comes from (optional), an incident not to propose."""

    lat: Number(-LAT_LIMIT, LAT_LIMIT) = None  # type: ignore[valid-type]
    lon: Number(-LON_LIMIT, LON_LIMIT) = None  # type: ignore[valid-type]
    phone: Phone = None
    exclude: Integer(1, 2**31 - 1) | None = None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _lat_and_lon_together(self) -> DuplicatesQuery:
        if (self.lon is None) != (self.lat is None):
            raise InvalidInput("send lat and lon together, or neither")
        return self


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


@bp.operation("get", "/calls/duplicates", roles=DISPATCH, response=schemas.Duplicates)
def duplicates(query: DuplicatesQuery) -> dict[str, Any]:
    """Open incidents a new call at ``?lat=&lon=`` from ``?phone=`` may be about, and the number's history;
    ``?exclude=`` an incident not to propose."""
    session, phone = get_session(), query.phone
    exclude = (query.exclude,) if query.exclude else ()
    found = calls.possible_duplicates(
        session, query.lon, query.lat, phone, settings().same_caller_window_s, exclude=exclude
    )
    history = calls.caller_history(session, phone) if phone else None
    return {"candidates": found, "caller": history}
