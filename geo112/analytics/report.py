"""The planners' evaluation report: a period's figures, charts and coverage map as one PDF.

The page is HTML (``templates/report.html``, Jinja) printed by WeasyPrint; the charts are the same Vega-Lite
specs the planner pages draw (:mod:`geo112.analytics.charts`), rendered to SVG by ``vl-convert`` so that no
browser is needed. The coverage map is a Vega-Lite choropleth of the desa. The *Simulasi* section shows a
simulation result document (:mod:`geo112.simulation.stored`): dispatch policies compared on the same calls.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import altair as alt
import jinja2
import vl_convert
import weasyprint
from sqlalchemy.orm import Session

from geo112.agencies.scorecard import scorecard
from geo112.analytics import calls, charts, figures
from geo112.config import WIB
from geo112.errors import InvalidInput
from geo112.network import RoutedFleet
from geo112.planning.coverage import service as coverage
from geo112.planning.thresholds import first_minutes
from geo112.region import current_region

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
#: The font the report prints in. Its charts are laid out in it too: Vega measures each text to fit the chart
#: around it, and vl-convert measured "sans-serif" as Liberation Sans while WeasyPrint printed it in the wider
#: DejaVu Sans, so titles and labels ran past the charts' edges and were cut (#29, fault 13).
FONT = "DejaVu Sans"
#: The unit type whose coverage the report maps (the one most calls need).
MAP_UNIT_TYPE = "ambulance"
#: Indonesian names of the response intervals (as the analytics page names them).
INTERVAL_NAMES = {
    "call_to_dispatch": "Panggilan → penugasan",
    "turnout": "Penugasan → berangkat",
    "travel": "Perjalanan",
    "dispatch_to_scene": "Penugasan → tiba",
    "response": "Panggilan → tiba",
    "on_scene": "Di lokasi",
    "total": "Panggilan → ditutup",
}


@dataclass(frozen=True)
class Period:
    """The report's period: first and last day, local dates (WIB), both included."""

    first: date
    last: date

    def filters(self, include_synthetic: bool) -> figures.Filters:
        """The analytics filters of the period."""
        if self.last < self.first:
            raise InvalidInput(f"the period ends ({self.last}) before it starts ({self.first})")
        return figures.Filters(
            since=datetime.combine(self.first, time(), WIB),
            until=datetime.combine(self.last + timedelta(days=1), time(), WIB),
            include_synthetic=include_synthetic,
        )


def _svg(spec: dict[str, Any]) -> str:
    return str(vl_convert.vegalite_to_svg(spec, config={"font": FONT}))


def coverage_map(session: Session, cov: coverage.Coverage, unit_name: str) -> dict[str, Any]:
    """A choropleth of the covered share per desa (Vega-Lite ``geoshape``, Mercator)."""
    rows = {r["code"]: r for r in coverage.desa_rows(cov)}
    features = [
        {
            "type": "Feature",
            "geometry": json.loads(shape),
            "properties": {"share": rows[code]["share"], "desa": rows[code]["name"]},
        }
        for code, shape in coverage.desa_geometries(session, cov.index, simplify_m=60.0).items()
    ]
    chart = (
        alt.Chart(alt.Data(values=features))  # type: ignore[no-untyped-call]
        .mark_geoshape(stroke="#ffffff", strokeWidth=0.3)
        .encode(
            color=alt.Color(
                "properties.share:Q",
                title="Terjangkau",
                scale=alt.Scale(scheme="redyellowgreen", domain=[0, 1]),
                legend=alt.Legend(format="%"),
            )
        )
        .project("mercator")
        .properties(width=460, height=380, title=f"{unit_name}: desa terjangkau dalam {cov.minutes:g} menit dari pos")
    )
    spec: dict[str, Any] = chart.to_dict()
    return spec


def _headline(session: Session, filters: figures.Filters) -> dict[str, Any]:
    units, _ = charts.names(session)
    first = first_minutes(session)
    rows = [r for r in figures.compliance(session, filters) if first.get(r["unit_type"]) == r["minutes"]]
    for row in rows:
        row["name"] = units.get(row["unit_type"], row["unit_type"])
    intervals = [
        r | {"label": INTERVAL_NAMES.get(r["interval"], r["interval"])} for r in figures.intervals(session, filters)
    ]
    return {"summary": figures.summary(session, filters), "compliance": rows, "intervals": intervals}


def _share(interval: dict[str, float | None], points: bool = False) -> str:
    """A share (or, ``points``, a difference in percentage points) with its 95 % interval, as the report prints it."""
    mean, low, high = interval["mean"], interval["low"], interval["high"]
    if mean is None:
        return "–"
    if points:
        text = f"{100 * mean:+.1f} poin"
    else:  # a share: its Student-t interval can overshoot 0–100 % with few replications
        text = f"{100 * mean:.1f} %"
        low, high = (None, None) if low is None or high is None else (max(low, 0.0), min(high, 1.0))
    return text if low is None or high is None else f"{text} [{100 * low:.1f}; {100 * high:.1f}]"


def _mean_minutes(interval: dict[str, float | None]) -> str:
    return "–" if interval["mean"] is None else f"{interval['mean'] / 60:.1f}"


def _simulation_rows(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Per unit type (every priority): its name, requests, and each policy's late share and mean response."""
    unit_names = document.get("unit_names", {})
    per_policy = [{r["unit_type"]: r for r in rows if r["priority"] == "all"} for rows in document["policies"].values()]
    return [
        {
            "name": unit_names.get(code, code),
            "requests": round(first["requests"]["mean"] or 0),
            "cells": [(_share(rows[code]["late"]), _mean_minutes(rows[code]["mean_s"])) for rows in per_policy],
        }
        for code, first in per_policy[0].items()
    ]


def simulation_section(document: dict[str, Any]) -> dict[str, Any]:
    """What the template's *Simulasi* section prints of a result document: per unit type each policy's late
    share and mean response with intervals, the paired difference, the basis and the chart."""
    policies = list(document["policies"])
    comparison = document["comparison"]
    relative = None if not comparison or comparison["relative"] is None else 100 * comparison["relative"]
    return {
        "policies": policies,
        "rows": _simulation_rows(document),
        "overall": [_share(comparison[p]) for p in policies] if comparison else None,
        "difference": _share(comparison["difference"], points=True) if comparison else None,
        "relative": relative,
        "history": document["history"],
        "parameters": {k: document[k] for k in ("days", "replications", "seed", "units")},
        "relocations": document.get("relocations", {}),
        "chart": _svg(document["chart"]),
    }


def _agencies(session: Session, period: Period) -> list[dict[str, Any]]:
    """How each agency answered its tickets in the period, per month (:mod:`geo112.agencies.scorecard`)."""
    start = datetime.combine(period.first, time(), WIB)
    return scorecard(session, start, datetime.combine(period.last + timedelta(days=1), time(), WIB), "month")


def report_html(
    session: Session,
    fleet: RoutedFleet,
    period: Period,
    include_synthetic: bool = True,
    simulation: dict[str, Any] | None = None,
) -> str:
    """The report as an HTML page (what :func:`report_pdf` prints); with a simulation result document
    (:mod:`geo112.simulation.stored`), its *Simulasi* section."""
    filters = period.filters(include_synthetic)
    headline = _headline(session, filters)
    # An empty period's charts are empty frames with a "NaN" legend: the report says there is nothing instead.
    specs = charts.analytics_charts(session, filters) if headline["summary"]["incidents"] else {}
    covers = {
        code: coverage.coverage_of(session, fleet, code, minutes, "stations")
        for code, minutes in sorted(first_minutes(session).items())
    }
    mapped = covers.get(MAP_UNIT_TYPE)
    units, _ = charts.names(session)
    return _TEMPLATES.get_template("report.html").render(
        period=period,
        font=FONT,
        region=current_region(),
        generated=datetime.now(WIB),
        headline=headline,
        arrivals=len(figures.arrivals(session, filters)) if specs else 0,
        coverage=[
            {"name": units.get(c, c), "minutes": cov.minutes, **coverage.totals(cov)} for c, cov in covers.items()
        ],
        charts={name: _svg(spec) for name, spec in {**specs, **charts.coverage_charts(session, fleet)}.items()},
        map_svg=_svg(coverage_map(session, mapped, units.get(MAP_UNIT_TYPE, MAP_UNIT_TYPE))) if mapped else None,
        phone={
            "classes": calls.totals_by_class(session, filters),
            "operators": calls.answer_times(session, filters),
            "kecamatan": calls.real_reports_by_kecamatan(session, filters),
        },
        minutes=lambda s: "–" if s is None else f"{s / 60:.1f}",
        simulation=None if simulation is None else simulation_section(simulation),
        agencies=_agencies(session, period),
        wib=WIB,
    )


def report_pdf(
    session: Session,
    fleet: RoutedFleet,
    period: Period,
    include_synthetic: bool = True,
    simulation: dict[str, Any] | None = None,
) -> bytes:
    """The report as PDF bytes (see :func:`report_html`)."""
    html = report_html(session, fleet, period, include_synthetic, simulation)
    pdf: bytes = weasyprint.HTML(string=html).write_pdf()
    return pdf
