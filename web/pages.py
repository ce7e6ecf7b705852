"""The landing page: sends each role to its own screen."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from web.auth import current_user, require_role

bp = Blueprint("pages", __name__)


@bp.get("/")
@require_role("dispatcher", "planner", "officer")
def index() -> ResponseReturnValue:
    """Home: links to the screens the user's role may open; an agency's officer goes to their queue."""
    user = current_user()
    if user is not None and user.role == "officer":
        return redirect(url_for("opd.queue"))
    return render_template("index.html")
