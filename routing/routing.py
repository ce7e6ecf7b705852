"""Shortest travel times between points on roads, with scipy's csgraph Dijkstra.

Points lie *on* edges, so each search adds one virtual node per point to the
CSR matrix: a source point gets edges to the ends of its road it can drive to
(the head at ``(1-f)*tt``, the tail at ``f*tt`` only if the opposite edge
exists); a target point is reached from the tail at ``f*tt`` and from the head
at ``(1-f)*tt`` of the opposite edge.  A point exactly at a node reaches and
leaves it for free whatever the edge direction.  Virtual nodes have no incoming
edges, so several of them share one matrix without interfering.  The nodes are
search nodes (:class:`routing.turns.SearchGraph`): where turns are restricted, a
road ends at the junction's node for the way in along it, or starts at the one
for the way out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from .distance import Roads, Snap
from .turns import SearchGraph


def end_costs(
    snap: Snap, roads: Roads, search: SearchGraph, weights: np.ndarray, leaving: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Return the two road-end search nodes of each point and the cost between point and node.

    Why: this is the whole edge-snapping semantics (one-way streets included) in
    one place; searches, unit tables and routes all use it.

    Parameters
    ----------
    snap
        Snapped points.
    roads
        The road table the points were snapped to.
    search
        The search graph of the same compiled graph.
    weights
        Per-edge weights (travel times or lengths).
    leaving
        True for points that drive away (units), False for points driven to.

    Returns
    -------
    nodes : ndarray of int64, shape (m, 2)
        Column 0 the end reached along the road's own edge (head when leaving,
        tail when arriving), column 1 the other end; a point exactly at a node
        has that node's own search node there (every way out open, or reached
        by every way in).
    costs : ndarray of float64, shape (m, 2)
        Cost point->node (leaving) or node->point (arriving); inf when a one-way
        street forbids it.
    """
    f = snap.fraction
    fwd, bwd = roads.fwd[snap.road], roads.bwd[snap.road]
    two_way = bwd >= 0
    back = np.where(two_way, bwd, fwd)  # the edge driven back along the road (any edge where there is none)
    along_fwd, along_bwd = (1.0 - f, f) if leaving else (f, 1.0 - f)
    fwd_cost = along_fwd * weights[fwd]
    at_far = along_bwd == 0.0
    # a one-way road cannot be driven against its direction, except for no distance at all
    bwd_cost = np.where(two_way | at_far, along_bwd * weights[back], np.inf)
    ends = search.edge_head if leaving else search.edge_tail
    # a point at a node leaves from the node itself (its index) or is reached at its arrival node
    near, far = (snap.v, snap.u) if leaving else (search.arrival[snap.u], search.arrival[snap.v])
    first = np.where(along_fwd == 0.0, near, ends[fwd])
    second = np.where(two_way & ~at_far, ends[back], far)
    # np.array(...).T: (m, 2) in a third of column_stack's time, which counts for a route's two points
    return np.array([first, second]).T, np.array([fwd_cost, bwd_cost]).T


def direct_costs(src: Snap, dst: Snap, roads: Roads, weights: np.ndarray) -> np.ndarray:
    """Return the cost of driving along a shared road from each source to the target.

    Why: a unit and an incident on the same road may not need any node at all.

    Parameters
    ----------
    src
        Source points (m rows).
    dst
        Target point(s), broadcast against ``src``.
    roads, weights
        As in :func:`end_costs`.

    Returns
    -------
    ndarray of float64, shape (m,)
        The cost, inf where the roads differ or the direction is forbidden.
    """
    delta = dst.fraction - src.fraction
    bwd = roads.bwd[src.road]
    forward = delta * weights[roads.fwd[src.road]]
    backward = np.where(bwd >= 0, -delta * weights[np.maximum(bwd, 0)], np.inf)
    cost = np.where(delta >= 0, forward, backward)
    return np.where(src.road == dst.road, cost, np.inf)


def _with_virtual_nodes(base: sp.csr_matrix, nodes: np.ndarray, costs: np.ndarray) -> sp.csr_matrix:
    """Return ``base`` with one virtual node per row of (nodes, costs) appended, edges to those nodes only."""
    n, m = base.shape[0], len(nodes)
    finite = np.isfinite(costs)
    # In the base's own index types: int64 would make scipy scan every index to check it fits, and copy them all
    # again (a third of a unit's move on a province's graph).
    indptr = np.concatenate([base.indptr, base.indptr[-1] + np.cumsum(finite.sum(axis=1), dtype=base.indptr.dtype)])
    indices = np.concatenate([base.indices, nodes[finite].astype(base.indices.dtype)])
    data = np.concatenate([base.data, costs[finite]])
    return sp.csr_matrix((data, indices, indptr), shape=(n + m, n + m), copy=False)


def virtual_search(
    base: sp.csr_matrix, nodes: np.ndarray, costs: np.ndarray, limit: float = np.inf, min_only: bool = False
) -> np.ndarray:
    """Run Dijkstra from virtual nodes attached to ``base`` by (node, cost) pairs.

    Why: one C-level call serves many points (units, stations) at once.

    Parameters
    ----------
    base
        The (N, N) forward or reverse CSR matrix.
    nodes, costs
        Shape (m, 2) from :func:`end_costs`; infinite costs are left out.
    limit
        Stop searching beyond this cost (nodes past it are inf).
    min_only
        Return the cost from the nearest virtual node only.

    Returns
    -------
    ndarray
        Costs, shape (m, N), or (N,) with ``min_only``.
    """
    n, m = base.shape[0], len(nodes)
    graph, sources = _with_virtual_nodes(base, nodes, costs), np.arange(n, n + m)
    if min_only:
        return dijkstra(graph, directed=True, indices=sources, limit=limit, min_only=True)[..., :n]
    return dijkstra(graph, directed=True, indices=sources, limit=limit)[..., :n]


def virtual_tree(
    base: sp.csr_matrix, nodes: np.ndarray, costs: np.ndarray, limit: float = np.inf
) -> tuple[np.ndarray, np.ndarray]:
    """Run Dijkstra from virtual nodes (see :func:`virtual_search`), keeping the shortest-path trees.

    ``limit`` stops the search beyond that cost: nodes past it are unreached (inf, no predecessor).

    Returns
    -------
    dist : ndarray
        Shape (m, N).
    pred : ndarray
        Same shape, int32: each node's predecessor (virtual nodes are >= N), -9999 where unreached.
    """
    n, m = base.shape[0], len(nodes)
    graph = _with_virtual_nodes(base, nodes, costs)
    dist, pred = dijkstra(graph, directed=True, indices=np.arange(n, n + m), return_predecessors=True, limit=limit)
    return dist[..., :n], pred[..., :n]


@dataclass(frozen=True)
class Tree:
    """One source's shortest-path tree, kept only where it reached: what a unit's bounded row holds.

    Attributes
    ----------
    nodes : ndarray of int32
        The reached search nodes, ascending.
    times : ndarray of float32
        Seconds to each of them.
    preds : ndarray of int32 (or uint16)
        Each one's predecessor (>= S: the source point itself).
    """

    nodes: np.ndarray
    times: np.ndarray
    preds: np.ndarray

    def _find(self, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions of the search nodes ``at`` in :attr:`nodes`, and whether each was reached."""
        i = np.minimum(np.searchsorted(self.nodes, at), max(len(self.nodes) - 1, 0))
        return i, (self.nodes[i] == at) if len(self.nodes) else np.zeros(np.shape(at), dtype=bool)

    def times_at(self, at: np.ndarray) -> np.ndarray:
        """Seconds to the search nodes ``at``; inf where the tree did not reach."""
        i, hit = self._find(np.asarray(at))
        return np.where(hit, self.times[i] if len(self.nodes) else np.inf, np.inf)

    def pred_at(self, node: int) -> int:
        """The predecessor of a reached search node (>= S: the source), -1 for one not reached."""
        i, hit = self._find(np.asarray(node))
        return int(self.preds[i]) if bool(hit) else -1


def tree_lengths(
    search: SearchGraph, edge_len: np.ndarray, pred: np.ndarray, nodes: np.ndarray, first: np.ndarray
) -> np.ndarray:
    """Return the length in metres of every shortest-time path of a search forest.

    Why: Dijkstra minimises time; dispatchers also want the road distance of
    that fastest path, for all nodes at once.  Pointer jumping adds the lengths
    up the predecessor tree in log2(depth) numpy passes, with no Python loop
    over nodes; one row at a time keeps the arrays in cache.

    Parameters
    ----------
    search
        The search graph the trees were grown on.
    edge_len
        Edge lengths (a turn within a junction has none).
    pred
        Predecessors from :func:`virtual_tree`, shape (m, N).
    nodes, first
        Per source (m, 2): its road-end nodes and the length from the source
        point to each (from :func:`end_costs` with lengths).

    Returns
    -------
    ndarray of float64, shape (m, N)
        Path lengths; inf where unreached.
    """
    m, n = pred.shape
    out = np.full((m, n), np.inf)
    for i in range(m):
        # Only the nodes the tree reached (a bounded search reaches thousands of a province's million): the
        # jumps run on their positions in ``heads``, not over every node.
        heads = np.flatnonzero(pred[i] >= 0)
        tail = pred[i, heads].astype(np.int64)
        real = tail < n
        acc = np.empty(len(heads))
        # a turn within a junction (an edge index past the roads') has no length
        edges = search.arc_edges(tail[real], heads[real])
        acc[real] = np.where(edges < len(edge_len), edge_len.take(edges, mode="clip"), 0.0)
        # a virtual predecessor is the source point itself: its first leg
        acc[~real] = np.where(nodes[i, 0] == heads[~real], first[i, 0], first[i, 1])
        anc = np.full(len(heads), -1)
        # each predecessor's position among the reached (it was reached): itself when every node was (a regency)
        anc[real] = tail[real] if len(heads) == n else np.searchsorted(heads, tail[real])
        active = np.flatnonzero(real)
        while len(active):
            up = anc[active]
            acc[active] += acc[up]
            anc[active] = anc[up]
            active = active[anc[active] >= 0]
        out[i, heads] = acc
    return out
