"""Geometry as the tables store it (WGS84 lon/lat, SRID 4326) and as the API shows it (GeoJSON)."""

from __future__ import annotations

from typing import Any

from geoalchemy2.elements import WKBElement
from geoalchemy2.shape import from_shape, to_shape
from shapely import Point

SRID = 4326
#: Metres per degree of latitude (and of longitude at the equator): turns metre tolerances into degrees.
METRES_PER_DEGREE = 111_320.0


def point(lon: float, lat: float) -> WKBElement:
    """A point for a geometry column (SRID 4326)."""
    return from_shape(Point(float(lon), float(lat)), srid=SRID)


def lon_lat_of(geom: WKBElement | None) -> tuple[float, float] | None:
    """``(lon, lat)`` of a point column value, or None."""
    if geom is None:
        return None
    shape = to_shape(geom)
    assert isinstance(shape, Point), f"a point column holds a {shape.geom_type}"
    return shape.x, shape.y


def point_geojson(geom: WKBElement | None) -> dict[str, Any] | None:
    """A point column value as a GeoJSON geometry (7 decimals, ~1 cm), or None."""
    xy = lon_lat_of(geom)
    return None if xy is None else {"type": "Point", "coordinates": [round(xy[0], 7), round(xy[1], 7)]}
