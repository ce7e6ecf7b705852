"""Stations and the demo fleet loaded from the facts files."""

from __future__ import annotations

from sqlalchemy import func, select

from geo112.ingest.fleet import load_demo
from geo112.store.models import Station, Unit


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
