"""Stations from ``facts/facilities.csv`` and a **demo fleet** sized from ``facts/emergency_fleet.csv``.

No facility has published coordinates, so each station is placed at a point inside its desa
(``precision = "desa"``), else at its kecamatan seat (``"kecamatan"``: the desa named like the kecamatan, else
the desa nearest the kecamatan's centre), else at the seat of its jurisdiction (``"jurisdiction"``). A
planner corrects a position through the API (``"surveyed"``); loading again never overwrites a surveyed one.

The fleet is a demonstration, flagged ``demo`` on every unit: the published counts give its size where they
exist (6 fire trucks over the two Damkar posts, an ambulance per puskesmas and hospital), and plain
assumptions fill the gaps the sources leave (BPBD rescue, Satpol-PP and police patrols).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from geo112.ingest.boundaries import record_datasets
from geo112.store.models import Station, Unit
from geo112.geography.names import name_key
from geodata.kab_mojokerto import verified_path
from geodata.kab_mojokerto.facts import read_rows

FACILITIES = "kab_mojokerto/facts/facilities.csv"
FLEET = "kab_mojokerto/facts/emergency_fleet.csv"
#: Seat of each jurisdiction as a kecamatan name (Mojosari is the regency's capital); others use a point inside.
JURISDICTION_SEAT = {"35.16": "mojosari"}
JURISDICTION_OF = {"kab. mojokerto": "35.16", "kota mojokerto": "35.76"}
DEMO_NOTE = "demo fleet: not the real fleet; sized from facts/emergency_fleet.csv where published, else assumed"
#: Units the sources do not count, assumed per station kind: (unit type, count, call-sign prefix).
ASSUMED = {"bpbd": [("rescue", 2, "RESCUE")], "satpol_pp": [("satpol_pp_patrol", 2, "SATPOL")]}
AMBULANCE_KINDS = ("puskesmas", "hospital", "pmi")
POLRES_PATROLS = 2


@dataclass
class DemoReport:
    """What the demo load wrote and what it left out, and why."""

    stations: int = 0
    units: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


def agency_of(row: dict[str, str]) -> str | None:
    """Return the agency code of a facility row, or None when it belongs to no dispatchable agency."""
    kind, name, kota = row["kind"], row["name"], row["kab_kota"] == "Kota Mojokerto"
    if kind == "hospital":
        return "rsud" if name.startswith("RSUD") else "rs_swasta"
    if kind == "police":
        return "polres_kota" if "Mojokerto Kota" in row["subtype"] or kota else "polres"
    if kind == "fire_station":
        return "satpol_pp_kota" if kota else "bpbd"
    if kind == "other":
        return "dinkes" if "Kesehatan" in name else None
    return {"puskesmas": "dinkes", "bpbd": "bpbd", "satpol_pp": "satpol_pp", "pmi": "pmi"}.get(kind)


_SEAT = text("""
    SELECT d.code AS desa_code, k.code AS kecamatan_code FROM kecamatan k JOIN desa d ON d.kecamatan_code = k.code
    WHERE k.name_key = :kecamatan
    ORDER BY d.name_key = k.name_key DESC, ST_Distance(d.geom, ST_PointOnSurface(k.geom)) LIMIT 1
""")
_DESA = text("SELECT code AS desa_code, kecamatan_code FROM desa WHERE code = :code")
_POINT_IN_DESA = "(SELECT ST_PointOnSurface(geom) FROM desa WHERE code = CAST(:desa_code AS varchar))"
_POINT_IN_JURISDICTION = "(SELECT ST_PointOnSurface(geom) FROM jurisdiction WHERE code = :jurisdiction)"


def _placement(session: Session, row: dict[str, str]) -> dict[str, str | None] | None:
    """Return desa/kecamatan codes, a point expression and its precision for a facility, or None."""
    if row["desa_kode"] and (hit := session.execute(_DESA, {"code": row["desa_kode"]}).first()):
        return {**hit._asdict(), "precision": "desa", "point": _POINT_IN_DESA}
    kecamatan = re.sub(r"\(.*?\)", "", row["kecamatan"]).split(" or ")[0]
    if kecamatan and (hit := session.execute(_SEAT, {"kecamatan": name_key(kecamatan)}).first()):
        return {**hit._asdict(), "precision": "kecamatan", "point": _POINT_IN_DESA}
    jurisdiction = JURISDICTION_OF.get(row["kab_kota"].lower())
    if jurisdiction is None:
        return None
    if seat := JURISDICTION_SEAT.get(jurisdiction):
        hit = session.execute(_SEAT, {"kecamatan": seat}).first()
        return {**hit._asdict(), "precision": "jurisdiction", "point": _POINT_IN_DESA}
    return {"desa_code": None, "kecamatan_code": None, "jurisdiction": jurisdiction, "precision": "jurisdiction",
            "point": _POINT_IN_JURISDICTION}


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


def load_stations(session: Session, path: Path, report: DemoReport) -> None:
    """Upsert one station per placeable facility of ``facilities.csv`` (surveyed positions are kept)."""
    for row in read_rows(path):
        agency = agency_of(row)
        place = _placement(session, row) if agency else None
        if place is None:
            report.skipped[row["id"]] = "no dispatching agency" if agency is None else "no location given"
            continue
        point = place.pop("point")
        params = {"code": row["id"], "name": row["name"], "agency_code": agency, "kind": row["kind"],
                  "status": row["status"], "address": row["address"] or None, "phone": row["phone"] or None,
                  "source": row["source"], "note": row["note"] or None, **place}
        session.execute(text(_UPSERT_STATION.format(point=point)), params)
        report.stations += 1


def fire_truck_count(path: Path) -> int:
    """Return the newest published fire-truck inventory of BPBD (``emergency_fleet.csv``)."""
    rows = [r for r in read_rows(path) if r["asset_type"].startswith("fire truck (mobil")
            and r["status"] == "inventory" and r["count"].isdigit()]
    return int(max(rows, key=lambda r: r["as_of"])["count"])


def _fleet_plan(stations: list[Station], fire_trucks: int) -> list[tuple[Station, str, str, int]]:
    """Return (station, unit type, call-sign prefix, how many) for the demo fleet."""
    existing = [s for s in stations if not s.status.startswith("planned")]
    posts = [s for s in existing if s.kind == "fire_station" and s.agency_code == "bpbd"]
    plan = [(s, "fire_truck", "PMK", fire_trucks // len(posts) + (i < fire_trucks % len(posts)))
            for i, s in enumerate(posts)]
    in_kabupaten = [s for s in existing if s.agency_code not in ("polres_kota", "satpol_pp_kota")
                    and (s.kecamatan_code or "").startswith("35.16")]
    plan += [(s, "ambulance", "AMB", 1) for s in in_kabupaten if s.kind in AMBULANCE_KINDS]
    plan += [(s, t, prefix, n) for s in in_kabupaten for t, n, prefix in ASSUMED.get(s.kind, [])]
    police = [s for s in existing if s.kind == "police" and (s.kecamatan_code or "").startswith("35.16")]
    plan += [(s, "police_patrol", "PATROLI", POLRES_PATROLS if s.name.startswith("Polres") else 1) for s in police]
    return [p for p in plan if p[3] > 0]


def load_fleet(session: Session, fleet_path: Path, report: DemoReport) -> None:
    """Upsert the demo fleet at its stations; units already in service keep their status and position."""
    stations = session.query(Station).order_by(Station.code).all()
    for station, unit_type, prefix, count in _fleet_plan(stations, fire_truck_count(fleet_path)):
        for n in range(1, count + 1):
            stmt = insert(Unit).values(
                call_sign=f"{prefix}-{station.code}-{n}", unit_type_code=unit_type, agency_code=station.agency_code,
                station_id=station.id, status="available", geom=station.geom, position_at=text("now()"),
                position_source="station", demo=True, note=DEMO_NOTE)
            session.execute(stmt.on_conflict_do_update(index_elements=["call_sign"], set_={
                "unit_type_code": stmt.excluded.unit_type_code, "agency_code": stmt.excluded.agency_code,
                "station_id": stmt.excluded.station_id, "demo": True, "note": stmt.excluded.note}))
            report.units[unit_type] = report.units.get(unit_type, 0) + 1


def load_demo(session: Session, data_dir: Path) -> DemoReport:
    """Load the stations and the demo fleet (idempotent); the geography must be loaded first.

    Parameters
    ----------
    session
        An open session; the caller commits.
    data_dir
        The data directory holding ``kab_mojokerto/``.

    Returns
    -------
    DemoReport

    Raises
    ------
    geodata.kab_mojokerto.ManifestError
        When an input differs from the manifest (nothing is written).
    """
    paths = {name: verified_path(data_dir, name) for name in (FACILITIES, FLEET)}
    report = DemoReport()
    load_stations(session, paths[FACILITIES], report)
    session.flush()
    load_fleet(session, paths[FLEET], report)
    record_datasets(session, list(paths))
    return report
