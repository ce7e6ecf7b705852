"""Stations and the demo fleet loaded from the facts files."""

from __future__ import annotations

from sqlalchemy import func, select

from geo112.dispatch import commissioning, configuration, schemas
from geo112.ingest.fleet import load_demo
from geo112.store.models import Agency, Station, Unit


def _count(db, *where) -> int:
    return db.scalar(select(func.count()).select_from(Unit).where(*where))


def test_fleet_is_sized_from_the_published_counts(db) -> None:
    trucks = dict(
        db.execute(
            select(Station.code, func.count())
            .join(Unit, Unit.station_id == Station.id)
            .where(Unit.unit_type_code == "fire_truck", Unit.demo)
            .group_by(Station.code)
        ).all()
    )
    assert trucks == {"F01": 3, "F02": 3}  # 6 trucks at the two Damkar posts (emergency_fleet.csv, 2020)
    puskesmas = db.scalar(select(func.count()).select_from(Station).where(Station.kind == "puskesmas"))
    assert puskesmas == 27
    with_ambulance = db.scalar(
        select(func.count(func.distinct(Unit.station_id)))
        .join(Station, Station.id == Unit.station_id)
        .where(Unit.unit_type_code == "ambulance", Station.kind == "puskesmas", Unit.demo)
    )
    assert with_ambulance == 27
    assert _count(db, Unit.demo, Unit.unit_type_code == "police_patrol") == 20
    assert _count(db, Unit.demo, Unit.unit_type_code == "rescue") >= 1
    assert _count(db, Unit.demo, Unit.note.like("demo fleet%")) == _count(db, Unit.demo)


def test_stations_record_their_precision(db) -> None:
    precision = dict(db.execute(select(Station.code, Station.precision)).all())
    assert precision["F01"] == "desa" and precision["K01"] == "kecamatan" and precision["S01"] == "jurisdiction"
    assert "T01" not in precision and "F21" not in precision  # no agency / no location: reported, not guessed
    jabon = db.scalar(select(Station).where(Station.code == "F01"))
    assert jabon.desa_code == "35.16.18.2006"


def test_reload_is_idempotent_and_keeps_surveyed_positions(db, settings) -> None:
    units = _count(db, Unit.demo)
    station = db.scalar(select(Station).where(Station.code == "K01"))
    station.geom, station.precision = "SRID=4326;POINT(112.5 -7.55)", "surveyed"
    db.flush()
    report = load_demo(db, settings.data_dir)
    db.refresh(station)
    assert _count(db, Unit.demo) == units == sum(report.units.values())
    assert station.precision == "surveyed"
    assert db.scalar(func.ST_AsText(station.geom)) == "POINT(112.5 -7.55)"


def test_station_names_read_in_indonesian(db) -> None:
    names = dict(db.execute(select(Station.code, Station.name).where(Station.code.in_(("F01", "F11", "F12")))).all())
    assert names["F11"] == "Usulan pos Damkar Jetis"  # "Proposed pos Damkar Jetis" in facilities.csv
    assert names["F12"] == "Usulan pos Damkar Sooko atau Trowulan"
    assert "Proposed" not in names["F01"] and " or " not in names["F01"]


def test_reload_keeps_what_admins_changed(db, settings) -> None:
    """Agencies, stations and units changed through the admin pages keep those changes when the pack is loaded
    again (at every upgrade, and every start of the demo); the fields nobody changed follow the pack."""
    k01 = db.scalar(select(Station).where(Station.code == "K01"))
    pack_name, pack_kind = k01.name, k01.kind
    configuration.update_station(
        db, k01.id, schemas.StationChange(name="Puskesmas Bangsal (Jl. Raya)", phone="0321 123456"), "test-admin"
    )
    configuration.correct_station(
        db, k01.id, schemas.StationPosition(lon=112.5, lat=-7.55, precision="desa"), "test-admin"
    )
    agency = configuration.change_coded(
        db, Agency, "dinkes", schemas.AgencyChange(name="Dinas Kesehatan Kab. Mojokerto"), "test-admin"
    )
    truck = db.scalar(select(Unit).where(Unit.call_sign == "PMK-F01-1"))
    f02 = db.scalar(select(Station).where(Station.code == "F02"))
    commissioning.change_unit(db, truck.id, schemas.UnitChange(call_sign="DAMKAR-01", station_id=f02.id), "test-admin")
    other = db.scalar(select(Unit).where(Unit.call_sign == "PMK-F01-2"))
    other.station_id = f02.id  # not an admin's change (no audit event): the pack's station comes back
    units = _count(db, Unit.demo)
    db.flush()
    load_demo(db, settings.data_dir)
    db.expire_all()
    assert (k01.name, k01.phone, k01.kind) == ("Puskesmas Bangsal (Jl. Raya)", "0321 123456", pack_kind) != (pack_name,)
    assert k01.precision == "desa" and db.scalar(func.ST_AsText(k01.geom)) == "POINT(112.5 -7.55)"
    assert agency.name == "Dinas Kesehatan Kab. Mojokerto"
    # The renamed truck is not loaded again under its old call sign, and stays at its new station.
    assert (truck.call_sign, truck.station_id) == ("DAMKAR-01", f02.id)
    assert db.scalar(select(Unit).where(Unit.call_sign == "PMK-F01-1")) is None
    assert _count(db, Unit.demo) == units
    assert other.station_id != f02.id
