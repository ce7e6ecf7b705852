"""Unit endpoints: list, read, status (the state machine), AVL position, move-up; assignments and their links."""

from __future__ import annotations

from typing import Any

from geo112.dispatch import assignments, commissioning, redispatch, responder, schemas, units
from geo112.planning import moveup
from geo112.store.db import database_now
from web.api import ADMIN, DISPATCH, READ, actor, blueprint, paginated
from web.db import get_session, settings
from web.fleet import fleet
from web.incidents import assignment_with_link
from web.params import Ids, Integer, Number, Page, Query

bp = blueprint("units")


class UnitsQuery(Page):
    """Filters of the unit list."""

    type: str | None = None
    status: str | None = None
    agency: str | None = None
    station: Integer(1, 10**9) | None = None  # type: ignore[valid-type]


class DepartureQuery(Query):
    """The units whose departure costs to weigh."""

    units: Ids


class MoveUpQuery(Query):
    """One unit type (default every fielded one) and the share of population below which to relocate."""

    unit_type: str | None = None
    level: Number(0, 1) = None  # type: ignore[valid-type]


def _unit(state: units.UnitState) -> schemas.Unit:
    return units.unit_model(state, settings().avl_stale_s)


@bp.operation("post", "/units", roles=ADMIN, response=schemas.Unit, status=201)
def create(json: schemas.UnitCreate) -> tuple[schemas.Unit, int]:
    """Add a unit, available at a station of its agency (admin; recorded in the audit trail)."""
    unit = commissioning.add_unit(get_session(), json, actor())
    return _unit(units.unit_state(get_session(), unit.id)), 201


@bp.operation("patch", "/units/<int:unit_id>", roles=ADMIN, response=schemas.Unit)
def change(unit_id: int, json: schemas.UnitChange) -> schemas.Unit:
    """Change a unit's call sign, type or home station, whose agency it then belongs to (admin; recorded in the
    audit trail)."""
    commissioning.change_unit(get_session(), unit_id, json, actor())
    return _unit(units.unit_state(get_session(), unit_id))


@bp.operation("get", "/units", roles=READ, response=schemas.UnitPage)
def list_(query: UnitsQuery) -> schemas.UnitPage:
    """List units by call sign; filters ``type``, ``status``, ``agency``, ``station``; paged."""
    session = get_session()
    rows, total = units.list_units(
        session, query.type, query.status, query.agency, query.station, query.limit, query.offset
    )
    now = database_now(session)
    items = [_unit(units.UnitState(u, a, now)) for u, a in rows]
    return schemas.UnitPage(**paginated(items, total, query.limit, query.offset))


@bp.operation("get", "/units/<int:unit_id>", roles=READ, response=schemas.Unit)
def read(unit_id: int) -> schemas.Unit:
    """Read a unit, with its stale flag and allowed transitions."""
    return _unit(units.unit_state(get_session(), unit_id))


@bp.operation("post", "/units/<int:unit_id>/status", roles=DISPATCH, response=schemas.Unit)
def status(unit_id: int, json: schemas.UnitStatusChange) -> schemas.Unit:
    """Change a unit's status through the state machine (409 with ``allowed`` when the transition is not)."""
    return _unit(assignments.change_status(get_session(), unit_id, json.status, actor(), json.note))


@bp.operation("post", "/units/<int:unit_id>/relocate", roles=DISPATCH, response=schemas.Unit)
def relocate(unit_id: int, json: schemas.UnitRelocate) -> schemas.Unit:
    """Order an available unit to another station (move-up): ``relocating``; available again on arrival."""
    return _unit(assignments.relocate(get_session(), unit_id, json.station_id, actor()))


@bp.operation("get", "/units/departure-cost", roles=DISPATCH)
def departure_cost(query: DepartureQuery) -> dict[str, Any]:
    """What sending each of ``?units=`` costs its type's coverage: the population it alone covers now."""
    return {"items": moveup.departure_costs(get_session(), fleet(), query.units)}


@bp.operation("get", "/moveup", roles=DISPATCH)
def move_up(query: MoveUpQuery) -> dict[str, Any]:
    """Coverage per unit type now (``?unit_type=`` for one) and, below the level, relocations that win it back."""
    session, routed = get_session(), fleet()
    codes = [query.unit_type] if query.unit_type else moveup.fielded_types(session)
    level = settings().moveup_level if query.level is None else query.level
    return {"items": [moveup.relocations(session, routed, code, level=level) for code in codes]}


@bp.operation("post", "/units/<int:unit_id>/position", roles=DISPATCH, response=schemas.Unit)
def position(unit_id: int, json: schemas.UnitPosition) -> schemas.Unit:
    """Record an AVL position; every worker's routing rows follow in the background (their fleet listeners)."""
    return _unit(units.move(get_session(), unit_id, json.lon, json.lat, json.at, actor()))


@bp.operation("get", "/assignments/<int:assignment_id>", roles=READ, response=schemas.Assignment)
def assignment(assignment_id: int) -> schemas.Assignment:
    """Read an assignment."""
    return schemas.Assignment.model_validate(assignments.get_assignment(get_session(), assignment_id))


@bp.operation(
    "post", "/assignments/<int:assignment_id>/replace", roles=DISPATCH, response=schemas.AssignmentWithLink, status=201
)
def replace(assignment_id: int, json: schemas.UnitReplace) -> tuple[schemas.AssignmentWithLink, int]:
    """Send the next unit: the assignment's unit, silent, is stood down and the best other unit of its type
    assigned, both or neither (409 ``no_other_unit``: nothing changed, the unit stays)."""
    made = redispatch.replace_unit(get_session(), fleet(), assignment_id, actor(), json.note, settings().avl_stale_s)
    return assignment_with_link(made), 201


@bp.operation("post", "/assignments/<int:assignment_id>/link", roles=DISPATCH, response=schemas.AssignmentWithLink)
def link(assignment_id: int) -> schemas.AssignmentWithLink:
    """Issue a new responder link for an assignment (e.g. when the first one expired or was forwarded wrongly);
    every earlier link of the assignment stops working."""
    assignment = assignments.get_assignment(get_session(), assignment_id, lock=True)
    responder.reissue(get_session(), assignment, actor())
    return assignment_with_link(assignment)
