"""Point-to-point searches on a contraction hierarchy of the search graph (RoutingKit, via ``ch-router``).

A searched route (a unit without a maintained row) asks one question: the fastest path between two points.
A contraction hierarchy answers it in tens of microseconds by searching upward from both ends, where a
Dijkstra from the origin settles every node closer than the destination.  The hierarchy is built on the
search graph (:mod:`routing.turns`), so restricted turns stay forbidden; it is built once per graph
(half a second on Mojokerto) and can be saved beside the compiled graph's cache.

RoutingKit weighs arcs with 31-bit integers: times are counted in ticks of
:data:`routing.settings.HIERARCHY_TICKS_PER_S`.  The hierarchy only chooses the path; its cost is then summed
in seconds along the arcs, so the rounding changes a route only between two nearly equal ones.
"""

from __future__ import annotations

import math
import threading
from pathlib import Path

import numpy as np
from routingkit_ch import INF_WEIGHT, CHQuery, ContractionHierarchy

from . import settings
from ._errors import GraphMismatchError
from .turns import SearchGraph


class Hierarchy:
    """A contraction hierarchy over a search graph's forward arcs.

    Parameters
    ----------
    search
        The search graph whose arcs (forward CSR order) the hierarchy was built on.
    ch
        The hierarchy, from :meth:`from_search` or :meth:`load`.
    """

    def __init__(self, search: SearchGraph, ch: ContractionHierarchy) -> None:
        if ch.node_count != search.n_nodes:
            raise GraphMismatchError(f"hierarchy of {ch.node_count} nodes for a search graph of {search.n_nodes}")
        self.search = search
        self._ch = ch
        # a query object holds its search state: one per thread, reused (creating one costs 60 us)
        self._local = threading.local()

    @classmethod
    def from_search(cls, search: SearchGraph) -> Hierarchy:
        """Contract the search graph (its forward arcs, weights rounded to ticks)."""
        arcs = search.forward
        tails = np.repeat(np.arange(search.n_nodes, dtype=np.uint32), np.diff(arcs.indptr))
        ticks = np.rint(arcs.data * settings.HIERARCHY_TICKS_PER_S).astype(np.uint32)
        return cls(search, ContractionHierarchy.build(search.n_nodes, tails, arcs.indices.astype(np.uint32), ticks))

    @classmethod
    def load(cls, search: SearchGraph, path: Path) -> Hierarchy:
        """Read a hierarchy written by :meth:`save` for this search graph."""
        return cls(search, ContractionHierarchy.load(str(path)))

    def save(self, path: Path) -> None:
        """Write the hierarchy to ``path`` (RoutingKit's binary format)."""
        self._ch.save(str(path))

    def _query(self) -> CHQuery:
        """This thread's query object."""
        query = getattr(self._local, "query", None)
        if query is None:
            query = self._local.query = CHQuery(self._ch)
        return query

    def path(
        self, starts: np.ndarray, start_costs: np.ndarray, ends: np.ndarray, end_costs: np.ndarray
    ) -> tuple[float, int, int, np.ndarray]:
        """The fastest path from any start to any end, each with its cost from or to its point.

        Why: a point on a road leaves by either end of it and is reached from either end (the costs of
        :func:`routing.routing.end_costs`); RoutingKit's query takes no such costs, so every finite pair is
        asked, each in microseconds.

        Parameters
        ----------
        starts, start_costs
            The origin's road-end search nodes and the seconds from the origin to each, shape (2,).
        ends, end_costs
            The destination's road-end search nodes and the seconds from each to it, shape (2,).

        Returns
        -------
        cost : float
            Seconds from the origin to the destination along the path; inf when no pair is joined.
        start, end : int
            The columns of ``starts`` and ``ends`` the path joins (-1 when unreachable).
        arcs : ndarray of int64
            The path's arcs, as positions in the search graph's forward CSR order.
        """
        query = self._query()
        cost, start, end, arcs = math.inf, -1, -1, []
        asked: set[tuple[int, float, int, float]] = set()
        for i, (node, before) in enumerate(zip(starts.tolist(), start_costs.tolist())):
            for j, (other, after) in enumerate(zip(ends.tolist(), end_costs.tolist())):
                # a point at a node has that node at both ends: ask once
                if not math.isfinite(before + after) or (node, before, other, after) in asked:
                    continue
                asked.add((node, before, other, after))
                ticks = query.reset().add_source(node).add_target(other).run().get_distance()
                total = before + ticks / settings.HIERARCHY_TICKS_PER_S + after
                if ticks != INF_WEIGHT and total < cost:
                    cost, start, end, arcs = total, i, j, query.get_arc_path()
        path = np.array(arcs, dtype=np.int64)
        if start >= 0:
            cost = float(start_costs[start] + self.search.forward.data[path].sum() + end_costs[end])
        return cost, start, end, path
