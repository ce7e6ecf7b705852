"""Snap points to the nearest road *edge*, with the offset along it.

A two-way street is two directed edges with one geometry, so snapping works on
*roads*: one per directed edge, or per pair of opposite edges.  Each road is
oriented along an existing edge (``fwd``) and knows its opposite edge (``bwd``,
-1 on one-way streets).  Road geometries are cut into short pieces whose
midpoints go into a KD-tree; a query checks the k nearest pieces exactly and
widens the search only when they cannot prove the answer, so the result is the
exact nearest road whatever the cut length.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from pykdtree.kdtree import KDTree

from . import settings
from ._geometry import cut_segments
from ._projection import LocalProjection
from .compiled import CompiledGraph, concat_ranges

_K = 8  # candidate pieces per point; more only when the k nearest cannot prove the answer
_AX, _AY, _DX, _DY, _LEN, _OFFSET = range(6)  # the columns of Snapper._pieces


@dataclass(eq=False)
class Roads:
    """Undirected view of a compiled graph, the unit of snapping.

    Attributes
    ----------
    fwd : ndarray of int64
        The edge each road is oriented along (from ``u`` to ``v``).
    bwd : ndarray of int64
        The opposite edge (``v`` to ``u``) or -1 for one-way streets.
    u, v : ndarray of int64
        End nodes.
    length_m : ndarray of float64
        Length of the road.
    """

    fwd: np.ndarray
    bwd: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length_m: np.ndarray

    @classmethod
    def from_graph(cls, graph: CompiledGraph) -> Roads:
        """Pair every edge with its twin (same ends and length, opposite direction).

        Why: parallel roads between the same two nodes stay separate roads, so
        a point on the slower one is snapped to it, not to its faster neighbour.
        """
        u, v = graph.edge_u.astype(np.int64), graph.edge_v.astype(np.int64)
        up = u < v
        lo, hi = np.minimum(u, v), np.maximum(u, v)
        decimetres = np.round(graph.edge_len * 10).astype(np.int64)
        # rank edges within (ends, length, direction); the k-th edge one way is
        # the twin of the k-th edge the other way
        order = np.lexsort((up, decimetres, hi, lo))
        key = np.column_stack([lo, hi, decimetres, up])[order]
        starts = np.ones(len(order), dtype=bool)
        starts[1:] = np.any(key[1:] != key[:-1], axis=1)
        position = np.arange(len(order))
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = position - np.maximum.accumulate(np.where(starts, position, 0))
        _, road_of = np.unique(np.column_stack([lo, hi, decimetres, rank]), axis=0, return_inverse=True)
        road_of = road_of.ravel()
        up_edge = np.full(road_of.max() + 1, -1, dtype=np.int64)
        down_edge = up_edge.copy()
        up_edge[road_of[up]] = np.flatnonzero(up)
        down_edge[road_of[~up]] = np.flatnonzero(~up)
        fwd = np.where(up_edge >= 0, up_edge, down_edge)
        return cls(fwd=fwd, bwd=np.where(up_edge >= 0, down_edge, -1), u=u[fwd], v=v[fwd], length_m=graph.edge_len[fwd])

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays, in bytes."""
        return sum(a.nbytes for a in (self.fwd, self.bwd, self.u, self.v, self.length_m))


@dataclass(eq=False)
class Snap:
    """Points snapped to roads; every attribute is an array with one row per point.

    Attributes
    ----------
    road : ndarray of int64
        Road index (see :class:`Roads`).
    edge : ndarray of int64
        The directed edge the road is oriented along.
    u, v : ndarray of int64
        Its tail and head node indices.
    fraction : ndarray of float64
        Position along the edge from ``u`` (0) to ``v`` (1); exactly 0 or 1 when
        the point is at a node.
    offset_m : ndarray of float64
        The same position in metres from ``u``.
    distance_m : ndarray of float64
        Distance from the point to the road.
    too_far : ndarray of bool
        ``distance_m`` exceeds the snapper's ``max_distance_m``.
    lon, lat : ndarray of float64
        The snapped point on the road.
    """

    road: np.ndarray
    edge: np.ndarray
    u: np.ndarray
    v: np.ndarray
    fraction: np.ndarray
    offset_m: np.ndarray
    distance_m: np.ndarray
    too_far: np.ndarray
    lon: np.ndarray
    lat: np.ndarray

    def __len__(self) -> int:
        return len(self.road)

    def take(self, rows: npt.ArrayLike | slice) -> Snap:
        """Return the given rows (indices, a mask, or a slice: views, no copy)."""
        index = rows if isinstance(rows, slice) else np.asarray(rows)
        return Snap(**{name: getattr(self, name)[index] for name in self.__dataclass_fields__})

    def concat(self, other: Snap) -> Snap:
        """Return these rows followed by those of ``other``."""
        return Snap(
            **{name: np.concatenate([getattr(self, name), getattr(other, name)]) for name in self.__dataclass_fields__}
        )

    def put(self, rows: np.ndarray, other: Snap) -> None:
        """Overwrite the given rows with the rows of ``other``, in place."""
        for name in self.__dataclass_fields__:
            getattr(self, name)[rows] = getattr(other, name)


class Snapper:
    """Nearest-road index over a compiled graph.

    Parameters
    ----------
    graph
        The compiled graph.
    roads
        Its undirected view.
    projection
        The local metric projection used for distances.
    max_distance_m
        Points farther from every road are flagged ``too_far``.
    """

    def __init__(
        self,
        graph: CompiledGraph,
        roads: Roads,
        projection: LocalProjection,
        max_distance_m: float = settings.DEFAULT_MAX_SNAP_M,
    ) -> None:
        self.roads = roads
        self.projection = projection
        self.max_distance_m = float(max_distance_m)
        starts, ends = graph.geom_ptr[roads.fwd], graph.geom_ptr[roads.fwd + 1]
        n_seg = ends - starts - 1
        seg_road = np.repeat(np.arange(len(roads.fwd)), n_seg)
        first = concat_ranges(starts, n_seg)  # each segment's first vertex
        x, y = projection.to_xy(graph.geom_lon, graph.geom_lat)
        ax, ay, bx, by = x[first], y[first], x[first + 1], y[first + 1]
        seg_len = np.hypot(bx - ax, by - ay)
        cum = np.cumsum(seg_len)
        road_end = cum[np.cumsum(n_seg) - 1]
        road_start = road_end - np.bincount(seg_road, weights=seg_len, minlength=len(roads.fwd))
        seg_offset = cum - seg_len - road_start[seg_road]
        # cut long segments so that midpoints are close to every part of a piece
        seg, t0, t1 = cut_segments(seg_len, settings.SNAP_SEGMENT_M)
        dx, dy = bx[seg] - ax[seg], by[seg] - ay[seg]
        # one row per piece (start, direction, true length, offset along its road): a query gathers its
        # candidates' rows in one indexing operation (the squared length is worked out from the direction then,
        # the same number, a megabyte less a worker)
        self._pieces = np.column_stack(
            [
                ax[seg] + t0 * dx,
                ay[seg] + t0 * dy,
                (t1 - t0) * dx,
                (t1 - t0) * dy,
                seg_len[seg] * (t1 - t0),
                seg_offset[seg] + t0 * seg_len[seg],
            ]
        )
        self._road = seg_road[seg].astype(np.int32)  # read back as int64 (:meth:`snap`)
        self._road_proj_len = np.maximum(road_end - road_start, 1e-12)
        self._half = float(self._pieces[:, _LEN].max()) / 2.0
        # pykdtree, not scipy's cKDTree: the same answers, and a query of one or two points (a route's ends)
        # costs 10 us instead of 60-100 us of cKDTree's fixed overhead
        p = self._pieces
        self.tree = KDTree(np.column_stack([p[:, _AX] + p[:, _DX] / 2, p[:, _AY] + p[:, _DY] / 2]))

    @property
    def nbytes(self) -> int:
        """Approximate memory of the index (pieces and tree), in bytes."""
        pieces = self._pieces.nbytes + self._road.nbytes
        return int(pieces + self.tree.data.nbytes + 4 * self.tree.n)  # the tree's points and its 32-bit permutation

    def _distances(self, px: np.ndarray, py: np.ndarray, pieces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return distance and clamped parameter t of points to candidate pieces (rows of ``_pieces``, broadcast)."""
        dx, dy = pieces[..., _DX], pieces[..., _DY]
        rx, ry = px - pieces[..., _AX], py - pieces[..., _AY]
        t = np.clip((rx * dx + ry * dy) / np.maximum(dx**2 + dy**2, 1e-18), 0.0, 1.0)
        return np.hypot(rx - t * dx, ry - t * dy), t

    def _within(self, x: float, y: float, radius: float) -> np.ndarray:
        """The pieces whose midpoints lie within ``radius`` of a point: k nearest, k doubled until the k-th is
        beyond the radius (the tree answers k-nearest questions only)."""
        k = 4 * _K
        while True:
            dist, near = self.tree.query(np.array([[x, y]]), k=min(k, self.tree.n), distance_upper_bound=radius)
            dist, near = np.ravel(dist), np.ravel(near)
            if k >= self.tree.n or not np.isfinite(dist[-1]):
                return near[np.isfinite(dist)].astype(np.int64)
            k *= 2

    def snap(self, lons: npt.ArrayLike, lats: npt.ArrayLike) -> Snap:
        """Snap points to their nearest road.

        Why: incidents and units are points; routing needs an edge and a position
        on it, and dispatchers need to know when a point is far from any road.

        Parameters
        ----------
        lons, lats
            Point coordinates in degrees (scalars or 1-d arrays of equal length).

        Returns
        -------
        Snap
            One row per point.
        """
        px, py = self.projection.to_xy(
            np.asarray(lons, dtype=float).reshape(-1), np.asarray(lats, dtype=float).reshape(-1)
        )
        k = min(_K, len(self._road))
        knn_dist, cand = self.tree.query(np.column_stack([px, py]), k=k)
        cand = cand.reshape(len(px), k)
        dist, t = self._distances(px[:, None], py[:, None], self._pieces[cand])
        best = np.argmin(dist, axis=1)
        rows = np.arange(len(px))
        piece, d, tt = cand[rows, best], dist[rows, best], t[rows, best]
        # a piece outside the k nearest midpoints is at least (k-th midpoint
        # distance - half a piece) away; widen the search where that could win
        kth = np.asarray(knn_dist).reshape(len(px), k)[:, -1]
        unsure = np.flatnonzero(d > kth - self._half) if k < len(self._road) else np.empty(0, dtype=np.int64)
        for i in unsure:
            near = self._within(px[i], py[i], d[i] + self._half)
            di, ti = self._distances(px[i], py[i], self._pieces[near])
            j = int(np.argmin(di))
            piece[i], d[i], tt[i] = near[j], di[j], ti[j]
        road, chosen = self._road[piece].astype(np.int64), self._pieces[piece]
        length = self.roads.length_m[road]
        fraction = np.clip((chosen[:, _OFFSET] + tt * chosen[:, _LEN]) / self._road_proj_len[road], 0.0, 1.0)
        fraction = np.where(fraction * length < settings.AT_NODE_M, 0.0, fraction)
        fraction = np.where((1.0 - fraction) * length < settings.AT_NODE_M, 1.0, fraction)
        lon, lat = self.projection.to_lonlat(chosen[:, _AX] + tt * chosen[:, _DX], chosen[:, _AY] + tt * chosen[:, _DY])
        return Snap(
            road=road,
            edge=self.roads.fwd[road],
            u=self.roads.u[road],
            v=self.roads.v[road],
            fraction=fraction,
            offset_m=fraction * length,
            distance_m=d,
            too_far=d > self.max_distance_m,
            lon=lon,
            lat=lat,
        )
