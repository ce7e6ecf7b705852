"""Incident endpoints: create, read, list, edit, close, timeline, recommendations and assignments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue

from geo112.dispatch import assignments, incidents, recommend, responder, schemas
from geo112.dispatch.incidents import Snapper
from geo112.errors import InvalidInput, ServiceUnavailable
from geo112.store import audit
from geo112.store.models import Assignment
from web.api import DISPATCH, READ, actor, blueprint, body, page, paginated
from web.auth import current_user, require_role
from web.db import get_session, settings
from web.engine import fleet
from web.errors import error_response
from web.params import flag_arg, ids_arg, int_arg

bp = blueprint("incidents")


def snapper() -> Snapper | None:
    """The road snapper, or None while the network is unavailable: a call is recorded regardless."""
    try:
        return fleet().network.snap_point
    except ServiceUnavailable as exc:
        current_app.logger.warning("incident recorded without a road point: %s", exc.detail)
        return None


def shown(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """An incident or event as the current user may see it: callers' details only for dispatchers."""
    user = current_user()
    return values if user is not None and user.role in (*DISPATCH, "admin") else incidents.mask_caller(values)


def _time_arg(name: str) -> datetime | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be an ISO 8601 time, got {raw[:40]!r}") from None
    if value.tzinfo is None:
        raise InvalidInput(f"{name} needs a time zone, e.g. 2026-11-27T08:00:00+07:00")
    return value


@bp.post("/incidents")
@require_role(*DISPATCH)
def create() -> ResponseReturnValue:
    """Record a new incident; 201 with the incident."""
    data = body(schemas.IncidentCreate)
    incident = incidents.create_incident(get_session(), data, actor(), snapper(), settings().sliver_tolerance_m)
    return jsonify(incidents.incident_dict(incident)), 201, {"Location": url_for(".read", incident_id=incident.id)}


@bp.get("/incidents")
@require_role(*READ)
def list_() -> ResponseReturnValue:
    """Incidents, newest first; filters ``status``, ``category``, ``priority``, ``kecamatan``, ``handoff``,
    ``since``, ``until``; paged by ``limit``/``offset``."""
    limit, offset = page()
    status = request.args.get("status")
    if status not in (None, "open", "closed"):
        raise InvalidInput("status must be open or closed")
    priority = int_arg("priority", 0, 1, 3) if "priority" in request.args else None
    rows, total = incidents.list_incidents(
        get_session(),
        status=status,
        category=request.args.get("category"),
        priority=priority,
        kecamatan=request.args.get("kecamatan"),
        handoff=flag_arg("handoff"),
        since=_time_arg("since"),
        until=_time_arg("until"),
        limit=limit,
        offset=offset,
    )
    return jsonify(paginated([shown(incidents.incident_dict(i)) for i in rows], total, limit, offset))


@bp.get("/incidents/<int:incident_id>")
@require_role(*READ)
def read(incident_id: int) -> ResponseReturnValue:
    """One incident."""
    return jsonify(shown(incidents.incident_dict(incidents.get_incident(get_session(), incident_id))))


@bp.patch("/incidents/<int:incident_id>")
@require_role(*DISPATCH)
def update(incident_id: int) -> ResponseReturnValue:
    """Edit an open incident (409 when closed)."""
    data = body(schemas.IncidentUpdate)
    snap = snapper() if data.lon is not None else None
    incident = incidents.update_incident(get_session(), incident_id, data, actor(), snap, settings().sliver_tolerance_m)
    return jsonify(incidents.incident_dict(incident))


@bp.post("/incidents/<int:incident_id>/close")
@require_role(*DISPATCH)
def close(incident_id: int) -> ResponseReturnValue:
    """Close with a disposition (409 while units are still assigned)."""
    incident = incidents.close_incident(get_session(), incident_id, body(schemas.IncidentClose), actor())
    return jsonify(incidents.incident_dict(incident))


@bp.get("/incidents/<int:incident_id>/timeline")
@require_role(*READ)
def timeline(incident_id: int) -> ResponseReturnValue:
    """Every audit event of the incident, in order."""
    incidents.get_incident(get_session(), incident_id)
    events = [
        e | {"before": shown(e["before"]), "after": shown(e["after"])}
        for e in audit.timeline(get_session(), incident_id)
    ]
    return jsonify({"incident_id": incident_id, "events": events})


@bp.get("/incidents/<int:incident_id>/recommendations")
@require_role(*DISPATCH)
def recommendations(incident_id: int) -> ResponseReturnValue:
    """Nearest available units per required type (``?k=``, ``?types=a,b`` to ask for other types).

    Without the road network: 503 naming the cause, with ``fallback`` ranked by straight-line distance.
    """
    types = request.args.get("types")
    unit_types = [t.strip() for t in types.split(",") if t.strip()] if types else None
    session = get_session()
    k = int_arg("k", recommend.DEFAULT_K, 1, 20)
    try:
        routed = fleet()
    except ServiceUnavailable as exc:
        # Still useful, never mistaken for the usual answer: a 503 naming the cause, and units by distance
        # (an unknown incident is a 404 all the same).
        fallback = recommend.straight_line(session, incident_id, k, settings().avl_stale_s, unit_types)
        return error_response(exc.status, exc.error, exc.detail, fallback=fallback)
    return jsonify(recommend.recommend(session, routed, incident_id, k, settings().avl_stale_s, unit_types))


@bp.get("/incidents/<int:incident_id>/routes")
@require_role(*DISPATCH)
def proposal_routes(incident_id: int) -> ResponseReturnValue:
    """Road routes of ``?units=`` to the incident (GeoJSON), for the proposals' previews on the map."""
    return jsonify(recommend.proposal_routes(get_session(), fleet(), incident_id, ids_arg("units")))


def assignment_with_link(assignment: Assignment) -> dict[str, Any]:
    """An assignment with a freshly signed responder link."""
    token, expires = responder.issue(current_app.config["SECRET_KEY"], assignment, settings().responder_link_ttl_s)
    return {
        **assignments.assignment_dict(assignment),
        "responder_url": url_for("responder.page", token=token, _external=True),
        "responder_expires_at": expires.isoformat(),
    }


@bp.get("/incidents/<int:incident_id>/assignments")
@require_role(*READ)
def list_assignments(incident_id: int) -> ResponseReturnValue:
    """The incident's assignments, oldest first."""
    rows = assignments.incident_assignments(get_session(), incident_id)
    return jsonify({"items": [assignments.assignment_dict(a) for a in rows]})


@bp.post("/incidents/<int:incident_id>/assignments")
@require_role(*DISPATCH)
def assign(incident_id: int) -> ResponseReturnValue:
    """Assign a unit: 201 with the responder link, or 409 naming the incident that holds the unit."""
    data = body(schemas.AssignmentCreate)
    session = get_session()
    try:
        eta = recommend.eta_of(session, fleet(), incident_id, data.unit_id)
    except ServiceUnavailable:
        eta = None  # assigning never waits for the road network; the ETA is then unknown
    eta_s, distance_m = eta or (None, None)
    assignment = assignments.assign(
        session, incident_id, data.unit_id, actor(), eta_s, distance_m, mutual_aid=data.mutual_aid_reason
    )
    return jsonify(assignment_with_link(assignment)), 201
