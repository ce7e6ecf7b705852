"""Incident analytics for planners: the JSON API under ``/api/v1/analytics``, its CSV export, and the page.

Every answer echoes its filters and says whether it includes synthetic history (``synthetic_included``);
the CSV carries the same flag on every row. Query parameters: ``start`` and ``end`` (first and last day,
``YYYY-MM-DD``, WIB), ``category``, ``include_synthetic`` (``true``/``false``, default false).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from geo112.analytics import figures as analytics
from geo112.analytics.history import WIB
from geo112.errors import InvalidInput
from web.api import PLAN
from web.auth import require_role
from web.db import get_session
from web.params import flag_arg, float_arg

bp = Blueprint("analytics", __name__)
API = "/api/v1/analytics"


def _day(name: str) -> date | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be a date YYYY-MM-DD, got {raw[:40]!r}") from None


def _filters() -> analytics.Filters:
    """The filters of the query string, checked against the database."""
    start, end = _day("start"), _day("end")
    return analytics.Filters(
        since=datetime.combine(start, time(), WIB) if start else None,
        until=datetime.combine(end + timedelta(days=1), time(), WIB) if end else None,
        category=request.args.get("category") or None,
        include_synthetic=bool(flag_arg("include_synthetic")),
    ).checked(get_session())


def _answer(filters: analytics.Filters, **body: Any) -> ResponseReturnValue:
    included = analytics.summary(get_session(), filters)["synthetic_included"]
    return jsonify({"filters": analytics.filter_dict(filters), "synthetic_included": included, **body})


@bp.get("/planner/analytics")
@require_role(*PLAN)
def page() -> ResponseReturnValue:
    """The analytics page: heat map, counts, intervals and compliance."""
    return render_template("planner/analytics.html")


@bp.get(f"{API}/summary")
@require_role(*PLAN)
def summary() -> ResponseReturnValue:
    """How many incidents the filters select, how many are synthetic, and their time span."""
    return jsonify(analytics.summary(get_session(), _filters()))


@bp.get(f"{API}/counts")
@require_role(*PLAN)
def counts() -> ResponseReturnValue:
    """Incident counts ``?by=desa|kecamatan|category`` (default kecamatan)."""
    filters, by = _filters(), request.args.get("by", "kecamatan")
    return _answer(filters, by=by, rows=analytics.counts(get_session(), by, filters))


@bp.get(f"{API}/intervals")
@require_role(*PLAN)
def intervals() -> ResponseReturnValue:
    """Median, 90th percentile and mean of each response interval (``?by=category|kecamatan|priority``)."""
    filters, by = _filters(), request.args.get("by") or None
    return _answer(filters, by=by, rows=analytics.intervals(get_session(), filters, by))


@bp.get(f"{API}/compliance")
@require_role(*PLAN)
def compliance() -> ResponseReturnValue:
    """Share of incidents whose first unit of each type arrived within each of its thresholds."""
    filters = _filters()
    return _answer(filters, rows=analytics.compliance(get_session(), filters))


@bp.get(f"{API}/heatmap")
@require_role(*PLAN)
def heatmap() -> ResponseReturnValue:
    """Incident counts on a square grid of ``?cell_m=`` metres (default 1000)."""
    filters = _filters()
    return _answer(
        filters,
        **analytics.heatmap(
            get_session(), filters, float_arg("cell_m", 1000.0, analytics.MIN_CELL_M, analytics.MAX_CELL_M)
        ),
    )


def _heatmap_rows(session: Session, filters: analytics.Filters) -> list[dict[str, Any]]:
    cells = analytics.heatmap(
        session, filters, float_arg("cell_m", 1000.0, analytics.MIN_CELL_M, analytics.MAX_CELL_M)
    )["cells"]
    return [dict(zip(("south", "west", "north", "east"), c["bounds"]), count=c["count"]) for c in cells]


#: Exportable tables: name → rows of the current filters. None of them holds a caller's name or phone.
TABLES: dict[str, Callable[[Session, analytics.Filters], list[dict[str, Any]]]] = {
    "counts_desa": lambda s, f: analytics.counts(s, "desa", f),
    "counts_kecamatan": lambda s, f: analytics.counts(s, "kecamatan", f),
    "counts_category": lambda s, f: analytics.counts(s, "category", f),
    "intervals": lambda s, f: analytics.intervals(s, f, request.args.get("by") or None),
    "compliance": analytics.compliance,
    "heatmap": _heatmap_rows,
}


def _cell(value: Any) -> Any:
    # A text starting like a formula would run in a spreadsheet: quote it (OWASP "CSV injection").
    return f"'{value}" if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") else value


@bp.get(f"{API}/export.csv")
@require_role(*PLAN)
def export() -> ResponseReturnValue:
    """One analytics table as CSV (``?table=``, see :data:`TABLES`), with ``includes_synthetic`` per row."""
    table = request.args.get("table", "counts_kecamatan")
    if table not in TABLES:
        raise InvalidInput(f"table must be one of {', '.join(TABLES)}, got {table[:40]!r}")
    filters = _filters()
    session = get_session()
    rows = TABLES[table](session, filters)
    included = analytics.summary(session, filters)["synthetic_included"]
    out = io.StringIO()
    columns = [*(rows[0] if rows else {}), "includes_synthetic"]
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()} | {"includes_synthetic": included})
    name = f"geo112-{table}{'-synthetic' if included else ''}.csv"
    return Response(
        out.getvalue(), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
