"""The synthetic Mojokerto graph: build report, cache, and consistency between queries."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from routing import (
    Engine,
    RoadGap,
    UnitTable,
    cache_path,
    find_streets,
    load_engine,
    service_area,
    source_key,
    unreached_roads,
)

from .conftest import MOJOKERTO_OSM

pytestmark = pytest.mark.slow

MOJOSARI = (112.5589, -7.5176)
PACET = (112.5436, -7.6748)


def test_build_report(mojokerto: Engine) -> None:
    report = mojokerto.graph.meta["report"]
    assert report["nodes"] == mojokerto.graph.n_nodes > 20_000
    assert report["dropped_components"] >= 1 and report["dropped_nodes"] >= 1
    assert mojokerto.graph.meta["profile"] and len(mojokerto.graph.meta["source_key"]) == 64


def test_cache_roundtrip(mojokerto: Engine, routing_cache: Path) -> None:
    assert cache_path(routing_cache, source_key(MOJOKERTO_OSM)).exists()
    again = load_engine(MOJOKERTO_OSM, routing_cache)
    for name, array in mojokerto.graph.arrays().items():
        np.testing.assert_array_equal(getattr(again.graph, name, None) if name != "meta" else array, array)
    assert again.graph.meta == mojokerto.graph.meta


def test_snap_flags_points_off_the_network(mojokerto: Engine) -> None:
    snap = mojokerto.snap([MOJOSARI[0], 113.5], [MOJOSARI[1], -7.5])
    assert snap.too_far.tolist() == [False, True]
    assert snap.distance_m[0] < 500 and snap.distance_m[1] > 50_000
    assert np.all((snap.fraction >= 0) & (snap.fraction <= 1))


def test_route_agrees_with_unit_table(mojokerto: Engine) -> None:
    route = mojokerto.route(PACET, MOJOSARI, factor=1.25)
    table = UnitTable(mojokerto)
    table.upsert("amb", *PACET, unit_type="ambulance", speed_factor=1.25)
    (ranked,) = table.nearest(*MOJOSARI)
    assert route.eta_s == pytest.approx(ranked.eta_s, rel=1e-5)
    assert route.distance_m == pytest.approx(ranked.distance_m, rel=1e-4)
    assert sum(s.distance_m for s in route.steps) == pytest.approx(route.distance_m)
    assert sum(s.duration_s for s in route.steps) == pytest.approx(route.eta_s)
    coords = np.asarray(route.geometry.coords)
    snap = mojokerto.snap([PACET[0], MOJOSARI[0]], [PACET[1], MOJOSARI[1]])
    np.testing.assert_allclose(coords[[0, -1]], np.column_stack([snap.lon, snap.lat]), atol=1e-9)
    # the line is continuous: no jump longer than the longest edge segment
    assert np.hypot(*np.diff(coords, axis=0).T).max() < 0.02
    assert route.geometry.is_valid and len(route.nodes) > 10


def test_a_tabled_units_route_is_its_rows_tree_and_equals_a_fresh_search(mojokerto: Engine) -> None:
    rng = np.random.default_rng(17)
    n = mojokerto.graph.n_nodes
    starts, targets = rng.integers(0, n, 8), rng.integers(0, n, 8)
    table = UnitTable(mojokerto)
    table.upsert_many(list(range(8)), mojokerto.node_lon[starts], mojokerto.node_lat[starts], speed_factors=[1.3] * 8)
    # the unit at Pacet is also on its own road with the incident at the end of the list: the direct case
    table.upsert("pacet", *PACET, speed_factor=1.3)
    pairs = [(i, (float(mojokerto.node_lon[t]), float(mojokerto.node_lat[t]))) for i, t in enumerate(targets)]
    for unit, (origin, target) in [*((i, ((mojokerto.node_lon[starts[i]], mojokerto.node_lat[starts[i]]), p))
                                     for i, p in pairs), ("pacet", (PACET, (PACET[0] + 1e-4, PACET[1])))]:  # fmt: skip
        tabled = table.route(unit, *target)
        searched = mojokerto.route((float(origin[0]), float(origin[1])), target, factor=1.3)
        # equal-time ties may be broken apart by the two searches: the same cost, length and ends
        assert tabled.eta_s == pytest.approx(searched.eta_s, rel=1e-5)
        assert tabled.distance_m == pytest.approx(searched.distance_m, rel=1e-5)
        assert sum(s.duration_s for s in tabled.steps) == pytest.approx(tabled.eta_s)
        ends = np.asarray(tabled.geometry.coords)[[0, -1]]
        np.testing.assert_allclose(ends, np.asarray(searched.geometry.coords)[[0, -1]], atol=1e-9)
    with pytest.raises(KeyError):
        table.route("nobody", *MOJOSARI)


def test_travel_times_forward_and_reverse(mojokerto: Engine) -> None:
    g = mojokerto.graph
    frm = mojokerto.travel_times_from(*MOJOSARI)
    to = mojokerto.travel_times_to(*PACET)
    assert np.isfinite(frm).all() and np.isfinite(to).all()  # strongly connected
    pacet = mojokerto.snap(*PACET)
    assert np.min(frm[[pacet.u[0], pacet.v[0]]]) <= mojokerto.route(MOJOSARI, PACET).eta_s
    many = mojokerto.travel_times_from([MOJOSARI[0], PACET[0]], [MOJOSARI[1], PACET[1]])
    np.testing.assert_allclose(many[0], frm)
    nearest = mojokerto.travel_times_from([MOJOSARI[0], PACET[0]], [MOJOSARI[1], PACET[1]], min_only=True)
    np.testing.assert_allclose(nearest, many.min(axis=0))
    limited = mojokerto.travel_times_from(*MOJOSARI, limit_s=300)
    assert np.isinf(limited[frm > 300]).all() and np.allclose(limited[frm <= 300], frm[frm <= 300])
    assert g.node_lon.shape == frm.shape


def test_service_areas_grow_and_are_valid(mojokerto: Engine) -> None:
    small = service_area(mojokerto, *MOJOSARI, minutes=5)
    large = service_area(mojokerto, [MOJOSARI[0], PACET[0]], [MOJOSARI[1], PACET[1]], minutes=10)
    assert small.is_valid and large.is_valid and not small.is_empty
    assert large.area > small.area
    assert shapely.difference(small, large).area < 1e-2 * small.area  # simplification moves edges <= 15 m
    on_road = mojokerto.snap(*PACET)
    assert large.contains(shapely.Point(on_road.lon[0], on_road.lat[0]))


def _gap(engine: Engine, lons: list[float], lats: list[float], minutes: float, factor: float) -> RoadGap:
    """The roads beyond T of units at these points."""
    reached = np.zeros(engine.graph.n_nodes, dtype=bool)
    if lons:
        reached = engine.travel_times_from(np.array(lons), np.array(lats), min_only=True, factor=factor) <= minutes * 60
    return unreached_roads(engine.graph, reached)


def test_gap_shrinks_as_units_are_added_and_t_grows(mojokerto: Engine) -> None:
    none = _gap(mojokerto, [], [], 10, 1.0)
    assert none.gap_share == 1.0 and none.gap_length_m == none.network_length_m > 0
    one = _gap(mojokerto, [112.56], [-7.52], 10, 1.0)
    longer = _gap(mojokerto, [112.56], [-7.52], 20, 1.0)
    two = _gap(mojokerto, [112.56, 112.43], [-7.52, -7.65], 10, 1.0)
    slower = _gap(mojokerto, [112.56], [-7.52], 10, 0.5)
    assert 0 < longer.gap_length_m < one.gap_length_m < none.gap_length_m
    assert two.gap_length_m < one.gap_length_m < slower.gap_length_m
    # The geometry is the gap itself: its length (in degrees, near the equator ~111 km each) matches.
    assert one.geometry.length * 111_000 == pytest.approx(one.gap_length_m, rel=0.05)


def test_street_search_finds_names_without_the_road_kind(mojokerto: Engine) -> None:
    found = find_streets(mojokerto.graph, "Jl. Raya Gedeg", 5)
    assert found and found[0].name.startswith("Jalan Raya Gedeg")
    assert mojokerto.snap(found[0].lon, found[0].lat).distance_m[0] < 1.0  # the point lies on that street
    assert find_streets(mojokerto.graph, "jalan raya gedeg", 5)[0] == found[0]
    assert find_streets(mojokerto.graph, "j", 5) == []


def test_a_bounded_rows_routes_are_the_searched_ones_within_and_beyond_the_bound(mojokerto: Engine) -> None:
    bounded, full = UnitTable(mojokerto, limit_s=300.0), UnitTable(mojokerto)
    for table in (bounded, full):
        table.upsert("amb", *PACET, speed_factor=1.25)
    assert 0 < bounded.reached < full.reached / 4  # a row holds what the unit reaches in 5 minutes
    rng = np.random.default_rng(33)
    near = np.flatnonzero(full.times("amb") < 300.0)
    targets = [*rng.choice(near, 4), *rng.integers(0, mojokerto.graph.n_nodes, 4)]
    for node in targets:
        target = (float(mojokerto.node_lon[node]), float(mojokerto.node_lat[node]))
        tabled, searched = bounded.route("amb", *target), mojokerto.route(PACET, target, factor=1.25)
        assert tabled.eta_s == pytest.approx(searched.eta_s, rel=1e-4)
        assert tabled.distance_m == pytest.approx(full.route("amb", *target).distance_m, rel=1e-4)
