"""Geometry as the tables store it (WGS84 lon/lat, SRID 4326) and as the API shows it (GeoJSON)."""

from __future__ import annotations

from typing import Any

from geoalchemy2.elements import WKBElement
from geoalchemy2.shape import to_shape

SRID = 4326
#: Metres per degree of latitude (and of longitude at the equator): turns metre tolerances into degrees.
METRES_PER_DEGREE = 111_320.0


def point(lon: float, lat: float) -> str:
    """A point as extended WKT for a geometry column (``SRID=4326;POINT(lon lat)``)."""
    return f"SRID={SRID};POINT({float(lon)!r} {float(lat)!r})"


def lon_lat_of(geom: WKBElement | None) -> tuple[float, float] | None:
    """``(lon, lat)`` of a point column value, or None."""
    if geom is None:
        return None
    shape = to_shape(geom)
    return shape.x, shape.y


def point_geojson(geom: WKBElement | None) -> dict[str, Any] | None:
    """A point column value as a GeoJSON geometry (7 decimals, ~1 cm), or None."""
    xy = lon_lat_of(geom)
    return None if xy is None else {"type": "Point", "coordinates": [round(xy[0], 7), round(xy[1], 7)]}
