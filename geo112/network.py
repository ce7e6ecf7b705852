"""The one seam between geo112 and the ``routing`` package: the road engine and the routed fleet.

No other module of geo112 imports ``routing``. :func:`load_engine` builds or loads the engine;
:class:`RoutedFleet` keeps the engine's unit table in step with the database: before each recommendation it
re-reads the positions and upserts the units that moved since this process last looked, so several web
workers, each with its own engine, stay correct whichever of them received the AVL update.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import routing
from geo112.store.models import Unit, UnitType


def load_engine(osm_path: Path, cache_dir: Path, online: bool = False, progress: bool = False) -> routing.Engine:
    """Return the routing engine for an OSM extract, from the cache when possible.

    Why: the first call builds and caches the compiled graph (~15 s for
    Mojokerto); later calls load it in well under a second.

    Parameters
    ----------
    osm_path
        The OSM file (.osm / .osm.bz2); ignored when ``online``.
    cache_dir
        Where compiled graphs are cached (keyed by file sha256 and profile version).
    online
        Fetch the regency from OpenStreetMap instead (needs internet).
    progress
        Show progress bars while building.

    Returns
    -------
    routing.Engine
    """
    return routing.load_engine(osm_path, cache_dir, online=online, progress=progress)


class RoutedFleet:
    """A routing engine and its unit table, synchronised from the database (one per process).

    Parameters
    ----------
    engine
        A :class:`routing.Engine`.
    """

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.table = engine.unit_table()
        self._synced: dict[int, tuple[float, float, str, float]] = {}
        self.off_road: set[int] = set()
        # The table's arrays are reallocated by upserts: reads and writes must not interleave across threads.
        self._lock = threading.Lock()

    def sync(self, session: Session) -> int:
        """Upsert the units whose position, type or speed changed since the last sync; drop vanished ones.

        Returns
        -------
        int
            How many units were (re)computed.
        """
        rows = session.execute(
            select(Unit.id, func.ST_X(Unit.geom), func.ST_Y(Unit.geom), Unit.unit_type_code, UnitType.speed_factor)
            .join(UnitType).where(Unit.geom.is_not(None))
        ).all()
        current = {r[0]: (float(r[1]), float(r[2]), r[3], float(r[4])) for r in rows}
        with self._lock:
            for unit_id in [u for u in self._synced if u not in current]:
                self.table.remove(unit_id)
                del self._synced[unit_id]
                self.off_road.discard(unit_id)
            changed = [u for u, value in current.items() if self._synced.get(u) != value]
            if changed:
                values = [current[u] for u in changed]
                snap = self.table.upsert_many(changed, [v[0] for v in values], [v[1] for v in values],
                                              [v[2] for v in values], True, [v[3] for v in values])
                for unit_id, too_far in zip(changed, snap.too_far.tolist()):
                    (self.off_road.add if too_far else self.off_road.discard)(unit_id)
                self._synced.update(zip(changed, values))
        return len(changed)

    def rank(self, lon: float, lat: float, unit_type: str) -> list[Any]:
        """Return every known unit of a type that can reach the point, fastest first (:class:`routing.RankedUnit`)."""
        with self._lock:
            return self.table.nearest(lon, lat, [unit_type], None)

    def unit_times(self, unit_ids: list[int]) -> np.ndarray:
        """Return the units' seconds to every node (with their speed factors), one row per unit, for coverage."""
        with self._lock:
            return np.array([self.table.times(u) for u in unit_ids], dtype=float).reshape(len(unit_ids), self.engine.graph.n_nodes)

    def snap_point(self, lon: float, lat: float) -> tuple[float, float, float] | None:
        """Return the nearest road point ``(lon, lat, metres away)``, or None when no road is near enough."""
        snap = self.engine.snap(lon, lat)
        if bool(snap.too_far[0]):
            return None
        return float(snap.lon[0]), float(snap.lat[0]), float(snap.distance_m[0])

    def route(self, origin: tuple[float, float], destination: tuple[float, float], speed_factor: float) -> Any:
        """Return the fastest :class:`routing.Route` for a unit with this speed factor."""
        return self.engine.route(origin, destination, speed_factor)
