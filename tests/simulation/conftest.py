"""Simulation fixtures: a database of the simulation tests' own (the demo fleet and a committed synthetic
history, which no other test adds incidents or units to: calls are fitted from the history there is), the
road network."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from geo112.analytics.synthetic_history import HistoryReport, generate_history
from geo112.config import Settings
from geo112.store.db import session_factory
from tests.conftest import ROLES, loaded_database

#: The history `geo112 history generate` writes with its defaults (the demo's).
N, SEED, START, END = 2000, 112, date(2025, 1, 1), date(2026, 1, 1)


@pytest.fixture(scope="session")
def database(settings: Settings) -> str:
    """The simulation tests' own database, with the geography, the demo fleet and one user per role."""
    return loaded_database("simulation", settings.data_dir)


@pytest.fixture(scope="session")
def demo(database: str) -> str:
    """That database (its demo fleet is loaded already)."""
    return database


@pytest.fixture(scope="session")
def users(database: str) -> dict[str, str]:
    """Its users, one per role (made with the database)."""
    return {role: f"test-{role}" for role in ROLES}


@pytest.fixture(scope="session")
def simulation_settings(settings: Settings, database: str) -> Settings:
    """The settings, pointing at that database (for the CLI)."""
    return dataclasses.replace(settings, database_url=database)


@pytest.fixture(scope="session")
def history(demo: str, network, settings: Settings) -> HistoryReport:
    """Generate and commit the synthetic history (seed 112) once for the test session."""
    with session_factory(demo).begin() as session:
        return generate_history(session, network, N, SEED, START, END, settings.data_dir)
