"""Dispatch fixtures: the demo stations and fleet loaded once, incidents and units made per test."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo112.dispatch import incidents, schemas
from geo112.dispatch.incidents import create_incident
from geo112.store.db import session_factory
from geo112.store.models import Incident, Station, Unit

#: Points for incidents: inside the regency (Mojosari, Pacet), in the Kota enclave, and outside both.
MOJOSARI = (112.5600, -7.5180)
PACET = (112.5339, -7.6965)
KOTA = (112.4340, -7.4720)
OUTSIDE = (111.9000, -7.0000)
_serial = itertools.count(1)


@pytest.fixture
def db(demo: str, session: Session) -> Session:
    """A rolled-back session on the database with the demo data."""
    return session


@pytest.fixture
def make_incident(db: Session) -> Callable[..., Incident]:
    """Create an incident (default: medis in Mojosari) in the test's session."""

    def make(category: str = "medis", point: tuple[float, float] = MOJOSARI, **fields: object) -> Incident:
        data = schemas.IncidentCreate(category=category, lon=point[0], lat=point[1], **fields)
        return create_incident(db, data, "tester")

    return make


@pytest.fixture
def make_unit(db: Session) -> Callable[..., Unit]:
    """Create an available unit at a station (default: an ambulance at Puskesmas Mojosari)."""

    def make(unit_type: str = "ambulance", station: str = "K16", status: str = "available", **fields: object) -> Unit:
        home = db.scalar(select(Station).where(Station.code == station))
        values = {"geom": home.geom, "position_at": func.now(), "position_source": "station", **fields}
        unit = Unit(
            call_sign=f"TEST-{unit_type}-{next(_serial)}",
            unit_type_code=unit_type,
            agency_code=home.agency_code,
            station_id=home.id,
            status=status,
            **values,
        )
        db.add(unit)
        db.flush()
        return unit

    return make


def committed_unit(database: str, station: str, prefix: str, unit_type: str = "ambulance") -> int:
    """Create and commit an available unit of its own at a station (for tests that use several connections)."""
    with session_factory(database).begin() as s:
        home = s.scalar(select(Station).where(Station.code == station))
        unit = Unit(
            call_sign=f"{prefix}-{s.scalar(select(func.gen_random_uuid()))}"[:40],
            unit_type_code=unit_type,
            agency_code=home.agency_code,
            station_id=home.id,
            geom=home.geom,
            position_at=func.now(),
            position_source="station",
        )
        s.add(unit)
        s.flush()
        return unit.id


def timeline(session: Session, incident_id: int) -> list[dict[str, Any]]:
    """The incident's timeline (:func:`geo112.dispatch.incidents.timeline`) as plain data, for comparisons."""
    return [event.model_dump() for event in incidents.timeline(session, incident_id)]
