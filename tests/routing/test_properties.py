"""Property tests: ranked ETAs equal networkx Dijkstra on the same graph."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing import Engine, UnitTable
from routing.compiled import concat_ranges
from routing.nearest_units import ROUNDING_S, _runs

from .reference import split_graph

#: Unit types with the speed factors their callers give (a database owns them in geo112).
FACTORS = {"ambulance": 1.25, "fire_truck": 0.85, None: 1.0}
TYPES = list(FACTORS)
FIXTURES = [HealthCheck.function_scoped_fixture]


@st.composite
def scenes(draw: st.DrawFn, engine: Engine, pad: float) -> tuple[np.ndarray, np.ndarray, list[bool], list[str | None]]:
    """An incident (row 0) and 1-8 units at random points around the graph."""
    g = engine.graph
    n = draw(st.integers(2, 9))
    lon = st.floats(g.node_lon.min() - pad, g.node_lon.max() + pad)
    lat = st.floats(g.node_lat.min() - pad, g.node_lat.max() + pad)
    lons = np.array(draw(st.lists(lon, min_size=n, max_size=n)))
    lats = np.array(draw(st.lists(lat, min_size=n, max_size=n)))
    available = draw(st.lists(st.booleans(), min_size=n - 1, max_size=n - 1))
    types = draw(st.lists(st.sampled_from(TYPES), min_size=n - 1, max_size=n - 1))
    return lons, lats, available, types


def _check_ranking(engine: Engine, scene: tuple) -> None:
    lons, lats, available, types = scene
    ids = [f"u{i}" for i in range(1, len(lons))]
    table = UnitTable(engine)
    table.upsert_many(ids, lons[1:], lats[1:], types, available, [FACTORS[t] for t in types])
    ranked = table.nearest(lons[0], lats[0])
    H, names = split_graph(engine, lons, lats)
    to_incident = nx.single_source_dijkstra_path_length(H.reverse(copy=False), names[0], weight="tt")
    expected = {uid: to_incident[names[i + 1]] / FACTORS[types[i]] for i, uid in enumerate(ids) if available[i]}
    assert {r.unit_id for r in ranked} == set(expected)
    for r in ranked:
        assert r.eta_s == pytest.approx(expected[r.unit_id], rel=1e-5, abs=1e-3)
    etas = [r.eta_s for r in ranked]
    assert etas == sorted(etas)


@settings(max_examples=60, deadline=None, suppress_health_check=FIXTURES)
@given(data=st.data())
def test_ranking_matches_networkx_oakland(oakland: tuple[nx.MultiDiGraph, Engine], data: st.DataObject) -> None:
    _check_ranking(oakland[1], data.draw(scenes(oakland[1], pad=0.001)))


@settings(max_examples=40, deadline=None, suppress_health_check=FIXTURES)
@given(data=st.data())
def test_ranking_at_nodes_matches_osmnx_graph(oakland: tuple[nx.MultiDiGraph, Engine], data: st.DataObject) -> None:
    """Units and incident at intersections: compare with the osmnx graph itself."""
    G, engine = oakland
    nodes = list(G.nodes)
    picks = data.draw(st.lists(st.sampled_from(nodes), min_size=2, max_size=9))
    lons = np.array([G.nodes[n]["x"] for n in picks])
    lats = np.array([G.nodes[n]["y"] for n in picks])
    table = UnitTable(engine)
    table.upsert_many(list(range(1, len(picks))), lons[1:], lats[1:])
    ranked = table.nearest(lons[0], lats[0])
    assert len(ranked) == len(picks) - 1
    for r in ranked:
        assert r.eta_s == pytest.approx(
            nx.shortest_path_length(G, picks[r.unit_id], picks[0], weight="travel_time"), rel=1e-6
        )


@pytest.mark.slow
@settings(max_examples=8, deadline=None, suppress_health_check=FIXTURES)
@given(data=st.data())
def test_ranking_matches_networkx_mojokerto(mojokerto: Engine, data: st.DataObject) -> None:
    _check_ranking(mojokerto, data.draw(scenes(mojokerto, pad=0.0)))


def _check_bounded(engine: Engine, scene: tuple, limit_s: float) -> None:
    """Rows bounded at ``limit_s`` rank as unbounded rows within it; beyond it, hierarchy queries agree."""
    lons, lats, available, types = scene
    ids = [f"u{i}" for i in range(1, len(lons))]
    full, bounded = UnitTable(engine), UnitTable(engine, limit_s=limit_s)
    for table in (full, bounded):
        table.upsert_many(ids, lons[1:], lats[1:], types, available, [FACTORS[t] for t in types])
    assert bounded.reached <= full.reached
    want = full.nearest(lons[0], lats[0])
    asked = bounded.nearest(lons[0], lats[0], beyond=0)
    from_rows = [r for r in asked if not r.beyond_bound]
    # the units whose rows do not reach the incident come last, not ranked
    assert all(r.beyond_bound and math.isinf(r.eta_s) for r in asked[len(from_rows) :])
    # every unit within the bound is ranked from its row: the same order, ETAs and distances (a unit within a
    # millisecond of it, where a row's float32 seconds cannot tell, is asked of the hierarchy)
    within = [r for r in want if r.eta_s <= limit_s - ROUNDING_S]
    assert [r for r in from_rows if r.eta_s <= limit_s - ROUNDING_S] == within
    by_id = {r.unit_id: r for r in want}
    assert all(r == by_id[r.unit_id] for r in from_rows)
    # beyond it, every other unit is ranked by the hierarchy, and says so
    ranked = bounded.nearest(lons[0], lats[0])
    assert [r.unit_id for r in ranked if not r.beyond_bound] == [r.unit_id for r in from_rows]
    assert {r.unit_id for r in ranked} == set(by_id)
    for r in ranked:
        assert r.eta_s == pytest.approx(by_id[r.unit_id].eta_s, rel=1e-4, abs=1e-2)
    # with a cap, at most that many are ranked beyond the bound; the others still come, not ranked
    capped = bounded.nearest(lons[0], lats[0], beyond=1)
    assert sum(r.beyond_bound and math.isfinite(r.eta_s) for r in capped) <= 1
    assert {r.unit_id for r in capped} >= set(by_id)


@settings(max_examples=60, deadline=None, suppress_health_check=FIXTURES)
@given(data=st.data(), limit_s=st.floats(5.0, 400.0))
def test_bounded_rows_rank_as_unbounded_ones_oakland(
    oakland: tuple[nx.MultiDiGraph, Engine], data: st.DataObject, limit_s: float
) -> None:
    _check_bounded(oakland[1], data.draw(scenes(oakland[1], pad=0.001)), limit_s)


@pytest.mark.slow
@settings(max_examples=8, deadline=None, suppress_health_check=FIXTURES)
@given(data=st.data(), limit_s=st.floats(120.0, 2400.0))
def test_bounded_rows_rank_as_unbounded_ones_mojokerto(mojokerto: Engine, data: st.DataObject, limit_s: float) -> None:
    _check_bounded(mojokerto, data.draw(scenes(mojokerto, pad=0.0)), limit_s)


@settings(max_examples=40, deadline=None, suppress_health_check=FIXTURES)
@given(data=st.data(), limit_s=st.sampled_from([60.0, 400.0, 1500.0, math.inf]))
def test_moved_rows_whole_or_bounded_answer_as_fresh_ones_oakland(
    oakland: tuple[nx.MultiDiGraph, Engine], data: st.DataObject, limit_s: float
) -> None:
    """Rows moved again and again (packed, with the node ids a whole row does not store) rank, time and route
    as rows computed once at the last positions."""
    engine = oakland[1]
    lons, lats, available, types = data.draw(scenes(engine, pad=0.0))
    ids = [f"u{i}" for i in range(1, len(lons))]
    factors = [FACTORS[t] for t in types]
    moved, fresh = UnitTable(engine, limit_s), UnitTable(engine, limit_s)
    moved.upsert_many(ids, lons[1:], lats[1:], types, available, factors)
    for _ in range(data.draw(st.integers(1, 6))):
        i = data.draw(st.integers(1, len(ids)))
        lons[i], lats[i] = data.draw(scenes(engine, pad=0.0))[0][0], data.draw(scenes(engine, pad=0.0))[1][0]
        moved.upsert(ids[i - 1], lons[i], lats[i], types[i - 1], available[i - 1], factors[i - 1])
    fresh.upsert_many(ids, lons[1:], lats[1:], types, available, factors)
    assert moved.nearest(lons[0], lats[0]) == fresh.nearest(lons[0], lats[0])
    for uid in ids:
        np.testing.assert_array_equal(moved.times(uid), fresh.times(uid))
        assert moved.route(uid, lons[0], lats[0]).nodes == fresh.route(uid, lons[0], lats[0]).nodes


@given(pieces=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 6)), max_size=30))
def test_packing_by_runs_copies_what_a_gather_of_every_range_does(pieces: list[tuple[int, int]]) -> None:
    """Ranges (gap before, length) in the order they lie: the runs' slices pack the same entries."""
    gaps, lengths = np.array([g for g, _ in pieces], dtype=np.int64), np.array([n for _, n in pieces], dtype=np.int64)
    starts = np.cumsum(gaps + lengths) - lengths
    old = np.arange(int(starts[-1] + lengths[-1]) if pieces else 0)
    packed = np.full(int(lengths.sum()), -1)
    for source, target, count in _runs(starts, lengths):
        packed[target : target + count] = old[source : source + count]
    np.testing.assert_array_equal(packed, old[concat_ranges(starts, lengths)])
