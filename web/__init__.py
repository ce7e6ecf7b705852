"""The geo112 web app: an app factory and one blueprint per area (after the Flask tutorial)."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from geo112.config import get_settings


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
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("GEO112_SECRET_KEY", "dev-only-change-me"),
        GEO112_DATABASE_URL=None,
        GEO112_DATA_DIR=None,
        GEO112_CACHE_DIR=None,
        MAX_CONTENT_LENGTH=1 << 20,
        JSON_SORT_KEYS=False,
    )
    if test_config:
        app.config.update(test_config)
    app.config["GEO112_SETTINGS"] = get_settings(
        database_url=app.config["GEO112_DATABASE_URL"],
        data_dir=app.config["GEO112_DATA_DIR"],
        cache_dir=app.config["GEO112_CACHE_DIR"],
    )

    from web import db, errors, geography

    db.init_app(app)
    errors.init_app(app)
    app.register_blueprint(geography.bp)
    return app
