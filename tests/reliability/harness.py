"""A server to test from outside: the app under gunicorn on a free port of 127.0.0.1, its users, a logged-in
client. The reliability tests and the load test (``benchmarks/load_test.py``) start the app through it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from geo112.store.db import session_factory

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "load-test-112"


def free_port() -> int:
    """A TCP port of 127.0.0.1 that is free now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_process(
    database_url: str,
    cache_dir: Path,
    workers: int = 2,
    threads: int = 8,
    log: Path | None = None,
    env: dict[str, str] | None = None,
    checkout: Path = REPO,
    port: int | None = None,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run the app under gunicorn (gthread workers) on a free port of 127.0.0.1; yield its base URL and the
    gunicorn master process.

    Returns once ``/readyz`` answers 200 (database up, routing engine loaded) several times in a row, so
    that every worker has most likely loaded its engine. The server is stopped on exit.

    Parameters
    ----------
    database_url
        The database the app uses.
    cache_dir
        Where the compiled road graph is (built there on first use).
    workers, threads
        gunicorn's ``--workers`` and ``--threads``.
    log
        File for gunicorn's and the app's output (gunicorn's access log, the structured logs); default
        discarded.
    env
        More environment variables for the app (``GEO112_OSM_FILE``, ``GEO112_SERVER_TIMING``).
    checkout
        The checkout whose app is served (its working directory; default this one).
    port
        The port to serve on (a machine shared by several runs gives each its own); default a free one.
    """
    port = port or free_port()
    server_env = {
        **os.environ,
        "GEO112_DATABASE_URL": database_url,
        "GEO112_CACHE_DIR": str(cache_dir),
        "GEO112_SECRET_KEY": "load-test-secret",
        # The workers share login counts in Redis; this server counts apart from any other.
        "GEO112_RATELIMIT_PREFIX": f"geo112-serve-{port}-{os.getpid()}",
        **(env or {}),
    }
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:web.gunicorn_config",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",
            "--timeout",
            "180",
            *(["--access-logfile", "-"] if log else []),
            "web:create_app()",
        ],
        cwd=checkout,
        env=server_env,
        stdout=out,
        stderr=out,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        ready, deadline = 0, time.monotonic() + 600
        while ready < 4 * workers:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not become ready (exit code {server.poll()})")
            try:
                ready = ready + 1 if requests.get(f"{base}/readyz", timeout=200).status_code == 200 else 0
            except requests.ConnectionError:
                time.sleep(0.2)
        yield base, server
    finally:
        server.terminate()
        server.wait(30)
        if log:
            out.close()


@contextmanager
def serve(
    database_url: str, cache_dir: Path, workers: int = 2, threads: int = 8, log: Path | None = None
) -> Iterator[str]:
    """:func:`serve_process`, yielding only the base URL."""
    with serve_process(database_url, cache_dir, workers, threads, log) as (base, _):
        yield base


def login(base: str, username: str, password: str) -> requests.Session:
    """A ``requests`` session logged in through the JSON API, with the CSRF header set (for tests that want a
    full-featured client; the load test uses its own :class:`benchmarks.load_test.Client`)."""
    session = requests.Session()
    token = session.get(f"{base}/api/v1/auth/csrf", timeout=30).json()["csrf_token"]
    answer = session.post(
        f"{base}/api/v1/auth/login",
        json={"username": username, "password": password},
        headers={"X-CSRFToken": token},
        timeout=30,
    )
    answer.raise_for_status()
    session.headers["X-CSRFToken"] = answer.json()["csrf_token"]
    return session


def add_dispatchers(database_url: str, count: int) -> None:
    """Create users ``load-dispatcher-0 … count`` (one more for the AVL feed), password :data:`PASSWORD`."""
    from geo112.accounts.users import create_user

    with session_factory(database_url).begin() as s:
        for i in range(count + 1):
            create_user(s, f"load-dispatcher-{i}", PASSWORD, "dispatcher")
