"""``geo112 data load``: the base map's roads (from the road graph) and rivers (RBI) into PostGIS.

Both tables are replaced whole on every load (so a rebuilt graph leaves no stale road), in the caller's
transaction, and written with ``COPY`` in web mercator, the projection their vector tiles are cut in
(:mod:`geo112.store.tiles`). The roads' provenance is recorded like a file's, so that the tile cache, keyed by
the datasets, forgets the old roads when the graph changes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Transformer
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo112.ingest.datasets import record_datasets, upsert, verified_inputs
from geo112.network import Network
from geo112.region import IN_PACK, Region, current_region
from geo112.store.models import MERCATOR, Dataset

#: The provenance row of the stored roads (their sha256 is the graph's source key: the OSM file's digest).
ROAD_DATASET = "road_network"
_TO_MERCATOR = Transformer.from_crs(4326, MERCATOR, always_xy=True)


def _mercator_wkb(geoms: npt.NDArray[np.object_]) -> list[str]:
    """Lon/lat geometries as hex EWKB in web mercator, the text ``COPY`` reads into a geometry column."""
    projected = shapely.transform(geoms, lambda xy: np.column_stack(_TO_MERCATOR.transform(xy[:, 0], xy[:, 1])))
    return list(shapely.to_wkb(shapely.set_srid(projected, MERCATOR), hex=True, include_srid=True))


def _replace(session: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Empty ``table`` and ``COPY`` the rows into ``columns`` within the session's transaction."""
    session.execute(text(f"TRUNCATE {table}"))
    cursor = session.connection().connection.cursor()
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def load_roads(session: Session, roads: Network, region: Region | None = None) -> int:
    """Store every road of the network once, with its class and name; returns how many."""
    lines = roads.road_lines()
    _replace(
        session,
        "road",
        ("highway", "name", "oneway", "geom"),
        zip(lines.highway, lines.name, lines.oneway, _mercator_wkb(lines.lines), strict=True),
    )
    key, profile = roads.fingerprint
    # The synthetic extract is in the manifest, or a file of the pack (--synthetic): its digest is the source key.
    region = region or current_region()
    entry = next((e for e in region.manifest().values() if e.sha256 == key), None)
    if entry is None and region.osm and region.osm.startswith(IN_PACK) and "synthetic" in region.osm:
        origin = f"SYNTHETIC network of region init --synthetic ({region.osm} in {region.directory})"
        entry = replace(region.provenance(region.osm), licence="generated (no third-party rights)", origin=origin)
    upsert(
        session,
        Dataset,
        [
            {
                "name": ROAD_DATASET,
                "sha256": key,
                "licence": entry.licence if entry else "ODbL 1.0 (OpenStreetMap contributors)",
                "origin": f"{entry.origin if entry else roads.build_report.get('source')} (profile {profile})",
                "loaded_at": text("now()"),
            }
        ],
    )
    return len(lines.highway)


def refresh_boundaries(session: Session) -> None:
    """Recut the base map's boundary outlines (the view ``boundary_line``) after the areas were loaded."""
    session.execute(text("REFRESH MATERIALIZED VIEW boundary_line"))


def load_basemap(
    session: Session, data_dir: Path, roads: Network | None, region: Region | None = None
) -> dict[str, int]:
    """Load the rivers and, given the network, the roads; recut the outlines. Returns the rows per table."""
    region = region or current_region()
    refresh_boundaries(session)
    return {"river": load_rivers(session, data_dir, region), "road": load_roads(session, roads, region) if roads else 0}


def _river_name(name: str | None) -> str | None:
    """RBI spells names in capitals ("KALI CENDORO"); maps label them "Kali Cendoro"."""
    return name.strip().title() if name and name.strip() else None


def load_rivers(session: Session, data_dir: Path, region: Region | None = None) -> int:
    """Store the region pack's river lines (``[facts] rivers``, RBI GeoJSON); returns how many (0: none given)."""
    region = region or current_region()
    if region.rivers is None:
        return 0
    path = verified_inputs(data_dir, [region.rivers], region)[region.rivers]
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    geoms = np.array([shapely.geometry.shape(f["geometry"]) for f in features], dtype=object)
    multi = np.array([g if g.geom_type == "MultiLineString" else shapely.MultiLineString([g]) for g in geoms])
    _replace(
        session,
        "river",
        ("name", "kind", "geom"),
        (
            (_river_name(f["properties"].get("NAMOBJ")), f["properties"].get("REMARK") or "Sungai", wkb)
            for f, wkb in zip(features, _mercator_wkb(multi), strict=True)
        ),
    )
    record_datasets(session, [region.rivers], region)
    return len(features)
