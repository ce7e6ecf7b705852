"""Login limits behind the front door: the app counts the client's address, not the proxy's, and a client
cannot name another address for itself. Guessing from one address (127.0.0.2) is stopped while a dispatcher at
another (127.0.0.1) logs in, however many failures went before and whatever X-Forwarded-For the guesser sends."""

from __future__ import annotations

import http.client
import json
import ssl
from pathlib import Path

from geo112.config import Settings
from geo112.network import Network
from tests.reliability.harness import PASSWORD, serve_process
from tests.reliability.test_front_door import proxy, proxy_env

GUESSER, DISPATCHER = "127.0.0.2", "127.0.0.1"


def _login(port: int, cert: Path, source: str, username: str, password: str, forwarded: str | None = None) -> int:
    """One JSON login over HTTPS from ``source``, on a connection of its own; the answer's status."""
    context = ssl.create_default_context(cafile=str(cert))
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, source_address=(source, 0), timeout=30)
    try:
        conn.request("GET", "/api/v1/auth/csrf")
        answer = conn.getresponse()
        token, cookie = json.loads(answer.read())["csrf_token"], answer.getheader("Set-Cookie", "").split(";")[0]
        headers = {"Content-Type": "application/json", "X-CSRFToken": token, "Cookie": cookie,
                   "Referer": f"https://127.0.0.1:{port}/login"}  # fmt: skip
        if forwarded:
            headers["X-Forwarded-For"] = forwarded
        conn.request("POST", "/api/v1/auth/login", json.dumps({"username": username, "password": password}), headers)
        return conn.getresponse().status
    finally:
        conn.close()


def test_guessing_from_one_address_never_locks_out_a_dispatcher_at_another(
    served_database: str, settings: Settings, network: Network, tmp_path: Path
) -> None:
    app_env = {"GEO112_PROXY_HOPS": "1", "GEO112_SECURE_COOKIES": "1"}
    with serve_process(served_database, settings.cache_dir, 2, 4, env=app_env) as (app, _):
        env = proxy_env(tmp_path, app.removeprefix("http://"), plain=False)
        assert proxy("start", env).returncode == 0
        try:
            port, cert = int(env["GEO112_PROXY_PORT"]), tmp_path / "proxy" / "tls" / "cert.pem"
            guesses = [
                _login(port, cert, GUESSER, "load-dispatcher-0", "guess-guess-1", forwarded=DISPATCHER)
                for _ in range(15)
            ]
            assert guesses[:10] == [401] * 10 and set(guesses[10:]) == {429}, guesses  # the app stopped them
            # The guesses named the dispatcher's address in X-Forwarded-For: the app took the proxy's entry, so
            # the dispatcher's own budget is whole (with the proxy's address for everyone, this is a 429).
            assert _login(port, cert, DISPATCHER, "load-dispatcher-0", PASSWORD) == 200
        finally:
            assert proxy("stop", env).returncode == 0
