"""Privacy: callers' names and phone numbers reach dispatchers and admins only, and never the logs."""

from __future__ import annotations

import json
import logging

import pytest

from web.logging import JsonFormatter

from .conftest import API

NAME, PHONE = "Siti Rahayu Wulandari", "+62 812-3456-7890"


def _shows_caller(text: str) -> bool:
    # The phone's digits as written or run together; "3456" alone also turns up in ids and coordinates.
    return NAME in text or "3456-7890" in text or "34567890" in text


@pytest.fixture
def call(new_incident) -> dict:
    """An incident whose caller gave a name and a phone number."""
    return new_incident(caller_name=NAME, caller_phone=PHONE, description="sesak napas")


def _views(client, incident_id: int) -> list[str]:
    paths = (f"{API}/incidents/{incident_id}", f"{API}/incidents?limit=500", f"{API}/incidents/{incident_id}/timeline")
    return [client.get(p).get_data(as_text=True) for p in paths]


@pytest.mark.parametrize("role", ["dispatcher", "admin"])
def test_dispatchers_and_admins_see_the_caller(client, login, call, role: str) -> None:
    login(role)
    incident = client.get(f"{API}/incidents/{call['id']}").get_json()
    assert (incident["caller_name"], incident["caller_phone"]) == (NAME, PHONE)
    assert all(NAME in body and PHONE in body for body in _views(client, call["id"]))


def test_planners_see_the_caller_masked(client, login, call) -> None:
    login("planner")
    incident = client.get(f"{API}/incidents/{call['id']}").get_json()
    assert (incident["caller_name"], incident["caller_phone"]) == ("•••", "•••90")
    assert incident["description"] == "sesak napas"  # what planners need stays
    for body in _views(client, call["id"]):
        assert not _shows_caller(body)
    created = client.get(f"{API}/incidents/{call['id']}/timeline").get_json()["events"][0]
    assert created["after"]["caller_phone"] == "•••90"


def test_planner_exports_hold_no_caller(client, login, call) -> None:
    from geo112.analytics.export import TABLES
    from web.analytics import API as ANALYTICS

    login("planner")
    for table in TABLES:
        export = client.get(f"{ANALYTICS}/export.csv", query_string={"table": table})
        assert export.status_code == 200, table
        assert not _shows_caller(export.get_data(as_text=True))


def test_the_responder_link_shows_no_caller(app, client, login, call, api_unit) -> None:
    headers = login("dispatcher")
    link = (
        client.post(f"{API}/incidents/{call['id']}/assignments", json={"unit_id": api_unit}, headers=headers)
        .get_json()["responder_url"]
        .replace("http://localhost", "")
    )
    crew = app.test_client()
    data = crew.get(f"{link}?format=json").get_json()
    assert data["incident"]["description"] == "sesak napas" and data["navigation"]["geo"].startswith("geo:")
    for body in (json.dumps(data, ensure_ascii=False), crew.get(link).get_data(as_text=True)):
        assert not _shows_caller(body)


def test_callers_are_never_written_to_the_logs(app, client, login, caplog) -> None:
    caplog.set_level(logging.DEBUG)  # everything any logger writes,
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # SQL included, as when debugging the database
    headers = login("dispatcher")
    created = client.post(
        f"{API}/incidents",
        headers=headers,
        json={"category": "medis", "lon": 112.56, "lat": -7.52, "caller_name": NAME, "caller_phone": PHONE},
    )
    assert created.status_code == 201
    incident_id = created.get_json()["id"]
    client.patch(f"{API}/incidents/{incident_id}", headers=headers, json={"caller_name": NAME + " Putri"})
    refused = client.post(
        f"{API}/incidents",
        headers=headers,
        json={"category": "nope", "lon": 112.56, "lat": -7.52, "caller_name": NAME, "caller_phone": PHONE},
    )
    assert refused.status_code == 422
    client.get(f"{API}/incidents/{incident_id}")
    lines = [JsonFormatter().format(r) for r in caplog.records]
    assert any('"path": "/api/v1/incidents"' in line for line in lines)  # the requests were logged,
    assert any("INSERT INTO incident" in line for line in lines)  # and the SQL
    for line in lines:
        assert "Siti" not in line and "3456-7890" not in line and "34567890" not in line, line
