"""Parse the cahyadsn/wilayah_boundaries SQL dumps into shapely geometry.

The dumps are MySQL ``INSERT INTO wilayah_boundaries(kode,nama,lat,lng,path) VALUES (...)`` statements whose
``path`` is JSON with coordinates in ``[lat, lng]`` order: a Polygon (ring depth 3) or a MultiPolygon (depth 4).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

_ROW = re.compile(
    r"\('(?P<kode>[0-9.]+)','(?P<nama>(?:[^'\\]|\\.|'')*)',(?P<lat>-?[0-9.]+),(?P<lng>-?[0-9.]+),'(?P<path>\[[^']*\])'\)"
)


@dataclass(frozen=True)
class Area:
    """One administrative area as read from a dump."""

    code: str
    name: str
    geom: MultiPolygon


def _ring(points: list[list[float]]) -> list[tuple[float, float]]:
    return [(lng, lat) for lat, lng in points]


def _to_multipolygon(path: list[Any]) -> MultiPolygon:
    """Build a lon/lat MultiPolygon from a ``[lat, lng]`` nested path."""
    polygons = [path] if isinstance(path[0][0][0], (int, float)) else path
    return MultiPolygon([Polygon(_ring(p[0]), [_ring(h) for h in p[1:]]) for p in polygons])


def repair(geom: BaseGeometry) -> MultiPolygon:
    """Return a valid MultiPolygon: fix self-intersections and drop non-areal leftovers.

    Simplified boundaries come with bow-ties and slivers; PostGIS predicates on invalid geometry are undefined.
    """
    valid = shapely.make_valid(geom) if not geom.is_valid else geom
    parts = [g for g in getattr(valid, "geoms", [valid]) if isinstance(g, (Polygon, MultiPolygon))]
    polygons = [p for g in parts for p in getattr(g, "geoms", [g])]
    return MultiPolygon(polygons)


def _unescape(name: str) -> str:
    return name.replace("''", "'").replace("\\'", "'")


def read_areas(path: Path, code_prefix: str = "") -> Iterator[Area]:
    """Yield the areas of a dump whose code starts with ``code_prefix``, with repaired geometry.

    Parameters
    ----------
    path
        A ``wilayah_boundaries_*.sql`` file.
    code_prefix
        Keep only codes starting with this, e.g. ``"35.16."``; rows are read lazily so the large
        province files cost little.

    Returns
    -------
    Iterator[Area]
    """
    text = Path(path).read_text(encoding="utf-8")
    for m in _ROW.finditer(text):
        if m["kode"].startswith(code_prefix):
            yield Area(m["kode"], _unescape(m["nama"]), repair(_to_multipolygon(json.loads(m["path"]))))


def read_names(path: Path, code_prefix: str) -> dict[str, str]:
    """Return ``{code: name}`` for the areas of a dump whose code starts with ``code_prefix``."""
    text = Path(path).read_text(encoding="utf-8")
    return {m["kode"]: _unescape(m["nama"]) for m in _ROW.finditer(text) if m["kode"].startswith(code_prefix)}
