"""The synthetic history generator on the real database: reproducible, labelled, and following its inputs."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from geo112.analytics.synthetic_history import (
    CALL_CENTRE,
    INCIDENT_STATS,
    SYNTHETIC_ACTOR,
    benchmark_mix,
    fires_per_year,
    generate_history,
    hourly_profile,
)
from geo112.dispatch import schemas
from geo112.dispatch.incidents import create_incident
from geo112.errors import InvalidInput
from geo112.ingest.population import store_population
from geo112.planning.desa_index import desa_index
from geo112.store.models import Assignment, Event, Incident, Station, Ticket, Unit
from geodata.kab_mojokerto import verified_path
from geodata.kab_mojokerto.facts import read_rows
from tests.analytics.conftest import END, SEED, START, N

_ROWS = text("""
    SELECT i.category_code, i.desa_code, i.received_at, i.dispatched_at, i.on_scene_at, i.closed_at,
           ST_AsText(i.geom) AS point,
           array(SELECT a.unit_id FROM assignment a WHERE a.incident_id = i.id ORDER BY a.unit_id) AS units
    FROM incident i WHERE i.synthetic ORDER BY i.received_at, i.desa_code, i.category_code
""")


def _rows(session: Session) -> list[tuple]:
    return [tuple(r) for r in session.execute(_ROWS)]


@pytest.fixture
def db(history, session: Session) -> Session:
    """A rolled-back session on the database holding the committed history."""
    return session


def test_same_seed_same_history_other_seed_another(db: Session, network, settings) -> None:
    committed = _rows(db)
    assert len(committed) == N
    report = generate_history(db, network, N, SEED, START, END, settings.data_dir)
    assert report.replaced == N
    assert _rows(db) == committed
    generate_history(db, network, N, SEED + 1, START, END, settings.data_dir)
    other = _rows(db)
    assert len(other) == N and other != committed
    assert sum(a[:2] == b[:2] for a, b in zip(other, committed)) < N / 10


def test_every_row_is_synthetic_and_labelled(db: Session, history) -> None:
    rows = db.execute(
        select(
            Incident.synthetic,
            Incident.created_by,
            Incident.status,
            Incident.caller_name,
            Incident.caller_phone,
            Incident.description,
        ).where(Incident.created_by == SYNTHETIC_ACTOR)
    ).all()
    assert len(rows) == N
    assert all(
        r.synthetic
        and r.status == "closed"
        and r.caller_name is None
        and r.caller_phone is None
        and "synthetic" in r.description
        for r in rows
    )
    assigned = db.execute(
        select(Assignment.assigned_by, Assignment.end_reason).join(Incident).where(Incident.synthetic)
    ).all()
    assert len(assigned) == history.assignments and {tuple(a) for a in assigned} == {(SYNTHETIC_ACTOR, "cleared")}
    run = db.scalars(select(Event).where(Event.action == "history.generated").order_by(Event.id.desc())).first()
    assert run.actor == SYNTHETIC_ACTOR and run.after["seed"] == SEED and run.after["n"] == N
    # Incidents whose category routes to agencies (fallen trees, animals) have synthetic tickets, for the scorecard.
    # (Other tests' real tickets may share the database: the history's are those of its incidents.)
    tickets = db.execute(
        select(Ticket.synthetic, Ticket.status, Ticket.sent_by).join(Incident).where(Incident.synthetic)
    ).all()
    assert len(tickets) == history.tickets > 0
    assert {(t.synthetic, t.sent_by) for t in tickets} == {(True, SYNTHETIC_ACTOR)}
    assert {t.status for t in tickets} <= {"done", "returned"}


def test_real_incidents_are_never_touched(db: Session, network, settings) -> None:
    real = create_incident(
        db,
        schemas.IncidentCreate(
            category="medis", lon=112.56, lat=-7.518, caller_name="Siti", caller_phone="081234567890"
        ),
        "tester",
    )
    before = (real.id, real.received_at, real.status, real.category_code)
    generate_history(db, network, 50, 7, START, END, settings.data_dir)
    db.expire_all()
    kept = db.get(Incident, real.id)
    assert (kept.id, kept.received_at, kept.status, kept.category_code) == before and not kept.synthetic
    assert db.scalar(select(func.count()).where(Incident.synthetic)) == 50


def test_categories_follow_the_published_mix(db: Session, history, settings) -> None:
    mix = benchmark_mix(read_rows(verified_path(settings.data_dir, CALL_CENTRE)))
    assert math.isclose(sum(mix.values()), 1.0) and math.isclose(
        mix["kebakaran"], 8.92 / 99.0
    )  # the shares sum to 99 %
    counted = Counter(db.scalars(select(Incident.category_code).where(Incident.synthetic)))
    assert counted == Counter(history.categories)
    for category, share in mix.items():
        sd = math.sqrt(N * share * (1 - share))
        assert abs(counted[category] - N * share) < 4 * sd, (category, counted[category], N * share)


@pytest.mark.parametrize("basis", ["area", "population"])
def test_places_follow_the_weights_and_lie_in_their_desa(db: Session, network, settings, basis: str) -> None:
    if basis == "population":  # as `geo112 data load` stores it
        store_population(db, desa_index(db, network))
    else:  # as before the estimates are loaded: most desa have no figure
        db.execute(text("UPDATE desa SET population = NULL WHERE population_method IS DISTINCT FROM 'published'"))
    report = generate_history(db, network, N, SEED, START, END, settings.data_dir)
    weight = "population" if basis == "population" else "area_km2"
    assert report.weight_basis.startswith(f"desa {basis}")
    rows = db.execute(
        text(f"""
        SELECT k.code, sum(d.{weight}) AS weight, (SELECT count(*) FROM incident i
            WHERE i.synthetic AND i.kecamatan_code = k.code) AS n
        FROM kecamatan k JOIN desa d ON d.kecamatan_code = k.code WHERE k.jurisdiction_code = '35.16' GROUP BY k.code
    """)
    ).all()
    total = sum(r.weight for r in rows)
    for r in rows:
        expected = N * r.weight / total
        assert abs(r.n - expected) < 4 * math.sqrt(expected) + 1, (r.code, r.n, expected)
    outside = db.scalar(
        text("""SELECT count(*) FROM incident i JOIN desa d ON d.code = i.desa_code
                                 WHERE i.synthetic AND NOT ST_Intersects(d.geom, i.geom)""")
    )
    assert outside == 0


def test_time_of_day_follows_the_profile(db: Session) -> None:
    hours = db.scalars(
        text("SELECT extract(hour FROM received_at AT TIME ZONE 'Asia/Jakarta')::int FROM incident WHERE synthetic")
    ).all()
    counted = np.bincount(hours, minlength=24)
    expected = N * hourly_profile()
    assert np.all(np.abs(counted - expected) < 4 * np.sqrt(expected) + 1)
    assert counted[10:16].sum() > 2.5 * counted[[0, 1, 2, 3, 4, 23]].sum()


def test_phases_in_order_and_units_from_the_nearest_station(db: Session, network) -> None:
    disorder = db.scalar(
        text("""SELECT count(*) FROM incident WHERE synthetic AND NOT (
        received_at <= coalesce(dispatched_at, received_at) AND dispatched_at <= en_route_at
        AND en_route_at <= on_scene_at AND on_scene_at <= cleared_at AND cleared_at <= closed_at)
        AND dispatched_at IS NOT NULL""")
    )
    assert disorder == 0
    fire = db.execute(
        text("""
        SELECT ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat, array_agg(DISTINCT s.code) AS stations,
               min(a.eta_s) AS eta
        FROM incident i JOIN assignment a ON a.incident_id = i.id JOIN unit u ON u.id = a.unit_id
        JOIN station s ON s.id = u.station_id WHERE i.synthetic AND u.unit_type_code = 'fire_truck'
        GROUP BY i.id ORDER BY i.received_at LIMIT 20""")
    ).all()
    posts = db.execute(
        select(Station.code, func.ST_X(Station.geom), func.ST_Y(Station.geom))
        .where(Station.id.in_(select(Unit.station_id).where(Unit.unit_type_code == "fire_truck")))
        .order_by(Station.code)
    ).all()
    factor = db.scalar(text("SELECT speed_factor FROM unit_type WHERE code = 'fire_truck'"))
    times = network.times_from([p[1] for p in posts], [p[2] for p in posts], factor)
    for f in fire:
        node = int(np.argmin(np.hypot(network.node_lon - f.lon, network.node_lat - f.lat)))  # incidents sit on nodes
        nearest = int(np.argmin(times[:, node]))
        assert f.stations == [posts[nearest][0]], "both trucks come from the post nearest by road"
        assert f.eta == pytest.approx(times[nearest, node], abs=0.1)


def test_calibration_from_the_facts(settings) -> None:
    fires = fires_per_year(read_rows(verified_path(settings.data_dir, INCIDENT_STATS)))
    assert fires == pytest.approx(157 * 365.25 / 365)  # the full-year 2018 BPBD count is the longest
    profile = hourly_profile()
    assert profile.sum() == pytest.approx(1) and profile.max() / profile.min() == pytest.approx(4, rel=0.02)


@pytest.mark.parametrize(("n", "start", "end"), [(0, START, END), (10, END, START), (10, START, START)])
def test_refuses_bad_arguments(db: Session, network, settings, n, start, end) -> None:
    with pytest.raises(InvalidInput):
        generate_history(db, network, n, SEED, start, end, settings.data_dir)
