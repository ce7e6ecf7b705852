"""Spreading kecamatan and kabupaten population over desa."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from geo112.planning.population import round_within_groups, spread_population

# Kecamatan 0 published (1000); kecamatan 1 and 2 unpublished; kabupaten 4000.
KEC = np.array([0, 0, 1, 1, 2])
KEC_POP = np.array([1000.0, np.nan, np.nan])
WEIGHT = np.array([1.0, 3.0, 2.0, 2.0, 4.0])


def test_spread_by_weight_within_kecamatan_and_remainder() -> None:
    out = spread_population(KEC, KEC_POP, 4000, WEIGHT, weight_name="road km")
    # 1000 by weight 1:3; the remaining 3000 over desa 2-4 by weight 2:2:4.
    np.testing.assert_allclose(out.population, [250, 750, 750, 750, 1500])
    assert out.basis.tolist() == ["kecamatan"] * 2 + ["kabupaten_remainder"] * 3
    assert all("road km" in m for m in out.method)


def test_published_desa_figure_overrides_and_totals_hold() -> None:
    desa = np.array([np.nan, 400.0, np.nan, np.nan, 1000.0])
    out = spread_population(KEC, KEC_POP, 4000, WEIGHT, desa_population=desa)
    np.testing.assert_allclose(out.population, [600, 400, 1000, 1000, 1000])
    assert out.basis[1] == "published" and out.basis[4] == "published"
    assert out.method[1] == "published desa figure"
    assert out.population.sum() == pytest.approx(4000)


def test_zero_weight_pool_is_split_equally() -> None:
    out = spread_population(KEC, KEC_POP, 4000, np.array([0, 0, 1, 1, 2.0]))
    np.testing.assert_allclose(out.population[:2], [500, 500])
    assert "equally" in out.method[0] and "in proportion" in out.method[2]


def test_inconsistent_figures_are_rejected() -> None:
    desa = np.array([1200.0, np.nan, np.nan, np.nan, np.nan])
    with pytest.raises(ValueError, match="exceed"):
        spread_population(KEC, KEC_POP, 4000, WEIGHT, desa_population=desa)
    with pytest.raises(ValueError, match="beyond"):
        spread_population(np.array([0, 3]), KEC_POP, 4000, np.ones(2))
    with pytest.raises(ValueError, match="align"):
        spread_population(KEC, KEC_POP, 4000, np.ones(3))


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 30).flatmap(
        lambda n: st.tuples(
            hnp.arrays(int, n, elements=st.integers(0, 3)),
            hnp.arrays(float, 4, elements=st.one_of(st.just(np.nan), st.floats(0, 1e5))),
            hnp.arrays(float, n, elements=st.floats(0, 100)),
        )
    )
)
def test_control_totals_are_kept(args) -> None:
    kec, kec_pop, weight = args
    published = np.isfinite(kec_pop)
    remainder = 1e6
    out = spread_population(kec, kec_pop, kec_pop[published].sum() + remainder, weight)
    assert np.all(out.population >= 0)
    for k in np.unique(kec[published[kec]]):
        assert out.population[kec == k].sum() == pytest.approx(kec_pop[k])
    if (~published[kec]).any():
        assert out.population[~published[kec]].sum() == pytest.approx(remainder)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 40).flatmap(
        lambda n: st.tuples(
            hnp.arrays(float, n, elements=st.floats(0, 1e5)), hnp.arrays(int, n, elements=st.integers(0, 4))
        )
    )
)
def test_rounding_keeps_group_totals(args) -> None:
    values, group = args
    rounded = round_within_groups(values, group)
    assert np.all(np.abs(rounded - values) < 1)
    for g in np.unique(group):
        assert rounded[group == g].sum() == round(values[group == g].sum())


def test_rounding_gives_the_missing_persons_to_the_largest_fractions() -> None:
    assert round_within_groups([0.4, 0.6, 1.5, 1.5], [0, 0, 1, 1]).tolist() == [0, 1, 2, 1]


def test_hints_split_the_remainder_among_unpublished_kecamatan() -> None:
    # Kecamatan 1 (weight 4) has an unofficial figure, kecamatan 2 (weight 2) none: kecamatan 2 counts at
    # kecamatan 1's persons per weight, so the 3000 split 2:1 exactly as by weight alone.
    weight = np.array([1.0, 3.0, 2.0, 2.0, 2.0])
    plain = spread_population(KEC, KEC_POP, 4000, weight)
    hinted = spread_population(KEC, KEC_POP, 4000, weight, kecamatan_hint=np.array([np.nan, 1000.0, np.nan]))
    np.testing.assert_allclose(hinted.population, plain.population)
    # Hints 2000:500 split the 3000 4:1 although the weights say 2:1.
    skewed = spread_population(KEC, KEC_POP, 4000, weight, kecamatan_hint=np.array([np.nan, 2000.0, 500.0]))
    np.testing.assert_allclose(skewed.population[2:], [1200, 1200, 600])
    assert skewed.basis.tolist()[2:] == ["kabupaten_remainder"] * 3
    assert all("unofficial" in m for m in skewed.method[2:])
    assert skewed.population.sum() == pytest.approx(4000)


def test_hints_keep_published_desa_inside_an_unpublished_kecamatan() -> None:
    desa = np.array([np.nan, np.nan, 300.0, np.nan, np.nan])
    out = spread_population(
        KEC, KEC_POP, 4000, WEIGHT, desa_population=desa, kecamatan_hint=np.array([np.nan, 2000.0, 1000.0])
    )
    np.testing.assert_allclose(out.population[2:], [300, 1700, 1000])
    assert out.basis.tolist()[2] == "published"
