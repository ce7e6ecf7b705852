"""Phase timers: the phases running over their targets (overdue alerts, computed on every request in any
worker), acknowledging one, and the targets themselves. (CAP alerts are the exchange with other 112s:
:mod:`web.exchange`.)"""

from __future__ import annotations

from typing import Any

from geo112.dispatch import schemas, timers
from geo112.store.db import database_now
from web.api import ADMIN, DISPATCH, READ, actor, blueprint
from web.db import get_session

bp = blueprint("timers")


@bp.operation("get", "/alerts", roles=DISPATCH)
def alerts() -> dict[str, Any]:
    """Phases running over their targets now, unacknowledged first, with the database time they were computed at."""
    session = get_session()
    now = database_now(session)
    return {"at": now.isoformat(), "alerts": timers.overdue(session, now)}


@bp.operation("post", "/alerts/acknowledge", roles=DISPATCH)
def acknowledge(json: schemas.AlertAcknowledge) -> dict[str, Any]:
    """Acknowledge an overdue phase (409 when it is not overdue or was acknowledged already)."""
    return timers.acknowledge(get_session(), json.incident_id, json.phase, json.assignment_id, actor())


@bp.operation("get", "/phase-targets", roles=READ)
def phase_targets() -> dict[str, Any]:
    """How long each phase may take, per category and priority, with the source of each target."""
    return {"items": timers.targets(get_session())}


@bp.operation("put", "/phase-targets", roles=ADMIN)
def set_phase_target(json: schemas.PhaseTargetSet) -> dict[str, Any]:
    """Set the target of a phase for a category and/or priority (admin)."""
    return timers.set_target(get_session(), json, actor())
