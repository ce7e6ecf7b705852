"""Maintained per-unit travel-time tables and nearest-unit ranking.

Each unit owns one row: seconds and metres (of the fastest path) from its
position to every node, at the profile speed, and the shortest-path tree's
predecessors.  Moving a unit recomputes only its row; ranking units for an
incident then only reads two columns of the table (the incident road's end
nodes), so it costs microseconds per unit, and a unit's route is a walk up its
tree.  Rows are float32: 4096 s still resolves to half a millisecond, and it
halves the memory of the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ._validate import speed_factor
from .distance import Snap
from .routing import direct_costs, tree_lengths, virtual_tree

if TYPE_CHECKING:
    from .engine import Engine, Route


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
    """

    unit_id: Any
    unit_type: str | None
    eta_s: float
    distance_m: float


class UnitRows(NamedTuple):
    """Travel-time rows of units, computed but not yet in a table (:meth:`UnitTable.compute`).

    Attributes
    ----------
    times : ndarray of float32, shape (m, S)
        Seconds at the profile speed from each unit to every search node (:class:`routing.turns.SearchGraph`;
        the graph's nodes where no turn is restricted).
    dists : ndarray of float32, shape (m, S)
        Metres of those fastest paths.
    snap : Snap
        Where each unit was snapped.
    preds : ndarray of int32, shape (m, S)
        Each search node's predecessor on the fastest path (>= S: the unit itself; negative: unreached).
    """

    times: np.ndarray
    dists: np.ndarray
    snap: Snap
    preds: np.ndarray

    def take(self, indices: Sequence[int]) -> UnitRows:
        """The rows of these units only, in this order."""
        return UnitRows(self.times[indices], self.dists[indices], self.snap.take(indices), self.preds[indices])


class UnitTable:
    """Units and their travel-time rows over one engine.

    Parameters
    ----------
    engine
        A :class:`routing.engine.Engine`.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._slot: dict[Any, int] = {}
        self._free: list[int] = []
        n = engine.search.n_nodes
        self._times = np.empty((0, n), dtype=np.float32)
        self._dists = np.empty((0, n), dtype=np.float32)
        self._preds = np.empty((0, n), dtype=np.int32)
        self._ids: list[Any] = []
        self._types: list[str | None] = []
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
        """Memory of the tables, in bytes."""
        return self._times.nbytes + self._dists.nbytes + self._preds.nbytes

    def _grow(self, slots: int) -> None:
        """Make room for ``slots`` more units (doubling, so upserts stay amortised O(1))."""
        old = len(self._used)
        new = max(2 * old, old + slots, 8)
        pad = new - old
        n = self._times.shape[1]
        self._times = np.vstack([self._times, np.full((pad, n), np.inf, dtype=np.float32)])
        self._dists = np.vstack([self._dists, np.full((pad, n), np.inf, dtype=np.float32)])
        self._preds = np.vstack([self._preds, np.full((pad, n), -1, dtype=np.int32)])
        self._ids += [None] * pad
        self._types += [None] * pad
        self._factor = np.concatenate([self._factor, np.ones(pad)])
        self._available = np.concatenate([self._available, np.zeros(pad, dtype=bool)])
        self._used = np.concatenate([self._used, np.zeros(pad, dtype=bool)])
        self._snap = self._snap.concat(self._blank.take(np.zeros(pad, dtype=np.int64)))
        self._free += list(range(new - 1, old - 1, -1))

    def compute(self, lons: Any, lats: Any) -> UnitRows:
        """Compute the travel-time rows of units at these positions, without touching the table.

        Why: the search is the slow part (milliseconds per unit); a caller that shares the table between
        threads runs it outside its lock and only holds the lock for :meth:`store`, which copies rows.

        Parameters
        ----------
        lons, lats
            Positions, degrees.

        Returns
        -------
        UnitRows
        """
        snap = self.engine.snap(lons, lats)
        n = self.engine.search.n_nodes
        if len(snap.lon) == 0:
            empty = np.empty((0, n), dtype=np.float32)
            return UnitRows(empty, empty, snap, np.empty((0, n), dtype=np.int32))
        engine = self.engine
        nodes, costs = engine.ends(snap, engine.graph.edge_tt, leaving=True)
        _, first = engine.ends(snap, engine.graph.edge_len, leaving=True)
        times, pred = virtual_tree(engine.forward, nodes, costs)
        dists = tree_lengths(engine.search, engine.graph.edge_len, pred, nodes, first)
        return UnitRows(times.astype(np.float32), dists.astype(np.float32), snap, pred.astype(np.int32))

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
            Their rows, from :meth:`compute` on this table's engine.
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
        self._times[slots] = rows.times
        self._dists[slots] = rows.dists
        self._preds[slots] = rows.preds
        for i, s in enumerate(slots.tolist()):
            self._ids[s] = unit_ids[i]
            self._types[s] = types[i]
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
        return self.store(unit_ids, self.compute(lons, lats), unit_types, available, speed_factors)

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

    def times(self, unit_id: Any) -> np.ndarray:
        """Return the unit's seconds to every node (with its speed factor), shape (N,)."""
        slot = self._slot[unit_id]
        row = self.engine.search.physical(self._times[slot], leaving=True)
        return np.asarray(row / self._factor[slot], dtype=np.float64)

    def route(self, unit_id: Any, lon: float, lat: float) -> Route:
        """The unit's fastest route to a point, from its row's tree (no search), with geometry and steps.

        Why: the console previews a route for every proposal and the crew's page draws one; the row knows
        the tree already, so a route costs a walk along it (see :meth:`Engine.route_on_tree`).

        Raises
        ------
        KeyError
            For a unit not in the table.
        UnreachableError
            If the point cannot be reached from the unit.
        """
        slot = self._slot[unit_id]
        engine = self.engine
        src = self._snap.take([slot])
        starts, _ = engine.ends(src, engine.graph.edge_tt, leaving=True)
        return engine.route_on_tree(
            src, starts[0], self._times[slot], self._preds[slot], engine.snap(lon, lat), float(self._factor[slot])
        )

    def nearest(self, lon: float, lat: float, types: list[str] | None = None, k: int | None = None) -> list[RankedUnit]:
        """Rank available units by ETA to an incident.

        Why: the dispatcher's first question; answered from the maintained
        rows, so its cost does not depend on the size of the graph.

        Parameters
        ----------
        lon, lat
            The incident, degrees.
        types
            Keep only these unit types (None: all).
        k
            Return at most this many units (None: all).

        Returns
        -------
        list of RankedUnit
            Fastest first; units that cannot reach the incident are left out.
        """
        cand = np.flatnonzero(self._used & self._available)
        if types is not None:
            wanted = set(types)
            cand = cand[[self._types[s] in wanted for s in cand.tolist()]]
        if len(cand) == 0:
            return []
        engine = self.engine
        inc = engine.snap(lon, lat)
        nodes, costs = engine.ends(inc, engine.graph.edge_tt, leaving=False)
        _, lengths = engine.ends(inc, engine.graph.edge_len, leaving=False)
        eta = self._times[np.ix_(cand, nodes[0])] + costs[0]
        dist = self._dists[np.ix_(cand, nodes[0])] + lengths[0]
        pick = np.argmin(eta, axis=1)
        rows = np.arange(len(cand))
        eta, dist = eta[rows, pick], dist[rows, pick]
        # a unit on the incident's own road may get there without any node
        units = self._snap.take(cand)
        direct = direct_costs(units, inc, engine.roads, engine.graph.edge_tt)
        closer = direct < eta
        eta = np.where(closer, direct, eta) / self._factor[cand]
        dist = np.where(closer, np.abs(units.offset_m - inc.offset_m), dist)
        order = np.argsort(eta, kind="stable")
        order = order[np.isfinite(eta[order])][:k]
        return [
            RankedUnit(self._ids[s], self._types[s], float(eta[i]), float(dist[i]))
            for i, s in zip(order.tolist(), cand[order].tolist())
        ]
