"""The coverage API: summaries by kecamatan, desa choropleth, gaps, what-if, siting, exports, thresholds.

Planners (and admins) use all of it; dispatchers read the live layers (gaps and desa choropleth, mode
``live``) for their map. GeoJSON answers carry an ETag made from the coverage fingerprint, so a map that
polls gets 304 until a unit changes.
"""

from __future__ import annotations

from flask import Response, jsonify, request
from flask.typing import ResponseReturnValue

from geo112.analytics import charts
from geo112.dispatch.configuration import get_unit_type
from geo112.errors import Forbidden
from geo112.planning import scenario, thresholds
from geo112.planning.coverage import export, gaps
from geo112.planning.coverage import service as coverage
from geo112.planning.coverage.service import Coverage
from geo112.planning.schemas import SitingRequest, ThresholdUpdate, WhatIfRequest
from geo112.planning.siting.service import site
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
    kind = get_unit_type(session, code)
    mode = request.args.get("mode", "live")
    user = current_user()
    if mode != "live" and user is not None and user.role == "dispatcher":
        raise Forbidden("dispatchers see live coverage only (mode=live)")
    configured = thresholds.configured_thresholds(session).get(kind.code, ())
    minutes = float_arg(
        "minutes", configured[0].minutes if configured else 15.0, thresholds.MIN_MINUTES, thresholds.MAX_MINUTES
    )
    busy = float_arg("busy", None, 0, 0.99)
    return coverage.coverage_of(session, fleet(), kind.code, minutes, mode, busy)


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
    return jsonify(
        {
            **coverage.parameters(cov),
            "busy_detail": cov.busy.as_dict(),
            "fingerprint": cov.key,
            "totals": coverage.totals(cov),
            "kecamatan": coverage.kecamatan_rows(cov),
        }
    )


@bp.get("/charts")
@require_role(*PLAN)
def chart_specs() -> ResponseReturnValue:
    """Vega-Lite specs of the coverage charts: every unit type at its first threshold (``?mode=stations|live``)."""
    return jsonify({"charts": charts.coverage_charts(get_session(), fleet(), request.args.get("mode", "stations"))})


@bp.get("/desa.geojson")
@require_role(*READ)
def desa_geojson() -> ResponseReturnValue:
    """The desa choropleth: each desa polygon with its covered, double and expected shares."""
    cov = _coverage()
    simplify = float_arg("simplify", 20.0, 0, 500)
    key = f"{cov.key}-{simplify:g}"
    if (cached := _not_modified(key)) is not None:
        return cached
    return _geojson(coverage.desa_features(get_session(), coverage.desa_rows(cov), cov.index, simplify), key)


@bp.get("/gaps.geojson")
@require_role(*READ)
def gaps_geojson() -> ResponseReturnValue:
    """The gap: the part of the kabupaten beyond T from every available unit (service-area complement)."""
    cov = _coverage()
    if (cached := _not_modified(cov.key)) is not None:
        return cached
    return _geojson(gaps.gap_area_feature(cov, fleet().network), cov.key)


@bp.post("/whatif")
@require_role(*PLAN)
def whatif() -> ResponseReturnValue:
    """Add, move or remove hypothetical stations or units: coverage before and after, the desa map, and the
    reach curves before and after as a chart (``chart``, Vega-Lite)."""
    session = get_session()
    report = scenario.whatif(session, fleet(), body(WhatIfRequest))
    return jsonify(report | {"chart": charts.whatif_reach(report, get_unit_type(session, report["unit_type"]).name)})


@bp.post("/siting")
@require_role(*PLAN)
def siting() -> ResponseReturnValue:
    """MCLP or p-median: the best ``p`` new posts among existing facilities, planned posts and desa centres."""
    return jsonify(site(get_session(), fleet().network, body(SitingRequest)))


@bp.get("/export.<any(csv, geojson, gpkg):fmt>")
@require_role(*PLAN)
def export_file(fmt: str) -> ResponseReturnValue:
    """The coverage as a file: CSV (a row per kecamatan, or per desa with ``level=desa``), GeoJSON (desa) or
    GeoPackage (desa and kecamatan)."""
    cov, level = _coverage(), request.args.get("level", "kecamatan")
    data, mimetype = export.as_file(get_session(), cov, fmt, level)
    suffix = "-desa" if fmt == "csv" and level == "desa" else ""
    filename = f"coverage-{cov.unit_type}-{cov.minutes:g}min-{cov.mode}{suffix}.{fmt}"
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/thresholds")
@require_role(*READ)
def list_thresholds() -> ResponseReturnValue:
    """Thresholds per unit type, with the source of each (configured rows, else the documented defaults)."""
    return jsonify({"items": thresholds.threshold_items(get_session())})


@bp.put("/thresholds/<code>")
@require_role(*ADMIN)
def set_thresholds(code: str) -> ResponseReturnValue:
    """Replace a unit type's thresholds (admin); a default's minutes keep their source."""
    thresholds.set_thresholds(get_session(), code, body(ThresholdUpdate).minutes, actor())
    return jsonify({"items": thresholds.threshold_items(get_session(), code)})
