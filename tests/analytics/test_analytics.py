"""Analytics on the real database: counts, intervals against numpy, compliance on hand-made incidents, heat map."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import numpy as np
import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from geo112.analytics import figures as analytics
from geo112.analytics.figures import Filters
from geo112.config import WIB
from geo112.errors import InvalidInput, Unprocessable
from geo112.planning.thresholds import Threshold
from geo112.store.models import Assignment, Incident, Unit
from tests.analytics.conftest import END, START, N

#: The synthetic history's period: incidents recorded by other tests (now, or in 2030) fall outside it.
ALL = Filters(
    since=datetime.combine(START, time(), WIB), until=datetime.combine(END, time(), WIB), include_synthetic=True
)
REAL = replace(ALL, include_synthetic=False)
#: Hand-made incidents live in 2030, far from the synthetic history (2025).
T0 = datetime(2030, 3, 1, 8, 0, tzinfo=WIB)
IN_2030 = Filters(since=T0 - timedelta(days=1), until=T0 + timedelta(days=1))


@pytest.fixture
def db(history, session: Session) -> Session:
    """A rolled-back session on the database holding the committed history."""
    return session


@pytest.mark.parametrize("by", analytics.COUNT_BY)
def test_counts_add_up_and_leave_synthetic_out_by_default(db: Session, by: str) -> None:
    rows = analytics.counts(db, by, ALL)
    assert sum(r["count"] for r in rows) == N and all(r["synthetic"] == r["count"] for r in rows)
    assert [r["count"] for r in rows] == sorted((r["count"] for r in rows), reverse=True)
    assert analytics.counts(db, by, REAL) == []
    expected = db.scalar(
        text(f"SELECT count(*) FROM incident WHERE synthetic AND {'category' if by == 'category' else by}_code = :c"),
        {"c": rows[0]["code"]},
    )
    assert rows[0]["count"] == expected


def test_period_and_category_filters(db: Session) -> None:
    since, until = datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 4, 1, tzinfo=UTC)
    expected = db.scalar(
        text(
            "SELECT count(*) FROM incident WHERE synthetic AND category_code = 'medis' "
            "AND received_at >= :a AND received_at < :b"
        ),
        {"a": since, "b": until},
    )
    chosen = Filters(since, until, "medis", include_synthetic=True)
    assert sum(r["count"] for r in analytics.counts(db, "kecamatan", chosen)) == expected > 0
    summary = analytics.summary(db, chosen)
    assert summary["incidents"] == summary["synthetic"] == expected and summary["synthetic_included"]
    hidden = analytics.summary(db, Filters(since, until, "medis"))
    assert hidden["incidents"] == 0 and hidden["synthetic_available"] == expected and not hidden["synthetic_included"]
    with pytest.raises(Unprocessable, match="unknown category"):
        Filters(category="meteor").checked(db)
    with pytest.raises(InvalidInput, match="empty"):
        Filters(since=until, until=since).checked(db)


def test_intervals_equal_numpy_on_the_same_rows(db: Session) -> None:
    rows = db.execute(
        text(
            "SELECT category_code, received_at, dispatched_at, en_route_at, on_scene_at, "
            "cleared_at, closed_at FROM incident WHERE synthetic"
        )
    ).all()
    at = {
        p: [getattr(r, f"{p}_at") for r in rows]
        for p in ("received", "dispatched", "en_route", "on_scene", "cleared", "closed")
    }
    result = {r["interval"]: r for r in analytics.intervals(db, ALL)}
    assert list(result) == [name for name, _, _ in analytics.INTERVALS]
    for name, a, b in analytics.INTERVALS:
        x = np.array([(tb - ta).total_seconds() for ta, tb in zip(at[a], at[b]) if ta and tb])
        got = result[name]
        assert got["n"] == len(x) > 0
        assert got["median_s"] == pytest.approx(np.percentile(x, 50), abs=0.05)
        assert got["p90_s"] == pytest.approx(np.percentile(x, 90), abs=0.05)
        assert got["mean_s"] == pytest.approx(x.mean(), abs=0.05)
    fires = [r for r in analytics.intervals(db, ALL, by="category") if r["group"] == "kebakaran"]
    x = np.array(
        [
            (b - a).total_seconds()
            for c, a, b in zip((r[0] for r in rows), at["received"], at["on_scene"])
            if c == "kebakaran" and b
        ]
    )
    response = next(r for r in fires if r["interval"] == "response")
    assert response["p90_s"] == pytest.approx(np.percentile(x, 90), abs=0.05)
    with pytest.raises(InvalidInput):
        analytics.intervals(db, ALL, by="weather")


def _incident(db: Session, received: datetime, arrivals: list[tuple[int, float | None, float | None]]) -> None:
    """A closed real incident; ``arrivals`` = (unit, seconds to en route, seconds to on scene) after receipt."""
    incident = Incident(
        category_code="kebakaran",
        priority=1,
        geom="SRID=4326;POINT(112.56 -7.52)",
        location_match="inside",
        status="closed",
        received_at=received,
        closed_at=received + timedelta(hours=2),
        disposition="handled",
        created_by="tester",
    )
    db.add(incident)
    db.flush()
    for unit_id, en_route, on_scene in arrivals:
        db.add(
            Assignment(
                incident_id=incident.id,
                unit_id=unit_id,
                assigned_by="tester",
                assigned_at=received,
                en_route_at=received + timedelta(seconds=en_route) if en_route is not None else None,
                on_scene_at=received + timedelta(seconds=on_scene) if on_scene is not None else None,
                ended_at=received + timedelta(hours=1),
                end_reason="cleared",
            )
        )
    db.flush()


def test_compliance_counts_first_arrivals_on_hand_made_incidents(db: Session) -> None:
    ambulances = db.scalars(select(Unit.id).where(Unit.unit_type_code == "ambulance").order_by(Unit.id).limit(2)).all()
    truck = db.scalar(select(Unit.id).where(Unit.unit_type_code == "fire_truck"))
    # A: ambulance travels 400 s (response 460 s). B: the first ambulance on scene travelled 700 s (response
    # 760 s) although the other had driven less; the truck travels 1000 s. C: no ambulance reached the scene.
    _incident(db, T0, [(ambulances[0], 60, 460)])
    _incident(db, T0 + timedelta(hours=1), [(ambulances[1], 60, 760), (ambulances[0], 500, 900), (truck, 120, 1120)])
    _incident(db, T0 + timedelta(hours=2), [(ambulances[0], 60, None)])
    chosen = {
        "ambulance": (Threshold(8, "8", "s"), Threshold(15, "15", "s")),
        "fire_truck": (Threshold(15, "15", "s"),),
        "rescue": (Threshold(15, "15", "s"),),
    }
    rows = {(r["unit_type"], r["minutes"]): r for r in analytics.compliance(db, IN_2030, chosen)}
    assert (
        rows["ambulance", 8]["n"],
        rows["ambulance", 8]["travel_within"],
        rows["ambulance", 8]["response_within"],
    ) == (2, 1, 1)
    assert rows["ambulance", 8]["travel_share"] == 0.5
    assert (rows["ambulance", 15]["travel_within"], rows["ambulance", 15]["response_within"]) == (2, 2)
    assert (rows["fire_truck", 15]["n"], rows["fire_truck", 15]["travel_within"]) == (1, 0)
    assert rows["rescue", 15]["n"] == 0 and rows["rescue", 15]["travel_share"] is None
    assert analytics.compliance(db, IN_2030, {}) == []


def test_compliance_of_the_history_uses_the_default_thresholds(db: Session) -> None:
    rows = analytics.compliance(db, ALL)
    assert {(r["unit_type"], r["minutes"]) for r in rows} >= {("ambulance", 8), ("ambulance", 15), ("fire_truck", 15)}
    for r in rows:
        assert r["n"] > 0 and 0 <= r["response_within"] <= r["travel_within"] <= r["n"]


def test_heatmap_cells_hold_every_incident(db: Session) -> None:
    grid = analytics.heatmap(db, ALL, cell_m=2000)
    assert sum(c["count"] for c in grid["cells"]) == N and grid["max"] == grid["cells"][0]["count"]
    south, west, north, east = grid["cells"][0]["bounds"]
    assert north - south == pytest.approx(2000 / 110_600, rel=0.02) and west < east
    finer = analytics.heatmap(db, ALL, cell_m=500)
    assert len(finer["cells"]) > len(grid["cells"]) and sum(c["count"] for c in finer["cells"]) == N
    assert analytics.heatmap(db, REAL)["cells"] == []
    with pytest.raises(InvalidInput):
        analytics.heatmap(db, ALL, cell_m=10)
