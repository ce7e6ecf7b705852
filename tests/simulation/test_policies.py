"""The policies on a scenario small enough to know the right answer."""

from __future__ import annotations

import dataclasses

import numpy as np
import simpy

from geo112.simulation.calls import CallModel
from geo112.simulation.model import CallView, Durations, Scenario, State, simulate
from geo112.simulation.policies import ClosestIdle, Mexclp, MoveUp


def three_stations() -> Scenario:
    """Desa 0 (the call) lies between stations A and B; desa 1 only A covers; desa 2 both B and C cover."""
    times = np.array(
        [
            [100.0, 200.0, 2000.0],  # A
            [200.0, 2000.0, 100.0],  # B
            [2000.0, 2000.0, 100.0],  # C
        ]
    )
    return Scenario(
        types=("ambulance",),
        station_desa=times[None],
        hospital_desa=np.zeros((1, 0, 3)),
        hospital_station=np.zeros((1, 0, 3)),
        unit_type=np.zeros(3, dtype=np.int64),
        unit_station=np.arange(3, dtype=np.int64),
        needs=(((0, 1),),),
        priority=np.array([1]),
        target_s=np.array([900.0]),
        transport=np.array([False]),
        durations=Durations(),
    )


def state(scenario: Scenario, idle: list[bool]) -> State:
    return State(scenario, np.array(idle), simpy.Environment())


def call(elapsed_s: float = 0.0) -> CallView:
    return CallView(index=0, desa=0, unit_type=0, priority=1, elapsed_s=elapsed_s, target_s=900.0)


def mexclp(scenario: Scenario) -> Mexclp:
    demand = np.array([[1.0, 10.0, 10.0]])
    return Mexclp(scenario, demand, np.array([300.0]), {"ambulance": 0.2}, turnout_s=90.0)


def test_closest_idle_sends_the_nearest() -> None:
    scenario = three_stations()
    assert ClosestIdle().choose(call(), np.array([0, 1, 2]), state(scenario, [True] * 3)) == 0
    assert ClosestIdle().choose(call(), np.array([1, 2]), state(scenario, [False, True, True])) == 1


def test_mexclp_keeps_the_only_cover_of_a_desa() -> None:
    """A alone covers desa 1; B's desa 2 keeps C: MEXCLP sends B, which is in time too."""
    scenario = three_stations()
    policy = mexclp(scenario)
    loss = policy.loss(0, np.array([0, 1]), state(scenario, [True] * 3))
    # A: desa 0 (k=2: 1 × 0.8 × 0.2) + desa 1 (k=1: 10 × 0.8); B: desa 0 (0.16) + desa 2 (k=2: 10 × 0.8 × 0.2)
    np.testing.assert_allclose(loss, [0.16 + 8.0, 0.16 + 1.6])
    assert policy.choose(call(), np.array([0, 1, 2]), state(scenario, [True] * 3)) == 1


def test_mexclp_sends_the_closest_when_no_other_is_in_time() -> None:
    """With 650 s gone, B (90 + 200 s) would be late and A (90 + 100 s) is not: A goes."""
    scenario = three_stations()
    assert mexclp(scenario).choose(call(650.0), np.array([0, 1, 2]), state(scenario, [True] * 3)) == 0
    # With 800 s gone neither is in time: the closest.
    assert mexclp(scenario).choose(call(800.0), np.array([0, 1, 2]), state(scenario, [True] * 3)) == 0


def moveup(base: ClosestIdle | Mexclp) -> MoveUp:
    return MoveUp(base, np.array([1.0, 10.0, 10.0]), np.array([300.0]), np.zeros(3, dtype=np.int64))


def test_moveup_fills_the_hole_a_dispatch_leaves() -> None:
    """A left: desa 1 (10 of 21 persons) has no cover; one of B and C moves to A's station."""
    scenario = three_stations()
    moves = moveup(ClosestIdle()).relocate(0, state(scenario, [False, True, True]))
    assert len(moves) == 1 and moves[0][0] in (1, 2) and moves[0][1] == 0
    # Everyone covered (A, B and C at home): nothing to do.
    assert moveup(ClosestIdle()).relocate(0, state(scenario, [True] * 3)) == []
    assert moveup(ClosestIdle()).name == "closest+moveup"


def test_moveup_in_the_simulation() -> None:
    """Relocated units drive between stations and answer from where they stand; every call is still answered."""
    scenario = dataclasses.replace(three_stations(), station_station=np.full((1, 3, 3), 120.0))
    calls = CallModel(np.full(168, 1.0), np.array([1.0, 0.0, 0.0]), np.array([1.0])).draw(10, 5, 0, 1)
    run = simulate(scenario, calls, moveup(ClosestIdle()), 10 * 86400.0)
    assert run.relocations > 0
    assert np.isfinite(run.response_s[run.needed]).all()
    plain = simulate(scenario, calls, ClosestIdle(), 10 * 86400.0)
    assert plain.relocations == 0
    np.testing.assert_array_equal(run.needed, plain.needed)
