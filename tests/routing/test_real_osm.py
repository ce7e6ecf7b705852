"""One-way streets, parallel edges and the pipeline on real OSM (West Oakland)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString

from routing import Engine, compile_graph
from routing.graph import edge_speed_kph, parse_maxspeed


def _osm_index(engine: Engine) -> dict[int, int]:
    return {int(o): i for i, o in enumerate(engine.graph.node_osmid)}


def test_drive_filter_and_scc(oakland: tuple[nx.MultiDiGraph, Engine]) -> None:
    G, engine = oakland
    report = engine.graph.meta["report"]
    assert report["undrivable_edges"] > 0  # footways, cycleways, parking aisles
    assert report["dropped_components"] > 0
    assert nx.is_strongly_connected(G)
    assert {d["highway"] for *_, d in G.edges(data=True)} <= {"residential", "unclassified", "secondary"}
    assert engine.graph.n_nodes == len(G)


def test_one_way_streets(oakland: tuple[nx.MultiDiGraph, Engine]) -> None:
    G, engine = oakland
    index = _osm_index(engine)
    one_way = [(u, v, d) for u, v, d in G.edges(data=True) if not G.has_edge(v, u)]
    assert one_way, "the sample has one-way streets"
    for u, v, d in one_way:
        lon, lat = G.nodes[v]["x"], G.nodes[v]["y"]
        back = engine.travel_times_from(lon, lat)[index[u]]
        assert back == pytest.approx(nx.shortest_path_length(G, v, u, weight="travel_time"))
        assert back > d["travel_time"]  # must go around
        assert engine.travel_times_to(lon, lat)[index[u]] == pytest.approx(d["travel_time"])


def test_parallel_edges(oakland: tuple[nx.MultiDiGraph, Engine]) -> None:
    """A slower parallel road between two real intersections: the CSR keeps the
    fastest, but a point on the slow road is snapped to the slow road."""
    G, _ = oakland
    G = G.copy()
    u, v, d = next((u, v, d) for u, v, d in G.edges(data=True) if G.has_edge(v, u) and d["length"] > 50)
    (x0, y0), (x1, y1) = (G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])
    mid = ((x0 + x1) / 2 + 0.002, (y0 + y1) / 2 + 0.002)  # a detour ~300 m off the street
    detour = LineString([(x0, y0), mid, (x1, y1)])
    slow = {"highway": "residential", "name": "Detour", "length": 600.0, "travel_time": 500.0}
    G.add_edge(u, v, key=7, geometry=detour, **slow)
    G.add_edge(v, u, key=7, geometry=detour.reverse(), **slow)
    engine = Engine(compile_graph(G))
    index = _osm_index(engine)
    assert engine.graph.n_edges == G.number_of_edges()
    assert engine.forward[index[u], index[v]] == pytest.approx(min(d["travel_time"], 500.0))
    snap = engine.snap(*mid)
    assert engine.graph.names[engine.graph.edge_name[snap.edge[0]]] == "Detour"
    assert snap.distance_m[0] < 1.0
    # from the detour's bend, a unit leaves along the detour, either way
    f = snap.fraction[0] if engine.graph.edge_u[snap.edge[0]] == index[u] else 1 - snap.fraction[0]
    assert 0.3 < f < 0.7
    times = engine.travel_times_from(*mid)
    back = G.edges[v, u, 0]["travel_time"]
    assert times[index[v]] == pytest.approx(min((1 - f) * 500.0, f * 500.0 + d["travel_time"]))
    assert times[index[u]] == pytest.approx(min(f * 500.0, (1 - f) * 500.0 + back))


def test_snapping_is_exact(oakland: tuple[nx.MultiDiGraph, Engine]) -> None:
    _, engine = oakland
    g, proj = engine.graph, engine.projection
    roads = []
    for e in engine.roads.fwd.tolist():
        c = g.edge_coords(e)
        roads.append(LineString(np.column_stack(proj.to_xy(c[:, 0], c[:, 1]))))
    rng = np.random.default_rng(3)
    lon = rng.uniform(g.node_lon.min() - 0.003, g.node_lon.max() + 0.003, 500)
    lat = rng.uniform(g.node_lat.min() - 0.003, g.node_lat.max() + 0.003, 500)
    snap = engine.snap(lon, lat)
    x, y = proj.to_xy(lon, lat)
    brute = shapely.distance(shapely.points(x, y)[:, None], np.array(roads)[None, :]).min(axis=1)
    np.testing.assert_allclose(snap.distance_m, brute, atol=1e-6)


@pytest.mark.parametrize(
    ("tag", "kph"),
    [
        ("50", 50.0),
        ("30 mph", 48.28),
        ("ID:urban", 50.0),
        ("40;60", 40.0),
        (["60", "30"], 30.0),
        ("none", None),
        (None, None),
    ],
)
def test_parse_maxspeed(tag: object, kph: float | None) -> None:
    assert parse_maxspeed(tag) == (pytest.approx(kph, abs=0.01) if kph else None)


def test_speed_is_class_speed_capped_by_maxspeed() -> None:
    assert edge_speed_kph({"highway": "motorway", "maxspeed": "100"}) == 80.0
    assert edge_speed_kph({"highway": "secondary", "maxspeed": "30"}) == 30.0
    assert edge_speed_kph({"highway": "footway"}) is None
    assert edge_speed_kph({"highway": "service", "service": "parking_aisle"}) is None
    assert edge_speed_kph({"highway": "service", "service": "emergency_access"}) == 15.0
    assert edge_speed_kph({"highway": "residential", "access": "private"}) is None
