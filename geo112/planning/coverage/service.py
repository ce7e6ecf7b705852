"""Coverage of the kabupaten by unit type, assembled from the database and the routed fleet.

Two views of the same measure (docs/coverage.md):

- **live**: every positioned unit of the type where it is now, covering only when ``available``; the
  travel times are the rows the routed fleet maintains for dispatch, so nothing is searched again.
- **stations**: every unit of the type at its home station, all available: the planners' baseline, which
  a what-if scenario edits.

Expected coverage uses the busy fraction measured from the incident history (:mod:`geo112.planning.busy`) unless
the caller gives one. Results are cached per process by a fingerprint of what they depend on (unit
positions and availability, threshold, busy fraction and its basis, populations, road graph), so the
dispatcher's live gap layer (:mod:`geo112.planning.coverage.gaps`) is recomputed only when a unit changes or
an assignment ends.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import scipy.sparse as sp
from sqlalchemy import func, literal, select, text
from sqlalchemy.orm import Session

from geo112.dispatch.configuration import get_unit_type
from geo112.errors import InvalidInput
from geo112.network import Network, RoutedFleet
from geo112.planning.busy import BusyFraction, given, measure
from geo112.planning.coverage import model as coverage
from geo112.planning.coverage.cache import Lru
from geo112.planning.desa_index import DesaIndex, desa_index
from geo112.planning.thresholds import check_minutes
from geo112.store.geometry import METRES_PER_DEGREE
from geo112.store.models import Station, Unit

MODES = ("live", "stations")
#: Travel times T of the population-vs-travel-time curve, minutes.
REACH_MINUTES = np.arange(0, 61, 1.0)
_MEASURES = ("share", "share_double", "share_expected")

#: Most bytes of results and of stations' rows a process keeps: ~64 coverages of a regency, ~10 of a province.
CACHE_BYTES = 128 * 2**20

_results: Lru[Coverage] = Lru(64, CACHE_BYTES, lambda cov: cov.summary.nbytes)
#: Stations' times, and whether they reach each node, per position set: :func:`times_from`, :func:`reach_within`.
_station_times: Lru[np.ndarray] = Lru(16, CACHE_BYTES, lambda times: times.nbytes)
_station_reach: Lru[sp.csr_array] = Lru(16, CACHE_BYTES, lambda m: m.data.nbytes + m.indices.nbytes)


@dataclass(frozen=True)
class Sources:
    """The sources of one unit type: one row per unit, hypothetical ones with ``unit_id = -1``."""

    unit_type: str
    factor: float
    lon: np.ndarray
    lat: np.ndarray
    unit_id: np.ndarray
    station_id: np.ndarray
    available: np.ndarray

    def __len__(self) -> int:
        return int(self.lon.size)

    def take(self, rows: np.ndarray) -> Sources:
        """The sources at ``rows`` (indices or a mask)."""
        return replace(
            self, **{f: getattr(self, f)[rows] for f in ("lon", "lat", "unit_id", "station_id", "available")}
        )

    def fingerprint(self) -> tuple[object, ...]:
        """What the coverage of these sources depends on, rounded to ~0.1 m."""
        return (
            self.unit_type,
            round(self.factor, 6),
            tuple(
                zip(
                    self.unit_id.tolist(),
                    self.station_id.tolist(),
                    np.round(self.lon, 6).tolist(),
                    np.round(self.lat, 6).tolist(),
                    self.available.tolist(),
                )
            ),
        )


@dataclass(frozen=True)
class Coverage:
    """Coverage of one unit type at one threshold, with what it was computed from."""

    unit_type: str
    minutes: float
    mode: str
    busy: BusyFraction
    sources: Sources
    summary: coverage.CoverageSummary
    index: DesaIndex
    key: str


def sources(session: Session, code: str, mode: str) -> Sources:
    """The units of a type as sources: where they are now (live) or at their stations (stations)."""
    if mode not in MODES:
        raise InvalidInput(f"mode must be one of {', '.join(MODES)}, got {mode[:20]!r}")
    kind = get_unit_type(session, code)
    if mode == "live":
        query = select(
            Unit.id, Unit.station_id, Unit.status == "available", func.ST_X(Unit.geom), func.ST_Y(Unit.geom)
        ).where(Unit.geom.is_not(None))
    else:
        query = select(Unit.id, Unit.station_id, literal(True), func.ST_X(Station.geom), func.ST_Y(Station.geom)).join(
            Station, Station.id == Unit.station_id
        )
    rows = session.execute(query.where(Unit.unit_type_code == code).order_by(Unit.id)).all()
    columns = list(zip(*rows)) or [()] * 5
    return Sources(
        code,
        float(kind.speed_factor),
        np.array(columns[3], dtype=float),
        np.array(columns[4], dtype=float),
        np.array(columns[0], dtype=np.int64),
        np.array([s or -1 for s in columns[1]], dtype=np.int64),
        np.array(columns[2], dtype=bool),
    )


def times_from(
    network: Network, lon: np.ndarray, lat: np.ndarray, factor: float, within_s: float = np.inf
) -> np.ndarray:
    """Seconds from each point to every node, one search per distinct position (cached per position set).

    Exact up to ``within_s`` (farther nodes may be inf; :meth:`~geo112.network.Network.times_within`).
    """
    n = network.n_nodes
    if lon.size == 0:
        return np.empty((0, n))
    points, row = _positions(lon, lat)

    def search() -> np.ndarray:
        return network.times_within(points[:, 0], points[:, 1], factor, within_s).reshape(len(points), n)

    return np.asarray(_station_times.get((id(network), round(factor, 6), within_s, points.tobytes()), search)[row])


def reach_within(network: Network, lon: np.ndarray, lat: np.ndarray, factor: float, within_s: float) -> sp.csr_array:
    """Whether each point reaches each node within ``within_s``, sparse (a worker holds every fielded type's
    move-up sites from its warm-up on: the nodes each reaches, where :func:`times_from` holds every node).
    One bounded search per distinct position, one at a time; cached per position set."""
    n = network.n_nodes
    if lon.size == 0:
        return sp.csr_array((0, n), dtype=bool)
    points, row = _positions(lon, lat)

    def search() -> sp.csr_array:
        rows = [coverage.within_threshold(network.times_within(x, y, factor, within_s), within_s)
                for x, y in points]  # fmt: skip
        return sp.csr_array(sp.vstack(rows, format="csr"))

    key = (id(network), round(factor, 6), within_s, points.tobytes())
    return sp.csr_array(_station_reach.get(key, search)[row])


def _positions(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct positions (rounded to ~1 cm), and the row of each point among them."""
    points, row = np.unique(np.column_stack([np.round(lon, 7), np.round(lat, 7)]), axis=0, return_inverse=True)
    return points, row.ravel()


def read_s(minutes: float) -> float:
    """The longest time a coverage at ``minutes`` reads from travel-time rows: its threshold or the reach
    curve's last minute (:data:`REACH_MINUTES`)."""
    return max(float(minutes), float(REACH_MINUTES[-1])) * 60.0


def source_times(fleet: RoutedFleet, src: Sources, mode: str, within_s: float) -> coverage.Times:
    """The travel-time rows of the sources, exact up to ``within_s``: the nodes each live unit reaches within
    it, from the fleet's maintained rows (sparse, see :meth:`RoutedFleet.unit_reach`), or fresh searches."""
    if mode == "live" and np.all(src.unit_id >= 0):
        return fleet.unit_reach(src.unit_id.tolist(), within_s)
    return times_from(fleet.network, src.lon, src.lat, src.factor, within_s)


def _rows_and_nearest(
    fleet: RoutedFleet, src: Sources, mode: str, minutes: float
) -> tuple[coverage.Times, Callable[[], np.ndarray] | None]:
    """The sources' rows a coverage at ``minutes`` reads and, where the live units' rows stop short of the
    reach curve's last minute (a province's bound, :data:`REACH_MINUTES`), how to get the seconds from the
    nearest available unit to every node: one search from all of them, when first read (the reach curve and
    the gap's roads read them, a move-up proposal does not); the rows then only as far as the threshold, where
    a search per unit past the bound would cost the whole fleet's (None: nearest from the rows)."""
    far = read_s(minutes)
    if mode != "live" or not np.all(src.unit_id >= 0) or far <= fleet.table.limit_s:
        return source_times(fleet, src, mode, far), None
    free = src.take(src.available)

    def nearest() -> np.ndarray:
        if not len(free):
            return np.full(fleet.network.n_nodes, np.inf)
        return fleet.network.times_within(free.lon, free.lat, src.factor, far, min_only=True)

    return source_times(fleet, src, mode, minutes * 60.0), nearest


def demand(session: Session, index: DesaIndex) -> coverage.Demand:
    """Road nodes by desa (uniform weights) and the stored population of each desa."""
    query = text("SELECT code, population FROM desa WHERE code = ANY(:codes)")
    stored: dict[str, int | None] = {code: n for code, n in session.execute(query, {"codes": index.codes})}
    population = np.array([stored.get(c) or 0 for c in index.codes], dtype=np.float64)
    return coverage.Demand(index.node_desa, np.ones(index.node_desa.size), population)


def _key(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def evaluate(
    session: Session,
    fleet: RoutedFleet,
    src: Sources,
    minutes: float,
    mode: str,
    busy: BusyFraction,
    times: coverage.Times | None = None,
) -> Coverage:
    """Coverage of given sources (cached by fingerprint unless ``times`` are given).

    Parameters
    ----------
    session
        Session on the database (desa and their population).
    fleet
        The process's routed fleet (network and maintained unit rows).
    src
        The sources, e.g. from :func:`sources` or a what-if edit.
    minutes
        Threshold T.
    mode
        ``live`` or ``stations`` (which rows to use for real units).
    busy
        MEXCLP busy fraction of every unit, with its basis (part of the fingerprint, as answers state it).
    times
        Travel-time rows of the sources, when the caller has them.

    Returns
    -------
    Coverage
    """
    minutes = check_minutes(minutes)
    index = desa_index(session, fleet.network)
    need = demand(session, index)
    key = _key(mode, minutes, busy, src.fingerprint(), need.desa_population.tobytes(), fleet.network.fingerprint)

    def compute() -> Coverage:
        rows, nearest = _rows_and_nearest(fleet, src, mode, minutes) if times is None else (times, None)
        summary = coverage.summarize(rows, minutes * 60.0, need, src.available, busy.value, nearest)
        return Coverage(src.unit_type, minutes, mode, busy, src, summary, index, key)

    return compute() if times is not None else _results.get(key, compute)


def busy_of(session: Session, code: str, busy: float | None = None) -> BusyFraction:
    """The busy fraction ``busy`` when given, else the one measured for the unit type (:mod:`geo112.planning.busy`)."""
    return measure(session, code) if busy is None else given(busy)


def coverage_of(
    session: Session, fleet: RoutedFleet, code: str, minutes: float, mode: str = "live", busy: float | None = None
) -> Coverage:
    """Coverage of a unit type at a threshold, live or from stations (see :func:`evaluate`).

    ``busy`` overrides the busy fraction measured from the incident history (:func:`busy_of`).
    """
    src = sources(session, code, mode)
    if mode == "live":
        fleet.sync(session)  # the maintained rows must match the positions just read
    return evaluate(session, fleet, src, minutes, mode, busy_of(session, code, busy))


def parameters(cov: Coverage) -> dict[str, Any]:
    """What the coverage was computed with, flat (for answers and export columns): type, T, mode, busy and basis."""
    return {
        "unit_type": cov.unit_type,
        "minutes": cov.minutes,
        "mode": cov.mode,
        "busy": cov.busy.value,
        "busy_basis": cov.busy.basis,
    }


def _figures(population: np.ndarray, covered: dict[str, np.ndarray]) -> dict[str, float | None]:
    total = float(population.sum())
    out: dict[str, float | None] = {"population": round(total)}
    for name, persons in covered.items():
        out[f"{name}_population"] = round(float(persons.sum()))
        out[name] = round(float(persons.sum()) / total, 4) if total else None
    out["uncovered_population"] = out["population"] - out["covered_population"]  # type: ignore[operator]
    return out


def _covered(cov: Coverage) -> dict[str, np.ndarray]:
    s = cov.summary
    names = {"share": "covered", "share_double": "double", "share_expected": "expected"}
    return {names[m]: s.population_covered(getattr(s, m)) for m in _MEASURES}


def totals(cov: Coverage) -> dict[str, Any]:
    """Kabupaten figures: population, covered (at least once), double and expected, persons and shares."""
    return {
        **_figures(cov.summary.desa_population, _covered(cov)),
        "sources": len(cov.sources),
        "available": int(cov.sources.available.sum()),
    }


def reach_rows(session: Session, cov: Coverage, minutes: np.ndarray = REACH_MINUTES) -> list[dict[str, Any]]:
    """The population-vs-travel-time curve of a coverage: ``minutes`` and ``share`` reached, one row per T."""
    shares = coverage.reach_curve(cov.summary.nearest_s, demand(session, cov.index), minutes)
    return [{"minutes": float(t), "share": round(float(s), 4)} for t, s in zip(minutes, shares)]


def kecamatan_rows(cov: Coverage) -> list[dict[str, Any]]:
    """One row per kecamatan: population, covered, uncovered, double and expected coverage."""
    codes, kec = cov.index.kecamatan_of_desa
    names = dict(zip(cov.index.kecamatan_codes, cov.index.kecamatan_names))
    covered = _covered(cov)
    population = cov.summary.desa_population
    rows = []
    for k, code in enumerate(codes):
        mine = kec == k
        rows.append(
            {
                "code": code,
                "name": names[code],
                "desa": int(mine.sum()),
                **_figures(population[mine], {n: v[mine] for n, v in covered.items()}),
            }
        )
    return rows


def desa_rows(cov: Coverage) -> list[dict[str, Any]]:
    """One row per desa: its shares and covered persons (share ``None`` for a desa without roads)."""
    s, idx = cov.summary, cov.index
    covered = _covered(cov)
    shares = {m: np.round(getattr(s, m), 4) for m in _MEASURES}
    return [
        {
            "code": code,
            "name": idx.names[i],
            "kecamatan": idx.kecamatan_names[i],
            "population": round(float(s.desa_population[i])),
            **{m: (None if np.isnan(shares[m][i]) else float(shares[m][i])) for m in _MEASURES},
            **{f"{n}_population": round(float(v[i])) for n, v in covered.items()},
        }
        for i, code in enumerate(idx.codes)
    ]


_DESA_SHAPES = text("""
    SELECT code, ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, :tol), 6) FROM desa WHERE code = ANY(:codes)
""")


def desa_geometries(session: Session, index: DesaIndex, simplify_m: float = 20.0) -> dict[str, str]:
    """GeoJSON geometry text of every desa of the index, simplified for maps."""
    return dict(session.execute(_DESA_SHAPES, {"codes": index.codes, "tol": simplify_m / METRES_PER_DEGREE}).all())


def desa_features(session: Session, rows: list[dict[str, Any]], index: DesaIndex, simplify_m: float = 20.0) -> str:
    """A GeoJSON FeatureCollection (as text) of desa polygons with the given rows as properties."""
    shapes = desa_geometries(session, index, simplify_m)
    features = ",".join(
        f'{{"type":"Feature","id":{json.dumps(r["code"])},"properties":{json.dumps(r)},"geometry":{shapes[r["code"]]}}}'
        for r in rows
    )
    return f'{{"type":"FeatureCollection","features":[{features}]}}'
