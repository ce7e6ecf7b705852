"""Recommend units for an incident: nearest by road ETA, with the reason any nearer unit is not proposed.

The routing engine keeps one travel-time row per unit; :class:`geo112.network.RoutedFleet` keeps that
table in step with the database before each recommendation.

Every positioned unit is ranked, busy or not; which ones may be proposed is decided here from the database
at the moment of asking, so that a nearer unit that cannot go is named with its reason (busy, out of
service, stale position, ...) instead of silently missing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shapely.geometry import mapping
from sqlalchemy import Row, Select, bindparam, exists, func, or_, select
from sqlalchemy.orm import Session

from geo112.config import AVL_STALE_S
from geo112.dispatch.units import is_stale
from geo112.errors import NoRoute, NotFound, Unprocessable
from geo112.network import RoutedFleet, UnitPosition
from geo112.store.models import (
    Assignment,
    CategoryRequirement,
    Handoff,
    Incident,
    Jurisdiction,
    PhaseTarget,
    Unit,
    UnitType,
)

DEFAULT_K = 3


@dataclass(frozen=True)
class Need:
    """One row of the category matrix: a unit type, how many, and whether it may be left out."""

    unit_type: str
    count: int
    optional: bool


_TARGET = func.coalesce(Incident.road_geom, Incident.geom)
# The incident with its category's row of the matrix, in one statement (one row per unit type it needs).
# The incident's on-scene target (call → first unit on scene; the most specific row wins, as for alerts).
_ON_SCENE_TARGET = (
    select(PhaseTarget.seconds)
    .where(
        PhaseTarget.phase == "on_scene",
        or_(PhaseTarget.category_code.is_(None), PhaseTarget.category_code == Incident.category_code),
        or_(PhaseTarget.priority.is_(None), PhaseTarget.priority == Incident.priority),
    )
    .order_by(PhaseTarget.category_code.is_(None), PhaseTarget.priority.is_(None))
    .limit(1)
    .scalar_subquery()
)
_INCIDENT = (
    select(
        Incident.id,
        _ON_SCENE_TARGET.label("target_s"),
        func.extract("epoch", func.now() - Incident.received_at).label("elapsed_s"),
        Incident.category_code,
        Incident.handoff,
        Incident.handoff_code,
        Jurisdiction.name.label("jurisdiction_name"),
        func.ST_X(_TARGET).label("lon"),
        func.ST_Y(_TARGET).label("lat"),
        CategoryRequirement.unit_type_code,
        CategoryRequirement.count.label("need_count"),
        CategoryRequirement.optional,
    )
    .outerjoin(Jurisdiction, Jurisdiction.code == Incident.jurisdiction_code)
    .outerjoin(CategoryRequirement, CategoryRequirement.category_code == Incident.category_code)
    .where(Incident.id == bindparam("incident_id"))
    .order_by(CategoryRequirement.optional, CategoryRequirement.unit_type_code)
)
# Every unit of the types asked for, with its position, its type's speed, whom it works for, and the database
# clock (the start of the transaction, as everywhere).
_UNITS = (
    select(
        Unit.id,
        Unit.call_sign,
        Unit.station_id,
        Unit.status,
        Unit.note,
        Unit.unit_type_code,
        Unit.position_at,
        Unit.position_source,
        func.ST_X(Unit.geom).label("lon"),
        func.ST_Y(Unit.geom).label("lat"),
        UnitType.speed_factor,
        Assignment.incident_id.label("held_for"),
        func.now().label("now"),
    )
    .join(UnitType)
    .outerjoin(Assignment, (Assignment.unit_id == Unit.id) & Assignment.ended_at.is_(None))
)
# Statements of every recommendation and assignment, built once (building them and their cache keys cost
# more CPU than running them): the units of some types (``unit_types``), and units (``unit_id`` or
# ``unit_ids``) with the point of an incident (``incident_id``) they would drive to.
_OF_TYPES = _UNITS.where(Unit.unit_type_code.in_(bindparam("unit_types", expanding=True)))
_TO_INCIDENT = _UNITS.add_columns(func.ST_X(_TARGET).label("to_lon"), func.ST_Y(_TARGET).label("to_lat")).join(
    Incident, Incident.id == bindparam("incident_id")
)
_ONE_TO_INCIDENT = _TO_INCIDENT.where(Unit.id == bindparam("unit_id"))
_SOME_TO_INCIDENT = _TO_INCIDENT.where(Unit.id.in_(bindparam("unit_ids", expanding=True)))


def _reason(
    unit: Row[Any], incident_id: int, now: datetime, stale_after_s: float, off_road: set[int]
) -> tuple[str, str] | None:
    """Return ``(reason, detail)`` why a unit (a row of ``_UNITS``) may not be proposed, or None when it may."""
    if unit.held_for == incident_id:
        return "assigned_here", f"already assigned to this incident ({unit.status})"
    if unit.held_for is not None:
        return "busy", f"{unit.status} for incident {unit.held_for}"
    if unit.status == "out_of_service":
        return "out_of_service", unit.note or "out of service"
    if unit.status == "relocating":  # on a move-up the dispatcher ordered; available again on arrival
        return "relocating", "relocating to another station"
    if unit.status != "available":
        return "busy", unit.status
    if unit.lon is None:
        return "no_position", "no position known"
    if is_stale(unit, now, stale_after_s):
        return "stale_position", f"last AVL fix {(_age_s(unit) or 0.0) / 60:.0f} min ago"
    if unit.id in off_road:
        return "off_road", "position too far from any road to route from"
    return None


def _candidate(
    unit: Any, eta_s: float | None, distance_m: float | None, why: tuple[str, str] | None, beyond_bound: bool = False
) -> dict[str, Any]:
    return {
        "unit_id": unit.id,
        "call_sign": unit.call_sign,
        "station_id": unit.station_id,
        "eta_s": None if eta_s is None else round(eta_s, 1),
        "distance_m": None if distance_m is None else round(distance_m, 1),
        "reason": why[0] if why else None,
        "detail": why[1] if why else None,
        # The parts of the reason a page words in its own language.
        **({"status": unit.status, "held_for": unit.held_for, "position_age_s": _age_s(unit)} if why else {}),
        # Said only when true: a regency's rows reach every incident in it.
        **({"beyond_bound": True} if beyond_bound else {}),
    }


def _age_s(unit: Any) -> float | None:
    return None if unit.position_at is None else round((unit.now - unit.position_at).total_seconds(), 1)


def _assigned(units: list[Row[Any]], incident_id: int) -> dict[str, list[Any]]:
    """The units of a type already working this incident: ids and call signs, in id order."""
    held = sorted((u for u in units if u.held_for == incident_id), key=lambda u: u.id)
    return {"assigned": [u.id for u in held], "assigned_call_signs": [u.call_sign for u in held]}


def _current_rows(session: Session, fleet: RoutedFleet, query: Select[Any], **params: Any) -> list[Row[Any]]:
    """The units ``query`` reads with ``params`` (``_UNITS``, filtered), after making sure the fleet can rank
    every one.

    The fleet's listener recomputes a moved unit's row within milliseconds of the commit, so a ranking uses
    positions at most that old; what the fleet cannot rank without (:meth:`RoutedFleet.behind`: a new unit,
    or every moved one when no listener is caught up) is computed here.
    """
    mark = fleet.mark()
    units = session.execute(query, params).all()
    positions = {u.id: UnitPosition(u.lon, u.lat, u.unit_type_code, u.speed_factor) for u in units if u.lon is not None}
    if behind := fleet.behind(positions):
        fleet.refresh(behind, mark)
    return list(units)


def recommend_type(
    fleet: RoutedFleet,
    incident_id: int,
    point: tuple[float, float],
    need: Need,
    units: list[Row[Any]],
    k: int,
    stale_after_s: float,
) -> dict[str, Any]:
    """Propose the nearest eligible units of one type and explain the ineligible ones ranked ahead of them.

    Units that cannot be ranked (no position, unreachable) and eligible-but-stale units are always explained.
    ``units`` are the rows of that type from ``_current_rows``.
    """
    by_id = {u.id: u for u in units}
    now = units[0].now if units else datetime.min
    wanted = max(k, need.count)
    proposed: list[dict[str, Any]] = []
    not_proposed: list[dict[str, Any]] = []
    # Units at one place tie: the older unit (lower id) first, the same answer on every worker.
    ranked = sorted((r for r in fleet.rank(*point, need.unit_type) if r.unit_id in by_id),
                    key=lambda r: (r.eta_s, r.unit_id))  # fmt: skip
    for r in ranked:
        if not math.isfinite(r.eta_s):
            # farther than the rows' bound and past the units ranked there: slower than those, not unreachable
            continue
        unit = by_id[r.unit_id]
        why = _reason(unit, incident_id, now, stale_after_s, fleet.off_road)
        if why is None and len(proposed) < wanted:
            proposed.append(_candidate(unit, r.eta_s, r.distance_m, None, r.beyond_bound))
        elif why is not None and (len(proposed) < wanted or why[0] == "stale_position"):
            not_proposed.append(_candidate(unit, r.eta_s, r.distance_m, why, r.beyond_bound))
    seen = {r.unit_id for r in ranked}
    for unit in units:
        if unit.id not in seen:
            why = _reason(unit, incident_id, now, stale_after_s, fleet.off_road)
            not_proposed.append(_candidate(unit, None, None, why or ("unreachable", "no road path to the incident")))
    return {
        "unit_type": need.unit_type,
        "count": need.count,
        "optional": need.optional,
        **_assigned(units, incident_id),
        "proposed": proposed,
        "not_proposed": not_proposed,
    }


def recommend(
    session: Session,
    fleet: RoutedFleet,
    incident_id: int,
    k: int = DEFAULT_K,
    stale_after_s: float = AVL_STALE_S,
    unit_types: list[str] | None = None,
) -> dict[str, Any]:
    """Recommend units for each unit type the incident's category needs (the category matrix).

    Two statements: the incident with its needs, and the units of those types.

    Parameters
    ----------
    session
        Session on the database.
    fleet
        This process's routed fleet (rows behind the units' positions are brought up to date first).
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
        See :class:`geo112.dispatch.schemas.Recommendation`.

    Raises
    ------
    NotFound
        For an unknown incident.
    Unprocessable
        For an unknown unit type in ``unit_types``.
    """
    incident, needs = _incident(session, incident_id, unit_types)
    units = _current_rows(session, fleet, _OF_TYPES, unit_types=[n.unit_type for n in needs])
    point = (incident.lon, incident.lat)
    requirements = [
        recommend_type(
            fleet, incident.id, point, n, [u for u in units if u.unit_type_code == n.unit_type], k, stale_after_s
        )
        for n in needs
    ]
    for requirement in requirements:
        requirement.update(_late(requirement, incident))
    # A need no unit of ours meets in time (or at all) names the neighbouring 112 to ask; asked only then.
    short = any(
        len(r["assigned"]) < r["count"] and not r["optional"] and (r["late_by_s"] or not r["proposed"])
        for r in requirements
    )
    return {
        "incident_id": incident.id,
        **_handoff(session, incident),
        "method": "road",
        "requirements": requirements,
        "mutual_aid": nearest_neighbour(session, incident.id) if short and not incident.handoff else None,
    }


def _incident(session: Session, incident_id: int, unit_types: list[str] | None) -> tuple[Row[Any], list[Need]]:
    """The incident (where units drive to, whose it is) and the unit types to propose.

    The types are the category's row of the matrix, or those asked for (count 1 each).

    Raises
    ------
    NotFound
    Unprocessable
        For an unknown unit type in ``unit_types``.
    """
    rows = session.execute(_INCIDENT, {"incident_id": incident_id}).all()
    if not rows:
        raise NotFound(f"no incident {incident_id}")
    if unit_types is None:
        return rows[0], [Need(r.unit_type_code, r.need_count, r.optional) for r in rows if r.unit_type_code is not None]
    known = set(session.scalars(select(UnitType.code).where(UnitType.code.in_(unit_types))))
    if unknown := [t for t in unit_types if t not in known]:
        raise Unprocessable(f"unknown unit type(s): {', '.join(unknown)}")
    return rows[0], [Need(t, 1, False) for t in unit_types]


def _late(requirement: dict[str, Any], incident: Any) -> dict[str, Any]:
    """How far the best proposal misses the incident's on-scene target, counting the time since the call."""
    if incident.target_s is None or not requirement["proposed"]:
        return {"target_s": incident.target_s, "late_by_s": None}
    late = float(incident.elapsed_s) + requirement["proposed"][0]["eta_s"] - incident.target_s
    return {"target_s": incident.target_s, "late_by_s": round(late, 1) if late > 0 else None}


def nearest_neighbour(session: Session, incident_id: int) -> dict[str, Any] | None:
    """The other 112 whose kabupaten/kota is nearest the incident: where to ask for mutual aid."""
    distance = func.ST_Distance(
        Jurisdiction.geom, select(Incident.geom).where(Incident.id == incident_id).scalar_subquery()
    )
    row = session.execute(
        select(Jurisdiction.code, Jurisdiction.name, Jurisdiction.call_centre)
        .where(Jurisdiction.served.is_(False))
        .order_by(distance)
        .limit(1)
    ).first()
    return None if row is None else {"code": row.code, "name": row.name, "call_centre": row.call_centre}


def _handoff(session: Session, incident: Any) -> dict[str, Any]:
    """Whose incident it is when not ours: the call centre, its kabupaten/kota code and name, and whether it was
    handed over and awaits that centre's answer (so that every console says so, not only the one that sent it)."""
    if not incident.handoff:
        return {"handoff": None, "handoff_code": None, "jurisdiction_name": None}
    pending = exists().where(Handoff.incident_id == incident.id, Handoff.status == "pending")
    return {
        "handoff": incident.handoff,
        "handoff_code": incident.handoff_code,
        "jurisdiction_name": incident.jurisdiction_name,
        "handoff_pending": session.scalar(select(pending)),
    }


def straight_line(
    session: Session,
    incident_id: int,
    k: int = DEFAULT_K,
    stale_after_s: float = AVL_STALE_S,
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
    incident, needs = _incident(session, incident_id, unit_types)
    target = select(Incident.geom).where(Incident.id == incident_id).scalar_subquery()
    distance = func.ST_DistanceSphere(Unit.geom, target)
    units = session.execute(
        _UNITS.add_columns(distance.label("distance_m"))
        .where(Unit.unit_type_code.in_([n.unit_type for n in needs]))
        .order_by(distance)
    ).all()
    result = []
    for need in needs:
        rows = [u for u in units if u.unit_type_code == need.unit_type]
        fresh = [u for u in rows if _reason(u, incident_id, u.now, stale_after_s, set()) is None]
        result.append(
            {
                "unit_type": need.unit_type,
                "count": need.count,
                "optional": need.optional,
                **_assigned(rows, incident_id),
                "proposed": [_candidate(u, None, u.distance_m, None) for u in fresh[: max(k, need.count)]],
                "not_proposed": [],
            }
        )
    where = _handoff(session, incident)
    return {"incident_id": incident.id, **where, "method": "straight_line", "requirements": result}


def eta_of(session: Session, fleet: RoutedFleet, incident_id: int, unit_id: int) -> tuple[float, float] | None:
    """Return the road ``(eta_s, distance_m)`` of a unit to an incident, or None when it cannot be ranked.

    One statement: the unit with the incident's point (no row when either does not exist).
    """
    units = _current_rows(session, fleet, _ONE_TO_INCIDENT, incident_id=incident_id, unit_id=unit_id)
    if not units:
        return None
    unit = units[0]
    ranked = fleet.rank(unit.to_lon, unit.to_lat, unit.unit_type_code)
    return next(((r.eta_s, r.distance_m) for r in ranked if r.unit_id == unit_id and math.isfinite(r.eta_s)), None)


#: Most proposals one route preview answers for (three per type of a large incident's needs).
MAX_PREVIEWS = 20


def proposal_routes(session: Session, fleet: RoutedFleet, incident_id: int, unit_ids: list[int]) -> dict[str, Any]:
    """The road route of each unit to the incident, as a GeoJSON FeatureCollection, for previews on the map.

    Each Feature has the unit's ``unit_id``, ``call_sign``, ``eta_s`` and ``distance_m``; a unit without a
    position or without a road path to the incident has no Feature. Routes are walked from the units'
    maintained rows (:meth:`RoutedFleet.route`), so previews of ranked units cost no search.

    Raises
    ------
    NotFound
        When the incident does not exist.
    Unprocessable
        For more than :data:`MAX_PREVIEWS` units.
    """
    if len(unit_ids) > MAX_PREVIEWS:
        raise Unprocessable(f"at most {MAX_PREVIEWS} units per preview, got {len(unit_ids)}")
    if session.get(Incident, incident_id) is None:
        raise NotFound(f"incident {incident_id} not found")
    features = []
    for unit in _current_rows(session, fleet, _SOME_TO_INCIDENT, incident_id=incident_id, unit_ids=unit_ids):
        if unit.lon is None:
            continue
        try:
            found = fleet.route(unit.id, (unit.lon, unit.lat), (unit.to_lon, unit.to_lat), unit.speed_factor)
        except NoRoute:
            continue
        properties = {"unit_id": unit.id, "call_sign": unit.call_sign, "eta_s": round(found.eta_s, 1),
                      "distance_m": round(found.distance_m, 1)}  # fmt: skip
        features.append({"type": "Feature", "geometry": mapping(found.geometry), "properties": properties})
    return {"type": "FeatureCollection", "features": features}
