"""The routing engine failing (no road graph, no cache) degrades clearly, never silently wrong.

Calls are still recorded and units still assigned; whatever needs the road network answers 503 naming the
cause; recommendations come with a straight-line fallback marked as such; nothing shows an invented ETA.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from geo112.dispatch import schemas
from tests.dispatch.conftest import MOJOSARI, committed_unit

API = "/api/v1"


@pytest.fixture
def broken_app(app, tmp_path: Path):
    """The app with its road network file gone and an empty cache."""
    settings = app.config["GEO112_SETTINGS"]
    app.config["GEO112_SETTINGS"] = dataclasses.replace(
        settings, osm_file=tmp_path / "gone.osm.bz2", cache_dir=tmp_path / "empty-cache"
    )
    return app


def test_without_the_road_network_everything_says_so(broken_app, client, login, demo) -> None:
    assert client.get("/healthz").status_code == 200  # the process is up,
    ready = client.get("/readyz")  # but not ready, and says why
    assert ready.status_code == 503 and ready.get_json()["checks"]["database"] == "ok"
    assert ready.get_json()["checks"]["routing"] == "the road network is unavailable (FileNotFoundError)"
    assert "gone.osm" not in ready.get_data(as_text=True)  # a public probe names no server paths

    unit = committed_unit(demo, "K16", "NOROAD")
    headers = login("dispatcher")
    created = client.post(
        f"{API}/incidents", headers=headers, json={"category": "medis", "lon": MOJOSARI[0], "lat": MOJOSARI[1]}
    )
    assert created.status_code == 201 and created.get_json()["road_point"] is None  # the call is recorded
    incident = created.get_json()["id"]

    answer = client.get(f"{API}/incidents/{incident}/recommendations?k=20")
    body = answer.get_json()
    assert answer.status_code == 503 and "road network is unavailable" in body["detail"]
    assert "FileNotFoundError" in body["detail"] or "gone.osm.bz2" in body["detail"]  # the cause, named
    fallback = schemas.Recommendation.model_validate(body["fallback"])
    assert fallback.method == "straight_line"
    proposed = fallback.requirements[0].proposed
    assert proposed and all(p.eta_s is None for p in proposed)  # no invented travel time
    distances = [p.distance_m for p in proposed]
    assert distances == sorted(distances) and unit in [p.unit_id for p in proposed]

    assigned = client.post(f"{API}/incidents/{incident}/assignments", json={"unit_id": unit}, headers=headers)
    assert assigned.status_code == 201 and assigned.get_json()["eta_s"] is None  # assigned, ETA unknown
    view = client.get(assigned.get_json()["responder_url"].replace("http://localhost", "") + "?format=json")
    assert view.get_json()["route"] is None and view.get_json()["eta_s"] is None
    assert view.get_json()["navigation"]["google_maps"]  # the crew can still navigate with their own app
    again = client.get(f"{API}/incidents/{incident}/recommendations").get_json()["fallback"]
    assert unit in again["requirements"][0]["assigned"]
    assert unit not in [p["unit_id"] for p in again["requirements"][0]["proposed"]]
    client.post(f"{API}/units/{unit}/status", json={"status": "available"}, headers=headers)
