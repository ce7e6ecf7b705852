"""Incident analytics for planners: the JSON API under ``/api/v1/analytics``, its CSV export, and the page.

Every answer echoes its filters and says whether it includes synthetic history (``synthetic_included``);
the CSV carries the same flag on every row. Query parameters: ``start`` and ``end`` (first and last day,
``YYYY-MM-DD``, WIB), ``category``, ``include_synthetic`` (``true``/``false``, default false).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from geo112.analytics import charts
from geo112.analytics import figures as analytics
from geo112.analytics.export import table_csv
from geo112.analytics.history import WIB
from geo112.analytics.report import Period, report_pdf
from geo112.errors import InvalidInput, check_choice
from web.api import PLAN
from web.auth import require_role
from web.db import get_session
from web.engine import fleet
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


def _cell_m() -> float:
    return float_arg("cell_m", 1000.0, analytics.MIN_CELL_M, analytics.MAX_CELL_M)


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
    return _answer(filters, **analytics.heatmap(get_session(), filters, _cell_m()))


@bp.get(f"{API}/charts")
@require_role(*PLAN)
def chart_specs() -> ResponseReturnValue:
    """Vega-Lite specs of the analytics charts (``?period=month|week`` for the charts over time)."""
    filters, period = _filters(), check_choice("period", request.args.get("period", "month"), ("month", "week"))
    return _answer(filters, charts=charts.analytics_charts(get_session(), filters, period))


@bp.get(f"{API}/report.pdf")
@require_role(*PLAN)
def report() -> ResponseReturnValue:
    """The evaluation report of the period ``start``..``end`` (default the last 30 days) as a PDF."""
    filters = _filters()
    today = datetime.now(WIB).date()
    period = Period(_day("start") or today - timedelta(days=30), _day("end") or today)
    pdf = report_pdf(get_session(), fleet(), period, filters.include_synthetic)
    name = f"geo112-laporan-{period.first}-{period.last}.pdf"
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get(f"{API}/export.csv")
@require_role(*PLAN)
def export() -> ResponseReturnValue:
    """One analytics table as CSV (``?table=``, see :data:`geo112.analytics.export.TABLES`)."""
    options = {"by": request.args.get("by") or None, "cell_m": _cell_m()}
    body, name = table_csv(get_session(), request.args.get("table", "counts_kecamatan"), _filters(), options)
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})
