"""Simulation fixtures: the demo fleet, the road network and a committed synthetic history."""

from __future__ import annotations

from datetime import date

import pytest

from geo112.analytics.synthetic_history import HistoryReport, generate_history
from geo112.config import Settings
from geo112.store.db import session_factory

#: The history `geo112 history generate` writes with its defaults (the demo's).
N, SEED, START, END = 2000, 112, date(2025, 1, 1), date(2026, 1, 1)


@pytest.fixture(scope="session")
def history(demo: str, network, settings: Settings) -> HistoryReport:
    """Generate and commit the synthetic history (seed 112) once for the test session."""
    with session_factory(demo).begin() as session:
        return generate_history(session, network, N, SEED, START, END, settings.data_dir)
