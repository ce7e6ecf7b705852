"""Operations: probes, structured logs, the body limit under the real server, backup and restore."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from geo112.store.db import session_factory
from geo112.store.models import Event, Incident
from tests.conftest import recreate_database
from tests.reliability.harness import login


def test_probes(served: str) -> None:
    assert requests.get(f"{served}/healthz", timeout=30).json() == {"status": "ok"}
    ready = requests.get(f"{served}/readyz", timeout=60).json()
    assert ready == {"status": "ready", "checks": {"database": "ok", "routing": "ok"}}


def test_structured_logs_carry_the_request_and_no_token(served: str, server_log: Path) -> None:
    dispatcher = login(served, "load-dispatcher-0", "load-test-112")
    incident = dispatcher.post(
        f"{served}/api/v1/incidents",
        timeout=60,
        headers={"X-Request-ID": "call-4711"},
        json={"category": "medis", "lon": 112.56, "lat": -7.52},
    )
    assert incident.headers["X-Request-ID"] == "call-4711"
    unit = dispatcher.get(f"{served}/api/v1/units?status=available&limit=1", timeout=60).json()["items"][0]["id"]
    link = dispatcher.post(
        f"{served}/api/v1/incidents/{incident.json()['id']}/assignments", timeout=60, json={"unit_id": unit}
    ).json()["responder_url"]
    token = link.rsplit("/", 1)[1]
    assert requests.get(link, timeout=60, headers={"X-Request-ID": "<script>"}).headers["X-Request-ID"] != "<script>"
    # Every path a token travels in: the page, its JSON, a press, a wrong method, a wrong sub-path, a bad line.
    assert requests.get(f"{link}?format=json", timeout=60).status_code == 200
    assert requests.post(f"{link}/status", json={"action": "acknowledged"}, timeout=60).status_code == 200
    assert requests.get(f"{link}/status", timeout=60).status_code == 405
    assert requests.get(f"{link}/nowhere", timeout=60).status_code == 404
    with socket.create_connection((urlsplit(served).hostname, urlsplit(served).port), timeout=30) as raw:
        raw.sendall(f"GET /r/{token}\x7f HTTP/1.1\r\nHost: x\r\n\r\n".encode())  # a character a URI may not hold
        assert raw.recv(1024).startswith(b"HTTP/1.1 400")
    dispatcher.post(f"{served}/api/v1/units/{unit}/status", json={"status": "available"}, timeout=60)
    time.sleep(0.5)  # let the workers flush
    lines = [json.loads(line) for line in server_log.read_text().splitlines() if line.startswith("{")]
    mine = [entry for entry in lines if entry.get("request_id") == "call-4711"]
    assert mine and mine[-1]["method"] == "POST" and mine[-1]["path"] == "/api/v1/incidents"
    assert mine[-1]["status"] == 201 and mine[-1]["duration_ms"] > 0 and mine[-1]["level"] == "INFO"
    # What the request cost: the serving thread's CPU, and its statements (locate, insert, event at least).
    assert 0 < mine[-1]["cpu_ms"] <= mine[-1]["duration_ms"] and mine[-1]["statements"] >= 3
    assert any(entry.get("path") == "/r/<token>" for entry in lines)
    assert any(entry.get("path") == "/r/<token>/nowhere" and entry["status"] == 404 for entry in lines)
    text = server_log.read_text()
    assert '"GET /r/<token>/status HTTP/1.1" 405' in text  # gunicorn's access log, redacted
    assert "Invalid HTTP request line" in text and "/r/<token>" in text  # gunicorn's error log, redacted
    assert token not in text


def test_a_chunked_body_past_the_limit_is_cut_at_1_mib(served: str) -> None:
    dispatcher = login(served, "load-dispatcher-1", "load-test-112")
    chunks = iter([b'{"category": "medis", "description": "'] + [b"x" * 65536] * 40 + [b'"}'])
    answer = dispatcher.post(
        f"{served}/api/v1/incidents", data=chunks, timeout=60, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 413 and answer.json()["error"] == "request_entity_too_large"


def _libpq(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    return (parsed.set(database=database) if database else parsed).render_as_string(hide_password=False)


def test_a_dump_restores_every_incident_and_event(served_database: str, served: str, tmp_path: Path) -> None:
    # Some incidents and events of its own, so the dump holds at least those.
    dispatcher = login(served, "load-dispatcher-2", "load-test-112")
    for _ in range(3):
        assert (
            dispatcher.post(
                f"{served}/api/v1/incidents", timeout=60, json={"category": "banjir", "lon": 112.5, "lat": -7.45}
            ).status_code
            == 201
        )
    dump = tmp_path / "geo112.dump"
    # The commands of docs/operations.md.
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", f"--dbname={_libpq(served_database)}"],
        check=True,
        timeout=300,
    )
    restored = make_url(served_database).set(database=f"{make_url(served_database).database}_restored")
    restored_url = restored.render_as_string(hide_password=False)
    recreate_database(restored_url)
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_libpq(restored_url)}", str(dump)],
        check=True,
        timeout=300,
    )

    def contents(url: str) -> tuple[list, list]:
        with session_factory(url)() as s:
            incidents = s.execute(
                select(Incident.id, Incident.status, Incident.caller_phone, func.ST_AsText(Incident.geom)).order_by(
                    Incident.id
                )
            ).all()
            events = s.execute(select(Event.id, Event.action, Event.at, Event.after).order_by(Event.id)).all()
        return incidents, events

    original, copy = contents(served_database), contents(restored_url)
    assert len(original[0]) >= 3 and len(original[1]) >= 3
    assert copy == original
    # the audit trail is still append-only in the copy
    with session_factory(restored_url)() as s, pytest.raises(Exception, match=r"append-only|not allowed|refuse"):
        s.execute(text("DELETE FROM event"))
