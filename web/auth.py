"""Log in and out, and role checks for every page and endpoint.

Sessions are signed cookies (HttpOnly, SameSite=Lax, Secure when ``GEO112_SECURE_COOKIES`` is set); every
state-changing request carries a CSRF token (Flask-WTF), as a form field or the ``X-CSRFToken`` header.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    after_this_request,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from itsdangerous import BadSignature, URLSafeTimedSerializer

from geo112.accounts.admin import record_login, record_logout
from geo112.accounts.users import SessionUser, authenticate, end_sessions, normalize_username, session_users
from geo112.errors import Forbidden, Geo112Error
from geo112.store.db import get_or_not_found
from geo112.store.models import User
from web.db import get_session, settings

bp = Blueprint("auth", __name__)
csrf = CSRFProtect()
# Counts live in Redis (RATELIMIT_STORAGE_URI, from GEO112_REDIS_URL), shared by every worker; should Redis be
# down, each worker counts in memory meanwhile (logins go on, each worker limiting alone) and says so in the log.
limiter = Limiter(key_func=get_remote_address, default_limits=[], in_memory_fallback_enabled=True)
#: Failed logins counted against a client that has never logged in to the account from this browser: per
#: address *and* username (slows guessing one password), per address (slows trying many accounts), per
#: username from anywhere (slows guessing spread over many addresses). A browser the account's owner logged in
#: from before carries a device cookie (OWASP's "device cookies") and is counted apart, per device and username:
#: nobody can lock the owner out by failing logins in their name, and successful logins cost nothing, so the
#: shift behind the call centre's one address logs in whatever an attacker tries (docs/security.md).
LOGIN_LIMIT = "10 per minute"
LOGIN_ADDRESS_LIMIT = "60 per minute"
LOGIN_ACCOUNT_LIMIT = "30 per 10 minutes"
DEVICE_LIMIT = "10 per minute"
DEVICE_COOKIE = "geo112_device"
#: A device cookie lasts this long after the last login from the browser; it remembers this many usernames.
DEVICE_LIFETIME_S = 90 * 24 * 3600
DEVICE_USERS = 20

F = TypeVar("F", bound=Callable[..., Any])
_UNSAFE_IN_PATH = re.compile(r"[\x00-\x20\x7f\\\\]|^//")


class Unauthorized(Geo112Error):
    """No one is logged in."""

    status, error = 401, "unauthorized"


def current_user() -> SessionUser | None:
    """The logged-in user of this request, or None."""
    if "user" not in g:
        user_id = session.get("user_id")
        known = session_users(settings().database_url)
        g.user = known.check(get_session(), user_id, session.get("version")) if user_id is not None else None
    user: SessionUser | None = g.user
    return user


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


#: The role of the phone system: not a user who logs in, but the holder of ``GEO112_PBX_TOKEN``.
PBX_ROLE = "pbx"


def _is_pbx() -> bool:
    """True when the request carries the phone system's token (``Authorization: Bearer …``)."""
    token = settings().pbx_token
    given = request.headers.get("Authorization", "")
    return bool(token) and secrets.compare_digest(given.encode(), f"Bearer {token}".encode())


def require_role(*roles: str) -> Callable[[F], F]:
    """Allow the view to users with one of ``roles`` (admins are always allowed).

    Anonymous requests get 401 (API) or a redirect to the login page (pages); other roles get 403. A view open
    to :data:`PBX_ROLE` also admits the phone system's token; it is exempt from the CSRF check, which it
    then makes itself for a request that comes with a session instead (a token is not sent by a browser).
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if PBX_ROLE in roles:
                if _is_pbx():
                    return view(*args, **kwargs)
                if current_app.config["WTF_CSRF_ENABLED"] and request.method not in ("GET", "HEAD", "OPTIONS"):
                    csrf.protect()
            user = current_user()
            if user is None:
                if _wants_json():
                    raise Unauthorized("log in first: POST /api/v1/auth/login")
                return redirect(url_for("auth.login", next=request.full_path))
            if user.role != "admin" and user.role not in roles:
                raise Forbidden(f"this needs the role {' or '.join(roles)}; you are {user.role}")
            return view(*args, **kwargs)

        return csrf.exempt(wrapped) if PBX_ROLE in roles else wrapped  # type: ignore[return-value]

    return decorator


def _prefix() -> str:
    # The limiter is one object per process and keeps the first app's key prefix: each app's own goes here.
    return str(current_app.config["RATELIMIT_KEY_PREFIX"])


def _username() -> str:
    # The username as the login reads it, so "disp6 " and "\tDisp6" spend one budget with "disp6".
    body = request.get_json(silent=True) if request.is_json else None
    username = body.get("username") if isinstance(body, dict) else request.form.get("username")
    return normalize_username(str(username or ""))[:100]


def _devices() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="geo112-device")


def _device() -> dict[str, Any] | None:
    """The device cookie of this browser (its id and the usernames that logged in from it), or None; checked
    once per request (each login limit asks)."""
    if "device" not in g:
        raw = request.cookies.get(DEVICE_COOKIE)
        try:
            device = _devices().loads(raw, max_age=DEVICE_LIFETIME_S) if raw else None
        except BadSignature:
            device = None
        g.device = device if isinstance(device, dict) else None
    found: dict[str, Any] | None = g.device
    return found


def _trusted() -> bool:
    """This browser logged in to the account it now tries before."""
    device = _device()
    return device is not None and _username() in device.get("users", [])


def _failed(response: Response) -> bool:
    return response.status_code == 401


def _remember_device(username: str) -> None:
    """After a successful login, the browser's device cookie names the user (a new cookie for a new browser)."""
    device = _device() or {"id": secrets.token_urlsafe(12), "users": []}
    users = [username, *[u for u in device["users"] if u != username]][:DEVICE_USERS]
    value = _devices().dumps({"id": device["id"], "users": users})

    @after_this_request
    def _set(response: Response) -> Response:
        response.set_cookie(
            DEVICE_COOKIE, value, max_age=DEVICE_LIFETIME_S, httponly=True, samesite="Strict",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )  # fmt: skip
        return response


def _limit(limit: str, scope: str, key: Callable[[], str], trusted: bool) -> Callable[[F], F]:
    """A login limit shared by the form and the JSON login, counting failed attempts only, applied to
    attempts from trusted devices or from the others."""
    exempt = (lambda: not _trusted()) if trusted else _trusted
    return limiter.shared_limit(  # type: ignore[return-value]
        limit, scope=scope, key_func=key, methods=["POST"], deduct_when=_failed, exempt_when=exempt
    )


def login_limits(view: F) -> F:
    """Apply every login limit to ``view`` (the form and the JSON login share them)."""
    for limit in (
        _limit(LOGIN_LIMIT, "login-account", lambda: f"{_prefix()}|{get_remote_address()}|{_username()}", False),
        _limit(LOGIN_ADDRESS_LIMIT, "login-address", lambda: f"{_prefix()}|{get_remote_address()}", False),
        _limit(LOGIN_ACCOUNT_LIMIT, "login-username", lambda: f"{_prefix()}|{_username()}", False),
        _limit(DEVICE_LIMIT, "login-device", lambda: f"{_prefix()}|{(_device() or {}).get('id')}|{_username()}", True),
    ):
        view = limit(view)
    return view


def log_in(username: str, password: str) -> User | None:
    """Start a session for the user whose password this is; None when it is not."""
    user = authenticate(get_session(), username, password)
    if user is not None:
        session.clear()
        session["user_id"], session["version"] = user.id, user.session_version
        session.permanent = True
        _remember_device(user.username)
        record_login(get_session(), user)
    return user


def _safe_next(target: str | None) -> str:
    # Only paths of this site: an open redirect after login would hand a phishing page the session. Browsers
    # drop tabs and line breaks from a URL and read a backslash as a slash, so "/\t/evil.example" is
    # "//evil.example": refuse any control character, space or backslash, and any host.
    if target and target.startswith("/") and not _UNSAFE_IN_PATH.search(target):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("pages.index")


@bp.route("/login", methods=["GET", "POST"])
@login_limits
def login() -> ResponseReturnValue:
    """The login form."""
    error = None
    if request.method == "POST":
        if log_in(request.form.get("username", ""), request.form.get("password", "")):
            return redirect(_safe_next(request.args.get("next")))
        error = "login_failed"
    return render_template("auth/login.html", error=error), 401 if error else 200


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """End the session, and every copy of it: the user's session version moves on."""
    user = current_user()
    if user is not None:
        row = get_or_not_found(get_session(), User, user.id, "user")
        end_sessions(row)
        record_logout(get_session(), row)
    session.clear()
    return redirect(url_for("auth.login"))


def init_app(app: Any) -> None:
    """Register CSRF protection, the login rate limit and the blueprint."""
    csrf.init_app(app)
    # The limiter is one object per process and takes its on/off switch from the newest app, defaulting to
    # the previous app's: say it explicitly, so an app that disabled it (a test's) does not disable the next.
    app.config.setdefault("RATELIMIT_ENABLED", True)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["GEO112_SETTINGS"].redis_url)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", app.config["GEO112_SETTINGS"].ratelimit_prefix)
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_timeout": 1, "socket_connect_timeout": 1})
    limiter.init_app(app)
    app.register_blueprint(bp)
