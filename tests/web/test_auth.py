"""Logging in, roles, CSRF and security headers."""

from __future__ import annotations

from tests.conftest import PASSWORD


def test_api_login_requires_csrf_and_right_password(client, users) -> None:
    body = {"username": users["dispatcher"], "password": PASSWORD}
    assert client.post("/api/v1/auth/login", json=body).status_code == 400  # no CSRF token
    token = client.get("/api/v1/auth/csrf").get_json()["csrf_token"]
    wrong = client.post(
        "/api/v1/auth/login", json=body | {"password": "nope-nope-nope"}, headers={"X-CSRFToken": token}
    )
    assert wrong.status_code == 401 and wrong.get_json()["error"] == "unauthorized"
    assert client.get("/api/v1/auth/me").status_code == 401
    ok = client.post("/api/v1/auth/login", json=body, headers={"X-CSRFToken": token})
    assert ok.status_code == 200 and ok.get_json()["role"] == "dispatcher"
    assert client.get("/api/v1/auth/me").get_json()["username"] == users["dispatcher"]


def test_form_login_redirects_and_pages_need_login(client, users) -> None:
    assert client.get("/").status_code == 302
    page = client.get("/login")
    assert page.status_code == 200 and b"csrf_token" in page.data
    token = page.data.split(b'name="csrf_token" value="')[1].split(b'"')[0].decode()
    bad = client.post("/login", data={"username": users["planner"], "password": "x" * 12, "csrf_token": token})
    assert bad.status_code == 401
    good = client.post(
        "/login?next=//evil.example/", data={"username": users["planner"], "password": PASSWORD, "csrf_token": token}
    )
    assert good.status_code == 302 and good.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_security_headers(client) -> None:
    headers = client.get("/login").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]


def test_ui_speaks_indonesian_and_english(client) -> None:
    assert "Kata sandi" in client.get("/login").get_data(as_text=True)
    assert "Password" in client.get("/login?lang=en").get_data(as_text=True)
