"""The database schema as SQLAlchemy 2 typed ORM classes.

Migrations in ``geo112/migrations`` are the only way the schema changes; these classes describe it for
queries. Geometry is stored in SRID 4326 (WGS84 lon/lat) with GiST indexes.
"""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

SRID = 4326
KABUPATEN_CODE = "35.16"
KOTA_CODE = "35.76"


class Base(DeclarativeBase):
    """Declarative base of every geo112 table."""


def _multipolygon() -> Geometry:
    return Geometry("MULTIPOLYGON", srid=SRID, spatial_index=False)


class Jurisdiction(Base):
    """A kabupaten or kota: who answers an incident there (Kab. Mojokerto, or the Kota enclave)."""

    __tablename__ = "jurisdiction"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))  # kabupaten | kota
    served: Mapped[bool] = mapped_column(default=False)  # True where this call centre dispatches
    geom: Mapped[WKBElement] = mapped_column(_multipolygon())
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
    geom: Mapped[WKBElement] = mapped_column(_multipolygon())
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
    geom: Mapped[WKBElement] = mapped_column(_multipolygon())
    area_km2: Mapped[float] = mapped_column(Float)
    population: Mapped[int | None] = mapped_column(Integer)
    population_year: Mapped[int | None] = mapped_column(Integer)
    population_source: Mapped[str | None] = mapped_column(Text)
    population_method: Mapped[str | None] = mapped_column(Text)

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
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
