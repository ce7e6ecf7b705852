"""Stations from the region pack's facilities file (``[facts] facilities``), placed where the sources allow.

No facility has published coordinates, so each station is placed at a point inside its desa
(``precision = "desa"``), else at its kecamatan seat (``"kecamatan"``: the desa named like the kecamatan, else
the desa nearest the kecamatan's centre), else at the seat of its jurisdiction (``"jurisdiction"``). A
planner corrects a position through the API (``"surveyed"``); loading again never overwrites a surveyed one.
Which agency runs a facility is the pack's ``[[facility_rule]]`` (:meth:`geo112.region.Region.agency_of`).
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo112.geography.names import name_key
from geo112.ingest.kept import edited_rows, keep
from geo112.region import Region
from geo112.store.models import Station
from geodata.kab_mojokerto.facts import read_rows

#: English words of the facts file's names (it is written for readers of the sources) → the console's Indonesian.
_NAME_WORDS = (("Proposed ", "Usulan "), (" or ", " atau "))


def display_name(name: str) -> str:
    """The station name a dispatcher reads: the facts file's name with its English words in Indonesian."""
    for english, indonesian in _NAME_WORDS:
        name = name.replace(english, indonesian)
    return name


_SEAT = text("""
    SELECT d.code AS desa_code, k.code AS kecamatan_code FROM kecamatan k JOIN desa d ON d.kecamatan_code = k.code
    WHERE k.name_key = :kecamatan
    ORDER BY d.name_key = k.name_key DESC, ST_Distance(d.geom, ST_PointOnSurface(k.geom)) LIMIT 1
""")
_DESA = text("SELECT code AS desa_code, kecamatan_code FROM desa WHERE code = :code")
_POINT_IN_DESA = "(SELECT ST_PointOnSurface(geom) FROM desa WHERE code = CAST(:desa_code AS varchar))"
#: The position a planner set (``config.station.position``), whatever its precision.
_POINT_KEPT = "(SELECT geom FROM station WHERE code = CAST(:code AS varchar))"
_POINT_IN_JURISDICTION = "(SELECT ST_PointOnSurface(geom) FROM jurisdiction WHERE code = :jurisdiction)"


def _jurisdiction_of(region: Region, kab_kota: str) -> str | None:
    """The code of the region or enclave a facilities row names in ``kab_kota`` (``Kab. Mojokerto``)."""
    names = {region.name: region.code, region.long_name: region.code, **{e.name: e.code for e in region.enclaves}}
    return {name.lower(): code for name, code in names.items()}.get(kab_kota.strip().lower())


def _placement(session: Session, region: Region, row: dict[str, str]) -> dict[str, str | None] | None:
    """Return desa/kecamatan codes, a point expression and its precision for a facility, or None."""
    if row["desa_kode"] and (hit := session.execute(_DESA, {"code": row["desa_kode"]}).first()):
        return {**hit._asdict(), "precision": "desa", "point": _POINT_IN_DESA}
    kecamatan = re.sub(r"\(.*?\)", "", row["kecamatan"]).split(" or ")[0]
    if kecamatan and (hit := session.execute(_SEAT, {"kecamatan": name_key(kecamatan)}).first()):
        return {**hit._asdict(), "precision": "kecamatan", "point": _POINT_IN_DESA}
    jurisdiction = _jurisdiction_of(region, row["kab_kota"])
    if jurisdiction is None:
        return None
    seat = name_key(region.seat) if region.seat and jurisdiction == region.code else None
    if seat and (hit := session.execute(_SEAT, {"kecamatan": seat}).first()):
        return {**hit._asdict(), "precision": "jurisdiction", "point": _POINT_IN_DESA}
    return {
        "desa_code": None,
        "kecamatan_code": None,
        "jurisdiction": jurisdiction,
        "precision": "jurisdiction",
        "point": _POINT_IN_JURISDICTION,
    }


_UPSERT_STATION = """
    INSERT INTO station (code, name, agency_code, kind, status, address, phone, desa_code, kecamatan_code, geom,
                         precision, source, note)
    VALUES (:code, :name, :agency_code, :kind, :status, :address, :phone, :desa_code, :kecamatan_code, {point},
            :precision, :source, :note)
    ON CONFLICT (code) DO UPDATE SET
        name = excluded.name, agency_code = excluded.agency_code, kind = excluded.kind, status = excluded.status,
        address = excluded.address, phone = excluded.phone, source = excluded.source, note = excluded.note,
        desa_code = CASE WHEN station.precision = 'surveyed' THEN station.desa_code ELSE excluded.desa_code END,
        kecamatan_code = CASE WHEN station.precision = 'surveyed' THEN station.kecamatan_code
                              ELSE excluded.kecamatan_code END,
        geom = CASE WHEN station.precision = 'surveyed' THEN station.geom ELSE excluded.geom END,
        precision = CASE WHEN station.precision = 'surveyed' THEN station.precision ELSE excluded.precision END,
        updated_at = now()
"""


def load_stations(session: Session, path: Path, region: Region) -> tuple[int, dict[str, str]]:
    """Upsert one station per placeable facility of the facilities file (surveyed positions are kept, and every
    field an admin or planner changed: :mod:`geo112.ingest.kept`).

    Returns
    -------
    (int, dict)
        How many stations were written, and the facilities left out with the reason.
    """
    written, skipped = 0, {}
    edited = {station.code: (station, fields) for station, fields in edited_rows(session, "station", Station.id)}
    for row in read_rows(path):
        agency = region.agency_of(row)
        place = _placement(session, region, row) if agency else None
        if place is None:
            skipped[row["id"]] = "no dispatching agency" if agency is None else "no location given"
            continue
        point = place.pop("point")
        params = {
            "code": row["id"],
            "name": display_name(row["name"]),
            "agency_code": agency,
            "kind": row["kind"],
            "status": row["status"],
            "address": row["address"] or None,
            "phone": row["phone"] or None,
            "source": row["source"],
            "note": row["note"] or None,
            **place,
        }
        if (hit := edited.get(row["id"])) is not None:
            params = keep(params, *hit)
            point = _POINT_KEPT if "geom" in hit[1] else point
        session.execute(text(_UPSERT_STATION.format(point=point)), params)
        written += 1
    return written, skipped
