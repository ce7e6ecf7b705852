"""Recommend units for an incident: nearest by road ETA, with the reason any nearer unit is not proposed.

The routing engine keeps one travel-time row per unit; :class:`geo112.network.RoutedFleet` keeps that
table in step with the database before each recommendation.

Every positioned unit is ranked, busy or not; which ones may be proposed is decided here from the database
at the moment of asking, so that a nearer unit that cannot go is named with its reason (busy, out of
service, stale position, ...) instead of silently missing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo112.dispatch.incidents import destination, get_incident
from geo112.dispatch.units import is_stale
from geo112.errors import Unprocessable
from geo112.network import RoutedFleet
from geo112.store.db import database_now
from geo112.store.models import Assignment, CategoryRequirement, Incident, Unit, UnitType

DEFAULT_K = 3


def _reason(
    unit: Unit, held: Assignment | None, incident_id: int, now: datetime, stale_after_s: float, off_road: set[int]
) -> tuple[str, str] | None:
    """Return ``(reason, detail)`` why a unit may not be proposed, or None when it may."""
    if held is not None and held.incident_id == incident_id:
        return "assigned_here", f"already assigned to this incident ({unit.status})"
    if held is not None:
        return "busy", f"{unit.status} for incident {held.incident_id}"
    if unit.status == "out_of_service":
        return "out_of_service", unit.note or "out of service"
    if unit.status != "available":
        return "busy", unit.status
    if unit.geom is None:
        return "no_position", "no position known"
    if is_stale(unit, now, stale_after_s):
        age = (now - unit.position_at).total_seconds() if unit.position_at else 0.0
        return "stale_position", f"last AVL fix {age / 60:.0f} min ago"
    if unit.id in off_road:
        return "off_road", "position too far from any road to route from"
    return None


def _candidate(
    unit: Unit, eta_s: float | None, distance_m: float | None, why: tuple[str, str] | None
) -> dict[str, Any]:
    return {
        "unit_id": unit.id,
        "call_sign": unit.call_sign,
        "station_id": unit.station_id,
        "eta_s": None if eta_s is None else round(eta_s, 1),
        "distance_m": None if distance_m is None else round(distance_m, 1),
        "reason": why[0] if why else None,
        "detail": why[1] if why else None,
    }


def recommend_type(
    session: Session,
    fleet: RoutedFleet,
    incident_id: int,
    point: tuple[float, float],
    requirement: CategoryRequirement,
    k: int,
    stale_after_s: float,
) -> dict[str, Any]:
    """Propose the nearest eligible units of one type and explain the ineligible ones ranked ahead of them.

    Units that cannot be ranked (no position, unreachable) and eligible-but-stale units are always explained.
    """
    now = database_now(session)
    units = {u.id: u for u in session.scalars(select(Unit).where(Unit.unit_type_code == requirement.unit_type_code))}
    held = {
        a.unit_id: a
        for a in session.scalars(select(Assignment).where(Assignment.unit_id.in_(units), Assignment.ended_at.is_(None)))
    }
    need = max(k, requirement.count)
    proposed: list[dict[str, Any]] = []
    not_proposed: list[dict[str, Any]] = []
    ranked = [r for r in fleet.rank(*point, requirement.unit_type_code) if r.unit_id in units]
    for r in ranked:
        unit = units[r.unit_id]
        why = _reason(unit, held.get(unit.id), incident_id, now, stale_after_s, fleet.off_road)
        if why is None and len(proposed) < need:
            proposed.append(_candidate(unit, r.eta_s, r.distance_m, None))
        elif why is not None and (len(proposed) < need or why[0] == "stale_position"):
            not_proposed.append(_candidate(unit, r.eta_s, r.distance_m, why))
    seen = {r.unit_id for r in ranked}
    for unit in units.values():
        if unit.id not in seen:
            why = _reason(unit, held.get(unit.id), incident_id, now, stale_after_s, fleet.off_road)
            not_proposed.append(_candidate(unit, None, None, why or ("unreachable", "no road path to the incident")))
    return {
        "unit_type": requirement.unit_type_code,
        "count": requirement.count,
        "optional": requirement.optional,
        "assigned": sorted(u for u, a in held.items() if a.incident_id == incident_id),
        "proposed": proposed,
        "not_proposed": not_proposed,
    }


def recommend(
    session: Session,
    fleet: RoutedFleet,
    incident_id: int,
    k: int = DEFAULT_K,
    stale_after_s: float = 600.0,
    unit_types: list[str] | None = None,
) -> dict[str, Any]:
    """Recommend units for each unit type the incident's category needs (the category matrix).

    Parameters
    ----------
    session
        Session on the database.
    fleet
        This process's routed fleet; it is synchronised first.
    incident_id
        The incident.
    k
        Units to propose per type (at least the count the matrix asks for).
    stale_after_s
        AVL positions older than this are stale.
    unit_types
        Ask for these types instead of the matrix's (count 1 each), e.g. to add a type by hand.

    Returns
    -------
    dict
        See :class:`geo112.schemas.Recommendation`.

    Raises
    ------
    NotFound
        For an unknown incident.
    Unprocessable
        For an unknown unit type in ``unit_types``.
    """
    incident = get_incident(session, incident_id)
    point = destination(incident)
    requirements = _requirements(session, incident.category_code, unit_types)
    fleet.sync(session)
    return {
        "incident_id": incident.id,
        **_handoff(incident),
        "method": "road",
        "requirements": [recommend_type(session, fleet, incident.id, point, r, k, stale_after_s) for r in requirements],
    }


def _handoff(incident: Incident) -> dict[str, Any]:
    """Whose incident it is when not ours: the call centre, its kabupaten/kota code and name."""
    region = incident.jurisdiction.name if incident.handoff and incident.jurisdiction else None
    return {"handoff": incident.handoff, "handoff_code": incident.handoff_code, "jurisdiction_name": region}


def _requirements(session: Session, category: str, unit_types: list[str] | None) -> list[CategoryRequirement]:
    """The unit types to propose: the category's row of the matrix, or the types asked for (count 1 each)."""
    if unit_types is None:
        return list(
            session.scalars(
                select(CategoryRequirement)
                .where(CategoryRequirement.category_code == category)
                .order_by(CategoryRequirement.optional, CategoryRequirement.unit_type_code)
            )
        )
    known = set(session.scalars(select(UnitType.code).where(UnitType.code.in_(unit_types))))
    if unknown := [t for t in unit_types if t not in known]:
        raise Unprocessable(f"unknown unit type(s): {', '.join(unknown)}")
    return [CategoryRequirement(unit_type_code=t, count=1, optional=False) for t in unit_types]


def straight_line(
    session: Session,
    incident_id: int,
    k: int = DEFAULT_K,
    stale_after_s: float = 600.0,
    unit_types: list[str] | None = None,
) -> dict[str, Any]:
    """Propose the nearest available units *by straight-line distance*, for when the road network is down.

    Marked ``method = "straight_line"``, with no ETA: a river or a missing bridge can put the nearest unit
    by air far away by road, so the dispatcher must see that this is not the usual ranking. Units that are
    busy, out of service or whose AVL position is stale are left out.

    Returns
    -------
    dict
        Shaped like :func:`recommend` (``not_proposed`` empty); ``distance_m`` is the great-circle distance.
    """
    incident = get_incident(session, incident_id)
    now = database_now(session)
    target = select(Incident.geom).where(Incident.id == incident_id).scalar_subquery()
    distance = func.ST_DistanceSphere(Unit.geom, target)
    result = []
    for requirement in _requirements(session, incident.category_code, unit_types):
        rows = session.execute(
            select(Unit, distance)
            .where(
                Unit.unit_type_code == requirement.unit_type_code, Unit.status == "available", Unit.geom.is_not(None)
            )
            .order_by(distance)
        ).all()
        fresh = [(u, d) for u, d in rows if not is_stale(u, now, stale_after_s)][: max(k, requirement.count)]
        assigned = session.scalars(
            select(Assignment.unit_id)
            .join(Unit)
            .where(
                Assignment.incident_id == incident_id,
                Assignment.ended_at.is_(None),
                Unit.unit_type_code == requirement.unit_type_code,
            )
        ).all()
        result.append(
            {
                "unit_type": requirement.unit_type_code,
                "count": requirement.count,
                "optional": requirement.optional,
                "assigned": sorted(assigned),
                "proposed": [_candidate(u, None, d, None) for u, d in fresh],
                "not_proposed": [],
            }
        )
    return {"incident_id": incident.id, **_handoff(incident), "method": "straight_line", "requirements": result}


def eta_of(session: Session, fleet: RoutedFleet, incident_id: int, unit_id: int) -> tuple[float, float] | None:
    """Return the road ``(eta_s, distance_m)`` of a unit to an incident, or None when it cannot be ranked."""
    incident = get_incident(session, incident_id)
    unit = session.get(Unit, unit_id)
    if unit is None:
        return None
    fleet.sync(session)
    point = destination(incident)
    return next(
        ((r.eta_s, r.distance_m) for r in fleet.rank(*point, unit.unit_type_code) if r.unit_id == unit_id), None
    )
