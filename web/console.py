"""The dispatcher console: one screen with the map, call intake, the incident list and the unit board.

The page is a shell; its ES modules (``static/js/console.js``) fill it from the JSON API and keep it live.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from geo112.geography import locate
from geo112.validate import lon_lat
from web.auth import require_role
from web.db import get_session, settings

bp = Blueprint("console", __name__)


@bp.get("/console")
@require_role("dispatcher")
def page() -> ResponseReturnValue:
    """The dispatcher console."""
    return render_template("console/console.html")


@bp.get("/api/v1/console/place")
@require_role("dispatcher")
def place() -> ResponseReturnValue:
    """Where ``?lat=&lon=`` is, for the intake form: desa, kecamatan, jurisdiction and the nearest road."""
    lon, lat = lon_lat(request.args.get("lon"), request.args.get("lat"))
    return jsonify(locate(get_session(), lon, lat, settings().sliver_tolerance_m) | {"road": None})
