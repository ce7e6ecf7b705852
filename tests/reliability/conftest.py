"""Reliability fixtures: the app under gunicorn on a database of its own, and clients logged in to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import loaded_database
from tests.reliability.harness import add_dispatchers, serve

DISPATCHERS = 6


@pytest.fixture(scope="session")
def served_database(settings) -> str:
    """A database of its own with the demo data and dispatchers ``load-dispatcher-<i>``."""
    url = loaded_database("served", settings.data_dir)
    add_dispatchers(url, DISPATCHERS)
    return url


@pytest.fixture(scope="session")
def server_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where gunicorn and the app write (the structured logs)."""
    return tmp_path_factory.mktemp("gunicorn") / "server.log"


@pytest.fixture(scope="session")
def served(served_database: str, settings, network, server_log: Path) -> Iterator[str]:
    """The app under gunicorn (2 workers) on 127.0.0.1; yields its base URL."""
    with serve(served_database, settings.cache_dir, workers=2, threads=4, log=server_log) as base:
        yield base
