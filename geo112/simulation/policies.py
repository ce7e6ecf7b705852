"""Dispatch policies: which idle unit of a type goes to a call. Each is a small class with one method,
``choose(call, idle_units, state) -> unit``; a new policy plugs in by having it (:class:`Policy`).

- :class:`ClosestIdle`: the idle unit with the shortest travel time, as the console ranks proposals today.
- :class:`Mexclp`: dynamic MEXCLP dispatch (Jagtenberg, C. J., Bhulai, S. & van der Mei, R. D. (2017),
  "Dynamic ambulance dispatching: is the closest-idle policy always optimal?", *Health Care Management
  Science* 20, 517–531): among the idle units that can still reach the call within its target, the one whose
  departure loses the least expected coverage (Daskin's MEXCLP over the idle units at their stations); when
  none can, the closest. ``mexclp-safe`` is the same with a margin: in time with about 90 % probability
  given the spread of turnout and travel (the published rule takes times as certain).

Move-up after each dispatch (:mod:`geo112.planning.moveup`) would be a second hook, called when a unit
leaves; the simulator does not have it yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri

from geo112.simulation.model import CallView, Scenario, State

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class Policy(Protocol):
    """Chooses one of the idle units of the call's type (``idle_units`` is never empty)."""

    name: str

    def choose(self, call: CallView, idle_units: IntArray, state: State) -> int:
        """Return the unit index to send."""
        ...


class ClosestIdle:
    """The idle unit with the shortest travel time (lowest index on a tie)."""

    name = "closest"

    def choose(self, call: CallView, idle_units: IntArray, state: State) -> int:
        """Return the closest idle unit."""
        return int(idle_units[np.argmin(state.travel_s(idle_units, call.desa))])


def safe_margin(sigma: float, travel_sigma: float, quantile: float = 0.9) -> float:
    """A margin for :class:`Mexclp` so that a unit deemed in time is so with about this probability:
    the log-normal quantile of the wider of the turnout and travel spreads."""
    return float(np.exp(max(sigma, travel_sigma) * ndtri(quantile)))


class Mexclp:
    """Dynamic MEXCLP dispatch (Jagtenberg, Bhulai & van der Mei 2017).

    Parameters
    ----------
    scenario
        The scenario simulated (travel times, fleet).
    demand
        Expected calls (or any weight) per desa needing each type, ``(T, D)``.
    cover_s
        Per type, the travel seconds within which a station covers a desa.
    busy
        Per type code, the busy fraction ``q`` of Daskin's model (a unit is busy with probability q).
    turnout_s
        Seconds before a unit drives off: a unit reaches in time when turnout + travel ≤ target − elapsed.
    margin
        Factor on turnout and travel in that test. 1 is the published rule (times as the engine gives them);
        above 1 asks for room for the spread of real turnout and driving (see :func:`safe_margin`).
    name
        The policy's name in results.
    """

    def __init__(
        self,
        scenario: Scenario,
        demand: FloatArray,
        cover_s: FloatArray,
        busy: Mapping[str, float],
        turnout_s: float,
        margin: float = 1.0,
        name: str = "mexclp",
    ) -> None:
        self.name = name
        self._margin = margin
        self._demand = np.asarray(demand, dtype=float)
        self._q = np.array([busy.get(code, 0.2) for code in scenario.types], dtype=float)
        self._turnout_s = turnout_s
        # Which desa each unit covers from its station: idle units wait at their stations.
        kind, station = scenario.unit_type, scenario.unit_station
        self._covers = scenario.station_desa[kind, station, :] <= np.asarray(cover_s, dtype=float)[kind][:, None]

    def loss(self, kind: int, units: IntArray, idle: npt.NDArray[np.bool_]) -> FloatArray:
        """Expected coverage each of ``units`` takes away by leaving, with the ``idle`` units of the type."""
        q = self._q[kind]
        counts = self._covers[idle].sum(axis=0)  # idle units covering each desa (the candidates among them)
        # Daskin: a desa covered by k idle units is served in time with probability 1 − q^k; one leaving
        # lowers it by (1 − q) q^(k − 1).
        marginal = self._demand[kind] * (1.0 - q) * np.power(q, np.maximum(counts - 1, 0))
        return np.asarray(self._covers[units].astype(float) @ marginal, dtype=float)

    def choose(self, call: CallView, idle_units: IntArray, state: State) -> int:
        """Return the unit whose departure loses least expected coverage among those in time, else the closest."""
        travel = state.travel_s(idle_units, call.desa)
        in_time = self._margin * (self._turnout_s + travel) <= call.target_s - call.elapsed_s
        if not in_time.any():
            return int(idle_units[np.argmin(travel)])
        candidates, times = idle_units[in_time], travel[in_time]
        idle = state.idle & (state.scenario.unit_type == call.unit_type)
        loss = self.loss(call.unit_type, candidates, idle)
        best = np.flatnonzero(loss <= loss.min() + 1e-9)  # on a tie, the closest
        return int(candidates[best[np.argmin(times[best])]])
