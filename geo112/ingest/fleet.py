"""A **demo fleet** at the stations, by the region pack's ``[[fleet]]`` rules.

The fleet is a demonstration, flagged ``demo`` on every unit: the published counts give its size where they
exist (Mojokerto: 6 fire trucks over the two Damkar posts, an ambulance per puskesmas and hospital), and plain
assumptions fill the gaps the sources leave (BPBD rescue, Satpol-PP and police patrols). Which agency's
stations get which unit type is the pack's, so a Kota whose Damkar is run by its Satpol PP gets fire trucks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from geo112.ingest.datasets import record_datasets, verified_inputs
from geo112.ingest.kept import edited_rows, keep
from geo112.ingest.stations import load_stations
from geo112.region import FleetRule, Region, current_region
from geo112.store.models import Agency, Station, Unit
from geodata.kab_mojokerto.facts import read_rows

DEMO_NOTE = "demo fleet: not the real fleet; sized from the published fleet counts where there are any, else assumed"


@dataclass
class DemoReport:
    """What the demo load wrote and what it left out, and why."""

    stations: int = 0
    units: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


def published_count(path: Path, asset_type: str) -> int:
    """Return the newest published inventory of the fleet file's rows whose ``asset_type`` starts with it."""
    rows = [
        r
        for r in read_rows(path)
        if r["asset_type"].startswith(asset_type) and r["status"] == "inventory" and r["count"].isdigit()
    ]
    return int(max(rows, key=lambda r: r["as_of"])["count"]) if rows else 0


def fire_truck_count(path: Path) -> int:
    """Return the newest published fire-truck inventory of BPBD (``emergency_fleet.csv``)."""
    return published_count(path, "fire truck (mobil")


def _stations_of(rule: FleetRule, stations: list[Station], region: Region) -> list[Station]:
    own = f"{region.code}."
    return [
        s
        for s in stations
        if s.kind in rule.kinds
        and (not rule.agencies or s.agency_code in rule.agencies)
        and (rule.anywhere or (s.kecamatan_code or "").startswith(own))
    ]


def _fleet_plan(
    stations: list[Station], region: Region, fleet_path: Path | None
) -> list[tuple[Station, str, str, int]]:
    """Return (station, unit type, call-sign prefix, how many) for the demo fleet, by the pack's ``[[fleet]]``."""
    existing = [s for s in stations if not s.status.startswith("planned")]
    plan: list[tuple[Station, str, str, int]] = []
    for rule in region.fleet_rules:
        posts = _stations_of(rule, existing, region)
        total = published_count(fleet_path, rule.published) if rule.published and fleet_path and posts else 0
        if total:
            plan += [
                (s, rule.unit_type, rule.prefix, total // len(posts) + (i < total % len(posts)))
                for i, s in enumerate(posts)
            ]
            continue
        for s in posts:
            named = [n for word, n in rule.per_station_named.items() if s.name.startswith(word)]
            plan.append((s, rule.unit_type, rule.prefix, named[0] if named else rule.per_station))
    return [p for p in plan if p[3] > 0]


def _edited_units(session: Session) -> dict[str, tuple[Unit, dict[str, Any]]]:
    """The units an admin changed, with their changed fields (:mod:`geo112.ingest.kept`), by the call sign they
    have now and by the one a load gave them."""
    edited: dict[str, tuple[Unit, dict[str, Any]]] = {}
    for unit, fields in edited_rows(session, "unit", Unit.id):
        edited[unit.call_sign] = edited[str(fields.get("call_sign", unit.call_sign))] = (unit, fields)
    return edited


def load_fleet(session: Session, fleet_path: Path | None, region: Region) -> dict[str, int]:
    """Upsert the demo fleet at its stations; units already in service keep their status and position, and what
    an admin changed (a call sign, a type, a home station) stays.

    Returns
    -------
    dict
        Units per unit type.
    """
    units: dict[str, int] = {}
    stations = session.query(Station).order_by(Station.code).all()
    edited = _edited_units(session)
    for station, unit_type, prefix, count in _fleet_plan(stations, region, fleet_path):
        for n in range(1, count + 1):
            call_sign = f"{prefix}-{station.code}-{n}"
            values: dict[str, Any] = {
                "call_sign": call_sign,
                "unit_type_code": unit_type,
                "agency_code": station.agency_code,
                "station_id": station.id,
            }
            if (hit := edited.get(call_sign)) is not None:
                values = keep(values, *hit)
            stmt = insert(Unit).values(
                **values,
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
            kind = str(values["unit_type_code"])
            units[kind] = units.get(kind, 0) + 1
    return units


def load_agencies(session: Session, region: Region) -> None:
    """Upsert the pack's agencies (``[[agency]]``), which own its stations and units; a name an admin changed
    stays."""
    if region.agencies:
        edited = {agency.code: (agency, fields) for agency, fields in edited_rows(session, "agency", Agency.code)}
        rows = [{"code": code, "name": name} for code, name in region.agencies]
        rows = [keep(r, *edited[r["code"]]) if r["code"] in edited else r for r in rows]
        stmt = insert(Agency).values(rows)
        session.execute(stmt.on_conflict_do_update(index_elements=["code"], set_={"name": stmt.excluded.name}))


def load_demo(session: Session, data_dir: Path, region: Region | None = None) -> DemoReport:
    """Load the agencies, stations and the demo fleet into the session (idempotent); the geography first.

    The inputs under ``data_dir`` are verified first (:func:`geo112.ingest.datasets.verified_inputs`), so a
    missing or altered file writes nothing; the caller commits.
    """
    region = region or current_region()
    names = [n for n in (region.facilities, region.fleet) if n]
    paths = verified_inputs(data_dir, names, region)
    load_agencies(session, region)
    stations, skipped = load_stations(session, paths[region.facilities], region) if region.facilities else (0, {})
    session.flush()
    units = load_fleet(session, paths.get(region.fleet or ""), region)
    record_datasets(session, list(paths), region)
    return DemoReport(stations, units, skipped)
