"""``geo112 data load``, the province: every desa/kelurahan of Jawa Timur and each kabupaten/kota with its 112.

Calls reach the wrong 112 often (operators route by tower), so a point anywhere in Jawa Timur must name its
desa, kecamatan and kabupaten/kota, and the call centre to hand it to. The 38 dumps of ``jawa_timur/raw``
(same source and format as the regency's) go into ``province_desa``; each kabupaten/kota gets a
``jurisdiction`` row (not served) whose outline is dissolved from its desa in PostGIS. Kabupaten and Kota
Mojokerto keep the rows :func:`geo112.ingest.boundaries.load_geography` wrote: their own tables and answers
stay what they are. Loading is an upsert: running it twice leaves the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from geoalchemy2.shape import from_shape
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo112.geography.names import name_key
from geo112.ingest.boundaries import JURISDICTION_NAMES, KECAMATAN_NAMES, call_centre
from geo112.ingest.datasets import record_datasets, upsert, verified_inputs
from geo112.store.geometry import SRID
from geo112.store.models import KABUPATEN_CODE, KOTA_CODE, Jurisdiction, ProvinceDesa
from geodata.kab_mojokerto import load_manifest
from geodata.kab_mojokerto.boundaries import read_areas, read_names

PROVINCE = "jawa_timur/raw/"
#: Kab. and Kota Mojokerto come from the regency's own load (their rows are not rewritten here).
OWN = (KABUPATEN_CODE, KOTA_CODE)
_BATCH = 500

_DISSOLVE = text("""
    UPDATE jurisdiction j SET geom = d.geom, area_km2 = ST_Area(d.geom::geography) / 1e6
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


def desa_files() -> list[str]:
    """The manifest's province dumps, one per kabupaten/kota."""
    return sorted(name for name in load_manifest() if name.startswith(PROVINCE) and name.endswith(".sql"))


def _kind(code: str) -> str:
    return "kota" if int(code[3:5]) >= 71 else "kabupaten"


def load_province(session: Session, data_dir: Path) -> ProvinceReport:
    """Load the province's kabupaten/kota and desa (after :func:`geo112.ingest.boundaries.load_geography`).

    The inputs under ``data_dir`` are verified first (:func:`geo112.ingest.datasets.verified_inputs`), so a
    missing or altered file writes nothing; the caller commits.
    """
    names = [*desa_files(), KECAMATAN_NAMES, JURISDICTION_NAMES]
    paths = verified_inputs(data_dir, names)
    regions = read_names(paths[JURISDICTION_NAMES], "35.")
    kecamatan = read_names(paths[KECAMATAN_NAMES], "35.")
    desa = [area for name in desa_files() for area in read_areas(paths[name], "35.")]
    outlines = {area.code: area.geom for area in read_areas(paths[JURISDICTION_NAMES], "35.")}
    # The coarse outline holds the row until the desa are in; then it is replaced by their union.
    upsert(session, Jurisdiction, [
        {"code": code, "name": name, "kind": _kind(code), "served": False, "call_centre": call_centre(name),
         "geom": from_shape(outlines[code], srid=SRID), "area_km2": 0.0}
        for code, name in regions.items() if code not in OWN
    ])  # fmt: skip
    rows = [
        {"code": a.code, "name": a.name, "name_key": name_key(a.name), "kecamatan_code": a.code[:8],
         "kecamatan_name": kecamatan.get(a.code[:8], a.code[:8]), "jurisdiction_code": a.code[:5],
         "geom": from_shape(a.geom, srid=SRID)}
        for a in desa
    ]  # fmt: skip
    for start in range(0, len(rows), _BATCH):
        upsert(session, ProvinceDesa, rows[start : start + _BATCH])
    session.execute(_DISSOLVE, {"own": list(OWN)})
    record_datasets(session, names)
    return ProvinceReport(len(regions), len(rows), names)
