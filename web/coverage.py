"""The coverage API: summaries by kecamatan, desa choropleth, gaps, what-if, siting, exports, thresholds.

Planners (and admins) use all of it; dispatchers read the live layers (gaps and desa choropleth, mode
``live``) for their map. GeoJSON answers carry an ETag made from the coverage fingerprint, so a map that
polls gets 304 until a unit changes.
"""

from __future__ import annotations

import json
from typing import Any

import shapely
from flask import Response, jsonify, request
from flask.typing import ResponseReturnValue

from geo112.planning.coverage import export as coverage_export
from geo112.planning.coverage import service as coverage_service
from geo112.planning import scenario
from geo112.planning.siting import service as siting_service
from geo112.planning import thresholds as threshold_config
from geo112.planning.coverage.service import Coverage
from geo112.errors import Forbidden
from geo112.planning.schemas import SitingRequest, ThresholdUpdate, WhatIfRequest
from web.api import ADMIN, PLAN, READ, actor, blueprint, body
from web.auth import current_user, require_role
from web.db import get_session
from web.engine import fleet
from web.params import float_arg

bp = blueprint("coverage", "/api/v1/coverage")
GEOJSON = "application/geo+json"


def _coverage() -> Coverage:
    """The coverage the query string asks for: ``type`` (or ``unit_type``), ``minutes``, ``mode``, ``busy``.

    ``minutes`` defaults to the type's first configured threshold, ``busy`` to the busy fraction measured from
    the incident history; a dispatcher may ask for ``live`` only.
    """
    session = get_session()
    code = request.args.get("type") or request.args.get("unit_type") or ""
    kind = coverage_service.unit_type(session, code)
    mode = request.args.get("mode", "live")
    user = current_user()
    if mode != "live" and user is not None and user.role == "dispatcher":
        raise Forbidden("dispatchers see live coverage only (mode=live)")
    configured = threshold_config.configured_thresholds(session).get(kind.code, ())
    minutes = float_arg("minutes", configured[0].minutes if configured else 15.0, 0.5, 120)
    busy = float_arg("busy", None, 0, 0.99)
    return coverage_service.coverage_of(session, fleet(), kind.code, minutes, mode, busy)


def _geojson(body: str, etag: str | None = None, filename: str | None = None) -> Response:
    headers = {"Cache-Control": "no-cache"}
    if etag:
        headers["ETag"] = f'"{etag}"'
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(body, mimetype=GEOJSON, headers=headers)


def _not_modified(key: str) -> Response | None:
    return Response(status=304, headers={"ETag": f'"{key}"'}) if key in request.if_none_match else None


@bp.get("")
@bp.get("/summary")
@require_role(*PLAN)
def summary() -> ResponseReturnValue:
    """Coverage of a unit type at T: kabupaten totals and a row per kecamatan (population uncovered, % covered,
    double and expected coverage), with the busy fraction used and where it comes from (``busy_detail``)."""
    cov = _coverage()
    return jsonify({**coverage_service.parameters(cov), "busy_detail": cov.busy.as_dict(), "fingerprint": cov.key,
                    "totals": coverage_service.totals(cov),
                    "kecamatan": coverage_service.kecamatan_rows(cov)})


@bp.get("/desa.geojson")
@require_role(*READ)
def desa_geojson() -> ResponseReturnValue:
    """The desa choropleth: each desa polygon with its covered, double and expected shares."""
    cov = _coverage()
    simplify = float_arg("simplify", 20.0, 0, 500)
    key = f"{cov.key}-{simplify:g}"
    if (cached := _not_modified(key)) is not None:
        return cached
    return _geojson(coverage_service.desa_features(get_session(), coverage_service.desa_rows(cov), cov.index,
                                                   simplify), key)


@bp.get("/gaps.geojson")
@require_role(*READ)
def gaps_geojson() -> ResponseReturnValue:
    """The gap: the part of the kabupaten beyond T from every available unit (service-area complement)."""
    cov = _coverage()
    if (cached := _not_modified(cov.key)) is not None:
        return cached
    gap = coverage_service.gaps(cov, fleet().engine)
    share = gap.area / cov.index.regency.area if cov.index.regency.area else 0.0
    properties = {**coverage_service.parameters(cov), "available_units": int(cov.sources.available.sum()), "area_share": round(share, 4)}
    return _geojson(f'{{"type":"Feature","properties":{json.dumps(properties)},'
                    f'"geometry":{shapely.to_geojson(shapely.set_precision(gap, 1e-5))}}}', cov.key)


@bp.post("/whatif")
@require_role(*PLAN)
def whatif() -> ResponseReturnValue:
    """Add, move or remove hypothetical stations or units: coverage before and after, and the desa map."""
    report, rows, after = scenario.whatif(get_session(), fleet(), body(WhatIfRequest))
    report["desa"] = json.loads(coverage_service.desa_features(get_session(), rows, after.index))
    return jsonify(report)


@bp.post("/siting")
@require_role(*PLAN)
def siting() -> ResponseReturnValue:
    """MCLP or p-median: the best ``p`` new posts among existing facilities, planned posts and desa centres."""
    result = siting_service.site(get_session(), fleet(), body(SitingRequest))
    sites = result["fixed"] + result["new_sites"]
    result["geojson"] = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]}, "properties": s}
        for s in sites]}
    return jsonify(result)


@bp.get("/export.<any(csv, geojson, gpkg):fmt>")
@require_role(*PLAN)
def export(fmt: str) -> ResponseReturnValue:
    """The coverage as a file: CSV (a row per kecamatan), GeoJSON (desa) or GeoPackage (desa and kecamatan)."""
    cov = _coverage()
    name = f"coverage-{cov.unit_type}-{cov.minutes:g}min-{cov.mode}"
    if fmt == "csv":
        return Response(coverage_export.to_csv(cov), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    if fmt == "geojson":
        rows = [coverage_service.parameters(cov) | r for r in coverage_service.desa_rows(cov)]
        return _geojson(coverage_service.desa_features(get_session(), rows, cov.index, 0.0), filename=f"{name}.geojson")
    return Response(coverage_export.to_geopackage(get_session(), cov), mimetype="application/geopackage+sqlite3",
                    headers={"Content-Disposition": f'attachment; filename="{name}.gpkg"'})


def _thresholds_json(code: str | None = None) -> dict[str, Any]:
    resolved = threshold_config.configured_thresholds(get_session())
    items = [{"unit_type": t, "minutes": th.minutes, "label": th.label, "source": th.source}
             for t, ths in resolved.items() if code in (None, t) for th in ths]
    return {"items": items}


@bp.get("/thresholds")
@require_role(*READ)
def thresholds() -> ResponseReturnValue:
    """Thresholds per unit type, with the source of each (configured rows, else the documented defaults)."""
    return jsonify(_thresholds_json())


@bp.put("/thresholds/<code>")
@require_role(*ADMIN)
def set_thresholds(code: str) -> ResponseReturnValue:
    """Replace a unit type's thresholds (admin); a default's minutes keep their source."""
    threshold_config.set_thresholds(get_session(), code, body(ThresholdUpdate).minutes, actor())
    return jsonify(_thresholds_json(code))
