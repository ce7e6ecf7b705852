"""Station siting: MCLP and p-median against known optima and brute force."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from geo112.planning.siting import model as siting

# Greedy trap: A covers the most on its own, but B + C together cover everything.
#               A  B  C
TRAP = np.array(
    [
        [1, 1, 0],  # d1
        [1, 1, 0],  # d2
        [1, 0, 1],  # d3
        [1, 0, 1],  # d4
        [0, 1, 0],  # d5
        [0, 0, 1],  # d6
    ],
    dtype=bool,
)


def test_mclp_known_optimum_beats_greedy() -> None:
    result = siting.mclp(TRAP, np.ones(6), p=2)
    assert result.new_sites.tolist() == [1, 2]
    assert result.covered_weight == 6.0
    assert result.covered.all()


def test_mclp_builds_on_fixed_sites() -> None:
    result = siting.mclp(TRAP, np.ones(6), p=1, fixed=[0])
    assert result.open_sites.tolist()[0] == 0
    assert result.new_sites.size == 1 and result.new_sites[0] in (1, 2)
    assert result.covered_weight == 5.0
    none_new = siting.mclp(TRAP, np.ones(6), p=0, fixed=[1])
    assert none_new.new_sites.size == 0 and none_new.covered_weight == 3.0


def test_siting_rejects_bad_inputs() -> None:
    with pytest.raises(ValueError, match="free candidates"):
        siting.mclp(TRAP, np.ones(6), p=3, fixed=[0])
    with pytest.raises(ValueError, match="outside"):
        siting.mclp(TRAP, np.ones(6), p=1, fixed=[5])
    with pytest.raises(ValueError, match="non-negative"):
        siting.p_median(np.ones((6, 3)), -np.ones(6), p=1)
    with pytest.raises(ValueError, match="at least one open site"):
        siting.p_median(np.ones((6, 3)), np.ones(6), p=0)


def test_p_median_on_a_line() -> None:
    # Demand at km 0..8, candidates at km 0, 4, 8; one new site next to a fixed one at km 0.
    cost = np.abs(np.arange(9.0)[:, None] - np.array([0.0, 4.0, 8.0])[None, :])
    result = siting.p_median(cost, np.ones(9), p=1, fixed=[0])
    # km 4 (total 14) beats km 8 (total 16); km 2 is a tie that goes to the lower index.
    assert result.new_sites.tolist() == [1]
    np.testing.assert_array_equal(result.assignment, [0, 0, 0, 1, 1, 1, 1, 1, 1])
    assert result.total_cost == 0 + 1 + 2 + 1 + 0 + 1 + 2 + 3 + 4
    assert result.mean_cost == pytest.approx(14 / 9)


def test_p_median_leaves_unreachable_demand_out() -> None:
    cost = np.array([[1.0, 5.0], [np.inf, np.inf], [4.0, 1.0]])
    result = siting.p_median(cost, np.ones(3), p=1)
    assert result.assignment[1] == -1
    assert result.total_cost == 5.0  # site 0: 1 + 4, site 1: 5 + 1
    # Demand that only a closed candidate reaches cannot be left unserved.
    with pytest.raises(RuntimeError, match="unserved"):
        siting.p_median(np.array([[1.0, np.inf], [np.inf, 1.0]]), np.ones(2), p=0, fixed=[0])


def _brute_force(score, n_candidates: int, p: int, fixed: list[int], best) -> float:
    free = [j for j in range(n_candidates) if j not in fixed]
    return best(score(fixed + list(extra)) for extra in combinations(free, p))


instances = st.tuples(st.integers(2, 12), st.integers(2, 6)).flatmap(
    lambda shape: st.tuples(
        hnp.arrays(float, shape, elements=st.floats(0, 10)),
        hnp.arrays(float, shape[0], elements=st.integers(0, 20).map(float)),
        st.integers(0, shape[1] - 1),
        st.lists(st.integers(0, shape[1] - 1), max_size=2, unique=True),
    )
)


@settings(max_examples=60, deadline=None)
@given(instances, st.floats(1, 9))
def test_mclp_matches_brute_force(instance, radius) -> None:
    cost, weights, p, fixed = instance
    p = min(p, cost.shape[1] - len(fixed))
    cover = cost <= radius
    result = siting.mclp(cover, weights, p, fixed)
    best = _brute_force(lambda sites: weights[cover[:, sites].any(axis=1)].sum(), cost.shape[1], p, fixed, max)
    assert result.covered_weight == pytest.approx(best)
    assert set(fixed) <= set(result.open_sites.tolist())
    assert len(result.open_sites) == len(fixed) + p


@settings(max_examples=60, deadline=None)
@given(instances)
def test_p_median_matches_brute_force(instance) -> None:
    cost, weights, p, fixed = instance
    p = min(p, cost.shape[1] - len(fixed)) or int(not fixed)  # at least one open site
    result = siting.p_median(cost, weights, p, fixed)
    best = _brute_force(lambda sites: (weights * cost[:, sites].min(axis=1)).sum(), cost.shape[1], p, fixed, min)
    assert result.total_cost == pytest.approx(best, rel=1e-4, abs=1e-6)
    assert set(fixed) <= set(result.open_sites.tolist())


def test_aggregate_cover_majority_rule() -> None:
    # Group 0 = d1..d3 (weights 1, 1, 2), group 1 = d4..d6.
    cell_cover, cell_weight = siting.aggregate_cover(TRAP, [0, 0, 0, 1, 1, 1], [1, 1, 2, 1, 1, 1])
    np.testing.assert_allclose(cell_weight, [4, 3])
    # A reaches d1-d3 (4/4) and d4 (1/3); B reaches d1, d2 (2/4) and d5 (1/3); C d3 (2/4), d4, d6 (2/3).
    np.testing.assert_array_equal(cell_cover, [[True, True, True], [False, False, True]])
