"""The comparison as a chart for the planner page: share late per unit type and policy, with its 95 % interval
(a Vega-Lite spec built with altair, drawn by the page as the analytics charts are)."""

from __future__ import annotations

import math
from typing import Any

import altair as alt
import pandas as pd

from geo112.simulation.results import ALL
from geo112.simulation.service import Outcome

WIDTH = 300


def late_by_type(outcome: Outcome, unit_names: dict[str, str] | None = None) -> dict[str, Any]:
    """Bars of the share of requests late per unit type (every priority), one bar per policy, with interval rules.

    Parameters
    ----------
    outcome
        From :func:`geo112.simulation.service.compare_policies`.
    unit_names
        Display names of the unit types (codes where missing).

    Returns
    -------
    dict
        The Vega-Lite spec.
    """
    names = unit_names or {}
    rows = []
    for policy, table in outcome.tables.items():
        for row in table:
            if row.priority != ALL:
                continue
            late = row.figures["late"]
            low = late.mean if math.isnan(late.low) else max(0.0, late.low)
            high = late.mean if math.isnan(late.high) else min(1.0, late.high)
            rows.append({"unit": names.get(row.unit_type, row.unit_type), "policy": policy, "late": late.mean,
                         "low": low, "high": high})  # fmt: skip
    frame = pd.DataFrame(rows, columns=["unit", "policy", "late", "low", "high"])
    base = alt.Chart(frame).encode(y=alt.Y("unit:N", title=None), yOffset="policy:N")
    bars = base.mark_bar().encode(
        x=alt.X("late:Q", title="Terlambat", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("policy:N", title="Kebijakan"),
        tooltip=["unit", "policy", alt.Tooltip("late:Q", format=".1%"), alt.Tooltip("low:Q", format=".1%"),
                 alt.Tooltip("high:Q", format=".1%")],
    )  # fmt: skip
    rules = base.mark_rule(color="#111827").encode(x="low:Q", x2="high:Q")
    chart = alt.layer(bars, rules).properties(width=WIDTH, title="Permintaan terlambat per jenis unit (IK 95 %)")
    spec: dict[str, Any] = chart.configure_legend(orient="bottom", columns=2).to_dict()
    return spec
