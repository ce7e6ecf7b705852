"""The dispatcher console: one screen with the map, call intake, the incident list and the unit board.

The page is a shell; its ES modules (``static/js/console.js``) fill it from the JSON API and keep it live.
"""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
import qrcode
import qrcode.image.svg
import shapely
from flask import Blueprint, Response, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from geo112.planning.coverage import service as coverage_service
from geo112.errors import InvalidInput, ServiceUnavailable
from geo112.geography.areas import locate
from geo112.geography.coordinates import lon_lat
from web.auth import require_role
from web.db import get_session, settings
from web.engine import fleet
from web.params import int_arg

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
    try:
        road = fleet().snap_point(lon, lat)
    except ServiceUnavailable:
        road = None  # the place is still worth showing without the road network
    return jsonify(locate(get_session(), lon, lat, settings().sliver_tolerance_m)
                   | {"road": None if road is None else {"lon": road[0], "lat": road[1], "distance_m": round(road[2], 1)}})


# Street names start with a road kind callers leave out or abbreviate.
_STREET_PREFIXES = ("jalan ", "jl ", "jln ", "gang ", "gg ")


def _street_key(name: str) -> str:
    key = " ".join(name.lower().replace(".", " ").split())
    for prefix in _STREET_PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix):]
    return key


def street_matches(graph: Any, query: str, limit: int) -> list[tuple[str, float, float]]:
    """Find streets of a compiled road graph by name, with a point in the middle of each.

    Parameters
    ----------
    graph
        A :class:`routing.CompiledGraph` (its ``names``, ``edge_name`` and edge geometries).
    query
        Text as typed, with or without "Jalan"/"Jl.".
    limit
        Most streets to return.

    Returns
    -------
    list of (name, lon, lat)
        Names starting with the query first, then the shorter names.
    """
    wanted = _street_key(query)
    if len(wanted) < 2:
        return []
    keys = [_street_key(str(n)) for n in graph.names]
    hits = sorted((not k.startswith(wanted), len(k), i) for i, k in enumerate(keys) if i and wanted in k)[:limit]
    found = []
    for *_, name_id in hits:
        edges = np.flatnonzero(graph.edge_name == name_id)
        edge = edges[len(edges) // 2]
        lo, hi = graph.geom_ptr[edge], graph.geom_ptr[edge + 1]
        middle = (lo + hi) // 2
        found.append((str(graph.names[name_id]), float(graph.geom_lon[middle]), float(graph.geom_lat[middle])))
    return found


@bp.get("/api/v1/console/streets")
@require_role("dispatcher")
def streets() -> ResponseReturnValue:
    """Streets whose name contains ``?q=``, each with a point on it and its desa."""
    query = request.args.get("q", "").strip()
    if not 0 < len(query) <= 100:
        raise InvalidInput("q is required, at most 100 characters")
    session, tolerance = get_session(), settings().sliver_tolerance_m
    results = []
    for name, lon, lat in street_matches(fleet().engine.graph, query, int_arg("limit", 5, 1, 20)):
        where = locate(session, lon, lat, tolerance)
        results.append({"name": name, "lon": lon, "lat": lat, "desa": where["desa"]["name"] if where["desa"] else None,
                        "kecamatan": where["kecamatan"]["name"] if where["kecamatan"] else None})
    return jsonify({"query": query, "results": results})


def gap_roads(engine: Any, reached: np.ndarray) -> dict[str, Any]:
    """The roads whose two ends are both beyond T from every unit.

    A road counts as reached when either of its ends is reached in time, so the gap errs on the side of
    fewer roads.

    Parameters
    ----------
    engine
        A :class:`routing.Engine`.
    reached
        Per node: reached within T by an available unit (from the coverage service).

    Returns
    -------
    dict
        ``geometry`` (a shapely MultiLineString, lon/lat to 1e-5°), ``gap_length_m``, ``network_length_m``
        and ``gap_share``.
    """
    g = engine.graph
    # A two-way road is two directed edges: keep one edge per pair of nodes.
    pair = np.minimum(g.edge_u, g.edge_v).astype(np.int64) * g.n_nodes + np.maximum(g.edge_u, g.edge_v)
    once = np.unique(pair, return_index=True)[1]
    gap = once[~reached[g.edge_u[once]] & ~reached[g.edge_v[once]]]
    in_gap = np.zeros(g.n_edges, dtype=bool)
    in_gap[gap] = True
    owner = np.repeat(np.arange(g.n_edges), np.diff(g.geom_ptr))  # the edge of every geometry vertex
    keep = in_gap[owner]
    lines = shapely.linestrings(np.column_stack([g.geom_lon[keep], g.geom_lat[keep]]),
                                indices=np.unique(owner[keep], return_inverse=True)[1]) if len(gap) else []
    total, length = float(g.edge_len[once].sum()), float(g.edge_len[gap].sum())
    return {"geometry": shapely.set_precision(shapely.line_merge(shapely.multilinestrings(lines)), 1e-5),
            "gap_length_m": round(length), "network_length_m": round(total),
            "gap_share": round(length / total, 4) if total else 0.0}


@bp.get("/api/v1/console/gap")
@require_role("dispatcher", "planner")
def gap() -> ResponseReturnValue:
    """The coverage gap of ``?unit_type=`` for ``?minutes=`` as a GeoJSON Feature: the roads beyond T minutes
    from every available unit of the type.

    The times come from the coverage service (live basis), whose fingerprint of the inputs (type, T, the
    units' positions and availability) is the ETag, so the page's live refresh gets a 304 until one of them
    changes; the road geometry goes out as shapely writes it.
    """
    session = get_session()
    minutes = int_arg("minutes", 10, 1, 120)
    cov = coverage_service.coverage_of(session, fleet(), request.args.get("unit_type", ""), minutes, "live")
    etag = cov.key
    if etag in request.if_none_match:
        return Response(status=304, headers={"ETag": f'"{etag}"'})
    result = gap_roads(fleet().engine, cov.summary.nearest_s <= minutes * 60.0)
    properties = {"unit_type": cov.unit_type, "minutes": minutes, "units": int(cov.sources.available.sum()),
                  **{k: v for k, v in result.items() if k != "geometry"}}
    # Splice shapely's own GeoJSON in: parsing it back only to dump it again would take most of the time.
    body = f'{{"type": "Feature", "properties": {json.dumps(properties)}, "geometry": {shapely.to_geojson(result["geometry"])}}}'
    return Response(body, mimetype="application/geo+json", headers={"ETag": f'"{etag}"', "Cache-Control": "no-cache"})


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
