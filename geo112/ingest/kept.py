"""What loading the region pack again keeps: the fields of its agencies, stations and units an admin changed.

Why: ``geo112 data load`` runs again at every upgrade (and ``scripts/demo.sh`` at every start). The pack knows
what the sources said; the admin pages record what the call centre knows better (a station's new phone, an
ambulance's real call sign, a unit moved to another post). The audit trail holds each such change with its
before and after, so a load reads which fields an admin set and writes the pack's values to the others only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import InstrumentedAttribute, Session

#: The audit actions of the admins' changes, per entity (geo112.dispatch.configuration and .commissioning).
ADMIN_ACTIONS = {
    "agency": ("config.agency.updated",),
    "station": ("config.station.updated", "config.station.position"),
    "unit": ("unit.updated",),
}

_CHANGED = text("""
    SELECT e.entity_id, k.field, (array_agg(e.before -> k.field ORDER BY e.id))[1] AS first
      FROM event e CROSS JOIN LATERAL jsonb_object_keys(e.after) AS k(field)
     WHERE e.entity = :entity AND e.action = ANY(:actions) AND e.before -> k.field IS DISTINCT FROM e.after -> k.field
  GROUP BY e.entity_id, k.field
""")


def admin_changes(session: Session, entity: str) -> dict[str, dict[str, Any]]:
    """Per row of ``entity`` (``agency``, ``station`` or ``unit``, by its audit key: the code or the id), each
    field an admin changed, with the value it had before the first change (what a load had written)."""
    changed: dict[str, dict[str, Any]] = {}
    for key, field, first in session.execute(_CHANGED, {"entity": entity, "actions": list(ADMIN_ACTIONS[entity])}):
        changed.setdefault(key, {})[field] = first
    return changed


def edited_rows(session: Session, entity: str, key: InstrumentedAttribute[Any]) -> list[tuple[Any, dict[str, Any]]]:
    """The rows of ``entity`` an admin changed, each with its fields of :func:`admin_changes`; ``key`` is the
    column the audit trail names the rows by (``Station.id``, ``Agency.code``)."""
    changed = admin_changes(session, entity)
    cast = key.type.python_type
    rows = session.scalars(select(key.class_).where(key.in_([cast(k) for k in changed])))
    return [(row, changed[str(getattr(row, key.key))]) for row in rows]


def keep(values: dict[str, Any], row: Any, fields: dict[str, Any]) -> dict[str, Any]:
    """``values`` to write, with the admin's ``fields`` taken from the row as it is now."""
    return values | {f: getattr(row, f) for f in fields if f in values}
