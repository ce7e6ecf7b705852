"""The call model: fitted from a history, it gives back the history's calls per hour (validation)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from geo112.analytics.synthetic_history import hourly_profile
from geo112.errors import InvalidInput
from geo112.simulation.calls import CallModel


def history(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A year of incidents with the synthetic history's day/night curve, in 30 desa and 4 categories."""
    rng = np.random.default_rng(seed)
    how = rng.integers(0, 7, n) * 24 + rng.choice(24, size=n, p=hourly_profile())
    return how, rng.integers(0, 30, n), rng.choice(4, size=n, p=[0.4, 0.3, 0.2, 0.1])


def calls_per_hour_of_day(t: np.ndarray) -> np.ndarray:
    return np.bincount((t // 3600).astype(np.int64) % 24, minlength=24)


def test_fitted_model_gives_back_the_history_per_hour() -> None:
    """Five simulated years against the year fitted from: counts per hour of day agree (chi-square)."""
    how, desa, category = history(2000, 1)
    model = CallModel.fit(how, desa, category, 364.0, np.ones(30), 4)
    assert model.calls_per_day * 364 == pytest.approx(2000)
    simulated = sum(calls_per_hour_of_day(model.draw(364, 112, r, 1).t) for r in range(5))
    observed = np.bincount(how % 24, minlength=24)
    expected = observed / observed.sum() * simulated.sum()
    assert stats.chisquare(simulated, expected).pvalue > 0.001
    assert abs(simulated.sum() / 5 - 2000) < 3 * np.sqrt(2000)


def test_desa_share_is_shrunk_towards_population() -> None:
    """A desa without incidents keeps a share from its population; the counts dominate where there are many."""
    model = CallModel.fit([0] * 90, [0] * 90, [0] * 90, 7.0, np.array([1.0, 1.0, 1.0]), 1)
    np.testing.assert_allclose(model.desa_share, [91 / 93, 1 / 93, 1 / 93])


def test_scaled_and_errors() -> None:
    model = CallModel.fit([0, 1], [0, 0], [0, 0], 7.0, np.ones(1), 1)
    assert model.scaled(3.0).calls_per_day == pytest.approx(3 * model.calls_per_day)
    with pytest.raises(InvalidInput):
        CallModel.fit([], [], [], 7.0, np.ones(1), 1)
    with pytest.raises(InvalidInput):
        model.scaled(0)
