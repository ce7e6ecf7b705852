"""The planners' notebooks run top to bottom against the test database, and their key figures are sane.

They read the database, data and cache directories through ``geo112.config.get_settings`` (the ``GEO112_*``
variables set here), so they run on whatever database a planner points them at.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from geo112.config import REPO_ROOT, Settings
from geo112.ingest.population import load_planning_data
from geo112.store.db import session_factory

NOTEBOOKS = REPO_ROOT / "notebooks"
TIMEOUT_S = 120


@pytest.fixture(scope="session")
def planning_database(demo: str, network, settings) -> str:
    """The test database as `geo112 data load` leaves it: geography, stations, demo fleet, population per desa."""
    with session_factory(demo).begin() as session:
        load_planning_data(session, network, settings.data_dir)
    return demo


def _run(name: str, settings: Settings, database: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Execute a notebook in the venv's ``python3`` kernel; return the JSON its last cell prints."""
    path = NOTEBOOKS / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") and not c.get("execution_count") for c in nb.cells if c.cell_type == "code"), (
        f"{path.name} is committed with outputs: strip them"
    )
    monkeypatch.setenv("GEO112_DATABASE_URL", database)
    monkeypatch.setenv("GEO112_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("GEO112_CACHE_DIR", str(settings.cache_dir))
    # The kernelspec starts "python": make it this interpreter, whatever PATH the tests were started with.
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    NotebookClient(
        nb, kernel_name="python3", timeout=TIMEOUT_S, resources={"metadata": {"path": str(NOTEBOOKS)}}
    ).execute()
    last = nb.cells[-1]
    text = "".join(o["text"] for o in last.outputs if o.output_type == "stream" and o["name"] == "stdout")
    return json.loads(text.strip().splitlines()[-1])


def test_coverage_analysis(planning_database: str, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    figures = _run("coverage_analysis", settings, planning_database, monkeypatch)
    assert figures["population"] == 1_119_209  # census 2020, kept exactly by the spread over desa
    today, planned = figures["fire_15_today"], figures["fire_15_with_planned"]
    assert today["trucks"] == 6 and planned["trucks"] == 13
    assert 0 < today["share"] < planned["share"] < 1
    assert today["covered_population"] < planned["covered_population"] <= figures["population"]
    eight, fifteen = figures["ambulance"]["8"], figures["ambulance"]["15"]
    assert 0 < eight["share"] <= fifteen["share"] <= 1 and eight["covered_population"] <= fifteen["covered_population"]


def test_station_siting(planning_database: str, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    figures = _run("station_siting", settings, planning_database, monkeypatch)
    curve = [figures["mclp_curve"][p] for p in ("0", "1", "2", "3", "5", "7")]
    assert curve == sorted(curve) and curve[0] == figures["today_share"] and curve[-1] == figures["mclp7_share"]
    # MCLP may pick the planned posts themselves, so seven chosen posts cover at least as much as the plan.
    assert figures["today_share"] < figures["planned7_share"] <= figures["mclp7_share"] < 1
    median = figures["p_median3"]
    assert median["after_min"] < median["before_min"] and len(median["sites"]) == 3
    assert not figures["time_limited"]
