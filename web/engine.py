"""One routing engine per process, loaded lazily, with its unit table kept in step with the database.

The first request that needs routing loads the engine from ``settings.osm_path`` / ``settings.cache_dir``
(building the graph into the cache on the very first run). A failure is remembered for a short while, so
a broken network file answers 503 quickly instead of every request retrying the build.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from flask import current_app

from geo112.errors import ServiceUnavailable
from geo112.network import RoutedFleet
from web.db import settings

RETRY_AFTER_S = 60.0
_lock = threading.Lock()
_engines: dict[tuple[str, str], object] = {}
_fleets: dict[tuple[str, str, str], RoutedFleet] = {}
_failures: dict[tuple[str, str], tuple[float, str, str]] = {}  # (when, message, exception type)


def _load(key: tuple[str, str]) -> object:
    from geo112.network import load_engine

    failed = _failures.get(key)
    if failed and time.monotonic() - failed[0] < RETRY_AFTER_S:
        raise ServiceUnavailable(f"the road network is unavailable: {failed[1]}", cause=failed[2])
    try:
        engine = load_engine(Path(key[0]), Path(key[1]))
    except Exception as exc:  # noqa: BLE001 - any failure to build or read the graph means no routing
        cause = f"{type(exc).__name__}: {exc}"
        _failures[key] = (time.monotonic(), cause, type(exc).__name__)
        current_app.logger.error("road network failed to load: %s", cause)
        raise ServiceUnavailable(f"the road network is unavailable: {cause}", cause=type(exc).__name__) from None
    _failures.pop(key, None)
    return engine


def fleet() -> RoutedFleet:
    """Return this process's routed fleet for the app's database, loading the engine on first use.

    Raises
    ------
    ServiceUnavailable
        (503) When the road network cannot be loaded; the message names the cause.
    """
    s = settings()
    key = (str(s.osm_path), str(s.cache_dir))
    fleet_key = (*key, s.database_url)
    with _lock:
        if fleet_key not in _fleets:
            if key not in _engines:
                _engines[key] = _load(key)
            _fleets[fleet_key] = RoutedFleet(_engines[key])
        return _fleets[fleet_key]


def loaded_fleet() -> RoutedFleet | None:
    """Return the fleet if its engine is already loaded, without loading it (for best-effort refreshes)."""
    s = settings()
    return _fleets.get((str(s.osm_path), str(s.cache_dir), s.database_url))
