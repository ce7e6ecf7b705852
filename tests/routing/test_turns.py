"""Turn restrictions: read from OSM, honoured by routes, rows, ETAs and searches alike.

A hand-written block (:mod:`.turns_osm`) with one junction where a restriction may apply, checked against
the hand-counted answer and against OSRM on the same file; random restrictions on West Oakland checked
against a Dijkstra over edges (:func:`.reference.turn_times`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing import Engine, UnitTable, build_compiled
from routing.restrictions import read_restrictions

from . import turns_osm as block
from .reference import split_graph, turn_times

RESIDENTIAL_MS = 20 / 3.6

SCENES = {
    "no restriction": ({}, "Jalan Utara", block.FREE_STEPS, 0),
    "no_left_turn": ({"restriction": "no_left_turn"}, "Jalan Utara", block.ROUND_STEPS, 1),
    "only_straight_on": ({"restriction": "only_straight_on"}, "Jalan Timur", block.ROUND_STEPS, 2),
    "only_left_turn": ({"restriction": "only_left_turn"}, "Jalan Utara", block.FREE_STEPS, 2),
    "for cars": ({"restriction:motorcar": "no_left_turn"}, "Jalan Utara", block.ROUND_STEPS, 1),
    "cars excepted": ({"restriction": "no_left_turn", "except": "psv;motorcar"}, "Jalan Utara", block.FREE_STEPS, 0),
    "for bicycles only": ({"restriction:bicycle": "no_left_turn"}, "Jalan Utara", block.FREE_STEPS, 0),
}


def _engine(tmp_path: Path, tags: dict[str, str], to_way: str) -> Engine:
    relation = block.restriction(tags, to_way=to_way) if tags else ""
    return Engine(build_compiled(block.write_osm(tmp_path / "block.osm", relation)))


@pytest.mark.parametrize("scene", list(SCENES))
def test_block_routes_rows_and_searches_honour_the_restriction(tmp_path: Path, scene: str) -> None:
    tags, to_way, steps, pairs = SCENES[scene]
    engine = _engine(tmp_path, tags, to_way)
    assert engine.graph.meta["report"]["forbidden_turns"] == pairs == len(engine.graph.turn_from)
    unit, incident = block.lonlat(block.UNIT), block.lonlat(block.INCIDENT)
    route = engine.route(unit, incident)
    assert route.distance_m == pytest.approx(steps * block.STEP * 110_600, rel=0.01)
    assert route.eta_s == pytest.approx(route.distance_m / RESIDENTIAL_MS, rel=1e-6)
    goes_round = block.NODE_ID["W"] in route.osmids
    assert goes_round == (steps == block.ROUND_STEPS)
    streets = [s.name for s in route.steps]
    assert streets == (
        ["Jalan Barat", "Jalan Kiri", "Jalan Atas", "Jalan Utara"] if goes_round else ["Jalan Barat", "Jalan Utara"]
    )
    # the maintained row and the searches agree with the route
    table = UnitTable(engine)
    table.upsert("u", *unit)
    assert table.nearest(*incident)[0].eta_s == pytest.approx(route.eta_s, rel=1e-5)
    assert table.nearest(*incident)[0].distance_m == pytest.approx(route.distance_m, rel=1e-4)
    assert table.route("u", *incident).osmids == route.osmids
    node = {int(o): i for i, o in enumerate(engine.graph.node_osmid)}
    x, v = node[block.NODE_ID["X"]], node[block.NODE_ID["V"]]
    to_v = engine.travel_times_from(*unit)[v]
    assert table.times("u")[v] == pytest.approx(to_v, rel=1e-5)
    assert engine.travel_times_to(*block.lonlat(block.NODES["V"]))[x] == pytest.approx(
        6 * block.STEP * 110_600 / RESIDENTIAL_MS, rel=0.01
    )
    # from X itself every way out is open: standing at the junction is not arriving along Jalan Barat
    assert engine.route(block.lonlat(block.NODES["X"]), incident).distance_m == pytest.approx(
        3 * block.STEP * 110_600, rel=0.01
    )


def test_read_restrictions_counts_what_it_leaves_out(tmp_path: Path) -> None:
    via_way = block.restriction({"restriction": "no_left_turn"}).replace(
        f'type="node" ref="{block.NODE_ID["X"]}" role="via"', 'type="way" ref="11" role="via"'
    )
    odd = block.restriction({"restriction": "give_way"}).replace('id="90"', 'id="91"')
    kept = block.restriction({"restriction": "no_u_turn"}, to_way="Jalan Barat").replace('id="90"', 'id="92"')
    read = read_restrictions(block.write_osm(tmp_path / "block.osm", via_way + odd + kept))
    assert read.skipped == {"via_way": 1, "unknown": 1}
    assert [(r.relation, r.only, r.from_ways, r.to_ways) for r in read.restrictions] == [(92, False, (10,), (10,))]


@pytest.mark.slow
def test_block_against_osrm(tmp_path: Path) -> None:
    """OSRM (geo112's speeds, its own restriction handling) avoids the same turn and agrees on the ETA."""
    from benchmarks.osrm_peer import ETA_TOLERANCE, data, environment, measure

    engine = _engine(tmp_path, {"restriction": "no_left_turn"}, "Jalan Utara")
    unit, incident = block.lonlat(block.UNIT), block.lonlat(block.INCIDENT)
    ours = engine.route(unit, incident)
    cache = Path(__file__).resolve().parents[2] / ".cache" / "routing"
    python = environment(cache)
    base = data(python, tmp_path / "block.osm", tmp_path, "MLD", "geo112")
    theirs = measure(python, base, "MLD", [unit], [incident], [(unit, incident)])
    duration, distance = theirs["routes"][0]
    assert distance == pytest.approx(ours.distance_m, rel=ETA_TOLERANCE)
    assert duration == pytest.approx(ours.eta_s, rel=ETA_TOLERANCE)
    assert theirs["table_durations"][0][0] == pytest.approx(ours.eta_s, rel=ETA_TOLERANCE)


def _restricted(engine: Engine, seed: int, share: float = 0.3) -> Engine:
    """The engine's graph with random forbidden turns at a share of its junctions (U-turns included)."""
    g, rng = engine.graph, np.random.default_rng(seed)
    pairs = []
    for v in rng.choice(g.n_nodes, int(share * g.n_nodes), replace=False).tolist():
        ins, outs = np.flatnonzero(g.edge_v == v), np.flatnonzero(g.edge_u == v)
        for e_in in ins.tolist():
            pairs += [(e_in, e_out) for e_out in outs.tolist() if rng.random() < 0.4]
    turns = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    return Engine(dataclasses.replace(g, turn_from=turns[:, 0].copy(), turn_to=turns[:, 1].copy()))


@pytest.fixture(scope="module")
def restricted_oakland(oakland: tuple[nx.MultiDiGraph, Engine]) -> Engine:
    return _restricted(oakland[1], seed=17)


@pytest.fixture(scope="module")
def restricted_mojokerto(mojokerto: Engine) -> Engine:
    return _restricted(mojokerto, seed=5, share=0.05)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_restricted_ranking_matches_an_edge_based_dijkstra(restricted_oakland: Engine, data: st.DataObject) -> None:
    _check_restricted(restricted_oakland, data, 6)


@pytest.mark.slow
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_restricted_ranking_on_mojokerto(restricted_mojokerto: Engine, data: st.DataObject) -> None:
    _check_restricted(restricted_mojokerto, data, 4)


def _check_restricted(engine: Engine, data: st.DataObject, most: int) -> None:
    """Units and an incident at random points: ranked ETAs, both routes and the searches against the reference."""
    g = engine.graph
    n = data.draw(st.integers(2, most))
    lon = st.floats(g.node_lon.min(), g.node_lon.max())
    lat = st.floats(g.node_lat.min(), g.node_lat.max())
    lons = np.array(data.draw(st.lists(lon, min_size=n, max_size=n)))
    lats = np.array(data.draw(st.lists(lat, min_size=n, max_size=n)))
    table = UnitTable(engine)
    table.upsert_many(list(range(1, n)), lons[1:], lats[1:])
    H, names = split_graph(engine, lons, lats)
    forbidden = set(zip(g.turn_from.tolist(), g.turn_to.tolist()))
    references = {u: turn_times(engine, H, names[u]) for u in range(1, n)}
    ranked = table.nearest(lons[0], lats[0])
    assert {r.unit_id for r in ranked} == {u for u, ref in references.items() if names[0] in ref}
    for r in ranked:
        reference = references[r.unit_id]
        assert r.eta_s == pytest.approx(reference[names[0]], rel=1e-5, abs=1e-3)
        tabled = table.route(r.unit_id, lons[0], lats[0])
        searched = engine.route((lons[r.unit_id], lats[r.unit_id]), (lons[0], lats[0]))
        for route in (tabled, searched):
            assert route.eta_s == pytest.approx(r.eta_s, rel=1e-5, abs=1e-3)
            edges = g.edge_ids(np.array(route.nodes[:-1]), np.array(route.nodes[1:]))
            assert not set(zip(edges[:-1].tolist(), edges[1:].tolist())) & forbidden
        at_nodes = engine.travel_times_from(lons[r.unit_id], lats[r.unit_id])
        sample = [v for v in range(0, g.n_nodes, 1 + g.n_nodes // 50) if v in reference]
        assert at_nodes[sample] == pytest.approx([reference[v] for v in sample], rel=1e-5, abs=1e-3)


@pytest.mark.parametrize("within_s", [120.0, 600.0, np.inf])
def test_a_units_reach_is_its_row_where_turns_are_restricted(restricted_oakland: Engine, within_s: float) -> None:
    # what coverage reads of a unit (the nodes it reaches, sparse) against its row over every node
    g = restricted_oakland.graph
    assert restricted_oakland.search.restricted
    table = UnitTable(restricted_oakland)
    picks = np.random.default_rng(3).choice(g.n_nodes, 4, replace=False)
    table.upsert_many(list(range(4)), g.node_lon[picks], g.node_lat[picks], None, True, [1.0, 0.8, 1.2, 1.0])
    for unit in range(4):
        nodes, seconds = table.reach(unit, within_s)
        row = table.times(unit)
        assert sorted(nodes.tolist()) == np.flatnonzero(row <= within_s).tolist()
        np.testing.assert_allclose(seconds, row[nodes])
