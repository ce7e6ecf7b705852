"""Routes and snapping while another process holds a core: native thread counts set (1) against each library's
own default (one thread per core), in the same run.

``python -m benchmarks.bench_threads [--rounds 3] [--calls 400]``

Each round runs, alternately, a measuring process with ``OMP_NUM_THREADS`` (and BLAS's) at 1, as
:func:`geo112.config.limit_native_threads` sets it, and one at the machine's core count, as OpenMP would
choose; a spinning process keeps another core busy all the while. Each measures, on the synthetic Mojokerto
network, a route with geometry and steps between random places (snapping both ends) and snapping one place
to the road, wall and CPU milliseconds per call. Printed: medians over rounds of p50 and p95, and the ratio of
the default to the set count.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import time

VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _spin(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pass


def measure(calls: int, seed: int) -> dict[str, list[float]]:
    """Route and snap ``calls`` times in this process; wall and CPU ms of each call."""
    import numpy as np

    from benchmarks.timing import timed
    from geo112.config import get_settings
    from geo112.network import load_network

    settings = get_settings()
    network = load_network(settings.osm_path, settings.cache_dir)
    rng = np.random.default_rng(seed)
    lons, lats = rng.uniform(112.40, 112.65, (2, calls)), rng.uniform(-7.75, -7.40, (2, calls))
    routes = [lambda i=i: network.route((lons[0, i], lats[0, i]), (lons[1, i], lats[1, i]), 1.0) for i in range(calls)]
    snaps = [lambda i=i: network.snap_point(lons[0, i], lats[0, i]) for i in range(calls)]
    timed(routes[:20] + snaps[:20])  # warm
    route_wall, route_cpu = timed(routes)
    snap_wall, snap_cpu = timed(snaps)
    return {"route_wall": route_wall, "route_cpu": route_cpu, "snap_wall": snap_wall, "snap_cpu": snap_cpu}


def _child(threads: int, calls: int, seed: int) -> dict[str, list[float]]:
    env = {**os.environ, **dict.fromkeys(VARIABLES, str(threads))}
    code = f"import json, benchmarks.bench_threads as b; print(json.dumps(b.measure({calls}, {seed})))"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    result: dict[str, list[float]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """Run the rounds and print the table."""
    from benchmarks.timing import median_percentiles

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=400)
    args = parser.parse_args()
    cores = os.cpu_count() or 2
    rounds: dict[int, list[dict[str, list[float]]]] = {1: [], cores: []}
    busy = multiprocessing.Process(target=_spin, args=(3600.0,), daemon=True)
    busy.start()
    try:
        for r in range(args.rounds):
            for threads in (1, cores) if r % 2 == 0 else (cores, 1):
                rounds[threads].append(_child(threads, args.calls, seed=r))
    finally:
        busy.terminate()
        busy.join()
    print(f"{time.strftime('%Y-%m-%d')}, {cores} cores, one kept busy; {args.rounds} rounds x {args.calls} calls")
    print("| call | threads | wall p50 / p95 ms | CPU p50 / p95 ms |")
    print("|---|---:|---:|---:|")
    medians: dict[tuple[str, int], tuple[float, float]] = {}
    for call in ("route", "snap"):
        for threads in (1, cores):
            wall = median_percentiles([r[f"{call}_wall"] for r in rounds[threads]])
            cpu = median_percentiles([r[f"{call}_cpu"] for r in rounds[threads]])
            medians[call, threads] = wall
            print(f"| {call} | {threads} | {wall[0]:.3f} / {wall[1]:.3f} | {cpu[0]:.3f} / {cpu[1]:.3f} |")
    for call in ("route", "snap"):
        (p50, p95), (one50, one95) = medians[call, cores], medians[call, 1]
        print(f"{call}: library default / set to 1 = {p50 / one50:.1f}x (wall p50), {p95 / one95:.1f}x (wall p95)")


if __name__ == "__main__":
    main()
