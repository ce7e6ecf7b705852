"""The planners' pages: coverage by unit type and travel-time threshold (map and table by kecamatan).

The coverage analyses come from ``/api/v1/coverage/...``; until that API answers, the page says so.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from web.auth import require_role

bp = Blueprint("planner", __name__)


@bp.get("/planner")
@require_role("planner")
def page() -> ResponseReturnValue:
    """The coverage page."""
    return render_template("planner/coverage.html")
