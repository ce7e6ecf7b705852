"""The database schema as SQLAlchemy 2 typed ORM classes.

Migrations in ``geo112/migrations`` are the only way the schema changes; these classes describe it for
queries. Geometry is stored in SRID 4326 (WGS84 lon/lat) with GiST indexes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import BigInteger, DateTime, Float, ForeignKey, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from geo112.store.geometry import SRID

KABUPATEN_CODE = "35.16"
KOTA_CODE = "35.76"


class Base(DeclarativeBase):
    """Declarative base of every geo112 table."""

    # Server defaults and SQL expressions (now()) come back in the INSERT/UPDATE's RETURNING, instead of a
    # SELECT each when they are first read after a flush.
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012 - SQLAlchemy reads it per class


def _multipolygon() -> Geometry:
    return Geometry("MULTIPOLYGON", srid=SRID, spatial_index=False)


class Jurisdiction(Base):
    """A kabupaten or kota: who answers an incident there (Kab. Mojokerto, or the Kota enclave)."""

    __tablename__ = "jurisdiction"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))  # kabupaten | kota
    served: Mapped[bool] = mapped_column(default=False)  # True where this call centre dispatches
    call_centre: Mapped[str | None] = mapped_column(Text)  # "Call Center 112 Kabupaten Jombang" (migration 0006)
    geom: Mapped[WKBElement] = mapped_column(_multipolygon(), deferred=True)
    area_km2: Mapped[float] = mapped_column(Float)
    population: Mapped[int | None] = mapped_column(Integer)
    population_year: Mapped[int | None] = mapped_column(Integer)
    population_source: Mapped[str | None] = mapped_column(Text)

    kecamatan: Mapped[list[Kecamatan]] = relationship(back_populates="jurisdiction")


class Kecamatan(Base):
    """A district, dissolved from its desa."""

    __tablename__ = "kecamatan"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))  # normalised for search
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdiction.code"))
    geom: Mapped[WKBElement] = mapped_column(_multipolygon(), deferred=True)
    area_km2: Mapped[float] = mapped_column(Float)
    population: Mapped[int | None] = mapped_column(Integer)
    population_year: Mapped[int | None] = mapped_column(Integer)
    population_source: Mapped[str | None] = mapped_column(Text)

    jurisdiction: Mapped[Jurisdiction] = relationship(back_populates="kecamatan")
    desa: Mapped[list[Desa]] = relationship(back_populates="kecamatan")


class Desa(Base):
    """A desa or kelurahan, the unit incidents are located to."""

    __tablename__ = "desa"

    code: Mapped[str] = mapped_column(String(13), primary_key=True)  # Kemendagri 35.16.KK.DDDD
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100), index=True)  # normalised for search
    kind: Mapped[str] = mapped_column(String(10))  # desa | kelurahan
    kecamatan_code: Mapped[str] = mapped_column(ForeignKey("kecamatan.code"), index=True)
    geom: Mapped[WKBElement] = mapped_column(_multipolygon(), deferred=True)
    area_km2: Mapped[float] = mapped_column(Float)
    population: Mapped[int | None] = mapped_column(Integer)
    population_year: Mapped[int | None] = mapped_column(Integer)
    population_source: Mapped[str | None] = mapped_column(Text)
    population_method: Mapped[str | None] = mapped_column(Text)
    population_basis: Mapped[str | None] = mapped_column(String(30))  # published | kecamatan | kabupaten_remainder

    kecamatan: Mapped[Kecamatan] = relationship(back_populates="desa")


class Dataset(Base):
    """Provenance of a loaded input file."""

    __tablename__ = "dataset"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    licence: Mapped[str] = mapped_column(String(200))
    origin: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class User(Base):
    """A person who logs in: a dispatcher, a planner or an admin."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    # Stored in each session at login; incremented to end every session of the user (migration 0005).
    session_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# --- Dispatch: agencies, stations, units, incidents, assignments and the audit trail (migration 0003) ---


def _point() -> Geometry:
    return Geometry("POINT", srid=SRID, spatial_index=False)


class Agency(Base):
    """An agency that owns stations and units (BPBD incl. Damkar, Dinkes, RSUD, PMI, Satpol-PP, Polres, ...)."""

    __tablename__ = "agency"

    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class Station(Base):
    """A post, office or facility units start from; placed at its desa or kecamatan seat until surveyed."""

    __tablename__ = "station"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # facilities.csv id, e.g. F01
    name: Mapped[str] = mapped_column(String(200))
    agency_code: Mapped[str] = mapped_column(ForeignKey("agency.code"))
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(60))
    address: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    desa_code: Mapped[str | None] = mapped_column(ForeignKey("desa.code"))
    kecamatan_code: Mapped[str | None] = mapped_column(ForeignKey("kecamatan.code"))
    geom: Mapped[WKBElement] = mapped_column(_point())
    precision: Mapped[str] = mapped_column(String(20))  # surveyed | desa | kecamatan | jurisdiction
    source: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class UnitType(Base):
    """A kind of unit (ambulance, fire truck, ...): rows, so that an admin can add more."""

    __tablename__ = "unit_type"

    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    speed_factor: Mapped[float] = mapped_column(Float, default=1.0)  # passed to routing
    description: Mapped[str | None] = mapped_column(Text)


class Unit(Base):
    """A vehicle with a call sign, its status in the state machine and its last known position."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sign: Mapped[str] = mapped_column(String(40), unique=True)
    unit_type_code: Mapped[str] = mapped_column(ForeignKey("unit_type.code"))
    agency_code: Mapped[str] = mapped_column(ForeignKey("agency.code"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    status: Mapped[str] = mapped_column(String(20), default="available")
    status_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    geom: Mapped[WKBElement | None] = mapped_column(_point())
    position_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    position_source: Mapped[str | None] = mapped_column(String(10))  # station | avl
    demo: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)

    unit_type: Mapped[UnitType] = relationship()
    station: Mapped[Station | None] = relationship()


class IncidentCategory(Base):
    """What happened (medis, kebakaran, ...), with the priority a new incident gets by default."""

    __tablename__ = "incident_category"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    default_priority: Mapped[int] = mapped_column(Integer)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class CategoryRequirement(Base):
    """One cell of the category → unit type matrix: how many units of a type a category needs."""

    __tablename__ = "category_requirement"

    category_code: Mapped[str] = mapped_column(ForeignKey("incident_category.code"), primary_key=True)
    unit_type_code: Mapped[str] = mapped_column(ForeignKey("unit_type.code"), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=1)
    optional: Mapped[bool] = mapped_column(default=False)


class Incident(Base):
    """A call placed on the map, with a timestamp per phase and a disposition when closed."""

    __tablename__ = "incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_code: Mapped[str] = mapped_column(ForeignKey("incident_category.code"))
    priority: Mapped[int] = mapped_column(Integer)
    caller_name: Mapped[str | None] = mapped_column(String(200))
    caller_phone: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    geom: Mapped[WKBElement] = mapped_column(_point())
    road_geom: Mapped[WKBElement | None] = mapped_column(_point())
    road_distance_m: Mapped[float | None] = mapped_column(Float)
    location_match: Mapped[str] = mapped_column(String(10))  # inside | nearest | outside
    desa_code: Mapped[str | None] = mapped_column(ForeignKey("desa.code"))
    kecamatan_code: Mapped[str | None] = mapped_column(ForeignKey("kecamatan.code"))
    jurisdiction_code: Mapped[str | None] = mapped_column(ForeignKey("jurisdiction.code"))
    handoff: Mapped[str | None] = mapped_column(Text)  # the call centre that owns it, when not this one
    handoff_code: Mapped[str | None] = mapped_column(ForeignKey("jurisdiction.code"))  # its kabupaten/kota
    cap_ref: Mapped[str | None] = mapped_column(String(400), unique=True)  # "sender identifier" it came from
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | closed
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    en_route_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    on_scene_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cleared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    disposition: Mapped[str | None] = mapped_column(String(30))
    disposition_note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    synthetic: Mapped[bool] = mapped_column(default=False)  # generated demo history, never a real call

    category: Mapped[IncidentCategory] = relationship()
    # Joined in the incident's own SELECT: an incident is shown with its area names, never their polygons
    # (the areas defer their polygons: a kabupaten's alone is ~110 KB).
    desa: Mapped[Desa | None] = relationship(lazy="joined")
    kecamatan: Mapped[Kecamatan | None] = relationship(lazy="joined")
    jurisdiction: Mapped[Jurisdiction | None] = relationship(lazy="joined", foreign_keys=[jurisdiction_code])


class Assignment(Base):
    """A unit sent to an incident; active until the unit clears or is stood down."""

    __tablename__ = "assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    assigned_by: Mapped[str] = mapped_column(String(100))
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    eta_s: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[float | None] = mapped_column(Float)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    en_route_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    on_scene_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    transporting_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(20))  # cleared | stood_down
    # Carried by the responder link; incremented when a new link replaces the old (migration 0005).
    link_version: Mapped[int] = mapped_column(Integer, default=0)
    # A unit sent to an incident of another call centre, and why (migration 0006).
    mutual_aid: Mapped[bool] = mapped_column(default=False)
    mutual_aid_reason: Mapped[str | None] = mapped_column(String(30))

    unit: Mapped[Unit] = relationship()
    incident: Mapped[Incident] = relationship()


class Event(Base):
    """One entry of the append-only audit trail; a trigger refuses UPDATE, DELETE and TRUNCATE."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(60))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class CoverageThreshold(Base):
    """A response-time threshold a planner measures a unit type's coverage against."""

    __tablename__ = "coverage_threshold"

    unit_type_code: Mapped[str] = mapped_column(ForeignKey("unit_type.code", ondelete="CASCADE"), primary_key=True)
    minutes: Mapped[float] = mapped_column(Float, primary_key=True)
    label: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)


class ProvinceDesa(Base):
    """A desa/kelurahan of Jawa Timur, for locating calls outside the regency (migration 0006)."""

    __tablename__ = "province_desa"

    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))
    kecamatan_code: Mapped[str] = mapped_column(String(8))
    kecamatan_name: Mapped[str] = mapped_column(String(100))
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdiction.code"))
    geom: Mapped[WKBElement] = mapped_column(_multipolygon(), deferred=True)


class Handoff(Base):
    """A call passed to the 112 of another kabupaten/kota, and that centre's answer."""

    __tablename__ = "handoff"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"))
    to_code: Mapped[str | None] = mapped_column(ForeignKey("jurisdiction.code"))
    to_name: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | accepted | declined
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by: Mapped[str] = mapped_column(String(100))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_by: Mapped[str | None] = mapped_column(String(100))
    answer_note: Mapped[str | None] = mapped_column(Text)

    incident: Mapped[Incident] = relationship()
