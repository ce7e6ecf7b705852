"""Road nodes by desa, and population per desa stored beside its source and method.

Coverage is measured on the road nodes of the routing engine, grouped by the desa they lie in; the
grouping is a point-in-polygon of every node against the desa of the served kabupaten, done once per
engine and database and cached for the process (:func:`desa_index`). The same grouping weights the
population spread (:func:`store_population`): BPS publishes population by kecamatan, for some kecamatan
only, so the kecamatan figures and the kabupaten remainder are spread over desa in proportion to their
road nodes (see docs/coverage.md, "Population per desa").
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from scipy.spatial import cKDTree
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo112.loading import POPULATION_KECAMATAN
from geo112.population import (
    BASIS_DESA,
    BASIS_REMAINDER,
    round_within_groups,
    spread_population,
)
from geodata.kab_mojokerto import verified_path
from geodata.kab_mojokerto.facts import unofficial_figures

#: What the spread weight is, for the method text stored beside each estimate.
WEIGHT_NAME = "its road nodes in the routing graph"
#: The method loading.py stores beside a published desa figure.
PUBLISHED = "published"

_DESA = text("""
    SELECT d.code, d.name, d.kecamatan_code, k.name AS kecamatan_name, ST_AsBinary(d.geom) AS wkb,
           ST_X(ST_PointOnSurface(d.geom)) AS lon, ST_Y(ST_PointOnSurface(d.geom)) AS lat
    FROM desa d JOIN kecamatan k ON k.code = d.kecamatan_code
    JOIN jurisdiction j ON j.code = k.jurisdiction_code AND j.served
    ORDER BY d.code
""")
_REGENCY = text("SELECT code, ST_AsBinary(geom) FROM jurisdiction WHERE served ORDER BY code LIMIT 1")


@dataclass(frozen=True)
class DesaIndex:
    """The desa of the served kabupaten and the road nodes inside each.

    Attributes
    ----------
    codes, names
        Desa codes (sorted) and names; position ``i`` is desa index ``i`` everywhere.
    kecamatan_codes, kecamatan_names
        The kecamatan of each desa.
    centre_lon, centre_lat
        A point inside each desa (``ST_PointOnSurface``): its centre for siting.
    node_desa
        Desa index per road node, ``-1`` outside the kabupaten (Kota enclave, beyond the border).
    centre_node
        The road node nearest each desa centre.
    regency
        The kabupaten polygon (shapely, lon/lat).
    regency_code
        Its jurisdiction code.
    """

    codes: list[str]
    names: list[str]
    kecamatan_codes: list[str]
    kecamatan_names: list[str]
    centre_lon: np.ndarray
    centre_lat: np.ndarray
    node_desa: np.ndarray
    centre_node: np.ndarray
    regency: Any
    regency_code: str

    @property
    def node_counts(self) -> np.ndarray:
        """Road nodes per desa."""
        inside = self.node_desa >= 0
        return np.bincount(self.node_desa[inside], minlength=len(self.codes))

    @property
    def kecamatan_of_desa(self) -> tuple[list[str], np.ndarray]:
        """Distinct kecamatan codes (sorted) and the kecamatan index of each desa."""
        kecamatan, index = np.unique(self.kecamatan_codes, return_inverse=True)
        return kecamatan.tolist(), index.ravel()


_lock = threading.Lock()
_indexes: weakref.WeakKeyDictionary[Any, dict[str, DesaIndex]] = weakref.WeakKeyDictionary()


def build_desa_index(session: Session, engine: Any) -> DesaIndex:
    """Assign every road node of an engine to its desa (point in polygon), uncached.

    Parameters
    ----------
    session
        Session on a database with the geography loaded.
    engine
        A :class:`routing.Engine`.

    Returns
    -------
    DesaIndex
    """
    rows = session.execute(_DESA).all()
    regency = session.execute(_REGENCY).first()
    if not rows or regency is None:
        raise LookupError("no desa of a served jurisdiction: run `geo112 data load` first")
    polygons = shapely.from_wkb([r.wkb for r in rows])
    nodes = shapely.points(engine.node_lon, engine.node_lat)
    node_idx, desa_idx = shapely.STRtree(polygons).query(nodes, predicate="intersects")
    # A node on a shared border belongs to the first desa found, so every node counts once.
    first = np.unique(node_idx, return_index=True)[1]
    node_desa = np.full(len(nodes), -1, dtype=np.int64)
    node_desa[node_idx[first]] = desa_idx[first]
    lon = np.array([r.lon for r in rows])
    lat = np.array([r.lat for r in rows])
    x, y = engine.projection.to_xy(engine.node_lon, engine.node_lat)
    cx, cy = engine.projection.to_xy(lon, lat)
    centre_node = cKDTree(np.column_stack([x, y])).query(np.column_stack([cx, cy]))[1]
    return DesaIndex(
        codes=[r.code for r in rows], names=[r.name for r in rows],
        kecamatan_codes=[r.kecamatan_code for r in rows], kecamatan_names=[r.kecamatan_name for r in rows],
        centre_lon=lon, centre_lat=lat, node_desa=node_desa, centre_node=np.asarray(centre_node, dtype=np.int64),
        regency=shapely.from_wkb(regency[1]), regency_code=regency[0],
    )


def desa_index(session: Session, engine: Any) -> DesaIndex:
    """Return the desa index of an engine and the session's database, built once per process.

    Boundaries change only with a data load, which a restart follows; the index is cached per engine
    (weakly, so a dropped engine takes its index along) and per database URL.
    """
    url = session.get_bind().engine.url.render_as_string(hide_password=True)
    with _lock:
        per_engine = _indexes.setdefault(engine, {})
        if url not in per_engine:
            per_engine[url] = build_desa_index(session, engine)
        return per_engine[url]


@dataclass(frozen=True)
class PopulationReport:
    """What :func:`store_population` wrote: desa per basis and the totals it kept."""

    desa_by_basis: dict[str, int]
    kabupaten_total: int
    stored_total: int
    year: int


_KECAMATAN = text("""
    SELECT code, population, population_year, population_source FROM kecamatan WHERE jurisdiction_code = :j
""")
_KABUPATEN = text("SELECT population, population_year, population_source FROM jurisdiction WHERE code = :j")
_PUBLISHED_DESA = text("SELECT code, population FROM desa WHERE population_method = :published AND population IS NOT NULL")
_UPDATE = text("""
    UPDATE desa SET population = :population, population_year = :year, population_source = :source,
                    population_method = :method, population_basis = :basis
    WHERE code = :code
""")
_MARK_PUBLISHED = text("UPDATE desa SET population_basis = :basis WHERE code = :code")


def store_population(session: Session, index: DesaIndex,
                     kecamatan_hint: Mapping[str, float] | None = None) -> PopulationReport:
    """Estimate the population of every desa without a published figure and store it with its method.

    The kecamatan and kabupaten figures are those :func:`geo112.loading.load_geography` stored (census
    2020); a kecamatan figure of another year than the kabupaten total is not used. Desa whose figure
    was published (``population_method = 'published'``) keep it and get basis ``published``; the rest
    get the spread of :func:`geo112.population.spread_population` weighted by their road nodes, rounded
    to persons so that every kecamatan figure and the kabupaten total are kept exactly. Running it again
    gives the same rows; a new published desa figure replaces its estimate and re-balances the rest.

    Parameters
    ----------
    session
        An open session; the caller commits.
    index
        The desa index of the engine (:func:`desa_index`).
    kecamatan_hint
        Unofficial figures by kecamatan code, which split the kabupaten remainder among the kecamatan
        without a census figure (see :func:`geo112.population.spread_population`).

    Returns
    -------
    PopulationReport

    Raises
    ------
    LookupError
        When the kabupaten has no population figure.
    """
    total, year, total_source = session.execute(_KABUPATEN, {"j": index.regency_code}).one()
    if total is None:
        raise LookupError(f"jurisdiction {index.regency_code} has no population figure")
    kecamatan, kec_of_desa = index.kecamatan_of_desa
    figures = {r.code: r for r in session.execute(_KECAMATAN, {"j": index.regency_code})}
    kec_pop = np.array([
        figures[k].population if k in figures and figures[k].population is not None
        and figures[k].population_year == year else np.nan for k in kecamatan], dtype=float)
    published = dict(session.execute(_PUBLISHED_DESA, {"published": PUBLISHED}).all())
    desa_pop = np.array([published.get(code, np.nan) for code in index.codes], dtype=float)
    hint = None if kecamatan_hint is None else np.array([kecamatan_hint.get(k, np.nan) for k in kecamatan], dtype=float)
    spread = spread_population(kec_of_desa, kec_pop, float(total), index.node_counts.astype(float), desa_pop,
                               weight_name=WEIGHT_NAME, kecamatan_hint=hint)
    # Round per pool (each published kecamatan, the remainder or, with hints, each of its kecamatan, each
    # published desa on its own).
    n_kec = len(kecamatan)
    pool = kec_of_desa if hint is not None else np.where(spread.basis == BASIS_REMAINDER, n_kec, kec_of_desa)
    pool = np.where(spread.basis == BASIS_DESA, n_kec + 1 + np.arange(len(index.codes)), pool)
    persons = round_within_groups(spread.population, pool)
    remainder_source = f"{total_source} (kabupaten total, less the published kecamatan figures)"
    if kecamatan_hint is not None:
        remainder_source += "; split by unofficial kecamatan figures (facts/population_kecamatan.csv, pop_other)"
    rows = [{"population": int(persons[i]), "year": year, "method": str(spread.method[i]), "basis": str(basis),
             "code": code, "source": remainder_source if basis == BASIS_REMAINDER
             else figures[kecamatan[kec_of_desa[i]]].population_source}
            for i, (code, basis) in enumerate(zip(index.codes, spread.basis)) if basis != BASIS_DESA]
    marked = [{"basis": BASIS_DESA, "code": c} for c, b in zip(index.codes, spread.basis) if b == BASIS_DESA]
    for statement, params in ((_UPDATE, rows), (_MARK_PUBLISHED, marked)):
        if params:
            session.execute(statement, params)
    basis, counts = np.unique(spread.basis, return_counts=True)
    return PopulationReport(desa_by_basis=dict(zip(basis.tolist(), counts.tolist())), kabupaten_total=int(total), stored_total=int(persons.sum()),
                            year=int(year))


def load_planning_data(session: Session, engine: Any, data_dir: Path | None = None) -> dict[str, Any]:
    """Seed the coverage thresholds and store the desa population estimates (``geo112 data load``).

    Parameters
    ----------
    session
        An open session on a database with the geography and unit types; the caller commits.
    engine
        The routing engine whose road nodes weight the spread, or None when it cannot be loaded (the
        population is then left as published, and the message says so).
    data_dir
        The data directory; when given, the unofficial kecamatan figures in its facts split the remainder.

    Returns
    -------
    dict
        What was written, for the command to print.
    """
    from geo112.threshold_config import seed_thresholds

    out: dict[str, Any] = {"coverage_thresholds_seeded": seed_thresholds(session)}
    if engine is None:
        out["population"] = "skipped: the road network could not be loaded (see `geo112 graph build`)"
        return out
    hint = None
    if data_dir is not None:
        path = verified_path(data_dir, POPULATION_KECAMATAN)
        hint = {code: figure.value for code, figure in unofficial_figures(path).items()}
    report = store_population(session, desa_index(session, engine), hint)
    out["population"] = {"year": report.year, "desa_by_basis": report.desa_by_basis,
                         "kabupaten_total": report.kabupaten_total, "stored_total": report.stored_total}
    return out
