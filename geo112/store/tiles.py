"""Vector tiles of the base map, cut by PostGIS (the technique of pg_tileserv and martin).

A :class:`TileProvider` answers Mapbox Vector Tiles for ``z/x/y`` in web mercator; the one provider,
:class:`PostgisTileProvider`, runs one statement per tile: ``ST_TileEnvelope`` gives the tile's square,
each layer selects what intersects it through its GiST index, ``ST_AsMVTGeom`` clips and quantises, and
``ST_AsMVT`` encodes. The layers of one tile are concatenated (an MVT is a sequence of layers), so the map
asks for one tile per square.

Every layer has a zoom range, and roads and rivers a class per zoom, so no tile at a low zoom drags every
residential street through the encoder. Geometry is simplified to the tile's pixel before encoding.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo112.errors import NotFound

#: Tiles are cut from z0 to z16; maps overzoom beyond (a z16 tile is ~600 m across, finer than the data).
MAX_ZOOM = 16
EXTENT = 4096
#: Lines and polygons keep this much beyond the tile (tile units), so strokes join across tile edges.
BUFFER = 64
#: Width of the world in web mercator metres.
_WORLD_M = 40_075_016.686

#: The zoom from which each road class is in the tiles: arterials and the toll road from the regency view,
#: local streets only where their names can be read.
ROAD_MIN_ZOOM: dict[str, int] = {
    "motorway": 8, "trunk": 8, "primary": 9, "secondary": 10, "motorway_link": 11, "tertiary": 11,
    "trunk_link": 12, "primary_link": 12, "busway": 12, "secondary_link": 13, "tertiary_link": 13,
    "unclassified": 13, "road": 13, "residential": 14, "living_street": 15, "service": 15,
}  # fmt: skip


@dataclass(frozen=True)
class TileLayer:
    """One layer of the tiles: its name, zoom range and the ``SELECT`` of its features.

    The ``SELECT`` reads the CTE ``env`` (``e``: the tile in 3857; ``m``: the tile with its buffer, 3857;
    ``g``: the buffered tile in 4326; ``tol``: a pixel in metres) and names its geometry column ``geom``.
    """

    name: str
    min_zoom: int
    max_zoom: int
    select: str


def _mvt_geom(column: str, buffer: int = BUFFER) -> str:
    return f"ST_AsMVTGeom({column}, env.e, {EXTENT}, {buffer}, true)"


# The label point is stored (migration 0008), its index is the area's own.
_LABEL_POINT = _mvt_geom("a.label", buffer=0)

LAYERS: tuple[TileLayer, ...] = (
    TileLayer(
        "boundaries",
        7,
        MAX_ZOOM,
        f"""SELECT a.kind, a.code, a.name, a.served, {_mvt_geom("ST_Simplify(a.geom, env.tol, true)")} AS geom
              FROM boundary_line a, env
             WHERE a.geom && env.m
               AND (a.kind = 'kabupaten' OR (a.kind = 'kecamatan' AND :z >= 9) OR :z >= 12)""",
    ),
    TileLayer(
        "water",
        10,
        MAX_ZOOM,
        f"""SELECT a.name, a.kind, {_mvt_geom("ST_Simplify(a.geom, env.tol, true)")} AS geom
              FROM river a, env
             WHERE a.geom && env.m AND (:z >= 12 OR a.kind = 'Sungai' OR a.name IS NOT NULL)""",
    ),
    TileLayer(
        "roads",
        min(ROAD_MIN_ZOOM.values()),
        MAX_ZOOM,
        f"""SELECT a.highway AS class, NULLIF(a.name, '') AS name, a.oneway,
                   {_mvt_geom("ST_Simplify(a.geom, env.tol, true)")} AS geom
              FROM road a, env WHERE a.geom && env.m AND a.highway = ANY(:road_classes)""",
    ),
    TileLayer(
        "places",
        8,
        MAX_ZOOM,
        f"""SELECT 'kabupaten' AS kind, a.name, {_LABEL_POINT} AS geom
              FROM jurisdiction a, env WHERE :z <= 11 AND a.geom && env.g
            UNION ALL
            SELECT 'kecamatan', a.name, {_LABEL_POINT}
              FROM kecamatan a, env WHERE :z BETWEEN 10 AND 14 AND a.geom && env.g
            UNION ALL
            SELECT a.kind, a.name, {_LABEL_POINT}
              FROM desa a, env WHERE :z >= 13 AND a.geom && env.g""",
    ),
    TileLayer(
        "facilities",
        12,
        MAX_ZOOM,
        f"""SELECT a.code, a.name, a.kind, a.agency_code AS agency, a.status,
                   {_mvt_geom("ST_Transform(a.geom, 3857)", buffer=0)} AS geom
              FROM station a, env WHERE a.geom && env.g""",
    ),
)
LAYER_NAMES = tuple(layer.name for layer in LAYERS)
#: The one tile the maps ask for: every layer.
BASE = "base"


class TileProvider(ABC):
    """Vector tiles of named layers (after pygeoapi's tile providers)."""

    @abstractmethod
    def tile(self, session: Session, layer: str, z: int, x: int, y: int) -> bytes:
        """Return the MVT of ``layer`` (or :data:`BASE`: all) at ``z/x/y``; empty bytes for an empty tile.

        Raises
        ------
        NotFound
            For an unknown layer or a tile outside the grid (z above :data:`MAX_ZOOM`, x/y beyond 2^z).
        """

    @abstractmethod
    def version(self, session: Session) -> str:
        """A digest of what the tiles are made of; it changes whenever the data does (for caches and ETags)."""


def check_tile(layer: str, z: int, x: int, y: int) -> None:
    """Refuse an unknown layer or a tile outside the grid with a message that says what exists."""
    if layer != BASE and layer not in LAYER_NAMES:
        raise NotFound(f"no tile layer {layer!r}: the layers are {', '.join((BASE, *LAYER_NAMES))}")
    if not 0 <= z <= MAX_ZOOM:
        raise NotFound(f"tiles exist for zoom 0..{MAX_ZOOM} (maps overzoom beyond); got {z}")
    if not (0 <= x < 2**z and 0 <= y < 2**z):
        raise NotFound(f"tile {z}/{x}/{y} is outside the grid: x and y run 0..{2**z - 1} at zoom {z}")


def _layer_sql(layer: TileLayer) -> str:
    return (
        f"coalesce((SELECT ST_AsMVT(t, '{layer.name}', {EXTENT}, 'geom') FROM ({layer.select}) t"
        " WHERE t.geom IS NOT NULL), ''::bytea)"
    )


class PostgisTileProvider(TileProvider):
    """The base map's layers (:data:`LAYERS`) from the geo112 tables."""

    def tile(self, session: Session, layer: str, z: int, x: int, y: int) -> bytes:
        """See :meth:`TileProvider.tile`."""
        check_tile(layer, z, x, y)
        wanted = [lyr for lyr in LAYERS if lyr.name in (layer, BASE) or layer == BASE]
        parts = [_layer_sql(lyr) for lyr in wanted if lyr.min_zoom <= z <= lyr.max_zoom]
        if not parts:
            return b""
        sql = f"""
            WITH env AS (
                SELECT ST_TileEnvelope(:z, :x, :y) AS e,
                       ST_TileEnvelope(:z, :x, :y, margin => {BUFFER / EXTENT}) AS m,
                       ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => {BUFFER / EXTENT}), 4326) AS g,
                       CAST(:tol AS float8) AS tol
            )
            SELECT {" || ".join(parts)}"""
        classes = [c for c, min_zoom in ROAD_MIN_ZOOM.items() if z >= min_zoom]
        params = {"z": z, "x": x, "y": y, "tol": _WORLD_M / 2**z / 256, "road_classes": classes}
        return bytes(session.execute(text(sql), params).scalar_one())

    def version(self, session: Session) -> str:
        """Digest of the loaded datasets (boundaries, rivers, roads: name, sha256, load time) and the stations."""
        return str(
            session.execute(
                text("""
                    SELECT md5(
                        (SELECT coalesce(string_agg(name || sha256 || loaded_at::text, ',' ORDER BY name), '')
                           FROM dataset)
                        || (SELECT count(*)::text || coalesce(max(updated_at)::text, '') FROM station))
                """)
            ).scalar_one()
        )


#: The tiles the web app serves.
TILES: TileProvider = PostgisTileProvider()
