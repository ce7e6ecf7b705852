"""What is ended stays ended: sessions after logout, a new password or a disabled account; a responder link
after a new one is issued; the buttons of a closed incident's link."""

from __future__ import annotations

import pytest

from geo112.accounts.users import create_user, disable_user, get_user, set_password
from geo112.store.db import session_factory
from tests.conftest import PASSWORD

from .conftest import API


def _copy(cookie_from, app):
    """A second client holding a copy of the first client's session cookie (as a thief would)."""
    thief = app.test_client()
    thief.set_cookie("session", cookie_from.get_cookie("session").value)
    return thief


def test_a_copied_session_cookie_dies_with_logout(app, client, login) -> None:
    headers = login("dispatcher")
    thief = _copy(client, app)
    assert thief.get(f"{API}/auth/me").status_code == 200
    assert client.post("/logout", headers=headers).status_code == 302
    assert thief.get(f"{API}/auth/me").status_code == 401
    assert thief.get("/console").status_code == 302  # the page sends it to the login


@pytest.mark.parametrize("end", [lambda user: set_password(user, "a-brand-new-password"), disable_user])
def test_a_new_password_or_a_disabled_account_ends_every_session(client, database, end) -> None:
    token = client.get(f"{API}/auth/csrf").get_json()["csrf_token"]
    username = f"revoke-{abs(hash(end)) % 10_000}"
    with session_factory(database).begin() as session:
        create_user(session, username, PASSWORD, "planner")
    answer = client.post(f"{API}/auth/login", json={"username": username, "password": PASSWORD},
                         headers={"X-CSRFToken": token})  # fmt: skip
    assert answer.status_code == 200
    assert client.get(f"{API}/auth/me").status_code == 200
    with session_factory(database).begin() as session:
        end(get_user(session, username))
    assert client.get(f"{API}/auth/me").status_code == 401


def test_a_reissued_link_replaces_the_old_one(app, client, login, new_incident, api_unit) -> None:
    incident = new_incident()
    headers = login("dispatcher")
    assignment = client.post(
        f"{API}/incidents/{incident['id']}/assignments", json={"unit_id": api_unit}, headers=headers
    ).get_json()
    old = assignment["responder_url"].replace("http://localhost", "")
    crew = app.test_client()
    assert crew.get(f"{old}?format=json").status_code == 200
    new = client.post(f"{API}/assignments/{assignment['id']}/link", headers=headers).get_json()["responder_url"]
    new = new.replace("http://localhost", "")
    assert new != old
    gone = crew.post(f"{old}/status", json={"action": "en_route"})
    assert gone.status_code == 410 and "newer" in gone.get_json()["detail"]
    assert crew.get(f"{old}?format=json").status_code == 410
    assert crew.post(f"{new}/status", json={"action": "acknowledged"}).status_code == 200
    timeline = client.get(f"{API}/incidents/{incident['id']}/timeline").get_json()["events"]
    assert [e["after"] for e in timeline if e["action"] == "assignment.link_reissued"] == [{"link_version": 1}]


def test_a_closed_incidents_link_is_a_read_only_page(app, client, login, new_incident, api_unit) -> None:
    incident = new_incident()
    headers = login("dispatcher")
    assignment = client.post(
        f"{API}/incidents/{incident['id']}/assignments", json={"unit_id": api_unit}, headers=headers
    ).get_json()
    link = assignment["responder_url"].replace("http://localhost", "")
    for status in ("en_route", "on_scene", "returning"):
        moved = client.post(f"{API}/units/{api_unit}/status", json={"status": status}, headers=headers)
        assert moved.status_code == 200
    closed = client.post(f"{API}/incidents/{incident['id']}/close", json={"disposition": "handled"}, headers=headers)
    assert closed.status_code == 200
    crew = app.test_client()
    page = crew.get(f"{link}?lang=id")
    assert page.status_code == 200 and 'data-testid="closed"' in page.get_data(as_text=True)
    assert "<button" not in page.get_data(as_text=True)
    data = crew.get(f"{link}?format=json").get_json()
    assert data["incident"]["closed"] is True and data["actions"] == [] and data["route"] is None
    refused = crew.post(f"{link}/status", json={"action": "acknowledged"})
    assert refused.status_code == 409 and "closed" in refused.get_json()["detail"]


def test_the_openapi_document_names_each_role_once(client) -> None:
    for path in client.get(f"{API}/openapi.json").get_json()["paths"].values():
        for operation in path.values():
            for requirement in operation.get("security", []):
                roles = requirement["session"]
                assert len(roles) == len(set(roles)) and "admin" in roles, operation["operationId"]
