"""Benchmark: one simulated year of the regency, one policy, one replication (target ≤ 60 s CPU).

Assembling the scenario (the desa index, one search per station and hospital per unit type, the call model
fitted from the history) is timed apart from the simulation itself, which works on arrays. ``--load``
multiplies the history's call rate (a busier regency: more events per simulated year). Prints CPU seconds of
this process. Needs a database after ``geo112 data load`` and ``geo112 history generate``
(``GEO112_DATABASE_URL``).

    python benchmarks/bench_simulation.py [--policy closest|mexclp|mexclp-safe] [--days 365] [--load 1] [--seed 112]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo112.config import get_settings
from geo112.network import network_for
from geo112.simulation import results
from geo112.simulation.model import simulate
from geo112.simulation.service import POLICIES, from_database
from geo112.store.db import session_scope

TARGET_S = 60.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policy", choices=POLICIES, default="closest")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--load", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=112)
    args = parser.parse_args()
    settings = get_settings()
    network = network_for(settings)
    cpu = time.process_time()
    with session_scope(settings.database_url) as session:
        inputs = from_database(session, network)
    assemble = time.process_time() - cpu
    scenario, calls = inputs.scenario, inputs.calls.scaled(args.load)
    policy = inputs.policy(args.policy)
    cpu, wall = time.process_time(), time.perf_counter()
    drawn = calls.draw(args.days, args.seed, 0, scenario.n_types)
    run = simulate(scenario, drawn, policy, args.days * 86400.0)
    simulated, elapsed = time.process_time() - cpu, time.perf_counter() - wall
    verdict = "meets" if simulated <= TARGET_S else "MISSES"
    print(
        f"{args.days} days, policy {args.policy}, load {args.load:g}: {len(drawn)} calls, "
        f"{int(run.needed.sum())} unit requests, {scenario.unit_type.size} units; late {results.late_share(run):.3f}"
    )
    print(f"assemble scenario: {assemble:.2f} s CPU (desa index, travel-time searches, call model)")
    print(f"simulate: {simulated:.2f} s CPU, {elapsed:.2f} s wall; {verdict} the {TARGET_S:.0f} s target")


if __name__ == "__main__":
    main()
