"""Coverage thresholds per unit type as configuration in the ``coverage_threshold`` table.

The documented defaults of :mod:`geo112.thresholds` are seeded once per unit type; an admin replaces a
type's thresholds through the API. Reading falls back to the defaults for a type with no rows, so
coverage works on a database that was never seeded.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from geo112.audit import record
from geo112.errors import NotFound, Unprocessable
from geo112.models import CoverageThreshold, UnitType
from geo112.thresholds import DEFAULT_THRESHOLDS, Threshold, resolve_thresholds

MAX_MINUTES = 120.0


def seed_thresholds(session: Session) -> int:
    """Insert the default thresholds of every unit type that has none (idempotent).

    A type an admin configured keeps its rows, even if they differ from the defaults.

    Returns
    -------
    int
        Rows inserted.
    """
    types = set(session.scalars(select(UnitType.code)))
    configured = set(session.scalars(select(CoverageThreshold.unit_type_code).distinct()))
    rows = [{"unit_type_code": code, "minutes": t.minutes, "label": t.label, "source": t.source}
            for code, thresholds in DEFAULT_THRESHOLDS.items() if code in types - configured for t in thresholds]
    if rows:
        session.execute(insert(CoverageThreshold).values(rows).on_conflict_do_nothing())
    return len(rows)


def configured_thresholds(session: Session) -> dict[str, tuple[Threshold, ...]]:
    """Return unit type -> thresholds (sorted by minutes): the table's rows, else the defaults."""
    rows = session.scalars(select(CoverageThreshold).order_by(CoverageThreshold.minutes)).all()
    resolved = dict(resolve_thresholds())
    by_type: dict[str, list[Threshold]] = {}
    for row in rows:
        by_type.setdefault(row.unit_type_code, []).append(Threshold(row.minutes, row.label, row.source))
    resolved.update({code: tuple(ts) for code, ts in by_type.items()})
    return resolved


def set_thresholds(session: Session, unit_type: str, minutes: Sequence[float], actor: str) -> tuple[Threshold, ...]:
    """Replace the thresholds of a unit type, audited; a default's minutes keep its label and source.

    Raises
    ------
    NotFound
        For an unknown unit type.
    Unprocessable
        For minutes outside ``(0, 120]`` or an empty or repeated list.
    """
    if session.get(UnitType, unit_type) is None:
        raise NotFound(f"no unit type {unit_type!r}")
    values = sorted(float(m) for m in minutes)
    if not values or len(set(values)) != len(values) or not all(0 < m <= MAX_MINUTES for m in values):
        raise Unprocessable(f"minutes must be distinct numbers in (0, {MAX_MINUTES:g}], got {list(minutes)!r}")
    before = [t.minutes for t in configured_thresholds(session).get(unit_type, ())]
    defaults = {t.minutes: t for t in DEFAULT_THRESHOLDS.get(unit_type, ())}
    new = tuple(defaults.get(t.minutes, t) for t in resolve_thresholds({unit_type: values})[unit_type])
    session.execute(delete(CoverageThreshold).where(CoverageThreshold.unit_type_code == unit_type))
    session.add_all([CoverageThreshold(unit_type_code=unit_type, minutes=t.minutes, label=t.label, source=t.source)
                     for t in new])
    record(session, actor, "coverage_threshold.set", "coverage_threshold", unit_type,
           before={"minutes": before}, after={"minutes": values})
    return new
