"""``geo112 data load``, the province: every desa/kelurahan of Jawa Timur and each kabupaten/kota with its 112.

Calls reach the wrong 112 often (operators route by tower), so a point anywhere in Jawa Timur must name its
desa, kecamatan and kabupaten/kota, and the call centre to hand it to. The 38 dumps of ``jawa_timur/raw``
(same source and format as the regency's) go into ``province_desa``; each kabupaten/kota gets a
``jurisdiction`` row (not served) whose outline is dissolved from its desa in PostGIS. The region and its
enclaves (Kabupaten and Kota Mojokerto) keep the rows :func:`geo112.ingest.boundaries.load_geography` wrote:
their own tables and answers stay what they are. Loading is an upsert: running it twice leaves the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from geoalchemy2.shape import from_shape
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo112.geography.names import name_key
from geo112.ingest.boundaries import call_centre, clean_outlines
from geo112.ingest.datasets import record_datasets, upsert, verified_inputs
from geo112.region import Region, current_region
from geo112.store.geometry import SRID
from geo112.store.models import Jurisdiction, ProvinceDesa
from geodata.kab_mojokerto.boundaries import read_areas, read_names

_BATCH = 500

_DISSOLVE = text("""
    UPDATE jurisdiction j SET geom = d.geom
    FROM (SELECT jurisdiction_code, ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(geom)), 3)) AS geom
          FROM province_desa WHERE jurisdiction_code <> ALL(:own) GROUP BY jurisdiction_code) d
    WHERE j.code = d.jurisdiction_code
""")


@dataclass(frozen=True)
class ProvinceReport:
    """What the province load wrote."""

    jurisdictions: int
    desa: int
    datasets: list[str]


def desa_files(region: Region | None = None) -> list[str]:
    """The pack manifest's province dumps (under ``[boundaries] province_desa``), one per kabupaten/kota."""
    region = region or current_region()
    if not region.province_desa:
        return []
    return sorted(n for n in region.manifest() if n.startswith(region.province_desa) and n.endswith(".sql"))


def _kind(code: str) -> str:
    return "kota" if int(code[3:5]) >= 71 else "kabupaten"


def load_province(session: Session, data_dir: Path, region: Region | None = None) -> ProvinceReport:
    """Load the province's kabupaten/kota and desa (after :func:`geo112.ingest.boundaries.load_geography`).

    The inputs under ``data_dir`` are verified first (:func:`geo112.ingest.datasets.verified_inputs`), so a
    missing or altered file writes nothing; the caller commits.
    """
    region = region or current_region()
    own, prefix = list(region.jurisdiction_codes), region.province_prefix
    names = [*desa_files(region), region.kecamatan_names, region.region_names]
    paths = verified_inputs(data_dir, names, region)
    regions = read_names(paths[region.region_names], prefix)
    kecamatan = read_names(paths[region.kecamatan_names], prefix)
    desa = [area for name in desa_files(region) for area in read_areas(paths[name], prefix)]
    outlines = {area.code: area.geom for area in read_areas(paths[region.region_names], prefix)}
    # The coarse outline holds the row until the desa are in; then it is replaced by their union.
    upsert(session, Jurisdiction, [
        {"code": code, "name": name, "kind": _kind(code), "served": False, "call_centre": call_centre(name),
         "geom": from_shape(outlines[code], srid=SRID), "area_km2": 0.0}
        for code, name in regions.items() if code not in own
    ])  # fmt: skip
    rows = [
        {"code": a.code, "name": a.name, "name_key": name_key(a.name), "kecamatan_code": a.code[:8],
         "kecamatan_name": kecamatan.get(a.code[:8], a.code[:8]), "jurisdiction_code": a.code[:5],
         "geom": from_shape(a.geom, srid=SRID)}
        for a in desa
    ]  # fmt: skip
    for start in range(0, len(rows), _BATCH):
        upsert(session, ProvinceDesa, rows[start : start + _BATCH])
    session.execute(_DISSOLVE, {"own": own})
    clean_outlines(session, "jurisdiction", [code for code in regions if code not in own])
    record_datasets(session, names, region)
    return ProvinceReport(len(regions), len(rows), names)
