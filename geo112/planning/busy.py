"""The MEXCLP busy fraction q of a unit type, measured from the incident history.

Daskin's expected coverage (docs/coverage.md, MEXCLP) needs the probability that a unit is busy. Here it
is the share of time the units of a type spent on incidents over a window of the history:

    q = (seconds of assignments of the type's units, assigned → ended, inside the window)
        / (number of units of the type × seconds of the window)

clipped to ``[0, MAX_BUSY_FRACTION]``. The window is the last ``days`` of the history (or all of it when
shorter), ending at the last assignment that ended: ongoing assignments are left out, so q changes only
when an assignment ends and the coverage cache (whose key holds q) stays valid between such events.

Synthetic history (``incident.synthetic``) is used only when asked for, or by default when there is no
real history at all; the result says which. Without history of the type, the documented default is used.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from geo112.errors import InvalidInput
from geo112.store import audit
from geo112.store.models import Assignment, Incident, Unit

#: Busy fraction used when the history cannot measure one (Daskin's examples use values of this order).
DEFAULT_BUSY_FRACTION = 0.2
#: Upper clip: a measured q near 1 would make expected coverage vanish from one overloaded period.
MAX_BUSY_FRACTION = 0.95
#: Default window: the last year of the history, so a seasonal peak counts once.
WINDOW_DAYS = 365.0


@dataclass(frozen=True)
class BusyFraction:
    """A busy fraction and its basis: ``measured`` from the history, the ``default``, or ``given``."""

    value: float
    basis: str
    note: str
    incidents: int = 0
    assignments: int = 0
    units: int = 0
    window_start: datetime | None = None
    window_end: datetime | None = None
    synthetic: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        """The fraction and its basis as JSON-safe data."""
        return {k: audit.jsonable(v) for k, v in asdict(self).items()}


def check_busy(busy: float) -> float:
    """Validate a busy fraction: a number in ``[0, 1)``."""
    if not (isinstance(busy, (int, float)) and 0 <= busy < 1):
        raise InvalidInput(f"busy must be a number in [0, 1), got {busy!r}")
    return float(busy)


def given(busy: float) -> BusyFraction:
    """A busy fraction set by the caller (e.g. ``?busy=``), validated."""
    return BusyFraction(check_busy(busy), "given", "set by the request")


def _default(why: str, **found: Any) -> BusyFraction:
    return BusyFraction(DEFAULT_BUSY_FRACTION, "default", f"default {DEFAULT_BUSY_FRACTION:g}: {why}", **found)


# Busy seconds of the type's units inside [start, stop], and the incidents they served.
_BUSY_TIME = text("""
    SELECT count(DISTINCT a.incident_id), count(*),
           coalesce(sum(extract(epoch FROM least(a.ended_at, :stop) - greatest(a.assigned_at, :start))), 0)
    FROM assignment a JOIN incident i ON i.id = a.incident_id JOIN unit u ON u.id = a.unit_id
    WHERE u.unit_type_code = :type AND i.synthetic = :synthetic
      AND a.ended_at > :start AND a.assigned_at < :stop AND a.ended_at > a.assigned_at
""")


def measure(session: Session, unit_type: str, days: float = WINDOW_DAYS, synthetic: bool | None = None) -> BusyFraction:
    """Estimate the busy fraction of a unit type from the assignments of the incident history.

    Parameters
    ----------
    session
        Session on the database.
    unit_type
        Unit type code.
    days
        Length of the window, ending at the last ended assignment of the history; a shorter history is
        used whole.
    synthetic
        Use the synthetic history (``True``) or the real one (``False``); ``None`` uses the real history
        when it has any ended assignment, else the synthetic one.

    Returns
    -------
    BusyFraction
        Basis ``measured`` (with the incidents, assignments, units and window it comes from), or
        ``default`` with the reason when the history has no ended assignment of the type or the type no unit.
    """
    if not days > 0:
        raise InvalidInput(f"days must be positive, got {days!r}")
    ended = (
        select(func.min(Assignment.assigned_at), func.max(Assignment.ended_at))
        .join(Incident, Incident.id == Assignment.incident_id)
        .where(Assignment.ended_at.is_not(None))
    )
    chosen = synthetic
    if synthetic is None:
        synthetic = session.execute(ended.where(~Incident.synthetic)).one()[1] is None
    first, stop = session.execute(ended.where(Incident.synthetic == synthetic)).one()
    kind = "synthetic" if synthetic else "real"
    units = session.scalar(select(func.count()).select_from(Unit).where(Unit.unit_type_code == unit_type)) or 0
    if stop is None or stop <= first:
        return _default(f"no {'' if chosen is None else kind + ' '}incident history", units=units, synthetic=synthetic)
    start = max(first, stop - timedelta(days=days))
    incidents, assignments, seconds = session.execute(
        _BUSY_TIME, {"type": unit_type, "synthetic": synthetic, "start": start, "stop": stop}
    ).one()
    window = {"units": units, "window_start": start, "window_end": stop, "synthetic": synthetic}
    if not units:
        return _default(f"no unit of type {unit_type}", **window)
    if not assignments:
        return _default(f"no {kind} assignment of a {unit_type} from {start:%Y-%m-%d} to {stop:%Y-%m-%d}", **window)
    span = (stop - start).total_seconds()
    value = min(max(float(seconds) / (units * span), 0.0), MAX_BUSY_FRACTION)
    note = (
        f"measured from {incidents} {kind} incidents ({assignments} assignments) of {units} units, "
        f"{start:%Y-%m-%d} to {stop:%Y-%m-%d} ({span / 86400:.0f} days)"
    )
    return BusyFraction(round(value, 4), "measured", note, incidents, assignments, units, start, stop, bool(synthetic))
