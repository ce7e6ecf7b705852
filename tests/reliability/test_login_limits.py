"""Login limits under gunicorn with two workers: one budget per account and address, kept in Redis and shared
by the workers, whatever spelling of the username is sent."""

from __future__ import annotations

import json
import time
from pathlib import Path

import requests

from geo112.accounts.users import create_user
from geo112.store.db import session_factory
from web.auth import LOGIN_LIMIT

LIMIT = int(LOGIN_LIMIT.split()[0])
PASSWORD = "limit-probe-112"
#: One account, every spelling a login accepts for it (trimmed and folded the same way).
SPELLINGS = ["limit-probe", "limit-probe ", " limit-probe", "\tlimit-probe", "limit-probe\n", "LIMIT-PROBE"]


def _attempt(base: str, username: str, password: str) -> int:
    """One login attempt on a connection of its own, so that the attempts spread over the workers."""
    with requests.Session() as client:
        client.headers["Connection"] = "close"
        token = client.get(f"{base}/api/v1/auth/csrf", timeout=30).json()["csrf_token"]
        answer = client.post(
            f"{base}/api/v1/auth/login",
            json={"username": username, "password": password},
            headers={"X-CSRFToken": token},
            timeout=30,
        )
        return answer.status_code


def test_two_workers_share_one_budget_for_every_spelling(served: str, served_database: str, server_log: Path) -> None:
    with session_factory(served_database).begin() as session:
        create_user(session, "limit-probe", PASSWORD, "dispatcher")
    answers = [_attempt(served, SPELLINGS[i % len(SPELLINGS)], "wrong-password-1") for i in range(3 * LIMIT)]
    assert answers[:LIMIT] == [401] * LIMIT, answers
    assert answers[LIMIT:] == [429] * (2 * LIMIT), answers  # not twice the budget with two workers
    assert _attempt(served, " limit-probe", PASSWORD) == 429  # the right password waits too
    time.sleep(0.5)
    entries = [json.loads(line) for line in server_log.read_text().splitlines() if line.startswith("{")]
    refused_by = {e["pid"] for e in entries if e.get("path") == "/api/v1/auth/login" and e.get("status") == 429}
    assert len(refused_by) == 2, refused_by  # both workers refused attempts: the count is theirs in common
