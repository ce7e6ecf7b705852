"""Incident endpoints: create, read, list, edit, close, timeline, recommendations and assignments."""

from __future__ import annotations

from typing import Literal

from flask import current_app, url_for
from flask.typing import ResponseReturnValue

from geo112.agencies import tickets
from geo112.dispatch import assignments, incidents, policy, recommend, responder, schemas
from geo112.dispatch.incidents import Snapper
from geo112.errors import ServiceUnavailable
from geo112.store.db import RowView
from geo112.store.models import Assignment
from web.api import DISPATCH, READ, actor, blueprint, paginated
from web.auth import current_user
from web.db import get_session, settings
from web.errors import error_response
from web.fleet import fleet
from web.params import Flag, Ids, Integer, Page, Query, Time

bp = blueprint("incidents")


class IncidentsQuery(Page):
    """Filters of the incident list."""

    status: Literal["open", "closed"] | None = None
    category: str | None = None
    priority: Integer(1, 3) | None = None  # type: ignore[valid-type]
    kecamatan: str | None = None
    handoff: Flag | None = None
    since: Time | None = None
    until: Time | None = None


class RecommendationsQuery(Query):
    """How many proposals per type, and other types than the category's."""

    k: Integer(1, 20) = recommend.DEFAULT_K  # type: ignore[valid-type]
    types: str | None = None


class RoutesQuery(Query):
    """The units whose routes to preview."""

    units: Ids


def snapper() -> Snapper | None:
    """The road snapper, or None while the network is unavailable: a call is recorded regardless."""
    try:
        return fleet().network.snap_point
    except ServiceUnavailable as exc:
        current_app.logger.warning("incident recorded without a road point: %s", exc.detail)
        return None


def shown(values: incidents.Masked) -> incidents.Masked:
    """An incident, call or event as the current user may see it: callers' details only for dispatchers."""
    user = current_user()
    return values if user is not None and user.role in (*DISPATCH, "admin") else incidents.mask_caller(values)


@bp.operation("post", "/incidents", roles=DISPATCH, response=schemas.Incident, status=201)
def create(json: schemas.IncidentCreate) -> tuple[schemas.Incident, int, dict[str, str]]:
    """Record an incident; 201 with the incident (sent at once to the agencies its category forwards to)."""
    incident = incidents.create_incident(get_session(), json, actor(), snapper(), settings().sliver_tolerance_m)
    tickets.forward_by_category(get_session(), incident, actor())
    answer = schemas.Incident.model_validate(incident)
    return answer, 201, {"Location": url_for(".read", incident_id=incident.id)}


@bp.operation("get", "/incidents", roles=READ, response=schemas.IncidentPage)
def list_(query: IncidentsQuery) -> schemas.IncidentPage:
    """List incidents, newest first.

    Filters ``status``, ``category``, ``priority``, ``kecamatan``, ``handoff``, ``since``, ``until``; paged by
    ``limit``/``offset``.
    """
    filters = query.model_dump(exclude={"limit", "offset"})
    rows, total = incidents.list_incidents(get_session(), **filters, limit=query.limit, offset=query.offset)
    items = [shown(schemas.Incident.model_validate(i)) for i in rows]
    return schemas.IncidentPage(**paginated(items, total, query.limit, query.offset))


@bp.operation("get", "/incidents/<int:incident_id>", roles=READ, response=schemas.Incident)
def read(incident_id: int) -> schemas.Incident:
    """Read an incident."""
    return shown(schemas.Incident.model_validate(incidents.get_incident(get_session(), incident_id)))


@bp.operation("patch", "/incidents/<int:incident_id>", roles=DISPATCH, response=schemas.Incident)
def update(incident_id: int, json: schemas.IncidentUpdate) -> schemas.Incident:
    """Edit an open incident (409 when closed); moving it (lon and lat together) re-locates it."""
    snap = snapper() if json.lon is not None else None
    incident = incidents.update_incident(get_session(), incident_id, json, actor(), snap, settings().sliver_tolerance_m)
    return schemas.Incident.model_validate(incident)


@bp.operation("post", "/incidents/<int:incident_id>/close", roles=DISPATCH, response=schemas.Incident)
def close(incident_id: int, json: schemas.IncidentClose) -> schemas.Incident:
    """Close with a disposition (409 while units are still assigned)."""
    return schemas.Incident.model_validate(incidents.close_incident(get_session(), incident_id, json, actor()))


@bp.operation("get", "/incidents/<int:incident_id>/timeline", roles=READ, response=schemas.Timeline)
def timeline(incident_id: int) -> schemas.Timeline:
    """The incident's audit events, in order (with those of the incidents merged into it)."""
    incidents.get_incident(get_session(), incident_id)
    events = [
        e.model_copy(update={"before": shown(e.before), "after": shown(e.after)})
        for e in incidents.timeline(get_session(), incident_id)
    ]
    return schemas.Timeline(incident_id=incident_id, events=events)


@bp.operation("get", "/incidents/<int:incident_id>/recommendations", roles=DISPATCH, response=schemas.Recommendation)
def recommendations(incident_id: int, query: RecommendationsQuery) -> ResponseReturnValue:
    """Nearest available units per required type (``?k=``, ``?types=a,b`` to ask for other types).

    Without the road network: 503 naming the cause, with ``fallback`` ranked by straight-line distance.
    """
    unit_types = [t.strip() for t in query.types.split(",") if t.strip()] if query.types else None
    session, k = get_session(), query.k
    try:
        routed = fleet()
    except ServiceUnavailable as exc:
        # Still useful, never mistaken for the usual answer: a 503 naming the cause, and units by distance
        # (an unknown incident is a 404 all the same).
        fallback = recommend.straight_line(session, incident_id, k, settings().avl_stale_s, unit_types)
        return error_response(exc.status, exc.error, exc.detail, fallback=fallback)
    answer = recommend.recommend(session, routed, incident_id, k, settings().avl_stale_s, unit_types)
    return policy.apply(session, routed, answer, settings().dispatch_policy, settings().moveup_level)


@bp.operation("get", "/incidents/<int:incident_id>/routes", roles=DISPATCH, media_type="application/geo+json")
def proposal_routes(incident_id: int, query: RoutesQuery) -> ResponseReturnValue:
    """Road routes of ``?units=`` to the incident (GeoJSON), for the proposals' previews on the map."""
    return recommend.proposal_routes(get_session(), fleet(), incident_id, query.units)


def assignment_with_link(assignment: Assignment) -> schemas.AssignmentWithLink:
    """An assignment with a freshly signed responder link."""
    token, expires = responder.issue(current_app.config["SECRET_KEY"], assignment, settings().responder_link_ttl_s)
    url = url_for("responder.page", token=token, _external=True)
    return schemas.AssignmentWithLink.model_validate(
        RowView(assignment, responder_url=url, responder_expires_at=expires)
    )


@bp.operation("get", "/incidents/<int:incident_id>/assignments", roles=READ, response=schemas.Assignments)
def list_assignments(incident_id: int) -> schemas.Assignments:
    """The incident's assignments, oldest first."""
    rows = assignments.incident_assignments(get_session(), incident_id)
    return schemas.Assignments(items=[schemas.Assignment.model_validate(a) for a in rows])


@bp.operation(
    "post", "/incidents/<int:incident_id>/assignments", roles=DISPATCH, response=schemas.AssignmentWithLink, status=201
)
def assign(incident_id: int, json: schemas.AssignmentCreate) -> tuple[schemas.AssignmentWithLink, int]:
    """Assign a unit: 201 with the responder link, or 409 naming the incident that holds the unit."""
    session = get_session()
    try:
        eta = recommend.eta_of(session, fleet(), incident_id, json.unit_id)
    except ServiceUnavailable:
        eta = None  # assigning never waits for the road network; the ETA is then unknown
    eta_s, distance_m = eta or (None, None)
    assignment = assignments.assign(
        session, incident_id, json.unit_id, actor(), eta_s, distance_m, mutual_aid=json.mutual_aid_reason
    )
    return assignment_with_link(assignment), 201
