"""Security headers on every kind of answer, error answers without stack trace or SQL, login rate limits."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy import text

from tests.conftest import PASSWORD
from web.assets import IMPORT_MAP_HASH
from web.auth import DEVICE_COOKIE, LOGIN_LIMIT

from .conftest import API

LIMIT = int(LOGIN_LIMIT.split()[0])


def _csp(headers) -> dict[str, str]:
    policy = headers["Content-Security-Policy"]
    return {d.split()[0]: d.partition(" ")[2] for d in (p.strip() for p in policy.split(";")) if d}


@pytest.mark.parametrize(
    "path",
    [
        "/login",
        f"{API}/openapi.json",
        f"{API}/incidents",
        "/nowhere",
        "/static/css/app.css",
        "/maps/console.js",
        "/r/forged-token",
        "/healthz",
    ],
)
def test_every_answer_carries_the_security_headers(client, path: str) -> None:
    headers = client.get(path).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    csp = _csp(headers)
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    # No inline script but the import map of the chart pages (by its hash), no eval, nothing from elsewhere.
    assert csp["script-src"] == f"'self' '{IMPORT_MAP_HASH}'"
    assert csp["default-src"] == "'self'" and csp["base-uri"] == "'self'"


def test_the_session_cookie_is_httponly_and_samesite(client, login) -> None:
    login("planner")
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"


@pytest.fixture
def failing_app(app):
    """The app with routes that fail as a bug would: SQL that errors, a Python exception."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer as in production instead of raising into the test

    @app.get("/boom/sql")
    def sql_error():
        from web.db import get_session

        get_session().execute(text("SELECT caller_phone FROM no_such_table WHERE secret = 'hunter2'"))

    @app.get("/boom/python")
    def python_error():
        raise RuntimeError("internal state: password=hunter2")

    @app.get("/r/<token>/boom")
    def responder_error(token: str):
        raise RuntimeError("a failure on a responder path")

    return app


@pytest.mark.parametrize("path", ["/boom/sql", "/boom/python"])
def test_a_failure_answers_json_500_without_trace_or_sql(failing_app, path: str, caplog) -> None:
    answer = failing_app.test_client().get(path)
    assert answer.status_code == 500
    body = answer.get_data(as_text=True)
    assert answer.get_json() == {"error": "internal_server_error", "detail": "the server failed; nothing was saved"}
    for leak in ("Traceback", "SELECT", "no_such_table", "hunter2", ".py"):
        assert leak not in body
    assert answer.headers["X-Request-ID"] and answer.headers["X-Content-Type-Options"] == "nosniff"
    # The cause is in the log, under the same request id, once.
    logged = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(logged) == 1 and logged[0].exc_info is not None


def test_every_log_line_is_one_json_object() -> None:
    """What else logs in a worker (a library, a listener thread that dies) writes JSON lines too, tracebacks
    inside them: a process of its own, as gunicorn's worker is, its standard error read whole."""
    script = """
import logging, threading
from web import create_app
create_app({"TESTING": True})
try:
    raise ConnectionError("server closed the connection unexpectedly")
except ConnectionError:
    logging.getLogger("sqlalchemy.pool.impl.QueuePool").error("Exception during reset", exc_info=True)
def listener():
    raise RuntimeError("listener lost")
dying = threading.Thread(target=listener, name="listen-test")
dying.start()
dying.join()
"""
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert run.returncode == 0 and lines, run.stderr[-2000:]
    entries = [json.loads(line) for line in lines]  # every line parses: no bare traceback line
    assert any(e["logger"] == "sqlalchemy.pool.impl.QueuePool" and "ConnectionError" in e["exception"] for e in entries)
    assert any("listen-test" in e["message"] and "listener lost" in e["exception"] for e in entries)


def test_a_database_error_from_a_refused_value_says_nothing_of_sql(client, login) -> None:
    headers = login("dispatcher")
    huge = client.get(f"{API}/incidents/{2**40}")  # past the id column's integer
    assert huge.status_code == 400 and "SELECT" not in huge.get_data(as_text=True)
    stored = client.post(
        f"{API}/incidents",
        headers=headers,
        json={"category": "medis", "lon": 112.56, "lat": -7.52, "address": "a\x00b"},
    )
    assert stored.status_code == 400 and "INSERT" not in stored.get_data(as_text=True)


def _api_login(client, username: str, password: str):
    token = client.get(f"{API}/auth/csrf").get_json()["csrf_token"]
    return client.post(
        f"{API}/auth/login", json={"username": username, "password": password}, headers={"X-CSRFToken": token}
    )


def test_login_attempts_are_rate_limited_per_account_and_address(client, users) -> None:
    for _ in range(LIMIT):
        assert _api_login(client, users["planner"], "wrong-password-1").status_code == 401
    blocked = _api_login(client, users["planner"], PASSWORD)  # even the right password, for now
    assert blocked.status_code == 429 and blocked.get_json()["error"] == "too_many_requests"
    # A colleague behind the same address still logs in.
    assert _api_login(client, users["dispatcher"], PASSWORD).status_code == 200
    # The form login counts too.
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    form = client.post("/login", data={"username": users["planner"], "password": PASSWORD, "csrf_token": token})
    assert form.status_code == 429


def test_failing_logins_in_a_name_cannot_lock_its_owner_out(app, client, users) -> None:
    owner = app.test_client()  # the planner's own browser: it logged in before
    assert _api_login(owner, users["planner"], PASSWORD).status_code == 200
    assert owner.get_cookie(DEVICE_COOKIE) is not None
    owner.post("/logout", headers={"X-CSRFToken": owner.get(f"{API}/auth/csrf").get_json()["csrf_token"]})
    # Someone else fails in the planner's name until every budget of browsers without the cookie is spent.
    failures = [_api_login(client, users["planner"], "wrong-password-1").status_code for _ in range(3 * LIMIT)]
    assert failures[:LIMIT] == [401] * LIMIT and set(failures[LIMIT:]) == {429}
    assert _api_login(client, users["planner"], PASSWORD).status_code == 429  # that browser waits
    # The owner's browser is counted apart: the right password logs in, and successes cost nothing.
    for _ in range(2 * LIMIT):
        assert _api_login(owner, users["planner"], PASSWORD).status_code == 200
    # A forged or foreign device cookie is no cookie.
    stranger = app.test_client()
    stranger.set_cookie(DEVICE_COOKIE, "eyJpZCI6IngiLCJ1c2VycyI6WyJ0ZXN0LXBsYW5uZXIiXX0.forged.sig")
    assert _api_login(stranger, users["planner"], PASSWORD).status_code == 429


def test_successful_logins_from_one_address_cost_nothing(client, users) -> None:
    for _ in range(2 * LIMIT):
        assert _api_login(client, users["dispatcher"], PASSWORD).status_code == 200


@pytest.mark.parametrize("target", ["/%09/evil.example/phish", "//evil.example", "/%5Cevil.example", "https://x.y/"])
def test_login_never_redirects_off_the_site(client, users, target: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    answer = client.post(
        f"/login?next={target}", data={"username": users["dispatcher"], "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/", answer.headers["Location"]


def test_trying_many_accounts_from_one_address_is_limited(client) -> None:
    answers = [_api_login(client, f"nobody-{i}", "guess-guess-1").status_code for i in range(61)]
    assert answers[:60] == [401] * 60 and answers[60] == 429


def test_an_exception_on_a_responder_path_logs_no_token(failing_app, caplog) -> None:
    token = "eyJhIjoxLCJ1IjoyfQ.secret-signature"
    assert failing_app.test_client().get(f"/r/{token}/boom").status_code == 500
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Exception on /r/<token>/boom [GET]" in logged and token not in logged
