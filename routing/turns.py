"""The graph the searches run on: the road graph, expanded where turns are restricted.

A turn restriction forbids a pair of edges (in along one, out along the other), which a node-based
Dijkstra cannot express.  So each junction with a restriction becomes a small turn table: one search node
per edge arriving there, one per edge leaving, a zero-cost arc for every allowed turn between them, plus
two nodes for points exactly at the junction: the junction itself (the physical node's index), from which
every way out is open, and an arrival node that every way in reaches.  Everywhere else the search graph
*is* the road graph (same indices), so without restrictions nothing changes and nothing is copied.

U-turn rule: a U-turn at a junction (out along the edge opposite the one driven in on) is a turn like any
other, allowed and free unless a ``no_u_turn`` (or an ``only_*``) restriction forbids it; a vehicle never
turns part-way along a road.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from .compiled import CompiledGraph, concat_ranges, csr_pointer, id_lookup, look_up


@dataclass(frozen=True, eq=False)
class SearchGraph:
    """Search nodes and arcs of a compiled graph with its turn restrictions.

    Attributes
    ----------
    n_physical : int
        N, the compiled graph's nodes: search nodes ``0..N-1`` are those nodes.
    origin : ndarray of int64, shape (S,)
        The physical node of each search node.
    edge_head, edge_tail : ndarray of int64, shape (E,)
        The search node each edge arrives at and leaves from.
    arrival : ndarray of int64, shape (N,)
        The search node that every way into a node reaches (the node itself where turns are free).
    arc_edge : ndarray of int64, shape (A,)
        The edge of each arc in forward CSR order; ``E`` for a turn within a junction (no road).
    forward : scipy.sparse.csr_matrix
        Arc travel times, (S, S).
    reverse : scipy.sparse.csr_matrix
        The transpose, for searches toward a point.
    """

    n_physical: int
    origin: np.ndarray
    edge_head: np.ndarray
    edge_tail: np.ndarray
    arrival: np.ndarray
    arc_edge: np.ndarray
    forward: sp.csr_matrix
    reverse: sp.csr_matrix

    @property
    def n_nodes(self) -> int:
        """Number of search nodes, S."""
        return len(self.origin)

    @property
    def restricted(self) -> bool:
        """Whether any junction is expanded."""
        return self.n_nodes > self.n_physical

    @property
    def nbytes(self) -> int:
        """Memory of the arrays and matrices, in bytes."""
        arrays = (self.origin, self.edge_head, self.edge_tail, self.arrival, self.arc_edge)
        matrices = sum(m.data.nbytes + m.indices.nbytes + m.indptr.nbytes for m in (self.forward, self.reverse))
        return sum(a.nbytes for a in arrays) + matrices

    @classmethod
    def from_graph(cls, graph: CompiledGraph) -> SearchGraph:
        """Expand the junctions of ``graph`` that have forbidden turns (``turn_from``/``turn_to``).

        Parameters
        ----------
        graph
            The compiled graph.

        Returns
        -------
        SearchGraph
        """
        n, e = graph.n_nodes, graph.n_edges
        via = np.unique(graph.edge_v[graph.turn_from]).astype(np.int64)
        ins = np.flatnonzero(np.isin(graph.edge_v, via))
        outs = np.flatnonzero(np.isin(graph.edge_u, via))
        ins, outs = (
            ins[np.argsort(graph.edge_v[ins], kind="stable")],
            outs[np.argsort(graph.edge_u[outs], kind="stable")],
        )
        edge_head, edge_tail = graph.edge_v.astype(np.int64), graph.edge_u.astype(np.int64)
        edge_head[ins] = n + np.arange(len(ins))
        edge_tail[outs] = n + len(ins) + np.arange(len(outs))
        arrival = np.arange(n, dtype=np.int64)
        arrival[via] = n + len(ins) + len(outs) + np.arange(len(via))
        origin = np.concatenate([np.arange(n), graph.edge_v[ins], graph.edge_u[outs], via]).astype(np.int64)
        # every way in meets every way out of its junction, minus the forbidden pairs
        out_at = graph.edge_u[outs]
        lo = np.searchsorted(out_at, graph.edge_v[ins], side="left")
        count = np.searchsorted(out_at, graph.edge_v[ins], side="right") - lo
        turn_in, turn_out = np.repeat(ins, count), outs[concat_ranges(lo, count)]
        allowed = ~np.isin(turn_in * e + turn_out, graph.turn_from.astype(np.int64) * e + graph.turn_to)
        turn_in, turn_out = turn_in[allowed], turn_out[allowed]
        tails = np.concatenate([edge_tail[graph.csr_edge], edge_head[turn_in], graph.edge_u[outs], edge_head[ins]])
        heads = np.concatenate(
            [edge_head[graph.csr_edge], edge_tail[turn_out], edge_tail[outs], arrival[graph.edge_v[ins]]]
        )
        edges = np.concatenate([graph.csr_edge, np.full(len(tails) - len(graph.csr_edge), e)]).astype(np.int64)
        s = len(origin)
        order = np.lexsort((heads, tails))
        tails, heads, edges = tails[order], heads[order], edges[order]
        # explicit zeros are arcs to csgraph, so a free turn stays an arc
        weights = np.append(graph.edge_tt, 0.0)[edges]
        forward = sp.csr_matrix((weights, heads, csr_pointer(tails, s)), shape=(s, s))
        back = np.lexsort((tails, heads))
        reverse = sp.csr_matrix((weights[back], tails[back], csr_pointer(heads[back], s)), shape=(s, s))
        return cls(n, origin, edge_head, edge_tail, arrival, edges, forward, reverse)

    @cached_property
    def _arc_lookup(self) -> sp.csr_array:
        """The edge of each (tail, head) arc (see :func:`routing.compiled.id_lookup`)."""
        return id_lookup(self.arc_edge, self.forward.indices, self.forward.indptr)

    def arc_edges(self, tails: np.ndarray, heads: np.ndarray) -> np.ndarray:
        """Return the edge of each (tail, head) arc: an edge id, ``E`` for a turn, -1 where there is no arc.

        Why: paths and shortest-path trees come as search nodes; geometry, names and lengths are per edge.
        """
        return look_up(self._arc_lookup, tails, heads)

    @cached_property
    def _arrival_of(self) -> np.ndarray:
        """The physical node each search node is the arrival node of, -1 for the others."""
        of = np.full(self.n_nodes, -1, dtype=np.int64)
        of[self.arrival] = np.arange(self.n_physical)
        return of

    def physical_reached(self, nodes: np.ndarray, costs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`physical` of a search from points, given as the search nodes it reached and their costs.

        Why: a bounded search reaches a few nodes of a large graph; spreading them over every node to reduce
        them would cost the graph, not the reach.

        Returns
        -------
        tuple of ndarray
            The physical nodes reached and their costs, in the order of ``nodes``.
        """
        if not self.restricted:
            return np.asarray(nodes, dtype=np.int64), np.asarray(costs)
        of = self._arrival_of[nodes]
        keep = of >= 0
        return of[keep], np.asarray(costs)[keep]

    def physical(self, times: np.ndarray, leaving: bool) -> np.ndarray:
        """Reduce search results (..., S) to the physical nodes (..., N).

        Why: callers ask about places (a desa's node, a station's node), whichever way one arrives.

        Parameters
        ----------
        times
            Costs to (``leaving``: a search from points) or from (a search toward points) every search node.
        leaving
            From points: a node counts when any way in reaches it (its arrival node).  Toward points: from
            the node itself, any way out open.
        """
        if not self.restricted:
            return times
        return times[..., self.arrival] if leaving else times[..., : self.n_physical]

    def path_nodes(self, path: np.ndarray) -> np.ndarray:
        """The physical nodes of a path of search nodes, a junction passed through counted once."""
        nodes = self.origin[np.asarray(path, dtype=np.int64)]
        keep = np.ones(len(nodes), dtype=bool)
        keep[1:] = nodes[1:] != nodes[:-1]
        return nodes[keep]
