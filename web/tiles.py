"""The base map's vector tiles: ``/tiles/<layer>/<z>/<x>/<y>.pbf`` from :mod:`geo112.store.tiles`.

Tiles hold public data (roads, rivers, boundaries, facilities), so they need no login: the responder's phone page draws
them too. Every answer carries an ETag made of the data's version (:meth:`~geo112.store.tiles.TileProvider.version`),
so a browser revalidating a tile it holds gets a 304 without the tile being cut again. Cut tiles are kept in
Redis, shared by every worker, under the same version: reloading the data starts new keys, and the old ones
expire. Should Redis be down, tiles are cut on every request meanwhile, and the log says so.

Each worker reads the version from the database at most every :data:`VERSION_TTL_S`, so a cached tile or a
304 costs no database round trip; a reload shows on the map within that time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import redis
from flask import Blueprint, Flask, Response, current_app, request

from geo112.store.tiles import TILES, check_tile
from web.db import get_session

bp = Blueprint("tiles", __name__)

MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
#: Browsers reuse a tile for this long, then revalidate it (a 304 while the data has not changed).
MAX_AGE_S = 300
#: Cut tiles stay in Redis this long after they were cut (the keys of an old version expire with them).
CACHE_TTL_S = 7 * 86400
#: How long a worker trusts the data version it read (seconds).
VERSION_TTL_S = 2.0
#: A failing Redis is logged at most this often.
_WARN_EVERY_S = 60.0


class TileCache:
    """Cut tiles in Redis, keyed by the data's version and the tile."""

    def __init__(self, url: str, prefix: str, clock: Callable[[], float] = time.monotonic) -> None:
        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._prefix = f"{prefix}:tile"
        self._warned_at = -_WARN_EVERY_S
        #: The time source of the version's age (tests move it on instead of sleeping).
        self.clock = clock
        self._version: tuple[float, str] | None = None
        self._lock = threading.Lock()

    def version(self) -> str:
        """The tiles' data version, read again once :data:`VERSION_TTL_S` has passed."""
        with self._lock:
            if self._version is None or self.clock() - self._version[0] >= VERSION_TTL_S:
                self._version = (self.clock(), TILES.version(get_session()))
            return self._version[1]

    def key(self, version: str, path: str) -> str:
        """The Redis key of a tile (``path``: ``layer/z/x/y``) of this data version."""
        return f"{self._prefix}:{version}:{path}"

    def get(self, key: str) -> bytes | None:
        """The cached tile, or None (also when Redis cannot be reached)."""
        try:
            found = self._redis.get(key)
        except redis.RedisError as exc:
            self._warn(exc)
            return None
        return found if isinstance(found, bytes) else None

    def put(self, key: str, tile: bytes) -> None:
        """Keep a cut tile (a failing Redis only costs the next request a cut)."""
        try:
            self._redis.set(key, tile, ex=CACHE_TTL_S)
        except redis.RedisError as exc:
            self._warn(exc)

    def _warn(self, exc: redis.RedisError) -> None:
        now = time.monotonic()
        if now - self._warned_at >= _WARN_EVERY_S:
            self._warned_at = now
            current_app.logger.warning("tile cache unavailable, cutting tiles uncached: %s", type(exc).__name__)


def _cache() -> TileCache:
    cache: TileCache = current_app.extensions["geo112_tiles"]
    return cache


@bp.get("/tiles/<layer>/<int:z>/<int:x>/<int:y>.pbf")
def tile(layer: str, z: int, x: int, y: int) -> Response:
    """One vector tile: ``base`` holds every layer; 304 when the browser's copy is current."""
    check_tile(layer, z, x, y)
    version = _cache().version()
    headers = {"Cache-Control": f"public, max-age={MAX_AGE_S}", "ETag": f'"{version}"'}
    if request.if_none_match.contains(version):
        return Response(status=304, headers=headers)
    key = _cache().key(version, f"{layer}/{z}/{x}/{y}")
    cut = _cache().get(key)
    headers["X-Tile-Cache"] = "miss" if cut is None else "hit"
    if cut is None:
        cut = TILES.tile(get_session(), layer, z, x, y)
        _cache().put(key, cut)
    return Response(cut, mimetype=MEDIA_TYPE, headers=headers)


def init_app(app: Flask) -> None:
    """Register the blueprint and the app's tile cache."""
    config = app.config["GEO112_SETTINGS"]
    app.extensions["geo112_tiles"] = TileCache(config.redis_url, config.ratelimit_prefix)
    app.register_blueprint(bp)
