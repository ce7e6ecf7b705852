"""The geo112 web app: an app factory and one blueprint per area (after the Flask tutorial)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import Flask, request

from geo112.config import get_settings


def _instance_secret(app: Flask) -> str:
    """A random secret kept in the instance folder, so sessions survive restarts without a configured key."""
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class App(Flask):
    """Flask, whose exception log names the path as it may be logged (a responder token redacted)."""

    def log_exception(self, exc_info: Any) -> None:
        """Log an unhandled exception like Flask, without the token a responder path carries."""
        from web.logging import log_path

        self.logger.error(f"Exception on {log_path()} [{request.method}]", exc_info=exc_info)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build and configure the app; nothing is created at import time.

    Parameters
    ----------
    test_config
        Values that override the configuration from the environment (tests pass their own database URL).

    Returns
    -------
    Flask
    """
    app = App(__name__)
    env = get_settings()
    app.config.from_mapping(
        SECRET_KEY=env.secret_key or _instance_secret(app),
        GEO112_DATABASE_URL=None,
        GEO112_DATA_DIR=None,
        GEO112_CACHE_DIR=None,
        MAX_CONTENT_LENGTH=1 << 20,
        GEO112_TILE_URL=env.tile_url,
        # Each answer's cost in a Server-Timing header (for the load test and a browser's developer tools).
        GEO112_SERVER_TIMING=env.server_timing,
        GEO112_PROXY_HOPS=env.proxy_hops,
        # The phone system's token and the watch-list policy (tests set them per app).
        GEO112_PBX_TOKEN=env.pbx_token,
        GEO112_PBX_CONTROL_URL=env.pbx_control_url,
        GEO112_WATCH_POLICY=env.watch_policy,
        JSON_SORT_KEYS=False,
    )
    if test_config:
        app.config.update(test_config)
    # Answers checked against their response models in tests only (why: web.api._Plugin).
    app.config.setdefault("GEO112_CHECK_RESPONSES", app.testing)
    app.config["GEO112_SETTINGS"] = get_settings(
        database_url=app.config["GEO112_DATABASE_URL"],
        data_dir=app.config["GEO112_DATA_DIR"],
        cache_dir=app.config["GEO112_CACHE_DIR"],
        pbx_token=app.config["GEO112_PBX_TOKEN"],
        pbx_control_url=app.config["GEO112_PBX_CONTROL_URL"],
        watch_policy=app.config["GEO112_WATCH_POLICY"],
        lapor_outbox=app.config.get("GEO112_LAPOR_OUTBOX"),
    )

    from web import (
        assets,
        auth,
        console,
        db,
        errors,
        geography,
        health,
        i18n,
        jsonio,
        maps,
        pages,
        planner,
        security,
        tiles,
    )
    from web import logging as request_log

    jsonio.init_app(app)
    request_log.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(geography.bp)
    app.register_blueprint(pages.bp)
    assets.init_app(app)
    maps.init_app(app)
    tiles.init_app(app)
    app.register_blueprint(console.bp)
    app.register_blueprint(planner.bp)
    from web import analytics, coverage, simulation

    app.register_blueprint(coverage.bp)
    app.register_blueprint(analytics.bp)
    app.register_blueprint(simulation.bp)
    from web import (
        account,
        admin,
        api,
        caller,
        calls,
        config_api,
        exchange,
        incidents,
        responder,
        telephony,
        tickets,
        timers,
        units,
    )

    for dispatch_bp in (
        incidents.bp,
        calls.bp,
        telephony.bp,
        timers.bp,
        caller.bp,
        caller.links,
        units.bp,
        config_api.bp,
        exchange.bp,
        responder.bp,
        tickets.bp,
        tickets.pages,
        tickets.links_bp,
        account.bp,
        admin.bp,
        admin.pages,
        api.bp,
    ):
        app.register_blueprint(dispatch_bp)
    app.jinja_env.globals["current_user"] = auth.current_user
    db.init_app(app)  # last: its after_request (the commit) runs first; see web.db.init_app
    return app
