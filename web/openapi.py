"""The OpenAPI 3.1 document of the REST API, made from the pydantic schemas that validate requests."""

from __future__ import annotations

import re
from typing import Any, Literal

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from geo112.analytics.figures import MAX_CELL_M, MIN_CELL_M
from geo112.dispatch import schemas as s
from geo112.geography.coordinates import LAT_LIMIT, LON_LIMIT
from geo112.planning import schemas as pl
from geo112.planning.thresholds import MAX_MINUTES, MIN_MINUTES
from web.api import ADMIN, DISPATCH, MAX_PAGE, PLAN, READ

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")
_PARAM = re.compile(r"{(\w+)}")
PAGED = ("limit", "offset")

PUBLIC: tuple[str, ...] = ()
COVERAGE = ("type", "minutes", "mode", "busy", "simplify")
ANALYTICS = ("start", "end", "category", "include_synthetic")

#: (method, path, summary, roles, request schema, response schema, success status, query parameters)
OPERATIONS: list[
    tuple[str, str, str, tuple[str, ...], type[BaseModel] | None, type[BaseModel] | None, int, tuple[str, ...]]
] = [
    ("post", "/incidents", "Record an incident", DISPATCH, s.IncidentCreate, s.Incident, 201, ()),
    (
        "get",
        "/incidents",
        "List incidents, newest first",
        READ,
        None,
        None,
        200,
        ("status", "category", "priority", "kecamatan", "handoff", "since", "until", *PAGED),
    ),
    ("get", "/incidents/{incident_id}", "Read an incident", READ, None, s.Incident, 200, ()),
    ("patch", "/incidents/{incident_id}", "Edit an open incident", DISPATCH, s.IncidentUpdate, s.Incident, 200, ()),
    (
        "post",
        "/incidents/{incident_id}/close",
        "Close with a disposition",
        DISPATCH,
        s.IncidentClose,
        s.Incident,
        200,
        (),
    ),
    (
        "post",
        "/incidents/{incident_id}/handoff",
        "Hand off to another 112 (closes it here)",
        DISPATCH,
        s.HandoffCreate,
        s.Handoff,
        201,
        (),
    ),
    ("get", "/handoffs", "Hand-offs, newest first", READ, None, None, 200, ("status",)),
    (
        "post",
        "/handoffs/{handoff_id}/answer",
        "The other 112's answer (declined reopens)",
        DISPATCH,
        s.HandoffAnswer,
        s.Handoff,
        200,
        (),
    ),
    ("get", "/incidents/{incident_id}/cap.xml", "The incident as a CAP 1.2 alert", READ, None, None, 200, ()),
    ("get", "/handoffs/{handoff_id}/cap.xml", "The hand-off as a CAP 1.2 alert", READ, None, None, 200, ()),
    ("get", "/cap/feed.atom", "Atom feed of hand-offs waiting for an answer", READ, None, None, 200, ()),
    ("post", "/cap", "Receive a CAP 1.2 alert from another 112 (XML body)", DISPATCH, None, None, 201, ()),
    ("get", "/incidents/{incident_id}/timeline", "The incident's audit events", READ, None, None, 200, ()),
    (
        "get",
        "/incidents/{incident_id}/recommendations",
        "Nearest available units per required type",
        DISPATCH,
        None,
        s.Recommendation,
        200,
        ("k", "types"),
    ),
    (
        "get",
        "/incidents/{incident_id}/routes",
        "Road routes of units to the incident (GeoJSON), for previews",
        DISPATCH,
        None,
        None,
        200,
        ("units",),
    ),
    (
        "get",
        "/incidents/{incident_id}/calls",
        "The incident's calls (callers masked but for dispatchers)",
        READ,
        None,
        None,
        200,
        (),
    ),
    (
        "post",
        "/incidents/{incident_id}/calls",
        "Another call joins the incident (Gabungkan)",
        DISPATCH,
        s.CallCreate,
        s.Call,
        201,
        (),
    ),
    (
        "post",
        "/incidents/{incident_id}/merge",
        "Merge the incident into another (it closes as a duplicate)",
        DISPATCH,
        s.IncidentMerge,
        s.Incident,
        200,
        (),
    ),
    (
        "get",
        "/calls/duplicates",
        "Open incidents a new call may be about, and the caller's history",
        DISPATCH,
        None,
        s.Duplicates,
        200,
        ("lat", "lon", "phone", "exclude"),
    ),
    (
        "post",
        "/incidents/{incident_id}/caller-link",
        "A link that asks the caller's phone for its position",
        DISPATCH,
        s.CallerLinkCreate,
        None,
        201,
        (),
    ),
    ("get", "/alerts", "Phases running over their targets, unacknowledged first", DISPATCH, None, None, 200, ()),
    ("post", "/alerts/acknowledge", "Acknowledge an overdue phase", DISPATCH, s.AlertAcknowledge, None, 200, ()),
    ("get", "/phase-targets", "How long each phase may take", READ, None, None, 200, ()),
    ("put", "/phase-targets", "Set a phase target", ADMIN, s.PhaseTargetSet, None, 200, ()),
    ("get", "/incidents/{incident_id}/assignments", "The incident's assignments", READ, None, None, 200, ()),
    (
        "post",
        "/incidents/{incident_id}/assignments",
        "Assign a unit (409 names the holding incident)",
        DISPATCH,
        s.AssignmentCreate,
        s.Assignment,
        201,
        (),
    ),
    ("get", "/assignments/{assignment_id}", "Read an assignment", READ, None, s.Assignment, 200, ()),
    ("post", "/assignments/{assignment_id}/link", "Issue a new responder link", DISPATCH, None, s.Assignment, 200, ()),
    ("get", "/units", "List units", READ, None, None, 200, ("type", "status", "agency", "station", *PAGED)),
    ("get", "/units/{unit_id}", "Read a unit", READ, None, s.Unit, 200, ()),
    ("post", "/units/{unit_id}/status", "Change a unit's status", DISPATCH, s.UnitStatusChange, s.Unit, 200, ()),
    (
        "post",
        "/units/{unit_id}/relocate",
        "Order an available unit to another station (move-up)",
        DISPATCH,
        s.UnitRelocate,
        s.Unit,
        200,
        (),
    ),
    (
        "get",
        "/units/departure-cost",
        "What sending each unit costs its type's coverage",
        DISPATCH,
        None,
        None,
        200,
        ("units",),
    ),
    (
        "get",
        "/moveup",
        "Coverage per unit type and the relocations that win it back",
        DISPATCH,
        None,
        None,
        200,
        ("unit_type", "level"),
    ),
    ("post", "/units/{unit_id}/position", "Record an AVL position", DISPATCH, s.UnitPosition, s.Unit, 200, ()),
    ("get", "/stations", "List stations", READ, None, None, 200, ("agency", "kind", *PAGED)),
    ("get", "/stations/{station_id}", "Read a station", READ, None, s.Station, 200, ()),
    (
        "put",
        "/stations/{station_id}/position",
        "Correct a station's position",
        PLAN,
        s.StationPosition,
        s.Station,
        200,
        (),
    ),
    ("get", "/agencies", "List agencies", READ, None, None, 200, ()),
    ("get", "/unit-types", "List unit types", READ, None, None, 200, ()),
    ("post", "/unit-types", "Add a unit type", ADMIN, s.UnitTypeCreate, None, 201, ()),
    ("patch", "/unit-types/{code}", "Change a unit type", ADMIN, s.UnitTypeUpdate, None, 200, ()),
    ("get", "/category-matrix", "Categories and the unit types they need", READ, None, None, 200, ()),
    (
        "patch",
        "/categories/{category}",
        "Change a category's duplicate radius and window",
        ADMIN,
        s.CategoryRules,
        None,
        200,
        (),
    ),
    (
        "put",
        "/category-matrix/{category}",
        "Set the unit types a category needs",
        ADMIN,
        s.CategoryRequirements,
        None,
        200,
        (),
    ),
    ("get", "/locate", "Desa, kecamatan and jurisdiction of a point", PUBLIC, None, None, 200, ("lat", "lon")),
    ("get", "/desa", "Desa whose name matches, tolerant of spelling variants", PUBLIC, None, None, 200, ("q", "limit")),
    *[
        ("get", f"/{name}.geojson", f"The {name} polygons as GeoJSON", PUBLIC, None, None, 200, ("simplify", *PAGED))
        for name in ("desa", "kecamatan", "jurisdiction")
    ],
    *[
        ("get", f"/coverage{path}", summary, roles, None, None, 200, COVERAGE)
        for path, summary, roles in (
            ("/summary", "Coverage of a unit type at T, by kecamatan", PLAN),
            ("/desa.geojson", "Desa choropleth of coverage (dispatchers: live only)", READ),
            ("/gaps.geojson", "The area beyond T from every available unit (dispatchers: live only)", READ),
        )
    ],
    (
        "post",
        "/coverage/whatif",
        "Coverage before and after hypothetical changes",
        PLAN,
        pl.WhatIfRequest,
        None,
        200,
        (),
    ),
    ("post", "/coverage/siting", "Best new posts by MCLP or p-median", PLAN, pl.SitingRequest, None, 200, ()),
    *[
        (
            "get",
            f"/coverage/export.{fmt}",
            f"Coverage by desa and kecamatan as {fmt}",
            PLAN,
            None,
            None,
            200,
            (*COVERAGE, "level"),
        )
        for fmt in ("csv", "geojson", "gpkg")
    ],
    (
        "get",
        "/coverage/charts",
        "Coverage charts of every unit type (Vega-Lite specs)",
        PLAN,
        None,
        None,
        200,
        ("mode",),
    ),
    ("get", "/coverage/thresholds", "Coverage thresholds per unit type", READ, None, None, 200, ()),
    ("put", "/coverage/thresholds/{code}", "Set a unit type's thresholds", ADMIN, pl.ThresholdUpdate, None, 200, ()),
    ("get", "/analytics/summary", "Incidents the filters select", PLAN, None, None, 200, ANALYTICS),
    (
        "get",
        "/analytics/counts",
        "Incident counts by desa, kecamatan or category",
        PLAN,
        None,
        None,
        200,
        (*ANALYTICS, "by"),
    ),
    (
        "get",
        "/analytics/intervals",
        "Response intervals: median and 90th percentile",
        PLAN,
        None,
        None,
        200,
        (*ANALYTICS, "by"),
    ),
    (
        "get",
        "/analytics/compliance",
        "Share of incidents reached within each threshold",
        PLAN,
        None,
        None,
        200,
        ANALYTICS,
    ),
    ("get", "/analytics/heatmap", "Incidents on a grid", PLAN, None, None, 200, (*ANALYTICS, "cell_m")),
    ("get", "/analytics/charts", "Analytics charts (Vega-Lite specs)", PLAN, None, None, 200, (*ANALYTICS, "period")),
    ("get", "/analytics/report.pdf", "The evaluation report of the period as PDF", PLAN, None, None, 200, ANALYTICS),
    (
        "get",
        "/analytics/export.csv",
        "An analytics table as CSV (no caller data)",
        PLAN,
        None,
        None,
        200,
        (*ANALYTICS, "table"),
    ),
]
#: Schemas of the query parameters (any other is a string), so clients and fuzzers know what is accepted.
QUERY: dict[str, dict[str, Any]] = {
    "limit": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
    "offset": {"type": "integer", "minimum": 0, "maximum": 10**7},
    "priority": {"type": "integer", "minimum": 1, "maximum": 3},
    "k": {"type": "integer", "minimum": 1, "maximum": 20},
    "station": {"type": "integer", "minimum": 1},
    "handoff": {"type": "boolean"},
    "status": {"type": "string"},
    "since": {"type": "string", "format": "date-time"},
    "until": {"type": "string", "format": "date-time"},
    "types": {"type": "string", "description": "unit type codes separated by commas"},
    "lat": {"type": "number", "minimum": -LAT_LIMIT, "maximum": LAT_LIMIT},
    "lon": {"type": "number", "minimum": -LON_LIMIT, "maximum": LON_LIMIT},
    "simplify": {"type": "number", "minimum": 0, "maximum": 500, "description": "metres (geography: up to 5000)"},
    "minutes": {"type": "number", "minimum": MIN_MINUTES, "maximum": MAX_MINUTES},
    "mode": {"type": "string", "enum": ["live", "stations"]},
    "busy": {
        "type": "number",
        "minimum": 0,
        "maximum": 0.99,
        "description": "busy fraction for MEXCLP; default measured from the incident history, else 0.2",
    },
    "type": {"type": "string", "description": "unit type code, e.g. fire_truck"},
    "start": {"type": "string", "format": "date"},
    "end": {"type": "string", "format": "date"},
    "include_synthetic": {"type": "boolean"},
    "cell_m": {"type": "number", "minimum": MIN_CELL_M, "maximum": MAX_CELL_M},
    "period": {"type": "string", "enum": ["month", "week"]},
    "level": {"type": "string", "enum": ["kecamatan", "desa"]},
}
PATH: dict[str, dict[str, Any]] = {"code": {"type": "string"}, "category": {"type": "string"}}
ERRORS = {
    "400": "malformed request",
    "401": "not logged in",
    "403": "role not allowed",
    "404": "not found",
    "409": "conflict with the current state",
    "413": "request body over 1 MiB",
    "422": "invalid fields",
    "429": "too many requests",
    "503": "road network or database unavailable",
}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _operation(
    summary: str,
    roles: tuple[str, ...],
    request: type[BaseModel] | None,
    response: type[BaseModel] | None,
    status: int,
    query: tuple[str, ...],
    path: str,
) -> dict[str, Any]:
    params = [
        {
            "name": p,
            "in": "path",
            "required": True,
            "schema": PATH.get(p, {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}),
        }
        for p in _PARAM.findall(path)
    ]
    params += [{"name": q, "in": "query", "required": False, "schema": QUERY.get(q, {"type": "string"})} for q in query]
    op: dict[str, Any] = {
        "summary": summary,
        "parameters": params,
        "description": f"Roles: {', '.join(dict.fromkeys((*roles, 'admin')))}." if roles else "Public: no login.",
        "responses": {
            str(status): {"description": "success", **(_json(_ref(response)) if response else {})},
            **{code: {"description": text, **_json(_ref(s.Error))} for code, text in ERRORS.items()},
        },
    }
    if request is not None:
        op["requestBody"] = {"required": True, **_json(_ref(request))}
    return op


def document() -> dict[str, Any]:
    """Return the OpenAPI document; schemas come from :mod:`geo112.schemas` via ``model_json_schema``."""
    requests: tuple[type[BaseModel], ...] = (*s.REQUESTS, pl.WhatIfRequest, pl.SitingRequest, pl.ThresholdUpdate)
    validation: Literal["validation", "serialization"] = "validation"
    serialization: Literal["validation", "serialization"] = "serialization"
    modes = [(m, validation) for m in requests] + [(m, serialization) for m in s.RESPONSES]
    _, top = models_json_schema(modes, ref_template="#/components/schemas/{model}")
    paths: dict[str, dict[str, Any]] = {}
    for method, path, summary, roles, request, response, status, query in OPERATIONS:
        paths.setdefault(path, {})[method] = _operation(summary, roles, request, response, status, query, path)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "geo112 API",
            "version": "1",
            "description": "Call Center 112 Kabupaten Mojokerto. Errors are {error, detail}.",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {"schemas": top["$defs"]},
    }


@bp.get("/openapi.json")
def openapi_json() -> ResponseReturnValue:
    """The OpenAPI document (public, like any API description)."""
    return jsonify(document())
