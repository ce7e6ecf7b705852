"""Population per desa, estimated and stored beside its source and method (``geo112 data load``).

BPS publishes population by kecamatan, for some kecamatan only, so the kecamatan figures and the kabupaten
remainder are spread over desa in proportion to their road nodes (:mod:`geo112.planning.desa_index`; see
docs/coverage.md, "Population per desa").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo112.network import Network
from geo112.planning.desa_index import DesaIndex, desa_index
from geo112.planning.population import BASIS_DESA, BASIS_REMAINDER, round_within_groups, spread_population
from geo112.planning.thresholds import seed_thresholds
from geo112.region import Region, current_region
from geodata.kab_mojokerto.facts import unofficial_figures

#: What the spread weight is, for the method text stored beside each estimate.
WEIGHT_NAME = "its road nodes in the routing graph"
#: The method loading.py stores beside a published desa figure.
PUBLISHED = "published"


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
_PUBLISHED_DESA = text(
    "SELECT code, population FROM desa WHERE population_method = :published AND population IS NOT NULL"
)
_UPDATE = text("""
    UPDATE desa SET population = :population, population_year = :year, population_source = :source,
                    population_method = :method, population_basis = :basis
    WHERE code = :code
""")
_MARK_PUBLISHED = text("UPDATE desa SET population_basis = :basis WHERE code = :code")


def store_population(
    session: Session, index: DesaIndex, kecamatan_hint: Mapping[str, float] | None = None
) -> PopulationReport:
    """Estimate the population of every desa without a published figure and store it with its method.

    The kecamatan and kabupaten figures are those :func:`geo112.ingest.boundaries.load_geography` stored (census
    2020); a kecamatan figure of another year than the kabupaten total is not used. Desa whose figure
    was published (``population_method = 'published'``) keep it and get basis ``published``; the rest
    get the spread of :func:`geo112.planning.population.spread_population` weighted by their road nodes, rounded
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
        without a census figure (see :func:`geo112.planning.population.spread_population`).

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
    kec_pop = np.array(
        [
            figures[k].population
            if k in figures and figures[k].population is not None and figures[k].population_year == year
            else np.nan
            for k in kecamatan
        ],
        dtype=float,
    )
    published: dict[str, int] = {c: p for c, p in session.execute(_PUBLISHED_DESA, {"published": PUBLISHED})}
    desa_pop = np.array([published.get(code, np.nan) for code in index.codes], dtype=np.float64)
    hint = None if kecamatan_hint is None else np.array([kecamatan_hint.get(k, np.nan) for k in kecamatan], dtype=float)
    if hint is not None and not np.isfinite(hint).any():
        # No figure for any of the region's kecamatan ({} or another region's): the remainder is one pool, as
        # without hints; pooled per kecamatan, rounding could lose persons of the published total.
        hint = None
    spread = spread_population(
        kec_of_desa,
        kec_pop,
        float(total),
        index.node_counts.astype(float),
        desa_pop,
        weight_name=WEIGHT_NAME,
        kecamatan_hint=hint,
    )
    # Round per pool (each published kecamatan, the remainder or, with hints, each of its kecamatan, each
    # published desa on its own).
    n_kec = len(kecamatan)
    pool = kec_of_desa if hint is not None else np.where(spread.basis == BASIS_REMAINDER, n_kec, kec_of_desa)
    pool = np.where(spread.basis == BASIS_DESA, n_kec + 1 + np.arange(len(index.codes)), pool)
    persons = round_within_groups(spread.population, pool)
    remainder_source = f"{total_source} (kabupaten total, less the published kecamatan figures)"
    if hint is not None:
        remainder_source += "; split by unofficial kecamatan figures (facts/population_kecamatan.csv, pop_other)"
    rows = [
        {
            "population": int(persons[i]),
            "year": year,
            "method": str(spread.method[i]),
            "basis": str(basis),
            "code": code,
            "source": remainder_source
            if basis == BASIS_REMAINDER
            else figures[kecamatan[kec_of_desa[i]]].population_source,
        }
        for i, (code, basis) in enumerate(zip(index.codes, spread.basis))
        if basis != BASIS_DESA
    ]
    marked = [{"basis": BASIS_DESA, "code": c} for c, b in zip(index.codes, spread.basis) if b == BASIS_DESA]
    for statement, params in ((_UPDATE, rows), (_MARK_PUBLISHED, marked)):
        if params:
            session.execute(statement, params)
    basis, counts = np.unique(spread.basis, return_counts=True)
    return PopulationReport(
        desa_by_basis=dict(zip(basis.tolist(), counts.tolist())),
        kabupaten_total=int(total),
        stored_total=int(persons.sum()),
        year=int(year),
    )


def load_planning_data(
    session: Session, network: Network | None, data_dir: Path | None = None, region: Region | None = None
) -> dict[str, Any]:
    """Seed the coverage thresholds and store the desa population estimates (``geo112 data load``).

    Parameters
    ----------
    session
        An open session on a database with the geography and unit types; the caller commits.
    network
        The road network whose road nodes weight the spread, or None when it cannot be loaded (the
        population is then left as published, and the message says so).
    data_dir
        The data directory; when given, the unofficial kecamatan figures in its facts split the remainder.
    region
        The region pack (default :func:`geo112.region.current_region`).

    Returns
    -------
    dict
        What was written, for the command to print.
    """
    out: dict[str, Any] = {"coverage_thresholds_seeded": seed_thresholds(session)}
    if network is None:
        out["population"] = "skipped: the road network could not be loaded (see `geo112 graph build`)"
        return out
    region = region or current_region()
    hint = None
    if data_dir is not None and region.population_kecamatan:
        path = region.path(data_dir, region.population_kecamatan)
        # None, not {}, when the region has no unofficial figures: an empty hint would pool the remainder
        # per kecamatan with nothing to split it by, and the stored desa would miss the published total.
        own = f"{region.code}."
        hint = {c: figure.value for c, figure in unofficial_figures(path).items() if c.startswith(own)} or None
    try:
        report = store_population(session, desa_index(session, network), hint)
    except LookupError as exc:
        out["population"] = f"skipped: {exc} (give [population] total in the region pack)"
        return out
    out["population"] = {
        "year": report.year,
        "desa_by_basis": report.desa_by_basis,
        "kabupaten_total": report.kabupaten_total,
        "stored_total": report.stored_total,
    }
    return out
