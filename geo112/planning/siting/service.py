"""Station siting on the kabupaten: where ``p`` new posts of a unit type would help most.

Candidates are the existing facilities, the seven planned Damkar posts of ``facilities.csv`` (status
``planned_not_confirmed_built``) and the desa centres; the stations that already host units of the type
are fixed (always open). Maximal covering (MCLP) maximises the population within T; p-median minimises the
population-weighted travel time to desa centres. Both are solved by :mod:`geo112.planning.siting.model` (PuLP + HiGHS)
under a time limit; see docs/coverage.md.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pulp
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo112.dispatch.configuration import get_unit_type
from geo112.errors import Unprocessable
from geo112.network import Network
from geo112.planning.coverage.service import demand
from geo112.planning.desa_index import DesaIndex, desa_index
from geo112.planning.schemas import SitingRequest
from geo112.planning.siting import model as siting
from geo112.store.models import STATION_NOT_BUILT as PLANNED

#: The solver stops here and reports the best sites found so far (the request says so).
TIME_LIMIT_S = 20.0
#: Demand nodes are merged into cells of this size for MCLP (exact node-level MCLP takes minutes).
CELL_M = 1000.0

_STATIONS = text("""
    SELECT s.id, s.code, s.name, s.kind, s.status, k.name AS kecamatan, ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat,
           EXISTS (SELECT 1 FROM unit u WHERE u.station_id = s.id AND u.unit_type_code = :unit_type) AS hosts
    FROM station s JOIN kecamatan k ON k.code = s.kecamatan_code
    WHERE k.jurisdiction_code = :regency ORDER BY s.code
""")


@dataclass(frozen=True)
class Candidates:
    """Candidate sites; the fixed ones (stations hosting the type) come first."""

    kind: list[str]  # existing | planned | desa
    ref: list[str]  # station code or desa code
    name: list[str]
    kecamatan: list[str]
    lon: np.ndarray
    lat: np.ndarray
    n_fixed: int


def candidates(session: Session, index: DesaIndex, code: str, kinds: Sequence[str]) -> Candidates:
    """Fixed stations of the unit type, then the candidate kinds asked for (existing, planned, desa)."""
    rows = session.execute(_STATIONS, {"unit_type": code, "regency": index.regency_code}).all()
    fixed = [r for r in rows if r.hosts]
    picked = [
        (("planned" if r.status == PLANNED else "existing"), r.code, r.name, r.kecamatan, r.lon, r.lat) for r in fixed
    ]
    for r in rows:
        status = "planned" if r.status == PLANNED else "existing"
        if not r.hosts and status in kinds:
            picked.append((status, r.code, r.name, r.kecamatan, r.lon, r.lat))
    if "desa" in kinds:
        picked += [
            ("desa", c, f"Desa {n}", k, x, y)
            for c, n, k, x, y in zip(
                index.codes, index.names, index.kecamatan_names, index.centre_lon, index.centre_lat
            )
        ]
    columns = [list(col) for col in zip(*picked)] if picked else [[] for _ in range(6)]
    kind, ref, name, kecamatan, lon, lat = columns
    return Candidates(kind, ref, name, kecamatan, np.array(lon, dtype=float), np.array(lat, dtype=float), len(fixed))


def _figures(covered: np.ndarray, weight: np.ndarray, mean_s: float) -> dict[str, Any]:
    persons = float(weight[covered].sum())
    return {
        "covered_population": round(persons),
        "share": round(persons / float(weight.sum()), 4) if weight.sum() else None,
        "mean_minutes_to_desa": None if not np.isfinite(mean_s) else round(mean_s / 60.0, 2),
    }


def site(session: Session, network: Network, request: SitingRequest) -> dict[str, Any]:
    """Choose ``request.p`` new sites and report coverage before (fixed only) and after.

    Parameters
    ----------
    session
        Session on the database.
    network
        The road network (it searches from the candidates).
    request
        Unit type, threshold, method, p and candidate kinds.

    Returns
    -------
    dict
        ``fixed`` and ``new_sites`` (kind, reference, name, kecamatan, lon, lat, population only it covers),
        ``before`` / ``after`` (population within T, mean minutes to desa centres), runtime and whether the
        solver hit its time limit, and ``geojson``: the fixed and new sites as points.
    """
    started = time.perf_counter()
    kind = get_unit_type(session, request.unit_type)
    index = desa_index(session, network)
    cand = candidates(session, index, kind.code, request.candidates)
    if len(cand.kind) - cand.n_fixed < request.p:
        raise Unprocessable(f"only {len(cand.kind) - cand.n_fixed} candidate sites for {request.p} new posts")
    need = demand(session, index)
    inside = np.flatnonzero(index.node_desa >= 0)
    node_desa = index.node_desa[inside]
    counts = np.maximum(index.node_counts, 1)
    node_pop = need.desa_population[node_desa] / counts[node_desa]
    times = network.times_from(cand.lon, cand.lat, kind.speed_factor)  # (candidates, nodes)
    cover = (times[:, inside] <= request.minutes * 60.0).T  # (demand nodes, candidates)
    cost = times[:, index.centre_node].T  # (desa, candidates)
    fixed = list(range(cand.n_fixed))
    solver = pulp.HiGHS(msg=False, timeLimit=TIME_LIMIT_S)
    if request.method == "mclp":
        x, y = network.to_xy(network.node_lon[inside], network.node_lat[inside])
        cell = np.unique(np.floor(np.column_stack([x, y]) / CELL_M), axis=0, return_inverse=True)[1].ravel()
        cell_cover, cell_weight = siting.aggregate_cover(cover, cell, node_pop)
        new = siting.mclp(cell_cover, cell_weight, request.p, fixed, solver).new_sites
    else:
        new = siting.p_median(cost, need.desa_population, request.p, fixed, solver).new_sites
    solve_s = time.perf_counter() - started
    opened = np.concatenate([np.array(fixed, dtype=np.int64), new])

    def mean_cost(sites: np.ndarray) -> float:
        nearest = cost[:, sites].min(axis=1, initial=np.inf)
        ok = np.isfinite(nearest)
        return (
            float((nearest[ok] * need.desa_population[ok]).sum() / need.desa_population[ok].sum())
            if ok.any()
            else np.inf
        )

    before = np.asarray(cover[:, fixed].any(axis=1))
    after = np.asarray(cover[:, opened].any(axis=1))

    def describe(j: int, role: str) -> dict[str, Any]:
        alone = cover[:, j] & ~cover[:, np.setdiff1d(opened, [j])].any(axis=1)
        return {
            "role": role,
            "kind": cand.kind[j],
            "ref": cand.ref[j],
            "name": cand.name[j],
            "kecamatan": cand.kecamatan[j],
            "lon": float(cand.lon[j]),
            "lat": float(cand.lat[j]),
            "population_only_here": round(float(node_pop[alone].sum())),
        }

    sites = [describe(j, "fixed") for j in fixed] + [describe(int(j), "new") for j in new]
    return {
        "unit_type": kind.code,
        "minutes": request.minutes,
        "method": request.method,
        "p": request.p,
        "candidates": {k: cand.kind.count(k) for k in ("existing", "planned", "desa")} | {"fixed": cand.n_fixed},
        "fixed": sites[: len(fixed)],
        "new_sites": sites[len(fixed) :],
        "before": _figures(before, node_pop, mean_cost(np.array(fixed, dtype=np.int64))),
        "after": _figures(after, node_pop, mean_cost(opened)),
        "runtime_s": round(time.perf_counter() - started, 2),
        "time_limited": solve_s >= TIME_LIMIT_S,
        "geojson": {"type": "FeatureCollection", "features": [_point_feature(s) for s in sites]},
    }


def _point_feature(properties: dict[str, Any]) -> dict[str, Any]:
    point = {"type": "Point", "coordinates": [properties["lon"], properties["lat"]]}
    return {"type": "Feature", "geometry": point, "properties": properties}
