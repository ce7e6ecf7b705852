"""``geo112 data load``: put Kabupaten Mojokerto's administrative geography into PostGIS.

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
from geo112.store.geometry import SRID
from geo112.store.models import KABUPATEN_CODE, KOTA_CODE, Desa, Jurisdiction, Kecamatan
from geodata.kab_mojokerto.boundaries import Area, read_areas, read_names, repair
from geodata.kab_mojokerto.facts import Figure, desa_population, population_figures

RAW = "kab_mojokerto/raw/"
FACTS = "kab_mojokerto/facts/"
DESA_FILES = {
    KABUPATEN_CODE: RAW + "wilayah_boundaries_kel_35.16.sql",
    KOTA_CODE: RAW + "wilayah_boundaries_kel_35.76.sql",
}
KECAMATAN_NAMES = RAW + "wilayah_boundaries_kec_35.sql"
JURISDICTION_NAMES = RAW + "wilayah_boundaries_kab_35.sql"
POPULATION_KECAMATAN = FACTS + "population_kecamatan.csv"
POPULATION_DESA = FACTS + "population_desa.csv"
CENSUS_YEAR = 2020


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


def _geom(geom: MultiPolygon) -> WKBElement:
    return from_shape(geom, srid=SRID)


def call_centre(jurisdiction: str) -> str:
    """The name of the 112 call centre of a kabupaten/kota (each runs its own, as Kominfo's programme has it)."""
    return f"Call Center 112 {jurisdiction}"


def _population(figure: Figure | None) -> dict[str, Any]:
    if figure is None:
        return {"population": None, "population_year": None, "population_source": None}
    return {"population": int(figure.value), "population_year": figure.year, "population_source": figure.source}


def load_geography(session: Session, data_dir: Path) -> LoadReport:
    """Load jurisdictions, kecamatan and desa with their published population into the session.

    The inputs under ``data_dir`` are verified first (:func:`geo112.ingest.datasets.verified_inputs`), so a
    missing or altered file writes nothing; the caller commits.
    """
    names = [*DESA_FILES.values(), KECAMATAN_NAMES, JURISDICTION_NAMES, POPULATION_KECAMATAN, POPULATION_DESA]
    paths = verified_inputs(data_dir, names)
    desa = [a for code, n in DESA_FILES.items() for a in read_areas(paths[n], code + ".")]
    kecamatan_names = read_names(paths[KECAMATAN_NAMES], "35.")
    jurisdiction_names = read_names(paths[JURISDICTION_NAMES], "35.")
    census = population_figures(paths[POPULATION_KECAMATAN], "pop_census", CENSUS_YEAR)
    desa_figures = desa_population(paths[POPULATION_DESA])

    jurisdictions = _dissolve(desa, 5)
    upsert(
        session,
        Jurisdiction,
        [
            {
                "code": code,
                "name": jurisdiction_names[code],
                "kind": "kota" if code == KOTA_CODE else "kabupaten",
                "served": code == KABUPATEN_CODE,
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
    for table in ("jurisdiction", "kecamatan", "desa"):
        session.execute(text(f"UPDATE {table} SET area_km2 = ST_Area(geom::geography) / 1e6"))
    record_datasets(session, names)
    return LoadReport({"jurisdiction": len(jurisdictions), "kecamatan": len(kecamatan), "desa": len(desa)}, names)
