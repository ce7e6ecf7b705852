"""The routing engine: a compiled graph plus its indexes, answering dispatch questions.

Times are seconds at the profile speed divided by a speed factor (a uniform
factor scales every edge alike, so the same search serves every unit type);
distances are metres; coordinates are EPSG:4326 lon/lat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from shapely.geometry import LineString, mapping

from . import settings
from ._errors import UnreachableError
from ._geometry import line_stretch
from ._projection import LocalProjection
from ._validate import speed_factor
from .compiled import CompiledGraph
from .distance import Roads, Snap, Snapper
from .hierarchy import Hierarchy
from .routing import Tree, direct_costs, end_costs, virtual_search
from .turns import SearchGraph


@dataclass(frozen=True)
class Step:
    """One stretch of a route along a single street name.

    Attributes
    ----------
    name : str
        Street name, "" for unnamed roads.
    distance_m : float
        Length of the stretch.
    duration_s : float
        Driving time of the stretch.
    """

    name: str
    distance_m: float
    duration_s: float


@dataclass(frozen=True)
class Route:
    """A fastest route between two points.

    Attributes
    ----------
    nodes : list of int
        Node indices passed through (empty when both points share a road).
    osmids : list of int
        The same nodes as OSM ids.
    geometry : shapely.LineString
        From the snapped origin to the snapped destination, lon/lat.
    distance_m : float
        Road distance.
    eta_s : float
        Travel time.
    steps : list of Step
        Consecutive stretches by street name.
    """

    nodes: list[int]
    osmids: list[int]
    geometry: LineString
    distance_m: float
    eta_s: float
    steps: list[Step] = field(default_factory=list)

    def to_geojson(self) -> dict[str, Any]:
        """Return the route as a GeoJSON Feature (geometry + properties)."""
        return {
            "type": "Feature",
            "geometry": mapping(self.geometry),
            "properties": {
                "distance_m": self.distance_m,
                "eta_s": self.eta_s,
                "nodes": self.osmids,
                "steps": [step.__dict__ for step in self.steps],
            },
        }


class Engine:
    """Answer routing questions over one compiled graph.

    Parameters
    ----------
    graph
        The compiled graph (from :func:`routing.io.build_compiled` or the cache).
    max_snap_m
        Points farther than this from every road are flagged ``too_far``.
    """

    def __init__(self, graph: CompiledGraph, max_snap_m: float = settings.DEFAULT_MAX_SNAP_M) -> None:
        self.graph = graph
        self.projection = LocalProjection(float(np.mean(graph.node_lon)), float(np.mean(graph.node_lat)))
        self.roads = Roads.from_graph(graph)
        self.snapper = Snapper(graph, self.roads, self.projection, max_snap_m)
        self.search = SearchGraph.from_graph(graph)
        self.forward = self.search.forward
        self.reverse = self.search.reverse

    @cached_property
    def hierarchy(self) -> Hierarchy:
        """The contraction hierarchy of the search graph, for searched routes.

        Built on first use (half a second on Mojokerto) unless :func:`routing.load_engine` set it from its
        cache.
        """
        return Hierarchy.from_search(self.search)

    @property
    def node_lon(self) -> np.ndarray:
        """Node longitudes, shape (N,); node ``i`` is column ``i`` of every time array."""
        return self.graph.node_lon

    @property
    def node_lat(self) -> np.ndarray:
        """Node latitudes, shape (N,)."""
        return self.graph.node_lat

    @property
    def nbytes(self) -> int:
        """Memory held by the engine's arrays and indexes, in bytes."""
        return self.graph.nbytes + self.roads.nbytes + self.snapper.nbytes + self.search.nbytes

    def snap(self, lons: Any, lats: Any) -> Snap:
        """Snap points to their nearest road edge.

        Why: every query starts from points on roads; ``too_far`` tells the
        caller a location is implausible (default: over 2 km from any road).

        Parameters
        ----------
        lons, lats
            Scalars or 1-d arrays, degrees.

        Returns
        -------
        Snap
            Edge, offset, distance to the road and ``too_far`` per point.
        """
        return self.snapper.snap(lons, lats)

    def ends(self, snap: Snap, weights: np.ndarray, leaving: bool) -> tuple[np.ndarray, np.ndarray]:
        """The road-end search nodes of snapped points and the costs to or from them (see
        :func:`routing.routing.end_costs`)."""
        return end_costs(snap, self.roads, self.search, weights, leaving)

    def _times(self, lons: Any, lats: Any, leaving: bool, min_only: bool, limit_s: float, factor: float) -> np.ndarray:
        """Shared body of :meth:`travel_times_from` and :meth:`travel_times_to`."""
        factor = speed_factor(factor)
        snap = self.snap(lons, lats)
        nodes, costs = self.ends(snap, self.graph.edge_tt, leaving)
        base = self.forward if leaving else self.reverse
        dist = virtual_search(base, nodes, costs, limit=limit_s * factor, min_only=min_only)
        dist = self.search.physical(dist, leaving) / factor
        return dist[0] if np.ndim(lons) == 0 and not min_only else dist

    def travel_times_from(
        self, lons: Any, lats: Any, min_only: bool = False, limit_s: float = np.inf, factor: float = 1.0
    ) -> np.ndarray:
        """Seconds from point(s) to every node, driving forward along one-way streets.

        Why: a unit's reach; with many sources and ``min_only`` the seconds from
        the nearest source (coverage of a set of stations) in one search.

        Parameters
        ----------
        lons, lats
            One point (scalars) or m points (arrays).
        min_only
            Return, per node, the time from the nearest of the points.
        limit_s
            Do not search beyond this many seconds (nodes past it are inf).
        factor
            Speed factor of the unit (see :func:`routing.speed_factor`).

        Returns
        -------
        ndarray of float64
            (N,) for one point or ``min_only``, else (m, N).
        """
        return self._times(lons, lats, True, min_only, limit_s, factor)

    def travel_times_to(
        self, lons: Any, lats: Any, min_only: bool = False, limit_s: float = np.inf, factor: float = 1.0
    ) -> np.ndarray:
        """Seconds from every node to point(s) (a search on the reversed graph).

        Why: units drive *to* incidents; one reverse search gives every
        position's ETA to an incident, one-way streets taken in their direction.

        Parameters
        ----------
        lons, lats, min_only, limit_s, factor
            As in :meth:`travel_times_from`, for destinations.

        Returns
        -------
        ndarray of float64
            (N,) for one point or ``min_only``, else (m, N).
        """
        return self._times(lons, lats, False, min_only, limit_s, factor)

    def edge_piece(self, edge: int, f0: float, f1: float) -> np.ndarray:
        """Return the lon/lat coordinates of an edge between fractions f0 and f1.

        Why: routes and service areas start and end part-way along edges.

        Parameters
        ----------
        edge
            Edge id.
        f0, f1
            Fractions from the edge's tail; the piece is reversed when f1 < f0.

        Returns
        -------
        ndarray, shape (k, 2)
            Coordinates, k >= 2.  The projection is affine, so interpolating
            lon/lat by projected length is exact.
        """
        coords = self.graph.edge_coords(edge)
        lo, hi = sorted((f0, f1))
        if lo > 0.0 or hi < 1.0:
            coords = np.array(line_stretch(coords.tolist(), lo, hi, self.projection.kx, self.projection.ky))
        return coords if f1 >= f0 else coords[::-1]

    def route(self, origin: tuple[float, float], destination: tuple[float, float], factor: float = 1.0) -> Route:
        """Fastest route between two (lon, lat) points, with geometry and steps.

        Why: the dispatcher's map line and turn list for a unit sent to an incident.  A unit with a
        maintained row has its route walked along the row's tree (:meth:`route_on_tree`); any other pair of
        points is one query on the contraction hierarchy (:mod:`routing.hierarchy`).

        Parameters
        ----------
        origin, destination
            (lon, lat) in degrees.
        factor
            Speed factor of the unit.

        Returns
        -------
        Route
            Nodes, LineString from snapped origin to snapped destination,
            distance, ETA and steps.

        Raises
        ------
        UnreachableError
            If the destination cannot be reached (not with a strongly connected graph).
        """
        factor = speed_factor(factor)
        both = self.snap([origin[0], destination[0]], [origin[1], destination[1]])
        src, dst = both.take(slice(0, 1)), both.take(slice(1, 2))
        out_nodes, out_costs = self.ends(src, self.graph.edge_tt, leaving=True)
        in_nodes, in_costs = self.ends(dst, self.graph.edge_tt, leaving=False)
        cost, i, j, arcs = self.hierarchy.path(out_nodes[0], out_costs[0], in_nodes[0], in_costs[0])
        path = np.concatenate([out_nodes[0, i : i + 1], self.forward.indices[arcs]])
        return self._route_along(src, dst, (i, j), path, self.search.arc_edge[arcs], cost, factor)

    def route_on_tree(self, src: Snap, starts: np.ndarray, tree: Tree, dst: Snap, factor: float = 1.0) -> Route:
        """The route from a snapped origin whose shortest-path tree is known, to a snapped destination.

        Why: a unit's maintained row (:class:`routing.nearest_units.UnitTable`) holds its tree already, so its route
        is a walk along the predecessors plus the edges' geometry, without a search.

        Parameters
        ----------
        src
            The origin's snap (one point).
        starts
            The origin road's end search nodes the tree was grown from (:meth:`ends`, leaving).
        tree
            The tree: seconds at the profile speed to the search nodes it reached, and each one's predecessor
            (>= S: the origin itself).
        dst
            The destination's snap (one point).
        factor
            Speed factor of the unit.

        Raises
        ------
        UnreachableError
            If the destination cannot be reached.
        """
        in_nodes, in_costs = self.ends(dst, self.graph.edge_tt, leaving=False)
        arrive = tree.times_at(in_nodes[0]) + in_costs[0]
        j = int(np.argmin(arrive))
        path, n = [int(in_nodes[0, j])], self.search.n_nodes
        while 0 <= (pred := tree.pred_at(path[-1])) < n:
            path.append(pred)
        path.reverse()
        nodes = np.array(path)
        ends = (0 if path[0] == starts[0] else 1, j)
        return self._route_along(src, dst, ends, nodes, self.search.arc_edges(nodes[:-1], nodes[1:]), arrive[j], factor)

    def _route_along(
        self,
        src: Snap,
        dst: Snap,
        ends: tuple[int, int],
        path: np.ndarray,
        edges: np.ndarray,
        cost: float,
        factor: float,
    ) -> Route:
        """The route along a path of search nodes, or along the one road both points are on when that is faster.

        ``ends`` are the columns of :meth:`ends` the path leaves the origin's road by and enters the
        destination's road by; ``edges`` the path's arcs' edges; ``cost`` its seconds from point to point.
        """
        g, tt = self.graph, self.graph.edge_tt
        # along the one road both points are on (inf when they are not: no need to ask)
        direct = float(direct_costs(src, dst, self.roads, tt)[0]) if src.road[0] == dst.road[0] else np.inf
        r_src, r_dst, f_src, f_dst = int(src.road[0]), int(dst.road[0]), float(src.fraction[0]), float(dst.fraction[0])
        if np.isfinite(direct) and direct <= cost:
            return self._assemble([], [self._leg(r_src, f_src, f_dst)], factor)
        if not np.isfinite(cost):
            raise UnreachableError("no road path from the origin to the destination")
        # the first leg leaves the origin's road through its head (column 0) or its tail
        first = self._leg(r_src, f_src, 1.0 if ends[0] == 0 else 0.0)
        edges = edges[edges < g.n_edges]  # turns within a junction have no road
        middle = (g.path_coords(edges), g.edge_name[edges], tt[edges], g.edge_len[edges])
        last = self._leg(r_dst, 0.0 if ends[1] == 0 else 1.0, f_dst)
        return self._assemble(self.search.path_nodes(path).tolist(), [first, middle, last], factor)

    def _leg(self, road: int, f0: float, f1: float) -> tuple[np.ndarray, ...]:
        """Return (coords, names, seconds, metres) of a stretch of a road from f0 to f1.

        Driving toward the tail (f1 < f0) takes the road's opposite edge's time.
        """
        g = self.graph
        edge = int(self.roads.fwd[road])
        share = abs(f1 - f0)
        seconds = 0.0
        if share > 0:
            seconds = share * g.edge_tt[edge if f1 >= f0 else self.roads.bwd[road]]
        return (
            self.edge_piece(edge, f0, f1),
            g.edge_name[[edge]],
            np.array([seconds]),
            np.array([share * g.edge_len[edge]]),
        )

    def _assemble(self, path: list[int], legs: list[tuple[np.ndarray, ...]], factor: float) -> Route:
        """Join legs into a Route: one LineString, totals, steps merged by street name."""
        coords = np.concatenate([leg[0] for leg in legs])
        # drop each vertex repeated where one piece ends and the next begins
        keep = np.ones(len(coords), dtype=bool)
        np.any(coords[1:] != coords[:-1], axis=1, out=keep[1:])
        coords = coords[keep]
        if len(coords) == 1:  # origin and destination snap to the same spot
            coords = np.vstack([coords, coords])
        names, seconds, metres = (np.concatenate([leg[i] for leg in legs]) for i in (1, 2, 3))
        return Route(
            nodes=path,
            osmids=self.graph.node_osmid[path].tolist(),
            geometry=LineString(coords),
            distance_m=float(metres.sum()),
            eta_s=float(seconds.sum()) / factor,
            steps=self._steps(names, seconds, metres, factor),
        )

    def _steps(self, names: np.ndarray, seconds: np.ndarray, metres: np.ndarray, factor: float) -> list[Step]:
        """One step per run of a street name, over the stretches that have a length (names are unique ids)."""
        driven = metres > 0
        names, seconds, metres = names[driven], seconds[driven], metres[driven]
        if len(names) == 0:
            return []
        first = np.flatnonzero(np.concatenate([[True], names[1:] != names[:-1]]))
        runs = zip(
            names[first].tolist(), np.add.reduceat(metres, first).tolist(), np.add.reduceat(seconds, first).tolist()
        )
        return [Step(str(self.graph.names[name]), met, sec / factor) for name, met, sec in runs]
