"""Coverage on arrays: exact answers on a line network and invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from geo112.planning.coverage import model as coverage
from geo112.planning.thresholds import resolve_thresholds

# Eleven nodes 1 km apart on a road driven at 1 km/min; stations at km 0 and km 10.
NODES_KM = np.arange(11.0)
STATIONS_KM = np.array([0.0, 10.0])
LINE_TIMES = 60.0 * np.abs(STATIONS_KM[:, None] - NODES_KM[None, :])
# Desa 0 holds km 0-4, desa 1 km 5-10.
LINE_DEMAND = coverage.Demand(
    node_desa=(NODES_KM >= 5).astype(int), node_weight=np.ones(11), desa_population=np.array([1000.0, 600.0])
)


def test_two_stations_on_a_line_who_covers_what() -> None:
    counts = coverage.coverage_counts(LINE_TIMES, 4 * 60)
    np.testing.assert_array_equal(counts, [1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1])
    counts5 = coverage.coverage_counts(LINE_TIMES, 5 * 60)
    assert counts5[5] == 2  # the midpoint is reached by both at exactly 5 minutes
    np.testing.assert_allclose(coverage.nearest_times(LINE_TIMES), 60 * np.minimum(NODES_KM, 10 - NODES_KM))


def test_unavailable_unit_is_skipped_and_unreachable_is_marked() -> None:
    available = [False, True]
    np.testing.assert_allclose(coverage.nearest_times(LINE_TIMES, available), 60 * (10 - NODES_KM))
    assert coverage.coverage_counts(LINE_TIMES, 4 * 60, available).sum() == 5
    cut = LINE_TIMES.copy()
    cut[:, 5] = np.inf
    assert coverage.nearest_times(cut)[5] == np.inf
    assert coverage.nearest_times(LINE_TIMES, [False, False]).tolist() == [np.inf] * 11


def test_bad_shapes_are_rejected() -> None:
    with pytest.raises(ValueError, match="one flag per source"):
        coverage.nearest_times(LINE_TIMES, [True])
    with pytest.raises(ValueError, match="matrix"):
        coverage.coverage_counts(LINE_TIMES[0], 60)
    with pytest.raises(ValueError, match="different numbers of nodes"):
        coverage.summarize(LINE_TIMES[:, :5], 60, LINE_DEMAND)


def test_expected_coverage_mexclp() -> None:
    # Node 5 at 5 minutes is covered by both units, node 0 by one.
    within = coverage.within_threshold(LINE_TIMES, 5 * 60)
    scalar = coverage.expected_coverage(within, 0.3)
    assert scalar[5] == pytest.approx(1 - 0.3**2)
    assert scalar[0] == pytest.approx(0.7)
    per_unit = coverage.expected_coverage(within, [0.2, 0.5])
    assert per_unit[5] == pytest.approx(1 - 0.2 * 0.5)
    assert per_unit[0] == pytest.approx(0.8)
    assert per_unit[10] == pytest.approx(0.5)
    never_busy = coverage.expected_coverage(within, [0.0, 1.0])
    np.testing.assert_allclose(never_busy, [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        coverage.expected_coverage(within, 1.5)
    with pytest.raises(ValueError, match="one per source"):
        coverage.expected_coverage(within, [0.1, 0.2, 0.3])


def test_desa_share_weights_and_empty_desa() -> None:
    demand = coverage.Demand(
        node_desa=np.array([0, 0, 0, 1, -1]),
        node_weight=np.array([1.0, 3.0, 0.0, 2.0, 5.0]),
        desa_population=np.array([10.0, 20.0, 30.0]),
    )
    share = demand.desa_share(np.array([True, False, True, True, True]))
    np.testing.assert_allclose(share[:2], [0.25, 1.0])
    assert np.isnan(share[2])  # desa 2 has no node
    with pytest.raises(ValueError, match="beyond"):
        coverage.Demand(np.array([3]), np.ones(1), np.ones(2))
    with pytest.raises(ValueError, match="non-negative"):
        coverage.Demand(np.array([0]), -np.ones(1), np.ones(1))


def test_summary_on_the_line() -> None:
    s = coverage.summarize(LINE_TIMES, 4 * 60, LINE_DEMAND, busy_fraction=0.5)
    np.testing.assert_allclose(s.share, [1.0, 5 / 6])
    np.testing.assert_allclose(s.share_double, [0.0, 0.0])
    np.testing.assert_allclose(s.share_expected, [0.5, 0.5 * 5 / 6])
    np.testing.assert_allclose(s.population_covered(), [1000.0, 500.0])
    assert s.population_covered(s.share_double).sum() == 0.0


def test_whatif_adding_a_station_in_the_middle() -> None:
    before = coverage.summarize(LINE_TIMES, 4 * 60, LINE_DEMAND)
    added = np.vstack([LINE_TIMES, 60.0 * np.abs(5.0 - NODES_KM)])
    change = coverage.whatif(before, coverage.summarize(added, 4 * 60, LINE_DEMAND))
    assert np.flatnonzero(change.nodes_gained).tolist() == [5]
    assert not change.nodes_lost.any()
    np.testing.assert_allclose(change.delta_population, [0.0, 100.0])

    removed = coverage.summarize(LINE_TIMES, 4 * 60, LINE_DEMAND, available=[True, False])
    loss = coverage.whatif(before, removed)
    assert np.flatnonzero(loss.nodes_lost).tolist() == [6, 7, 8, 9, 10]
    with pytest.raises(ValueError, match="threshold"):
        coverage.whatif(before, coverage.summarize(LINE_TIMES, 60, LINE_DEMAND))


def test_summarize_unit_types_uses_each_types_thresholds() -> None:
    out = coverage.summarize_unit_types(
        {"ambulance": LINE_TIMES, "fire_truck": LINE_TIMES[:1]},
        resolve_thresholds(),
        LINE_DEMAND,
        busy_by_type={"ambulance": 0.2},
    )
    assert set(out) == {("ambulance", 8), ("ambulance", 15), ("fire_truck", 15)}
    assert out[("ambulance", 8)].threshold_s == 480
    assert out[("fire_truck", 15)].share_expected is None
    np.testing.assert_allclose(out[("fire_truck", 15)].share, [1.0, 1.0])


# Invariants on random travel-time matrices (seconds, np.inf = unreachable).
time_values = st.one_of(st.floats(0, 3600), st.just(np.inf))
matrices = st.tuples(st.integers(1, 5), st.integers(1, 25)).flatmap(
    lambda shape: hnp.arrays(float, shape, elements=time_values)
)


@settings(max_examples=150, deadline=None)
@given(matrices, st.floats(0, 3600), st.floats(0, 3600), st.data())
def test_coverage_invariants(times, t1, t2, data) -> None:
    low, high = sorted((t1, t2))
    counts_low = coverage.coverage_counts(times, low)
    counts_high = coverage.coverage_counts(times, high)
    assert np.all(counts_high >= counts_low)  # coverage never falls when T grows
    extra = data.draw(hnp.arrays(float, (1, times.shape[1]), elements=time_values))
    counts_more = coverage.coverage_counts(np.vstack([times, extra]), low)
    assert np.all(counts_more >= counts_low)  # nor when a unit is added
    # covered exactly where the nearest unit is within T
    np.testing.assert_array_equal(counts_low >= 1, coverage.nearest_times(times) <= low)

    n = times.shape[1]
    demand = coverage.Demand(
        node_desa=data.draw(hnp.arrays(int, n, elements=st.integers(-1, 2))),
        node_weight=data.draw(hnp.arrays(float, n, elements=st.floats(0, 10))),
        desa_population=np.array([100.0, 50.0, 0.0]),
    )
    q = data.draw(hnp.arrays(float, times.shape[0], elements=st.floats(0, 1)))
    s = coverage.summarize(times, low, demand, busy_fraction=q)
    defined = ~np.isnan(s.share)
    assert np.all(s.share_double[defined] <= s.share[defined] + 1e-12)
    assert np.all(s.share_expected[defined] <= s.share[defined] + 1e-12)
    assert 0.0 <= s.population_covered().sum() <= s.desa_population.sum() * (1.0 + 1e-12)


@settings(max_examples=100, deadline=None)
@given(matrices, st.floats(0, 3600), st.floats(0, 1))
def test_per_unit_busy_fraction_generalises_daskin(times, threshold, q) -> None:
    within = coverage.within_threshold(times, threshold)
    same = coverage.expected_coverage(within, np.full(times.shape[0], q))
    np.testing.assert_allclose(same, coverage.expected_coverage(within, q), atol=1e-12)
    assert np.all((same >= 0) & (same <= 1 + 1e-12))
