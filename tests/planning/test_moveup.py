"""Move-up: the departure cost of sending a unit, relocations that provably raise covered population, and the
``relocating`` status."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import scipy.sparse as sp
from sqlalchemy import select

from geo112.dispatch import assignments, recommend, schemas
from geo112.dispatch.incidents import create_incident
from geo112.errors import Conflict, NotFound, Unprocessable
from geo112.planning import moveup
from geo112.planning.coverage import model as coverage
from geo112.planning.coverage import service as cs
from geo112.store.db import session_factory
from geo112.store.geometry import lon_lat_of
from geo112.store.models import Station, Unit
from web.db import settings
from web.fleet import fleet as worker_fleet
from web.warmup import warm_up

T = 600.0
INF = np.inf


def _covered(times: np.ndarray, covering: np.ndarray, people: np.ndarray) -> float:
    """People within T of a covering source: coverage recomputed from scratch."""
    return float(people[((times <= T) & covering[:, None]).any(axis=0)].sum())


def test_a_constructed_scenario_moves_the_spare_unit_to_the_bare_side() -> None:
    # Two units both cover nodes 0-2; nothing covers 3-5; the one site covers 3-5.
    units = np.array([[60, 60, 60, INF, INF, INF], [120, 120, 120, INF, INF, INF]], dtype=float)
    sites = np.array([[INF, INF, INF, 60, 60, 60]], dtype=float)
    people = np.full(6, 100.0)
    covering = np.array([True, True])
    (move,) = moveup.greedy_moves(units, covering, covering, sites, T, people)
    assert (move.site, move.gained, move.lost) == (0, 300.0, 0.0)
    after = units.copy()
    after[move.unit] = sites[move.site]
    assert _covered(after, covering, people) == _covered(units, covering, people) + move.net == 600.0
    # Neither unit is alone anywhere: sending either costs nothing.
    counts = ((units <= T) & covering[:, None]).sum(axis=0)
    assert moveup.departure_loss(units, counts, T, people).tolist() == [0.0, 0.0]


def test_no_move_when_every_move_loses() -> None:
    units = np.array([[60, 60, INF, INF]], dtype=float)  # the only unit, covering 0-1
    sites = np.array([[INF, INF, INF, 60]], dtype=float)  # covers node 3 only
    people = np.array([100.0, 100.0, 0.0, 50.0])
    assert moveup.greedy_moves(units, np.array([True]), np.array([True]), sites, T, people) == []
    assert moveup.departure_loss(units, np.array([1, 1, 0, 0]), T, people).tolist() == [200.0]


def test_greedy_moves_never_lower_coverage_and_say_what_they_gain() -> None:
    rng = np.random.default_rng(112)
    for _ in range(50):
        units = rng.uniform(0, 1500, (rng.integers(1, 6), 40))
        sites = rng.uniform(0, 1500, (rng.integers(1, 8), 40))
        people = rng.integers(0, 500, 40).astype(float)
        covering = rng.random(len(units)) < 0.8
        movable = covering & (rng.random(len(units)) < 0.8)
        current, covered = units.copy(), _covered(units, covering, people)
        for move in moveup.greedy_moves(units, movable, covering, sites, T, people):
            assert movable[move.unit] and move.net > 0
            current[move.unit] = sites[move.site]
            now = _covered(current, covering, people)
            assert now == pytest.approx(covered + move.net)
            covered = now


def _move_of(
    unit: int, within: sp.csr_array, counts: np.ndarray, sites: sp.csr_array, people: np.ndarray
) -> moveup.Move:
    """One unit's best move weighed alone, exactly: the site covering the most people its leaving bares."""
    mine = np.zeros(within.shape[1], dtype=bool)
    mine[within.indices[within.indptr[unit] : within.indptr[unit + 1]]] = True
    bare = (counts - mine) == 0
    gains = np.asarray(sites @ np.where(bare, people, 0.0))
    site = int(np.argmax(gains))
    return moveup.Move(unit, site, float(gains[site]), float(people[mine & bare].sum()))


@pytest.mark.parametrize("weighed_nodes", [moveup.WEIGHED_NODES, 1])  # all at once; one source at a time
def test_units_weighed_together_move_as_each_weighed_alone_to_the_last_bit(weighed_nodes, monkeypatch) -> None:
    monkeypatch.setattr(moveup, "WEIGHED_NODES", weighed_nodes)
    rng = np.random.default_rng(7)
    for _ in range(300):
        n, units = int(rng.integers(5, 300)), int(rng.integers(1, 20))
        within = coverage.relation(rng.random((units, n)) < rng.random())
        sites = coverage.relation(rng.random((int(rng.integers(1, 20)), n)) < rng.random())
        people = rng.uniform(0, 1e4, n) * (rng.random(n) < 0.9)
        counts = coverage.relation_counts(within)
        alone = [_move_of(u, within, counts, sites, people) for u in range(units)]
        assert moveup.moves_of(list(range(units)), within, counts, sites, people) == alone


def _weighing_every_unit(
    unit_times: np.ndarray, movable: np.ndarray, covering: np.ndarray, site_times: np.ndarray, threshold_s: float,
    people: np.ndarray, max_moves: int = moveup.MAX_MOVES,
) -> list[moveup.Move]:  # fmt: skip
    """The greedy search as it was until 2026-12-07: every free unit weighed exactly before each move (on the
    sparse relation the search keeps, so that equal moves add up to the same last bit and tie as they should)."""
    sites = sp.csr_array(site_times <= threshold_s)

    def every_unit(within: np.ndarray, counts: np.ndarray, free: np.ndarray) -> moveup.Move | None:
        weighed = [_move_of(int(u), within, counts, sites, people) for u in np.flatnonzero(free)]
        return max(weighed, key=lambda m: m.net, default=None)  # the first of equals, as the loop kept it

    return moveup.moves_by(every_unit, (unit_times <= threshold_s) & covering[:, None], sites, movable, max_moves)


def test_the_batched_search_moves_as_weighing_every_unit_does_ties_included() -> None:
    rng = np.random.default_rng(33)
    for _ in range(200):
        units = rng.uniform(0, 1500, (rng.integers(1, 12), 60))
        units[rng.random(len(units)) < 0.3] = units[0]  # units at one station: equal gains, the first moves
        sites = rng.uniform(0, 1500, (rng.integers(1, 10), 60))
        sites[rng.random(len(sites)) < 0.3] = sites[0]
        people = rng.choice([0.0, 50.0, 100.0, rng.uniform(0, 300)], 60)
        covering = rng.random(len(units)) < 0.8
        movable = covering & (rng.random(len(units)) < 0.8)
        expected = _weighing_every_unit(units, movable, covering, sites, T, people, 5)
        assert moveup.greedy_moves(units, movable, covering, sites, T, people, 5) == expected
        # what a worker keeps of the sites, whether each reaches each node in time, moves the same
        assert moveup.greedy_moves(units, movable, covering, sites <= T, T, people, 5) == expected


def test_on_the_demo_fleet_bounded_station_rows_and_the_batched_search_move_as_before(db, fleet) -> None:
    sites = moveup._sites(db)
    lon, lat = np.array([s[2] for s in sites]), np.array([s[3] for s in sites])
    for code in moveup.fielded_types(db):
        proposal = moveup.relocations(db, fleet, code, level=1.0, max_moves=6)
        cov = cs.coverage_of(db, fleet, code, proposal["minutes"], "live")
        threshold_s, src = cov.minutes * 60.0, cov.sources
        people = moveup.node_population(cs.demand(db, cov.index))
        units = coverage.dense_times(cs.source_times(fleet, src, "live", threshold_s))
        unbounded = fleet.network.times_from(lon, lat, src.factor)
        expected = _weighing_every_unit(units, src.available, src.available, unbounded, threshold_s, people, 6)
        assert [(int(src.unit_id[m.unit]), sites[m.site][0], round(m.net)) for m in expected] == [
            (m["unit_id"], m["station_id"], m["net"]) for m in proposal["moves"]
        ], code


def test_node_population_spreads_each_desa_over_its_nodes() -> None:
    demand = coverage.Demand(np.array([0, 0, 1, -1]), np.array([1.0, 3.0, 1.0, 1.0]), np.array([400.0, 50.0]))
    assert moveup.node_population(demand).tolist() == [100.0, 300.0, 50.0, 0.0]


def test_departure_cost_is_the_coverage_lost_without_the_unit(db, fleet, make_unit) -> None:
    lone = make_unit("fire_truck", station="F11")  # a planned post in Jetis, far from the Damkar posts
    twin_a, twin_b = make_unit("rescue", station="K21"), make_unit("rescue", station="K21")
    costs = {c["unit_id"]: c for c in moveup.departure_costs(db, fleet, [lone.id, twin_a.id, twin_b.id])}
    assert costs[twin_a.id]["population_lost"] == costs[twin_b.id]["population_lost"] == 0  # each covers the other
    minutes = costs[lone.id]["minutes"]
    cov = cs.coverage_of(db, fleet, "fire_truck", minutes, "live")
    without = cs.evaluate(db, fleet, cov.sources.take(cov.sources.unit_id != lone.id), minutes, "live", cov.busy)
    lost = cs.totals(cov)["covered_population"] - cs.totals(without)["covered_population"]
    assert costs[lone.id]["population_lost"] > 0
    assert costs[lone.id]["population_lost"] == pytest.approx(lost, abs=2)  # rounding per figure


def test_move_up_after_a_departure_counts_the_cover_it_takes(db, fleet, make_unit) -> None:
    lone = make_unit("fire_truck", station="F11")  # a planned post in Jetis, far from the Damkar posts
    (cost,) = moveup.departure_costs(db, fleet, [lone.id])
    assert cost["population_lost"] > 0
    now = moveup.relocations(db, fleet, "fire_truck", level=0.99)
    after = moveup.relocations_after(db, fleet, "fire_truck", lone.id, 0.99)
    assert after["covered_share"] < now["covered_share"]
    assert lone.id not in {m["unit_id"] for m in after["moves"]}  # it has gone: it cannot be moved up
    assert lone.id in {m["unit_id"] for m in now["moves"]} or after["moves"] != now["moves"]


def test_relocations_below_the_level_raise_coverage_recomputed_from_scratch(db, fleet) -> None:
    proposal = moveup.relocations(db, fleet, "fire_truck", level=0.99)
    assert proposal["below_level"] and proposal["moves"]
    assert proposal["covered_share_after"] > proposal["covered_share"]
    cov = cs.coverage_of(db, fleet, "fire_truck", proposal["minutes"], "live")
    src = cov.sources
    lon, lat = src.lon.copy(), src.lat.copy()
    for move in proposal["moves"]:
        row = int(np.flatnonzero(src.unit_id == move["unit_id"])[0])
        lon[row], lat[row] = lon_lat_of(db.get(Station, move["station_id"]).geom)
    moved = cs.evaluate(db, fleet, src.__class__(src.unit_type, src.factor, lon, lat, src.unit_id, src.station_id,
                                                 src.available), proposal["minutes"], "stations", cov.busy)  # fmt: skip
    people = moveup.node_population(cs.demand(db, cov.index))
    after = float(people[moved.summary.counts >= 1].sum()) / float(people.sum())
    assert after == pytest.approx(proposal["covered_share_after"], rel=1e-6)


def test_above_the_level_nothing_is_proposed(db, fleet) -> None:
    quiet = moveup.relocations(db, fleet, "ambulance", level=0.0)
    assert quiet["below_level"] is bool(quiet["kecamatan_without_cover"])
    if not quiet["below_level"]:
        assert quiet["moves"] == []


def test_a_warmed_up_worker_has_proposed_every_fielded_type_before_its_first_question(app, planning) -> None:
    warm_up(app)
    with app.app_context(), session_factory(settings().database_url)() as session:
        routed, level = worker_fleet(), settings().moveup_level
        for code in moveup.fielded_types(session):
            cov = cs.coverage_of(session, routed, code, moveup._minutes(session, code, None), "live")
            assert (cov.key, level, moveup.MAX_MOVES) in moveup._proposals, code


def test_a_worker_serves_once_move_up_has_warmed_up_for_its_time_and_it_goes_on_in_the_background(
    app, planning, monkeypatch
) -> None:
    # A province's move-up took minutes a type: a worker waiting for it was killed by gunicorn's timeout.
    release, asked = threading.Event(), []

    def slow(session, routed, code, **kwargs):
        asked.append(code)
        release.wait(60)

    monkeypatch.setattr(moveup, "relocations", slow)
    beats: list[int] = []
    warm_up(app, alive=lambda: beats.append(1), moveup_wait_s=0.5)
    (proposing,) = [t for t in threading.enumerate() if t.name == "moveup-warm-up"]
    assert proposing.is_alive() and beats and len(asked) == 1  # serving, the first type still being proposed
    release.set()
    proposing.join(60)
    with app.app_context(), session_factory(settings().database_url)() as session:
        assert asked == moveup.fielded_types(session)  # every type, in the background


def test_a_relocating_unit_drives_to_its_station_and_is_not_proposed(db, make_unit, fleet) -> None:
    unit = make_unit("ambulance", station="K21")
    target = db.scalar(select(Station).where(Station.code == "K16"))
    state = assignments.relocate(db, unit.id, target.id, "alice")
    assert (state.unit.status, state.unit.relocation_station_id) == ("relocating", target.id)
    with pytest.raises(Unprocessable, match="relocate"):
        assignments.change_status(db, unit.id, "relocating", "alice")
    with pytest.raises(Conflict, match="not available"):
        assignments.relocate(db, unit.id, target.id, "alice")
    incident = create_incident(db, schemas.IncidentCreate(category="medis", lon=112.53, lat=-7.69), "alice")
    rec = recommend.recommend(db, fleet, incident.id, k=50)
    ambulances = next(r for r in rec["requirements"] if r["unit_type"] == "ambulance")
    assert unit.id not in {c["unit_id"] for c in ambulances["proposed"]}
    assignments.change_status(db, unit.id, "available", "alice")  # arrived
    db.refresh(unit)
    assert unit.relocation_station_id is None and lon_lat_of(unit.geom) == lon_lat_of(target.geom)


def test_relocation_refusals(db, make_unit) -> None:
    unit = make_unit("ambulance", station="K21")
    with pytest.raises(NotFound):
        assignments.relocate(db, unit.id, 999_999, "alice")
    planned = db.scalar(select(Station).where(Station.code == "F11"))
    with pytest.raises(Unprocessable, match="not known to exist"):
        assignments.relocate(db, unit.id, planned.id, "alice")
    assert db.get(Unit, unit.id).status == "available"


def test_move_up_through_the_api(client, login, planning) -> None:
    from tests.dispatch.conftest import committed_unit

    headers = login("dispatcher")
    answer = client.get("/api/v1/moveup", query_string={"unit_type": "fire_truck", "level": 0.99})
    assert answer.status_code == 200
    (fire,) = answer.get_json()["items"]
    assert fire["below_level"] and fire["moves"]
    unit = committed_unit(planning, "K21", "MOVE")
    costs = client.get("/api/v1/units/departure-cost", query_string={"units": str(unit)}).get_json()["items"]
    assert costs[0]["unit_id"] == unit and costs[0]["population_lost"] >= 0
    station = fire["moves"][0]["station_id"]
    moved = client.post(f"/api/v1/units/{unit}/relocate", json={"station_id": station}, headers=headers)
    assert moved.status_code == 200, moved.get_json()
    body = schemas.Unit.model_validate(moved.get_json())
    assert (body.status, body.relocation_station_id, body.relocating_to) == (
        "relocating",
        station,
        fire["moves"][0]["station"],
    )
    assert "relocating" not in body.allowed
    assert (
        client.post(f"/api/v1/units/{unit}/relocate", json={"station_id": station}, headers=headers).status_code == 409
    )
    refused = client.post(f"/api/v1/units/{unit}/status", json={"status": "relocating"}, headers=headers)
    assert refused.status_code == 422 and "relocate" in refused.get_json()["detail"]
    arrived = client.post(f"/api/v1/units/{unit}/status", json={"status": "available"}, headers=headers).get_json()
    assert arrived["status"] == "available" and arrived["relocating_to"] is None
    assert client.get("/api/v1/moveup", query_string={"level": 2}).status_code == 400
    assert client.get("/api/v1/units/departure-cost", query_string={"units": "x"}).status_code == 400


def test_the_responder_page_says_where_a_relocating_unit_goes(db, make_unit, fleet) -> None:
    from geo112.dispatch import responder

    unit = make_unit("ambulance", station="K21")
    incident = create_incident(db, schemas.IncidentCreate(category="medis", lon=112.53, lat=-7.69), "alice")
    assignment = assignments.assign(db, incident.id, unit.id, "alice")
    for status in ("en_route", "on_scene", "returning", "available"):
        assignments.change_status(db, unit.id, status, "alice")
    target = db.scalar(select(Station).where(Station.code == "K16"))
    assignments.relocate(db, unit.id, target.id, "alice")
    db.refresh(unit)
    view = responder.view(db, assignment, None)
    assert view["unit"]["status"] == "relocating" and view["unit"]["relocating_to"] == target.name
