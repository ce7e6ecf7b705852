"""A **demo fleet** at the stations, sized from ``facts/emergency_fleet.csv``.

The fleet is a demonstration, flagged ``demo`` on every unit: the published counts give its size where they
exist (6 fire trucks over the two Damkar posts, an ambulance per puskesmas and hospital), and plain
assumptions fill the gaps the sources leave (BPBD rescue, Satpol-PP and police patrols).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from geo112.ingest.datasets import record_datasets, verified_inputs
from geo112.ingest.stations import FACILITIES, load_stations
from geo112.store.models import Station, Unit
from geodata.kab_mojokerto.facts import read_rows

FLEET = "kab_mojokerto/facts/emergency_fleet.csv"
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


def fire_truck_count(path: Path) -> int:
    """Return the newest published fire-truck inventory of BPBD (``emergency_fleet.csv``)."""
    rows = [
        r
        for r in read_rows(path)
        if r["asset_type"].startswith("fire truck (mobil") and r["status"] == "inventory" and r["count"].isdigit()
    ]
    return int(max(rows, key=lambda r: r["as_of"])["count"])


def _fleet_plan(stations: list[Station], fire_trucks: int) -> list[tuple[Station, str, str, int]]:
    """Return (station, unit type, call-sign prefix, how many) for the demo fleet."""
    existing = [s for s in stations if not s.status.startswith("planned")]
    posts = [s for s in existing if s.kind == "fire_station" and s.agency_code == "bpbd"]
    plan = [
        (s, "fire_truck", "PMK", fire_trucks // len(posts) + (i < fire_trucks % len(posts)))
        for i, s in enumerate(posts)
    ]
    in_kabupaten = [
        s
        for s in existing
        if s.agency_code not in ("polres_kota", "satpol_pp_kota") and (s.kecamatan_code or "").startswith("35.16")
    ]
    plan += [(s, "ambulance", "AMB", 1) for s in in_kabupaten if s.kind in AMBULANCE_KINDS]
    plan += [(s, t, prefix, n) for s in in_kabupaten for t, n, prefix in ASSUMED.get(s.kind, [])]
    police = [s for s in existing if s.kind == "police" and (s.kecamatan_code or "").startswith("35.16")]
    plan += [(s, "police_patrol", "PATROLI", POLRES_PATROLS if s.name.startswith("Polres") else 1) for s in police]
    return [p for p in plan if p[3] > 0]


def load_fleet(session: Session, fleet_path: Path) -> dict[str, int]:
    """Upsert the demo fleet at its stations; units already in service keep their status and position.

    Returns
    -------
    dict
        Units per unit type.
    """
    units: dict[str, int] = {}
    stations = session.query(Station).order_by(Station.code).all()
    for station, unit_type, prefix, count in _fleet_plan(stations, fire_truck_count(fleet_path)):
        for n in range(1, count + 1):
            stmt = insert(Unit).values(
                call_sign=f"{prefix}-{station.code}-{n}",
                unit_type_code=unit_type,
                agency_code=station.agency_code,
                station_id=station.id,
                status="available",
                geom=station.geom,
                position_at=text("now()"),
                position_source="station",
                demo=True,
                note=DEMO_NOTE,
            )
            session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["call_sign"],
                    set_={
                        "unit_type_code": stmt.excluded.unit_type_code,
                        "agency_code": stmt.excluded.agency_code,
                        "station_id": stmt.excluded.station_id,
                        "demo": True,
                        "note": stmt.excluded.note,
                    },
                )
            )
            units[unit_type] = units.get(unit_type, 0) + 1
    return units


def load_demo(session: Session, data_dir: Path) -> DemoReport:
    """Load the stations and the demo fleet into the session (idempotent); the geography must be loaded first.

    The inputs under ``data_dir`` are verified first (:func:`geo112.ingest.datasets.verified_inputs`), so a
    missing or altered file writes nothing; the caller commits.
    """
    paths = verified_inputs(data_dir, (FACILITIES, FLEET))
    stations, skipped = load_stations(session, paths[FACILITIES])
    session.flush()
    units = load_fleet(session, paths[FLEET])
    record_datasets(session, list(paths))
    return DemoReport(stations, units, skipped)
