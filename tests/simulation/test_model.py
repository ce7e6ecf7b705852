"""The simulator on arrays: an analytic queue (Erlang C), the model's bookkeeping, common random numbers."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from geo112.simulation import results
from geo112.simulation.calls import CallModel
from geo112.simulation.model import Durations, Scenario, replicate, simulate
from geo112.simulation.policies import ClosestIdle
from geo112.simulation.results import Interval, erlang_c

DAY = 86400.0


def one_station(
    servers: int, travel_s: float, durations: Durations, mutual_aid_after_s: float | None = None
) -> Scenario:
    """One desa, one station with ``servers`` units of one type, one category needing one unit."""
    return Scenario(
        types=("ambulance",),
        station_desa=np.full((1, 1, 1), travel_s),
        hospital_desa=np.full((1, 1, 1), travel_s),
        hospital_station=np.full((1, 1, 1), travel_s),
        unit_type=np.zeros(servers, dtype=np.int64),
        unit_station=np.zeros(servers, dtype=np.int64),
        needs=(((0, 1),),),
        priority=np.array([1]),
        target_s=np.array([900.0]),
        transport=np.array([False]),
        durations=durations,
        mutual_aid_after_s=mutual_aid_after_s,
    )


def poisson(calls_per_hour: float) -> CallModel:
    return CallModel(np.full(168, calls_per_hour), np.array([1.0]), np.array([1.0]))


def test_erlang_c_textbook_value() -> None:
    # c = 2, a = 1 Erlang: P(wait) = 1/3, E[wait] = P / (cμ − λ) = 1/3.
    p, w = erlang_c(2, 1.0, 1.0)
    assert p == pytest.approx(1 / 3) and w == pytest.approx(1 / 3)


def test_matches_erlang_c() -> None:
    """One station, c = 3 units, exponential service, Poisson calls: the M/M/c queue.

    Only time on scene is random (exponential); call processing, turnout and travel are zero so the unit's
    busy time is exactly exponential. P(wait) and the mean wait of the simulation, over replications, must
    hold Erlang C's values within twice their 95 % half-width (each replication starts empty, and waits
    within one are correlated, so the interval is a little optimistic). A 20 × 200-day run gave
    P(wait) 0.496 [0.489, 0.503] and mean wait 2,040 s [1,941, 2,138] against Erlang C's 0.492 and 1,969 s.
    """
    exact = Durations(
        dispatch_s={1: 0.0}, turnout_s=0.0, on_scene_s=3600.0, travel_sigma=0.0, exponential_on_scene=True
    )
    scenario = one_station(3, 0.0, exact)
    model, days = poisson(2.1), 120
    runs = replicate(scenario, lambda r: model.draw(days, 7, r, 1), [ClosestIdle()], 12, days * DAY)["closest"]
    p_wait, mean_wait = erlang_c(3, 2.1 / 3600.0, 1 / 3600.0)
    p = Interval.of([float(run.waited[:, 0].mean()) for run in runs])
    w = Interval.of([float(run.wait_s[:, 0].mean()) for run in runs])
    assert abs(p.mean - p_wait) <= 2 * p.half_width, (p, p_wait)
    assert abs(w.mean - mean_wait) <= 2 * w.half_width, (w, mean_wait)


def test_constant_travel_adds_to_wait() -> None:
    """With constant travel and no spread, every response is wait + turnout + travel exactly."""
    d = Durations(dispatch_s={1: 0.0}, turnout_s=0.0, on_scene_s=3600.0, travel_sigma=0.0, sigma=0.0)
    scenario = one_station(2, 300.0, d)
    calls = poisson(1.0).draw(10, 1, 0, 1)
    run = simulate(scenario, calls, ClosestIdle(), 10 * DAY)
    np.testing.assert_allclose(run.response_s[:, 0], run.wait_s[:, 0] + 300.0)
    assert run.waited.any() and not run.waited.all()
    # busy: out, an hour on scene, back
    assert run.busy_s.sum() == pytest.approx(len(calls) * 4200.0)


def test_mutual_aid_answers_a_long_wait() -> None:
    d = Durations(dispatch_s={1: 0.0}, turnout_s=0.0, on_scene_s=36000.0, travel_sigma=0.0, sigma=0.0)
    scenario = one_station(1, 60.0, d, mutual_aid_after_s=600.0)
    calls = poisson(0.5).draw(5, 3, 0, 1)
    run = simulate(scenario, calls, ClosestIdle(), 5 * DAY)
    aided = run.mutual_aid[:, 0]
    assert aided.any()
    np.testing.assert_allclose(run.wait_s[aided, 0], 600.0)
    assert (run.response_s[aided, 0] >= 600.0 + scenario.mutual_aid_travel_s).all()
    assert (run.wait_s[:, 0] <= 600.0 + 1e-6).all()


def test_same_seed_same_calls_other_seed_other_calls() -> None:
    model = poisson(3.0)
    a, b, c = model.draw(7, 112, 0, 2), model.draw(7, 112, 0, 2), model.draw(7, 112, 1, 2)
    np.testing.assert_array_equal(a.t, b.t)
    np.testing.assert_array_equal(a.z, b.z)
    assert len(a) != len(c) or not np.array_equal(a.t, c.t)


def test_coverage_seen_by_calls_is_its_time_average() -> None:
    """One unit covering the one desa: the share of calls that find it idle is the share of time it is idle
    (PASTA), which is what the run's coverage records."""
    d = Durations(dispatch_s={1: 0.0}, turnout_s=0.0, on_scene_s=1800.0, travel_sigma=0.0, exponential_on_scene=True)
    scenario = dataclasses.replace(one_station(1, 0.0, d), population=np.array([100.0]), coverage_s=np.array([300.0]))
    runs = [simulate(scenario, poisson(0.8).draw(60, 9, r, 1), ClosestIdle(), 60 * DAY) for r in range(5)]
    seen = Interval.of([results.coverage(run, 0) for run in runs])
    idle = Interval.of([1 - run.busy_s.sum() / run.horizon_s for run in runs])
    assert abs(seen.mean - idle.mean) <= 2 * max(seen.half_width, idle.half_width), (seen, idle)
    assert abs(seen.mean - (1 - 0.8 * 0.5)) < 0.05  # M/M/1: idle 1 − ρ, ρ = 0.8/h × 0.5 h
    table = results.table(runs, scenario.types, scenario.unit_type)
    assert table[0].figures["coverage"].mean == pytest.approx(seen.mean)


def test_a_desa_no_unit_can_reach_gets_mutual_aid() -> None:
    """Desa 1 has no road from the station: its calls go to mutual aid at once or when queued, never hang."""
    d = Durations(dispatch_s={1: 0.0}, turnout_s=0.0, on_scene_s=7200.0, travel_sigma=0.0, sigma=0.0)
    base = one_station(1, 60.0, d)
    scenario = dataclasses.replace(base, station_desa=np.array([[[60.0, np.inf]]]), hospital_desa=np.zeros((1, 1, 2)))
    model = CallModel(np.full(168, 1.0), np.array([0.5, 0.5]), np.array([1.0]))
    run = simulate(scenario, model.draw(5, 4, 0, 1), ClosestIdle(), 5 * DAY)
    far = model.draw(5, 4, 0, 1).desa == 1
    assert far.any() and run.mutual_aid[far, 0].all() and not run.mutual_aid[~far & ~run.waited[:, 0], 0].any()
    assert np.isfinite(run.response_s[:, 0]).all() and np.isfinite(run.busy_s).all()
