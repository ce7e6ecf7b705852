"""Security headers on every response, cookie settings, and the client's address behind a reverse proxy."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix

from web.assets import IMPORT_MAP_HASH

# Scripts and styles only from the app itself (and the one import map, by its hash): nothing is loaded from
# outside, and framing is refused.
CSP = (
    f"default-src 'self'; script-src 'self' '{IMPORT_MAP_HASH}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
    "form-action 'self'"
)

SESSION_LIFETIME = timedelta(hours=16)


def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    # JSON is live data, callers' details among it: no browser or proxy keeps a copy (GeoJSON layers and
    # files set their own validators).
    if response.mimetype == "application/json":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    """Set cookie flags and add the headers."""
    # Flask's defaults are present keys (SameSite None, Secure off): set them unless a config chose otherwise.
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.config["SESSION_COOKIE_SECURE"] = (
        app.config.get("SESSION_COOKIE_SECURE") or app.config["GEO112_SETTINGS"].secure_cookies
    )
    # A login lasts a shift and a handover, counted from the login: the cookie is written when the session
    # changes, not re-signed on every answer (that cost ~0.8 ms of each request). Logging out, a new password
    # or a disabled account end it sooner (geo112.accounts.users).
    app.config["PERMANENT_SESSION_LIFETIME"] = SESSION_LIFETIME
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    app.after_request(_headers)
    # Behind N proxies the client is the N-th address from the right of X-Forwarded-For (and the scheme and
    # host the proxy saw): login limits and logs see the client, not the proxy; a client's own
    # X-Forwarded-For entries beyond N are ignored, so no one names their own address.
    if hops := app.config["GEO112_PROXY_HOPS"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
