"""The busy fraction measured from the incident history, and its use as the coverage default."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from geo112.planning import busy
from geo112.planning.coverage import service as cs
from geo112.store.models import Assignment, Incident, Unit, UnitType

#: End of the hand-made history: the last assignment ends here.
STOP = datetime(2024, 6, 30, 12, tzinfo=UTC)


@pytest.fixture
def history(db: Session) -> Callable[..., None]:
    """An empty history (rolled back) and a function adding an assignment of a new incident or a given one."""
    db.execute(delete(Assignment))  # other tests' committed assignments would move the window

    def assign(
        unit: Unit, start: datetime, end: datetime | None, incident: Incident | None = None, synthetic: bool = False
    ) -> Incident:
        if incident is None:
            incident = Incident(
                category_code="medis",
                priority=1,
                geom="SRID=4326;POINT(112.56 -7.518)",
                location_match="inside",
                created_by="tester",
                synthetic=synthetic,
            )
            db.add(incident)
            db.flush()
        db.add(
            Assignment(
                incident_id=incident.id,
                unit_id=unit.id,
                assigned_by="tester",
                assigned_at=start,
                ended_at=end,
                end_reason=end and "cleared",
            )
        )
        db.flush()
        return incident

    return assign


@pytest.fixture
def pair(db: Session, make_unit: Callable[..., Unit]) -> tuple[Unit, Unit]:
    """Two units of a unit type of their own, so the demo fleet does not enter the counts."""
    db.add(UnitType(code="busy_test", name="Busy test", speed_factor=1.0))
    db.flush()
    return make_unit("busy_test"), make_unit("busy_test")


def test_measured_fraction_equals_the_hand_computation(db: Session, history, pair) -> None:
    a, b = pair
    day = timedelta(days=1)
    history(a, STOP - 400 * day, STOP - 399 * day)  # before the 365-day window: left out
    history(b, STOP - 366 * day, STOP - 363 * day)  # 2 of its 3 days are in the window
    both = history(a, STOP - 100 * day, STOP - 70 * day)  # 30 days
    history(b, STOP - 90 * day, STOP - 80 * day, both)  # 10 days, same incident
    history(a, STOP - 31 * day, STOP)  # 31 days, ends the history
    history(b, STOP - day, None)  # still assigned: not history yet
    history(a, STOP - 50 * day, STOP - 40 * day, synthetic=True)  # 10 days, synthetic only

    measured = busy.measure(db, "busy_test")
    # (2 + 30 + 10 + 31) busy days over 2 units × 365 days.
    assert measured.value == pytest.approx(73 / (2 * 365), abs=1e-4)
    assert (measured.basis, measured.incidents, measured.assignments, measured.units) == ("measured", 3, 4, 2)
    assert (measured.window_start, measured.window_end, measured.synthetic) == (STOP - 365 * day, STOP, False)
    assert "measured from 3 real incidents" in measured.note
    # A 30-day window holds 30 days of the last assignment.
    assert busy.measure(db, "busy_test", days=30).value == pytest.approx(30 / (2 * 30), abs=1e-4)
    # The synthetic history is its own window: one unit busy for all of its 10 days.
    synthetic = busy.measure(db, "busy_test", synthetic=True)
    assert (synthetic.value, synthetic.incidents, synthetic.synthetic) == (0.5, 1, True)


def test_fraction_is_clipped(db: Session, history, pair) -> None:
    a, _ = pair
    for _ in range(3):  # three overlapping assignments of one unit: 1.5 units busy all the time
        history(a, STOP - timedelta(days=10), STOP)
    assert busy.measure(db, "busy_test").value == busy.MAX_BUSY_FRACTION


def test_synthetic_history_is_used_only_without_real_history(db: Session, history, pair) -> None:
    a, b = pair
    history(a, STOP - timedelta(days=4), STOP, synthetic=True)
    measured = busy.measure(db, "busy_test")
    assert (measured.value, measured.synthetic) == (0.5, True) and "synthetic incidents" in measured.note
    history(b, STOP - timedelta(days=2), STOP)
    assert busy.measure(db, "busy_test").synthetic is False
    assert busy.measure(db, "busy_test", synthetic=False).value == 0.5


def test_without_history_the_default_is_used(db: Session, fleet, history) -> None:
    default = busy.measure(db, "ambulance")
    assert (default.value, default.basis, default.note) == (0.2, "default", "default 0.2: no incident history")
    cov = cs.coverage_of(db, fleet, "ambulance", 8, "stations")
    assert cov.busy == default and cs.parameters(cov)["busy_basis"] == "default"
    given = cs.coverage_of(db, fleet, "ambulance", 8, "stations", busy=0.2)
    # Same numbers, but the answer states another basis: a cached result must not be reused.
    assert given.busy.basis == "given" and given.key != cov.key
    assert cs.totals(given) == cs.totals(cov)


def test_a_type_without_assignments_gets_the_default(db: Session, history, pair) -> None:
    history(pair[0], STOP - timedelta(days=4), STOP)
    default = busy.measure(db, "ambulance")
    assert default.basis == "default" and "no real assignment of a ambulance" in default.note
