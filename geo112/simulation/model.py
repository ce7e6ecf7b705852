"""The fleet over a period of calls: a discrete-event simulation on simpy, arrays in.

A call is received, processed (call-processing time, by priority) and released to dispatch: each unit type
its category needs asks for a unit. An idle unit of the type (idle units wait at their stations) is chosen by
the policy; with none idle the request waits in the type's queue (priority first, then oldest), and after
``mutual_aid_after_s`` a neighbour's unit is sent instead (arriving ``mutual_aid_travel_s`` later). A sent
unit turns out, drives to the desa, works on scene, carries the patient to the nearest hospital when the
category needs transport and the unit is of the transport type (handover there), and drives back to its
station; then it takes the head of its type's queue, or waits idle. A policy with a ``relocate`` method
(move-up) may, after each dispatch, send idle units to other stations; they cannot be dispatched while driving.

The response of a call for a unit type is the time from the call to the first unit of the type on scene; it
is late when over the call's on-scene target (``phase_target``, phase ``on_scene``).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import simpy
from scipy.special import ndtr

from geo112.analytics.synthetic_history import Delays
from geo112.simulation.calls import Calls

if TYPE_CHECKING:
    from geo112.simulation.policies import Policy

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Process = Generator[simpy.Event, Any, None]

_HISTORY = Delays()


@dataclass(frozen=True)
class Durations:
    """Medians (seconds) and log-normal spread of each phase; the defaults are the synthetic history's.

    ``exponential_on_scene`` makes time on scene exponential with mean ``on_scene_s`` (the analytic queue
    of the validation needs it).
    """

    dispatch_s: dict[int, float] = field(default_factory=lambda: dict(_HISTORY.call_to_dispatch_s))
    turnout_s: float = _HISTORY.turnout_s
    on_scene_s: float = _HISTORY.on_scene_s
    handover_s: float = 900.0
    sigma: float = _HISTORY.sigma
    travel_sigma: float = _HISTORY.travel_sigma
    exponential_on_scene: bool = False


@dataclass(frozen=True)
class Scenario:
    """What is simulated: travel times, the fleet, the categories and the rules, as arrays.

    Attributes
    ----------
    types
        Unit type codes; type index ``k`` is ``types[k]``.
    station_desa
        Seconds from each station to each desa by each type, ``(T, S, D)`` (``inf``: unreachable). Roads are
        taken as two-way: the same seconds bring a unit back.
    hospital_desa
        Seconds between each hospital and each desa by each type, ``(T, H, D)``.
    hospital_station
        Seconds from each hospital back to each station by each type, ``(T, H, S)``.
    unit_type, unit_station
        Type index and home station index of each unit.
    needs
        Per category, the ``(type index, count)`` pairs it needs.
    priority, target_s
        Per category: priority and on-scene target (seconds from the call).
    transport
        Per category: whether units of ``transport_type`` carry someone to hospital.
    transport_type
        The type index that transports (ambulance), or -1.
    durations
        Phase durations.
    mutual_aid_after_s
        A request waiting this long is served by mutual aid (None: it waits for a unit of its own).
    mutual_aid_travel_s
        Seconds from mutual aid being asked to it arriving.
    station_station
        Seconds from each station to each other by each type, ``(T, S, S)``: a relocated unit's drive (None: no
        relocation possible).
    population, coverage_s
        Persons per desa and, per type, the threshold of the planners' coverage (its first): with both, each run
        records the population covered by idle units as each call is released (None: not recorded).
    """

    types: tuple[str, ...]
    station_desa: FloatArray
    hospital_desa: FloatArray
    hospital_station: FloatArray
    unit_type: IntArray
    unit_station: IntArray
    needs: tuple[tuple[tuple[int, int], ...], ...]
    priority: IntArray
    target_s: FloatArray
    transport: BoolArray
    transport_type: int = -1
    durations: Durations = field(default_factory=Durations)
    mutual_aid_after_s: float | None = 900.0
    mutual_aid_travel_s: float = 1800.0
    station_station: FloatArray | None = None
    population: FloatArray | None = None
    coverage_s: FloatArray | None = None

    @property
    def n_types(self) -> int:
        """Unit types."""
        return len(self.types)

    def units_of(self, unit_type: int) -> IntArray:
        """The unit indices of a type."""
        return np.flatnonzero(self.unit_type == unit_type)


@dataclass(frozen=True)
class Run:
    """What one replication of one policy produced, per call and unit type it needed (NaN/False elsewhere).

    Attributes
    ----------
    needed
        Whether the call needed the type, ``(n, T)``.
    response_s
        Call → first unit of the type on scene.
    wait_s
        Release to dispatch → a unit of the type assigned (0 when one was idle).
    waited
        Whether the request waited in the queue.
    mutual_aid
        Whether mutual aid answered it.
    late
        Whether the response was over the call's target.
    priority
        Priority of each call.
    busy_s
        Seconds each unit spent away from idle (turnout to back at station).
    engaged_s
        Seconds each unit spent from being sent to leaving the scene: what an assignment in the incident history
        lasts (``assigned_at`` to ``ended_at``), for comparing with the history's busy fractions.
    horizon_s
        Length of the period.
    relocations
        Units moved to another station by the policy (move-up).
    coverage
        Share of the population within the coverage threshold of an idle unit of each type when each call is
        released, ``(n, T)`` (NaN when not recorded). Calls arrive as a Poisson stream, so their mean is the
        time average of coverage (PASTA); low percentiles show how thin cover gets.
    """

    needed: BoolArray
    response_s: FloatArray
    wait_s: FloatArray
    waited: BoolArray
    mutual_aid: BoolArray
    late: BoolArray
    priority: IntArray
    busy_s: FloatArray
    engaged_s: FloatArray
    horizon_s: float
    relocations: int = 0
    coverage: FloatArray | None = None


class _Request:
    __slots__ = ("call", "kind", "released", "taken")

    def __init__(self, call: int, kind: int, released: float) -> None:
        self.call, self.kind, self.released, self.taken = call, kind, released, False


@dataclass(frozen=True)
class CallView:
    """The call as a policy sees it when choosing a unit of one type."""

    index: int
    desa: int
    unit_type: int
    priority: int
    elapsed_s: float
    target_s: float


class State:
    """What a policy may read while choosing: the scenario, which units are idle and where, and the clock."""

    def __init__(
        self, scenario: Scenario, idle: BoolArray, env: simpy.Environment, station: IntArray | None = None
    ) -> None:
        self.scenario = scenario
        self._idle = idle
        self._env = env
        self._station = scenario.unit_station if station is None else station

    @property
    def now(self) -> float:
        """Seconds since the start of the period."""
        return float(self._env.now)

    @property
    def idle(self) -> BoolArray:
        """Whether each unit is idle at its station (read only)."""
        view = self._idle.view()
        view.flags.writeable = False
        return view

    @property
    def station(self) -> IntArray:
        """The station each unit waits at now (its home, or where move-up sent it; read only)."""
        view = self._station.view()
        view.flags.writeable = False
        return view

    def travel_s(self, units: IntArray, desa: int) -> FloatArray:
        """Seconds from the units' stations to a desa (the engine's ETA, without spread)."""
        s = self.scenario
        return np.asarray(s.station_desa[s.unit_type[units], self._station[units], desa], dtype=float)


class Simulation:
    """One replication of one policy over a set of calls (see the module docstring for the model)."""

    def __init__(self, scenario: Scenario, calls: Calls, policy: Policy, horizon_s: float) -> None:
        self.scenario, self.calls, self.policy, self.horizon_s = scenario, calls, policy, horizon_s
        self.env = simpy.Environment()
        n, n_types, n_units = len(calls), scenario.n_types, scenario.unit_type.size
        self.idle = np.ones(n_units, dtype=bool)
        self.station = scenario.unit_station.copy()
        self.state = State(scenario, self.idle, self.env, self.station)
        self.relocations = 0
        self.queues: list[list[tuple[int, float, int, _Request]]] = [[] for _ in range(n_types)]
        self._seq = itertools.count()
        self.needed = np.zeros((n, n_types), dtype=bool)
        self.response = np.full((n, n_types), np.nan)
        self.wait = np.full((n, n_types), np.nan)
        self.waited = np.zeros((n, n_types), dtype=bool)
        self.mutual = np.zeros((n, n_types), dtype=bool)
        self.coverage = np.full((n, n_types), np.nan)
        self.busy = np.zeros(n_units)
        self.engaged = np.zeros(n_units)
        self.call_priority = scenario.priority[calls.category]
        d = scenario.durations
        medians = np.array([d.dispatch_s[int(p)] for p in self.call_priority])
        self.released = calls.t + medians * np.exp(d.sigma * calls.z_dispatch)
        # Per call and type: turnout, travel factor, on scene, hospital handover (drawn once: common numbers).
        z = calls.z
        self.turnout = d.turnout_s * np.exp(d.sigma * z[:, :, 0])
        self.travel_factor = np.exp(d.travel_sigma * z[:, :, 1])
        if d.exponential_on_scene:
            self.on_scene = -d.on_scene_s * np.log(ndtr(-z[:, :, 2]))  # 1 - U of the same normal: exponential
        else:
            self.on_scene = d.on_scene_s * np.exp(d.sigma * z[:, :, 2])
        self.handover = d.handover_s * np.exp(d.sigma * z[:, :, 3])

    def run(self) -> Run:
        """Replay every call and return what happened."""
        self.env.process(self._arrivals())
        self.env.run()
        s = self.scenario
        target = s.target_s[self.calls.category][:, None]
        return Run(
            needed=self.needed,
            response_s=self.response,
            wait_s=self.wait,
            waited=self.waited,
            mutual_aid=self.mutual,
            late=self.needed & ~(self.response <= target),
            priority=self.call_priority.astype(np.int64),
            busy_s=self.busy,
            engaged_s=self.engaged,
            horizon_s=self.horizon_s,
            relocations=self.relocations,
            coverage=self.coverage,
        )

    def _arrivals(self) -> Process:
        for i in np.argsort(self.released, kind="stable").tolist():
            yield self.env.timeout(max(0.0, float(self.released[i]) - self.env.now))
            self._cover(i)
            for kind, count in self.scenario.needs[int(self.calls.category[i])]:
                self.needed[i, kind] = True
                for _ in range(count):
                    self._request(_Request(i, kind, self.env.now))

    def _cover(self, i: int) -> None:
        s = self.scenario
        if s.population is None or s.coverage_s is None or not s.population.sum():
            return
        for kind in range(s.n_types):
            idle = np.flatnonzero(self.idle & (s.unit_type == kind))
            covered = (s.station_desa[kind, self.station[idle]] <= s.coverage_s[kind]).any(axis=0)
            self.coverage[i, kind] = float(s.population[covered].sum() / s.population.sum())

    def _request(self, request: _Request) -> None:
        s = self.scenario
        idle = np.flatnonzero(self.idle & (s.unit_type == request.kind))
        reach = idle[np.isfinite(self.state.travel_s(idle, int(self.calls.desa[request.call])))]
        if reach.size:
            self._send(self._choose(request, reach), request)
            return
        if idle.size:  # units are free but no road leads from them: a neighbour's unit goes at once
            request.taken = True
            self._aid(request)
            return
        self.waited[request.call, request.kind] = True
        entry = (int(self.call_priority[request.call]), request.released, next(self._seq), request)
        heapq.heappush(self.queues[request.kind], entry)
        if s.mutual_aid_after_s is not None:
            self.env.process(self._mutual_aid(request, s.mutual_aid_after_s))

    def _choose(self, request: _Request, idle: IntArray) -> int:
        i = request.call
        view = CallView(i, int(self.calls.desa[i]), request.kind, int(self.call_priority[i]),
                        self.env.now - float(self.calls.t[i]),
                        float(self.scenario.target_s[self.calls.category[i]]))  # fmt: skip
        return int(self.policy.choose(view, idle, self.state))

    def _send(self, unit: int, request: _Request) -> None:
        request.taken = True
        self.idle[unit] = False
        self.env.process(self._mission(unit, request))
        relocate = getattr(self.policy, "relocate", None)
        if relocate is not None and self.scenario.station_station is not None:
            for moved, site in relocate(request.kind, self.state):
                self.idle[moved] = False
                self.relocations += 1
                self.env.process(self._relocation(moved, site))

    def _relocation(self, unit: int, site: int) -> Process:
        kind = int(self.scenario.unit_type[unit])
        assert self.scenario.station_station is not None
        yield self.env.timeout(self.scenario.station_station[kind, self.station[unit], site])
        self.station[unit] = site
        request = self._next(kind)
        if request is None:
            self.idle[unit] = True
        else:
            self.env.process(self._mission(unit, request))

    def _mutual_aid(self, request: _Request, after_s: float) -> Process:
        yield self.env.timeout(after_s)
        if not request.taken:
            request.taken = True
            self._aid(request)

    def _aid(self, request: _Request) -> None:
        self.mutual[request.call, request.kind] = True
        self.wait[request.call, request.kind] = self.env.now - request.released
        self._arrive(request, self.env.now + self.scenario.mutual_aid_travel_s)

    def _arrive(self, request: _Request, at: float) -> None:
        i, k = request.call, request.kind
        response = at - float(self.calls.t[i])
        if not response >= self.response[i, k]:  # the first unit of the type counts (NaN: none yet)
            self.response[i, k] = response

    def _mission(self, unit: int, request: _Request | None) -> Process:
        s, env = self.scenario, self.env
        kind = int(s.unit_type[unit])
        while request is not None:
            station = int(self.station[unit])
            i, desa, start = request.call, int(self.calls.desa[request.call]), env.now
            self.wait[i, kind] = np.fmin(self.wait[i, kind], start - request.released)
            travel = s.station_desa[kind, station, desa] * self.travel_factor[i, kind]
            if not np.isfinite(travel):  # no road from here: a neighbour's unit goes, this one stays
                self._aid(request)
                request = self._next(kind)
                continue
            yield env.timeout(self.turnout[i, kind] + travel)
            self._arrive(request, env.now)
            yield env.timeout(self.on_scene[i, kind])
            self.engaged[unit] += env.now - start
            if kind == s.transport_type and s.transport[self.calls.category[i]]:
                hospital = int(np.argmin(s.hospital_desa[kind, :, desa]))
                yield env.timeout(s.hospital_desa[kind, hospital, desa] * self.travel_factor[i, kind]
                                  + self.handover[i, kind])  # fmt: skip
                back = s.hospital_station[kind, hospital, station]
            else:
                back = s.station_desa[kind, station, desa]
            yield env.timeout(back * self.travel_factor[i, kind])
            self.busy[unit] += env.now - start
            request = self._next(kind)
        self.idle[unit] = True

    def _next(self, kind: int) -> _Request | None:
        queue = self.queues[kind]
        while queue:
            request = heapq.heappop(queue)[3]
            if not request.taken:
                request.taken = True
                return request
        return None


def simulate(scenario: Scenario, calls: Calls, policy: Policy, horizon_s: float) -> Run:
    """Replay the calls with the policy (one replication).

    Parameters
    ----------
    scenario
        Travel times, fleet, categories and rules.
    calls
        The calls (:meth:`geo112.simulation.calls.CallModel.draw`); the same calls for every policy compared.
    policy
        Chooses among idle units (:mod:`geo112.simulation.policies`).
    horizon_s
        Length of the period (for utilisation).

    Returns
    -------
    Run
    """
    return Simulation(scenario, calls, policy, horizon_s).run()


def replicate(
    scenario: Scenario, draw: Callable[[int], Calls], policies: Sequence[Policy], replications: int, horizon_s: float
) -> dict[str, list[Run]]:
    """Run every policy on the same calls of each replication (common random numbers).

    Parameters
    ----------
    scenario
        What is simulated.
    draw
        Replication number → its calls (e.g. ``lambda r: model.draw(days, seed, r, scenario.n_types)``).
    policies
        The policies compared; their names key the answer.
    replications
        How many.
    horizon_s
        Length of the period.

    Returns
    -------
    dict
        Policy name → one :class:`Run` per replication, in replication order.
    """
    runs: dict[str, list[Run]] = {p.name: [] for p in policies}
    for r in range(replications):
        calls = draw(r)
        for policy in policies:
            runs[policy.name].append(simulate(scenario, calls, policy, horizon_s))
    return runs
