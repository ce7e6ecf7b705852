"""The dispatcher console: one screen with the map, call intake, the incident list and the unit board.

The page is a shell; its ES modules (``static/js/console.js``) fill it from the JSON API and keep it live.
"""

from __future__ import annotations

import io
from typing import Any, get_args

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, Field

from geo112.dispatch.schemas import Disposition
from geo112.errors import ServiceUnavailable
from geo112.geography.locate import locate
from geo112.geography.search import search_facilities, search_streets
from geo112.planning.coverage import gaps, service
from geo112.planning.thresholds import MAX_MINUTES
from geo112.store.audit import change_cursor
from web.api import DISPATCH, READ, blueprint
from web.auth import require_role
from web.db import get_session, settings
from web.fleet import fleet
from web.params import Integer, Point, Query, Search

bp = blueprint("console", "")
API = "/api/v1/console"


class StreetSearch(Query):
    """Part of a street name."""

    q: Search("a street name")  # type: ignore[valid-type]
    limit: Integer(1, 20) = 5  # type: ignore[valid-type]


class FacilitySearch(Query):
    """Part of a station's or facility's name."""

    q: Search("a station or facility name")  # type: ignore[valid-type]
    limit: Integer(1, 20) = 5  # type: ignore[valid-type]


class GapQuery(Query):
    """A unit type and a time."""

    unit_type: str = ""
    minutes: Integer(1, int(MAX_MINUTES)) = 10  # type: ignore[valid-type]


#: How an incident can be closed, in the API's order: the close form offers these (labels ``disposition_<code>``).
DISPOSITIONS: tuple[str, ...] = get_args(Disposition)


@bp.get("/console")
@require_role("dispatcher")
def page() -> ResponseReturnValue:
    """The dispatcher console."""
    return render_template("console/console.html", dispositions=DISPOSITIONS)


@bp.operation("get", f"{API}/place", roles=DISPATCH)
def place(query: Point) -> dict[str, Any]:
    """Where a point is, for the intake form: desa, kecamatan, jurisdiction and the nearest road."""
    lon, lat = query.lon, query.lat
    try:
        road = fleet().network.snap_point(lon, lat)
    except ServiceUnavailable:
        road = None  # the place is still worth showing without the road network
    where = locate(get_session(), lon, lat, settings().sliver_tolerance_m)
    return where.model_dump() | {
        "road": None if road is None else road._asdict() | {"distance_m": round(road.distance_m, 1)}
    }


@bp.operation("get", f"{API}/streets", roles=DISPATCH)
def streets(query: StreetSearch) -> dict[str, Any]:
    """Streets whose name contains ``?q=``, each with a point on it and its desa."""
    results = search_streets(get_session(), fleet().network, query.q, query.limit, settings().sliver_tolerance_m)
    return {"query": query.q, "results": results}


@bp.operation("get", f"{API}/facilities", roles=DISPATCH)
def facilities(query: FacilitySearch) -> dict[str, Any]:
    """Stations and facilities whose name matches ``?q=`` (hospitals, puskesmas, Damkar, police), with a point."""
    return {"query": query.q, "results": search_facilities(get_session(), query.q, query.limit)}


@bp.operation("get", f"{API}/gap", roles=READ, media_type="application/geo+json")
def gap(query: GapQuery) -> ResponseReturnValue:
    """The coverage gap of ``?unit_type=`` for ``?minutes=`` as a GeoJSON Feature: the roads beyond T minutes
    from every available unit of the type.

    The coverage fingerprint (type, T, the units' positions and availability) is the ETag, so the page's live
    refresh gets a 304 until one of them changes.
    """
    cov = service.coverage_of(get_session(), fleet(), query.unit_type, query.minutes, "live")
    headers = {"ETag": f'"{cov.key}"'}
    if cov.key in request.if_none_match:
        return Response(status=304, headers=headers)
    body = gaps.gap_roads_feature(cov, fleet().network)
    return Response(body, mimetype="application/geo+json", headers=headers | {"Cache-Control": "no-cache"})


@bp.operation("get", f"{API}/changes", roles=READ)
def changes() -> dict[str, Any]:
    """A cursor over the audit trail that changes whenever anything is recorded (pages poll it)."""
    return {"cursor": change_cursor(get_session())}


class QrText(BaseModel):
    """What a QR code holds (a responder or caller link)."""

    text: str = Field(min_length=1, max_length=1000)


@bp.operation("post", "/console/qr.svg", roles=DISPATCH, media_type="image/svg+xml")
def qr_code(json: QrText) -> ResponseReturnValue:
    """A QR code of a link as SVG, drawn here so the console needs no internet; the link is posted, never put
    in a URL, since it is a credential and URLs end up in logs."""
    import qrcode.image.svg  # with Pillow and lxml: loaded when a dispatcher first asks, not with the app

    svg = io.BytesIO()
    qrcode.make(json.text, image_factory=qrcode.image.svg.SvgPathImage, border=2).save(svg)
    return Response(svg.getvalue(), mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})
