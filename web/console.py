"""The dispatcher console: one screen with the map, call intake, the incident list and the unit board.

The page is a shell; its ES modules (``static/js/console.js``) fill it from the JSON API and keep it live.
"""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from flask import Blueprint, Response, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from geo112.errors import InvalidInput
from geo112.geography import locate
from geo112.validate import lon_lat
from web.auth import require_role
from web.db import get_session, settings

bp = Blueprint("console", __name__)

# Event ids come from a sequence, taken at insert and visible at commit: a transaction that began earlier
# can commit a smaller id after a larger one was read. Counting the newest ids as well as taking the largest
# catches such a late commit, as long as it lands within this many ids of the newest.
LATE_COMMIT_WINDOW = 256
_CURSOR = text("""
    WITH newest AS (SELECT coalesce(max(id), 0) AS id FROM event)
    SELECT newest.id, (SELECT count(*) FROM event WHERE event.id > newest.id - :window) FROM newest
""")


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


@bp.get("/api/v1/console/changes")
@require_role("dispatcher", "planner")
def changes() -> ResponseReturnValue:
    """A cursor over the audit trail that changes whenever anything is recorded.

    Every change to incidents, assignments and units (AVL fixes and responder links included) appends an
    event, so pages poll this small answer every few seconds and reload their layers when ``cursor`` differs
    from the one they hold.
    """
    newest, recent = get_session().execute(_CURSOR, {"window": LATE_COMMIT_WINDOW}).one()
    return jsonify({"cursor": f"{newest}.{recent}"})


@bp.get("/console/qr.svg")
@require_role("dispatcher")
def qr_code() -> ResponseReturnValue:
    """A QR code of ``?text=`` (a responder link) as SVG, drawn here so the console needs no internet."""
    value = request.args.get("text", "")
    if not 0 < len(value) <= 1000:
        raise InvalidInput("text is required, at most 1000 characters")
    svg = io.BytesIO()
    qrcode.make(value, image_factory=qrcode.image.svg.SvgPathImage, border=2).save(svg)
    return Response(svg.getvalue(), mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=3600"})
