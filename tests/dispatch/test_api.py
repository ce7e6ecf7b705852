"""The dispatch REST API end to end: roles, a whole response, every error status, the OpenAPI document."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openapi_spec_validator import validate
from sqlalchemy import func, select

from geo112.dispatch import responder, schemas
from geo112.store.db import session_factory
from geo112.store.models import Assignment, Event
from tests.api_document import operations

from .conftest import MOJOSARI, PACET, committed_unit

API = "/api/v1"


def _incident(client, headers, point=PACET, category="medis", **extra) -> dict:
    response = client.post(
        f"{API}/incidents", json={"category": category, "lon": point[0], "lat": point[1], **extra}, headers=headers
    )
    assert response.status_code == 201, response.get_json()
    return schemas.Incident.model_validate(response.get_json()).model_dump(mode="json")


@pytest.fixture
def api_unit(demo: str) -> int:
    """A committed ambulance of its own at Puskesmas Pacet, so API tests do not move the demo fleet."""
    return committed_unit(demo, "K21", "API")


def test_the_openapi_document_is_whole_valid_and_made_from_the_declarations(app, client) -> None:
    doc = client.get(f"{API}/openapi.json").get_json()
    validate(doc)  # openapi-spec-validator: a client generator can read it
    references = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(doc)))
    assert references and references <= set(doc["components"]["schemas"])
    created = doc["components"]["schemas"]["IncidentCreate"]
    assert created["properties"] == schemas.IncidentCreate.model_json_schema()["properties"]
    assert doc["paths"][f"{API}/incidents"]["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/IncidentCreate"
    }
    # Both ways: every route under /api/v1 is in the document, and every operation of the document is a route
    # (the caller's phone posts to /l/<token>/…, the console's QR codes to /console/qr.svg).
    routes = {
        (method.lower(), re.sub(r"<(?:[^<>]*:)?(\w+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(method, path) for method, path, *_ in operations()}
    assert {(m, p) for m, p in routes if p.startswith(API)} <= documented
    assert documented <= routes


def test_roles(client, login) -> None:
    assert client.get(f"{API}/incidents").status_code == 401
    planner = login("planner")
    assert client.get(f"{API}/incidents").status_code == 200
    assert (
        client.post(
            f"{API}/incidents", json={"category": "medis", "lon": 112.5, "lat": -7.5}, headers=planner
        ).status_code
        == 403
    )
    assert client.put(f"{API}/category-matrix/medis", json={"requirements": []}, headers=planner).status_code == 403
    dispatcher = login("dispatcher")
    assert (
        client.put(f"{API}/stations/1/position", json={"lon": 112.5, "lat": -7.5}, headers=dispatcher).status_code
        == 403
    )


def test_a_whole_response_through_the_api_and_the_responder_link(app, client, login, network, api_unit) -> None:
    headers = login("dispatcher")
    incident = _incident(client, headers, description="pingsan di pasar")
    assert incident["road_point"] is not None and incident["kecamatan"]["name"] == "Pacet"
    rec = client.get(f"{API}/incidents/{incident['id']}/recommendations?k=20")
    assert rec.status_code == 200
    proposed = schemas.Recommendation.model_validate(rec.get_json()).requirements[0].proposed
    mine = next(p for p in proposed if p.unit_id == api_unit)
    previews = client.get(f"{API}/incidents/{incident['id']}/routes?units={api_unit}", headers=headers).get_json()
    assert [f["properties"]["call_sign"] for f in previews["features"]] == [mine.call_sign]
    assert previews["features"][0]["properties"]["eta_s"] == pytest.approx(mine.eta_s, abs=0.1)
    refused = client.get(f"{API}/incidents/{incident['id']}/routes?units=1,x", headers=headers)
    assert refused.status_code == 400 and "units" in refused.get_json()["detail"]
    created = client.post(f"{API}/incidents/{incident['id']}/assignments", json={"unit_id": api_unit}, headers=headers)
    assert created.status_code == 201
    assignment = schemas.AssignmentWithLink.model_validate(created.get_json())
    assert assignment.eta_s == pytest.approx(mine.eta_s, abs=0.1)
    other = _incident(client, headers)
    clash = client.post(f"{API}/incidents/{other['id']}/assignments", json={"unit_id": api_unit}, headers=headers)
    assert clash.status_code == 409 and clash.get_json()["incident_id"] == incident["id"]

    link = assignment.responder_url.replace("http://localhost", "")
    crew = app.test_client()  # the link needs no login
    view = crew.get(link, headers={"Accept": "application/json"}).get_json()
    assert view["route"]["geometry"]["type"] == "LineString"
    assert view["navigation"]["google_maps"].startswith("https://www.google.com/maps/dir/?api=1&destination=")
    assert view["incident"]["description"] == "pingsan di pasar" and view["actions"] == ["acknowledged", "en_route"]
    page = crew.get(link)
    assert page.status_code == 200 and b"www.google.com/maps/dir/" in page.data
    assert assignment.call_sign.encode() in page.data
    for action in ("acknowledged", "en_route", "on_scene"):
        assert crew.post(f"{link}/status", json={"action": action}).status_code == 200
    assert crew.post(f"{link}/status", data={"action": "cleared"}).status_code == 303
    assert crew.post(f"{link}/status", json={"action": "en_route"}).status_code == 409

    events = client.get(f"{API}/incidents/{incident['id']}/timeline").get_json()["events"]
    assert [schemas.Event.model_validate(e).action for e in events][:3] == [
        "incident.created",
        "assignment.created",
        "unit.status",
    ]
    assert any(e["actor"].startswith("responder:API-") for e in events)
    closed = client.post(f"{API}/incidents/{incident['id']}/close", json={"disposition": "handled"}, headers=headers)
    assert closed.status_code == 200
    phases = closed.get_json()["phases"]
    assert all(phases[p] for p in ("received", "dispatched", "en_route", "on_scene", "cleared", "closed"))
    assert closed.get_json()["intervals_s"]["response"] >= 0
    assert client.get(f"{API}/units/{api_unit}").get_json()["status"] == "returning"


def test_every_error_status(app, client, login, api_unit) -> None:
    headers = login("dispatcher")
    assert client.post(f"{API}/incidents", data="not json", headers=headers).status_code == 400
    bad = client.post(f"{API}/incidents", json={"category": "medis", "lon": 112.5, "lat": 200}, headers=headers)
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "lat"
    extra = client.post(
        f"{API}/incidents", json={"category": "medis", "lon": 112.5, "lat": -7.5, "x": 1}, headers=headers
    )
    assert extra.status_code == 422
    assert client.get(f"{API}/incidents/999999").status_code == 404
    refused = client.post(f"{API}/units/{api_unit}/status", json={"status": "on_scene"}, headers=headers)
    assert refused.status_code == 409 and refused.get_json()["allowed"] == ["out_of_service"]
    assert client.get("/r/not-a-token", headers={"Accept": "application/json"}).status_code == 403
    incident = _incident(client, headers, point=MOJOSARI)
    assigned = client.post(f"{API}/incidents/{incident['id']}/assignments", json={"unit_id": api_unit}, headers=headers)
    with session_factory(app.config["GEO112_DATABASE_URL"])() as s:
        old, _ = responder.issue(
            app.config["SECRET_KEY"], s.get(Assignment, assigned.get_json()["id"]), 60, now=time.time() - 3600
        )
    gone = client.get(f"/r/{old}", headers={"Accept": "application/json"})
    assert gone.status_code == 410 and set(gone.get_json()) >= {"error", "detail"}
    client.post(f"{API}/units/{api_unit}/status", json={"status": "available"}, headers=headers)


def test_refusals_leave_nothing_written(app, client, login, api_unit) -> None:
    headers = login("dispatcher")
    kota = _incident(client, headers, point=(112.434, -7.472))
    assert kota["handoff"].endswith("Kota Mojokerto")
    refused = client.post(f"{API}/incidents/{kota['id']}/assignments", json={"unit_id": api_unit}, headers=headers)
    assert refused.status_code == 409
    assert client.get(f"{API}/units/{api_unit}").get_json()["status"] == "available"
    with session_factory(app.config["GEO112_DATABASE_URL"])() as s:
        assert s.scalar(select(func.count()).select_from(Assignment).where(Assignment.unit_id == api_unit)) == 0


def test_avl_positions(client, login, api_unit) -> None:
    headers = login("dispatcher")
    moved = client.post(f"{API}/units/{api_unit}/position", json={"lon": 112.55, "lat": -7.6}, headers=headers)
    body = schemas.Unit.model_validate(moved.get_json())
    assert body.position.coordinates == [112.55, -7.6] and body.position_source == "avl" and not body.stale
    future = client.post(
        f"{API}/units/{api_unit}/position",
        json={"lon": 112.55, "lat": -7.6, "at": "2099-01-01T00:00:00+07:00"},
        headers=headers,
    )
    assert future.status_code == 422
    late = client.post(
        f"{API}/units/{api_unit}/position",
        json={"lon": 112.5, "lat": -7.6, "at": "2020-01-01T00:00:00+07:00"},
        headers=headers,
    )
    assert late.status_code == 409
    naive = client.post(
        f"{API}/units/{api_unit}/position", json={"lon": 112.5, "lat": -7.6, "at": "2020-01-01T00:00"}, headers=headers
    )
    assert naive.status_code == 422


def test_matrix_unit_types_and_stations_are_configurable(app, client, login) -> None:
    admin = login("admin")
    original = next(
        c for c in client.get(f"{API}/category-matrix").get_json()["items"] if c["category"] == "pohon_tumbang"
    )["requirements"]
    try:
        changed = client.put(
            f"{API}/category-matrix/pohon_tumbang",
            headers=admin,
            json={
                "requirements": [{"unit_type": "rescue", "count": 2}, {"unit_type": "police_patrol", "optional": True}]
            },
        )
        assert changed.status_code == 200 and len(changed.get_json()["requirements"]) == 2
        unknown = client.put(
            f"{API}/category-matrix/pohon_tumbang", headers=admin, json={"requirements": [{"unit_type": "helicopter"}]}
        )
        assert unknown.status_code == 422
        assert client.put(f"{API}/category-matrix/gempa", headers=admin, json={"requirements": []}).status_code == 404
    finally:
        client.put(f"{API}/category-matrix/pohon_tumbang", headers=admin, json={"requirements": original})
    code = f"drone_{int(time.time() * 1000) % 10**8}"
    assert client.post(f"{API}/unit-types", headers=admin, json={"code": code, "name": "Drone"}).status_code == 201
    assert client.post(f"{API}/unit-types", headers=admin, json={"code": code, "name": "Drone"}).status_code == 409
    planner = login("planner")
    station = client.get(f"{API}/stations?kind=police&limit=1").get_json()["items"][0]
    fixed = client.put(
        f"{API}/stations/{station['id']}/position",
        headers=planner,
        json={"lon": station["location"]["coordinates"][0], "lat": station["location"]["coordinates"][1]},
    )
    assert schemas.Station.model_validate(fixed.get_json()).precision == "surveyed"
    with session_factory(app.config["GEO112_DATABASE_URL"])() as s:
        audited = {(e.action, e.actor) for e in s.scalars(select(Event).where(Event.action.like("config.%")))}
    assert {
        ("config.matrix.updated", "test-admin"),
        ("config.unit_type.created", "test-admin"),
        ("config.station.position", "test-planner"),
    } <= audited


def test_lists_are_paged(client, login) -> None:
    login("planner")
    first = client.get(f"{API}/units?limit=5").get_json()
    second = client.get(f"{API}/units?limit=5&offset=5").get_json()
    assert len(first["items"]) == 5 and first["total"] >= 63
    assert not {u["id"] for u in first["items"]} & {u["id"] for u in second["items"]}
    assert client.get(f"{API}/units?limit=0").status_code == 400


def test_without_the_road_network_calls_are_still_recorded_and_routing_answers_503(app, client, login) -> None:
    settings = app.config["GEO112_SETTINGS"]
    app.config["GEO112_SETTINGS"] = dataclasses.replace(settings, osm_file=Path("/nonexistent/roads.osm.bz2"))
    headers = login("dispatcher")
    incident = _incident(client, headers)
    assert incident["road_point"] is None
    answer = client.get(f"{API}/incidents/{incident['id']}/recommendations")
    assert answer.status_code == 503 and "road network" in answer.get_json()["detail"]


def test_the_role_table_of_the_docs_is_made_from_the_declarations() -> None:
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}  # this checkout's web package, whatever is installed
    run = subprocess.run(
        [sys.executable, "scripts/api_roles.py", "--check"], cwd=root, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr[-500:]


def test_an_operation_that_takes_no_body_refuses_one(client, login, api_unit) -> None:
    headers = login("dispatcher")
    incident = _incident(client, headers)
    made = client.post(f"{API}/incidents/{incident['id']}/assignments", json={"unit_id": api_unit}, headers=headers)
    link = f"{API}/assignments/{made.get_json()['id']}/link"
    refused = client.post(link, json={"ttl_s": 60}, headers=headers)
    assert refused.status_code == 400 and "takes no body" in refused.get_json()["detail"]
    assert client.post(link, headers=headers).status_code == 200
    assert client.post(link, json={}, headers=headers).status_code == 200  # an empty object says nothing


def test_answers_are_the_same_checked_against_their_models_or_not(app, client, login, api_unit) -> None:
    # Served, the app does not check answers again (web.api._Plugin): what it sends must not change for that.
    # (Not recommendations: they follow the fleet's rows, which a listener moves on in the background.)
    headers = login("dispatcher")
    incident = _incident(client, headers)
    paths = [
        f"{API}/incidents/{incident['id']}",
        f"{API}/incidents/{incident['id']}/timeline",
        f"{API}/units?limit=500",
        f"{API}/units/{api_unit}",
        f"{API}/incidents?limit=5",
        f"{API}/incidents/999999999",  # an error answer
    ]

    def answers() -> list[tuple[int, list[tuple[str, str]], bytes]]:
        return [
            (r.status_code, [h for h in r.headers.items() if h[0] != "X-Request-ID"], r.data)
            for r in (client.get(path) for path in paths)
        ]

    assert app.config["GEO112_CHECK_RESPONSES"]  # tests check every answer
    checked = answers()
    app.config["GEO112_CHECK_RESPONSES"] = False
    assert answers() == checked
    assert [status for status, _, _ in checked] == [200] * 5 + [404]
