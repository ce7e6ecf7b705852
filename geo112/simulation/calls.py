"""The calls a simulation replays: a rate per hour of the week, a desa mix and a category mix, fitted from
an incident history (arrays in) and drawn as a non-homogeneous Poisson stream.

The fit is a product of independent parts, each estimated from the whole history, because a history of a
few thousand incidents cannot fill a table of desa × category × 168 hours: calls per week × share of the
day of week × share of the hour of day, a desa share (the history's counts shrunk towards population: a
desa with no incident in a year is not a desa where none can happen) and a category share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from geo112.errors import InvalidInput

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
HOURS_PER_WEEK = 168
#: Weight of the population prior in the desa share, in incidents per desa.
PRIOR_PER_DESA = 1.0
#: Draws per call for its durations (columns of :attr:`Calls.z`): turnout, travel, on scene, hospital.
DRAWS = 4


@dataclass(frozen=True)
class Calls:
    """One replication's calls, sorted by time, with the random draws of their durations.

    Attributes
    ----------
    t
        Seconds from the start of the period at which each call is received.
    desa, category
        Desa index and category index of each call.
    z_dispatch
        A standard normal per call: its call-processing time (received → dispatched).
    z
        Standard normals per call, unit type and :data:`DRAWS`: what the unit of that type sent to it takes
        (turnout, travel spread, time on scene, hospital). Drawn apart from the arrivals, so two policies
        replayed on the same seeds see the same calls *and* the same durations (common random numbers).
    """

    t: FloatArray
    desa: IntArray
    category: IntArray
    z_dispatch: FloatArray
    z: FloatArray

    def __len__(self) -> int:
        return int(self.t.size)


@dataclass(frozen=True)
class CallModel:
    """Calls per hour of the week, and where and what they are.

    Attributes
    ----------
    hourly_rate
        Expected calls in each hour of the week (168 values; hour 0 is Monday 00:00–01:00 local time).
    desa_share, category_share
        Probabilities (each sums to 1).
    """

    hourly_rate: FloatArray
    desa_share: FloatArray
    category_share: FloatArray

    @classmethod
    def fit(
        cls,
        hour_of_week: npt.ArrayLike,
        desa: npt.ArrayLike,
        category: npt.ArrayLike,
        days: float,
        desa_population: npt.ArrayLike,
        n_categories: int,
    ) -> CallModel:
        """Fit the model to a history.

        Parameters
        ----------
        hour_of_week
            Local hour of the week of each incident (0 = Monday 00:00).
        desa, category
            Desa and category index of each incident.
        days
            Length of the period the history covers.
        desa_population
            Population per desa: the prior of the desa share (and the whole of it without history).
        n_categories
            Number of categories.

        Returns
        -------
        CallModel

        Raises
        ------
        InvalidInput
            For an empty history or period.
        """
        how = np.asarray(hour_of_week, dtype=np.int64)
        if how.size == 0 or days <= 0:
            raise InvalidInput("a call model needs a history with at least one incident over a period")
        weeks = days / 7.0
        day = np.bincount(how // 24, minlength=7) / how.size
        hour = np.bincount(how % 24, minlength=24) / how.size
        hourly = how.size / weeks * np.outer(day, hour).ravel()
        population = np.asarray(desa_population, dtype=float)
        prior = population / population.sum() if population.sum() > 0 else np.full(population.size, 1 / population.size)
        counts = np.bincount(np.asarray(desa, dtype=np.int64), minlength=population.size).astype(float)
        desa_share = counts + PRIOR_PER_DESA * population.size * prior
        mix = np.bincount(np.asarray(category, dtype=np.int64), minlength=n_categories).astype(float)
        return cls(hourly, desa_share / desa_share.sum(), mix / mix.sum())

    def scaled(self, load: float) -> CallModel:
        """The same model with ``load`` times the calls (a what-if of demand; 1: as fitted)."""
        if not load > 0:
            raise InvalidInput(f"load must be positive, got {load}")
        return CallModel(self.hourly_rate * load, self.desa_share, self.category_share)

    @property
    def calls_per_day(self) -> float:
        """Expected calls per day."""
        return float(self.hourly_rate.sum() / 7.0)

    def draw(self, days: float, seed: int, replication: int, n_types: int, start_hour_of_week: int = 0) -> Calls:
        """Draw one replication's calls over ``days`` (the same seed and replication give the same calls).

        Each hour's count is Poisson with that hour's rate; the calls are spread uniformly within the hour.

        Parameters
        ----------
        days
            Length of the period.
        seed, replication
            The stream: ``numpy.random.default_rng([seed, replication])`` draws the arrivals, a second
            stream ``[seed, replication, 1]`` the durations.
        n_types
            Unit types of the scenario (columns of :attr:`Calls.z`).
        start_hour_of_week
            Hour of the week the period starts at (0: a Monday midnight).
        """
        hours = int(np.ceil(days * 24))
        rng = np.random.default_rng([seed, replication])
        rate = self.hourly_rate[(start_hour_of_week + np.arange(hours)) % HOURS_PER_WEEK]
        per_hour = rng.poisson(rate)
        t = np.repeat(np.arange(hours) * 3600.0, per_hour) + rng.random(int(per_hour.sum())) * 3600.0
        t = np.sort(t[t < days * 86400.0])
        n = t.size
        desa = rng.choice(self.desa_share.size, size=n, p=self.desa_share)
        category = rng.choice(self.category_share.size, size=n, p=self.category_share)
        durations = np.random.default_rng([seed, replication, 1])
        return Calls(
            t,
            desa.astype(np.int64),
            category.astype(np.int64),
            durations.standard_normal(n),
            durations.standard_normal((n, n_types, DRAWS)),
        )
