"""Incident analytics for planners: the JSON API under ``/api/v1/analytics``, its CSV export, and the page.

Every answer echoes its filters and says whether it includes synthetic history (``synthetic_included``);
the CSV carries the same flag on every row. Query parameters: ``start`` and ``end`` (first and last day,
``YYYY-MM-DD``, WIB), ``category``, ``include_synthetic`` (``true``/``false``, default false).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Literal

from flask import Response, render_template
from flask.typing import ResponseReturnValue
from pydantic import Field

from geo112.agencies import scorecard
from geo112.analytics import calls
from geo112.analytics import figures as analytics
from geo112.analytics.export import table_csv
from geo112.config import WIB
from geo112.errors import InvalidInput
from web.api import PLAN, blueprint
from web.auth import require_role
from web.db import get_session
from web.fleet import fleet
from web.params import Day, Flag, Number, Query

if TYPE_CHECKING:
    from geo112.analytics.report import Period

bp = blueprint("analytics", "")
API = "/api/v1/analytics"


class AnalyticsQuery(Query):
    """The incidents an analysis covers: a period of days (WIB), a category, synthetic history or not."""

    start: Day = Field(None, description="first day, YYYY-MM-DD (WIB)")
    end: Day = Field(None, description="last day, YYYY-MM-DD (WIB)")
    category: str | None = None
    include_synthetic: Flag = False


class ReportQuery(AnalyticsQuery):
    """The report's period and incidents, and the simulation run it prints in its Simulasi section."""

    simulation: str | None = Field(
        None, description="a kept simulation run's id (its result_id), or latest; none: no Simulasi section"
    )


class CountsQuery(AnalyticsQuery):
    """Counts by desa, kecamatan or category."""

    by: str = Field("kecamatan", description="desa, kecamatan or category")


class IntervalsQuery(AnalyticsQuery):
    """Intervals overall or by category, kecamatan or priority."""

    by: str | None = Field(None, description="category, kecamatan or priority")


class HeatmapQuery(AnalyticsQuery):
    """Counts on a grid of square cells."""

    cell_m: Number(analytics.MIN_CELL_M, analytics.MAX_CELL_M) = 1000.0  # type: ignore[valid-type]


class ChartsQuery(AnalyticsQuery):
    """Charts over months or weeks."""

    period: Literal["month", "week"] = "month"


class CallsQuery(AnalyticsQuery):
    """The recap of calls per day or per month."""

    period: Literal["day", "month"] = "day"


class ExportQuery(HeatmapQuery):
    """One table as CSV."""

    table: str = Field("counts_kecamatan", description="see geo112.analytics.export.TABLES")
    by: str | None = None


def _filters(query: AnalyticsQuery) -> analytics.Filters:
    """The filters of the query string, checked against the database."""
    start, end = query.start, query.end
    return analytics.Filters(
        since=datetime.combine(start, time(), WIB) if start else None,
        until=datetime.combine(end + timedelta(days=1), time(), WIB) if end else None,
        category=query.category or None,
        include_synthetic=query.include_synthetic,
    ).checked(get_session())


def _answer(filters: analytics.Filters, **body: Any) -> dict[str, Any]:
    included = analytics.summary(get_session(), filters)["synthetic_included"]
    return {"filters": analytics.filter_dict(filters), "synthetic_included": included, **body}


@bp.get("/planner/analytics")
@require_role(*PLAN)
def page() -> ResponseReturnValue:
    """The analytics page: heat map, counts, intervals and compliance, and the agencies' scorecard."""
    return render_template("planner/analytics.html", data=scorecard.recent(get_session()))


@bp.operation("get", f"{API}/summary", roles=PLAN)
def summary(query: AnalyticsQuery) -> dict[str, Any]:
    """Incidents the filters select: how many, how many synthetic, their time span."""
    return analytics.summary(get_session(), _filters(query))


@bp.operation("get", f"{API}/counts", roles=PLAN)
def counts(query: CountsQuery) -> dict[str, Any]:
    """Incident counts by desa, kecamatan or category (``?by=``, default kecamatan)."""
    filters = _filters(query)
    return _answer(filters, by=query.by, rows=analytics.counts(get_session(), query.by, filters))


@bp.operation("get", f"{API}/intervals", roles=PLAN)
def intervals(query: IntervalsQuery) -> dict[str, Any]:
    """Response intervals: median, 90th percentile and mean of each (``?by=category|kecamatan|priority``)."""
    filters, by = _filters(query), query.by or None
    return _answer(filters, by=by, rows=analytics.intervals(get_session(), filters, by))


@bp.operation("get", f"{API}/compliance", roles=PLAN)
def compliance(query: AnalyticsQuery) -> dict[str, Any]:
    """Share of incidents whose first unit of each type arrived within each of its thresholds."""
    filters = _filters(query)
    return _answer(filters, rows=analytics.compliance(get_session(), filters))


@bp.operation("get", f"{API}/heatmap", roles=PLAN)
def heatmap(query: HeatmapQuery) -> dict[str, Any]:
    """Incidents on a grid of ``?cell_m=`` metres (default 1000)."""
    filters = _filters(query)
    return _answer(filters, **analytics.heatmap(get_session(), filters, query.cell_m))


@bp.operation("get", f"{API}/charts", roles=PLAN)
def chart_specs(query: ChartsQuery) -> dict[str, Any]:
    """Analytics charts (Vega-Lite specs; ``?period=month|week`` for the charts over time)."""
    from geo112.analytics import charts  # Altair and pandas load when a planner first asks (docs/performance.md)

    filters = _filters(query)
    return _answer(filters, charts=charts.analytics_charts(get_session(), filters, query.period))


def _period(query: AnalyticsQuery, filters: analytics.Filters) -> Period:
    """The period the screen shows: its dates, or without them from the first incident selected to today."""
    from geo112.analytics.report import Period  # WeasyPrint, vl-convert and Altair, when a report is asked for

    today = datetime.now(WIB).date()
    first = query.start
    if first is None:
        since = analytics.summary(get_session(), filters)["first_received_at"]
        first = datetime.fromisoformat(since).astimezone(WIB).date() if since else today
    return Period(first, query.end or today)


@bp.operation("get", f"{API}/report.pdf", roles=PLAN, media_type="application/pdf")
def report(query: ReportQuery) -> ResponseReturnValue:
    """The evaluation report of the period ``start``..``end`` as PDF; without dates, the period the analytics
    page shows (from the first incident selected to today). ``simulation`` adds a planner's kept simulation run
    (its id, or ``latest``) as the Simulasi section."""
    from geo112.analytics.report import report_pdf
    from geo112.simulation.stored import kept_result

    filters = _filters(query)
    period = _period(query, filters)
    simulation = None
    if query.simulation is not None:
        if query.simulation != "latest" and not query.simulation.isdigit():
            raise InvalidInput(f"simulation is a kept run's id or latest, not {query.simulation[:20]!r}")
        kept = kept_result(get_session(), None if query.simulation == "latest" else int(query.simulation))
        simulation = kept.document
    pdf = report_pdf(get_session(), fleet(), period, filters.include_synthetic, simulation)
    name = f"geo112-laporan-{period.first}-{period.last}.pdf"
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.operation("get", f"{API}/calls", roles=PLAN)
def call_recap(query: CallsQuery) -> dict[str, Any]:
    """The recap of calls from the phone system: by class per day or month, by hour, real reports by
    kecamatan, answer times per operator (no caller data)."""
    filters = _filters(query)
    return {"filters": analytics.filter_dict(filters), **calls.recap(get_session(), filters, query.period)}


@bp.operation("get", f"{API}/export.csv", roles=PLAN, media_type="text/csv")
def export(query: ExportQuery) -> ResponseReturnValue:
    """An analytics table as CSV (``?table=``, see :data:`geo112.analytics.export.TABLES`; no caller data)."""
    options = {"by": query.by or None, "cell_m": query.cell_m}
    body, name = table_csv(get_session(), query.table, _filters(query), options)
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})
