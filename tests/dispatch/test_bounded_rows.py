"""Unit rows bounded in time (``GEO112_UNIT_ROW_LIMIT_S``) answer as unbounded ones (issue 33)."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select

from geo112 import network as network_module
from geo112.dispatch.recommend import recommend
from geo112.network import Network, RoutedFleet
from geo112.planning.coverage import model as coverage
from geo112.planning.coverage import service as cs
from geo112.store.models import Unit

from .conftest import PACET

#: Short enough that most of the regency's units are beyond it.
LIMIT_S = 240.0


def test_recommendations_from_rows_of_four_minutes_equal_those_from_whole_rows(
    db, network: Network, fleet: RoutedFleet, make_incident
) -> None:
    bounded = RoutedFleet(network, LIMIT_S)
    incident = make_incident("kebakaran", point=PACET)
    got, want = recommend(db, bounded, incident.id, k=5), recommend(db, fleet, incident.id, k=5)
    for mine, theirs in zip(got["requirements"], want["requirements"], strict=True):
        for key in ("proposed", "not_proposed"):
            assert [u["unit_id"] for u in mine[key]] == [u["unit_id"] for u in theirs[key]]
            assert [u["eta_s"] for u in mine[key]] == pytest.approx([u["eta_s"] for u in theirs[key]], abs=0.2)
    assert bounded.table.reached < fleet.table.reached / 4


def test_coverage_times_beyond_the_bound_are_searched(db, network: Network) -> None:
    bounded, whole = RoutedFleet(network, LIMIT_S), RoutedFleet(network)
    for fleet in (bounded, whole):
        fleet.sync(db)
    units = db.scalars(select(Unit.id).where(Unit.geom.is_not(None)).order_by(Unit.id).limit(3)).all()
    exact = np.array([whole.table.times(u) for u in units])  # each unit's whole row, over every node

    def up_to(times: np.ndarray, bound: float) -> np.ndarray:
        return np.where(times <= bound, times, np.inf)

    for bound in (LIMIT_S, 3600.0):  # from the rows; past their bound, searched (a search bounded there too)
        within = bounded.unit_reach(list(units), bound)
        assert within.nnz == np.isfinite(up_to(exact, bound)).sum()  # the nodes within the bound, no other
        np.testing.assert_allclose(coverage.dense_times(within), up_to(exact, bound), rtol=1e-5)
        np.testing.assert_allclose(coverage.dense_times(whole.unit_reach(list(units), bound)), up_to(exact, bound))


def test_units_beyond_the_bound_are_labelled_and_past_the_cap_not_called_unreachable(
    db, network: Network, fleet: RoutedFleet, make_incident
) -> None:
    capped = RoutedFleet(network, LIMIT_S, beyond=1)
    incident = make_incident("kebakaran", point=PACET)
    got, want = recommend(db, capped, incident.id, k=5), recommend(db, fleet, incident.id, k=5)
    labelled = 0
    for mine, theirs in zip(got["requirements"], want["requirements"], strict=True):
        unreachable = [{u["unit_id"] for u in r["not_proposed"] if u["reason"] == "unreachable"}
                       for r in (mine, theirs)]  # fmt: skip
        assert unreachable[0] == unreachable[1]
        ranked = [u for u in mine["proposed"] + mine["not_proposed"] if u["eta_s"] is not None]
        # a unit is labelled exactly when its ETA is past the bound (a hierarchy query), at most one per type
        assert all(u.get("beyond_bound", False) == (u["eta_s"] > LIMIT_S) for u in ranked)
        assert sum("beyond_bound" in u for u in ranked) <= 1
        labelled += sum("beyond_bound" in u for u in ranked)
    assert labelled > 0


def test_live_coverage_past_the_rows_bound_is_that_of_whole_rows(db, network: Network) -> None:
    # the rows reach 4 minutes, the reach curve 60: nearest times by one search from every available unit
    bounded, whole = RoutedFleet(network, LIMIT_S), RoutedFleet(network)
    code = "ambulance"
    got = cs.coverage_of(db, bounded, code, 8.0, "live", busy=0.2)
    cs._results.clear()  # cached per sources and network: the same key for both fleets
    want = cs.coverage_of(db, whole, code, 8.0, "live", busy=0.2)
    assert got is not want and got.sources.available.sum() > 1
    assert "nearest_s" not in vars(got.summary)  # searched when first read, which move-up never does
    np.testing.assert_array_equal(got.summary.counts, want.summary.counts)
    np.testing.assert_allclose(got.summary.nearest_s, want.summary.nearest_s, rtol=1e-5)
    assert np.isfinite(got.summary.nearest_s).sum() == np.isfinite(want.summary.nearest_s).sum()
    assert cs.reach_rows(db, got) == cs.reach_rows(db, want)
    assert cs.totals(got) == cs.totals(want)


def test_a_refresh_in_batches_stores_what_one_search_of_every_unit_does(
    db, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a start-up's rows computed a few units at a time (a province's would hold gigabytes in passing at once)
    at_once = RoutedFleet(network, LIMIT_S)
    computed = at_once.sync(db)
    assert 7 < computed <= network_module.REFRESH_BATCH  # the demo fleet: one batch
    monkeypatch.setattr(network_module, "REFRESH_BATCH", 7)
    in_batches = RoutedFleet(network, LIMIT_S)
    assert in_batches.sync(db) == computed  # every unit, 7 at a time
    assert in_batches._synced == at_once._synced and in_batches.off_road == at_once.off_road
    for unit in at_once._synced:
        np.testing.assert_array_equal(in_batches.table.times(unit), at_once.table.times(unit))
