"""An independent reference for ETAs: networkx Dijkstra on the graph with edges split at the points.

Each snapped point becomes a node that splits its road: u -> P -> v along the
road's edge (and v -> P -> u along the opposite edge if it exists), points on
the same road chained in order of their fraction.  A point exactly at a node,
or at another point, is joined to it both ways at zero cost.  Nothing here uses the engine's search code.

With turn restrictions, :func:`turn_times` searches the same graph by edges (a state is the edge just
driven), so that a forbidden pair of graph edges is never driven in a row and nothing turns back at a point.
"""

from __future__ import annotations

import heapq
import itertools
from collections import defaultdict
from typing import Any

import networkx as nx
import numpy as np

from routing import Engine


def split_graph(engine: Engine, lons: np.ndarray, lats: np.ndarray) -> tuple[nx.DiGraph, list[tuple[str, int]]]:
    """Return the engine's graph as a DiGraph (fastest parallel edge) plus one node per point."""
    g = engine.graph
    H = nx.DiGraph()
    for e in g.csr_edge.tolist():
        H.add_edge(int(g.edge_u[e]), int(g.edge_v[e]), tt=float(g.edge_tt[e]), edge=e)
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
        for edge, step in ((int(roads.fwd[r]), 1), (int(roads.bwd[r]), -1)):
            if edge < 0:
                continue
            seq = chain if step == 1 else chain[::-1]
            for (fa, a), (fb, b) in itertools.pairwise(seq):
                H.add_edge(a, b, tt=abs(fb - fa) * float(g.edge_tt[edge]), edge=edge)
        for (fa, a), (fb, b) in itertools.pairwise(pts):
            if fa == fb:  # two points at the same spot
                H.add_edge(a, b, tt=0.0, edge=-1)
                H.add_edge(b, a, tt=0.0, edge=-1)
        for f, p in pts:
            if f in (0.0, 1.0):
                node = u if f == 0.0 else v
                H.add_edge(node, p, tt=0.0, edge=-1)
                H.add_edge(p, node, tt=0.0, edge=-1)
    return H, names


def turn_times(engine: Engine, H: nx.DiGraph, source: Any) -> dict[Any, float]:
    """Seconds from ``source`` to every node of ``H`` (from :func:`split_graph`), honouring the compiled
    graph's forbidden turns, by a Dijkstra over edges written out here."""
    g = engine.graph
    forbidden = set(zip(g.turn_from.tolist(), g.turn_to.tolist()))

    def allowed(a: Any, b: Any, c: Any) -> bool:
        if isinstance(b, tuple):  # a point: drive on, never turn back
            return c != a
        return (H.edges[a, b]["edge"], H.edges[b, c]["edge"]) not in forbidden

    best: dict[tuple[Any, Any], float] = {}
    heap = [(H.edges[source, b]["tt"], i, (source, b)) for i, b in enumerate(H.successors(source))]
    heapq.heapify(heap)
    counter = itertools.count(len(heap))
    while heap:
        cost, _, (a, b) = heapq.heappop(heap)
        if (a, b) in best:
            continue
        best[(a, b)] = cost
        for c in H.successors(b):
            if (b, c) not in best and allowed(a, b, c):
                heapq.heappush(heap, (cost + H.edges[b, c]["tt"], next(counter), (b, c)))
    times: dict[Any, float] = {source: 0.0}
    for (_, b), cost in best.items():
        times[b] = min(times.get(b, float("inf")), cost)
    return times
