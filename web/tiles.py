"""The base map's vector tiles: ``/tiles/<layer>/<z>/<x>/<y>.pbf`` from :mod:`geo112.store.tiles`.

Tiles hold public data (roads, rivers, boundaries, facilities), so they need no login: the responder's phone
page draws them too. Every answer carries an ETag made of the data's version (:meth:`TileProvider.version`),
so a browser revalidating a tile it holds gets a 304 without the tile being cut again. Cut tiles are kept in
Redis, shared by every worker, under the same version: reloading the data starts new keys, and the old ones
expire. Should Redis be down, tiles are cut on every request meanwhile, and the log says so.
"""

from __future__ import annotations

import time

import redis
from flask import Blueprint, Flask, Response, current_app, request

from geo112.store.tiles import TILES, check_tile
from web.db import get_session

bp = Blueprint("tiles", __name__)

MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
#: Browsers reuse a tile for this long, then revalidate it (a 304 while the data has not changed).
MAX_AGE_S = 300
#: Cut tiles stay in Redis this long after their version was last asked for.
CACHE_TTL_S = 7 * 86400
#: A failing Redis is logged at most this often.
_WARN_EVERY_S = 60.0


class TileCache:
    """Cut tiles in Redis, keyed by the data's version and the tile."""

    def __init__(self, url: str, prefix: str) -> None:
        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._prefix = f"{prefix}:tile"
        self._warned_at = -_WARN_EVERY_S

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
    session = get_session()
    version = TILES.version(session)
    headers = {"Cache-Control": f"public, max-age={MAX_AGE_S}", "ETag": f'"{version}"'}
    if request.if_none_match.contains(version):
        return Response(status=304, headers=headers)
    key = _cache().key(version, f"{layer}/{z}/{x}/{y}")
    cut = _cache().get(key)
    headers["X-Tile-Cache"] = "miss" if cut is None else "hit"
    if cut is None:
        cut = TILES.tile(session, layer, z, x, y)
        _cache().put(key, cut)
    return Response(cut, mimetype=MEDIA_TYPE, headers=headers)


def init_app(app: Flask) -> None:
    """Register the blueprint and the app's tile cache."""
    config = app.config["GEO112_SETTINGS"]
    app.extensions["geo112_tiles"] = TileCache(config.redis_url, config.ratelimit_prefix)
    app.register_blueprint(bp)
