"""The coverage gap of a unit type at T: the area and the roads beyond T from every available unit.

Both are cached with the coverage they come from (its fingerprint is their key and their ETag): the
dispatcher's map polls them, and they change only when a unit does.
"""

from __future__ import annotations

import json

import shapely

from geo112.network import Network
from geo112.planning.coverage.cache import Lru
from geo112.planning.coverage.service import Coverage, parameters

_areas: Lru[shapely.Geometry] = Lru(32)
#: Gap geometry goes out rounded to this many degrees (~1 m): map precision, a fraction of the bytes.
PRECISION_DEG = 1e-5


def gap_area(cov: Coverage, network: Network) -> shapely.Geometry:
    """The part of the kabupaten farther than T from every available source (service-area complement)."""

    def compute() -> shapely.Geometry:
        src = cov.sources.take(cov.sources.available)
        if len(src) == 0:
            return cov.index.regency
        area = network.service_area(src.lon, src.lat, cov.minutes, src.factor)
        return shapely.make_valid(shapely.difference(cov.index.regency, area, grid_size=1e-6))

    return _areas.get(cov.key, compute)


def _feature(properties: dict[str, object], geometry: shapely.Geometry) -> str:
    # Splice shapely's own GeoJSON in: parsing it back only to dump it again would take most of the time.
    return f'{{"type":"Feature","properties":{json.dumps(properties)},"geometry":{shapely.to_geojson(geometry)}}}'


def gap_area_feature(cov: Coverage, network: Network) -> str:
    """The gap area as a GeoJSON Feature (text), with the coverage parameters and its share of the kabupaten."""
    area = gap_area(cov, network)
    regency = float(shapely.area(cov.index.regency))
    properties = {
        **parameters(cov),
        "available_units": int(cov.sources.available.sum()),
        "area_share": round(float(shapely.area(area)) / regency, 4) if regency else 0.0,
    }
    return _feature(properties, shapely.set_precision(area, PRECISION_DEG))


def gap_roads_feature(cov: Coverage, network: Network) -> str:
    """The roads beyond T from every available unit as a GeoJSON Feature (text), with their length and share."""
    gap = network.gap_roads(cov.summary.nearest_s <= cov.minutes * 60.0)
    properties = {
        "unit_type": cov.unit_type,
        "minutes": cov.minutes,
        "units": int(cov.sources.available.sum()),
        "gap_length_m": round(gap.gap_length_m),
        "network_length_m": round(gap.network_length_m),
        "gap_share": round(gap.gap_share, 4),
    }
    return _feature(properties, gap.geometry)
