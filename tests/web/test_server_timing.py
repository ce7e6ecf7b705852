"""``GEO112_SERVER_TIMING``: each answer says what it cost (the load test reads it), and only when asked."""

from __future__ import annotations

import re

SERVER_TIMING = re.compile(r"^total;dur=([\d.]+), cpu;dur=([\d.]+), sql;desc=(\d+)$")


def test_an_answer_carries_its_cpu_time_and_statements_when_asked(app, client, login) -> None:
    headers = login("dispatcher")
    assert "Server-Timing" not in client.get("/api/v1/console/changes").headers
    app.config["GEO112_SERVER_TIMING"] = True
    changes = SERVER_TIMING.match(client.get("/api/v1/console/changes", headers=headers).headers["Server-Timing"])
    assert changes is not None
    total, cpu, statements = float(changes[1]), float(changes[2]), int(changes[3])
    assert 0 < cpu <= total and statements >= 1  # the change cursor at least
    health = SERVER_TIMING.match(client.get("/healthz").headers["Server-Timing"])
    assert health is not None and int(health[3]) == 0  # liveness never touches the database
