"""Known answers on a hand-written OSM file (see conftest.TINY_OSM).

W (node 1) -> E (node 2) is a 1 km one-way street; a 2 km two-way loop joins E
back to W.  All speeds are 5 m/s, so every ETA is metres / 5.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from routing import Engine, SpeedFactorError, UnitTable, service_area

from .conftest import MILLIDEGREE_M as D
from .conftest import TINY_SPEED_MS as V

W, E = 0, 1  # node indices (sorted OSM ids 1 and 2)
INCIDENT = (0.002, 0.0001)  # 11 m north of the one-way street, 222 m east of W
UNIT_A = (0.004, 0.0)  # on the one-way street: nearest by air, farthest by road
UNIT_B = (0.0, 0.004)  # on the loop, 444 m north of W
UNIT_C = (0.01, 0.003)  # on the loop, 333 m north of E
AMBULANCE = 1.25  # an ambulance's speed factor (geo112 keeps them in its unit_type table)


def test_pipeline_filters_and_reports(tiny: Engine) -> None:
    report = tiny.graph.meta["report"]
    assert report["undrivable_edges"] == 2  # the footway, both directions
    assert report["dropped_components"] == 1 and report["dropped_nodes"] == 1  # the dead-end spur
    assert tiny.graph.node_osmid.tolist() == [1, 2]


def test_parallel_edges_keep_the_fastest_in_the_csr(tiny: Engine) -> None:
    assert tiny.graph.n_edges == 3  # W->E street, W->E and E->W loop
    assert tiny.forward.nnz == 2
    assert tiny.forward[W, E] == pytest.approx(10 * D / V)
    assert tiny.forward[E, W] == pytest.approx(20 * D / V)
    assert tiny.reverse[E, W] == pytest.approx(10 * D / V)


def test_nearest_by_air_is_farthest_by_road(tiny: Engine) -> None:
    table = UnitTable(tiny)
    for uid, (lon, lat) in zip("ABC", (UNIT_A, UNIT_B, UNIT_C)):
        table.upsert(uid, lon, lat, "ambulance", speed_factor=AMBULANCE)
    ranked = table.nearest(*INCIDENT)
    assert [r.unit_id for r in ranked] == ["B", "C", "A"]
    for r, metres in zip(ranked, (6 * D, 19 * D, 28 * D)):
        assert r.distance_m == pytest.approx(metres, rel=1e-6)
        assert r.eta_s == pytest.approx(metres / V / AMBULANCE, rel=1e-6)
        assert r.unit_type == "ambulance"


def test_speed_factor_must_be_positive_and_finite(tiny: Engine) -> None:
    table = UnitTable(tiny)
    for bad in (0.0, -1.0, float("inf"), float("nan")):
        with pytest.raises(SpeedFactorError):
            table.upsert("A", *UNIT_A, speed_factor=bad)
    with pytest.raises(SpeedFactorError):
        tiny.travel_times_from(*UNIT_A, factor=0.0)
    assert "A" not in table


def test_same_road_direct_and_against_one_way(tiny: Engine) -> None:
    table = UnitTable(tiny)
    table.upsert("behind", 0.001, 0.0)
    table.upsert("ahead", 0.003, 0.0)
    etas = {r.unit_id: r.eta_s for r in table.nearest(0.002, 0.0)}
    assert etas["behind"] == pytest.approx(1 * D / V, rel=1e-6)
    assert etas["ahead"] == pytest.approx((7 + 20 + 2) * D / V, rel=1e-6)


def test_travel_times_from_and_to_respect_one_way(tiny: Engine) -> None:
    to = tiny.travel_times_to(*INCIDENT)
    assert to[W] == pytest.approx(2 * D / V) and to[E] == pytest.approx(22 * D / V)
    frm = tiny.travel_times_from(*INCIDENT)
    assert frm[E] == pytest.approx(8 * D / V) and frm[W] == pytest.approx(28 * D / V)
    both = tiny.travel_times_from([UNIT_A[0], UNIT_B[0]], [UNIT_A[1], UNIT_B[1]])
    assert both.shape == (2, 2)
    nearest = tiny.travel_times_from([UNIT_A[0], UNIT_B[0]], [UNIT_A[1], UNIT_B[1]], min_only=True)
    np.testing.assert_allclose(nearest, both.min(axis=0))
    assert tiny.travel_times_from(*INCIDENT, factor=2.0)[E] == pytest.approx(4 * D / V)


def test_route_geometry_distance_and_steps(tiny: Engine) -> None:
    route = tiny.route(UNIT_B, INCIDENT)
    assert route.osmids == [1]
    assert route.distance_m == pytest.approx(6 * D, rel=1e-6)
    assert route.eta_s == pytest.approx(6 * D / V, rel=1e-6)
    assert [s.name for s in route.steps] == ["Jalan Lingkar", "Jalan Satu Arah"]
    assert [s.distance_m for s in route.steps] == pytest.approx([4 * D, 2 * D], rel=1e-6)
    coords = np.asarray(route.geometry.coords)
    np.testing.assert_allclose(coords[0], UNIT_B, atol=1e-12)
    np.testing.assert_allclose(coords[-1], (0.002, 0.0), atol=1e-12)
    assert route.geometry.length == pytest.approx(0.006)
    feature = route.to_geojson()
    assert feature["geometry"]["type"] == "LineString" and feature["properties"]["steps"][0]["name"] == "Jalan Lingkar"


def test_route_along_one_road_and_around(tiny: Engine) -> None:
    assert tiny.route((0.001, 0.0), (0.003, 0.0)).eta_s == pytest.approx(2 * D / V)
    around = tiny.route((0.003, 0.0), (0.001, 0.0))
    assert around.distance_m == pytest.approx(28 * D, rel=1e-6)
    assert around.osmids == [2, 1]
    assert tiny.route((0.003, 0.0), (0.001, 0.0), factor=2.0).eta_s == pytest.approx(28 * D / V / 2)


def test_snap_offset_distance_and_too_far(tiny: Engine) -> None:
    snap = tiny.snap([0.005, 0.005, 0.0], [0.0001, 0.03, 0.0])
    assert snap.edge[0] == tiny.graph.edge_ids([W], [E])[0]
    assert snap.offset_m[0] == pytest.approx(5 * D, rel=1e-6)
    assert snap.distance_m[0] == pytest.approx(0.1 * D, rel=1e-3)
    assert snap.too_far.tolist() == [False, True, False]
    assert snap.fraction[2] in (0.0, 1.0)  # exactly at node W


def test_service_area_follows_roads(tiny: Engine) -> None:
    area = service_area(tiny, 0.0, 0.0, minutes=200 / 60)  # 1000 m from W
    assert area.is_valid and area.geom_type in ("Polygon", "MultiPolygon")
    inside = [(0.005, 0.0), (0.003, 0.005), (0.0, 0.0025)]
    outside = [(0.0099, 0.0), (0.01, 0.0025), (0.005, 0.0025)]
    assert all(area.contains(shapely.Point(p)) for p in inside)
    assert not any(area.contains(shapely.Point(p)) for p in outside)
    assert service_area(tiny, 0.0, 0.0, minutes=0).is_empty


def test_unit_table_recomputes_only_the_moved_row(tiny: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import routing.nearest_units

    table = UnitTable(tiny)
    table.upsert_many(["A", "B"], [UNIT_A[0], UNIT_B[0]], [UNIT_A[1], UNIT_B[1]], ["ambulance", "fire_truck"])
    b_before = table.times("B").copy()
    sizes = []
    search = routing.nearest_units.virtual_tree
    monkeypatch.setattr(
        routing.nearest_units,
        "virtual_tree",
        lambda base, nodes, *a, **k: sizes.append(len(nodes)) or search(base, nodes, *a, **k),
    )
    table.upsert("A", *UNIT_C, "ambulance")
    assert sizes == [1]
    np.testing.assert_array_equal(table.times("B"), b_before)
    assert [r.unit_id for r in table.nearest(*INCIDENT, types=["ambulance"])] == ["A"]
    table.upsert("B", *UNIT_B, "fire_truck", available=False)  # a busy unit is kept but not ranked
    assert [r.unit_id for r in table.nearest(*INCIDENT)] == ["A"]
    table.upsert("B", *UNIT_B, "fire_truck")
    assert len(table.nearest(*INCIDENT, k=1)) == 1
    table.remove("A")
    assert "A" not in table and len(table) == 1
    assert len(table.upsert_many([], [], [])) == 0
    assert [r.unit_id for r in table.nearest(*INCIDENT)] == ["B"]
