"""Log in and out, and role checks for every page and endpoint.

Sessions are signed cookies (HttpOnly, SameSite=Lax, Secure when ``GEO112_SECURE_COOKIES`` is set); every
state-changing request carries a CSRF token (Flask-WTF), as a form field or the ``X-CSRFToken`` header.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

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
#: Login attempts per address *and* username (slows guessing one account's password) and per address alone
#: (slows trying many accounts); a shift of dispatchers behind the call centre's one address still logs in.
LOGIN_LIMIT = "10 per minute"
LOGIN_ADDRESS_LIMIT = "60 per minute"

F = TypeVar("F", bound=Callable[..., Any])


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


def require_role(*roles: str) -> Callable[[F], F]:
    """Allow the view to users with one of ``roles`` (admins are always allowed).

    Anonymous requests get 401 (API) or a redirect to the login page (pages); other roles get 403.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                if _wants_json():
                    raise Unauthorized("log in first: POST /api/v1/auth/login")
                return redirect(url_for("auth.login", next=request.full_path))
            if user.role != "admin" and user.role not in roles:
                raise Forbidden(f"this needs the role {' or '.join(roles)}; you are {user.role}")
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def _address_key() -> str:
    # The limiter is one object per process and keeps the first app's key prefix: each app's own goes here.
    return f"{current_app.config['RATELIMIT_KEY_PREFIX']}|{get_remote_address()}"


def _login_key() -> str:
    # The username as the login reads it, so "disp6 " and "\tDisp6" spend one budget with "disp6".
    body = request.get_json(silent=True) if request.is_json else None
    username = body.get("username") if isinstance(body, dict) else request.form.get("username")
    return f"{_address_key()}|{normalize_username(str(username or ''))[:100]}"


# Shared by the form and the JSON login, so that the two do not make two budgets.
account_limit = limiter.shared_limit(LOGIN_LIMIT, scope="login-account", key_func=_login_key, methods=["POST"])
address_limit = limiter.shared_limit(
    LOGIN_ADDRESS_LIMIT, scope="login-address", key_func=_address_key, methods=["POST"]
)


def log_in(username: str, password: str) -> User | None:
    """Start a session for the user whose password this is; None when it is not."""
    user = authenticate(get_session(), username, password)
    if user is not None:
        session.clear()
        session["user_id"], session["version"] = user.id, user.session_version
        session.permanent = True
    return user


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect after login would hand a phishing page the session.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("pages.index")


@bp.route("/login", methods=["GET", "POST"])
@account_limit
@address_limit
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
        end_sessions(get_or_not_found(get_session(), User, user.id, "user"))
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
