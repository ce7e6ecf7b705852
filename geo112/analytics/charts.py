"""Charts for planners as Vega-Lite specifications, built with Altair from the analytics and coverage figures.

One spec serves every place a chart appears: the planner pages render it in the browser with ``vega-embed``
(served by the app, see ``web/assets.py``), the report renders it to SVG with ``vl-convert`` (no browser), and
the notebooks display it as it is. Builders take rows (lists of dicts, as the JSON API answers them) and the
display names they need, and return the spec as a dict; :func:`analytics_charts` and :func:`coverage_charts`
gather them from the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import altair as alt
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo112.agencies.scorecard import scorecard
from geo112.analytics import figures
from geo112.config import WIB
from geo112.network import RoutedFleet
from geo112.planning.coverage import service as coverage
from geo112.planning.thresholds import first_minutes
from geo112.store.db import database_now
from geo112.store.models import IncidentCategory, UnitType

Rows = Sequence[Mapping[str, Any]]
Spec = dict[str, Any]

WEEKDAYS = ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min")
#: Indonesian names of the dispositions (the console's catalogue says the same).
DISPOSITIONS = {
    "handled": "Ditangani",
    "transported": "Pasien diantar",
    "no_action_needed": "Tidak perlu tindakan",
    "false_alarm": "Alarm palsu",
    "prank": "Panggilan iseng",
    "ghost_call": "Panggilan kosong",
    "duplicate": "Duplikat",
    "handed_off": "Diserahkan ke 112 lain",
    "cancelled": "Dibatalkan",
}
WIDTH = 300
#: Height of one kecamatan's group of bars (px) in the per-kecamatan coverage chart.
KECAMATAN_ROW = 24
THRESHOLD_COLOUR = "#c0392b"


def _spec(chart: alt.TopLevelMixin, title: str) -> Spec:
    # Legends go below the plot: the planner pages show charts in a 32rem side panel. Their labels are not cut
    # short ("Kendaraan rescue BPBD ≤ 15 mnt"): two columns of the longest still fit that panel.
    legend = chart.properties(title=title).configure_legend(orient="bottom", columns=2, labelLimit=0)
    spec: Spec = legend.to_dict()
    return spec


def response_distribution(arrivals: Rows, thresholds: Mapping[str, float], unit_names: Mapping[str, str]) -> Spec:
    """Box plot of response times (call → first unit of the type on scene) per unit type, threshold ticked red."""
    frame = pd.DataFrame(
        {
            "unit": [unit_names.get(a["unit_type"], a["unit_type"]) for a in arrivals],
            "minutes": [a["response_s"] / 60.0 for a in arrivals],
        }
    )
    limits = pd.DataFrame(
        [{"unit": unit_names.get(t, t), "minutes": m} for t, m in thresholds.items()], columns=["unit", "minutes"]
    )
    limits = limits[limits.unit.isin(frame.unit)]
    y = alt.Y("unit:N", title=None)
    box = (
        alt.Chart(frame)
        .mark_boxplot(extent=1.5, outliers={"size": 6})
        .encode(x=alt.X("minutes:Q", title="Waktu respons (menit)"), y=y, color=alt.Color("unit:N", legend=None))
    )
    tick = (
        alt.Chart(limits)
        .mark_tick(color=THRESHOLD_COLOUR, thickness=3, size=22)
        .encode(x="minutes:Q", y=y, tooltip=[alt.Tooltip("minutes:Q", title="Ambang (menit)")])
    )
    return _spec(alt.layer(box, tick).properties(width=WIDTH), "Sebaran waktu respons per jenis unit (merah: ambang)")


def _periods(
    arrivals: Rows, thresholds: Mapping[str, float], unit_names: Mapping[str, str], period: str
) -> pd.DataFrame:
    # Typed columns: with no arrival at all the frame must still aggregate (to nothing).
    frame = pd.DataFrame(list(arrivals), columns=["unit_type", "received_at", "response_s", "travel_s"]).astype(
        {"unit_type": str, "received_at": str, "response_s": float, "travel_s": float}
    )
    stamp = pd.to_datetime(frame.received_at.str.slice(0, 19))
    # Periods are labelled as text (2025-03, or a week's Monday): no month names for a locale to get wrong.
    label = "%Y-%m" if period == "month" else "%Y-%m-%d"
    frame["period"] = stamp.dt.to_period("M" if period == "month" else "W").dt.start_time.dt.strftime(label)
    frame["within"] = frame.response_s <= frame.unit_type.map(thresholds) * 60
    grouped = frame.groupby(["unit_type", "period"])
    out = pd.DataFrame(
        {
            "median": grouped.response_s.median() / 60,
            "p90": grouped.response_s.quantile(0.9) / 60,
            "compliance": grouped.within.mean(),
        }
    ).reset_index()
    out["unit"] = out.unit_type.map(lambda t: unit_names.get(t, t))
    return out


def response_over_time(
    arrivals: Rows, thresholds: Mapping[str, float], unit_names: Mapping[str, str], period: str = "month"
) -> Spec:
    """Median and 90th percentile of the response time per month (or week) and unit type, and the share within
    the type's first threshold."""
    frame = _periods(arrivals, thresholds, unit_names, period)
    x = alt.X("period:O", title="Bulan" if period == "month" else "Minggu (Senin)")
    colour = alt.Color("unit:N", title="Jenis unit")
    long = frame.melt(["unit", "period"], ["median", "p90"], var_name="ukuran", value_name="minutes")
    long["ukuran"] = long.ukuran.map({"median": "median", "p90": "persentil 90"})
    times = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y("minutes:Q", title="Waktu respons (menit)"),
            color=colour,
            strokeDash=alt.StrokeDash("ukuran:N", title="Ukuran"),
            tooltip=["unit", "period", "ukuran", alt.Tooltip("minutes:Q", format=".1f")],
        )
        .properties(width=WIDTH, height=180)
    )
    share = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y(
                "compliance:Q", title="Tiba dalam ambang", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])
            ),
            color=colour,
            tooltip=["unit", "period", alt.Tooltip("compliance:Q", format=".0%")],
        )
        .properties(width=WIDTH, height=140)
    )
    return _spec(alt.vconcat(times, share), "Waktu respons dan kepatuhan ambang dari waktu ke waktu")


def calls_by_hour(rows: Rows) -> Spec:
    """Heat map of incidents per hour of the day × weekday (WIB)."""
    frame = pd.DataFrame(list(rows), columns=["weekday", "hour", "count"])
    frame["hari"] = frame.weekday.map(lambda d: WEEKDAYS[d - 1])
    chart = (
        alt.Chart(frame)
        .mark_rect()
        .encode(
            x=alt.X("hour:O", title="Jam (WIB)"),
            y=alt.Y("hari:O", title=None, sort=list(WEEKDAYS)),
            color=alt.Color("count:Q", title="Kejadian", scale=alt.Scale(scheme="orangered")),
            tooltip=["hari", "hour", "count"],
        )
        .properties(width=WIDTH)
    )
    return _spec(chart, "Kejadian per jam dan hari")


def kecamatan_categories(rows: Rows, category_names: Mapping[str, str]) -> Spec:
    """Stacked bars: incidents per kecamatan (busiest first), split by category."""
    frame = pd.DataFrame(list(rows), columns=["kecamatan", "category", "count"])
    frame["kategori"] = frame.category.map(lambda c: category_names.get(c, c))
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("sum(count):Q", title="Kejadian"),
            y=alt.Y("kecamatan:N", title=None, sort="-x"),
            color=alt.Color("kategori:N", title="Kategori"),
            tooltip=["kecamatan", "kategori", "count"],
        )
        .properties(width=WIDTH)
    )
    return _spec(chart, "Kejadian per kecamatan dan kategori")


def disposition_shares(rows: Rows) -> Spec:
    """Bars of how incidents were closed, with their shares (prank and ghost calls among them)."""
    frame = pd.DataFrame(list(rows), columns=["disposition", "count", "share"])
    frame["hasil"] = frame.disposition.map(lambda d: DISPOSITIONS.get(d, d))
    base = alt.Chart(frame).encode(y=alt.Y("hasil:N", title=None, sort="-x"), x=alt.X("count:Q", title="Kejadian"))
    bars = base.mark_bar(color="#2c7fb8").encode(tooltip=["hasil", "count", alt.Tooltip("share:Q", format=".1%")])
    labels = base.mark_text(align="left", dx=3).encode(text=alt.Text("share:Q", format=".1%"))
    return _spec(alt.layer(bars, labels).properties(width=WIDTH), "Hasil penanganan")


def agency_scores(rows: Rows, period: str = "month") -> Spec:
    """The agencies' tickets (:mod:`geo112.agencies.scorecard` rows): received, done and returned per agency,
    and the share done within the deadline per period."""
    columns = ["agency_name", "period_start", "received", "done", "returned", "done_within_share"]
    frame = pd.DataFrame([{c: r[c] for c in columns} for r in rows], columns=columns)
    frame["period"] = frame.period_start.map(
        lambda t: t.astimezone(WIB).strftime("%Y-%m" if period == "month" else "%Y-%m-%d")
    )
    totals = frame.groupby("agency_name")[["received", "done", "returned"]].sum().reset_index()
    long = totals.melt("agency_name", var_name="ukuran", value_name="tiket")
    long["ukuran"] = long.ukuran.map({"received": "diterima", "done": "selesai", "returned": "dikembalikan"})
    counts = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("agency_name:N", title=None),
            yOffset="ukuran:N",
            x=alt.X("tiket:Q", title="Tiket"),
            color=alt.Color("ukuran:N", title="Tiket"),
            tooltip=["agency_name", "ukuran", "tiket"],
        )
        .properties(width=WIDTH)
    )
    share = (
        alt.Chart(frame.dropna(subset=["done_within_share"]))
        .mark_line(point=True)
        .encode(
            x=alt.X("period:O", title="Bulan" if period == "month" else "Minggu (Senin)"),
            y=alt.Y("done_within_share:Q", title="Selesai tepat waktu", axis=alt.Axis(format="%"),
                    scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("agency_name:N", title="OPD"),
            tooltip=["agency_name", "period", alt.Tooltip("done_within_share:Q", format=".0%")],
        )
        .properties(width=WIDTH, height=140)
    )  # fmt: skip
    return _spec(alt.vconcat(counts, share), "Tindak lanjut OPD")


def covered_by_kecamatan(rows: Rows) -> Spec:
    """Bars of the population share covered per kecamatan, one bar per unit type, sorted by the first type."""
    frame = pd.DataFrame(list(rows), columns=["kecamatan", "unit", "minutes", "covered"])
    frame["jenis"] = frame.unit + " ≤ " + frame.minutes.map("{:g}".format) + " mnt"
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(
                "covered:Q", title="Penduduk terjangkau", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])
            ),
            y=alt.Y("kecamatan:N", title=None, sort=alt.EncodingSortField("covered", op="min", order="ascending")),
            yOffset="jenis:N",
            color=alt.Color("jenis:N", title="Jenis unit, ambang"),
            tooltip=["kecamatan", "jenis", alt.Tooltip("covered:Q", format=".1%")],
        )
        # A fixed height per kecamatan: by default each unit type's bar is 20 px, and 18 kecamatan of five bars
        # made the chart 2,400 px tall, more than two printed pages (the report lost 10 kecamatan).
        .properties(width=WIDTH, height=KECAMATAN_ROW * max(frame.kecamatan.nunique(), 1))
    )
    return _spec(chart, "Penduduk terjangkau per kecamatan (paling rendah di atas)")


def reach_curves(rows: Rows, thresholds: Rows) -> Spec:
    """Share of the population reached within T (0–60 min), one line per unit type (and per scenario when the
    rows carry one), each type's threshold marked by a vertical rule."""
    frame = pd.DataFrame(list(rows), columns=["unit", "scenario", "minutes", "share"])
    colour = alt.Color("unit:N", title="Jenis unit")
    lines = (
        alt.Chart(frame)
        .mark_line()
        .encode(
            x=alt.X("minutes:Q", title="Waktu tempuh T (menit)"),
            y=alt.Y(
                "share:Q",
                title="Penduduk terjangkau dalam T",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=colour,
            strokeDash=alt.StrokeDash("scenario:N", title="Skenario"),
            tooltip=["unit", "scenario", "minutes", alt.Tooltip("share:Q", format=".1%")],
        )
    )
    rules = (
        alt.Chart(pd.DataFrame(list(thresholds), columns=["unit", "minutes"]))
        .mark_rule(strokeDash=[2, 2])
        .encode(x="minutes:Q", color=colour, tooltip=["unit", alt.Tooltip("minutes:Q", title="Ambang (menit)")])
    )
    return _spec(alt.layer(lines, rules).properties(width=WIDTH), "Penduduk terjangkau menurut waktu tempuh")


def whatif_reach(report: Mapping[str, Any], unit_name: str) -> Spec:
    """The what-if's reach curves before and after on one chart (rows of :func:`geo112.planning.scenario.whatif`)."""
    rows = [{"unit": unit_name, **r} for r in report["reach"]]
    return reach_curves(rows, [{"unit": unit_name, "minutes": report["minutes"]}])


def names(session: Session) -> tuple[dict[str, str], dict[str, str]]:
    """Display names of the unit types and of the incident categories."""
    units = dict(session.execute(select(UnitType.code, UnitType.name)).all())
    return units, dict(session.execute(select(IncidentCategory.code, IncidentCategory.name)).all())


def analytics_charts(session: Session, filters: figures.Filters, period: str = "month") -> dict[str, Spec]:
    """Every analytics chart of the incidents the filters select, by name."""
    unit_names, category_names = names(session)
    first = first_minutes(session)
    arrivals = figures.arrivals(session, filters)
    return {
        "response_distribution": response_distribution(arrivals, first, unit_names),
        "response_over_time": response_over_time(arrivals, first, unit_names, period),
        "calls_by_hour": calls_by_hour(figures.by_hour(session, filters)),
        "kecamatan_categories": kecamatan_categories(figures.kecamatan_categories(session, filters), category_names),
        "dispositions": disposition_shares(figures.dispositions(session, filters)),
        "agency_scores": agency_scores(_scores(session, filters, period), period),
    }


#: Tickets sent from this day on, when the filters leave the start open (before any 112 in the province).
_SCORES_SINCE = datetime(2000, 1, 1, tzinfo=WIB)


def _scores(session: Session, filters: figures.Filters, period: str) -> list[dict[str, Any]]:
    """The scorecard of the tickets sent in the filters' span, of the filters' category's incidents."""
    until = filters.until or database_now(session) + timedelta(days=1)
    since = filters.since or _SCORES_SINCE
    return scorecard(session, since, until, period, synthetic=filters.include_synthetic, category=filters.category)


def coverage_figures(session: Session, fleet: RoutedFleet, mode: str = "stations") -> dict[str, list[dict[str, Any]]]:
    """Per unit type at its first threshold: covered share per kecamatan, the reach curve, the thresholds."""
    unit_names, _ = names(session)
    out: dict[str, list[dict[str, Any]]] = {"kecamatan": [], "reach": [], "thresholds": []}
    for code, minutes in sorted(first_minutes(session).items()):
        cov = coverage.coverage_of(session, fleet, code, minutes, mode)
        unit = unit_names.get(code, code)
        out["thresholds"].append({"unit": unit, "minutes": minutes})
        out["kecamatan"] += [
            {"kecamatan": r["name"], "unit": unit, "minutes": minutes, "covered": r["covered"]}
            for r in coverage.kecamatan_rows(cov)
        ]
        out["reach"] += [{"unit": unit, "scenario": "sekarang", **r} for r in coverage.reach_rows(session, cov)]
    return out


def coverage_charts(session: Session, fleet: RoutedFleet, mode: str = "stations") -> dict[str, Spec]:
    """The coverage charts of every unit type at its first threshold, by name."""
    data = coverage_figures(session, fleet, mode)
    return {
        "covered_by_kecamatan": covered_by_kecamatan(data["kecamatan"]),
        "reach_curves": reach_curves(data["reach"], data["thresholds"]),
    }
