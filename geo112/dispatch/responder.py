"""Responder links: a signed, expiring token per assignment, opened without logging in (``/r/<token>``).

The token carries the assignment, unit and incident ids and its expiry, signed with the app's secret
(itsdangerous, HMAC-SHA1 over a salt of its own). A tampered token is refused (403), an expired one is gone
(410), and a token only ever acts on the unit and incident it names.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo112.dispatch import assignments, schemas
from geo112.dispatch.incidents import destination, field_summary, get_incident
from geo112.dispatch.units import TRANSITIONS
from geo112.errors import Conflict, Forbidden, Gone, NoRoute, Unprocessable
from geo112.network import RoutedFleet
from geo112.signed_links import sign, unsign
from geo112.store import audit
from geo112.store.geometry import lon_lat_of
from geo112.store.models import Assignment, Incident, Station

SALT = "geo112.responder-link"
log = logging.getLogger(__name__)
#: Responder buttons → the unit status they set (``acknowledged`` only stamps the assignment).
ACTIONS = {
    "acknowledged": None,
    "en_route": "en_route",
    "on_scene": "on_scene",
    "transporting": "transporting",
    "cleared": "returning",
}


def issue(secret: str, assignment: Assignment, ttl_s: float, now: float | None = None) -> tuple[str, datetime]:
    """Sign a link token for an assignment.

    Parameters
    ----------
    secret
        The app's secret key.
    assignment
        The assignment (its id, unit and incident go into the token).
    ttl_s
        Seconds the link stays valid.
    now
        The issuing time as a Unix timestamp (tests pass their own clock); default the current time.

    Returns
    -------
    (str, datetime)
        The token and when it expires (UTC).
    """
    claims = {"a": assignment.id, "u": assignment.unit_id, "i": assignment.incident_id, "v": assignment.link_version}
    return sign(secret, SALT, claims, ttl_s, now)


def reissue(session: Session, assignment: Assignment, actor: str) -> None:
    """Make every earlier link of an assignment invalid, so that the next one :func:`issue` signs is the only one.

    Records ``assignment.link_reissued`` with the new link version.
    """
    assignment.link_version += 1
    session.flush()
    audit.record(
        session, actor, "assignment.link_reissued", "assignment", assignment.id, None,
        {"link_version": assignment.link_version}, incident_id=assignment.incident_id, unit_id=assignment.unit_id,
    )  # fmt: skip


def verify(secret: str, token: str, now: float | None = None) -> dict[str, Any]:
    """Check a token's signature, then its expiry.

    Raises
    ------
    Forbidden
        (403) When the token was altered or signed with another key.
    Gone
        (410) When it has expired.
    """
    return unsign(secret, SALT, token, {"a", "u", "i"}, "responder", "the dispatcher", now)


def _same_incident(session: Session, signed: int, assignment: Assignment) -> bool:
    """Whether the link's incident is the assignment's, or was merged into it since the link was signed."""
    if signed == assignment.incident_id:
        return True
    merged = session.get(Incident, signed)
    return merged is not None and merged.merged_into == assignment.incident_id


def resolve(session: Session, secret: str, token: str, now: float | None = None) -> Assignment:
    """Return the assignment a valid token names, checking it still belongs to the same unit and incident.

    Raises
    ------
    Forbidden, Gone
        See :func:`verify`; Forbidden also when the assignment does not match the token, Gone when a newer
        link replaced this one (:func:`reissue`).
    """
    claims = verify(secret, token, now)
    assignment = session.get(Assignment, claims["a"])
    if assignment is None or assignment.unit_id != claims["u"] or not _same_incident(session, claims["i"], assignment):
        raise Forbidden("this responder link does not match an assignment")
    # Links signed before versions existed carry none: they are version 0, the first link of an assignment.
    if claims.get("v", 0) != assignment.link_version:
        raise Gone("this responder link was replaced by a newer one; use the latest link from the dispatcher")
    return assignment


def navigation_links(lon: float, lat: float, origin: tuple[float, float] | None = None) -> dict[str, str]:
    """Return hand-offs to navigation apps for driving to ``(lon, lat)``."""
    osm = "https://www.openstreetmap.org/directions?engine=fossgis_osrm_car&route="
    osm += quote(f"{origin[1]:.6f},{origin[0]:.6f};" if origin else ";", safe="") + quote(
        f"{lat:.6f},{lon:.6f}", safe=""
    )
    return {
        "google_maps": f"https://www.google.com/maps/dir/?api=1&destination={lat:.6f},{lon:.6f}&travelmode=driving",
        "openstreetmap": osm,
        "geo": f"geo:{lat:.6f},{lon:.6f}?q={lat:.6f},{lon:.6f}",
    }


def allowed_actions(assignment: Assignment) -> list[str]:
    """Return the buttons a responder may press now: none once the assignment ended or the incident closed."""
    if assignment.ended_at is not None or assignment.incident.status == "closed":
        return []
    status = assignment.unit.status
    buttons = [a for a, s in ACTIONS.items() if s is not None and s in TRANSITIONS[status]]
    return (["acknowledged"] if assignment.acknowledged_at is None else []) + buttons


#: The station kind a crew carrying a patient drives to.
HOSPITAL = "hospital"


def destinations(session: Session, assignment: Assignment) -> list[tuple[str | None, tuple[float, float]]]:
    """Where the crew may drive now, named: the incident (None), or while carrying a patient each hospital."""
    if assignment.unit.status == "transporting":
        hospitals = session.execute(select(Station.name, Station.geom).where(Station.kind == HOSPITAL)).all()
        found = [(h.name, lon_lat_of(h.geom)) for h in hospitals]
        if found:
            return [(name, point) for name, point in found if point is not None]
    return [(None, destination(assignment.incident))]


def route(session: Session, assignment: Assignment, fleet: RoutedFleet) -> dict[str, Any] | None:
    """The route from the assignment's unit to where it drives now as a GeoJSON Feature, with the unit's speed.

    To the incident; while the unit carries a patient, to the hospital nearest by road (its name in the
    feature's ``destination``). From the unit's maintained row when it is current (:meth:`RoutedFleet.route`).
    Returns None when the unit has no position or no road path joins them: the page still shows the incident.
    """
    unit = assignment.unit
    origin = lon_lat_of(unit.geom)
    if origin is None:
        return None
    best = None
    for name, target in destinations(session, assignment):
        try:
            found = fleet.route(unit.id, origin, target, unit.unit_type.speed_factor)
        except NoRoute as exc:
            log.warning("no route for assignment %s to %s: %s", assignment.id, name or "the incident", exc.detail)
            continue
        if best is None or found.eta_s < best[1].eta_s:
            best = (name, found)
    if best is None:
        return None
    feature = best[1].to_geojson()
    feature["properties"]["destination"] = best[0]
    return feature


def view(session: Session, assignment: Assignment, route: dict[str, Any] | None) -> dict[str, Any]:
    """Return what the responder page shows: the incident, the unit, the route and the navigation links.

    Parameters
    ----------
    session
        Session on the database.
    assignment
        The resolved assignment.
    route
        The route as GeoJSON Feature (:meth:`routing.Route.to_geojson`), or None when it is unavailable.
    """
    incident, unit = get_incident(session, assignment.incident_id), assignment.unit
    target = destination(incident)
    # Carrying a patient, the crew navigates to the hospital the route leads to.
    heading = route["properties"].get("destination") if route else None
    lon, lat = route["geometry"]["coordinates"][-1] if route and heading else target
    return {
        "assignment": schemas.Assignment.model_validate(assignment).model_dump(mode="json"),
        "unit": {
            "id": unit.id,
            "call_sign": unit.call_sign,
            "unit_type": unit.unit_type_code,
            "status": unit.status,
            "relocating_to": unit.relocation_station.name if unit.relocation_station else None,
        },
        "incident": field_summary(incident)
        | {
            "status": incident.status,
            "closed": incident.status == "closed",
            "location": {"type": "Point", "coordinates": list(target)},
        },
        "route": route,
        "destination": heading,
        "eta_s": route["properties"]["eta_s"] if route else assignment.eta_s,
        "distance_m": route["properties"]["distance_m"] if route else assignment.distance_m,
        "navigation": navigation_links(lon, lat, origin=lon_lat_of(unit.geom)),
        "actions": allowed_actions(assignment),
    }


def act(session: Session, assignment: Assignment, action: str) -> Assignment:
    """Apply a responder's button press to the assignment's unit (the actor is the unit's call sign).

    Raises
    ------
    Unprocessable
        For an unknown action.
    Conflict
        When the incident is closed, the assignment has ended or the unit's status does not allow it
        (``allowed`` lists the options).
    """
    if action not in ACTIONS:
        raise Unprocessable(f"unknown action {action!r}; actions are {', '.join(ACTIONS)}")
    actor = f"responder:{assignment.unit.call_sign}"
    if assignment.incident.status == "closed":
        raise Conflict(f"incident {assignment.incident_id} is closed; nothing more to report", allowed=[])
    status = ACTIONS[action]
    if status is None:
        return assignments.acknowledge(session, assignment.id, actor)
    if assignment.ended_at is not None:
        raise Conflict(f"assignment {assignment.id} has ended ({assignment.end_reason})", allowed=[])
    assignments.change_status(session, assignment.unit_id, status, actor)
    session.refresh(assignment)
    return assignment
