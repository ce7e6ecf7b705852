"""The admin's users operations: each change is in the audit trail (never a password), a new password or a
disabled account ends the user's sessions, an admin cannot lock themselves out, and the list says who is
logged in (from the recorded logins and logouts). Changes are committed: usernames are unique per run."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from geo112.store.db import session_factory
from geo112.store.models import Event
from tests.conftest import PASSWORD

USERS = "/api/v1/users"


def _events(database: str, user_id: str) -> list[Event]:
    with session_factory(database)() as s:
        return list(s.scalars(select(Event).where(Event.entity == "app_user", Event.entity_id == user_id)))


def _listed(client, username: str) -> dict:
    return next(u for u in client.get(USERS).get_json()["items"] if u["username"] == username)


def _log_in(app, username: str, password: str):
    other = app.test_client()
    token = other.get("/api/v1/auth/csrf").get_json()["csrf_token"]
    answer = other.post("/api/v1/auth/login", json={"username": username, "password": password},
                        headers={"X-CSRFToken": token})  # fmt: skip
    return other, answer


def test_users_are_added_changed_and_audited(app, client, login, users, database) -> None:
    headers = login("admin")
    name = f"opr-{uuid.uuid4().hex[:6]}"
    added = client.post(USERS, json={"username": name, "password": "sandi-rahasia-1", "role": "dispatcher"},
                        headers=headers)  # fmt: skip
    assert added.status_code == 201 and added.get_json()["role"] == "dispatcher"
    assert client.post(USERS, json={"username": name, "password": "sandi-rahasia-1", "role": "dispatcher"},
                       headers=headers).status_code == 409  # fmt: skip
    officer = client.patch(f"{USERS}/{name}", json={"role": "officer"}, headers=headers)
    assert officer.status_code == 400 and "agency" in officer.get_json()["detail"]

    # The user logs in: listed as logged in; a new password ends that session and it is listed no more.
    their_client, answer = _log_in(app, name, "sandi-rahasia-1")
    assert answer.status_code == 200 and _listed(client, name)["logged_in"] is True
    assert client.patch(f"{USERS}/{name}", json={"password": "sandi-baru-123"}, headers=headers).status_code == 200
    assert their_client.get("/api/v1/auth/me").status_code == 401
    assert _listed(client, name)["logged_in"] is False
    assert _log_in(app, name, "sandi-baru-123")[1].status_code == 200

    assert client.patch(f"{USERS}/{name}", json={"active": False}, headers=headers).get_json()["active"] is False
    assert _log_in(app, name, "sandi-baru-123")[1].status_code == 401

    user_id = str(_user_id(database, name))
    actions = [e.action for e in _events(database, user_id)]
    assert actions == ["user.created", "user.login", "user.password", "user.login", "user.disabled"]
    assert all("password" not in str(e.after or {}) for e in _events(database, user_id))


def _user_id(database: str, username: str) -> int:
    with session_factory(database)() as s:
        return s.scalar(select(Event.entity_id).where(Event.action == "user.created",
                                                      Event.after["username"].astext == username))  # fmt: skip


def test_an_admin_cannot_lock_themselves_out_and_others_are_refused(client, login, users) -> None:
    headers = login("admin")
    for change in ({"active": False}, {"role": "dispatcher"}):
        answer = client.patch(f"{USERS}/{users['admin']}", json=change, headers=headers)
        assert answer.status_code == 400 and "another admin" in answer.get_json()["detail"]
    assert client.get(f"{USERS}").status_code == 200
    headers = login("planner")
    assert client.get(USERS).status_code == 403
    assert client.get("/admin").status_code == 403
    assert client.post(USERS, json={"username": "x1", "password": PASSWORD, "role": "admin"},
                       headers=headers).status_code == 403  # fmt: skip
