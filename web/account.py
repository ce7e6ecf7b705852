"""The API's own account operations: a CSRF token, logging in with JSON, and who is logged in."""

from __future__ import annotations

from typing import Any

from flask_wtf.csrf import generate_csrf
from pydantic import BaseModel, Field

from web.api import PUBLIC, READ, blueprint
from web.auth import Unauthorized, current_user, log_in, login_limits

bp = blueprint("account", "/api/v1/auth")


class Login(BaseModel):
    """A user's name and password."""

    username: str = Field(max_length=200)
    password: str = Field(max_length=1000)


@bp.operation("get", "/csrf", roles=PUBLIC)
def csrf_token() -> dict[str, Any]:
    """A CSRF token for API clients, to send back as ``X-CSRFToken``."""
    return {"csrf_token": generate_csrf()}


@bp.operation("post", "/login", roles=PUBLIC)
@login_limits  # the login form's budgets: both ways of logging in spend the same
def login(json: Login) -> dict[str, Any]:
    """Log in; answers the user and a fresh CSRF token."""
    user = log_in(json.username, json.password)
    if user is None:
        raise Unauthorized("wrong username or password")
    return {"username": user.username, "role": user.role, "agency": user.agency_code, "csrf_token": generate_csrf()}


@bp.operation("get", "/me", roles=(*READ, "officer"))
def me() -> dict[str, Any]:
    """The logged-in user (an officer with their agency)."""
    user = current_user()
    if user is None:
        raise Unauthorized("not logged in")
    return {"username": user.username, "display_name": user.display_name, "role": user.role, "agency": user.agency}
