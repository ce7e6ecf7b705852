"""The one seam between geo112 and the ``routing`` package: the road network and the routed fleet.

No other module of geo112 imports ``routing``; they ask a :class:`Network` (the questions geo112 asks of
the road graph, in geo112's terms) or a :class:`RoutedFleet` (the network plus the travel-time rows of the
units, kept in step with the database). :func:`fleet_for` keeps one of each per process and settings, and
turns a network that cannot be loaded into a 503 that names the cause.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Collection
from pathlib import Path
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import shapely
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

import routing
from geo112.config import Settings
from geo112.errors import NoRoute, ServiceUnavailable
from geo112.shared_rows import SharedRows
from geo112.store.db import session_factory
from geo112.store.models import Unit, UnitType
from geo112.store.notify import FLEET_CHANNEL, Listener

FloatArray = npt.NDArray[np.float64]
#: What geo112 code annotates with, without importing routing itself.
Route = routing.Route
RankedUnit = routing.RankedUnit
Street = routing.Street
RoadGap = routing.RoadGap
DEFAULT_PLACE = routing.settings.DEFAULT_PLACE
PROFILE_VERSION = routing.PROFILE_VERSION
#: A network that failed to load is not tried again for this long: a broken file answers 503 at once.
RETRY_AFTER_S = 60.0
#: Units whose rows a refresh computes and stores at a time: a start-up's rows of a province's 2,000 units,
#: computed at once, held ~1.5 GB in passing (the chunks' rows, joined, put in order) before the table took them.
REFRESH_BATCH = 256

log = logging.getLogger(__name__)


class RoadPoint(NamedTuple):
    """The nearest point on a road to a place, and how far the place is from it."""

    lon: float
    lat: float
    distance_m: float


class RoadLines(NamedTuple):
    """Every road of the network once (a two-way street is one line), for drawing the base map.

    Attributes
    ----------
    highway, name : list of str
        OSM class and street name ("" when unnamed) of each road.
    oneway : list of bool
        Whether the road can be driven in its drawn direction only.
    lines : ndarray of shapely.LineString
        Geometry in lon/lat.
    """

    highway: list[str]
    name: list[str]
    oneway: list[bool]
    lines: npt.NDArray[np.object_]


class Network:
    """The road network as geo112 uses it, over one :class:`routing.Engine`.

    Parameters
    ----------
    engine
        The routing engine of one compiled graph.
    """

    def __init__(self, engine: routing.Engine) -> None:
        self._engine = engine

    @property
    def n_nodes(self) -> int:
        """Road nodes; node ``i`` is column ``i`` of every travel-time row."""
        return self._engine.graph.n_nodes

    @property
    def node_lon(self) -> FloatArray:
        """Node longitudes."""
        return self._engine.node_lon

    @property
    def node_lat(self) -> FloatArray:
        """Node latitudes."""
        return self._engine.node_lat

    @property
    def nbytes(self) -> int:
        """Memory held by the engine's arrays and indexes, in bytes."""
        return self._engine.nbytes

    @property
    def fingerprint(self) -> tuple[str, str]:
        """What the graph was compiled from (source digest, profile version), for cache keys."""
        meta = self._engine.graph.meta
        return str(meta.get("source_key")), str(meta.get("profile"))

    @property
    def build_report(self) -> dict[str, object]:
        """What the build kept and dropped (:class:`routing.graph.BuildReport` as a dict)."""
        return dict(self._engine.graph.meta.get("report", {}))

    def to_xy(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Project lon/lat to the network's local metric plane (metres)."""
        return self._engine.projection.to_xy(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))

    def snap_point(self, lon: float, lat: float) -> RoadPoint | None:
        """Return the nearest road point of a place, or None when no road is near enough to route from."""
        snap = self._engine.snap(lon, lat)
        if bool(snap.too_far[0]):
            return None
        return RoadPoint(float(snap.lon[0]), float(snap.lat[0]), float(snap.distance_m[0]))

    def snap_distances(self, lons: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[list[float], list[bool]]:
        """Metres from each point to its nearest road, and whether that is too far to route from."""
        snap = self._engine.snap(lons, lats)
        return snap.distance_m.tolist(), snap.too_far.tolist()

    def times_from(
        self,
        lons: npt.ArrayLike,
        lats: npt.ArrayLike,
        factor: float = 1.0,
        min_only: bool = False,
        limit_s: float = np.inf,
    ) -> FloatArray:
        """Seconds from each point to every node for a unit with this speed factor, shape (points, nodes).

        With ``min_only``, the seconds from the nearest of the points, shape (nodes,). With ``limit_s``, the
        search stops there (nodes beyond are inf): a bounded search costs the reach, not the whole network.
        """
        times = self._engine.travel_times_from(
            np.atleast_1d(lons), np.atleast_1d(lats), min_only=min_only, limit_s=limit_s, factor=factor
        )
        return np.asarray(times, dtype=float)

    def times_within(
        self, lons: npt.ArrayLike, lats: npt.ArrayLike, factor: float, within_s: float, min_only: bool = False
    ) -> FloatArray:
        """:meth:`times_from`, exact up to ``within_s`` (farther nodes may be inf) at the cost of the reach, not
        the network: the search stops a second past it, so that a time at the bound is not lost to the rounding
        of the speed factor."""
        return self.times_from(lons, lats, factor, min_only=min_only, limit_s=within_s + 1.0)

    def route(self, origin: tuple[float, float], destination: tuple[float, float], factor: float) -> Route:
        """The fastest route between two (lon, lat) points for a unit with this speed factor.

        Raises
        ------
        NoRoute
            When no road path joins them.
        """
        try:
            return self._engine.route(origin, destination, factor)
        except routing.UnreachableError as exc:
            raise NoRoute(str(exc)) from None

    def service_area(self, lons: npt.ArrayLike, lats: npt.ArrayLike, minutes: float, factor: float) -> shapely.Geometry:
        """The area reachable from any of the points within ``minutes``."""
        return routing.service_area(self._engine, lons, lats, minutes, factor)

    def streets(self, query: str, limit: int) -> list[Street]:
        """Streets whose name contains the query (with or without "Jalan"/"Jl."), with a point on each."""
        return routing.find_streets(self._engine.graph, query, limit)

    def road_lines(self) -> RoadLines:
        """Every road once, with its class and name (the engine's undirected roads, drawn along ``fwd``)."""
        graph, roads = self._engine.graph, self._engine.roads
        return RoadLines(
            highway=graph.classes[graph.edge_class[roads.fwd]].tolist(),
            name=graph.names[graph.edge_name[roads.fwd]].tolist(),
            oneway=(roads.bwd < 0).tolist(),
            lines=graph.edge_lines(roads.fwd),
        )

    def gap_roads(self, reached: npt.NDArray[np.bool_]) -> RoadGap:
        """The roads whose two ends are both unreached (``reached`` is one flag per node)."""
        return routing.unreached_roads(self._engine.graph, reached)

    def unit_table(self, limit_s: float = np.inf) -> routing.UnitTable:
        """An empty table of units' travel-time rows over this network, each row bounded at ``limit_s``."""
        return routing.UnitTable(self._engine, limit_s)


def cache_file(osm_path: Path | None, cache_dir: Path, place: str | None = None) -> Path:
    """Where the compiled graph of an OSM file (or of an online place) is cached."""
    return routing.cache_path(cache_dir, routing.source_key(osm_path, place))


def load_network(
    osm_path: Path | None,
    cache_dir: Path,
    online: bool = False,
    place: str = DEFAULT_PLACE,
    rebuild: bool = False,
    progress: bool = False,
) -> Network:
    """Build or load the road network of an OSM extract (or of a place, online).

    Why: the first call builds and caches the compiled graph (~15 s for Mojokerto); later calls load it in
    well under a second.

    Parameters
    ----------
    osm_path
        The OSM file (.osm / .osm.bz2); ignored when ``online``.
    cache_dir
        Where compiled graphs are cached (keyed by file sha256 and profile version).
    online
        Fetch ``place`` from OpenStreetMap instead (needs internet).
    place
        The online query.
    rebuild
        Build even if the cache holds the graph.
    progress
        Show progress bars while building.

    Returns
    -------
    Network
    """
    engine = routing.load_engine(osm_path, cache_dir, online=online, place=place, rebuild=rebuild, progress=progress)
    return Network(engine)


class UnitPosition(NamedTuple):
    """What a unit's travel-time row is computed from: where it is, its type and that type's speed factor."""

    lon: float
    lat: float
    unit_type: str
    speed_factor: float


def _same_type_and_speed(synced: UnitPosition | None, current: UnitPosition) -> bool:
    return synced is not None and (synced.unit_type, synced.speed_factor) == (current.unit_type, current.speed_factor)


#: Positions of every positioned unit with its type's speed factor, as :class:`UnitPosition` columns.
POSITIONS = (
    select(Unit.id, func.ST_X(Unit.geom), func.ST_Y(Unit.geom), Unit.unit_type_code, UnitType.speed_factor)
    .join(UnitType)
    .where(Unit.geom.is_not(None))
)
# The units a notification named: built once, as a listener reads it for every AVL fix in every worker.
_POSITIONS_OF = POSITIONS.where(Unit.id.in_(bindparam("unit_ids", expanding=True)))


class RoutedFleet:
    """The road network and the travel-time rows of every positioned unit, kept in step with the database.

    A listener keeps the rows current in the background (:func:`listen`; :func:`fleet_for` starts one per
    process); a reader computes only what it cannot rank without (:meth:`behind`): units without a row, or
    every stale unit when no listener is caught up.

    Parameters
    ----------
    network
        The road network the rows are computed on.
    row_limit_s
        A row holds the nodes its unit reaches within this many seconds (``GEO112_UNIT_ROW_LIMIT_S``), so its
        cost follows the unit's reach, not the size of the network.
    beyond
        Of the units beyond the bound from a point, rank this many, the nearest as the crow flies, by hierarchy
        queries (``GEO112_UNIT_ROW_BEYOND``; None: every one).
    shared
        Rows searched once per machine and copied by the other workers (None: every row searched here).
    """

    def __init__(
        self, network: Network, row_limit_s: float = np.inf, beyond: int | None = None, shared: SharedRows | None = None
    ) -> None:
        self.network = network
        self.table = network.unit_table(row_limit_s)
        self.beyond = beyond
        self.shared = shared
        self._synced: dict[int, UnitPosition] = {}
        self._marks: dict[int, int] = {}
        self._reads = itertools.count()
        self.off_road: set[int] = set()
        self.listener: Listener | None = None
        # The table's arrays are reallocated by stores: reads and writes must not interleave across threads.
        # Rows are computed outside the lock; holding it only copies them in (microseconds).
        self._lock = threading.Lock()

    def mark(self) -> int:
        """Take a mark *before* reading positions to :meth:`refresh` with: of two reads, the later one wins."""
        return next(self._reads)

    def stale(self, current: dict[int, UnitPosition]) -> list[int]:
        """The units whose rows were computed from other positions than ``current`` (or not at all)."""
        return [u for u, position in current.items() if self._synced.get(u) != position]

    def behind(self, current: dict[int, UnitPosition]) -> dict[int, UnitPosition]:
        """Of ``current``, the units a reader must compute itself before ranking.

        Without a caught-up listener, every stale unit. With one, only units without a row or whose type or
        speed changed: a moved unit's row follows within one listener cycle (milliseconds on Mojokerto),
        and computing it in every request that meets it would do the listener's work again in each worker
        and each request (tens of milliseconds per unit on a large graph).
        """
        stale = self.stale(current)
        if self.listener is not None and self.listener.connected:
            stale = [u for u in stale if not _same_type_and_speed(self._synced.get(u), current[u])]
        return {u: current[u] for u in stale}

    def _compute(self, where: list[UnitPosition]) -> routing.UnitRows:
        """The rows of units at these positions, copied when another worker searched them (:attr:`shared`)."""
        lons, lats, factors = [p.lon for p in where], [p.lat for p in where], [p.speed_factor for p in where]
        if self.shared is not None:
            rows: routing.UnitRows = self.shared.compute(self.table, lons, lats, factors)
            return rows
        return self.table.compute(lons, lats, factors)

    def refresh(self, current: dict[int, UnitPosition], mark: int, drop: Collection[int] | None = ()) -> int:
        """Bring the rows of these units up to their current positions (computing only the changed ones).

        Parameters
        ----------
        current
            ``{unit id: position}`` as read after ``mark`` was taken.
        mark
            From :meth:`mark`: rows from a read older than the one that computed a row do not replace it.
        drop
            Of these units, forget those not in ``current``: the read asked for them and found them gone
            (deleted, or without a position). None for every unit not in ``current`` (a read of every
            positioned unit).

        Returns
        -------
        int
            How many rows were computed.
        """
        changed = self.stale(current)
        with self._lock:
            asked = self._synced if drop is None else drop
            for unit_id in [u for u in asked if u not in current and self._marks.get(u, mark) < mark]:
                self.table.remove(unit_id)
                del self._synced[unit_id], self._marks[unit_id]
                self.off_road.discard(unit_id)
        for start in range(0, len(changed), REFRESH_BATCH):
            batch = changed[start : start + REFRESH_BATCH]
            self._store(batch, self._compute([current[u] for u in batch]), current, mark)
        return len(changed)

    def _store(self, changed: list[int], rows: routing.UnitRows, current: dict[int, UnitPosition], mark: int) -> None:
        """Store the rows of these units, but of those a later read has stored already (:meth:`refresh`)."""
        with self._lock:
            keep = [i for i, u in enumerate(changed) if self._marks.get(u, -1) < mark]
            if not keep:
                return
            units = [changed[i] for i in keep]
            types = [current[u].unit_type for u in units]
            kept = rows if len(keep) == len(changed) else rows.take(keep)  # a copy only when some are dropped
            snap = self.table.store(units, kept, types, True, [current[u].speed_factor for u in units])
            for unit_id, too_far in zip(units, snap.too_far.tolist()):
                (self.off_road.add if too_far else self.off_road.discard)(unit_id)
            self._synced.update((u, current[u]) for u in units)
            self._marks.update((u, mark) for u in units)

    def sync(self, session: Session, unit_ids: Collection[int] | None = None) -> int:
        """Read the positioned units and bring their rows up to date; forget vanished units.

        Parameters
        ----------
        session
            Session on the database.
        unit_ids
            Only these units (the ones a notification named); default every unit.

        Returns
        -------
        int
            How many rows were computed.
        """
        mark = self.mark()
        named = {} if unit_ids is None else {"unit_ids": list(unit_ids)}
        read = session.execute(_POSITIONS_OF if named else POSITIONS, named)
        current = {r[0]: UnitPosition(float(r[1]), float(r[2]), r[3], float(r[4])) for r in read}
        return self.refresh(current, mark, drop=unit_ids)

    def rank(self, lon: float, lat: float, unit_type: str) -> list[RankedUnit]:
        """Every known unit of a type that can reach the point, fastest first.

        A unit farther than the rows' bound is ranked by a hierarchy query (``beyond_bound``): a search per
        such unit, where a row costs none; past :attr:`beyond` of them the others come last, not ranked (an
        infinite ETA).
        """
        with self._lock:
            return self.table.nearest(lon, lat, [unit_type], None, self.beyond)

    def route(
        self, unit_id: int, origin: tuple[float, float], destination: tuple[float, float], factor: float
    ) -> Route:
        """The unit's fastest route: from its row's tree when the row was computed from this origin and speed
        (a walk, no search), else searched (:meth:`Network.route`).

        Raises
        ------
        NoRoute
            When no road path joins them.
        """
        with self._lock:  # the table's arrays must not be reallocated under the walk
            synced = self._synced.get(unit_id)
            if synced is not None and (synced.lon, synced.lat) == origin and synced.speed_factor == factor:
                try:
                    return self.table.route(unit_id, *destination)
                except routing.UnreachableError as exc:
                    raise NoRoute(str(exc)) from None
        return self.network.route(origin, destination, factor)

    def unit_reach(self, unit_ids: list[int], within_s: float) -> sp.csr_array:
        """The units' seconds (with their speed factors) to the nodes each reaches within ``within_s``, one row
        per unit, for coverage: sparse, as a unit reaches a few nodes of a large network.

        From the rows when ``within_s`` is within their bound, else from fresh searches at the units' positions
        (a search per unit).
        """
        n = self.network.n_nodes
        if within_s > self.table.limit_s:
            with self._lock:
                where = [self._synced[u] for u in unit_ids]
            # one search at a time, as each fills a row over every node
            reached = [_within(self.network.times_within(p.lon, p.lat, p.speed_factor, within_s), within_s)
                       for p in where]  # fmt: skip
        else:
            with self._lock:
                reached = [self.table.reach(u, within_s) for u in unit_ids]
        indptr = np.concatenate([[0], np.cumsum([len(nodes) for nodes, _ in reached], dtype=np.int64)])
        nodes = np.concatenate([nodes for nodes, _ in reached] or [np.empty(0, dtype=np.int64)])
        times = np.concatenate([times for _, times in reached] or [np.empty(0)])
        return sp.csr_array((times, nodes, indptr), shape=(len(unit_ids), n))


def _within(times: FloatArray, within_s: float) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """The nodes of a row of times within ``within_s``, and their times."""
    row = times.ravel()
    nodes = np.flatnonzero(row <= within_s)
    return nodes, row[nodes]


# One network per (OSM file, cache) and one fleet per (network, database) in each process.
_lock = threading.Lock()
_networks: dict[tuple[str, str], Network] = {}
_fleets: dict[tuple[str, str, str], RoutedFleet] = {}
_failures: dict[tuple[str, str], tuple[float, str, str]] = {}  # (when, message, exception type)


def _network(key: tuple[str, str]) -> Network:
    if key in _networks:
        return _networks[key]
    failed = _failures.get(key)
    if failed and time.monotonic() - failed[0] < RETRY_AFTER_S:
        raise ServiceUnavailable(f"the road network is unavailable: {failed[1]}", cause=failed[2])
    try:
        network = load_network(Path(key[0]), Path(key[1]))
    except Exception as exc:
        cause = f"{type(exc).__name__}: {exc}"
        _failures[key] = (time.monotonic(), cause, type(exc).__name__)
        log.error("road network failed to load: %s", cause)
        raise ServiceUnavailable(f"the road network is unavailable: {cause}", cause=type(exc).__name__) from None
    _failures.pop(key, None)
    _networks[key] = network
    return network


def network_for(settings: Settings) -> Network:
    """This process's road network for the settings' OSM file, loaded (or built) on first use.

    Raises
    ------
    ServiceUnavailable
        (503) When the network cannot be loaded; the message names the cause.
    """
    with _lock:
        return _network((str(settings.osm_path), str(settings.cache_dir)))


def fleet_for(settings: Settings) -> RoutedFleet:
    """This process's routed fleet for the settings' network and database (see :func:`network_for`).

    Its rows are kept current by a listener thread (:func:`listen`) from the first call on.
    """
    key = (str(settings.osm_path), str(settings.cache_dir))
    with _lock:
        fleet_key = (*key, settings.database_url)
        if fleet_key not in _fleets:
            network = _network(key)
            shared = SharedRows(settings.redis_url, network.fingerprint)
            fleet = RoutedFleet(network, settings.unit_row_limit_s, settings.unit_row_beyond, shared)
            _fleets[fleet_key] = listen(fleet, settings.database_url)
        return _fleets[fleet_key]


def listen(fleet: RoutedFleet, database_url: str) -> RoutedFleet:
    """Keep the fleet's rows current in a background thread, from the database's notifications.

    Every change of a unit's position, type or speed notifies :data:`~geo112.store.notify.FLEET_CHANNEL`
    (migration 0007); the thread then syncs, so requests find the rows computed already. A unit's change
    names the unit (migration 0016), and only the units named are read; a unit type's new speed, a
    reconnection or a long silence has every unit read.
    """
    factory = session_factory(database_url)

    def sync(changed: set[str] | None) -> None:
        units = [int(p) for p in changed] if changed and all(p.isdigit() for p in changed) else None
        with factory() as session:
            fleet.sync(session, units)

    fleet.listener = Listener(database_url, FLEET_CHANNEL, sync, name="fleet-listener").start()
    return fleet
