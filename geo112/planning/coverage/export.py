"""Coverage exports: CSV (a row per kecamatan), GeoJSON (desa polygons) and GeoPackage (desa and kecamatan).

Exports hold coverage figures and boundaries only: nothing from incidents or callers goes in.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from sqlalchemy import TextClause, text
from sqlalchemy.orm import Session

from geo112.errors import InvalidInput, check_choice
from geo112.planning.coverage.service import Coverage, desa_features, desa_rows, kecamatan_rows, parameters

_KECAMATAN_SHAPES = text("SELECT code, ST_AsBinary(geom) FROM kecamatan WHERE code = ANY(:codes)")
_DESA_SHAPES = text("SELECT code, ST_AsBinary(geom) FROM desa WHERE code = ANY(:codes)")


#: What a CSV row is: a kecamatan or a desa.
LEVELS = {"kecamatan": kecamatan_rows, "desa": desa_rows}


def to_csv(cov: Coverage, level: str = "kecamatan") -> str:
    """One CSV row per kecamatan (or per desa, ``level``: one of :data:`LEVELS`) with the analysis parameters in
    the first columns."""
    rows = [parameters(cov) | row for row in LEVELS[check_choice("level", level, LEVELS)](cov)]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _frame(session: Session, query: TextClause, rows: list[dict[str, Any]], header: dict[str, Any]) -> gpd.GeoDataFrame:
    shapes: dict[str, bytes] = {code: wkb for code, wkb in session.execute(query, {"codes": [r["code"] for r in rows]})}
    geometry = shapely.from_wkb([shapes[r["code"]] for r in rows])
    return gpd.GeoDataFrame([header | r for r in rows], geometry=geometry, crs="EPSG:4326")


def to_geopackage(session: Session, cov: Coverage) -> bytes:
    """A GeoPackage with the layers ``desa`` and ``kecamatan`` (polygons with their coverage figures)."""
    header = parameters(cov)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "coverage.gpkg"
        _frame(session, _DESA_SHAPES, desa_rows(cov), header).to_file(path, layer="desa", driver="GPKG")
        _frame(session, _KECAMATAN_SHAPES, kecamatan_rows(cov), header).to_file(
            path, layer="kecamatan", driver="GPKG", mode="a"
        )
        return path.read_bytes()


def to_geojson(session: Session, cov: Coverage) -> str:
    """A GeoJSON FeatureCollection (text) of desa polygons, unsimplified, with the parameters on every feature."""
    rows = [parameters(cov) | row for row in desa_rows(cov)]
    return desa_features(session, rows, cov.index, 0.0)


FORMATS = {"csv": "text/csv", "geojson": "application/geo+json", "gpkg": "application/geopackage+sqlite3"}


def as_file(session: Session, cov: Coverage, fmt: str, level: str = "kecamatan") -> tuple[str | bytes, str]:
    """The coverage in one of :data:`FORMATS`, with its media type (``level``: the CSV's rows, see :func:`to_csv`).

    Raises
    ------
    InvalidInput
        For a format that is not one of them.
    """
    if fmt == "csv":
        return to_csv(cov, level), FORMATS[fmt]
    if fmt == "geojson":
        return to_geojson(session, cov), FORMATS[fmt]
    if fmt == "gpkg":
        return to_geopackage(session, cov), FORMATS[fmt]
    raise InvalidInput(f"format must be one of {', '.join(FORMATS)}, got {fmt[:10]!r}")
