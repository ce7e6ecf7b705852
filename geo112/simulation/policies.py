"""Dispatch policies: which idle unit of a type goes to a call. Each is a small class with one method,
``choose(call, idle_units, state) -> unit``; a new policy plugs in by having it (:class:`Policy`).

- :class:`ClosestIdle`: the idle unit with the shortest travel time, as the console ranks proposals today.
- :class:`Mexclp`: dynamic MEXCLP dispatch (Jagtenberg, C. J., Bhulai, S. & van der Mei, R. D. (2017),
  "Dynamic ambulance dispatching: is the closest-idle policy always optimal?", *Health Care Management
  Science* 20, 517–531): among the idle units that can still reach the call within its target, the one whose
  departure loses the least expected coverage (Daskin's MEXCLP over the idle units at their stations); when
  none can, the closest. ``mexclp-safe`` is the same with a margin: in time with about 90 % probability
  given the spread of turnout and travel (the published rule takes times as certain).

- :class:`MoveUp`: any of these, and after each dispatch geo112's move-up (:mod:`geo112.planning.moveup`): when
  the type's covered population falls below the level or a kecamatan is left bare, the greedy relocations of
  idle units to stations (a policy with a ``relocate`` method; the simulator drives the moves).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri

from geo112.config import MOVEUP_LEVEL
from geo112.planning.coverage.model import within_threshold
from geo112.planning.moveup import MAX_MOVES, Relation, greedy_moves
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
        self._cover_s = np.asarray(cover_s, dtype=float)

    def loss(self, kind: int, units: IntArray, state: State) -> FloatArray:
        """Expected coverage each of ``units`` takes away by leaving, with the idle units of the type."""
        q = self._q[kind]
        rows = state.scenario.station_desa[kind]
        idle = np.flatnonzero(state.idle & (state.scenario.unit_type == kind))
        # Idle units wait at their stations: which desa each covers from there (the candidates among them).
        counts = (rows[state.station[idle]] <= self._cover_s[kind]).sum(axis=0)
        # Daskin: a desa covered by k idle units is served in time with probability 1 − q^k; one leaving
        # lowers it by (1 − q) q^(k − 1).
        marginal = self._demand[kind] * (1.0 - q) * np.power(q, np.maximum(counts - 1, 0))
        covers = rows[state.station[units]] <= self._cover_s[kind]
        return np.asarray(covers.astype(float) @ marginal, dtype=float)

    def choose(self, call: CallView, idle_units: IntArray, state: State) -> int:
        """Return the unit whose departure loses least expected coverage among those in time, else the closest."""
        travel = state.travel_s(idle_units, call.desa)
        in_time = self._margin * (self._turnout_s + travel) <= call.target_s - call.elapsed_s
        if not in_time.any():
            return int(idle_units[np.argmin(travel)])
        candidates, times = idle_units[in_time], travel[in_time]
        loss = self.loss(call.unit_type, candidates, state)
        best = np.flatnonzero(loss <= loss.min() + 1e-9)  # on a tie, the closest
        return int(candidates[best[np.argmin(times[best])]])


class MoveUp:
    """A dispatch policy plus geo112's move-up after each dispatch.

    Parameters
    ----------
    base
        The policy that chooses the unit sent.
    population
        Persons per desa (move-up's weights, as in the console).
    cover_s
        Per type, the threshold in seconds (the type's first coverage threshold, as in the console).
    kecamatan
        Kecamatan index of each desa: a kecamatan with people and no cover triggers move-up too.
    level
        Below this share of the population covered, move-up proposes relocations.
    max_moves
        Most relocations after one dispatch.
    """

    def __init__(
        self,
        base: Policy,
        population: FloatArray,
        cover_s: FloatArray,
        kecamatan: IntArray,
        level: float = MOVEUP_LEVEL,
        max_moves: int = MAX_MOVES,
    ) -> None:
        self.name = f"{base.name}+moveup"
        self._base = base
        self._people = np.asarray(population, dtype=float)
        self._cover_s = np.array(cover_s, dtype=float)  # a copy: the sites' reach is found once for it
        self._kecamatan = np.asarray(kecamatan, dtype=np.int64)
        self._level = level
        self._max_moves = max_moves
        #: Per unit type, the scenario's sites and whether each reaches each desa within the threshold.
        self._sites: dict[int, tuple[Scenario, IntArray, Relation]] = {}

    def choose(self, call: CallView, idle_units: IntArray, state: State) -> int:
        """The base policy's choice."""
        return self._base.choose(call, idle_units, state)

    def relocate(self, kind: int, state: State) -> list[tuple[int, int]]:
        """Relocations ``(unit, station)`` of idle units of the type, after one of them left."""
        s = state.scenario
        units = np.flatnonzero(state.idle & (s.unit_type == kind))
        sites, reach = self._sites_of(s, kind)
        if not units.size or not sites.size or not self._people.sum():
            return []
        threshold = float(self._cover_s[kind])
        unit_times = s.station_desa[kind, state.station[units]]
        covered = (unit_times <= threshold).any(axis=0)
        share = self._people[covered].sum() / self._people.sum()
        in_kecamatan = np.bincount(self._kecamatan, weights=self._people)
        covered_in = np.bincount(self._kecamatan, weights=self._people * covered, minlength=in_kecamatan.size)
        bare = bool(((in_kecamatan > 0) & (covered_in == 0)).any())
        if share >= self._level and not bare:
            return []
        every = np.ones(units.size, dtype=bool)
        moves = greedy_moves(unit_times, every, every, reach, threshold, self._people, self._max_moves)
        return [(int(units[m.unit]), int(sites[m.site])) for m in moves]

    def _sites_of(self, s: Scenario, kind: int) -> tuple[IntArray, Relation]:
        """The stations a unit of the type can reach anything from, and which desa each reaches within the
        threshold: the same after every dispatch of a run, so found once (a simulated year asks thousands of
        times)."""
        held = self._sites.get(kind)
        if held is None or held[0] is not s:
            sites = np.flatnonzero(np.isfinite(s.station_desa[kind]).any(axis=1))
            held = (s, sites, within_threshold(s.station_desa[kind, sites], float(self._cover_s[kind])))
            self._sites[kind] = held
        return held[1], held[2]
