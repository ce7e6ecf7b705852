"""Desa population stored by `geo112 data load`: control totals, basis, method, source; the node index."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo112.ingest.population import load_planning_data, store_population
from geo112.planning.desa_index import desa_index
from geo112.planning.thresholds import DEFAULT_THRESHOLDS, configured_thresholds, seed_thresholds

_DESA = text("""
    SELECT d.code, d.kecamatan_code, d.population, d.population_year, d.population_source, d.population_method,
           d.population_basis FROM desa d WHERE d.code LIKE '35.16.%' ORDER BY d.code
""")


def _rows(db: Session) -> dict:
    return {r.code: r for r in db.execute(_DESA)}


def test_population_keeps_every_published_total(db: Session) -> None:
    rows = _rows(db)
    assert len(rows) == 304 and all(r.population is not None for r in rows.values())
    total = db.scalar(text("SELECT population FROM jurisdiction WHERE code = '35.16'"))
    assert sum(r.population for r in rows.values()) == total == 1_119_209
    kecamatan = db.execute(text("SELECT code, population FROM kecamatan WHERE jurisdiction_code = '35.16'")).all()
    published = [(code, pop) for code, pop in kecamatan if pop is not None]
    assert len(published) == 10
    for code, pop in published:
        assert sum(r.population for r in rows.values() if r.kecamatan_code == code) == pop, code


def test_basis_method_and_source_are_stored_and_published_desa_kept(db: Session) -> None:
    rows = _rows(db)
    jotangan, trowulan = rows["35.16.08.2012"], rows["35.16.12.2007"]
    assert (jotangan.population, jotangan.population_year, jotangan.population_basis) == (3593, 2016, "published")
    assert (trowulan.population, trowulan.population_basis) == (7320, "published")
    assert jotangan.population_method == "published" and "wiki" in jotangan.population_source
    estimates = [r for r in rows.values() if r.population_basis != "published"]
    assert {r.population_basis for r in estimates} == {"kecamatan", "kabupaten_remainder"}
    assert all(
        r.population_year == 2020 and r.population_source and "road nodes" in r.population_method for r in estimates
    )
    mojosari = [r for r in estimates if r.kecamatan_code == "35.16.08"]
    assert {r.population_basis for r in mojosari} == {"kecamatan"}
    assert all("less published desa" in r.population_method for r in mojosari)


def test_storing_again_changes_nothing(db: Session, network, settings) -> None:
    before = _rows(db)
    load_planning_data(db, network, settings.data_dir)
    assert _rows(db) == before


def test_unofficial_figures_split_the_remainder_among_unpublished_kecamatan(db: Session) -> None:
    totals = dict(
        db.execute(
            text("SELECT kecamatan_code, sum(population) FROM desa WHERE kecamatan_code LIKE '35.16.%' GROUP BY 1")
        ).all()
    )
    # Trowulan 77,559 and Sooko 75,354 (facts, pop_other): their parts of the remainder keep that ratio.
    assert totals["35.16.12"] / totals["35.16.13"] == pytest.approx(77_559 / 75_354, rel=1e-4)
    assert totals["35.16.17"] < totals["35.16.16"]  # Dawarblandong 49,222 < Jetis 69,974, whatever the roads say
    assert sum(totals.values()) == 1_119_209


def test_a_new_published_desa_figure_replaces_its_estimate_and_rebalances(db: Session, network) -> None:
    code = "35.16.08.2001"  # Sumbertanggul, Mojosari
    db.execute(text("UPDATE desa SET population = 5000, population_method = 'published' WHERE code = :c"), {"c": code})
    store_population(db, desa_index(db, network))
    rows = _rows(db)
    assert rows[code].population == 5000 and rows[code].population_basis == "published"
    assert sum(r.population for r in rows.values() if r.kecamatan_code == "35.16.08") == 77_997


def test_every_road_node_in_the_kabupaten_has_its_desa(db: Session, network) -> None:
    index = desa_index(db, network)
    assert desa_index(db, network) is index  # once per process
    assert len(index.codes) == 304 and index.node_counts.min() > 0
    located = index.node_desa >= 0
    assert 0.8 < located.mean() < 1.0  # the Kota enclave and roads beyond the border are out
    # A node in the Kota Mojokerto enclave belongs to no desa of the kabupaten.
    kota = np.argmin(np.hypot(network.node_lon - 112.4340, network.node_lat + 7.4720))
    assert index.node_desa[kota] == -1
    # Each desa centre's node lies near it (within ~3 km).
    d = np.hypot(
        network.node_lon[index.centre_node] - index.centre_lon, network.node_lat[index.centre_node] - index.centre_lat
    )
    assert d.max() < 0.03


def test_thresholds_are_seeded_once_with_their_sources(db: Session) -> None:
    assert seed_thresholds(db) == 0
    configured = configured_thresholds(db)
    for code, defaults in DEFAULT_THRESHOLDS.items():
        assert configured[code] == defaults
    db.execute(text("DELETE FROM coverage_threshold WHERE unit_type_code = 'ambulance'"))
    assert seed_thresholds(db) == 2
