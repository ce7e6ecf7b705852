"""Browser tests: the app served by a real WSGI server in a thread, driven by Debian's Chromium (Playwright).

The browser tests commit incidents and assignments through the UI, so they get a database of their own (the
test database's name + ``_browser``), with the geography, the demo fleet and one user per role; other tests
never see their changes. No browser is downloaded: Playwright launches ``/usr/bin/chromium``. Every page a
test opens records the requests that leave the app (they are aborted, so a test never waits on the internet)
and the console errors (a CSP violation is one), and the tests assert both are empty. Screenshots go to
``test-artifacts/``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from geo112.accounts.users import create_user
from geo112.config import Settings
from geo112.ingest.basemap import load_basemap
from geo112.ingest.boundaries import load_geography
from geo112.ingest.fleet import load_demo
from geo112.ingest.population import load_planning_data
from geo112.ingest.province import load_province
from geo112.network import Network
from geo112.store import migrate
from geo112.store.db import session_factory
from tests.conftest import PASSWORD, ROLES, TEST_DATABASE_URL, agency_of, recreate_database

pytest.importorskip("playwright")
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1600, "height": 950}}
#: The phone system's token of the browser tests' app (tests/browser/test_phone.py runs Kamailio with it).
PBX_TOKEN = "browser-tests-pbx-token"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder as a browser test."""
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def users() -> dict[str, str]:
    """Role → username of the browser database's users (see :func:`browser_database`)."""
    return {role: f"test-{role}" for role in ROLES}


@pytest.fixture(scope="session")
def browser_database(settings: Settings, users: dict[str, str], network: Network) -> str:
    """A database for the browser tests: geography (the province's too), base map, stations, demo fleet, users."""
    url = make_url(TEST_DATABASE_URL)
    url = url.set(database=f"{url.database}_browser").render_as_string(hide_password=False)
    recreate_database(url)
    migrate.upgrade(url)
    with session_factory(url).begin() as session:
        load_geography(session, settings.data_dir)
        load_province(session, settings.data_dir)
        load_demo(session, settings.data_dir)
        load_basemap(session, settings.data_dir, network)
        load_planning_data(session, network, settings.data_dir)  # populations: coverage and move-up
        for role, username in users.items():
            create_user(session, username, PASSWORD, role, agency=agency_of(role))
    return url


@pytest.fixture(scope="session")
def live_app(browser_database: str, settings: Settings):
    """The app the browser tests talk to (its secret signs links the tests make themselves)."""
    from web import create_app

    return create_app(
        {
            "TESTING": True,
            "GEO112_DATABASE_URL": browser_database,
            "GEO112_CACHE_DIR": str(settings.cache_dir),
            "GEO112_LAPOR_OUTBOX": settings.lapor_outbox,
            "RATELIMIT_ENABLED": False,
            "GEO112_PBX_TOKEN": PBX_TOKEN,
        }
    )


@pytest.fixture(scope="session")
def live_server(live_app) -> Iterator[str]:
    """The app on a free port of 127.0.0.1, served by werkzeug's threaded server; yields its base URL.

    The routing engine is loaded before the first page, as a worker that has served for a while holds it.
    """
    from web.fleet import fleet

    app = live_app
    with app.app_context():
        fleet()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium for the whole session."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@dataclass
class Watch:
    """What a browser context did that it should not: requests leaving the app, failed requests, errors."""

    external: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def assert_clean(self, allow_failed: tuple[str, ...] = ()) -> None:
        """Fail when a page loaded anything from outside the app, got an error answer or logged an error.

        ``allow_failed`` lists URL parts whose error answers the test expects.
        """
        assert self.external == [], f"requests outside the app: {self.external}"
        failed = [f for f in self.failed if not any(part in f for part in allow_failed)]
        assert failed == [], f"failed requests: {failed}"
        assert self.errors == [], f"console errors: {self.errors}"


@dataclass
class Session:
    """A logged-in (or anonymous) browser context and what it saw."""

    context: BrowserContext
    watch: Watch
    base_url: str

    def new_page(self) -> Page:
        """A page that records console errors and uncaught exceptions into the watch."""
        page = self.context.new_page()
        # Chrome logs each error answer as "Failed to load resource" without its URL: record the answers.
        page.on("response", lambda r: r.status >= 400 and self.watch.failed.append(f"{r.status} {r.url}"))
        page.on(
            "console",
            lambda msg: (
                msg.type == "error"
                and not msg.text.startswith("Failed to load resource")
                and self.watch.errors.append(msg.text)
            ),
        )
        page.on("pageerror", lambda exc: self.watch.errors.append(str(exc)))
        return page


@pytest.fixture
def open_session(browser: Browser, live_server: str, users: dict[str, str]) -> Iterator[Callable[..., Session]]:
    """Open a browser context, logged in as ``role`` (or anonymous with ``role=None``); closed after the test."""
    contexts: list[BrowserContext] = []

    def _open(role: str | None = "dispatcher", device: dict | None = None) -> Session:
        context = browser.new_context(base_url=live_server, locale="id-ID", **(device or DESKTOP))
        contexts.append(context)
        watch = Watch()

        def guard(route, request) -> None:
            if request.url.startswith(live_server) or request.url.startswith(("data:", "blob:")):
                route.continue_()
            else:
                watch.external.append(request.url)
                route.abort()

        context.route("**/*", guard)
        session = Session(context, watch, live_server)
        if role is not None:
            response = context.request.post(
                "/api/v1/auth/login",
                data={"username": users[role], "password": PASSWORD},
                headers={"X-CSRFToken": csrf(context)},
            )
            assert response.ok, response.text()
        return session

    yield _open
    for context in contexts:
        context.close()


def csrf(context: BrowserContext) -> str:
    """A CSRF token bound to the context's session cookie."""
    return context.request.get("/api/v1/auth/csrf").json()["csrf_token"]


def open_map_page(session: Session, path: str, timeout_ms: float = 15_000) -> Page:
    """A new page of the session at ``path``, once its map says it is ready."""
    page = session.new_page()
    page.goto(path)
    expect(page.get_by_test_id("map")).to_have_attribute("data-ready", "true", timeout=timeout_ms)
    return page


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as ``test-artifacts/<name>.png``."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
