"""Geography endpoints: locate a point, search desa, desa/kecamatan GeoJSON."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from geo112.geography.locate import Location, locate
from geo112.geography.search import search_desa
from geo112.store.features import MAX_LIMIT, PROVIDERS, ItemsQuery
from web.api import PUBLIC, blueprint
from web.db import get_session, settings
from web.params import Integer, Number, Point, Query, Search

bp = blueprint("geography")


class DesaSearch(Query):
    """Part of a desa or kecamatan name."""

    q: Search("a desa or kecamatan name")  # type: ignore[valid-type]
    limit: Integer(1, 50) = 10  # type: ignore[valid-type]


class CollectionQuery(Query):
    """A page of a collection, simplified for maps."""

    simplify: Number(0, 5000) = 0.0  # type: ignore[valid-type]
    limit: Integer(1, MAX_LIMIT) = MAX_LIMIT  # type: ignore[valid-type]
    offset: Integer(0, 10**6) = 0  # type: ignore[valid-type]


@bp.operation("get", "/locate", roles=PUBLIC, response=Location)
def locate_point(query: Point) -> Location:
    """Desa, kecamatan and jurisdiction of a point."""
    return locate(get_session(), query.lon, query.lat, settings().sliver_tolerance_m)


@bp.operation("get", "/desa", roles=PUBLIC)
def desa_search(query: DesaSearch) -> dict[str, Any]:
    """Desa whose name matches ``?q=``, tolerant of spelling variants."""
    return {"query": query.q, "results": search_desa(get_session(), query.q, query.limit)}


@bp.operation(
    "get", "/<any(desa, kecamatan, jurisdiction):collection>.geojson", roles=PUBLIC, media_type="application/geo+json"
)
def collection_geojson(collection: str, query: CollectionQuery) -> ResponseReturnValue:
    """The desa, kecamatan or jurisdiction polygons as GeoJSON; ``?simplify=<metres>`` for maps."""
    body = PROVIDERS[collection].items(get_session(), ItemsQuery(query.simplify or 0.0, query.limit, query.offset))
    response = jsonify(body)
    response.mimetype = "application/geo+json"
    return response
