"""Maintained per-unit travel-time rows and nearest-unit ranking.

Each unit owns one row: the search nodes it reaches within the table's bound (``limit_s`` of its own driving
time), with the seconds (at the profile speed) and metres of the fastest path to each, and the shortest-path
tree's predecessors.  Moving a unit recomputes only its row, with a search that stops at the bound, so a move
and a row cost what the unit can reach, not the size of the network (a regency or a province).  Ranking units
for an incident reads each unit's row at the incident road's two end nodes (a binary search in every row at
once), and a unit's route is a walk up its tree.

Beyond the bound a row says nothing: a unit whose row does not reach the incident is ranked by a
contraction-hierarchy query instead (:class:`RankedUnit` ``beyond_bound``), the same fastest path a row would
hold.  Rows are float32: 4096 s still resolves to half a millisecond.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ._errors import UnreachableError
from ._validate import speed_factor
from .compiled import concat_ranges
from .distance import Snap
from .routing import Tree, direct_costs, tree_lengths, virtual_tree

if TYPE_CHECKING:
    from .engine import Engine, Route

#: The item types of a row's four arrays (nodes, seconds, metres, predecessors): 16 bytes a reached node.
_ROW_DTYPES = (np.dtype(np.int32), np.dtype(np.float32), np.dtype(np.float32), np.dtype(np.int32))
_ROW_ITEM = sum(d.itemsize for d in _ROW_DTYPES)

#: Search nodes times units of one Dijkstra call: its dense (units, S) float64 arrays stay ~16 MB each, so a refresh
#: of the whole fleet does not leave a worker holding memory its allocator keeps.
_CHUNK_CELLS = 2_000_000
#: Seconds within which an answer from a row (float32 seconds) and an exact one are the same. At the bound one
#: end of the incident's road may be in a row and the other, as fast to within rounding, not: an answer from a
#: row must be this far inside the bound. A unit on the incident's own road drives along it (computed exactly)
#: unless its row is faster by more than this, so that whole and bounded rows give the same answer.
ROUNDING_S = 1e-3


class RankedUnit(NamedTuple):
    """A unit ranked for an incident.

    Attributes
    ----------
    unit_id : Any
        The caller's unit id.
    unit_type : str or None
        The caller's unit type.
    eta_s : float
        Driving time to the incident, with the unit's speed factor.
    distance_m : float
        Road distance of that fastest path.
    beyond_bound : bool
        The unit's row does not reach the incident (it is farther than the table's bound): its ETA and
        distance come from a hierarchy query, not from its row, or are infinite when it was not ranked.
    """

    unit_id: Any
    unit_type: str | None
    eta_s: float
    distance_m: float
    beyond_bound: bool = False


class UnitRows(NamedTuple):
    """Bounded travel-time rows of units, computed but not yet in a table (:meth:`UnitTable.compute`).

    Unit ``i``'s row is positions ``bounds[i]:bounds[i + 1]`` of the flat arrays.

    Attributes
    ----------
    bounds : ndarray of int64, shape (m + 1,)
        Where each unit's row starts in the flat arrays.
    nodes : ndarray of int32
        The search nodes each unit reaches within the bound, ascending within a row.
    times : ndarray of float32
        Seconds at the profile speed to each.
    dists : ndarray of float32
        Metres of those fastest paths.
    preds : ndarray of int32
        Each node's predecessor on the fastest path (>= S: the unit itself).
    snap : Snap
        Where each unit was snapped.
    """

    bounds: np.ndarray
    nodes: np.ndarray
    times: np.ndarray
    dists: np.ndarray
    preds: np.ndarray
    snap: Snap

    @property
    def lengths(self) -> np.ndarray:
        """Nodes in each unit's row."""
        return np.diff(self.bounds)

    def take(self, indices: Sequence[int] | np.ndarray) -> UnitRows:
        """The rows of these units only, in this order."""
        index = np.asarray(indices, dtype=np.int64)
        counts = self.lengths[index]
        pick = concat_ranges(self.bounds[index], counts)
        bounds = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return UnitRows(
            bounds, self.nodes[pick], self.times[pick], self.dists[pick], self.preds[pick], self.snap.take(index)
        )

    def row_bytes(self, i: int) -> bytes:
        """Unit ``i``'s row as bytes, so that another process can store it without searching
        (:meth:`from_row_bytes`)."""
        at = slice(int(self.bounds[i]), int(self.bounds[i + 1]))
        return b"".join(a[at].astype(d, copy=False).tobytes() for a, d in zip(self._arrays, _ROW_DTYPES))

    @classmethod
    def from_row_bytes(cls, rows: Sequence[bytes], snap: Snap) -> UnitRows:
        """The rows of units from :meth:`row_bytes`, in order, for units snapped at ``snap``.

        Raises
        ------
        ValueError
            For a row whose length is not a whole number of reached nodes, or a count unlike the snap's.
        """
        if len(rows) != len(snap.lon):
            raise ValueError(f"{len(rows)} rows for {len(snap.lon)} snapped units")
        if any(len(b) % _ROW_ITEM for b in rows):
            raise ValueError(f"a row's bytes must be a multiple of {_ROW_ITEM}")
        counts = np.array([len(b) // _ROW_ITEM for b in rows], dtype=np.int64)
        arrays = []
        offset = 0
        for d in _ROW_DTYPES:  # each blob holds the four arrays one after the other
            parts = [np.frombuffer(b, d, int(n), offset * int(n)) for b, n in zip(rows, counts)]
            arrays.append(np.concatenate(parts) if parts else np.empty(0, d))
            offset += d.itemsize
        bounds = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        nodes, times, dists, preds = arrays
        return cls(bounds, nodes, times, dists, preds, snap)

    @property
    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return self.nodes, self.times, self.dists, self.preds


def _empty_rows(snap: Snap) -> UnitRows:
    """Rows of no units (``snap`` has none)."""
    return UnitRows(
        np.zeros(1, dtype=np.int64),
        np.empty(0, dtype=np.int32),
        np.empty(0, dtype=np.float32),
        np.empty(0, dtype=np.float32),
        np.empty(0, dtype=np.int32),
        snap,
    )


def _joined(pieces: list[UnitRows]) -> UnitRows:
    """The rows of several :class:`UnitRows`, one after the other (no copy for one)."""
    if len(pieces) == 1:
        return pieces[0]
    lengths = np.concatenate([p.lengths for p in pieces])
    snap = pieces[0].snap
    for piece in pieces[1:]:
        snap = snap.concat(piece.snap)
    return UnitRows(
        np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        np.concatenate([p.nodes for p in pieces]),
        np.concatenate([p.times for p in pieces]),
        np.concatenate([p.dists for p in pieces]),
        np.concatenate([p.preds for p in pieces]),
        snap,
    )


def _chunk_size(n_nodes: int) -> int:
    """Units searched together at most (:func:`_search_chunks`)."""
    return max(1, _CHUNK_CELLS // max(n_nodes, 1))


def _pred_dtype(n_nodes: int) -> np.dtype[Any]:
    """The item type a table keeps predecessors in: 16 bits when every one fits (a regency's rows then take 10
    bytes a node, not 12), else 32. The largest is a search's last unit, node ``S + units - 1``."""
    most = n_nodes + _chunk_size(n_nodes) - 1
    return np.dtype(np.uint16) if most <= np.iinfo(np.uint16).max else np.dtype(np.int32)


def _runs(starts: np.ndarray, lengths: np.ndarray) -> list[tuple[int, int, int]]:
    """(source, target, count) of each run of ranges that follow one another in ``starts`` (ascending), packed
    one after another from position 0."""
    if not len(lengths):
        return []
    targets = np.cumsum(lengths) - lengths
    first = np.flatnonzero(np.concatenate([[True], starts[1:] != starts[:-1] + lengths[:-1]]))
    ends = np.append(targets[first[1:]], targets[-1] + lengths[-1])
    return list(zip(starts[first].tolist(), targets[first].tolist(), (ends - targets[first]).tolist(), strict=True))


def _search_chunks(factors: np.ndarray, n_nodes: int) -> list[np.ndarray]:
    """Units searched together: the same speed factor (one bound at the profile speed), a bounded output."""
    size = _chunk_size(n_nodes)
    chunks = []
    for factor in np.unique(factors):
        same = np.flatnonzero(factors == factor)
        chunks += [same[i : i + size] for i in range(0, len(same), size)]
    return chunks


class UnitTable:
    """Units and their bounded travel-time rows over one engine.

    Parameters
    ----------
    engine
        A :class:`routing.engine.Engine`.
    limit_s
        A row holds the nodes its unit reaches within this many seconds of its own driving time (inf: every
        node it reaches).  Rankings, routes and times within it are those of unbounded rows.
    """

    def __init__(self, engine: Engine, limit_s: float = math.inf) -> None:
        if not limit_s > 0:
            raise ValueError(f"limit_s must be positive, got {limit_s}")
        self.engine = engine
        self.limit_s = float(limit_s)
        self._slot: dict[Any, int] = {}
        self._free: list[int] = []
        # the rows, one after another in flat arrays; slot s holds positions start[s]:start[s] + length[s]
        self._times = np.empty(0, dtype=np.float32)
        self._dists = np.empty(0, dtype=np.float32)
        self._preds = np.empty(0, dtype=_pred_dtype(engine.search.n_nodes))
        self._top = 0
        self._start = np.zeros(0, dtype=np.int64)
        self._length = np.zeros(0, dtype=np.int64)
        # the node ids of the rows that lack some search nodes, in flat arrays of their own (node_start[s]:
        # node_start[s] + node_length[s]); a whole row (every node within the bound, as on a regency) holds
        # node i at its position i and stores none: a quarter of its bytes
        self._nodes = np.empty(0, dtype=np.int32)
        self._node_top = 0
        self._node_start = np.zeros(0, dtype=np.int64)
        self._node_length = np.zeros(0, dtype=np.int64)
        self._every_node = np.arange(engine.search.n_nodes, dtype=np.int32)
        self._ids: list[Any] = []
        # each slot's type as a small number (its position in _type_names), so that a ranking picks its types'
        # units in one numpy step
        self._type_code = np.zeros(0, dtype=np.int32)
        self._type_names: list[str | None] = []
        self._codes: dict[str | None, int] = {}
        self._factor = np.empty(0)
        self._available = np.empty(0, dtype=bool)
        self._used = np.empty(0, dtype=bool)
        # where each slot's unit was snapped; placeholder rows (node 0) until a unit takes the slot
        self._blank = engine.snap(engine.node_lon[:1], engine.node_lat[:1])
        self._snap = self._blank.take(np.empty(0, dtype=np.int64))

    def __len__(self) -> int:
        return len(self._slot)

    def __contains__(self, unit_id: Any) -> bool:
        return unit_id in self._slot

    @property
    def nbytes(self) -> int:
        """Memory of the rows (with the room kept for the next ones), in bytes."""
        return self._nodes.nbytes + self._times.nbytes + self._dists.nbytes + self._preds.nbytes

    @property
    def reached(self) -> int:
        """Nodes held in the rows of all units."""
        return int(self._length[self._used].sum())

    def _code(self, unit_type: str | None) -> int:
        """The small number of a unit type in this table (a new one for a type not seen before)."""
        if unit_type not in self._codes:
            self._codes[unit_type] = len(self._type_names)
            self._type_names.append(unit_type)
        return self._codes[unit_type]

    def _grow(self, slots: int) -> None:
        """Make room for ``slots`` more units (doubling, so upserts stay amortised O(1))."""
        old = len(self._used)
        new = max(2 * old, old + slots, 8)
        pad = new - old
        self._start = np.concatenate([self._start, np.zeros(pad, dtype=np.int64)])
        self._length = np.concatenate([self._length, np.zeros(pad, dtype=np.int64)])
        self._node_start = np.concatenate([self._node_start, np.zeros(pad, dtype=np.int64)])
        self._node_length = np.concatenate([self._node_length, np.zeros(pad, dtype=np.int64)])
        self._ids += [None] * pad
        self._type_code = np.concatenate([self._type_code, np.zeros(pad, dtype=np.int32)])
        self._factor = np.concatenate([self._factor, np.ones(pad)])
        self._available = np.concatenate([self._available, np.zeros(pad, dtype=bool)])
        self._used = np.concatenate([self._used, np.zeros(pad, dtype=bool)])
        self._snap = self._snap.concat(self._blank.take(np.zeros(pad, dtype=np.int64)))
        self._free += list(range(new - 1, old - 1, -1))

    def _make_room(self, size: int, node_size: int) -> None:
        """Make room for ``size`` more row entries after the last row, and ``node_size`` more node ids.

        A moved unit's new row goes after the last one and its old one becomes a gap; when the room is full,
        the live rows are packed into room for a quarter more (a move then copies its row about five times
        over, amortised, and the rows never take more than 1.25 times what they hold, plus the gaps).
        """
        if self._top + size > len(self._times) or not len(self._times):
            self._top = self._pack(("_times", "_dists", "_preds"), self._start, self._length, size)
        if self._node_top + node_size > len(self._nodes) or not len(self._nodes):
            self._node_top = self._pack(("_nodes",), self._node_start, self._node_length, node_size)

    def _pack(self, names: tuple[str, ...], start: np.ndarray, length: np.ndarray, size: int) -> int:
        """Pack the live slots' entries of the flat arrays ``names`` (``start`` and ``length`` per slot, updated)
        into room for a quarter more than they and ``size`` hold; return the entries kept."""
        live = np.flatnonzero(self._used & (length > 0))
        live = live[np.argsort(start[live], kind="stable")]  # kept in the order they lie in
        kept = int(length[live].sum())
        room = max(int(1.25 * (kept + size)), 1024)
        runs = _runs(start[live], length[live])
        for name in names:
            old = getattr(self, name)
            packed = np.empty(room, dtype=old.dtype)
            # Why slices: the live rows lie in a few runs (all but those moved since the last packing), and a
            # copy of each run is a memcpy, where one gather of every entry cost a listener a fifth of its CPU.
            for source, target, count in runs:
                packed[target : target + count] = old[source : source + count]
            setattr(self, name, packed)
        start[live] = np.cumsum(length[live]) - length[live]
        length[~self._used] = 0
        return kept

    def compute(self, lons: Any, lats: Any, speed_factors: Sequence[float | None] | None = None) -> UnitRows:
        """Compute the bounded travel-time rows of units at these positions, without touching the table.

        Why: the search is the slow part (milliseconds per unit); a caller that shares the table between
        threads runs it outside its lock and only holds the lock for :meth:`store`, which copies rows.

        Parameters
        ----------
        lons, lats
            Positions, degrees.
        speed_factors
            One factor per unit (None: 1.0): a row reaches ``limit_s`` of the unit's own driving time.

        Returns
        -------
        UnitRows
        """
        engine = self.engine
        snap = engine.snap(lons, lats)
        m, n = len(snap.lon), engine.search.n_nodes
        factors = np.array([speed_factor(f) for f in (speed_factors if speed_factors is not None else [None] * m)])
        nodes, costs = engine.ends(snap, engine.graph.edge_tt, leaving=True)
        _, first = engine.ends(snap, engine.graph.edge_len, leaving=True)
        pieces, order = [], []
        for chunk in _search_chunks(factors, n):
            limit = self.limit_s * float(factors[chunk[0]])
            times, pred = virtual_tree(engine.forward, nodes[chunk], costs[chunk], limit=limit)
            dists = tree_lengths(engine.search, engine.graph.edge_len, pred, nodes[chunk], first[chunk])
            reached = times <= limit  # row by row, each row's nodes ascending
            counts = reached.sum(axis=1)
            bounds = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
            node_ids = np.nonzero(reached)[1].astype(np.int32)
            seconds, metres = times[reached].astype(np.float32), dists[reached].astype(np.float32)
            parents = pred[reached].astype(np.int32)
            del times, pred, dists, reached  # the chunk's dense arrays go before the next chunk's are made
            pieces.append(UnitRows(bounds, node_ids, seconds, metres, parents, snap.take(chunk)))
            order.append(chunk)
        rows = _joined(pieces) if pieces else _empty_rows(snap)
        ranks = np.concatenate(order) if order else np.empty(0, dtype=np.int64)
        # chunks group units by speed factor: back to the callers' order, unless it is that already
        return rows if np.array_equal(ranks, np.arange(m)) else rows.take(np.argsort(ranks))

    def rows_from_bytes(self, rows: Sequence[bytes], lons: Any, lats: Any) -> UnitRows:
        """The rows of units at these positions from :meth:`UnitRows.row_bytes` (computed by :meth:`compute`
        on a table of the same graph and bound, e.g. in another process), ready to :meth:`store`."""
        return UnitRows.from_row_bytes(rows, self.engine.snap(lons, lats))

    def store(
        self,
        unit_ids: Sequence[Any],
        rows: UnitRows,
        unit_types: Sequence[str | None] | None = None,
        available: Any = True,
        speed_factors: Sequence[float | None] | None = None,
    ) -> Snap:
        """Add or move units with rows from :meth:`compute` (one row per unit, in order).

        Parameters
        ----------
        unit_ids
            Caller ids (any hashable).
        rows
            Their rows, from :meth:`compute` on this table's engine, with these speed factors.
        unit_types
            Type names, to filter rankings by (:meth:`nearest`).
        available
            Bool or one bool per unit.
        speed_factors
            One factor per unit (None: 1.0); the caller owns the unit types and their factors.

        Returns
        -------
        Snap
            Where each unit was snapped (check ``too_far``).
        """
        m = len(unit_ids)
        if len(rows.snap.lon) != m:
            raise ValueError(f"{m} unit ids for {len(rows.snap.lon)} rows")
        types = list(unit_types) if unit_types is not None else [None] * m
        # checked before anything changes, so a bad factor leaves the table as it was
        factors = [speed_factor(f) for f in (speed_factors if speed_factors is not None else [None] * m)]
        avail = np.broadcast_to(np.asarray(available, dtype=bool), (m,))
        if m == 0:
            return rows.snap
        new = [u for u in dict.fromkeys(unit_ids) if u not in self._slot]
        if len(new) > len(self._free):
            self._grow(len(new) - len(self._free))
        for uid in new:
            self._slot[uid] = self._free.pop()
        slots = np.array([self._slot[u] for u in unit_ids], dtype=np.int64)
        self._length[slots] = self._node_length[slots] = 0  # the old rows are gaps now (not packed again)
        lengths = rows.lengths
        node_lengths = np.where(lengths == len(self._every_node), 0, lengths)  # whole rows store no node ids
        size, node_size = len(rows.nodes), int(node_lengths.sum())
        self._make_room(size, node_size)
        at = slice(self._top, self._top + size)
        self._times[at], self._dists[at], self._preds[at] = rows.times, rows.dists, rows.preds
        self._start[slots] = self._top + rows.bounds[:-1]
        self._length[slots] = lengths
        self._top += size
        at = slice(self._node_top, self._node_top + node_size)
        self._nodes[at] = rows.nodes[concat_ranges(rows.bounds[:-1], node_lengths)]
        self._node_start[slots] = self._node_top + np.cumsum(node_lengths) - node_lengths
        self._node_length[slots] = node_lengths
        self._node_top += node_size
        for i, s in enumerate(slots.tolist()):
            self._ids[s] = unit_ids[i]
            self._type_code[s] = self._code(types[i])
            self._factor[s] = factors[i]
        self._available[slots] = avail
        self._used[slots] = True
        self._snap.put(slots, rows.snap)
        return rows.snap

    def upsert_many(
        self,
        unit_ids: Sequence[Any],
        lons: Any,
        lats: Any,
        unit_types: Sequence[str | None] | None = None,
        available: Any = True,
        speed_factors: Sequence[float | None] | None = None,
    ) -> Snap:
        """Add or move many units, recomputing only their rows in one search (:meth:`compute`, :meth:`store`).

        Why: a fleet refresh (start-up, GPS batch) runs as one C-level Dijkstra
        call instead of one per unit.

        Parameters
        ----------
        unit_ids
            Caller ids (any hashable).
        lons, lats
            Positions, degrees.
        unit_types, available, speed_factors
            See :meth:`store`.

        Returns
        -------
        Snap
            Where each unit was snapped (check ``too_far``).
        """
        for f in speed_factors or ():
            speed_factor(f)  # a bad factor is refused before the search, not after it
        return self.store(unit_ids, self.compute(lons, lats, speed_factors), unit_types, available, speed_factors)

    def upsert(
        self,
        unit_id: Any,
        lon: float,
        lat: float,
        unit_type: str | None = None,
        available: bool = True,
        speed_factor: float | None = None,
    ) -> Snap:
        """Add or move one unit, recomputing only its row (see :meth:`upsert_many`)."""
        return self.upsert_many([unit_id], [lon], [lat], [unit_type], available, [speed_factor])

    def remove(self, unit_id: Any) -> None:
        """Forget a unit and free its row."""
        slot = self._slot.pop(unit_id)
        self._used[slot] = False
        self._available[slot] = False
        self._ids[slot] = None
        self._free.append(slot)

    def _tree(self, slot: int) -> Tree:
        """The slot's row as a tree (views of the flat arrays)."""
        at = slice(int(self._start[slot]), int(self._start[slot] + self._length[slot]))
        nodes = self._every_node
        if self._length[slot] != len(nodes):
            nodes = self._nodes[int(self._node_start[slot]) : int(self._node_start[slot] + self._length[slot])]
        return Tree(nodes, self._times[at], self._preds[at])

    def times(self, unit_id: Any) -> np.ndarray:
        """Return the unit's seconds to every node (with its speed factor; inf beyond the bound), shape (N,)."""
        slot = self._slot[unit_id]
        tree = self._tree(slot)
        row = np.full(self.engine.search.n_nodes, np.inf)
        row[tree.nodes] = tree.times
        return np.asarray(self.engine.search.physical(row, leaving=True) / self._factor[slot], dtype=np.float64)

    def reach(self, unit_id: Any, within_s: float = math.inf) -> tuple[np.ndarray, np.ndarray]:
        """Return the nodes the unit reaches within ``within_s`` (and the bound) and its seconds to them.

        Why: what a unit covers is a few nodes of a large graph; :meth:`times` spreads them over every node.

        Returns
        -------
        tuple of ndarray
            Node indices (int64) and seconds (float64, with the unit's speed factor), in no particular order.
        """
        slot = self._slot[unit_id]
        tree = self._tree(slot)
        nodes, times = self.engine.search.physical_reached(tree.nodes, tree.times)
        seconds = np.asarray(times, dtype=np.float64) / self._factor[slot]
        keep = seconds <= within_s
        return nodes[keep], seconds[keep]

    def route(self, unit_id: Any, lon: float, lat: float) -> Route:
        """The unit's fastest route to a point, from its row's tree (no search), with geometry and steps.

        Why: the console previews a route for every proposal and the crew's page draws one; the row knows
        the tree already, so a route costs a walk along it (see :meth:`Engine.route_on_tree`).  A point beyond
        the row's bound is routed by the hierarchy from where the unit was snapped.

        Raises
        ------
        KeyError
            For a unit not in the table.
        UnreachableError
            If the point cannot be reached from the unit.
        """
        slot = self._slot[unit_id]
        engine = self.engine
        src, factor = self._snap.take([slot]), float(self._factor[slot])
        starts, _ = engine.ends(src, engine.graph.edge_tt, leaving=True)
        try:
            return engine.route_on_tree(src, starts[0], self._tree(slot), engine.snap(lon, lat), factor)
        except UnreachableError:
            if math.isinf(self.limit_s):
                raise
        return engine.route((float(src.lon[0]), float(src.lat[0])), (lon, lat), factor)

    def _positions(self, slots: np.ndarray, at: np.ndarray) -> np.ndarray:
        """Where the search nodes ``at`` are in the rows of ``slots`` (flat positions), -1 where a row lacks one.

        Why: one binary search in every row at once (numpy steps over all the slots together, log2 of the
        longest row of them), so a ranking costs microseconds per unit whatever the size of the network.

        Returns
        -------
        ndarray of int64, shape (len(slots), len(at))
        """
        shape = (len(slots), len(at))
        if len(self._times) == 0 or len(slots) == 0:
            return np.full(shape, -1, dtype=np.int64)
        # a row that holds every search node (a regency within the bound) holds node i at its position i
        whole = self._length[slots] == len(self._every_node)
        positions = self._start[slots, None] + np.asarray(at, dtype=np.int64)
        if not whole.all():
            positions[~whole] = self._searched_positions(slots[~whole], at)
        return positions

    def _searched_positions(self, slots: np.ndarray, at: np.ndarray) -> np.ndarray:
        """:meth:`_positions` in rows that lack some search nodes: a halving search in every row at once, in
        their node ids."""
        shape = (len(slots), len(at))
        # the first position whose node is not below the target, in every row at once
        first = self._node_start[slots].repeat(len(at))
        base = first.copy()
        size = np.repeat(self._length[slots], len(at))
        target = np.tile(np.asarray(at, dtype=self._nodes.dtype), len(slots))
        span = size.copy()
        while (widest := int(span.max())) > 1:
            half = span >> 1
            base += half * (self._nodes.take(base + half, mode="clip") < target)  # clip: rows of no node
            span -= half
            if widest == 2:
                break
        ends = base + (self._nodes.take(base, mode="clip") < target) * (size > 0)
        found = (size > 0) & (ends < first + size)
        found &= self._nodes.take(np.minimum(ends, len(self._nodes) - 1)) == target
        # the row's entries of times, metres and predecessors are in the same order as its node ids
        return np.where(found, ends - first + self._start[slots].repeat(len(at)), -1).reshape(shape)

    def _searched(
        self, slots: np.ndarray, in_nodes: np.ndarray, in_costs: np.ndarray, in_lengths: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Seconds (at the profile speed) and metres from these units to an incident, by hierarchy queries.

        Why: the fallback for units whose rows do not reach the incident (farther than the bound).
        """
        engine = self.engine
        src = self._snap.take(slots)
        starts, start_costs = engine.ends(src, engine.graph.edge_tt, leaving=True)
        _, start_lengths = engine.ends(src, engine.graph.edge_len, leaving=True)
        arc_len = np.append(engine.graph.edge_len, 0.0)
        eta, dist = np.full(len(slots), np.inf), np.full(len(slots), np.inf)
        for i in range(len(slots)):
            cost, start, end, arcs = engine.hierarchy.path(starts[i], start_costs[i], in_nodes, in_costs)
            if start >= 0:
                eta[i] = cost
                dist[i] = start_lengths[i, start] + arc_len[engine.search.arc_edge[arcs]].sum() + in_lengths[end]
        return eta, dist

    def nearest(
        self, lon: float, lat: float, types: list[str] | None = None, k: int | None = None, beyond: int | None = None
    ) -> list[RankedUnit]:
        """Rank available units by ETA to an incident.

        Why: the dispatcher's first question; answered from the maintained rows, so its cost does not depend
        on the size of the graph.

        Parameters
        ----------
        lon, lat
            The incident, degrees.
        types
            Keep only these unit types (None: all).
        k
            Return at most this many units (None: all).
        beyond
            Of the units whose rows do not reach the incident (farther than the bound), rank at most this many,
            the nearest as the crow flies first, by hierarchy queries (None: every one; 0: none).

        Returns
        -------
        list of RankedUnit
            Fastest first; units that cannot reach the incident are left out. The units beyond the bound not
            ranked (past ``beyond``) come last, ``beyond_bound`` with an infinite ETA and distance, so that a
            caller tells them from the unreachable ones.
        """
        cand = np.flatnonzero(self._used & self._available)
        if types is not None:
            cand = cand[np.isin(self._type_code[cand], [self._codes[t] for t in set(types) if t in self._codes])]
        if len(cand) == 0:
            return []
        engine = self.engine
        inc = engine.snap(lon, lat)
        nodes, costs = engine.ends(inc, engine.graph.edge_tt, leaving=False)
        _, lengths = engine.ends(inc, engine.graph.edge_len, leaving=False)
        pos = self._positions(cand, nodes[0])
        held, at = pos >= 0, np.maximum(pos, 0)
        eta = np.where(held, self._times[at], np.inf) + costs[0]
        dist = np.where(held, self._dists[at], np.inf) + lengths[0]
        pick = np.argmin(eta, axis=1)
        rows = np.arange(len(cand))
        eta, dist = eta[rows, pick], dist[rows, pick]
        # a unit on the incident's own road may get there without any node
        units = self._snap.take(cand)
        direct = direct_costs(units, inc, engine.roads, engine.graph.edge_tt)
        closer = direct <= eta + ROUNDING_S
        eta = np.where(closer, direct, eta)
        dist = np.where(closer, np.abs(units.offset_m - inc.offset_m), dist)
        # past the bound a row may hold one end of the incident's road and not the faster other: not an answer
        eta[(eta > self.limit_s * self._factor[cand] - ROUNDING_S) & ~closer] = np.inf
        outside = np.flatnonzero(~np.isfinite(eta)) if math.isfinite(self.limit_s) else rows[:0]
        skipped = rows[:0]
        if beyond is not None and len(outside) > beyond:
            crow = np.hypot(units.lon[outside] - lon, (units.lat[outside] - lat) * math.cos(math.radians(lat)))
            by_crow = outside[np.argsort(crow, kind="stable")]
            outside, skipped = by_crow[:beyond], by_crow[beyond:]
        if len(outside):
            eta[outside], dist[outside] = self._searched(cand[outside], nodes[0], costs[0], lengths[0])
        eta = eta / self._factor[cand]
        searched = np.zeros(len(cand), dtype=bool)
        searched[outside] = searched[skipped] = True
        order = np.argsort(eta, kind="stable")
        order = np.concatenate([order[np.isfinite(eta[order])], skipped])[:k]
        # a province's ranking returns hundreds of units: built from lists, not element by element
        slots = cand[order].tolist()
        ids, kinds = [self._ids[s] for s in slots], [self._type_names[c] for c in self._type_code[cand[order]].tolist()]
        answers = zip(ids, kinds, eta[order].tolist(), dist[order].tolist(), searched[order].tolist(), strict=True)
        return list(map(RankedUnit._make, answers))
