"""The base map's vector tiles: what a tile over a known desa holds, decoded in Python, and how they are served."""

from __future__ import annotations

import math

import mapbox_vector_tile
import pytest
from sqlalchemy import text

from geo112.ingest.basemap import load_basemap
from geo112.store.db import session_factory
from geo112.store.tiles import BUFFER, EXTENT, ROAD_MIN_ZOOM
from web.tiles import VERSION_TTL_S, TileCache

#: A kecamatan seat of the issue (Kec. Sooko's neighbourhood, west of Kota Mojokerto).
SEAT = (112.4336, -7.4722)
_HALF_WORLD_M = 20_037_508.342789244


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The slippy-map tile holding a point."""
    n = 2**z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int((lon + 180) / 360 * n), int(y)


def lon_lat_of(z: int, x: int, y: int, px: float, py: float) -> tuple[float, float]:
    """Tile coordinates (origin top left, ``EXTENT`` units a side) back to lon/lat."""
    size = 2 * _HALF_WORLD_M / 2**z
    mx = -_HALF_WORLD_M + (x + px / EXTENT) * size
    my = _HALF_WORLD_M - (y + py / EXTENT) * size
    return math.degrees(mx / 6_378_137), math.degrees(2 * math.atan(math.exp(my / 6_378_137)) - math.pi / 2)


def decode(data: bytes) -> dict:
    return mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})


@pytest.fixture
def tiles(basemap: str, app):
    return app.test_client()


@pytest.fixture
def known_desa(basemap: str) -> dict:
    """The desa under the seat, with its label point in lon/lat."""
    with session_factory(basemap)() as session:
        row = session.execute(
            text("""SELECT code, name, ST_X(ST_Transform(label, 4326)) AS lon, ST_Y(ST_Transform(label, 4326)) AS lat
                      FROM desa WHERE ST_Contains(geom, ST_SetSRID(ST_Point(:lon, :lat), 4326))"""),
            {"lon": SEAT[0], "lat": SEAT[1]},
        ).one()
    return dict(row._mapping)


def _lines(geometry: dict) -> list[list[list[float]]]:
    return geometry["coordinates"] if geometry["type"] == "MultiLineString" else [geometry["coordinates"]]


def test_the_tile_over_a_desa_holds_its_outline_label_and_roads(tiles, known_desa, basemap):
    z = 14
    x, y = tile_of(known_desa["lon"], known_desa["lat"], z)
    response = tiles.get(f"/tiles/base/{z}/{x}/{y}.pbf")
    assert response.status_code == 200 and response.mimetype == "application/vnd.mapbox-vector-tile"
    layers = decode(response.data)
    assert {"boundaries", "roads", "places"} <= layers.keys()

    outlines = [f for f in layers["boundaries"]["features"] if f["properties"].get("code") == known_desa["code"]]
    assert outlines, "the desa's outline is in the tile"
    labels = [f for f in layers["places"]["features"] if f["properties"]["name"] == known_desa["name"]]
    assert len(labels) == 1
    lon, lat = lon_lat_of(z, x, y, *labels[0]["geometry"]["coordinates"])
    # One tile unit at z14 is ~0.6 m: the label comes back where it was stored.
    assert abs(lon - known_desa["lon"]) < 2e-5 and abs(lat - known_desa["lat"]) < 2e-5

    shown = [c for c, zoom in ROAD_MIN_ZOOM.items() if zoom <= z]
    with session_factory(basemap)() as session:
        stored = session.execute(
            text("""SELECT count(*), array_agg(DISTINCT name) FROM road
                     WHERE ST_Intersects(geom, ST_TileEnvelope(:z, :x, :y, margin => :margin))
                       AND highway = ANY(:classes)"""),
            {"z": z, "x": x, "y": y, "margin": BUFFER / EXTENT, "classes": shown},
        ).one()
        roads = layers["roads"]["features"]
        # Roads within the tile's buffer are in it; one that only grazes it may quantise to nothing.
        assert 0.9 * stored[0] <= len(roads) <= stored[0]
        assert {f["properties"].get("name") for f in roads} - {None} <= set(stored[1])
        for road in roads[:: max(1, len(roads) // 20)]:
            vx, vy = _lines(road["geometry"])[0][0]
            vlon, vlat = lon_lat_of(z, x, y, vx, vy)
            near = session.execute(
                text("SELECT ST_DWithin(ST_Transform(ST_SetSRID(ST_Point(:lon, :lat), 4326), 3857), geom, 2)"
                     " FROM road WHERE highway = :cls ORDER BY geom <-> ST_Transform("
                     "ST_SetSRID(ST_Point(:lon, :lat), 4326), 3857) LIMIT 1"),
                {"lon": vlon, "lat": vlat, "cls": road["properties"]["class"]},
            ).scalar_one()  # fmt: skip
            assert near, f"a {road['properties']['class']} vertex decodes onto a stored road"


def test_low_zooms_hold_arterials_and_outlines_only(tiles):
    x, y = tile_of(*SEAT, 10)
    layers = decode(tiles.get(f"/tiles/base/10/{x}/{y}.pbf").data)
    classes = {f["properties"]["class"] for f in layers["roads"]["features"]}
    assert classes and classes <= {c for c, zoom in ROAD_MIN_ZOOM.items() if zoom <= 10}
    assert "residential" not in classes
    assert {f["properties"]["kind"] for f in layers["boundaries"]["features"]} <= {"kabupaten", "kecamatan"}
    assert "facilities" not in layers
    x, y = tile_of(*SEAT, 5)
    assert tiles.get(f"/tiles/base/5/{x}/{y}.pbf").data == b"", "nothing is drawn below every layer's zoom"


def test_one_layer_alone(tiles):
    x, y = tile_of(*SEAT, 13)
    assert set(decode(tiles.get(f"/tiles/water/13/{x}/{y}.pbf").data)) == {"water"}
    assert set(decode(tiles.get(f"/tiles/facilities/13/{x}/{y}.pbf").data)) <= {"facilities"}


def test_tiles_are_cached_revalidated_and_forgotten_when_the_data_is_reloaded(app, tiles, basemap, settings, network):
    x, y = tile_of(*SEAT, 13)
    url = f"/tiles/roads/13/{x}/{y}.pbf"
    cache = app.extensions["geo112_tiles"]
    now = cache.clock()
    cache.clock = lambda: now  # the clock stands still until the test moves it on
    first, second = tiles.get(url), tiles.get(url)
    assert second.headers["X-Tile-Cache"] == "hit" and second.data == first.data
    assert "max-age" in first.headers["Cache-Control"]
    etag = first.headers["ETag"]
    revalidated = tiles.get(url, headers={"If-None-Match": etag})
    assert revalidated.status_code == 304 and revalidated.data == b""

    with session_factory(basemap).begin() as session:
        load_basemap(session, settings.data_dir, network)
    assert tiles.get(url, headers={"If-None-Match": etag}).status_code == 304, "the version is trusted a while"
    cache.clock = lambda: now + VERSION_TTL_S
    reloaded = tiles.get(url, headers={"If-None-Match": etag})
    assert reloaded.status_code == 200 and reloaded.headers["ETag"] != etag
    assert reloaded.headers["X-Tile-Cache"] == "miss" and reloaded.data == first.data


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("/tiles/streets/10/0/0.pbf", "the layers are base"),
        ("/tiles/base/17/0/0.pbf", "zoom 0..16"),
        ("/tiles/base/3/8/0.pbf", "outside the grid"),
    ],
)
def test_a_tile_that_does_not_exist_is_a_404_that_says_why(tiles, path, says):
    response = tiles.get(path)
    assert response.status_code == 404 and says in response.get_json()["detail"]


def test_tiles_need_no_login_and_name_the_synthetic_roads(tiles):
    script = tiles.get("/maps/responder.js").get_data(as_text=True)
    assert "/tiles/base/{z}/{x}/{y}.pbf" in script and "SINTETIS" in script


def test_a_raster_tile_url_replaces_the_vector_base_map(basemap, settings):
    from web import create_app

    app = create_app({"TESTING": True, "GEO112_DATABASE_URL": basemap, "GEO112_TILE_URL": "/raster/{z}/{x}/{y}.png"})
    script = app.test_client().get("/maps/console.js").get_data(as_text=True)
    assert "/raster/{z}/{x}/{y}.png" in script and "basemap: null," in script


def test_a_failing_redis_only_costs_a_cut(app):
    cache = TileCache("redis://127.0.0.1:9/0", "geo112-test")
    with app.app_context():
        assert cache.get("any") is None
        cache.put("any", b"tile")  # logged, not raised


def test_borders_are_drawn_from_cleaned_outlines_not_slivers(basemap):
    """Issue 29, fault 4: the regency's border was 1,197 pieces (1,142 under 1 km), the province's 35,754:
    the hairline gaps between the source's desa polygons. Dissolved outlines keep real holes and islands."""
    with session_factory(basemap)() as session:
        rings = dict(session.execute(text("SELECT code, ST_NRings(geom) FROM jurisdiction")).all())
        pieces, short = session.execute(
            text("SELECT count(*), count(*) FILTER (WHERE ST_Length(geom) < 1000) FROM boundary_line WHERE kind = :k"),
            {"k": "kabupaten"},
        ).one()
        kecamatan_holes = session.scalar(text("SELECT max(ST_NRings(geom) - ST_NumGeometries(geom)) FROM kecamatan"))
    assert rings["35.16"] == 2, "the regency's outline and the Kota Mojokerto enclave, nothing else"
    assert rings["35.76"] == 1
    assert len(rings) == 38 and pieces < 1_500 and short < 0.3 * pieces, (pieces, short)
    assert kecamatan_holes <= 1
