"""Configuration endpoints: stations (and their position corrections), agencies, unit types, the matrix."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from geo112.dispatch import configuration, schemas
from web.api import ADMIN, PLAN, READ, actor, blueprint, body, page, paginated
from web.auth import require_role
from web.db import get_session, settings

bp = blueprint("config_api")


@bp.get("/stations")
@require_role(*READ)
def stations() -> ResponseReturnValue:
    """Stations by code; filters ``agency``, ``kind``; paged."""
    limit, offset = page()
    rows, total = configuration.list_stations(
        get_session(), request.args.get("agency"), request.args.get("kind"), limit, offset
    )
    return jsonify(paginated([configuration.station_dict(s) for s in rows], total, limit, offset))


@bp.get("/stations/<int:station_id>")
@require_role(*READ)
def station(station_id: int) -> ResponseReturnValue:
    """One station with the precision of its position."""
    return jsonify(configuration.station_dict(configuration.get_station(get_session(), station_id)))


@bp.put("/stations/<int:station_id>/position")
@require_role(*PLAN)
def station_position(station_id: int) -> ResponseReturnValue:
    """Correct a station's position (planner or admin)."""
    data = body(schemas.StationPosition)
    row = configuration.correct_station(get_session(), station_id, data, actor(), settings().sliver_tolerance_m)
    return jsonify(configuration.station_dict(row))


@bp.get("/agencies")
@require_role(*READ)
def agencies() -> ResponseReturnValue:
    """Every agency."""
    return jsonify({"items": configuration.list_agencies(get_session())})


@bp.get("/unit-types")
@require_role(*READ)
def unit_types() -> ResponseReturnValue:
    """Every unit type."""
    return jsonify({"items": [configuration.unit_type_dict(t) for t in configuration.list_unit_types(get_session())]})


@bp.post("/unit-types")
@require_role(*ADMIN)
def create_unit_type() -> ResponseReturnValue:
    """Add a unit type (admin)."""
    row = configuration.create_unit_type(get_session(), body(schemas.UnitTypeCreate), actor())
    return jsonify(configuration.unit_type_dict(row)), 201


@bp.patch("/unit-types/<code>")
@require_role(*ADMIN)
def update_unit_type(code: str) -> ResponseReturnValue:
    """Change a unit type (admin)."""
    row = configuration.update_unit_type(get_session(), code, body(schemas.UnitTypeUpdate), actor())
    return jsonify(configuration.unit_type_dict(row))


@bp.get("/category-matrix")
@require_role(*READ)
def category_matrix() -> ResponseReturnValue:
    """Every incident category and the unit types it needs."""
    return jsonify({"items": configuration.matrix(get_session())})


@bp.patch("/categories/<category>")
@require_role(*ADMIN)
def set_category_rules(category: str) -> ResponseReturnValue:
    """Change a category's duplicate radius and window (admin)."""
    data = body(schemas.CategoryRules)
    return jsonify(configuration.set_category_rules(get_session(), category, data, actor()))


@bp.put("/category-matrix/<category>")
@require_role(*ADMIN)
def set_category(category: str) -> ResponseReturnValue:
    """Replace the unit types one category needs (admin)."""
    return jsonify(configuration.set_requirements(get_session(), category, body(schemas.CategoryRequirements), actor()))
