"""Build compiled graphs and cache them as ``.npz``, keyed by source digest and profile.

The cache key is the sha256 of the OSM file (or of the online query) plus
:data:`routing.settings.PROFILE_VERSION`, so a changed extract or a changed
speed table never serves a stale graph.  Files are written atomically (temp
file + rename) so a crashed build leaves no half-written cache.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from . import settings
from ._errors import GraphMismatchError, GraphSourceError
from .compiled import CompiledGraph, compile_graph
from .engine import Engine
from .hierarchy import Hierarchy
from .turns import SearchGraph

_CHUNK = 1 << 20


def source_key(osm_path: Path | None = None, place: str | None = None) -> str:
    """Return the sha256 hex digest identifying a graph source.

    Why: the same bytes give the same graph, whatever the file is called.

    Parameters
    ----------
    osm_path
        An OSM file; its content is hashed.
    place
        For online builds, the query text is hashed instead.

    Returns
    -------
    str
        64 hex characters.
    """
    digest = hashlib.sha256()
    if osm_path is not None:
        with open(osm_path, "rb") as fh:
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                digest.update(chunk)
    else:
        digest.update(f"online:{place}".encode())
    return digest.hexdigest()


def cache_path(cache_dir: Path, key: str) -> Path:
    """Return the cache file of a source key under the current profile version."""
    return Path(cache_dir) / f"routing-{key[:16]}-{settings.PROFILE_VERSION}.npz"


def save_compiled(graph: CompiledGraph, path: Path) -> Path:
    """Write a compiled graph to ``path`` atomically and return the path."""

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            # uncompressed: loading is then a plain read (numpy's stub fears a key named allow_pickle)
            np.savez(fh, **graph.arrays())  # type: ignore[arg-type]

    return _write_atomically(path, write)


def _write_atomically(path: Path, write: Callable[[Path], None]) -> Path:
    """Have ``write`` fill a temporary file beside ``path``, then rename it there: readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=path.suffix + ".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def load_compiled(path: Path) -> CompiledGraph:
    """Read a compiled graph written by :func:`save_compiled`."""
    with np.load(path, allow_pickle=False) as arrays:
        return CompiledGraph.from_arrays(arrays)


def build_compiled(osm_path: Path | None = None, place: str | None = None, progress: bool = False) -> CompiledGraph:
    """Run the whole pipeline (read, filter, simplify, SCC, speeds, compile).

    Why: one entry point for file and online sources.

    Parameters
    ----------
    osm_path
        A local OSM XML file (.osm or .osm.bz2).
    place
        Used when ``osm_path`` is None: fetch this place online (needs internet).
    progress
        Show progress bars.

    Returns
    -------
    CompiledGraph
        With ``meta`` holding the build report, source key and profile version.
    """
    # osmnx (and geopandas) take seconds to import, tqdm ~4 MB; only builds need them
    from tqdm.auto import tqdm

    from . import graph as graph_mod

    if osm_path is None and place is None:
        raise GraphSourceError("give an OSM file or a place to fetch online")
    bar = tqdm(total=3, desc="build road graph", disable=not progress)
    bar.set_postfix_str("reading OSM")
    raw = graph_mod.graph_from_file(osm_path) if osm_path is not None else graph_mod.graph_from_place(str(place))
    bar.update()
    bar.set_postfix_str("filter, simplify, largest SCC, speeds")
    G, report = graph_mod.prepare_graph(raw, source=str(osm_path) if osm_path is not None else f"online:{place}")
    bar.update()
    bar.set_postfix_str("compile")
    meta = {"report": report.as_dict(), "source_key": source_key(osm_path, place), "profile": settings.PROFILE_VERSION}
    compiled = compile_graph(G, meta=meta, progress=progress)
    bar.update()
    bar.close()
    return compiled


def load_engine(
    osm_path: Path | None,
    cache_dir: Path,
    online: bool = False,
    place: str = settings.DEFAULT_PLACE,
    rebuild: bool = False,
    progress: bool = False,
    max_snap_m: float = settings.DEFAULT_MAX_SNAP_M,
) -> Engine:
    """Load the engine from the cache, building and caching the graph first if needed.

    Why: the app and the CLI want an engine; only the first run pays for the build.

    Parameters
    ----------
    osm_path
        The OSM file (ignored when ``online``).
    cache_dir
        Directory of the ``.npz`` cache files.
    online
        Fetch ``place`` from OpenStreetMap instead of reading a file.
    place
        The online query.
    rebuild
        Build even if a cache file exists.
    progress
        Show progress bars while building.
    max_snap_m
        Snapping distance beyond which points are flagged ``too_far``.

    Returns
    -------
    Engine
    """
    if not online and osm_path is None:
        raise GraphSourceError("give an OSM file, or online=True with a place")
    source = None if online or osm_path is None else Path(osm_path)
    query = place if online else None
    path = cache_path(cache_dir, source_key(source, query))
    if rebuild or not path.exists():
        save_compiled(build_compiled(source, query, progress=progress), path)
        path.with_suffix(".ch").unlink(missing_ok=True)
    engine = Engine(load_compiled(path), max_snap_m=max_snap_m)
    engine.hierarchy = _cached_hierarchy(engine.search, path.with_suffix(".ch"))
    return engine


def _cached_hierarchy(search: SearchGraph, path: Path) -> Hierarchy:
    """The contraction hierarchy saved at ``path``, or built and saved there (atomically) if absent or unreadable."""
    if path.exists():
        try:
            return Hierarchy.load(search, path)
        except (RuntimeError, GraphMismatchError):  # written by another version of RoutingKit's bindings, or cut short
            pass
    hierarchy = Hierarchy.from_search(search)
    _write_atomically(path, hierarchy.save)
    return hierarchy
