"""``geo112 data load``: put the region's administrative geography into PostGIS (its pack: :mod:`geo112.region`).

Desa/kelurahan polygons come from the cahyadsn dumps; kecamatan and jurisdiction polygons are dissolved
from them (the coarse outlines in the same repository are used only for names). Every input is verified
against the manifest first, so a missing or altered file stops the load before anything is written.
Loading is an upsert in one transaction: running it twice leaves the same rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from geoalchemy2 import WKBElement
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo112.geography.names import name_key
from geo112.ingest.datasets import record_datasets, upsert, verified_inputs
from geo112.region import Region, current_region
from geo112.store.geometry import SRID
from geo112.store.models import Desa, Jurisdiction, Kecamatan
from geodata.kab_mojokerto.boundaries import Area, read_areas, read_names, repair
from geodata.kab_mojokerto.facts import Figure, desa_population, population_figures


@dataclass
class LoadReport:
    """What a load wrote, for the CLI to print."""

    counts: dict[str, int] = field(default_factory=dict)
    datasets: list[str] = field(default_factory=list)


def _dissolve(areas: list[Area], key_len: int) -> dict[str, MultiPolygon]:
    groups: dict[str, list[MultiPolygon]] = defaultdict(list)
    for area in areas:
        groups[area.code[:key_len]].append(area.geom)
    return {code: repair(shapely.union_all(geoms)) for code, geoms in groups.items()}


# Desa polygons of the source do not share their edges exactly: their union is full of hairline gaps, holes
# and slivers (Kab. Mojokerto's outline had 1,184 holes; drawn, 35,000 border pieces around the province,
# 94 % shorter than 1 km). A dissolved outline is closed over gaps narrower than twice GAP_M (joined with
# itself: a buffer's cut corners must not lose any of its desa), then keeps only
# holes of at least MIN_HOLE_M2 (the smallest real enclave, Kota Mojokerto, is 20 km²) and parts of at least
# MIN_PART_M2 (small islands stay).
GAP_M = 30.0
MIN_HOLE_M2 = 1e6
MIN_PART_M2 = 1e4
_CLEAN = """
    UPDATE {table} t SET geom = c.geom, area_km2 = ST_Area(c.geom::geography) / 1e6
    FROM (SELECT code, ST_Multi(ST_Collect(ARRAY(
            SELECT ST_MakePolygon(ST_ExteriorRing(part.geom), ARRAY(
                     SELECT ST_ExteriorRing(ring.geom) FROM ST_DumpRings(part.geom) ring
                     WHERE ring.path[1] > 0 AND ST_Area(ring.geom::geography) >= :min_hole))
              FROM ST_Dump(ST_Union(geom, ST_Transform(ST_Buffer(ST_Buffer(ST_Transform(geom, 3857), :gap,
                           'join=mitre'), -:gap, 'join=mitre'), 4326))) part
             WHERE ST_Area(part.geom::geography) >= :min_part))) AS geom
            FROM {table} WHERE code = ANY(:codes)) c
    WHERE t.code = c.code
"""


def clean_outlines(session: Session, table: str, codes: list[str]) -> None:
    """Close the hairline gaps of the dissolved outlines of ``codes`` in ``table`` (jurisdiction, kecamatan)."""
    statement = text(_CLEAN.format(table=table))
    session.execute(statement, {"codes": codes, "gap": GAP_M, "min_hole": MIN_HOLE_M2, "min_part": MIN_PART_M2})


def _geom(geom: MultiPolygon) -> WKBElement:
    return from_shape(geom, srid=SRID)


def call_centre(jurisdiction: str) -> str:
    """The name of the 112 call centre of a kabupaten/kota (each runs its own, as Kominfo's programme has it)."""
    return f"Call Center 112 {jurisdiction}"


def _population(figure: Figure | None) -> dict[str, Any]:
    if figure is None:
        return {"population": None, "population_year": None, "population_source": None}
    return {"population": int(figure.value), "population_year": figure.year, "population_source": figure.source}


def load_geography(session: Session, data_dir: Path, region: Region | None = None) -> LoadReport:
    """Load jurisdictions, kecamatan and desa with their published population into the session.

    The region (default :func:`geo112.region.current_region`) is served; its enclaves are loaded beside it,
    not served. The inputs under ``data_dir`` are verified first
    (:func:`geo112.ingest.datasets.verified_inputs`), so a missing or altered file writes nothing; the caller
    commits.
    """
    region = region or current_region()
    optional = [n for n in (region.population_kecamatan, region.population_desa) if n]
    names = [*region.desa_files.values(), region.kecamatan_names, region.region_names, *optional]
    paths = verified_inputs(data_dir, names, region)
    desa = [a for code, n in region.desa_files.items() for a in read_areas(paths[n], code + ".")]
    kecamatan_names = read_names(paths[region.kecamatan_names], region.province_prefix)
    jurisdiction_names = read_names(paths[region.region_names], region.province_prefix)
    census = (
        population_figures(paths[region.population_kecamatan], "pop_census", region.census_year)
        if region.population_kecamatan
        else {}
    )
    if region.total is not None and region.code not in census:
        census[region.code] = region.total
    desa_figures = desa_population(paths[region.population_desa]) if region.population_desa else {}

    jurisdictions = _dissolve(desa, 5)
    upsert(
        session,
        Jurisdiction,
        [
            {
                "code": code,
                "name": jurisdiction_names[code],
                "kind": region.kind_of(code),
                "served": code == region.code,
                "call_centre": call_centre(jurisdiction_names[code]),
                "geom": _geom(g),
                "area_km2": 0.0,
                **_population(census.get(code)),
            }
            for code, g in jurisdictions.items()
        ],
    )
    kecamatan = _dissolve(desa, 8)
    upsert(
        session,
        Kecamatan,
        [
            {
                "code": code,
                "name": kecamatan_names[code],
                "name_key": name_key(kecamatan_names[code]),
                "jurisdiction_code": code[:5],
                "geom": _geom(g),
                "area_km2": 0.0,
                **_population(census.get(code)),
            }
            for code, g in kecamatan.items()
        ],
    )
    upsert(
        session,
        Desa,
        [
            {
                "code": a.code,
                "name": a.name,
                "name_key": name_key(a.name),
                "kind": "kelurahan" if a.code[9] == "1" else "desa",
                "kecamatan_code": a.code[:8],
                "geom": _geom(a.geom),
                "area_km2": 0.0,
                **_population(desa_figures.get(a.code)),
                "population_method": "published" if a.code in desa_figures else None,
            }
            for a in desa
        ],
    )
    session.execute(text("UPDATE desa SET area_km2 = ST_Area(geom::geography) / 1e6"))
    clean_outlines(session, "jurisdiction", list(jurisdictions))
    clean_outlines(session, "kecamatan", list(kecamatan))
    record_datasets(session, names, region)
    return LoadReport({"jurisdiction": len(jurisdictions), "kecamatan": len(kecamatan), "desa": len(desa)}, names)
