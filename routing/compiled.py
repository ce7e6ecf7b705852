"""Compile a timed osmnx graph into flat arrays (CSR forward and reverse).

Why arrays: scipy's csgraph runs Dijkstra in C over CSR matrices, the arrays
save and load as one ``.npz`` in milliseconds, and numpy indexing answers the
per-edge questions (geometry, names, lengths) without Python loops.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import shapely

from . import settings

if TYPE_CHECKING:  # networkx (22 MB) only when a graph is compiled, not in every process that routes
    import networkx as nx


@dataclass(eq=False)
class CompiledGraph:
    """A directed road graph as arrays; edge ``i`` is row ``i`` of every edge array.

    Edges are sorted by (``edge_u``, ``edge_v``, ``edge_tt``).  Every edge keeps
    its geometry (a point on a slow parallel road snaps to that road), but the
    CSR adjacency holds only the fastest of parallel edges: no shortest path
    uses the others.

    Attributes
    ----------
    node_osmid : ndarray of int64, shape (N,)
        OSM node ids.
    node_lon, node_lat : ndarray of float64, shape (N,)
        Node coordinates (EPSG:4326).
    indptr : ndarray of int64, shape (N + 1,)
        Forward CSR row pointer into ``csr_edge``.
    csr_edge : ndarray of int64, shape (C,)
        The fastest edge of each (u, v) pair, sorted by (u, v): the CSR entries.
    edge_u, edge_v : ndarray of int32, shape (E,)
        Tail and head node index.
    edge_tt : ndarray of float64, shape (E,)
        Travel time in seconds at the profile speed.
    edge_len : ndarray of float64, shape (E,)
        Length in metres.
    edge_name : ndarray of int32, shape (E,)
        Index into ``names``; 0 is the unnamed road "".
    names : ndarray of str
        Street names.
    edge_class : ndarray of int8, shape (E,)
        Index into ``classes``: the edge's OSM ``highway`` class, for drawing roads by class.
    classes : ndarray of str
        Road classes, :data:`routing.settings.ROAD_CLASSES`.
    geom_ptr : ndarray of int64, shape (E + 1,)
        Coordinates of edge ``i`` are ``geom_lon/lat[geom_ptr[i]:geom_ptr[i+1]]``,
        from tail to head, both nodes included.
    geom_lon, geom_lat : ndarray of float64
        Concatenated edge geometries.
    rev_indptr : ndarray of int64, shape (N + 1,)
        Reverse CSR row pointer (rows are heads).
    rev_edge : ndarray of int64, shape (C,)
        ``csr_edge`` in reverse CSR order (sorted by head, then tail).
    turn_from, turn_to : ndarray of int64, shape (T,)
        Forbidden turns (OSM turn restrictions): driving in along edge ``turn_from[i]`` and out along
        ``turn_to[i]`` is not allowed (:mod:`routing.restrictions`, searched by :mod:`routing.turns`).
    meta : dict
        Build report, profile version and source digest.
    """

    node_osmid: np.ndarray
    node_lon: np.ndarray
    node_lat: np.ndarray
    indptr: np.ndarray
    csr_edge: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_tt: np.ndarray
    edge_len: np.ndarray
    edge_name: np.ndarray
    names: np.ndarray
    edge_class: np.ndarray
    classes: np.ndarray
    geom_ptr: np.ndarray
    geom_lon: np.ndarray
    geom_lat: np.ndarray
    rev_indptr: np.ndarray
    rev_edge: np.ndarray
    turn_from: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    turn_to: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_osmid)

    @property
    def n_edges(self) -> int:
        """Number of directed edges, parallel ones included."""
        return len(self.edge_u)

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays, in bytes."""
        return sum(getattr(self, f.name).nbytes for f in fields(self) if f.name != "meta")

    def arrays(self) -> dict[str, np.ndarray]:
        """Return every array plus the metadata as JSON, ready for ``np.savez``."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "meta"}
        out["meta"] = np.array(json.dumps(self.meta))
        return out

    @classmethod
    def from_arrays(cls, arrays: Any) -> CompiledGraph:
        """Rebuild a graph from :meth:`arrays` output (or an opened ``.npz``)."""
        kwargs = {f.name: arrays[f.name] for f in fields(cls) if f.name != "meta"}
        return cls(**kwargs, meta=json.loads(str(arrays["meta"])))

    def matrix(self, weights: np.ndarray | None = None, reverse: bool = False) -> sp.csr_matrix:
        """Return the forward (or reverse) adjacency as a scipy CSR matrix.

        Why: csgraph's Dijkstra takes a CSR matrix; the reverse one answers
        "from everywhere to this point" with a single search.

        Parameters
        ----------
        weights
            Per-edge weights in edge order; travel times by default.
        reverse
            Build the transpose (row = head node).

        Returns
        -------
        scipy.sparse.csr_matrix
            Shape (N, N).
        """
        w = self.edge_tt if weights is None else weights
        n = self.n_nodes
        if reverse:
            return sp.csr_matrix((w[self.rev_edge], self.edge_u[self.rev_edge], self.rev_indptr), shape=(n, n))
        return sp.csr_matrix((w[self.csr_edge], self.edge_v[self.csr_edge], self.indptr), shape=(n, n))

    @cached_property
    def _edge_lookup(self) -> sp.csr_array:
        """The fastest edge id of each (u, v) pair (see :func:`id_lookup`)."""
        return id_lookup(self.csr_edge, self.edge_v[self.csr_edge], self.indptr)

    def edge_ids(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Return the fastest edge id of each (u, v) pair, -1 where there is no such edge.

        Why: a vectorised lookup for the edges of paths and of Dijkstra
        predecessor trees; scipy samples the sorted CSR rows in C.

        Parameters
        ----------
        u, v
            Tail and head node indices, same shape (1-d).

        Returns
        -------
        ndarray of int64
            Edge ids or -1.
        """
        return look_up(self._edge_lookup, u, v)

    def edge_coords(self, edge: int) -> np.ndarray:
        """Return the (k, 2) lon/lat coordinates of one edge, tail to head."""
        s = slice(self.geom_ptr[edge], self.geom_ptr[edge + 1])
        return np.column_stack([self.geom_lon[s], self.geom_lat[s]])

    def path_coords(self, edges: np.ndarray) -> np.ndarray:
        """Return the (k, 2) lon/lat coordinates of the edges one after another (a path's line)."""
        points, _ = self._vertices(edges)
        return np.column_stack([self.geom_lon[points], self.geom_lat[points]])

    def edge_lines(self, edges: np.ndarray) -> npt.NDArray[np.object_]:
        """Return one lon/lat ``LineString`` per edge, tail to head, in the order given."""
        points, counts = self._vertices(edges)
        coords = np.column_stack([self.geom_lon[points], self.geom_lat[points]])
        return np.asarray(shapely.linestrings(coords, indices=np.repeat(np.arange(len(counts)), counts)), dtype=object)

    def _vertices(self, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The geometry vertex indices of the edges, concatenated, and how many each edge has."""
        edges = np.asarray(edges, dtype=np.int64)
        counts = self.geom_ptr[edges + 1] - self.geom_ptr[edges]
        return concat_ranges(self.geom_ptr[edges], counts), counts


def id_lookup(ids: np.ndarray, heads: np.ndarray, indptr: np.ndarray) -> sp.csr_array:
    """A square CSR matrix whose (tail, head) entry is an arc's id + 1 (0: no arc), read by :func:`look_up`.

    Why: the arcs of paths and of predecessor trees come as node pairs; scipy samples the sorted CSR rows
    in C, so a whole path's ids cost one call.  Ids are stored as float64 (exact far below 2**53).

    Parameters
    ----------
    ids, heads
        Per arc in CSR order: its id and its head.
    indptr
        The CSR row pointer (rows are tails).
    """
    n = len(indptr) - 1
    return sp.csr_array((ids.astype(np.float64) + 1.0, heads, indptr), shape=(n, n))


def look_up(lookup: sp.csr_array, tails: np.ndarray, heads: np.ndarray) -> np.ndarray:
    """The ids of the (tail, head) arcs in an :func:`id_lookup` matrix, -1 where there is no arc."""
    tails, heads = np.asarray(tails, dtype=np.int64), np.asarray(heads, dtype=np.int64)
    if len(tails) == 0:
        return np.empty(0, dtype=np.int64)
    return np.asarray(lookup[tails, heads]).astype(np.int64) - 1


def csr_pointer(rows: np.ndarray, n: int) -> np.ndarray:
    """Return the CSR row pointer for sorted row indices (``n`` rows)."""
    return np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))]).astype(np.int64)


def _road_class(highway: Any) -> int:
    """Index in :data:`~routing.settings.ROAD_CLASSES` of an edge's ``highway`` tag (a list: its highest class)."""
    tags = highway if isinstance(highway, list) else [highway]
    known = [settings.ROAD_CLASSES.index(t) for t in tags if t in settings.ROAD_CLASSES]
    return min(known, default=settings.ROAD_CLASSES.index("road"))


def compile_graph(G: nx.MultiDiGraph[Any], meta: dict[str, Any] | None = None, progress: bool = False) -> CompiledGraph:
    """Compile a timed osmnx graph into a :class:`CompiledGraph`.

    Why: the CSR keeps only the fastest of parallel edges (the one any shortest
    path uses), self-loops go (no shortest path uses them), and geometry and
    names become flat arrays; ``G.graph["forbidden_turns"]`` become edge id pairs.

    Parameters
    ----------
    G
        A graph from :func:`routing.graph.prepare_graph` (lon/lat nodes, edges
        with ``length`` and ``travel_time``, optional ``geometry`` and ``name``).
    meta
        Metadata stored with the arrays.
    progress
        Show a progress bar over the edges.

    Returns
    -------
    CompiledGraph
    """
    from tqdm.auto import tqdm  # ~4 MB: only a process that compiles a graph needs it

    osmid = np.array(sorted(G.nodes), dtype=np.int64)
    index = {n: i for i, n in enumerate(osmid.tolist())}
    lon = np.array([G.nodes[n]["x"] for n in osmid.tolist()], dtype=np.float64)
    lat = np.array([G.nodes[n]["y"] for n in osmid.tolist()], dtype=np.float64)
    names: dict[str, int] = {"": 0}
    u: list[int] = []
    v, tt, length, name, klass, coords = [], [], [], [], [], []
    position: dict[tuple[Any, Any, Any], int] = {}
    edges = G.edges(keys=True, data=True)
    for a, b, key, d in tqdm(edges, total=G.number_of_edges(), desc="compile edges", disable=not progress):
        if a == b:
            continue
        position[(a, b, key)] = len(u)
        ia, ib = index[a], index[b]
        u.append(ia)
        v.append(ib)
        tt.append(d["travel_time"])
        length.append(d["length"])
        label = d.get("name")
        label = label[0] if isinstance(label, list) else label
        name.append(names.setdefault(label if isinstance(label, str) else "", len(names)))
        klass.append(_road_class(d.get("highway")))
        geom = d.get("geometry")
        coords.append(
            np.asarray(geom.coords) if geom is not None else np.array([[lon[ia], lat[ia]], [lon[ib], lat[ib]]])
        )
    u_arr, v_arr, tt_arr = np.array(u, dtype=np.int32), np.array(v, dtype=np.int32), np.array(tt)
    # sorted by (u, v, time): the first edge of each (u, v) is the fastest
    order = np.lexsort((tt_arr, v_arr, u_arr))
    edge_u, edge_v = u_arr[order], v_arr[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (edge_u[1:] != edge_u[:-1]) | (edge_v[1:] != edge_v[:-1])
    csr_edge = np.flatnonzero(first)
    kept_coords = [coords[i] for i in order.tolist()]
    geom_ptr = np.concatenate([[0], np.cumsum([len(c) for c in kept_coords])]).astype(np.int64)
    flat = np.concatenate(kept_coords)
    rev_edge = csr_edge[np.lexsort((edge_u[csr_edge], edge_v[csr_edge]))]
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    turns = [
        (position[a], position[b]) for a, b in G.graph.get("forbidden_turns", ()) if a in position and b in position
    ]
    turn = rank[np.array(turns, dtype=np.int64).reshape(-1, 2)]
    return CompiledGraph(
        node_osmid=osmid,
        node_lon=lon,
        node_lat=lat,
        indptr=csr_pointer(edge_u[csr_edge], len(osmid)),
        csr_edge=csr_edge,
        edge_u=edge_u,
        edge_v=edge_v,
        edge_tt=tt_arr[order],
        edge_len=np.array(length, dtype=np.float64)[order],
        edge_name=np.array(name, dtype=np.int32)[order],
        names=np.array(list(names), dtype=str),
        edge_class=np.array(klass, dtype=np.int8)[order],
        classes=np.array(settings.ROAD_CLASSES, dtype=str),
        geom_ptr=geom_ptr,
        geom_lon=flat[:, 0].copy(),
        geom_lat=flat[:, 1].copy(),
        rev_indptr=csr_pointer(edge_v[rev_edge], len(osmid)),
        rev_edge=rev_edge,
        turn_from=turn[:, 0].copy(),
        turn_to=turn[:, 1].copy(),
        meta=dict(meta or {}),
    )


def concat_ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Return ``concatenate([arange(s, s + c) for s, c in zip(starts, counts)])`` without a loop.

    Why: gathering the coordinates of many edges (routes, snapping pieces) is
    one fancy index instead of a Python loop per edge.
    """
    counts = np.asarray(counts, dtype=np.int64)
    offsets = np.cumsum(counts) - counts
    return np.repeat(np.asarray(starts, dtype=np.int64) - offsets, counts) + np.arange(counts.sum())
