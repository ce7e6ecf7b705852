"""An independent reference for ETAs: networkx Dijkstra on the graph with edges split at the points.

Each snapped point becomes a node that splits its road: u -> P -> v along the
road's edge (and v -> P -> u along the opposite edge if it exists), points on
the same road chained in order of their fraction.  A point exactly at a node,
or at another point, is joined to it both ways at zero cost.  Nothing here uses the engine's search code.
"""

from __future__ import annotations

import itertools
from collections import defaultdict

import networkx as nx
import numpy as np

from routing import Engine


def split_graph(engine: Engine, lons: np.ndarray, lats: np.ndarray) -> tuple[nx.DiGraph, list[tuple[str, int]]]:
    """Return the engine's graph as a DiGraph (fastest parallel edge) plus one node per point."""
    g = engine.graph
    H = nx.DiGraph()
    for e in g.csr_edge.tolist():
        H.add_edge(int(g.edge_u[e]), int(g.edge_v[e]), tt=float(g.edge_tt[e]))
    snap = engine.snap(lons, lats)
    names = [("P", i) for i in range(len(snap))]
    by_road = defaultdict(list)
    for i in range(len(snap)):
        by_road[int(snap.road[i])].append((float(snap.fraction[i]), names[i]))
    roads = engine.roads
    for r, pts in by_road.items():
        pts.sort()
        u, v = int(roads.u[r]), int(roads.v[r])
        chain = [(0.0, u), *pts, (1.0, v)]
        for tt, step in ((g.edge_tt[roads.fwd[r]], 1), (g.edge_tt[roads.bwd[r]] if roads.bwd[r] >= 0 else None, -1)):
            if tt is None:
                continue
            seq = chain if step == 1 else chain[::-1]
            for (fa, a), (fb, b) in itertools.pairwise(seq):
                H.add_edge(a, b, tt=abs(fb - fa) * float(tt))
        for (fa, a), (fb, b) in itertools.pairwise(pts):
            if fa == fb:  # two points at the same spot
                H.add_edge(a, b, tt=0.0)
                H.add_edge(b, a, tt=0.0)
        for f, p in pts:
            if f in (0.0, 1.0):
                node = u if f == 0.0 else v
                H.add_edge(node, p, tt=0.0)
                H.add_edge(p, node, tt=0.0)
    return H, names
