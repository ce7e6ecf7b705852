"""The coverage API: summaries by kecamatan, desa choropleth, gaps, what-if, siting, exports, thresholds.

Planners (and admins) use all of it; dispatchers read the live layers (gaps and desa choropleth, mode
``live``) for their map. GeoJSON answers carry an ETag made from the coverage fingerprint, so a map that
polls gets 304 until a unit changes.
"""

from __future__ import annotations

from typing import Any, Literal

from flask import Response, request
from flask.typing import ResponseReturnValue
from pydantic import AliasChoices, Field

from geo112.dispatch.configuration import get_unit_type
from geo112.errors import Forbidden
from geo112.planning import scenario, thresholds
from geo112.planning.coverage import gaps
from geo112.planning.coverage import service as coverage
from geo112.planning.coverage.service import Coverage
from geo112.planning.schemas import SitingRequest, ThresholdUpdate, WhatIfRequest
from web.api import ADMIN, PLAN, READ, actor, blueprint
from web.auth import current_user
from web.db import get_session
from web.fleet import fleet
from web.params import Number, Query

bp = blueprint("coverage", "/api/v1/coverage")
GEOJSON = "application/geo+json"


class CoverageQuery(Query):
    """Which coverage: a unit type at T minutes, live or from the stations, with a busy fraction."""

    type: str = Field("", validation_alias=AliasChoices("type", "unit_type"), description="unit type code")
    minutes: Number(thresholds.MIN_MINUTES, thresholds.MAX_MINUTES) = Field(  # type: ignore[valid-type]
        None, description="default the type's first configured threshold"
    )
    mode: Literal["live", "stations"] = "live"
    busy: Number(0, 0.99) = Field(  # type: ignore[valid-type]
        None, description="busy fraction for MEXCLP; default measured from the incident history, else 0.2"
    )


class MapQuery(CoverageQuery):
    """A coverage layer, simplified for the map."""

    simplify: Number(0, 500) = Field(20.0, description="metres")  # type: ignore[valid-type]


class ExportQuery(CoverageQuery):
    """A coverage file, by kecamatan or by desa."""

    level: Literal["kecamatan", "desa"] = "kecamatan"


class ChartsQuery(Query):
    """Coverage charts from the stations or live."""

    mode: Literal["live", "stations"] = "stations"


def _coverage(query: CoverageQuery) -> Coverage:
    """The coverage ``query`` asks for; a dispatcher may ask for ``live`` only."""
    session = get_session()
    kind = get_unit_type(session, query.type)
    user = current_user()
    if query.mode != "live" and user is not None and user.role == "dispatcher":
        raise Forbidden("dispatchers see live coverage only (mode=live)")
    configured = thresholds.configured_thresholds(session).get(kind.code, ())
    minutes = query.minutes if query.minutes is not None else (configured[0].minutes if configured else 15.0)
    return coverage.coverage_of(session, fleet(), kind.code, minutes, query.mode, query.busy)


def _geojson(body: str, etag: str | None = None, filename: str | None = None) -> Response:
    headers = {"Cache-Control": "no-cache"}
    if etag:
        headers["ETag"] = f'"{etag}"'
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(body, mimetype=GEOJSON, headers=headers)


def _not_modified(key: str) -> Response | None:
    return Response(status=304, headers={"ETag": f'"{key}"'}) if key in request.if_none_match else None


def _summary(query: CoverageQuery) -> dict[str, Any]:
    cov = _coverage(query)
    return {
        **coverage.parameters(cov),
        "busy_detail": cov.busy.as_dict(),
        "fingerprint": cov.key,
        "totals": coverage.totals(cov),
        "kecamatan": coverage.kecamatan_rows(cov),
    }


@bp.operation("get", "/summary", roles=PLAN)
def summary(query: CoverageQuery) -> dict[str, Any]:
    """Coverage of a unit type at T, by kecamatan.

    Kabupaten totals and a row per kecamatan (population uncovered, % covered, double and expected coverage),
    with the busy fraction used and where it comes from (``busy_detail``).
    """
    return _summary(query)


@bp.operation("get", "", roles=PLAN)
def summary_alias(query: CoverageQuery) -> dict[str, Any]:
    """Coverage of a unit type at T, by kecamatan (the same as ``/coverage/summary``)."""
    return _summary(query)


@bp.operation("get", "/charts", roles=PLAN)
def chart_specs(query: ChartsQuery) -> dict[str, Any]:
    """Coverage charts of every unit type at its first threshold (Vega-Lite specs)."""
    from geo112.analytics import charts  # Altair and pandas load when a planner first asks (docs/performance.md)

    return {"charts": charts.coverage_charts(get_session(), fleet(), query.mode)}


@bp.operation("get", "/desa.geojson", roles=READ, media_type=GEOJSON)
def desa_geojson(query: MapQuery) -> ResponseReturnValue:
    """Desa choropleth of coverage: each desa with its covered, double and expected shares (dispatchers: live
    only)."""
    cov = _coverage(query)
    key = f"{cov.key}-{query.simplify:g}"
    if (cached := _not_modified(key)) is not None:
        return cached
    return _geojson(coverage.desa_features(get_session(), coverage.desa_rows(cov), cov.index, query.simplify), key)


@bp.operation("get", "/gaps.geojson", roles=READ, media_type=GEOJSON)
def gaps_geojson(query: CoverageQuery) -> ResponseReturnValue:
    """The area beyond T from every available unit (dispatchers: live only): the service areas' complement."""
    cov = _coverage(query)
    if (cached := _not_modified(cov.key)) is not None:
        return cached
    return _geojson(gaps.gap_area_feature(cov, fleet().network), cov.key)


@bp.operation("post", "/whatif", roles=PLAN)
def whatif(json: WhatIfRequest) -> dict[str, Any]:
    """Coverage before and after hypothetical changes.

    Add, move or remove hypothetical stations or units: coverage before and after, the desa map, and the reach
    curves before and after as a chart (``chart``, Vega-Lite).
    """
    from geo112.analytics import charts

    session = get_session()
    report = scenario.whatif(session, fleet(), json)
    return report | {"chart": charts.whatif_reach(report, get_unit_type(session, report["unit_type"]).name)}


@bp.operation("post", "/siting", roles=PLAN)
def siting(json: SitingRequest) -> dict[str, Any]:
    """Best new posts by MCLP or p-median, among existing facilities, planned posts and desa centres."""
    from geo112.planning.siting.service import site  # PuLP and HiGHS

    return site(get_session(), fleet().network, json)


@bp.operation("get", "/export.<any(csv, geojson, gpkg):fmt>", roles=PLAN, media_type="text/csv")
def export_file(fmt: str, query: ExportQuery) -> ResponseReturnValue:
    """Coverage by desa and kecamatan as a file.

    CSV (a row per kecamatan, or per desa with ``level=desa``), GeoJSON (desa) or GeoPackage (desa and kecamatan).
    """
    from geo112.planning.coverage import export  # geopandas and pyproj

    cov, level = _coverage(query), query.level
    data, mimetype = export.as_file(get_session(), cov, fmt, level)
    suffix = "-desa" if fmt == "csv" and level == "desa" else ""
    filename = f"coverage-{cov.unit_type}-{cov.minutes:g}min-{cov.mode}{suffix}.{fmt}"
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.operation("get", "/thresholds", roles=READ)
def list_thresholds() -> dict[str, Any]:
    """Coverage thresholds per unit type, with the source of each (configured rows, else the documented
    defaults)."""
    return {"items": thresholds.threshold_items(get_session())}


@bp.operation("put", "/thresholds/<code>", roles=ADMIN)
def set_thresholds(code: str, json: ThresholdUpdate) -> dict[str, Any]:
    """Set a unit type's thresholds (admin); a default's minutes keep their source."""
    thresholds.set_thresholds(get_session(), code, json.minutes, actor())
    return {"items": thresholds.threshold_items(get_session(), code)}
