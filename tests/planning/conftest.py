"""Planning fixtures: the demo data, the real Mojokerto road network (built once) and the planning data loaded."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from geo112.ingest.population import load_planning_data
from geo112.store.db import session_factory
from tests.dispatch.conftest import committed_unit, make_unit  # noqa: F401 - shared fixtures

__all__ = ["committed_unit"]


@pytest.fixture(scope="session")
def planning(demo: str, network, settings) -> str:
    """The test database with the demo fleet, seeded thresholds and desa population estimates (committed)."""
    with session_factory(demo).begin() as session:
        load_planning_data(session, network, settings.data_dir)
    return demo


@pytest.fixture
def db(planning: str, session: Session) -> Session:
    """A rolled-back session on the database with the planning data."""
    return session
