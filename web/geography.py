"""Geography endpoints: locate a point, search desa, desa/kecamatan GeoJSON."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from geo112.geography.coordinates import parse_lon_lat
from geo112.geography.locate import locate
from geo112.geography.search import search_desa
from geo112.store.features import MAX_LIMIT, PROVIDERS, ItemsQuery
from web.db import get_session, settings
from web.params import float_arg, int_arg, search_arg

bp = Blueprint("geography", __name__, url_prefix="/api/v1")


@bp.get("/locate")
def locate_point() -> ResponseReturnValue:
    """Desa, kecamatan and jurisdiction of ``?lat=&lon=``."""
    lon, lat = parse_lon_lat(request.args.get("lon"), request.args.get("lat"))
    return jsonify(locate(get_session(), lon, lat, settings().sliver_tolerance_m))


@bp.get("/desa")
def desa_search() -> ResponseReturnValue:
    """Desa whose name matches ``?q=``, tolerant of spelling variants."""
    query = search_arg("a desa or kecamatan name")
    return jsonify({"query": query, "results": search_desa(get_session(), query, int_arg("limit", 10, 1, 50))})


@bp.get("/<any(desa, kecamatan, jurisdiction):collection>.geojson")
def collection_geojson(collection: str) -> ResponseReturnValue:
    """All features of a collection; ``?simplify=<metres>`` simplifies geometry for maps."""
    simplify = float_arg("simplify", 0.0, 0, 5000)
    limit, offset = int_arg("limit", MAX_LIMIT, 1, MAX_LIMIT), int_arg("offset", 0, 0, 10**6)
    body = PROVIDERS[collection].items(get_session(), ItemsQuery(simplify, limit, offset))
    response = jsonify(body)
    response.mimetype = "application/geo+json"
    return response
