"""The landing page: sends each role to its own screen."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from web.auth import require_role

bp = Blueprint("pages", __name__)


@bp.get("/")
@require_role("dispatcher", "planner")
def index() -> ResponseReturnValue:
    """Home: links to the screens the user's role may open."""
    return render_template("index.html")
