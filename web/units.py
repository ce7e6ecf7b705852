"""Unit endpoints: list, read, status (the state machine), AVL position; assignments and their links."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from geo112.dispatch import assignments, responder, schemas, units
from geo112.planning import moveup
from geo112.store.db import database_now
from web.api import DISPATCH, READ, actor, blueprint, body, page, paginated
from web.auth import require_role
from web.db import get_session, settings
from web.engine import fleet
from web.incidents import assignment_with_link
from web.params import float_arg, ids_arg, int_arg

bp = blueprint("units")


def _unit_json(state: units.UnitState) -> dict[str, Any]:
    return units.unit_dict(state.unit, state.now, settings().avl_stale_s, state.assignment)


@bp.get("/units")
@require_role(*READ)
def list_() -> ResponseReturnValue:
    """Units by call sign; filters ``type``, ``status``, ``agency``, ``station``; paged."""
    limit, offset = page()
    station = int_arg("station", 0, 1, 10**9) if "station" in request.args else None
    session = get_session()
    rows, total = units.list_units(
        session,
        request.args.get("type"),
        request.args.get("status"),
        request.args.get("agency"),
        station,
        limit,
        offset,
    )
    now = database_now(session)
    items = [units.unit_dict(u, now, settings().avl_stale_s, a) for u, a in rows]
    return jsonify(paginated(items, total, limit, offset))


@bp.get("/units/<int:unit_id>")
@require_role(*READ)
def read(unit_id: int) -> ResponseReturnValue:
    """One unit, with its stale flag and allowed transitions."""
    return jsonify(_unit_json(units.unit_state(get_session(), unit_id)))


@bp.post("/units/<int:unit_id>/status")
@require_role(*DISPATCH)
def status(unit_id: int) -> ResponseReturnValue:
    """Move a unit through the state machine (409 with ``allowed`` when the transition is not)."""
    data = body(schemas.UnitStatusChange)
    return jsonify(_unit_json(assignments.change_status(get_session(), unit_id, data.status, actor(), data.note)))


@bp.post("/units/<int:unit_id>/relocate")
@require_role(*DISPATCH)
def relocate(unit_id: int) -> ResponseReturnValue:
    """Order an available unit to another station (``relocating``; available again on arrival)."""
    data = body(schemas.UnitRelocate)
    return jsonify(_unit_json(assignments.relocate(get_session(), unit_id, data.station_id, actor())))


@bp.get("/units/departure-cost")
@require_role(*DISPATCH)
def departure_cost() -> ResponseReturnValue:
    """What sending each of ``?units=`` costs its type's coverage: the population it alone covers now."""
    return jsonify({"items": moveup.departure_costs(get_session(), fleet(), ids_arg("units"))})


@bp.get("/moveup")
@require_role(*DISPATCH)
def move_up() -> ResponseReturnValue:
    """Per unit type (``?unit_type=`` for one): coverage now and, below the level, relocations that win it back."""
    session, routed = get_session(), fleet()
    wanted = request.args.get("unit_type")
    codes = [wanted] if wanted else moveup.fielded_types(session)
    level = float_arg("level", settings().moveup_level, 0, 1)
    return jsonify({"items": [moveup.relocations(session, routed, code, level=level) for code in codes]})


@bp.post("/units/<int:unit_id>/position")
@require_role(*DISPATCH)
def position(unit_id: int) -> ResponseReturnValue:
    """Record an AVL fix; every worker's routing rows follow in the background (their fleet listeners)."""
    data = body(schemas.UnitPosition)
    return jsonify(_unit_json(units.move(get_session(), unit_id, data.lon, data.lat, data.at, actor())))


@bp.get("/assignments/<int:assignment_id>")
@require_role(*READ)
def assignment(assignment_id: int) -> ResponseReturnValue:
    """One assignment."""
    return jsonify(assignments.assignment_dict(assignments.get_assignment(get_session(), assignment_id)))


@bp.post("/assignments/<int:assignment_id>/link")
@require_role(*DISPATCH)
def link(assignment_id: int) -> ResponseReturnValue:
    """A new responder link for an assignment (e.g. when the first one expired or was forwarded wrongly); every
    earlier link of the assignment stops working."""
    assignment = assignments.get_assignment(get_session(), assignment_id, lock=True)
    responder.reissue(get_session(), assignment, actor())
    return jsonify(assignment_with_link(assignment))
