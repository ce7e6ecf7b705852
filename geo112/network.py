"""Glue between the app and the ``routing`` package: build-or-load the road engine.

Kept tiny on purpose: the app depends on this one function, routing knows
nothing of the app.
"""

from __future__ import annotations

from pathlib import Path

import routing


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
