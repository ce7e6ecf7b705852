"""The dispatcher console: one screen with the map, call intake, the incident list and the unit board.

The page is a shell; its ES modules (``static/js/console.js``) fill it from the JSON API and keep it live.
"""

from __future__ import annotations

import io
from typing import get_args

import qrcode
import qrcode.image.svg
from flask import Blueprint, Response, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from geo112.dispatch.schemas import Disposition
from geo112.errors import InvalidInput, ServiceUnavailable
from geo112.geography.coordinates import parse_lon_lat
from geo112.geography.locate import locate
from geo112.geography.search import search_facilities, search_streets
from geo112.planning.coverage import gaps, service
from geo112.planning.thresholds import MAX_MINUTES
from geo112.store.audit import change_cursor
from web.auth import require_role
from web.db import get_session, settings
from web.engine import fleet
from web.params import int_arg, search_arg

bp = Blueprint("console", __name__)

#: How an incident can be closed, in the API's order: the close form offers these (labels ``disposition_<code>``).
DISPOSITIONS: tuple[str, ...] = get_args(Disposition)


@bp.get("/console")
@require_role("dispatcher")
def page() -> ResponseReturnValue:
    """The dispatcher console."""
    return render_template("console/console.html", dispositions=DISPOSITIONS)


@bp.get("/api/v1/console/place")
@require_role("dispatcher")
def place() -> ResponseReturnValue:
    """Where ``?lat=&lon=`` is, for the intake form: desa, kecamatan, jurisdiction and the nearest road."""
    lon, lat = parse_lon_lat(request.args.get("lon"), request.args.get("lat"))
    try:
        road = fleet().network.snap_point(lon, lat)
    except ServiceUnavailable:
        road = None  # the place is still worth showing without the road network
    where = locate(get_session(), lon, lat, settings().sliver_tolerance_m)
    return jsonify(
        where | {"road": None if road is None else road._asdict() | {"distance_m": round(road.distance_m, 1)}}
    )


@bp.get("/api/v1/console/streets")
@require_role("dispatcher")
def streets() -> ResponseReturnValue:
    """Streets whose name contains ``?q=``, each with a point on it and its desa."""
    query = search_arg("a street name")
    limit = int_arg("limit", 5, 1, 20)
    results = search_streets(get_session(), fleet().network, query, limit, settings().sliver_tolerance_m)
    return jsonify({"query": query, "results": results})


@bp.get("/api/v1/console/facilities")
@require_role("dispatcher")
def facilities() -> ResponseReturnValue:
    """Stations and facilities whose name matches ``?q=`` (hospitals, puskesmas, Damkar, police), with a point."""
    query = search_arg("a station or facility name")
    return jsonify({"query": query, "results": search_facilities(get_session(), query, int_arg("limit", 5, 1, 20))})


@bp.get("/api/v1/console/gap")
@require_role("dispatcher", "planner")
def gap() -> ResponseReturnValue:
    """The coverage gap of ``?unit_type=`` for ``?minutes=`` as a GeoJSON Feature: the roads beyond T minutes
    from every available unit of the type.

    The coverage fingerprint (type, T, the units' positions and availability) is the ETag, so the page's live
    refresh gets a 304 until one of them changes.
    """
    minutes = int_arg("minutes", 10, 1, int(MAX_MINUTES))
    cov = service.coverage_of(get_session(), fleet(), request.args.get("unit_type", ""), minutes, "live")
    headers = {"ETag": f'"{cov.key}"'}
    if cov.key in request.if_none_match:
        return Response(status=304, headers=headers)
    body = gaps.gap_roads_feature(cov, fleet().network)
    return Response(body, mimetype="application/geo+json", headers=headers | {"Cache-Control": "no-cache"})


@bp.get("/api/v1/console/changes")
@require_role("dispatcher", "planner")
def changes() -> ResponseReturnValue:
    """A cursor over the audit trail that changes whenever anything is recorded (pages poll it)."""
    return jsonify({"cursor": change_cursor(get_session())})


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
