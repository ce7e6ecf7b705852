"""Searched routes on the contraction hierarchy: the fastest path, from a cache that survives a bad file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from routing import Engine, GraphMismatchError, UnitTable, cache_path, load_engine, source_key
from routing.hierarchy import Hierarchy


def test_searched_routes_equal_the_dijkstra_of_a_units_row(oakland: tuple[object, Engine]) -> None:
    _, engine = oakland
    g = engine.graph
    rng = np.random.default_rng(4)
    # points part-way along roads, so that each end of both roads is a candidate
    lons, lats = (
        rng.uniform(g.node_lon.min(), g.node_lon.max(), 60),
        rng.uniform(g.node_lat.min(), g.node_lat.max(), 60),
    )
    table = UnitTable(engine)
    table.upsert_many(list(range(30)), lons[:30], lats[:30])
    for unit in range(30):
        tabled = table.route(unit, lons[30 + unit], lats[30 + unit])
        searched = engine.route((lons[unit], lats[unit]), (lons[30 + unit], lats[30 + unit]))
        assert searched.eta_s == pytest.approx(tabled.eta_s, rel=1e-6, abs=1e-3)
        assert sum(s.duration_s for s in searched.steps) == pytest.approx(searched.eta_s)
        # the path is made of the graph's edges, one after the other
        nodes = np.array(searched.nodes)
        assert (g.edge_ids(nodes[:-1], nodes[1:]) >= 0).all()


def test_ends_without_a_finite_cost_give_no_path(tiny: Engine) -> None:
    node = int(tiny.graph.edge_v[0])
    cost, start, end, arcs = tiny.hierarchy.path(np.array([node, node]), np.array([0.0, np.inf]),
                                                 np.array([node, node]), np.array([np.inf, np.inf]))  # fmt: skip
    assert (cost, start, end, len(arcs)) == (np.inf, -1, -1, 0)


def test_the_hierarchy_is_cached_beside_the_graph_and_rebuilt_when_unreadable(tiny_osm: Path, tmp_path: Path) -> None:
    first = load_engine(tiny_osm, tmp_path)
    saved = cache_path(tmp_path, source_key(tiny_osm)).with_suffix(".ch")
    assert saved.exists()
    written = saved.read_bytes()
    origin, destination = (0.001, 0.0), (0.003, 0.0)
    expected = first.route(origin, destination)
    again = load_engine(tiny_osm, tmp_path)
    assert again.route(origin, destination).osmids == expected.osmids
    saved.write_bytes(written[: len(written) // 2])  # cut short, as by a full disk
    rebuilt = load_engine(tiny_osm, tmp_path)
    assert rebuilt.route(origin, destination).eta_s == pytest.approx(expected.eta_s)
    assert saved.read_bytes() == written


def test_a_hierarchy_of_another_graph_is_refused(tiny: Engine, oakland: tuple[object, Engine], tmp_path: Path) -> None:
    tiny.hierarchy.save(tmp_path / "tiny.ch")
    with pytest.raises(GraphMismatchError, match="hierarchy of"):
        Hierarchy.load(oakland[1].search, tmp_path / "tiny.ch")
