"""Configuration endpoints: stations (and their position corrections), agencies, unit types, the matrix."""

from __future__ import annotations

from typing import Any

from geo112.dispatch import configuration, schemas
from geo112.store.models import Agency, UnitType
from web.api import ADMIN, PLAN, READ, actor, blueprint, paginated
from web.db import get_session, settings
from web.params import Page

bp = blueprint("config_api")


class StationsQuery(Page):
    """Filters of the station list."""

    agency: str | None = None
    kind: str | None = None


@bp.operation("get", "/stations", roles=READ, response=schemas.StationPage)
def stations(query: StationsQuery) -> schemas.StationPage:
    """List stations by code; filters ``agency``, ``kind``; paged."""
    rows, total = configuration.list_stations(get_session(), query.agency, query.kind, query.limit, query.offset)
    items = [schemas.Station.model_validate(s) for s in rows]
    return schemas.StationPage(**paginated(items, total, query.limit, query.offset))


@bp.operation("get", "/stations/<int:station_id>", roles=READ, response=schemas.Station)
def station(station_id: int) -> schemas.Station:
    """Read a station, with the precision of its position."""
    return schemas.Station.model_validate(configuration.get_station(get_session(), station_id))


@bp.operation("post", "/stations", roles=ADMIN, response=schemas.Station, status=201)
def create_station(json: schemas.StationCreate) -> tuple[schemas.Station, int]:
    """Add a station of an agency at a position (admin)."""
    row = configuration.create_station(get_session(), json, actor(), settings().sliver_tolerance_m)
    return schemas.Station.model_validate(row), 201


@bp.operation("patch", "/stations/<int:station_id>", roles=ADMIN, response=schemas.Station)
def update_station(station_id: int, json: schemas.StationChange) -> schemas.Station:
    """Change a station's name, agency, kind, status, address, phone or note (admin; its units follow a new
    agency)."""
    return schemas.Station.model_validate(configuration.update_station(get_session(), station_id, json, actor()))


@bp.operation("put", "/stations/<int:station_id>/position", roles=PLAN, response=schemas.Station)
def station_position(station_id: int, json: schemas.StationPosition) -> schemas.Station:
    """Correct a station's position (planner or admin)."""
    row = configuration.correct_station(get_session(), station_id, json, actor(), settings().sliver_tolerance_m)
    return schemas.Station.model_validate(row)


@bp.operation("get", "/agencies", roles=READ)
def agencies() -> dict[str, Any]:
    """List agencies (code and name)."""
    return {"items": configuration.list_agencies(get_session())}


@bp.operation("post", "/agencies", roles=ADMIN, response=schemas.Agency, status=201)
def create_agency(json: schemas.AgencyCreate) -> tuple[schemas.Agency, int]:
    """Add an agency (admin)."""
    agency = configuration.add_coded(get_session(), Agency, json, actor())
    return schemas.Agency.model_validate(agency), 201


@bp.operation("patch", "/agencies/<code>", roles=ADMIN, response=schemas.Agency)
def update_agency(code: str, json: schemas.AgencyChange) -> schemas.Agency:
    """Rename an agency (admin)."""
    agency = configuration.change_coded(get_session(), Agency, code, json, actor())
    return schemas.Agency.model_validate(agency)


@bp.operation("get", "/unit-types", roles=READ, response=schemas.UnitTypes)
def unit_types() -> schemas.UnitTypes:
    """List unit types, by code."""
    rows = configuration.list_unit_types(get_session())
    return schemas.UnitTypes(items=[schemas.UnitType.model_validate(t) for t in rows])


@bp.operation("post", "/unit-types", roles=ADMIN, response=schemas.UnitType, status=201)
def create_unit_type(json: schemas.UnitTypeCreate) -> tuple[schemas.UnitType, int]:
    """Add a unit type (admin)."""
    return schemas.UnitType.model_validate(configuration.add_coded(get_session(), UnitType, json, actor())), 201


@bp.operation("patch", "/unit-types/<code>", roles=ADMIN, response=schemas.UnitType)
def update_unit_type(code: str, json: schemas.UnitTypeUpdate) -> schemas.UnitType:
    """Change a unit type (admin)."""
    return schemas.UnitType.model_validate(configuration.change_coded(get_session(), UnitType, code, json, actor()))


@bp.operation("get", "/category-matrix", roles=READ)
def category_matrix() -> dict[str, Any]:
    """Categories and the unit types each needs."""
    return {"items": configuration.matrix(get_session())}


@bp.operation("patch", "/categories/<category>", roles=ADMIN)
def set_category_rules(category: str, json: schemas.CategoryRules) -> dict[str, Any]:
    """Change a category's duplicate radius and window (admin)."""
    return configuration.set_category_rules(get_session(), category, json, actor())


@bp.operation("put", "/category-matrix/<category>", roles=ADMIN)
def set_category(category: str, json: schemas.CategoryRequirements) -> dict[str, Any]:
    """Set the unit types a category needs (admin; replaces the category's row of the matrix)."""
    return configuration.set_requirements(get_session(), category, json, actor())
