"""Timers: the phases of open incidents and their units that run over their target, as alerts.

Targets are rows of ``phase_target`` (migration 0010): seconds per phase for a category and/or a priority,
the most specific row winning. An alert is never stored: :func:`overdue` computes them from the phase
timestamps and the targets at the time asked (the database clock, or ``now`` in tests), so every worker,
after any restart, shows the same alerts. Acknowledging one (:func:`acknowledge`) records who saw it, in
``alert_ack`` and the audit trail; it stays in the list, marked, until the phase is done.

Phases: ``dispatch`` (call → first unit sent), ``on_scene`` (call → first unit on scene) and
``on_scene_time`` (first on scene → cleared) per incident; ``acknowledge`` (sent → *Terima tugas*) and
``en_route`` (sent → on its way, once acknowledged) per assignment. Incidents handed to another 112 have no
dispatch or on-scene timer here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from geo112.dispatch import schemas
from geo112.dispatch.incidents import get_incident
from geo112.errors import Conflict, Unprocessable
from geo112.store import audit
from geo112.store.models import AlertAck, IncidentCategory, PhaseTarget

_TARGET_FIELDS = ("id", "phase", "category_code", "priority", "seconds", "source")

_OVERDUE = text("""
    WITH clock AS (SELECT coalesce(CAST(:now AS timestamptz), now()) AS t),
    running AS (
        SELECT i.id AS incident_id, NULL::int AS assignment_id, NULL::int AS unit_id, 'dispatch' AS phase,
               i.received_at AS started_at, i.category_code, i.priority
          FROM incident i WHERE i.status = 'open' AND i.handoff IS NULL AND i.dispatched_at IS NULL
        UNION ALL
        SELECT i.id, NULL, NULL, 'on_scene', i.received_at, i.category_code, i.priority
          FROM incident i
         WHERE i.status = 'open' AND i.handoff IS NULL AND i.dispatched_at IS NOT NULL AND i.on_scene_at IS NULL
        UNION ALL
        SELECT i.id, NULL, NULL, 'on_scene_time', i.on_scene_at, i.category_code, i.priority
          FROM incident i WHERE i.status = 'open' AND i.on_scene_at IS NOT NULL AND i.cleared_at IS NULL
        UNION ALL
        SELECT a.incident_id, a.id, a.unit_id,
               CASE WHEN a.acknowledged_at IS NULL THEN 'acknowledge' ELSE 'en_route' END,
               a.assigned_at, i.category_code, i.priority
          FROM assignment a JOIN incident i ON i.id = a.incident_id
         WHERE a.ended_at IS NULL AND a.en_route_at IS NULL AND a.on_scene_at IS NULL AND i.status = 'open'
    )
    SELECT r.incident_id, r.assignment_id, r.unit_id, u.call_sign, u.unit_type_code AS unit_type, r.phase,
           r.started_at, r.category_code AS category, r.priority, target.seconds AS target_s,
           extract(epoch FROM clock.t - r.started_at) AS elapsed_s, k.acknowledged_by, k.acknowledged_at
      FROM running r CROSS JOIN clock
      CROSS JOIN LATERAL (
          SELECT t.seconds FROM phase_target t
           WHERE t.phase = r.phase AND (t.category_code IS NULL OR t.category_code = r.category_code)
             AND (t.priority IS NULL OR t.priority = r.priority)
           ORDER BY t.category_code IS NULL, t.priority IS NULL LIMIT 1
      ) target
      LEFT JOIN alert_ack k ON k.incident_id = r.incident_id AND k.phase = r.phase
                           AND coalesce(k.assignment_id, 0) = coalesce(r.assignment_id, 0)
      LEFT JOIN unit u ON u.id = r.unit_id
     WHERE clock.t - r.started_at > target.seconds * interval '1 second'
       AND (CAST(:incident_id AS int) IS NULL OR r.incident_id = :incident_id)
     ORDER BY k.id IS NOT NULL, r.priority, extract(epoch FROM clock.t - r.started_at) - target.seconds DESC
""")


def overdue(session: Session, now: datetime | None = None, incident_id: int | None = None) -> list[dict[str, Any]]:
    """The phases running over their target at ``now`` (default the database clock), unacknowledged first,
    then by priority, then by how far over.

    Returns
    -------
    list of dict
        ``incident_id``, ``assignment_id``/``unit_id``/``call_sign``/``unit_type`` (None for incident phases),
        ``phase``, ``started_at``, ``category``, ``priority``, ``target_s``, ``elapsed_s``, ``over_s``,
        ``acknowledged_by``/``acknowledged_at`` (None until acknowledged).
    """
    rows = session.execute(_OVERDUE, {"now": now, "incident_id": incident_id})
    return [
        row._asdict()
        | {
            "elapsed_s": round(float(row.elapsed_s), 1),
            "over_s": round(float(row.elapsed_s) - row.target_s, 1),
            "started_at": audit.jsonable(row.started_at),
            "acknowledged_at": audit.jsonable(row.acknowledged_at),
        }
        for row in rows
    ]


def acknowledge(
    session: Session, incident_id: int, phase: str, assignment_id: int | None, actor: str, now: datetime | None = None
) -> dict[str, Any]:
    """Record that ``actor`` saw this alert (``alert.acknowledged``); returns the alert.

    Raises
    ------
    NotFound
        For an unknown incident.
    Conflict
        When the phase is not running over (done meanwhile, or not late yet), or was acknowledged already.
    """
    get_incident(session, incident_id)
    alert = next(
        (a for a in overdue(session, now, incident_id) if (a["phase"], a["assignment_id"]) == (phase, assignment_id)),
        None,
    )
    if alert is None:
        raise Conflict(f"no overdue {phase} alert on incident {incident_id}: the phase is done or not late")
    if alert["acknowledged_by"] is not None:
        raise Conflict(f"acknowledged already by {alert['acknowledged_by']}", acknowledged_by=alert["acknowledged_by"])
    row = session.execute(
        insert(AlertAck).values(incident_id=incident_id, assignment_id=assignment_id, phase=phase,
                                acknowledged_by=actor).on_conflict_do_nothing().returning(AlertAck.acknowledged_at)
    ).first()  # fmt: skip
    if row is None:  # another dispatcher, a moment earlier
        raise Conflict("acknowledged already by another dispatcher")
    after = {"phase": phase, "assignment_id": assignment_id, "unit_id": alert["unit_id"], "over_s": alert["over_s"]}
    audit.record(session, actor, "alert.acknowledged", "incident", incident_id, None, after,
                 incident_id=incident_id, unit_id=alert["unit_id"])  # fmt: skip
    return alert | {"acknowledged_by": actor, "acknowledged_at": audit.jsonable(row.acknowledged_at)}


def targets(session: Session) -> list[dict[str, Any]]:
    """Every phase target, by phase, category and priority (NULL: all)."""
    rows = session.scalars(
        select(PhaseTarget).order_by(PhaseTarget.phase, PhaseTarget.category_code.nulls_first(),
                                     PhaseTarget.priority.nulls_first())
    )  # fmt: skip
    return [audit.snapshot(t, _TARGET_FIELDS) for t in rows]


def set_target(session: Session, data: schemas.PhaseTargetSet, actor: str) -> dict[str, Any]:
    """Set (add or replace) the target of a phase for a category and/or priority (``config.phase_target``).

    Raises
    ------
    Unprocessable
        For an unknown category.
    """
    if data.category is not None and session.get(IncidentCategory, data.category) is None:
        raise Unprocessable(f"unknown category {data.category!r}")
    same = (PhaseTarget.phase == data.phase, PhaseTarget.category_code.is_not_distinct_from(data.category),
            PhaseTarget.priority.is_not_distinct_from(data.priority))  # fmt: skip
    row = session.scalar(select(PhaseTarget).where(*same).with_for_update())
    before = None if row is None else audit.snapshot(row, _TARGET_FIELDS)
    if row is None:
        row = PhaseTarget(phase=data.phase, category_code=data.category, priority=data.priority)
        session.add(row)
    row.seconds, row.source = data.seconds, data.source
    session.flush()
    after = audit.snapshot(row, _TARGET_FIELDS)
    audit.record(session, actor, "config.phase_target", "phase_target", row.id, before, after)
    return after
