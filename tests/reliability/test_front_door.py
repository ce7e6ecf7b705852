"""The front door: nginx (``scripts/proxy.sh``) in front of gunicorn holds slow clients, so that the app keeps
answering; its access log holds no link token and no query string.

Without it, 16 clients sending their headers or body at 1 byte/s hold every thread of gunicorn (2 workers x 4
threads, gthread) and ``/healthz`` times out for as long as they go on. Here the same attack (16, then 256
connections, over TLS) goes to the proxy while a dispatcher's probe asks ``/healthz`` and records a call
(``POST /api/v1/incidents``) through it every 0.2 s: each probe must succeed, the 95th percentile within 1 s.
The attack comes from 127.0.0.2 (loopback too), the dispatcher from 127.0.0.1: the proxy counts connections per
address, and a call centre is one address to it.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import statistics
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
import requests

from geo112.config import Settings
from geo112.network import Network
from tests.reliability.harness import PASSWORD, REPO, free_port, serve_process

PROXY = REPO / "scripts" / "proxy.sh"
#: The attack's source address, apart from the dispatchers' 127.0.0.1.
ATTACKER = "127.0.0.2"
#: How long each attack is probed, how often, and how long a probe may take before it counts as failed.
PROBE_S, INTERVAL_S, PROBE_TIMEOUT_S = 18.0, 0.2, 5.0
P95_LIMIT_S = 1.0
#: A slow body: complete headers announcing this many bytes, then one byte a second.
BODY_BYTES = 100_000


@dataclass
class Front:
    """The app under gunicorn with the proxy in front; the proxy's HTTP port serves plainly (tests)."""

    https: str
    http: str
    app: str
    cert: Path
    logs: Path
    env: dict[str, str]
    dispatcher: requests.Session


def proxy(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``scripts/proxy.sh command`` with ``env`` added to this process's environment."""
    return subprocess.run(
        ["bash", str(PROXY), command], env={**os.environ, **env}, capture_output=True, text=True, timeout=120
    )


def proxy_env(run_dir: Path, upstream: str, plain: bool) -> dict[str, str]:
    """The environment of a proxy on two free ports of 127.0.0.1 with its files in ``run_dir``."""
    https_port = free_port()
    http_port = free_port()
    while http_port == https_port:
        http_port = free_port()
    env = {
        "GEO112_RUN_DIR": str(run_dir),
        "GEO112_PROXY_PORT": str(https_port),
        "GEO112_PROXY_HTTP_PORT": str(http_port),
        "GEO112_UPSTREAM": upstream,
        "GEO112_PROXY_PLAIN_HTTP": "1" if plain else "0",
    }
    if os.geteuid() == 0:  # pytest's temporary directories (0700) are out of www-data's reach
        env["GEO112_PROXY_USER"] = "root"
    return env


def log_in(base: str, cert: Path, username: str) -> requests.Session:
    """A dispatcher logged in through the proxy, as a browser would: over HTTPS, with a Referer (an HTTPS form
    must carry one, Flask-WTF), a new connection for every request."""
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE would take the place of the session's verify
    session.verify = str(cert)
    session.headers.update({"Referer": f"{base}/console", "Connection": "close"})
    token = session.get(f"{base}/api/v1/auth/csrf", timeout=30).json()["csrf_token"]
    answer = session.post(
        f"{base}/api/v1/auth/login",
        json={"username": username, "password": PASSWORD},
        headers={"X-CSRFToken": token},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    session.headers["X-CSRFToken"] = answer.json()["csrf_token"]
    return session


@pytest.fixture(scope="module")
def front(
    served_database: str, settings: Settings, network: Network, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Front]:
    """gunicorn (2 workers x 4 threads) told it is behind one proxy over HTTPS, and the proxy in front."""
    app_env = {"GEO112_PROXY_HOPS": "1", "GEO112_SECURE_COOKIES": "1"}
    with serve_process(served_database, settings.cache_dir, workers=2, threads=4, env=app_env) as (app, _):
        run_dir = tmp_path_factory.mktemp("front-door")
        env = proxy_env(run_dir, app.removeprefix("http://"), plain=True)
        try:
            started = proxy("start", env)
            assert started.returncode == 0, started.stdout + started.stderr
            https = f"https://127.0.0.1:{env['GEO112_PROXY_PORT']}"
            cert = run_dir / "proxy" / "tls" / "cert.pem"
            yield Front(
                https=https,
                http=f"http://127.0.0.1:{env['GEO112_PROXY_HTTP_PORT']}",
                app=app,
                cert=cert,
                logs=run_dir / "proxy" / "logs",
                env=env,
                dispatcher=log_in(https, cert, "load-dispatcher-5"),
            )
        finally:
            stopped = proxy("stop", env)
            assert stopped.returncode == 0, stopped.stdout + stopped.stderr


@dataclass
class Probes:
    """Latencies (s) of the probes by name, and the failures."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {"healthz": [], "dispatch": []})
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = []
        for name, values in self.latencies.items():
            p50, p95 = percentiles(values)
            parts.append(f"{name} p50 {p50 * 1000:.0f} ms p95 {p95 * 1000:.0f} ms (n={len(values)})")
        return ", ".join(parts) + f", failed {len(self.failures)}"


def percentiles(values: list[float]) -> tuple[float, float]:
    """The median and the 95th percentile."""
    return statistics.median(values), statistics.quantiles(values, n=20, method="inclusive")[18]


def probe(base: str, session: requests.Session | None, verify: str | bool, seconds: float, timeout: float) -> Probes:
    """Every :data:`INTERVAL_S` for ``seconds``: ``/healthz`` on a new connection, and a call recorded by the
    logged-in dispatcher ``session`` (new connection too) unless it is None."""
    result = Probes()
    tag = f"front-door-{uuid.uuid4().hex[:8]}"
    calls: list[tuple[str, Callable[[], requests.Response], int]] = [
        (
            "healthz",
            lambda: requests.get(f"{base}/healthz", verify=verify, timeout=timeout, headers={"Connection": "close"}),
            200,
        ),
        (
            "dispatch",
            lambda: session.post(  # type: ignore[union-attr]
                f"{base}/api/v1/incidents",
                json={"category": "kebakaran", "lon": 112.56, "lat": -7.52, "description": tag},
                timeout=timeout,
            ),
            201,
        ),
    ]
    if session is None:
        calls.pop()
        result.latencies.pop("dispatch")
    end = time.monotonic() + seconds
    for _ in range(int(seconds / INTERVAL_S) + 1):
        if time.monotonic() >= end:
            break
        tick = time.monotonic()
        for name, call, expected in calls:
            started = time.perf_counter()
            try:
                status: int | str = call().status_code
            except requests.RequestException as exc:
                status = type(exc).__name__
            result.latencies[name].append(time.perf_counter() - started)
            if status != expected:
                result.failures.append(f"{name}: {status}")
        time.sleep(max(0.0, INTERVAL_S - (time.monotonic() - tick)))
    return result


@dataclass
class Connection:
    """One slow client: its socket and how much of its trickle it has sent."""

    sock: socket.socket
    sent: int = 0


class SlowClients(threading.Thread):
    """``count`` connections from :data:`ATTACKER` to 127.0.0.1:``port``, each sending its request one byte a
    second: ``headers`` never finishes its header; ``body`` sends complete headers announcing
    :data:`BODY_BYTES` bytes, then the body. A connection the server answers or closes is opened again on the
    next second (at most ``8 * count`` openings in all); everything stops after ``seconds`` at the latest."""

    def __init__(self, port: int, count: int, kind: str, tls: bool, seconds: float) -> None:
        super().__init__(daemon=True)
        self.port, self.count, self.kind, self.seconds = port, count, kind, seconds
        self.context: ssl.SSLContext | None = None
        if tls:
            self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            self.context.check_hostname = False
            self.context.verify_mode = ssl.CERT_NONE
        if kind == "headers":
            self.head, self.trickle = b"", b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Slow: 1\r\n" * 50
        else:
            self.head = (
                b"POST /api/v1/incidents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n" % BODY_BYTES
            )
            self.trickle = b"x" * BODY_BYTES
        self.ready, self.halt = threading.Event(), threading.Event()
        self.opened, self.closed_by_server, self.most_open = 0, 0, 0
        self.answers: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()

    def _open(self) -> Connection | None:
        if self.opened >= 8 * self.count:
            return None
        self.opened += 1
        try:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=5, source_address=(ATTACKER, 0))
            if self.context:
                sock = self.context.wrap_socket(sock, server_hostname="127.0.0.1")
            sock.sendall(self.head)
            sock.setblocking(False)
        except OSError as exc:
            self.errors[type(exc).__name__] += 1
            return None
        return Connection(sock)

    def _tend(self, conn: Connection) -> bool:
        """Read what the server said, if anything, then send the next byte; False once the connection is over."""
        sock, sent = conn.sock, conn.sent
        try:
            data = sock.recv(4096)
        except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
            data = None
        except OSError:
            data = b""
        if data is not None:
            if data:
                self.answers[data.split(b"\r\n", 1)[0].split(b" ")[1].decode()] += 1
            else:
                self.closed_by_server += 1
            sock.close()
            return False
        try:
            sock.send(self.trickle[sent : sent + 1])
            conn.sent = sent + 1
        except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
            pass
        except OSError:
            self.closed_by_server += 1
            sock.close()
            return False
        return True

    def run(self) -> None:
        deadline = time.monotonic() + self.seconds
        conns = [self._open() for _ in range(self.count)]
        self.ready.set()
        while not self.halt.is_set() and time.monotonic() < deadline:
            tick = time.monotonic()
            conns = [c if c is not None and self._tend(c) else self._open() for c in conns]
            self.most_open = max(self.most_open, sum(c is not None for c in conns))
            self.halt.wait(max(0.0, 1.0 - (time.monotonic() - tick)))
        for conn in conns:
            if conn is not None:
                conn.sock.close()

    def summary(self) -> str:
        return (
            f"{self.kind} at 1 byte/s x {self.count}: {self.opened} connections opened, at most {self.most_open} "
            f"open at once, answered {dict(self.answers)}, closed by the server {self.closed_by_server}, "
            f"failed to open {dict(self.errors)}"
        )


def attacked(port: int, count: int, kind: str, tls: bool, run: Callable[[], Probes]) -> tuple[SlowClients, Probes]:
    """Run ``run`` (the probes) while :class:`SlowClients` attack ``port``; stop the attack after it."""
    attack = SlowClients(port, count, kind, tls, seconds=PROBE_S + 15)
    attack.start()
    try:
        assert attack.ready.wait(30)
        probes = run()
    finally:
        attack.halt.set()
        attack.join(30)
    return attack, probes


def access_log(front: Front) -> list[dict[str, object]]:
    """The proxy's access log, one JSON object a line."""
    return [json.loads(line) for line in (front.logs / "access.log").read_text().splitlines()]


def test_dispatchers_get_through_the_proxy_without_attack(front: Front) -> None:
    probes = probe(front.https, front.dispatcher, str(front.cert), 5.0, PROBE_TIMEOUT_S)
    print(f"\nfront door, no attack ({date.today()}): {probes.summary()}")
    assert not probes.failures, probes.failures
    for values in probes.latencies.values():
        assert percentiles(values)[1] <= P95_LIMIT_S


@pytest.mark.slow
@pytest.mark.parametrize("count", [16, 256])
@pytest.mark.parametrize("kind", ["headers", "body"])
def test_slow_clients_do_not_starve_the_app_behind_the_proxy(front: Front, kind: str, count: int) -> None:
    port = int(front.env["GEO112_PROXY_PORT"])
    attack, probes = attacked(
        port, count, kind, True, lambda: probe(front.https, front.dispatcher, str(front.cert), PROBE_S, PROBE_TIMEOUT_S)
    )
    print(f"\nfront door, {attack.summary()} ({date.today()}): {probes.summary()}")
    assert attack.most_open >= 0.9 * count, attack.summary()  # the attack was on
    assert not probes.failures, probes.failures
    for name, values in probes.latencies.items():
        assert percentiles(values)[1] <= P95_LIMIT_S, (name, probes.summary())
    if kind == "body" and count > 200:
        assert attack.answers["429"] > 0  # beyond 200 requests at once from one address
    time.sleep(0.5)  # the proxy logs a request when its connection ends
    from_attacker = [e for e in access_log(front) if e["client"] == ATTACKER]
    assert from_attacker and all(e["upstream_status"] == "" for e in from_attacker)  # none reached gunicorn


@pytest.mark.slow
def test_without_the_proxy_slow_clients_hold_gunicorn(front: Front) -> None:
    """The contrast, printed: the same attack (16 slow headers) on gunicorn itself, probed for 8 s."""
    port = int(front.app.rsplit(":", 1)[1])
    attack, probes = attacked(port, 16, "headers", False, lambda: probe(front.app, None, True, 8.0, 2.0))
    print(f"\ngunicorn without the proxy, {attack.summary()} ({date.today()}): {probes.summary()} (timeout 2 s)")


def test_the_proxy_log_holds_no_link_token_and_no_query(front: Front) -> None:
    tokens = [f"tok{uuid.uuid4().hex}" for _ in range(6)]
    query = f"q=secret{uuid.uuid4().hex}"
    verify = str(front.cert)
    requests.get(f"{front.https}/r/{tokens[0]}?{query}", verify=verify, timeout=30)
    requests.post(f"{front.https}/r/{tokens[1]}/status?{query}", json={"status": "on_scene"}, verify=verify, timeout=30)
    requests.get(f"{front.http}/l/{tokens[2]}?{query}", timeout=30)
    requests.post(f"{front.http}/l/{tokens[3]}/position?{query}", json={"lat": -7.5, "lon": 112.5}, timeout=30)
    requests.get(f"{front.https}/R/{tokens[4]}?{query}", verify=verify, timeout=30)
    too_large = requests.post(
        f"{front.https}/r/{tokens[5]}/status?{query}", data=b"x" * (2 << 20), verify=verify, timeout=30
    )
    assert too_large.status_code == 413
    assert too_large.json()["error"] == "request_entity_too_large"
    time.sleep(0.5)
    written = (front.logs / "access.log").read_text() + (front.logs / "error.log").read_text()
    for secret in [*tokens, query, "secret"]:
        assert secret not in written
    paths = {e["path"] for e in access_log(front)}
    assert {"/r/<token>", "/r/<token>/status", "/l/<token>", "/l/<token>/position", "/R/<token>"} <= paths


def test_the_proxy_compresses_and_limits_logins(front: Front) -> None:
    url = f"{front.http}/api/v1/desa.geojson"
    plain = requests.get(url, headers={"Accept-Encoding": "identity"}, timeout=60)
    geojson = requests.get(url, headers={"Accept-Encoding": "gzip"}, stream=True, timeout=60)
    assert geojson.status_code == 200 and geojson.headers["Content-Encoding"] == "gzip"
    assert geojson.headers["Server"] == "nginx"  # no version
    compressed = len(geojson.raw.read(decode_content=False))
    print(f"\ndesa.geojson through the proxy: {len(plain.content) / 1024:.0f} KiB, gzip {compressed / 1024:.0f} KiB")
    assert compressed < len(plain.content) / 2
    answers = [requests.post(f"{front.http}/login", timeout=30) for _ in range(25)]
    refused = [a for a in answers if a.status_code == 429]
    assert len(answers) - len(refused) >= 20  # the burst
    assert refused and refused[-1].json()["error"] == "too_many_requests"
    assert refused[-1].headers["Retry-After"] == "60"


def test_the_proxy_redirects_to_https_and_stops(front: Front, tmp_path: Path) -> None:
    env = proxy_env(tmp_path, front.app.removeprefix("http://"), plain=False)
    https = f"https://127.0.0.1:{env['GEO112_PROXY_PORT']}"
    try:
        assert proxy("start", env).returncode == 0
        assert proxy("start", env).returncode == 0  # again: a reload
        assert proxy("status", env).returncode == 0
        answer = requests.get(
            f"http://127.0.0.1:{env['GEO112_PROXY_HTTP_PORT']}/console?x=1", allow_redirects=False, timeout=30
        )
        assert answer.status_code == 308 and answer.headers["Location"] == f"{https}/console?x=1"
        healthz = requests.get(f"{https}/healthz", verify=str(tmp_path / "proxy" / "tls" / "cert.pem"), timeout=30)
        assert healthz.json() == {"status": "ok"}
    finally:
        assert proxy("stop", env).returncode == 0
    assert proxy("status", env).returncode == 3
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{https}/healthz", verify=False, timeout=5)
