"""Alert endpoints: the phases running over their targets (computed on every request, in any worker),
acknowledging one, and the targets themselves."""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from geo112.dispatch import schemas, timers
from geo112.store.db import database_now
from web.api import ADMIN, DISPATCH, READ, actor, blueprint, body
from web.auth import require_role
from web.db import get_session

bp = blueprint("alerts")


@bp.get("/alerts")
@require_role(*DISPATCH)
def alerts() -> ResponseReturnValue:
    """Every overdue phase now, unacknowledged first, with the database time it was computed at."""
    session = get_session()
    now = database_now(session)
    return jsonify({"at": now.isoformat(), "alerts": timers.overdue(session, now)})


@bp.post("/alerts/acknowledge")
@require_role(*DISPATCH)
def acknowledge() -> ResponseReturnValue:
    """Acknowledge an overdue phase (409 when it is not overdue or was acknowledged already)."""
    data = body(schemas.AlertAcknowledge)
    return jsonify(timers.acknowledge(get_session(), data.incident_id, data.phase, data.assignment_id, actor()))


@bp.get("/phase-targets")
@require_role(*READ)
def phase_targets() -> ResponseReturnValue:
    """How long each phase may take, per category and priority, with the source of each target."""
    return jsonify({"items": timers.targets(get_session())})


@bp.put("/phase-targets")
@require_role(*ADMIN)
def set_phase_target() -> ResponseReturnValue:
    """Set the target of a phase for a category and/or priority (admin)."""
    return jsonify(timers.set_target(get_session(), body(schemas.PhaseTargetSet), actor()))
