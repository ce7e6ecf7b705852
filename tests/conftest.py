"""Shared fixtures: a real PostGIS database created for the test session, migrated and loaded once."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from geo112.config import Settings, get_settings
from geo112.ingest.basemap import load_basemap
from geo112.ingest.boundaries import load_geography
from geo112.ingest.fleet import load_demo
from geo112.ingest.province import load_province
from geo112.network import Network, RoutedFleet, load_network
from geo112.region import Region
from geo112.store import migrate
from geo112.store.db import get_engine, session_factory

TEST_DATABASE_URL = os.environ.get(
    "GEO112_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/geo112_test"
)


def recreate_database(url: str) -> None:
    """Drop the database named in ``url`` (closing its connections) and create it empty."""
    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"
            ),
            {"n": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()
    migrate.create_database(url)


def pack_database(suffix: str, data_dir: Path, region: Region) -> str:
    """Create a database of its own (the test database's name + ``_suffix``) loaded from a region pack as
    ``geo112 db upgrade && geo112 data load`` do it (geography, province, agencies, stations, demo fleet)."""
    url = make_url(TEST_DATABASE_URL)
    url = url.set(database=f"{url.database}_{suffix}").render_as_string(hide_password=False)
    recreate_database(url)
    migrate.upgrade(url)
    with session_factory(url).begin() as session:
        load_geography(session, data_dir, region)
        load_province(session, data_dir, region)
        load_demo(session, data_dir, region)
    return url


def loaded_database(suffix: str, data_dir: Path) -> str:
    """Create a database of its own (the test database's name + ``_suffix``) and return its URL.

    It holds the geography, the stations, the demo fleet and one user per role (``test-<role>``,
    :data:`PASSWORD`), for tests that commit changes other tests must not see (fuzzing, load).
    """
    from geo112.accounts.users import create_user

    url = make_url(TEST_DATABASE_URL)
    url = url.set(database=f"{url.database}_{suffix}").render_as_string(hide_password=False)
    recreate_database(url)
    migrate.upgrade(url)
    with session_factory(url).begin() as session:
        load_geography(session, data_dir)
        load_demo(session, data_dir)
        for role in ROLES:
            create_user(session, f"test-{role}", PASSWORD, role, agency=agency_of(role))
    return url


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings pointing at the test database and a per-session cache directory."""
    return get_settings(
        database_url=TEST_DATABASE_URL,
        cache_dir=Path(os.environ.get("GEO112_TEST_CACHE_DIR", tmp_path_factory.mktemp("cache"))),
        lapor_outbox=tmp_path_factory.mktemp("lapor-outbox"),
    )


@pytest.fixture(scope="session")
def database(settings: Settings) -> str:
    """A fresh PostGIS database at the newest migration, with the Mojokerto geography loaded."""
    recreate_database(settings.database_url)
    migrate.upgrade(settings.database_url)
    with session_factory(settings.database_url).begin() as session:
        load_geography(session, settings.data_dir)
    return settings.database_url


@pytest.fixture
def session(database: str) -> Iterator[Session]:
    """A session whose work is rolled back after the test, so tests do not see each other's rows."""
    connection = get_engine(database).connect()
    outer = connection.begin()
    db_session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield db_session
    finally:
        db_session.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def app(database: str, settings: Settings):
    """The web app on the test database."""
    from web import create_app

    return create_app(
        {
            "TESTING": True,
            "GEO112_DATABASE_URL": database,
            "GEO112_CACHE_DIR": str(settings.cache_dir),
            "GEO112_LAPOR_OUTBOX": settings.lapor_outbox,
            # Login counts live in the machine's Redis: each app counts apart, from zero.
            "RATELIMIT_KEY_PREFIX": f"geo112-test-{uuid.uuid4().hex}",
        }
    )


@pytest.fixture
def client(app):
    """A test client of the web app."""
    return app.test_client()


PASSWORD = "correct-horse-112"
ROLES = ("dispatcher", "planner", "admin", "officer")
#: The agency the test officer works for (``test-officer``): the body that runs street lights.
OFFICER_AGENCY = "dishub"


def agency_of(role: str) -> str | None:
    """The agency a test user of ``role`` works for (an officer's), else None."""
    return OFFICER_AGENCY if role == "officer" else None


@pytest.fixture(scope="session")
def users(database: str) -> dict[str, str]:
    """One user per role (``test-dispatcher`` …), all with :data:`PASSWORD`; returns role → username."""
    from geo112.accounts.users import create_user

    with session_factory(database).begin() as db_session:
        for role in ROLES:
            create_user(db_session, f"test-{role}", PASSWORD, role, agency=agency_of(role))
    return {role: f"test-{role}" for role in ROLES}


@pytest.fixture
def login(client, users: dict[str, str]):
    """Log the test client in as a role; returns the headers (CSRF token) for state-changing requests."""

    def _login(role: str) -> dict[str, str]:
        response = client.post(
            "/api/v1/auth/login",
            json={"username": users[role], "password": PASSWORD},
            headers={"X-CSRFToken": client.get("/api/v1/auth/csrf").get_json()["csrf_token"]},
        )
        assert response.status_code == 200, response.get_json()
        return {"X-CSRFToken": response.get_json()["csrf_token"]}

    return _login


@pytest.fixture(scope="session")
def network(settings: Settings) -> Network:
    """The road network of the synthetic Mojokerto extract, built into the session's cache once."""
    return load_network(settings.osm_path, settings.cache_dir)


@pytest.fixture(scope="session")
def fleet(network: Network, settings: Settings) -> RoutedFleet:
    """One routed fleet for the session, as one web worker holds it (synchronised per recommendation)."""
    return RoutedFleet(network, settings.unit_row_limit_s)


@pytest.fixture(scope="session")
def demo(database: str, settings: Settings) -> str:
    """The test database with the stations and the demo fleet loaded (committed, once)."""
    with session_factory(database).begin() as session:
        load_demo(session, settings.data_dir)
    return database


@pytest.fixture(scope="session")
def province(database: str, settings: Settings) -> str:
    """The test database with every desa and kabupaten/kota of Jawa Timur loaded (committed, once)."""
    with session_factory(database).begin() as session:
        load_province(session, settings.data_dir)
    return database


@pytest.fixture(scope="session")
def basemap(demo: str, province: str, settings: Settings, network: Network) -> str:
    """The test database with the base map's roads, rivers and outlines (and the stations and province)."""
    with session_factory(demo).begin() as session:
        load_basemap(session, settings.data_dir, network)
    return demo
