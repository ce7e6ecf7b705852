"""What-if: add, move or remove hypothetical units or stations and compare coverage before and after.

A scenario edits the sources of one unit type (rows of the travel-time matrix): an added post stacks new
rows from the routing engine, a moved one replaces its rows, a removed one drops them. Only the rows that
change are searched; the others are reused (:func:`geo112.planning.coverage.model.whatif` compares the two summaries).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import scipy.sparse as sp
from sqlalchemy.orm import Session

from geo112.errors import Unprocessable
from geo112.network import Network, RoutedFleet
from geo112.planning.coverage import model as coverage
from geo112.planning.coverage.service import (
    Coverage,
    Sources,
    busy_of,
    desa_features,
    desa_rows,
    evaluate,
    kecamatan_rows,
    parameters,
    reach_rows,
    read_s,
    source_times,
    sources,
    times_from,
    totals,
)
from geo112.planning.schemas import Change, WhatIfRequest


def _rows_of(src: Sources, change: Change) -> np.ndarray:
    """Rows a move/remove refers to; refuses a reference to nothing."""
    if change.station_id is not None:
        rows = src.station_id == change.station_id
        what = f"station {change.station_id}"
    else:
        rows = src.unit_id == change.unit_id
        what = f"unit {change.unit_id}"
    if not rows.any():
        raise Unprocessable(f"{what} has no {src.unit_type} unit in this scenario")
    return np.asarray(rows, dtype=bool)


def apply_changes(
    network: Network, src: Sources, times: coverage.Times, changes: list[Change]
) -> tuple[Sources, sp.csr_array]:
    """Apply a scenario's changes in order to sources and their travel-time rows.

    Parameters
    ----------
    network
        The road network (searches for added and moved rows).
    src, times
        The sources and their rows before the changes.
    changes
        Validated changes (:class:`geo112.planning.schemas.Change`).

    Returns
    -------
    tuple of (Sources, scipy.sparse.csr_array)
        The sources and rows after the changes (sparse, :func:`~geo112.planning.coverage.model.reach_matrix`);
        added units have ``unit_id = station_id = -1``.

    Raises
    ------
    Unprocessable
        When a change refers to a station or unit that has no unit of the type (left).
    """
    reach = coverage.reach_matrix(times)
    for change in changes:
        if change.action == "add":
            n = change.count
            added = Sources(
                src.unit_type,
                src.factor,
                np.full(n, change.lon),
                np.full(n, change.lat),
                np.full(n, -1),
                np.full(n, -1),
                np.ones(n, dtype=bool),
            )
            row = coverage.reach_matrix(times_from(network, added.lon[:1], added.lat[:1], src.factor))
            src = Sources(
                src.unit_type,
                src.factor,
                *(
                    np.concatenate([getattr(src, f), getattr(added, f)])
                    for f in ("lon", "lat", "unit_id", "station_id", "available")
                ),
            )
            reach = sp.vstack([reach, row[np.zeros(n, dtype=np.int64)]], format="csr")
            continue
        rows = _rows_of(src, change)
        if change.action == "remove":
            src, reach = src.take(~rows), reach[np.flatnonzero(~rows)]
        else:
            lon, lat = src.lon.copy(), src.lat.copy()
            lon[rows], lat[rows] = change.lon, change.lat
            src = Sources(src.unit_type, src.factor, lon, lat, src.unit_id, src.station_id, src.available)
            row = coverage.reach_matrix(times_from(network, lon[rows][:1], lat[rows][:1], src.factor))
            # the moved rows become the new row: the stack's last one stands in for each
            stacked = sp.vstack([reach, row], format="csr")
            reach = stacked[np.where(rows, reach.shape[0], np.arange(reach.shape[0]))]
    return src, reach


def _side(cov: Coverage) -> dict[str, Any]:
    return {"totals": totals(cov), "kecamatan": kecamatan_rows(cov)}


def whatif(session: Session, fleet: RoutedFleet, request: WhatIfRequest) -> dict[str, Any]:
    """Coverage before and after a scenario.

    Parameters
    ----------
    session
        Session on the database.
    fleet
        The process's routed fleet.
    request
        The validated scenario.

    Returns
    -------
    dict
        ``before``, ``after`` and ``delta`` figures, the sources after, ``reach`` (the population-vs-travel-time
        curve before and after, ``scenario`` sebelum/sesudah), and ``desa``: a GeoJSON
        FeatureCollection of the desa with their shares before and after (for the map).
    """
    src = sources(session, request.unit_type, request.mode)
    if request.mode == "live":
        fleet.sync(session)
    times = source_times(fleet, src, request.mode, read_s(request.minutes))
    busy = busy_of(session, request.unit_type, request.busy)
    before = evaluate(session, fleet, src, request.minutes, request.mode, busy, times)
    after_src, after_times = apply_changes(fleet.network, src, times, request.changes)
    after = evaluate(session, fleet, after_src, request.minutes, request.mode, busy, after_times)
    diff = coverage.whatif(before.summary, after.summary)
    b, a = totals(before), totals(after)
    report = {
        **parameters(before),
        "busy_detail": busy.as_dict(),
        "before": _side(before),
        "after": _side(after),
        "delta": {
            "covered_population": a["covered_population"] - b["covered_population"],
            "double_population": a["double_population"] - b["double_population"],
            "expected_population": a["expected_population"] - b["expected_population"],
            "nodes_gained": int(diff.nodes_gained.sum()),
            "nodes_lost": int(diff.nodes_lost.sum()),
        },
        "sources": [
            {
                "unit_id": int(u) if u >= 0 else None,
                "station_id": int(s) if s >= 0 else None,
                "lon": float(x),
                "lat": float(y),
                "available": bool(av),
                "hypothetical": bool(u < 0),
            }
            for u, s, x, y, av in zip(
                after_src.unit_id, after_src.station_id, after_src.lon, after_src.lat, after_src.available
            )
        ],
    }
    report["reach"] = [
        {"scenario": name, **r}
        for name, cov in (("sebelum", before), ("sesudah", after))
        for r in reach_rows(session, cov)
    ]
    rows = [
        {**r, "share_before": rb["share"], "delta_population": round(float(gained))}
        for r, rb, gained in zip(desa_rows(after), desa_rows(before), diff.delta_population)
    ]
    return report | {"desa": json.loads(desa_features(session, rows, after.index))}
